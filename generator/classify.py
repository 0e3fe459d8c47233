"""Change levels from a rule table: editorial < minor < notice < consent.

Each rule names a fact, the kind of change, an optional condition on the item, the
level under each regime, and the policy promise that raises it to consent. The
strictest regime in the policy's manifest wins; a clause's level is its highest
rule; the policy's level is its highest clause. Text-only changes go through
heuristics that escalate ambiguous wording, never downgrade it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import astuple, dataclass
from types import SimpleNamespace

from .diff import CJK, ClauseDiff, PolicyDiff, SequenceMatcher, normalise_formatting, tokenize
from .diffmemo import kept
from .facts import is_sensitive
from .model import LEVELS, Manifest, level_rank, max_level


@dataclass(frozen=True)
class Rule:
    id: str
    fact: str
    change: str  # added | removed | changed | longer | shorter
    levels: dict  # regime -> level ("*" = default)
    message: str  # {item} is the label
    when: str = ""  # condition on the item: sensitive | not_sensitive | controller | processor | ...
    promise: str = ""  # promise key in manifest.promises that makes this consent
    zh: str = ""


def L(default, **regimes):
    return {"*": default, **regimes}


# The rule table of DESIGN.md as data. Sources: EDPB WP260 rev.01 paras 29-31; PIPL arts 14,
# 17, 22, 23, 29, 39; GB/T 35273-2020 s.7.4; CCPA 11 CCR 7002; FTC 2012 report (retroactivity).
RULES: tuple[Rule, ...] = (
    Rule("purpose-added", "purposes", "added", L("notice", pipl="consent"), "new purpose: {item}",
         promise="purposes", zh="新增处理目的：{item}"),
    Rule("purpose-removed", "purposes", "removed", L("minor"), "purpose no longer pursued: {item}",
         zh="不再用于以下目的：{item}"),
    Rule("method-added", "methods", "added", L("notice", pipl="consent"), "new processing method: {item}",
         promise="methods", zh="新增处理方式：{item}"),
    Rule("method-removed", "methods", "removed", L("minor"), "processing method dropped: {item}",
         zh="不再采用处理方式：{item}"),
    Rule("sensitive-data-added", "data_categories", "added", L("consent", ccpa="notice"),
         "new sensitive data category: {item}", when="sensitive", zh="新增敏感个人信息：{item}"),
    Rule("data-category-added", "data_categories", "added", L("notice", pipl="consent"),
         "new data category: {item}", when="not_sensitive", promise="data_categories", zh="新增个人信息类别：{item}"),
    Rule("data-category-removed", "data_categories", "removed", L("minor"), "data category no longer collected: {item}",
         zh="不再收集：{item}"),
    Rule("data-category-now-sensitive", "data_categories", "changed", L("consent", ccpa="notice"),
         "data category now treated as sensitive: {item}", when="became_sensitive", zh="类别变为敏感个人信息：{item}"),
    Rule("consent-basis-replaced", "legal_bases", "removed", L("consent"),
         "consent replaced as legal basis: {item}", when="consent", zh="不再以同意为法律依据：{item}"),
    Rule("legal-basis-added", "legal_bases", "added", L("notice"), "new legal basis: {item}",
         zh="新增法律依据：{item}"),
    Rule("legal-basis-removed", "legal_bases", "removed", L("minor"), "legal basis no longer relied on: {item}",
         when="not_consent", zh="不再依赖的法律依据：{item}"),
    Rule("controller-recipient-added", "recipients", "added", L("consent", ccpa="notice"),
         "personal data newly shared with a third-party controller: {item}", when="controller",
         zh="新向第三方控制者提供个人信息：{item}"),
    Rule("processor-added", "recipients", "added", L("notice"), "new processor: {item}", when="not_controller",
         zh="新增受托处理者：{item}"),
    Rule("recipient-removed", "recipients", "removed", L("minor"), "no longer shared with: {item}",
         zh="不再向其提供：{item}"),
    Rule("recipient-role-changed", "recipients", "changed", L("notice"), "recipient's role or purpose changed: {item}",
         zh="接收方的角色或目的变更：{item}"),
    Rule("transfer-added", "transfers", "added", L("notice", pipl="consent"), "new transfer destination: {item}",
         zh="新增跨境传输目的地：{item}"),
    Rule("transfer-removed", "transfers", "removed", L("minor"), "no longer transferred to: {item}",
         zh="不再传输至：{item}"),
    Rule("transfer-changed", "transfers", "changed", L("notice", pipl="consent"), "transfer terms changed: {item}",
         zh="跨境传输条件变更：{item}"),
    Rule("retention-changed", "retention", "changed", L("notice"), "retention changed: {item}",
         zh="保存期限变更：{item}"),
    Rule("retention-longer", "retention", "longer", L("notice"), "retention longer: {item}", zh="保存期限延长：{item}"),
    Rule("retention-shorter", "retention", "shorter", L("minor"), "retention shorter: {item}", zh="保存期限缩短：{item}"),
    Rule("right-removed", "rights", "removed", L("notice"), "right removed or narrowed: {item}",
         promise="rights", zh="权利被删除或限缩：{item}"),
    Rule("right-exercise-changed", "rights", "changed", L("notice"), "right exercised differently: {item}",
         zh="权利行使方式变更：{item}"),
    Rule("right-added", "rights", "added", L("minor"), "new right: {item}", zh="新增权利：{item}"),
    Rule("contact-added", "contacts", "added", L("notice"), "new contact or complaint channel: {item}",
         zh="新增联系或投诉渠道：{item}"),
    Rule("contact-removed", "contacts", "removed", L("notice"), "contact channel removed: {item}",
         zh="联系渠道被删除：{item}"),
    Rule("contact-changed", "contacts", "changed", L("notice"), "contact details changed: {item}",
         zh="联系方式变更：{item}"),
    Rule("security-weakened", "security", "removed", L("notice"), "security measure removed: {item}",
         zh="删除安全措施：{item}"),
    Rule("security-added", "security", "added", L("minor"), "security measure added: {item}", zh="新增安全措施：{item}"),
    Rule("automated-significant", "automated_decisions", "added", L("consent", ccpa="notice"),
         "significant automated decision-making: {item}", when="significant", zh="新增重大自动化决策：{item}"),
    Rule("profiling-added", "automated_decisions", "added", L("notice"), "new profiling or automated processing: {item}",
         when="not_significant", zh="新增用户画像或自动化处理：{item}"),
    Rule("automated-removed", "automated_decisions", "removed", L("minor"), "automated processing dropped: {item}",
         zh="不再进行自动化处理：{item}"),
    Rule("children-collected", "children", "added", L("consent"), "children's data newly processed: {item}",
         when="collects_children", zh="新处理儿童个人信息：{item}"),
    Rule("children-changed", "children", "added", L("notice"), "children's data terms changed: {item}",
         when="not_collects_children", zh="儿童个人信息条款变更：{item}"),
    Rule("children-removed", "children", "removed", L("minor"), "children's data terms dropped: {item}",
         zh="删除儿童个人信息条款：{item}"),
    Rule("cookie-nonessential-added", "cookies", "added", L("consent", ccpa="notice"),
         "non-essential cookies: {item}", when="not_essential", zh="新增非必要 Cookie：{item}"),
    Rule("cookie-essential-added", "cookies", "added", L("minor"), "strictly necessary cookie: {item}",
         when="essential", zh="新增必要 Cookie：{item}"),
    Rule("cookie-removed", "cookies", "removed", L("minor"), "cookie dropped: {item}", zh="删除 Cookie：{item}"),
    Rule("controller-identity-changed", "entity", "changed", L("notice"), "new controller identity: {item}",
         zh="个人信息处理者身份变更：{item}"),
)

# Wording that makes an unstructured text change ambiguous: escalated to notice.
TRIGGERS = re.compile(
    r"\b(we may share|share[sd]?|sharing|disclos\w*|transfer\w*|retain\w*|retention|sell|sold|sale|automated|"
    r"profil\w*|children|child|minors?|biometric|location|third[- ]part\w*|advertis\w*|consent|cross[- ]border|"
    r"abroad|sensitive)\b|共享|转让|公开披露|出境|跨境|保存|留存|出售|自动化|画像|儿童|未成年|生物识别|位置|第三方|广告|同意|敏感",
    re.I)
# Wording whose deletion can take something away from the reader: rights, consent and safeguards.
PROTECTION_WORDS = re.compile(r"\b(right|rights|request|delete|access|object|withdraw|complain\w*|consent|"
                              r"secur\w*|encrypt\w*|protect\w*|safeguard\w*)\b|权利|删除|查阅|撤回|投诉|同意|安全|加密|保护",
                              re.I)
# A negation or exception added or deleted can flip the meaning of an otherwise unchanged sentence.
NEGATIONS = re.compile(r"\b(not|never|no|cannot|can't|won't|don't|doesn't|without|unless|except)\b|不|未|无|非|除", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Markdown links, autolinks and bare URLs: a link's text stays part of the wording unless it is itself a URL.
LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)|<(https?://[^>\s]+)>|(https?://[^\s)<>\]]+)")
URLISH = re.compile(r"(?:https?://|www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?")
EMAIL_OR_URL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S+")
PLACEHOLDER_BEFORE = re.compile(r"(e-?mail|emial|phone|address|website)\s*[(（]\s*$", re.I)


@dataclass(frozen=True)
class Reason:
    clause: str
    level: str
    rule: str
    message: str  # for reviewers: the evidence and the regime or promise behind the level
    message_zh: str = ""
    plain: str = ""  # for readers: what changes, without the legal bookkeeping
    basis: str = ""  # e.g. "consent under pipl" or "the policy promises renewed consent ..."

    def as_dict(self) -> dict:
        return {"clause": self.clause, "level": self.level, "rule": self.rule, "message": self.message}

    def text(self, lang: str) -> str:
        if lang.startswith("zh") and self.message_zh:
            return self.message_zh
        return self.plain or self.message


def rule_level(rule: Rule, manifest: Manifest) -> tuple[str, str]:
    """The strictest level over the policy's regimes, raised by its own promises."""
    regimes = manifest.regimes or ("gdpr",)
    level = max_level(rule.levels.get(r, rule.levels["*"]) for r in regimes)
    why = ", ".join(r for r in regimes if rule.levels.get(r, rule.levels["*"]) == level)
    promises = manifest.promises or {}
    if rule.promise and (rule.promise in (promises.get("consent_on_change") or [])
                         or (rule.promise == "rights" and promises.get("no_rights_reduction_without_consent"))):
        if level != "consent":
            return "consent", "the policy promises renewed consent for this change"
    return level, why


