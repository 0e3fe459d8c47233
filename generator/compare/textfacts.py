"""Facts read from a clause's text, in six languages, coded to the W3C Data Privacy Vocabulary.

``read_facts(text, lang)`` returns what the text states - data categories, purposes,
recipients (and each row of a list or table introduced as recipients), transfers and
countries, retention periods, sale and sharing with their polarity, rights, children,
sensitive categories, automated decisions, legal bases, controller, contacts, DPO,
complaints, sources, opt-out signals - each as a :class:`Fact` with a code from
``vocab/`` (DPV where DPV has the concept, ``policygen:`` where it does not), the
concept's label in the text's language, a value where the fact has one, and the exact
words and span of the text it was read from. The same fact in two languages has the same
code.

Pure: text in, facts out. The vocabulary is read once, on first use, from the package's own
data files; each language's patterns are compiled once, on its first text. How it reads:

1. Terms. Every concept's terms of one language are compiled into a few trie-shaped regular
   expressions (one per group of fact kinds), so a text is scanned once per group whatever
   the number of terms. Where two terms overlap within a group the longer wins.
2. Sentences. The text is cut into blocks (paragraphs, headings, list items, table rows)
   and sentences, and each match is placed in its sentence and clause, which bound
   negation, countries, durations and names.
3. Facts. Most terms state their fact alone; a few are cues that need more from their
   sentence: a duration (retention), a country (transfer), personal data or a recipient
   (sale, sharing), an address (contact), and negation gives sale and sharing their
   polarity (and marks any fact ``negated``).
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import yaml

LANGUAGES = ("en", "zh-CN", "de", "fr", "es", "ja")
KINDS = ("data_category", "purpose", "recipient", "transfer", "retention", "sale", "sharing", "right",
         "children", "sensitive", "automated_decision", "legal_basis", "controller", "contact", "dpo",
         "complaint", "source", "opt_out_signal")
CJK = ("zh", "ja")
PREFIXES = {"dpv": "https://w3id.org/dpv#", "dpv-pd": "https://w3id.org/dpv/pd#",
            "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#", "policygen": "policygen:"}
# concept files and the fact kind of their entries (an entry's own "kind" wins)
FILES = {"data_categories.yml": "data_category", "purposes.yml": "purpose", "legal_bases.yml": "legal_basis",
         "rights.yml": "right", "recipients.yml": "recipient", "practices.yml": None}
# fact kinds scanned together: one regular expression per group (overlaps resolve to the longer term)
GROUPS = (("data_category",), ("purpose", "legal_basis", "right", "complaint"),
          ("recipient",), ("sale", "sharing", "retention", "children", "automated_decision", "transfer",
                           "controller", "contact", "dpo", "source", "opt_out_signal"))


@dataclass(frozen=True)
class Period:
    """A retention period: its length in days (a month is 30 days, a year 365) and what is kept."""

    days: float
    of: str = ""


@dataclass(frozen=True)
class Organisation:
    """A named recipient, with the purpose and country its row or sentence states."""

    name: str
    purpose: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, or EU / EEA


@dataclass(frozen=True)
class Fact:
    """One fact read from a text: what kind, which concept, its value, and where."""

    kind: str
    code: str  # e.g. "dpv-pd:Health", "policygen:Sale"
    label: str  # the concept's label in the text's language (a country's name for a transfer)
    value: object = None  # Period | Organisation | str (ISO code, email) | bool (polarity) | int (age) | None
    words: str = ""  # the exact words of the text it was read from
    span: tuple = (0, 0)  # (start, end) of ``words`` in the text
    negated: bool = False  # the clause denies it ("we do not sell ...")

    def as_dict(self) -> dict:
        value = self.value
        if isinstance(value, (Period, Organisation)):
            value = {k: v for k, v in value.__dict__.items() if v not in (None, "")}
        return {"kind": self.kind, "code": self.code, "label": self.label, "value": value,
                "words": self.words, "span": list(self.span), "negated": self.negated}


@dataclass(frozen=True)
class Concept:
    code: str
    kind: str
    labels: dict
    terms: dict  # lang -> tuple of terms
    sensitive: tuple = ()  # regimes
    role: str = ""  # recipients: processor | third_party | controller | authority
    broader: str = ""
    note: str = ""
    cue_only: bool = False  # its terms need more from the sentence to state a fact

    @property
    def iri(self) -> str:
        prefix, _, local = self.code.partition(":")
        return PREFIXES[prefix] + local


# ------------------------------------------------------------------ vocabulary

def _load_yaml(name: str):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((resources.files("policygen.compare") / "vocab" / name).read_text(encoding="utf-8"), Loader=loader)


@functools.lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """Every concept of the vocabulary, in file order."""
    out = []
    for name, default_kind in FILES.items():
        for entry in _load_yaml(name):
            out.append(Concept(
                code=entry["code"], kind=entry.get("kind") or default_kind, labels=dict(entry["label"]),
                terms={lang: tuple(str(t) for t in entry.get(lang) or ()) for lang in LANGUAGES},
                sensitive=tuple(entry.get("sensitive") or ()), role=entry.get("role", ""),
                broader=entry.get("broader", ""), note=entry.get("note", ""), cue_only=bool(entry.get("cue_only"))))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _by_code() -> dict:
    return {c.code: c for c in concepts()}


def concept(code: str) -> Concept:
    return _by_code()[code]


@functools.lru_cache(maxsize=1)
def cues() -> dict:
    return _load_yaml("cues.yml")


# ------------------------------------------------------------------ term patterns

SUFFIXES = {"en": "(?:s|es|'s|’s)?", "de": "(?:e|en|er|es|em|n|s|ern)?", "fr": "(?:s|x)?", "es": "(?:s|es)?"}
ASCII_ALNUM = "A-Za-z0-9"


def _atoms(term: str, lang: str) -> list[str]:
    """A term as a list of regex atoms: one a character, with spaces, hyphens, apostrophes
    and a final-word ``*`` widened."""
    cjk = lang.split("-")[0] in CJK
    out = []
    ascii_start = term[:1].isascii() and term[:1].isalnum()
    if cjk and ascii_start:
        out.append(f"(?<![{ASCII_ALNUM}])")
    i = 0
    while i < len(term):
        ch = term[i]
        if ch == "*":
            out.append(r"\w*")
        elif ch == " ":
            if not cjk and i and term[i - 1].isalnum():  # an inner word may be plural too
                out.append(SUFFIXES.get(lang.split("-")[0], ""))
            out.append(r"[\s-]+" if not cjk else r"\s*")
        elif ch in "-‐":
            out.append(r"[\s\-‐]?")
        elif ch in "'’":
            out.append("['’]")
        elif ch == ".":
            out.append(r"\.")
        else:
            out.append(re.escape(ch.lower()))
        i += 1
    return out


def _end(term: str, lang: str) -> str:
    """What must follow a Chinese or Japanese term: nothing, or no Latin letter after one."""
    return f"(?![{ASCII_ALNUM}])" if term[-1:].isascii() and term[-1:].isalnum() else ""


class _Trie:
    def __init__(self):
        self.root: dict = {}

    def add(self, atoms: list[str], leaf: str):
        node = self.root
        for a in atoms:
            node = node.setdefault(a, {})
        node.setdefault(None, leaf)  # the first term to claim a spelling keeps it

    def pattern(self) -> tuple[str, list]:
        """The regex, and the leaves' payloads in the order of their groups in it."""
        self.order = []
        return self._gen(self.root), self.order

    def _gen(self, node: dict) -> str:
        # literal characters before a wildcard, so that "consentement explicite" is tried
        # before "consentement*" stops at the space
        items = sorted((a for a in node if a is not None), key=lambda a: a == r"\w*")
        alts = [atom + self._gen(node[atom]) for atom in items]
        if None in node:
            leaf, payload = node[None]
            self.order.append(payload)
            alts.append(leaf)  # last: the longer spellings are tried first
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"


