"""Lint findings in clause text: things a careful editor would fix before release.

Pure: text in, findings out. Lines point into the clause file.
"""

from __future__ import annotations

import re

from .controls import BIDI_RE
from .errors import Finding
from .headings import ANCHOR_LINK_RE, written_ids
from .model import Manifest, PolicyText, canonical_json

# "by email (, and": a parenthesis opened for an address that was never filled in.
PLACEHOLDER_RE = re.compile(r"\b(e-?mail|emial|phone|telephone|address|website|url|link)\s*[(（]\s*(?=[,;:.)）]|\s+[A-Z]|$)",
                            re.I | re.M)
EMPTY_LINK_RE = re.compile(r"\[[^\]]*\]\(\s*\)")
TYPOS = {"emial": "email", "recieve": "receive", "seperate": "separate", "occured": "occurred",
         "priviledge": "privilege", "adress": "address", "thier": "their", "untill": "until",
         "wich": "which", "acount": "account", "informations": "information"}
TYPO_RE = re.compile(r"\b(" + "|".join(TYPOS) + r")\b", re.I)
RESIDUE_RE = re.compile(r"^\s*(scroll|back to top|print this page|accept all cookies)\s*$", re.I | re.M)


def _line_of(body: str, offset: int, body_line: int) -> int:
    return body_line + body.count("\n", 0, offset)


def lint_clause(clause, lang: str) -> list[Finding]:
    out = []
    body = clause.body
    for m in PLACEHOLDER_RE.finditer(body):
        out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                           f"broken placeholder: {m.group(0).strip()!r} opens a bracket for a contact detail "
                           "that is not filled in", severity="warning",
                           hint="write the contact detail inside the brackets, or remove them"))
    for m in EMPTY_LINK_RE.finditer(body):
        out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                           f"link without a target: {m.group(0)!r}", severity="warning",
                           hint="add the URL between the parentheses"))
    if lang.split("-")[0] == "en":
        for m in TYPO_RE.finditer(body):
            out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                               f"possible typo {m.group(0)!r} (did you mean {TYPOS[m.group(0).lower()]!r}?)",
                               severity="warning"))
    for m in BIDI_RE.finditer(body):
        out.append(_bidi_finding(clause.path, _line_of(body, m.start(), clause.body_line), m.group()))
    for key, value in (("title", clause.title), *clause.facts.items()):
        hit = BIDI_RE.search(canonical_json(value) if not isinstance(value, str) else value)
        if hit:
            out.append(_bidi_finding(clause.path, clause.fact_lines.get(key, 2), hit.group()))
    for m in RESIDUE_RE.finditer(body):
        out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                           f"{m.group(0).strip()!r} looks like web page residue, not policy text",
                           severity="warning", hint="delete the line"))
    return out


def dead_anchors(text: PolicyText) -> list[Finding]:
    """In-page links (#id) to no clause and no id written in the text: they lead nowhere."""
    ids = {c.id for c in text.clauses}
    for c in text.clauses:
        ids.update(written_ids(c.body))
    out = []
    for c in text.clauses:
        for m in ANCHOR_LINK_RE.finditer(c.body):
            target = m.group(2)
            if target not in ids:
                out.append(Finding(c.path, _line_of(c.body, m.start(), c.body_line),
                                   f"in-page link to '#{target}' leads nowhere: no clause or heading has that id",
                                   severity="warning",
                                   hint="link to a clause id (" + ", ".join(sorted(x.id for x in text.clauses)[:5])
                                        + (", ..." if len(text.clauses) > 5 else "") + ") or remove the link"))
    return out


def _bidi_finding(path: str, line: int, char: str) -> Finding:
    return Finding(path, line, f"invisible bidirectional control character U+{ord(char):04X}: the text may show "
                               "words in another order than it holds", severity="warning",
                   hint="delete it; right-to-left text needs no control characters (diffs show it as "
                        f"<U+{ord(char):04X}>)")