def _condition(rule: Rule, label: str, attrs: dict, old_attrs: dict | None = None) -> bool:
    w = rule.when
    if not w:
        return True
    role = str(attrs.get("role", "")).lower()
    if w == "sensitive":
        return is_sensitive(label, attrs)
    if w == "not_sensitive":
        return not is_sensitive(label, attrs)
    if w == "became_sensitive":
        return is_sensitive(label, attrs) and not is_sensitive(label, old_attrs or {})
    if w == "controller":
        return role in ("controller", "third-party controller", "joint controller")
    if w == "not_controller":
        return role not in ("controller", "third-party controller", "joint controller")
    is_consent = "consent" in label.lower() or "同意" in label
    if w == "consent":
        return is_consent
    if w == "not_consent":
        return not is_consent
    significant = bool(attrs.get("significant") or attrs.get("legal_effect"))
    if w == "significant":
        return significant
    if w == "not_significant":
        return not significant
    collects = label.lower() in ("yes", "true", "collected", "collects") or bool(attrs.get("collects"))
    if w == "collects_children":
        return collects
    if w == "not_collects_children":
        return not collects
    essential = bool(attrs.get("essential")) or str(attrs.get("type", "")).lower() in ("essential", "strictly necessary")
    if w == "essential":
        return essential
    if w == "not_essential":
        return not essential
    raise ValueError(f"unknown rule condition {w!r}")