def _compile_terms(entries, lang: str, flags=re.IGNORECASE, lower=False):
    """entries: (term, payload). Returns (regex, payloads): ``payloads[m.lastindex]`` lists
    what the matched term stands for. Each term's end is an empty group, the only groups of
    the pattern, so ``lastindex`` names the term that matched. ``lower``: the terms are
    matched, case and all, against a lowercased text."""
    trie, payloads, index = _Trie(), [None], {}
    folded = bool(flags & re.IGNORECASE) or lower
    cjk = lang.split("-")[0] in CJK
    for term, payload in entries:
        term = term.strip()
        if not term:
            continue
        key = term.lower() if folded else term
        i = index.get(key)
        if i is None:
            i = index[key] = len(payloads)
            payloads.append([])
            trie.add(_atoms(term, lang) if folded else _atoms_cs(term, lang),
                     ("()" + (_end(term, lang) if cjk else ""), i))
        if payload not in payloads[i]:
            payloads[i].append(payload)
    if not index:
        return re.compile(r"(?!x)x"), payloads
    body, order = trie.pattern()
    payloads = [None] + [payloads[i] for i in order]  # group n: the n-th leaf in the pattern
    if cjk:
        pattern = body
    else:
        # One tail for every term (its inflected ending, then a word boundary) keeps the
        # pattern small, so quick to compile. The trie is atomic: once a term's end is
        # reached the match does not back into the trie, which keeps ``lastindex`` true.
        tail = SUFFIXES.get(lang.split("-")[0], "") if folded else ""
        pattern = r"(?<!\w)(?>" + body + ")" + tail + r"(?!\w)"
    return re.compile(pattern, flags), payloads


def _atoms_cs(term: str, lang: str) -> list[str]:
    """Case-sensitive atoms (country names: "US" is a country, "us" is not)."""
    cjk = lang.split("-")[0] in CJK
    out = [f"(?<![{ASCII_ALNUM}])"] if cjk and term[:1].isascii() and term[:1].isalnum() else []
    for ch in term:
        out.append(r"[\s-]+" if ch == " " and not cjk else r"\s*" if ch == " " else "['’]" if ch in "'’"
                   else re.escape(ch))
    return out


def _cue_regex(words, lang: str) -> re.Pattern:
    """A list of cue words (or "re:" patterns) as one regex."""
    plain = [w for w in words or () if not str(w).startswith("re:")]
    raw = [str(w)[3:] for w in words or () if str(w).startswith("re:")]
    rx, _ = _compile_terms([(str(w), None) for w in plain], lang) if plain else (None, None)
    parts = ([rx.pattern] if rx is not None else []) + raw
    return re.compile("|".join(f"(?:{p})" for p in parts) or r"(?!x)x", re.IGNORECASE)


# ------------------------------------------------------------------ countries

@functools.lru_cache(maxsize=1)
def _pycountry_names() -> dict:
    """lang -> {name: ISO alpha-2} from pycountry's names and translations."""
    import gettext

    import pycountry

    out = {lang: {} for lang in LANGUAGES}
    locales = {"zh-CN": "zh_CN"}
    for lang in LANGUAGES:
        tr = None
        if lang != "en":
            try:
                tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locales.get(lang, lang)])
            except OSError:
                tr = None
        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                name = getattr(c, attr, None)
                if not name:
                    continue
                shown = tr.gettext(name) if tr else name
                if "," in shown or "(" in shown:  # "Korea, Republic of": not how a text writes it
                    continue
                out[lang].setdefault(shown, c.alpha_2)
    return out