def lint_policy(manifest: Manifest, texts: dict) -> list[Finding]:
    out = []
    for lang, text in texts.items():
        for clause in text.clauses:
            out.extend(lint_clause(clause, lang))
        out.extend(lint_facts(text))
        out.extend(dead_anchors(text))
    out.extend(stale_translations(manifest, texts))
    out.extend(missing_catalogs(manifest))
    return out


def missing_catalogs(manifest: Manifest) -> list[Finding]:
    """A language with no interface catalog gets English banners, labels and reasons."""
    from .i18n import catalogs, has_catalog

    return [Finding(manifest.path, None, f"language {lang!r} has no interface catalog: its pages show banners, "
                    "labels and reasons in English", severity="warning",
                    hint="catalogs: " + ", ".join(catalogs()) + "; add generator/locale/<locale>/LC_MESSAGES/"
                    "policygen.po (a copy of en's, translated) and compile it with pybabel compile")
            for lang in manifest.languages if not has_catalog(lang)]


def source_hash(clause) -> str:
    return clause.content_hash[:12]


def stale_translation_ids(manifest: Manifest, texts: dict, lang: str) -> list[str]:
    """Translated clauses whose recorded source no longer matches the source clause."""
    src = texts.get(manifest.source_lang)
    tr = texts.get(lang)
    if src is None or tr is None:
        return []
    out = []
    for c in tr.clauses:
        s = src.clause(c.id)
        if s is not None and c.source_hash != source_hash(s):
            out.append(c.id)
    return out


def orphaned_translation_ids(manifest: Manifest, texts: dict, lang: str) -> list[str]:
    """Translated clauses whose id the source language no longer has."""
    tr = texts.get(lang)
    return [c.id for c in tr.orphans] if tr is not None else []


def translation_in_step(manifest: Manifest, texts: dict, lang: str) -> bool:
    """Whether a translation has every source clause, translated from its current text."""
    tr = texts.get(lang)
    return bool(tr and tr.clauses) and not tr.orphans and len(tr.clauses) == len(manifest.clauses) \
        and not stale_translation_ids(manifest, texts, lang)


def stale_translations(manifest: Manifest, texts: dict) -> list[Finding]:
    out = []
    for lang in manifest.languages[1:]:
        tr = texts.get(lang)
        for c in tr.orphans if tr is not None else ():
            out.append(Finding(
                c.path, 2, f"orphaned translation: the source language ({manifest.source_lang}) no longer has a "
                           f"clause {c.id!r}; {lang} lags the source text", severity="warning",
                hint=f"translate the source's new clauses into {lang} (policygen import FILE --policy {manifest.id} "
                     f"--lang {lang}) and delete this file; until then 'policygen release "
                     "--allow-stale-translations' keeps publishing the last translation that was in step"))
        for cid in stale_translation_ids(manifest, texts, lang):
            c = tr.clause(cid)
            why = "records no source_hash" if not c.source_hash else "was translated from an older source text"
            out.append(Finding(c.path, 2, f"stale translation: clause {cid!r} {why}", severity="warning",
                               hint=f"update the translation, then set 'source_hash: "
                                    f"{source_hash(texts[manifest.source_lang].clause(cid))}'"))
    return out