def _duration_days(text: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)\s*(day|week|month|year|天|日|周|个月|月|年)", str(text), re.I)
    if not m:
        return None
    n = float(m.group(1))
    unit = m.group(2).lower()
    return n * {"day": 1, "天": 1, "日": 1, "week": 7, "周": 7, "month": 30, "个月": 30, "月": 30,
                "year": 365, "年": 365}[unit]


def _fact_reasons(cd: ClauseDiff, manifest: Manifest) -> list[Reason]:
    out = []
    for fc in cd.facts:
        fact = fc["fact"]
        events = [("added", label, attrs, None) for label, attrs in fc["added"]]
        events += [("removed", label, attrs, None) for label, attrs in fc["removed"]]
        events += [("changed", label, new, old) for label, old, new in fc["changed"]]
        if fact == "retention" and len(fc["added"]) == 1 and len(fc["removed"]) == 1:
            (old_label, _), (new_label, new_attrs) = fc["removed"][0], fc["added"][0]
            a, b = _duration_days(old_label), _duration_days(new_label)
            kind = "longer" if (a is not None and b is not None and b > a) else \
                   "shorter" if (a is not None and b is not None and b < a) else "changed"
            events = [(kind, f"{old_label} -> {new_label}", new_attrs, None)]
        for change, label, attrs, old_attrs in events:
            matched = [r for r in RULES if r.fact == fact and r.change == change
                       and _condition(r, label, attrs, old_attrs)]
            if not matched:
                matched = [Rule(f"{fact}-{change}", fact, change, L("minor" if change == "removed" else "notice"),
                                f"{fact.replace('_', ' ')} {change}: {{item}}")]
            for rule in matched:
                level, why = rule_level(rule, manifest)
                sens = " (sensitive)" if fact == "data_categories" and is_sensitive(label, attrs) else ""
                plain = rule.message.format(item=label + ("" if "sensitive" in rule.message else sens))
                basis = why if why.startswith("the policy") else f"{level} under {why}" if why else ""
                msg = rule.message.format(item=label + sens) + (f" ({basis})" if basis else "")
                out.append(Reason(cd.id, level, rule.id, msg, rule.zh.format(item=label) if rule.zh else "", plain,
                                  basis))
    return out