@functools.lru_cache(maxsize=8)
def country_names(lang: str) -> dict:
    """ISO code -> the country's name in ``lang``."""
    import gettext

    import pycountry

    names = {"EU": {"en": "European Union", "zh-CN": "欧盟", "de": "Europäische Union", "fr": "Union européenne",
                    "es": "Unión Europea", "ja": "欧州連合"}[lang],
             "EEA": {"en": "European Economic Area", "zh-CN": "欧洲经济区", "de": "Europäischer Wirtschaftsraum",
                     "fr": "Espace économique européen", "es": "Espacio Económico Europeo", "ja": "欧州経済領域"}[lang]}
    tr = None
    if lang != "en":
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[{"zh-CN": "zh_CN"}.get(lang, lang)])
        except OSError:
            tr = None
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        names[c.alpha_2] = tr.gettext(name) if tr else name
    return names


# ------------------------------------------------------------------ one language's compiled patterns

NUMBER = r"(?:\d+(?:[.,]\d+)?|[０-９]+)"
CJK_NUM = "[一二两三四五六七八九十百半]+"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://[^\s)\]>\"'<]+|www\.[^\s)\]>\"'<]+")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,}\d(?!\w)")
LEGAL_SUFFIX = (r"(?:Inc\.?|Incorporated|Ltd\.?|Limited|LLC|L\.L\.C\.|LLP|PLC|plc|GmbH|AG|SE|S\.A\.S\.?|SAS|SARL|S\.A\.R\.L\.|"
                r"S\.A\.|SA|S\.L\.U?\.?|S\.L\.|B\.V\.|BV|N\.V\.|Corp\.?|Corporation|Co\.|Company|KG|K\.K\.|Pte\.? Ltd\.?|"
                r"Oy|AB|ApS|AS|S\.p\.A\.|S\.r\.l\.|Pty Ltd)")
ORG_WORD = r"(?:[A-Z0-9][\w&'’.\-]*|[a-z]+[A-Z][\w.\-]*)"
# a run of capitalised words: "MongoDB Atlas", "Amazon Web Services", "Salesforce, Inc."
ORG_RUN = re.compile(rf"(?<![\w\-]){ORG_WORD}(?:(?:\s+|\s*&\s*|\s+(?:of|de|du|la|and|und|et|y)\s+){ORG_WORD}){{0,5}}(?:,?\s+{LEGAL_SUFFIX})?")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9&.\-]*(?:[ ,]+(?:[A-Z][A-Za-z0-9&.\-]*|Inc\.|Ltd\.|LLC))*")
ORG_STOP = {"we", "our", "us", "you", "your", "the", "this", "these", "that", "they", "their", "it", "its", "if", "in",
            "for", "with", "to", "by", "and", "or", "a", "an", "as", "at", "on", "of", "from", "such", "when", "where",
            "personal", "data", "information", "services", "service", "privacy", "policy", "notice", "terms",
            "section", "article", "app", "apps", "website", "site", "platform", "products", "sdk", "api", "id", "ip",
            "gps", "cookie", "cookies", "email", "e-mail", "faq", "eu", "eea", "uk", "us", "usa", "gdpr", "ccpa",
            "pipl", "dpo", "note", "nous", "vous", "wir", "sie", "nosotros", "usted", "ihre", "ihr", "vos", "sus", "su",
            "les", "des", "los", "las", "die", "der", "das", "den", "dem", "le", "la", "el", "de", "du", "our partner",
            "partners", "partner", "provider", "providers", "vendors", "processors", "third", "third parties",
            "google play", "app store", "opt", "do", "not", "sell", "share", "app store", "android", "ios", "https",
            "http", "www", "html", "ssl", "tls", "vpn", "url", "urls", "sms", "imei", "idfa", "oaid", "mac"}
STOP_WORDS_LATIN = {"we", "our", "you", "your", "the", "this", "these", "those", "they", "their", "it", "its", "if",
                    "for", "when", "where", "please", "for example", "in", "to", "as", "a", "an", "all", "any",
                    "each", "some", "such", "other", "wir", "sie", "ihre", "ihr", "unsere", "die", "der", "das",
                    "nous", "vous", "vos", "nos", "les", "la", "le", "des", "nosotros", "usted", "sus", "su", "los",
                    "las", "el"}