# --- front matter facts against the text ----------------------------------------------------
# The data-practices summary is built from the facts, so facts the text does not back up (or
# text the facts leave out) would mislead readers. Warnings, with the front matter key's line
# for a fact and the text line for a mention.

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Other names of a country or region, beyond its English and Chinese names (CLDR, via Babel):
# a transfer to "USA" is mentioned by a text that says "United States".
PLACE_ALIASES = {
    "US": ("USA", "U.S.", "U.S.A.", "US", "America", "United States of America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "EU": ("EU", "EEA", "European Economic Area", "欧洲经济区"),
    "CN": ("PRC", "mainland China", "People's Republic of China", "中华人民共和国", "中国大陆"),
    "HK": ("Hong Kong", "Hong Kong SAR", "香港", "中国香港"),
    "MO": ("Macao", "Macau", "澳门", "中国澳门"),
    "TW": ("台湾地区",),
    "KR": ("Korea", "Republic of Korea", "韩国"),
    "NL": ("the Netherlands", "Holland"),
}
# Sensitive data a text may mention: (what it is, words in a text that mention it, words in a
# data category's name that cover it). Triggers are specific ("health data", not "public
# health"); covering words are broad ("device location" covers a GPS mention).
SENSITIVE_CONCEPTS = (
    ("health data",
     r"\b(health|medical)[ -](data|information|status|conditions?|records?|history|reports?|examinations?)\b"
     r"|\bhealthcare data\b|\bdiagnos[ie]s\b|健康(信息|状况|数据|档案)|病历|病史|医疗(信息|记录|数据)|体检",
     ("health", "medical", "diagnos", "健康", "医疗", "病历", "病史", "体检")),
    ("biometric data",
     r"\bbiometrics?\b|\bfingerprints?\b|\bfac(e|ial)[ -](recognition|images?|features?|data|scans?|id)\b"
     r"|\biris\b|\bvoiceprints?\b|生物识别|指纹|人脸|面部(识别|特征|信息)|虹膜|声纹",
     ("biometric", "fingerprint", "face", "facial", "iris", "voice", "生物识别", "指纹", "人脸", "面部", "虹膜", "声纹")),
    ("precise location",
     r"\bprecise (geo)?location\b|\bexact location\b|\bGPS\b|精确(位置|定位)|精准(位置|定位)|行踪轨迹|GPS",
     ("location", "gps", "位置", "定位", "行踪")),
    ("ID card number",
     r"\b(national )?id(entity)?[ -]card\b|\bnational id(entification)? numbers?\b|\bpassports?\b"
     r"|身份证|护照",
     ("id card", "identity", "identification", "passport", "身份证", "证件", "护照")),
    ("genetic data", r"\bgenetic\b|\bDNA\b|基因", ("genetic", "dna", "基因")),
    ("religious beliefs", r"\breligio(us|n)\b|宗教信仰", ("religio", "宗教")),
    ("sexual orientation", r"\bsexual orientation\b|\bsex life\b|性取向|性生活", ("sexual", "sex life", "性")),
    ("financial account", r"\b(bank|financial) account\b|\bcredit card (numbers?|details|data|information)\b"
                          r"|银行(账户|账号|卡号)|金融账户", ("bank", "financial", "credit card", "银行", "金融", "账户")),
    ("criminal records", r"\bcriminal (records?|convictions?|history|offen[cs]es)\b|犯罪记录|违法犯罪记录",
     ("criminal", "犯罪")),
)
# A mention inside a sentence that denies processing, or that defines a term, is not a
# statement that the data is processed.
NEGATION_RE = re.compile(r"\b(not|never|no|neither|nor|without)\b|不会|不收集|不处理|不需要|无需|不要求|并不|从不|不得",
                         re.I)
DEFINITION_RE = re.compile(r"\b(refers? to|means|is defined as|definition)\b|是指|指的是|定义", re.I)
# Sentences end at a full stop, or where a paragraph or a list item starts; not at a wrapped line.
SENTENCE_END_RE = re.compile(r"[.!?;。！？；]|\n(?=\s*(?:\n|[-*+•]\s|\(?\d+[.)）]))")


def _is_cjk(word: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in word)


def _word_re(word: str):
    """A word or phrase as a regex: substring for CJK, whole words otherwise; short
    upper-case abbreviations ("US") match case-sensitively so the pronoun "us" does not."""
    if _is_cjk(word):
        return re.compile(re.escape(word))
    flags = 0 if (word.isupper() and len(word) <= 3) else re.I
    return re.compile(r"(?<![\w.])" + re.escape(word) + r"(?![\w])", flags)


_TERRITORIES: dict = {}


def _territories() -> dict:
    """Case-folded country/region name (English, Chinese, aliases) -> its code."""
    if not _TERRITORIES:
        from babel import Locale

        names: dict = {}
        for loc in ("en", "zh_Hans", "zh_Hant"):
            for code, name in Locale.parse(loc).territories.items():
                if len(code) == 2 and code.isalpha() and code not in ("EZ", "UN", "QO", "ZZ"):
                    names.setdefault(code, set()).add(name)
        for code, extra in PLACE_ALIASES.items():
            names.setdefault(code, set()).update(extra)
        _TERRITORIES.update({"names": names, "index": {n.casefold(): c for c, ns in names.items() for n in ns}})
    return _TERRITORIES


def _place_names(place: str) -> tuple | None:
    """Every name of a country or region; None when the value is not one (e.g. "other regions")."""
    t = _territories()
    code = t["index"].get(place.strip().casefold())
    if code is None:
        return None
    return (place,) + tuple(sorted(t["names"][code]))


def _fact_line(clause, key: str) -> int:
    return (getattr(clause, "fact_lines", None) or {}).get(key) or 2


def _strings(value) -> list:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value not in (None, True, False) else []


def _sentence(body: str, start: int) -> tuple[int, int]:
    begin = max((m.end() for m in SENTENCE_END_RE.finditer(body, 0, start)), default=0)
    end = SENTENCE_END_RE.search(body, start)
    return begin, end.start() if end else len(body)


def _not_a_statement(body: str, start: int) -> bool:
    """Is a mention inside a sentence that denies processing the data, or that defines a term?"""
    begin, end = _sentence(body, start)
    return bool(NEGATION_RE.search(body[begin:start]) or DEFINITION_RE.search(body[begin:end]))


def lint_facts(text: PolicyText) -> list[Finding]:
    """Contacts, transfers and sensitive data in the front matter checked against the text."""
    from .facts import fact_items
    from .summary import VALUE_KEYS, _pick

    out = []
    whole = "\n".join(f"{c.title}\n{c.body}" for c in text.clauses)
    # Sensitive mentions matter once the policy declares data categories at all: before that
    # there is no summary to mislead (a freshly imported text has no facts yet).
    annotated = any(c.facts.get("data_categories") for c in text.clauses)
    for clause in text.clauses:
        facts = clause.facts
        seen = set()
        for email in EMAIL_RE.findall("\n".join(_strings(facts.get("contacts")))):
            if email.casefold() in seen:
                continue
            seen.add(email.casefold())
            if email.casefold() not in clause.body.casefold():
                out.append(Finding(clause.path, _fact_line(clause, "contacts"),
                                   f"contact email {email!r} does not appear in the text of clause {clause.id!r}",
                                   severity="warning",
                                   hint="write the address in the clause text, or correct it in 'contacts:'"))
        for lbl, attrs in fact_items(facts.get("transfers")).items():
            place = _pick(attrs, VALUE_KEYS["transfers"], lbl)
            names = _place_names(place)
            if names is not None and not any(_word_re(n).search(whole) for n in names):
                out.append(Finding(clause.path, _fact_line(clause, "transfers"),
                                   f"transfer destination {place!r} is not mentioned anywhere in the "
                                   f"{text.lang} text of the policy", severity="warning",
                                   hint="name the country in the text (readers must be told where their data "
                                        "goes), or correct 'transfers:'"))
        declared = " | ".join(
            f"{lbl} {_pick(attrs, VALUE_KEYS['data_categories'])}"
            for lbl, attrs in fact_items(facts.get("data_categories")).items()).casefold()
        for concept, trigger, covers in SENSITIVE_CONCEPTS if annotated else ():
            if any(w in declared for w in covers):
                continue
            hit = next((m for m in re.finditer(trigger, clause.body, re.I)
                        if not _not_a_statement(clause.body, m.start())), None)
            if hit:
                out.append(Finding(clause.path, _line_of(clause.body, hit.start(), clause.body_line),
                                   f"the text mentions {hit.group(0)!r} ({concept}) but 'data_categories' of "
                                   f"clause {clause.id!r} does not list it", severity="warning",
                                   hint="add it to 'data_categories:' (with 'sensitive: true') so the summary and "
                                        "the change levels account for it"))
    return out