def _only(pred, tokens) -> bool:
    return all(pred(t) for t in tokens)


def text_reason(cd: ClauseDiff) -> Reason:
    """Heuristics for a change of wording with no structured fact behind it."""
    return _text_reason(cd.id, cd.status, cd.old_body, cd.new_body, tuple(cd.segments), cd.formatting_only)


@functools.lru_cache(maxsize=8192)
@kept("text_reason", encode=astuple, decode=lambda fields: Reason(*fields))
def _text_reason(cid: str, status: str, old_body: str, new_body: str, segs: tuple, formatting_only: bool) -> Reason:
    # Memoised: the same clause pair recurs across compare pages; a Reason is a frozen value.
    cd = SimpleNamespace(id=cid, status=status, old_body=old_body, new_body=new_body, segments=segs,
                         formatting_only=formatting_only)
    if cd.status == "added":
        body = cd.new_body
        m = TRIGGERS.search(body)
        if m:
            return Reason(cd.id, "notice", "text-new-clause", f"new clause mentions {m.group(0)!r}",
                          f"新增条款涉及“{m.group(0)}”")
        return Reason(cd.id, "minor", "text-new-clause", "new clause with no structured facts", "新增条款")
    if cd.status == "removed":
        m = PROTECTION_WORDS.search(cd.old_body) or TRIGGERS.search(cd.old_body)
        if m:
            return Reason(cd.id, "notice", "text-clause-removed", f"clause removed; it mentioned {m.group(0)!r}",
                          f"删除的条款涉及“{m.group(0)}”")
        return Reason(cd.id, "minor", "text-clause-removed", "clause removed", "删除条款")
    links = _changed_links(cd.old_body, cd.new_body)
    if links is not None:
        moved = [(a, b) for a, b in links if _host(a) != _host(b)]
        if moved:
            return Reason(cd.id, "minor", "link-changed", "a link now points to another site: "
                          + ", ".join(f"{a} -> {b}" for a, b in moved), "链接改指向其他网站")
        changed = ", ".join(f"{a} -> {b}" for a, b in links if a != b)
        return Reason(cd.id, "editorial", "link-target",
                      f"link target changed only: {changed}" if changed else "link markup changed only", "仅更正链接地址")
    if cd.formatting_only:
        return Reason(cd.id, "editorial", "formatting", "formatting or whitespace only", "仅格式或空白调整")
    inserted = "".join(t for op, t in segs if op == "insert")
    deleted = "".join(t for op, t in segs if op == "delete")
    changed_tokens = [t for t in tokenize(inserted + " " + deleted) if not t.isspace()]
    if not changed_tokens:
        return Reason(cd.id, "editorial", "whitespace", "whitespace only", "仅空白调整")
    if _only(lambda t: not re.match(r"\w", t), changed_tokens):
        return Reason(cd.id, "editorial", "punctuation", "punctuation only", "仅标点调整")
    if normalise_formatting(cd.old_body).lower() == normalise_formatting(cd.new_body).lower():
        return Reason(cd.id, "editorial", "capitalisation", "capitalisation or formatting only", "仅大小写或格式调整")
    period = _changed_period(segs)
    if period:
        return Reason(cd.id, "notice", "text-period-changed",
                      f"a time period in the text changed: {period}; escalated until an editor records the facts",
                      f"文本中的期限变更：{period}")
    if (_only(lambda t: re.fullmatch(r"\d+|[IVXLC]+|[ivx]+|[().、．]", t) is not None, changed_tokens)
            and _numbers_are_labels(segs)):
        return Reason(cd.id, "editorial", "numbering", "numbering only", "仅编号调整")
    if _placeholder_fill(segs):
        return Reason(cd.id, "editorial", "placeholder-fix",
                      f"fills in a contact detail the text already promised (broken placeholder): {_edit_summary(segs)}",
                      "补全原文中缺失的联系方式")
    if _is_typo_fix(segs) or _words_differ_by_typos(cd.old_body, cd.new_body):
        return Reason(cd.id, "editorial", "spelling",
                      f"spelling, punctuation or capitalisation corrected: {_edit_summary(segs)}",
                      "更正错别字、标点或大小写")
    old_emails = {e.lower() for e in _emails(cd.old_body)}
    new_emails = [e for e in _emails(cd.new_body) if e.lower() not in old_emails]
    if new_emails:
        return Reason(cd.id, "notice", "text-contact-detail",
                      f"new contact detail in the text: {', '.join(new_emails)}; "
                      "escalated until an editor records the contacts", f"文本中出现新的联系方式：{'、'.join(new_emails)}")
    m = TRIGGERS.search(inserted) or PROTECTION_WORDS.search(deleted)
    if m:
        return Reason(cd.id, "notice", "text-ambiguous",
                      f"wording change mentions {m.group(0)!r} with no matching structured fact; "
                      "escalated until an editor records the facts", f"措辞变更涉及“{m.group(0)}”，已从严判定")
    n = NEGATIONS.search(deleted) or NEGATIONS.search(inserted)
    if n:
        how = "deleted" if NEGATIONS.search(deleted) else "added"
        return Reason(cd.id, "notice", "text-negation",
                      f"negation or exception {how} ({n.group(0)!r}): the meaning may have flipped; "
                      "escalated until an editor records the facts", f"否定或例外措辞变更（“{n.group(0)}”），已从严判定")
    m = TRIGGERS.search(_changed_sentences(segs))
    if m:
        return Reason(cd.id, "notice", "text-ambiguous",
                      f"wording changed in a sentence about {m.group(0)!r} with no matching structured fact; "
                      "escalated until an editor records the facts", f"涉及“{m.group(0)}”的句子措辞变更，已从严判定")
    return Reason(cd.id, "minor", "text-clarification", "wording changed; no structured fact changed",
                  "措辞调整，结构化事实未变")