class _Lang:
    """Everything compiled for one language."""

    def __init__(self, lang: str):
        self.lang = lang
        self.cjk = lang.split("-")[0] in CJK
        cue = cues()[lang]
        self.cue = cue
        allc = concepts()
        self.groups = []
        self.groups_i = []
        for kinds in GROUPS:
            entries = [(t, c.code) for c in allc if c.kind in kinds for t in c.terms.get(lang, ())]
            # scanned over the lowercased text, without IGNORECASE: three times faster; the
            # IGNORECASE twin is compiled only for a text whose lowercase has another length
            rx, payloads = _compile_terms(entries, lang, flags=0, lower=True)
            self.groups.append((rx, payloads))
        self.neg_before = _cue_regex(cue.get("negation_before"), lang)
        self.neg_after = _cue_regex(cue.get("negation_after"), lang)
        self.not_neg = _cue_regex(cue.get("not_negation"), lang)
        self.clause_break = _cue_regex(cue.get("clause_break"), lang)
        self.personal = _cue_regex(cue.get("personal_data"), lang)
        self.business_sale = _cue_regex(cue.get("business_sale"), lang)
        self.lead_in = _cue_regex(cue.get("lead_in"), lang)
        self.significant = _cue_regex(cue.get("significant"), lang)
        self.up_to = _cue_regex(cue.get("up_to"), lang)
        self.residence = _cue_regex(cue.get("residence"), lang)
        self.inside = _cue_regex(cue.get("inside"), lang)
        self.age = [re.compile(p[3:] if str(p).startswith("re:") else re.escape(p), re.IGNORECASE)
                    for p in cue.get("age") or ()]
        self.columns = {role: _cue_regex(words, lang) for role, words in (cue.get("columns") or {}).items()}
        # durations: a number (digits, or a number word) and a unit
        units = cue["units"]
        self.unit_days = {}
        for unit, words in units.items():
            for w in words:
                self.unit_days[w.lower()] = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
        self.numbers = {str(k).lower(): v for k, v in (cue.get("numbers") or {}).items()}
        unit_alt = "|".join(re.escape(u) for u in sorted(self.unit_days, key=len, reverse=True))
        if self.cjk:
            num = rf"(?:{NUMBER}|{CJK_NUM})"
            self.duration = re.compile(rf"(?<![0-9０-９])({num})\s*(?:个|ヶ|か|カ|ケ)?\s*({unit_alt})(?!\d)")
        else:
            words = "|".join(re.escape(w) for w in sorted(self.numbers, key=len, reverse=True))
            self.duration = re.compile(
                rf"(?<!\w)({NUMBER}|{words})(?:\s*\(\d+\))?[\s\-]*({unit_alt})(?!\w)", re.IGNORECASE)
        # countries: pycountry's names and translations, plus aliases; case as written
        names = dict(_pycountry_names()[lang])
        countries = _load_yaml("countries.yml")
        for ignored in countries["ignore"].get(lang) or ():
            names.pop(ignored, None)
        names.update({str(k): v for k, v in (countries["aliases"].get(lang) or {}).items()})
        self.country_re, self.country_payloads = _compile_terms(list(names.items()), lang, flags=0)
        self.country_label = country_names(lang)
        self.role = {c.code: c.role for c in allc}


@functools.lru_cache(maxsize=8)
def _lang(lang: str) -> _Lang:
    return _Lang(lang)


def normalise_lang(lang: str) -> str:
    """'zh', 'zh-cn', 'zh_CN', 'zh-Hans' -> 'zh-CN'; 'de-AT' -> 'de'; unknown -> 'en'."""
    low = (lang or "en").replace("_", "-").lower()
    if low.startswith("zh"):
        return "zh-CN"
    base = low.split("-")[0]
    return base if base in LANGUAGES else "en"


# ------------------------------------------------------------------ blocks and sentences

@dataclass
class _Block:
    start: int
    end: int
    kind: str  # para | heading | item | row | sep
    cells: list = field(default_factory=list)  # rows: (start, end) of each cell's text


LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)]|\(\w{1,3}\))[ \t]+")
HEADING = re.compile(r"[ \t]*#{1,6}[ \t]")
TABLE_SEP = re.compile(r"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")


def _blocks(text: str) -> list[_Block]:
    out: list[_Block] = []
    pos = 0
    para = None
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        body = text[start:end]
        if not body.strip():
            para = None
            continue
        stripped = body.lstrip()
        if stripped.startswith("|"):
            para = None
            if TABLE_SEP.match(body):
                out.append(_Block(start, end, "sep"))
                continue
            cells, i = [], start + body.index("|") + 1
            for part in body[body.index("|") + 1:].split("|"):
                j = i + len(part)
                lead = len(part) - len(part.lstrip())
                cs, ce = i + lead, i + len(part.rstrip())
                if ce > cs:
                    cells.append((cs, ce))
                elif j < end:
                    cells.append((cs, cs))
                i = j + 1
            out.append(_Block(start, end, "row", cells))
        elif HEADING.match(body):
            para = None
            out.append(_Block(start, end, "heading"))
        elif LIST_ITEM.match(body):
            para = _Block(start, end, "item")
            out.append(para)
        elif para is not None:
            para.end = end  # a wrapped line continues its paragraph or item
        else:
            para = _Block(start, end, "para")
            out.append(para)
    return out


def _sentence_ends(text: str, cjk: bool) -> re.Pattern:
    return SENT_CJK if cjk else SENT_LATIN


SENT_LATIN = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(¿¡*_]*[A-ZÀ-ÖØ-Þ0-9])|(?<=[;])\s+(?=[A-Z])")
SENT_CJK = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z])")
ABBREV = re.compile(r"(?:\be\.g|\bi\.e|\betc|\bvs|\bNo|\bArt|\bAbs|\bz\.B|\bbzw|\bca|\bInc|\bLtd|\bCorp|\bCo|\bU\.S|\bS\.A|\bp\.ex|\bp\. ex|\bnr|\bNr|\bSt|\bMr|\bMs|\bDr|\blit)\.$", re.I)


class _Text:
    """A text's blocks and sentences, with lookups from an offset."""

    def __init__(self, text: str, L: _Lang):
        self.text = text
        self.blocks = _blocks(text)
        sents = []
        splitter = SENT_CJK if L.cjk else SENT_LATIN
        for b in self.blocks:
            if b.kind == "sep":
                continue
            s = b.start
            for m in splitter.finditer(text, b.start, b.end):
                if m.start() <= s:
                    continue
                if not L.cjk and ABBREV.search(text[max(s, m.start() - 6):m.start()]):
                    continue
                sents.append((s, m.start()))
                s = m.end()
            if s < b.end:
                sents.append((s, b.end))
        self.sentences = sents
        self.sent_starts = [s for s, _ in sents]
        self.block_starts = [b.start for b in self.blocks]

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.sent_starts, pos) - 1
        return self.sentences[i] if i >= 0 else (0, len(self.text))

    def block(self, pos: int) -> _Block | None:
        i = bisect.bisect_right(self.block_starts, pos) - 1
        return self.blocks[i] if i >= 0 else None