PERIOD_RE = re.compile(r"^\s*(days?|weeks?|months?|years?|hours?|business days?|天|日|周|个月|月|年|小时)", re.I)


def _changed_period(segs) -> str:
    """'30 -> 15 days': a number next to a unit of time, changed (retention, response times)."""
    for i, (op, text) in enumerate(segs):
        if op == "insert" and re.fullmatch(r"\s*\d+\s*", text):
            after = segs[i + 1][1] if i + 1 < len(segs) else ""
            m = PERIOD_RE.match(after)
            if m:
                old = segs[i - 1][1].strip() if i > 0 and segs[i - 1][0] == "delete" else "?"
                return f"{old} -> {text.strip()} {m.group(1)}"
    return ""


SENTENCE_END = re.compile(r"[.!?。！？;；\n]")


def _changed_sentences(segs) -> str:
    """The new text's sentences that hold an edit ('shortest' -> 'longest' in a sentence about retention)."""
    out = []
    for i, (op, text) in enumerate(segs):
        if op == "equal":
            continue
        before = segs[i - 1][1] if i > 0 and segs[i - 1][0] == "equal" else ""
        after = next((t for o, t in segs[i + 1:] if o == "equal"), "")
        head = SENTENCE_END.split(before)[-1]
        m = SENTENCE_END.search(after)
        out.append(head + (text if op == "insert" else "") + (after[:m.start()] if m else after))
    return "\n".join(out)


def _numbers_are_labels(segs) -> bool:
    """Changed numbers sit where list or heading numbers do: '(3)', '3.', '3)', '3、'."""
    for i, (op, text) in enumerate(segs):
        if op == "equal" or not re.search(r"\d", text):
            continue
        before = next((t for o, t in reversed(segs[:i]) if o == "equal"), "")
        after = next((t for o, t in segs[i + 1:] if o == "equal"), "")
        if not (after[:1] in (".", ")", "、", "．", "）") or before[-1:] in ("(", "（") or not before.strip()):
            return False
    return True


def _links(md: str) -> tuple[str, list[str]]:
    """The text with every link target replaced by a marker, and the targets in order."""
    urls: list[str] = []

    def sub(m):
        if m.group(2) is not None:  # [text](target)
            urls.append(m.group(2))
            return "\x00" if URLISH.fullmatch(m.group(1).strip()) else f"[{m.group(1)}]\x00"
        url = m.group(3) or m.group(4)
        tail = url[len(url.rstrip(".,;:")):]
        urls.append(url[:len(url) - len(tail)])
        return "\x00" + tail

    return LINK_RE.sub(sub, md), urls


def _changed_links(old: str, new: str) -> list | None:
    """(old, new) targets when the bodies differ in link targets or link markup only; else None."""
    (a, ua), (b, ub) = _links(old), _links(new)
    if a != b or len(ua) != len(ub) or not ua:
        return None
    return list(zip(ua, ub))


def _host(url: str) -> str:
    return re.sub(r"^(https?://)?(www\.)?", "", url.lower()).split("/")[0]


def _edit_summary(segs, limit: int = 4) -> str:
    """The edits as a reviewer reads them: 'emial -> email, +privacy@example.com)'."""
    out, i = [], 0
    while i < len(segs):
        op, text = segs[i]
        if op == "delete" and i + 1 < len(segs) and segs[i + 1][0] == "insert":
            out.append(f"{text.strip()} -> {segs[i + 1][1].strip()}")
            i += 1
        elif op != "equal" and text.strip():
            out.append(("+" if op == "insert" else "-") + text.strip())
        i += 1
    return ", ".join(out[:limit]) + (", ..." if len(out) > limit else "")


def _placeholder_fill(segs) -> bool:
    """Every insertion is a contact detail placed right after an empty 'email (' placeholder
    (a misspelling fixed in the same edit, 'emial' -> 'email', is allowed)."""
    seen = False
    prev = ""
    for i, (op, text) in enumerate(segs):
        if op == "delete" and text.strip():
            if i + 1 < len(segs) and segs[i + 1][0] == "insert" and _typo_pair(text, segs[i + 1][1]):
                continue
            return False
        if op == "insert" and i > 0 and segs[i - 1][0] == "delete" and _typo_pair(segs[i - 1][1], text):
            prev = (prev + text)[-60:]
            continue
        if op == "insert":
            stripped = text.strip().rstrip("),;）")
            core = EMAIL_OR_URL.fullmatch(stripped.strip("( "))
            if not core or not PLACEHOLDER_BEFORE.search(prev.rstrip("( ") + " (") and not PLACEHOLDER_BEFORE.search(prev):
                return False
            seen = True
        if op != "delete":
            prev = (prev + text)[-60:]
    return seen


def _words_differ_by_typos(old: str, new: str, max_typos: int = 3) -> bool:
    """Same words in the same order, up to case, punctuation and a few misspellings."""
    a, b = _words(old), _words(new)
    if len(a) != len(b):  # a word added or dropped is more than a misspelling
        return False
    pairs = [(x, y) for x, y in zip(a, b) if x != y]
    return len(pairs) <= max_typos and all(_near_spelling(x, y) for x, y in pairs)