# ------------------------------------------------------------------ the reader

class _Reader:
    def __init__(self, text: str, lang: str):
        self.lang = normalise_lang(lang)
        self.L = _lang(self.lang)
        self.text = text
        self.T = _Text(text, self.L)
        self.facts: list[Fact] = []
        self._clause_cache: dict = {}
        self._guard_cache: dict = {}

    # -- helpers on sentences and clauses

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The clause around [start, end): its sentence, cut at clause breaks ("but", ";")."""
        s, e = self.T.sentence(start)
        key = (s, e)
        breaks = self._clause_cache.get(key)
        if breaks is None:
            breaks = [m.start() for m in self.L.clause_break.finditer(self.text, s, e)]
            self._clause_cache[key] = breaks
        cs, ce = s, e
        for b in breaks:
            if b <= start:
                cs = b
            elif b >= end:
                ce = b
                break
        return cs, max(ce, end)

    def negated(self, start: int, end: int) -> bool:
        L, text = self.L, self.text
        cs, ce = self.clause(start, end)
        guard = self._guard_cache.get((cs, ce))
        if guard is None:
            guard = self._guard_cache[(cs, ce)] = [(m.start(), m.end()) for m in L.not_neg.finditer(text, cs, ce)]

        def real(m):
            return not any(gs <= m.start() < ge for gs, ge in guard)

        window = 14 if L.cjk else 60
        before_from = max(cs, start - window)
        for m in L.neg_before.finditer(text, before_from, start):
            if not real(m):
                continue
            if self.lang == "fr" and m.group(0).lower() in ("ne", "n'", "n’"):
                # "ne ... pas": the second part must follow; "ne ... que" is "only"
                if not re.search(r"(?<!\w)(pas|jamais|aucun\w*|rien|plus|nullement|point|ni)(?!\w)",
                                 text[m.end():min(ce, end + 40)], re.I):
                    continue
            return True
        after_to = min(ce, end + (24 if L.cjk else 80))
        for m in L.neg_after.finditer(text, end, after_to):
            if real(m):
                return True
        return False

    def in_sentence(self, rx: re.Pattern, pos: int):
        s, e = self.T.sentence(pos)
        return rx.search(self.text, s, e)

    def add(self, kind, code, start, end, value=None, negated=False, label=None):
        c = _by_code().get(code)
        if label is None:
            label = c.labels.get(self.lang) or c.labels.get("en") if c else code
        self.facts.append(Fact(kind, code, label, value, self.text[start:end], (start, end), negated))

    # -- the scan

    def read(self) -> list[Fact]:
        text, L = self.text, self.L
        matches = []  # (start, end, code)
        low = text.lower()
        same = len(low) == len(text)
        for (rx, payloads) in L.groups:
            for m in (rx.finditer(low) if same else re.compile(rx.pattern, re.I).finditer(text)):
                for code in payloads[m.lastindex]:
                    matches.append((m.start(), m.end(), code))
        matches.sort()
        self.matches = matches
        by_code = _by_code()
        right_spans = []
        recipient_hits = []
        for s, e, code in matches:
            c = by_code[code]
            if c.kind == "right":
                right_spans.append((s, e))
            if c.kind == "recipient":
                recipient_hits.append((s, e, code))
        self.recipient_hits = recipient_hits
        self.recipient_starts = [s for s, _, _ in recipient_hits]
        for s, e, code in matches:
            c = by_code[code]
            kind = c.kind
            if kind == "purpose" and self._overlaps_term(s, e, inside=True):
                continue  # "advertising partners" names a recipient, not a purpose
            if kind in ("sale", "sharing"):
                self._sale(c, s, e, right_spans)
                continue
            if c.cue_only:
                continue
            neg = self.negated(s, e)
            if kind == "data_category":
                self.add("data_category", code, s, e, negated=neg)
                if c.sensitive:
                    self.add("sensitive", code, s, e, negated=neg)
            elif kind == "children":
                self.add(kind, code, s, e, self._age(s), neg)
            elif kind == "automated_decision":
                self.add(kind, code, s, e, bool(self.in_sentence(L.significant, s)), neg)
            elif kind in ("right", "dpo", "complaint"):
                self.add(kind, code, s, e, self._address(s), neg)
            elif kind == "controller":
                self.add(kind, code, s, e, self._org_near(s, e), neg)
            else:
                self.add(kind, code, s, e, None, neg)
        self._retention()
        self._countries()
        self._contacts()
        self._named_recipients()
        return self._result()

    def _result(self) -> list[Fact]:
        seen, out = set(), []
        for f in sorted(self.facts, key=lambda f: (f.span, f.kind, f.code)):
            key = (f.kind, f.code, f.value, f.span)
            if key not in seen:
                seen.add(key)
                out.append(f)
        return out

    # -- sale and sharing: about personal data or a recipient, polarity from negation

    def _sale(self, c: Concept, s: int, e: int, right_spans):
        L, text = self.L, self.text
        i = bisect.bisect_right(right_spans, (s, float("inf"))) - 1
        if i >= 0 and right_spans[i][0] <= s < right_spans[i][1]:
            return  # "opt out of the sale", "Do Not Sell My Personal Information": a right
        ss, se = self.T.sentence(s)
        if c.kind == "sale":
            for m in L.business_sale.finditer(text, ss, se):
                if m.start() - 40 <= s <= m.end() + 10:
                    return  # the sale of a business, of products, a sales team
        if self.lang == "de" and text[s:e].lower() == "geben" and not re.search(r"\bweiter", text[e:se], re.I):
            return  # "geben ... weiter" (pass on), not "geben Sie uns" (you give us)
        about_data = bool(self._hits_in(ss, se)) or L.personal.search(text, ss, se)
        if not about_data:
            return
        neg = self.negated(s, e)
        self.add(c.kind, c.code, s, e, not neg, neg)

    # -- children's age

    def _age(self, pos: int):
        ss, se = self.T.sentence(pos)
        chunk = self.text[ss:se]
        for rx in self.L.age:
            m = rx.search(chunk)
            if m:
                return _number(m.group(1), self.L)
        return None

    # -- addresses for rights, DPO, complaints: in the same block

    def _address(self, pos: int):
        b = self.T.block(pos)
        if b is None:
            return None
        m = EMAIL.search(self.text, b.start, b.end) or URL.search(self.text, b.start, b.end)
        return m.group(0).rstrip(".,;") if m else None

    # -- organisation names

    def _org_near(self, s: int, e: int):
        ss, se = self.T.sentence(s)
        best = None
        for name, ns, ne in self._org_names(ss, se, strict=True):
            d = min(abs(ns - e), abs(s - ne))
            if best is None or d < best[0]:
                best = (d, name)
        return best[1] if best else None

    def _org_names(self, ss: int, se: int, strict: bool):
        """Organisation names in text[ss:se]: runs of capitalised words (or, in Chinese and
        Japanese, of Latin letters); where capitals mark every noun (German) or ``strict``,
        only names with a legal suffix, inner capitals or digits."""
        text = self.text
        rx = LATIN_RUN if self.L.cjk else ORG_RUN
        for m in rx.finditer(text, ss, se):
            name = m.group(0).strip(" ,.-")
            if not name or name.lower() in ORG_STOP or len(name) < 2:
                continue
            words = name.split()
            while words and words[0].lower() in STOP_WORDS_LATIN:
                words.pop(0)
            name = " ".join(words).strip(" ,")
            if not name or name.lower() in ORG_STOP or len(name) < 2:
                continue
            start = text.index(name, m.start()) if name in text[m.start():m.end()] else m.start()
            if self.L.country_re.fullmatch(name) or not name[0].isalpha():
                continue
            if any(not (ce <= start or cs >= start + len(name)) for cs, ce in self._country_spans(ss, se)):
                continue
            distinctive = bool(re.search(LEGAL_SUFFIX + r"$", name)) or bool(re.search(r"[a-z][A-Z]|\d|[A-Z]{2,}", name))
            if not self.L.cjk and (strict or self.lang == "de") and not distinctive:
                continue
            if not self.L.cjk and start == ss and len(words) == 1 and not distinctive:
                continue  # a capital that starts the sentence
            yield name, start, start + len(name)

    def _named_recipients(self):
        """Named organisations in sentences about recipients, and each row of a list or table
        that a lead-in introduces as recipients."""
        text, L, T = self.text, self.L, self.T
        done_blocks = set()
        # lists and tables under a lead-in
        blocks = T.blocks
        i = 0
        while i < len(blocks):
            b = blocks[i]
            if b.kind not in ("row", "item"):
                i += 1
                continue
            j = i
            while j < len(blocks) and blocks[j].kind == b.kind or (j < len(blocks) and b.kind == "row" and blocks[j].kind == "sep"):
                j += 1
            run = blocks[i:j]
            lead = blocks[i - 1] if i > 0 and blocks[i - 1].kind in ("para", "heading") else None
            self._list_rows(run, lead)
            done_blocks.update(id(x) for x in run)
            i = j
        # free text: a name beside a kind of recipient in one sentence
        for s, e, code in self.recipient_hits:
            b = T.block(s)
            if b is not None and id(b) in done_blocks and b.kind == "row":
                continue
            ss, se = T.sentence(s)
            for name, ns, ne in self._org_names(ss, se, strict=False):
                # the nearest recipient term in the sentence names its kind
                near = min(((abs(ns - rs) if ns > rs else abs(rs - ne), rc) for rs, re_, rc in self._hits_in(ss, se)),
                           default=None)
                if near is None or near[1] != code:
                    continue
                if self._overlaps_term(ns, ne):
                    continue
                self.add("recipient", code, ns, ne, Organisation(name, None, self._country_in(ss, se)))

    def _country_spans(self, ss, se):
        return [(m.start(), m.end()) for m in self.L.country_re.finditer(self.text, ss, se)]

    def _hits_in(self, ss, se):
        lo = bisect.bisect_left(self.recipient_starts, ss)
        hi = bisect.bisect_left(self.recipient_starts, se)
        return self.recipient_hits[lo:hi]

    def _overlaps_term(self, ns, ne, inside=False) -> bool:
        """Whether [ns, ne) overlaps (or lies ``inside``) a recipient term."""
        for s, e, _ in self._hits_in(max(0, ns - 80), ne):
            if (s <= ns and ne <= e) if inside else not (e <= ns or s >= ne):
                return True
        return False

    def _recipient_code_in(self, start, end):
        hits = self._hits_in(start, end)
        # the most specific: sub-processors before processors before third parties
        order = ["dpv:DataSubProcessor", "policygen:DataBroker", "policygen:AdvertisingPartner", "dpv:DataProcessor",
                 "policygen:ThirdPartyController", "dpv:JointDataControllers", "policygen:Affiliate",
                 "policygen:BusinessPartner", "dpv:GovernmentalOrganisation", "dpv:ThirdParty", "policygen:Acquirer"]
        codes = [c for _, _, c in hits]
        for o in order:
            if o in codes:
                return o
        return codes[0] if codes else None

    def _list_rows(self, run: list, lead: _Block | None):
        text, L = self.text, self.L
        rows = [b for b in run if b.kind in ("row", "item")]
        if not rows:
            return
        is_table = rows[0].kind == "row"
        header = rows[0] if is_table and len(run) > 1 and run[1].kind == "sep" else None
        code = None
        if lead is not None:
            lead_text = text[lead.start:lead.end]
            if L.lead_in.search(lead_text) or lead_text.rstrip().endswith((":", "：")):
                code = self._recipient_code_in(lead.start, lead.end)
        roles = {}
        if header is not None:
            for k, (cs, ce) in enumerate(header.cells):
                cell = text[cs:ce]
                for role in ("name", "purpose", "location"):
                    rx = L.columns.get(role)
                    if rx is not None and role not in roles and rx.search(cell) and \
                            len(cell) < 40:
                        roles[role] = k
                        break
            if code is None and "name" in roles:
                hs, he = header.cells[roles["name"]]
                code = self._recipient_code_in(hs, he)
        if code is None:
            return
        body = [r for r in rows if r is not header]
        for r in body:
            if is_table:
                cells = r.cells
                if not cells:
                    continue
                ni = roles.get("name", 0)
                if ni >= len(cells):
                    continue
                ns, ne = _strip_md(text, *cells[ni])
                pi = roles.get("purpose")
                purpose = _plain(text[slice(*cells[pi])]) if pi is not None and pi < len(cells) else None
                li = roles.get("location")
                where = cells[li] if li is not None and li < len(cells) else (r.start, r.end)
            else:
                ms = LIST_ITEM.match(text, r.start)
                ns, ne, purpose = _item_name(text, ms.end() if ms else r.start, r.end)
                where = (r.start, r.end)
            name = _plain(text[ns:ne])
            if not name or len(name) > 80 or ne <= ns:
                continue
            if self._overlaps_term(ns, ne) and not re.search(r"[A-Z].*[A-Z]|\d|" + LEGAL_SUFFIX, name):
                continue  # a kind of recipient ("Service providers: ..."), read as such already
            country = self._country_in(*where)
            self.add("recipient", code, ns, ne, Organisation(name, purpose or None, country))
            if country:
                for m in L.country_re.finditer(text, *where):
                    iso = L.country_payloads[m.lastindex][0]
                    self.add("transfer", "dpv:CrossBorderTransfer", m.start(), m.end(), iso,
                             label=L.country_label.get(iso, iso))

    def _country_in(self, start, end):
        m = self.L.country_re.search(self.text, start, end)
        return self.L.country_payloads[m.lastindex][0] if m else None

    # -- countries: where a sentence moves, stores or shares data

    def _countries(self):
        text, L = self.text, self.L
        flow_kinds = {"transfer", "recipient", "sharing", "sale", "retention"}
        by_code = _by_code()
        flow_sents = {self.T.sentence(s) for s, _, code in self.matches if by_code[code].kind in flow_kinds}
        for m in L.country_re.finditer(text):
            iso = L.country_payloads[m.lastindex][0]
            sent = self.T.sentence(m.start())
            b = self.T.block(m.start())
            if b is not None and b.kind == "row":
                continue  # rows of recipient tables are read with their row
            if sent not in flow_sents:
                continue
            before = text[max(sent[0], m.start() - 40):m.start()]
            if L.residence.search(before):
                continue
            after = text[m.end():m.end() + 6]
            inside = (re.match(r"\s*(?:境内|国内)", after) if L.cjk else
                      re.search(r"(?:within|inside|innerhalb|au sein|dentro)\s+(?:the\s+|de\s+l[a']\s*|der\s+|des\s+|del\s+)?$", before, re.I))
            code = "policygen:DataLocalisation" if inside else "dpv:CrossBorderTransfer"
            self.add("transfer", code, m.start(), m.end(), iso, self.negated(m.start(), m.end()),
                     label=L.country_label.get(iso, iso))

    # -- retention periods

    def _retention(self):
        text, L = self.text, self.L
        cues_at = [(s, e) for s, e, code in self.matches if code == "policygen:RetentionPeriod"]
        if not cues_at:
            return
        sents = {}
        for s, e in cues_at:
            sents.setdefault(self.T.sentence(s), []).append((s, e))
        for (ss, se), verbs in sents.items():
            for m in L.duration.finditer(text, ss, se):
                n = _number(m.group(1), L)
                if n is None or n <= 0:
                    continue
                unit = m.group(2).lower()
                if n >= 1900 and unit in ("年", "year", "years", "jahr", "an", "año"):
                    continue  # a date
                if L.cjk and re.match(r"\s*[0-9０-９一二三四五六七八九十]+\s*月", text[m.end():m.end() + 4]):
                    continue  # 2024年1月
                days = n * L.unit_days[unit]
                days = int(days) if float(days).is_integer() else days
                start = m.start()
                up = L.up_to.search(text, max(ss, start - 14), start)
                if up and not L.cjk:
                    start = up.start()
                of = self._kept(ss, se, verbs)
                self.add("retention", "policygen:RetentionPeriod", start, m.end(), Period(days, of))

    def _kept(self, ss, se, verbs) -> str:
        """What a retention sentence keeps: the words after (or, in German, Chinese and
        Japanese, before) its verb; else the data category it names."""
        text, lang = self.text, self.lang
        vs, ve = verbs[0]
        if lang == "en":
            m = re.match(r"\s+(?:(?:your|the|all|any|such|this|these|those|certain|some|our|personal)\s+)*([\w-]+(?:\s+[\w-]+){0,3}?)"
                         r"(?=\s+(?:for|until|up|and|or|as|after|while|during|no|only|in|on|from|which|that|we|to|by)\b|[,.;:]|$)",
                         text[ve:se], re.I)
            if m and m.group(1).lower() not in ("them", "it", "this", "these", "those", "that", "data", "information"):
                return m.group(1)
        elif lang in ("fr", "es"):
            m = re.search(r"(?<!\w)(?:vos|les|ces|votre|sus|los|las|tus|su|estos|estas)\s+(\w+(?:\s+(?:de|d'|del)\s*\w+)?)",
                          text[ss:se], re.I)
            if m:
                return m.group(1)
        elif lang == "de":
            for m in re.finditer(r"(?<![\w-])([A-ZÄÖÜ][\wäöüß-]+)", text[ss:se]):
                w = m.group(1)
                if w not in ("Wir", "Sie", "Ihre", "Ihren", "Ihrer", "Ihr", "Die", "Der", "Das", "Jahre", "Jahren",
                             "Monate", "Monaten", "Tage", "Tagen", "Wochen") and not w.startswith("Aufbewahr"):
                    return w
        elif lang == "zh-CN":
            m = re.search(r"(?:您的|用户的|将|把|对)([\u4e00-\u9fff]{2,10}?)(?:保存|保留|留存|存储|储存|删除|进行)", text[ss:ve])
            if m:
                return m.group(1)
        elif lang == "ja":
            m = re.search(r"([\u3040-\u30ff\u4e00-\u9fff]{2,14}?)(?:を|は)[^、。]{0,12}$", text[ss:vs])
            if m:
                return re.sub(r"^(?:お客様の|当社は|当社が|ユーザーの|取得した)", "", m.group(1))
        for f in self.facts:
            if f.kind == "data_category" and ss <= f.span[0] < se:
                return f.label
        return ""

    # -- contacts

    def _contacts(self):
        text, L = self.text, self.L
        cue_sents = {self.T.sentence(s) for s, _, code in self.matches if code == "policygen:ContactPoint"}
        for m in EMAIL.finditer(text):
            self.add("contact", "policygen:ContactPoint", m.start(), m.end(), m.group(0))
        for rxa in (URL, PHONE):
            for m in rxa.finditer(text):
                if self.T.sentence(m.start()) in cue_sents:
                    v = m.group(0).rstrip(".,;")
                    self.add("contact", "policygen:ContactPoint", m.start(), m.start() + len(v), v)


def _number(word: str, L: _Lang):
    w = word.strip().lower()
    w = w.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", w):
        return float(w.replace(",", ".")) if ("." in w or "," in w) else int(w)
    if w in L.numbers:
        return L.numbers[w]
    if re.fullmatch(CJK_NUM, w):
        return _cjk_number(w)
    return None


def _cjk_number(w: str):
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if w == "半":
        return 0.5
    total, cur = 0, 0
    for ch in w:
        if ch in digits:
            cur = digits[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _plain(s: str) -> str:
    s = MD_LINK.sub(r"\1", s)
    s = re.sub(r"<br\s*/?>", " ", s)
    s = re.sub(r"[*_`]+", "", s)
    return re.sub(r"\s+", " ", s).strip(" :：-–—")


def _strip_md(text: str, s: int, e: int) -> tuple[int, int]:
    """A cell's span without its emphasis markers and link target."""
    cell = text[s:e]
    m = MD_LINK.match(cell.strip("*_ "))
    if m:
        off = cell.index(m.group(0))
        return s + off + 1, s + off + 1 + len(m.group(1))
    lead = len(cell) - len(cell.lstrip("*_ "))
    trail = len(cell) - len(cell.rstrip("*_ "))
    return s + lead, e - trail