def _near_spelling(old_word: str, new_word: str) -> bool:
    return len(new_word) >= 4 and SequenceMatcher(None, old_word, new_word).ratio() >= 0.75


# The tokens of diff.tokenize that start with a word character, found directly.
WORD_RE = re.compile(rf"(?=\w)[{CJK}]|[^\W{CJK}]+")


@functools.lru_cache(maxsize=1024)
def _words(md: str) -> tuple[str, ...]:
    """The words a reader sees, lower-cased (each clause text recurs in many comparisons)."""
    words = WORD_RE.findall(normalise_formatting(md))
    # Lower-cased in one go: words are joined by a space, which no word holds.
    return tuple(" ".join(words).lower().split(" ")) if words else ()


@functools.lru_cache(maxsize=1024)
def _emails(md: str) -> tuple[str, ...]:
    return tuple(EMAIL.findall(md)) if "@" in md else ()


def _is_typo_fix(segs) -> bool:
    """Each replaced word is a near-identical spelling of the old one."""
    pairs = []
    i = 0
    while i < len(segs):
        op, text = segs[i]
        if op == "delete" and i + 1 < len(segs) and segs[i + 1][0] == "insert":
            pairs.append((text, segs[i + 1][1]))
            i += 2
            continue
        if op in ("delete", "insert") and text.strip():
            return False
        i += 1
    if not pairs or len(pairs) > 3:
        return False
    return all(_typo_pair(old, new) for old, new in pairs)


def _typo_pair(old: str, new: str) -> bool:
    """One word replaced by a near-identical spelling of itself ('emial' -> 'email')."""
    ow, nw = old.split(), new.split()
    return len(ow) == 1 and len(nw) == 1 and _near_spelling(ow[0].lower(), nw[0].lower())


@dataclass
class Classification:
    level: str
    reasons: list  # Reason
    clause_levels: dict  # clause id -> level

    @property
    def consent_required(self) -> bool:
        return self.level == "consent"

    @property
    def notice_required(self) -> bool:
        return level_rank(self.level) >= level_rank("notice")

    def as_dict(self) -> dict:
        return {"level": self.level, "consent_required": self.consent_required,
                "notice_required": self.notice_required, "reasons": [r.as_dict() for r in self.reasons]}


def classify(diff: PolicyDiff, manifest: Manifest) -> Classification:
    reasons: list[Reason] = []
    levels: dict[str, str] = {}
    for cd in diff.clauses:
        if cd.status == "unchanged":
            levels[cd.id] = "editorial"
            continue
        rs: list[Reason] = []
        if cd.status == "moved":
            rs.append(Reason(cd.id, "editorial", "moved", "clause moved; text unchanged", "条款位置调整，内容未变"))
        rs.extend(_fact_reasons(cd, manifest))
        if cd.renamed:
            rs.append(Reason(cd.id, "editorial" if _same_words(cd.old_title, cd.title) else "minor", "title-changed",
                             f"title changed from {cd.old_title!r}", "标题变更"))
        if cd.status in ("added", "removed") or cd.old_body != cd.new_body:
            tr = text_reason(cd)
            # A fact change explains the text; the text still counts if it is stricter.
            if not rs or level_rank(tr.level) > max(level_rank(r.level) for r in rs) or tr.level == "editorial":
                if not (rs and tr.level == "editorial" and any(r.level != "editorial" for r in rs)):
                    rs.append(tr)
        levels[cd.id] = max_level(r.level for r in rs)
        reasons.extend(rs)
    for key, old, new in diff.manifest_changes:
        if key == "entity":
            rule = next(r for r in RULES if r.id == "controller-identity-changed")
            level, why = rule_level(rule, manifest)
            name = (new or {}).get("name", "") if isinstance(new, dict) else str(new)
            reasons.append(Reason("policy.yml", level, rule.id, rule.message.format(item=name), rule.zh.format(item=name)))
    overall = max_level([r.level for r in reasons])
    order = {lv: i for i, lv in enumerate(reversed(LEVELS))}
    reasons.sort(key=lambda r: order[r.level])
    return Classification(level=overall, reasons=reasons, clause_levels=levels)


def _same_words(a: str | None, b: str) -> bool:
    norm = lambda s: re.sub(r"[\W_]+", " ", (s or "").lower()).strip()  # noqa: E731
    return norm(a) == norm(b)