ITEM_SEP = re.compile(r"\s+[–—-]\s+|:\s|：|\s\(|（|,\s(?!" + LEGAL_SUFFIX + r"(?!\w))|，")


def _item_name(text: str, s: int, e: int):
    """A list item's name (bold text at its start, or the words before a dash, colon or
    bracket) and the rest as its purpose."""
    item = text[s:e]
    m = re.match(r"\s*(\*\*|__)(.+?)\1", item)
    if m:
        ns = s + m.start(2)
        ne = s + m.end(2)
        rest = item[m.end():]
    else:
        sep = ITEM_SEP.search(item)
        cut = sep.start() if sep else len(item.rstrip(" .;。"))
        ns, ne = s + len(item) - len(item.lstrip()), s + cut
        rest = item[sep.end():] if sep else ""
        m2 = MD_LINK.match(text, ns, ne)
        if m2:
            ns, ne = m2.start(1), m2.end(1)
    if len(text[ns:ne].split()) > 8:
        return ns, ns, None
    rest = re.sub(r"\s*[(（][^()（）]*[)）]?\s*[.;。]?\s*$", "", rest)  # "(United States)": its country
    return ns, ne, _plain(rest).strip(" ).）;。") or None


def read_facts(text: str, lang: str) -> list[Fact]:
    """The facts that ``text`` (a clause's Markdown, in ``lang``) states, in text order."""
    if not text or not text.strip():
        return []
    return _Reader(text, lang).read()
