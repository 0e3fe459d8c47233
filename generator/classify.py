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
from collections import Counter

from .diff import CJK, ClauseDiff, PolicyDiff, SequenceMatcher, block_diff, flat_segments, tokenize
from .diffmemo import kept
from .facts import is_sensitive
from .blocks import block_text, visible_text
from .model import LEVELS, Manifest, level_rank, max_level
from .visible import formatting_changes, host, reader_view


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
    r"abroad|sensitive|personali[sz]\w*|cookies?)\b|共享|转让|公开披露|出境|跨境|保存|留存|出售|自动化|画像|儿童|未成年|生物识别|位置|第三方|广告|同意|敏感",
    re.I)
# Wording whose deletion can take something away from the reader: rights, consent and safeguards.
PROTECTION_WORDS = re.compile(r"\b(right|rights|request|delete|access|object|withdraw|complain\w*|consent|"
                              r"secur\w*|encrypt\w*|protect\w*|safeguard\w*)\b|权利|删除|查阅|撤回|投诉|同意|安全|加密|保护",
                              re.I)
# A negation or exception added or deleted can flip the meaning of an otherwise unchanged sentence.
NEGATIONS = re.compile(r"\b(not|never|no|cannot|can't|won't|don't|doesn't|without|unless|except)\b|不|未|无|非|除", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
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
    # Plain values a sentence in any language can be made from with the rule id, as
    # (name, value) pairs: "added"/"removed" (the changed words, quoted), "what" (the
    # formatting that changed), "trigger", "old_targets"/"new_targets", "hosts", "period".
    fields: tuple = ()

    def as_dict(self) -> dict:
        return {"clause": self.clause, "level": self.level, "rule": self.rule, "message": self.message,
                **{k: list(v) if isinstance(v, tuple) else v for k, v in self.fields}}

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
                # for sentences in any language (sentences.py): the item, its fact and, for a
                # fact given as a mapping (children), whether it is collected
                fields = (("item", label), ("fact", fact), ("change", change)) + (
                    (("collects", bool(attrs.get("collects"))),) if "collects" in (attrs or {}) else ())
                out.append(Reason(cd.id, level, rule.id, msg, rule.zh.format(item=label) if rule.zh else "", plain,
                                  basis, fields=fields))
    return out


def _only(pred, tokens) -> bool:
    return all(pred(t) for t in tokens)


def text_reason(cd: ClauseDiff) -> Reason:
    """Heuristics for a change of wording with no structured fact behind it."""
    return _text_reason(cd.id, cd.status, cd.old_body, cd.new_body)


QUOTE_WORDS = 12  # words quoted on each side of a text reason


def _phrases(segs, op: str) -> tuple[str, ...]:
    """The inserted (or deleted) stretches of a word diff, whitespace collapsed."""
    out = []
    for o, text in segs:
        if o != op:
            continue
        t = re.sub(r"\s+", " ", text).strip()
        if t and not (out and out[-1] == t):
            out.append(t)
    return tuple(out)


def _quote(phrases: tuple[str, ...], limit: int = QUOTE_WORDS) -> str:
    words = " ... ".join(phrases).split(" ")
    return " ".join(words[:limit]) + (" ..." if len(words) > limit else "")


def _quoted(added: tuple, removed: tuple) -> str:
    parts = []
    if added:
        parts.append(f'added: "{_quote(added)}"')
    if removed:
        parts.append(f'removed: "{_quote(removed)}"')
    return "; ".join(parts)


STARTS_WORD = re.compile(r"\w")  # a token that is a word (tokens are words, spaces or single signs)


def _net_match(pattern: re.Pattern, text: str, net: Counter):
    """The first match of ``pattern`` in ``text`` whose words are all among ``net`` (the words
    an edit really added or removed, not those it only moved or re-spelled around a comma)."""
    for m in pattern.finditer(text):
        toks = [t.lower() for t in tokenize(m.group(0)) if not t.isspace() and STARTS_WORD.match(t)]
        if toks and all(net[t] > 0 for t in toks):
            return m
    return None


def _word_counts(text: str) -> Counter:
    return Counter(t.lower() for t in tokenize(text) if STARTS_WORD.match(t))


# Words that change how much, how long or how widely: in a sentence about a trigger
# ('retained for the shortest' -> 'longest time'), they change what the sentence promises.
SCOPE = re.compile(r"\b(longest|longer|shortest|shorter|indefinite\w*|permanent\w*|forever|unlimited|all|any|more|"
                   r"additional|other|extended)\b|[长短久]|[0-9一二三四五六七八九十百]+个?月|年", re.I)


def _reason(cid, level, rule, message, zh, **fields) -> Reason:
    quoted = [f"{name}“{_quote(tuple(fields[key]))}”" for key, name in (("added", "新增："), ("removed", "删除："))
              if fields.get(key)]
    if quoted:  # the changed words, quoted in the Chinese text too
        zh = f"{zh}（{'；'.join(quoted)}）"
    return Reason(cid, level, rule, message, zh,
                  fields=tuple((k, tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in fields.items()))


@functools.lru_cache(maxsize=8192)
@kept("text_reason", encode=astuple, decode=lambda fields: Reason(*fields))
def _text_reason(cid: str, status: str, old_body: str, new_body: str) -> Reason:
    # Memoised: the same clause pair recurs across compare pages; a Reason is a frozen value.
    # The texts compared are what a reader reads (blocks.py), diffed once (diff.block_diff).
    ob, nb, ops = block_diff(old_body, new_body)
    segs = flat_segments(ob, nb, ops)
    if status == "added":
        body = visible_text(nb)
        added = (body,)
        m = TRIGGERS.search(body)
        if m:
            return _reason(cid, "notice", "text-new-clause", f"new clause mentions {m.group(0)!r}; {_quoted(added, ())}",
                           f"新增条款涉及“{m.group(0)}”", added=[_quote(added)], trigger=m.group(0))
        return _reason(cid, "minor", "text-new-clause", f"new clause with no structured facts; {_quoted(added, ())}",
                       "新增条款", added=[_quote(added)])
    if status == "removed":
        body = visible_text(ob)
        removed = (body,)
        m = PROTECTION_WORDS.search(body) or TRIGGERS.search(body)
        if m:
            return _reason(cid, "notice", "text-clause-removed",
                           f"clause removed; it mentioned {m.group(0)!r}; {_quoted((), removed)}",
                           f"删除的条款涉及“{m.group(0)}”", removed=[_quote(removed)], trigger=m.group(0))
        return _reason(cid, "minor", "text-clause-removed", f"clause removed; {_quoted((), removed)}", "删除条款",
                       removed=[_quote(removed)])
    (old_words, old_targets), (new_words, new_targets) = reader_view(ob), reader_view(nb)
    if old_words == new_words:
        if old_targets != new_targets:
            return _link_reason(cid, old_targets, new_targets)
        what = formatting_changes(old_body, new_body, ob, nb, ops)
        return _reason(cid, "editorial", "formatting", f"formatting only: {', '.join(what)}", "仅格式调整",
                       what=what)
    added, removed = _phrases(segs, "insert"), _phrases(segs, "delete")
    quoted = _quoted(added, removed)
    fields = {"added": [_quote(added)] if added else [], "removed": [_quote(removed)] if removed else []}
    inserted = " ".join(t for op, t in segs if op == "insert")
    deleted = " ".join(t for op, t in segs if op == "delete")
    changed_tokens = [t for t in tokenize(inserted + " " + deleted) if not t.isspace()]
    if not changed_tokens:
        return _reason(cid, "editorial", "whitespace", "whitespace only", "仅空白调整", **fields)
    if _only(lambda t: not STARTS_WORD.match(t), changed_tokens):
        return _reason(cid, "editorial", "punctuation", f"punctuation only; {quoted}", "仅标点调整", **fields)
    if old_words.lower() == new_words.lower():
        return _reason(cid, "editorial", "capitalisation", f"capitalisation only; {quoted}", "仅大小写调整", **fields)
    period = _changed_period(segs)
    if period:
        return _reason(cid, "notice", "text-period-changed",
                       f"a time period in the text changed: {period}; escalated until an editor records the facts",
                       f"文本中的期限变更：{period}", period=period, **fields)
    if (_only(lambda t: re.fullmatch(r"\d+|[IVXLC]+|[ivx]+|[().、．]", t) is not None, changed_tokens)
            and _numbers_are_labels(segs)):
        return _reason(cid, "editorial", "numbering", f"numbering only; {quoted}", "仅编号调整", **fields)
    if _placeholder_fill(segs):
        return _reason(cid, "editorial", "placeholder-fix",
                       f"fills in a contact detail the text already promised (broken placeholder): {_edit_summary(segs)}",
                       "补全原文中缺失的联系方式", **fields)
    old_text, new_text = visible_text(ob), visible_text(nb)
    same_count = sum(_word_counts(inserted).values()) == sum(_word_counts(deleted).values())
    if _is_typo_fix(segs, old_text, new_text) or (same_count and _words_differ_by_typos(old_words, new_words, new_text)):
        return _reason(cid, "editorial", "spelling",
                       f"spelling, punctuation or capitalisation corrected: {_edit_summary(segs)}",
                       "更正错别字、标点或大小写", **fields)
    old_emails = {e.lower() for e in _emails(old_text + " " + " ".join(old_targets))}
    new_emails = [e for e in _emails(new_text + " " + " ".join(new_targets)) if e.lower() not in old_emails]
    if new_emails:
        return _reason(cid, "notice", "text-contact-detail",
                       f"new contact detail in the text: {', '.join(dict.fromkeys(new_emails))}; "
                       "escalated until an editor records the contacts",
                       f"文本中出现新的联系方式：{'、'.join(new_emails)}", **fields)
    added_entry = _entry_added(ob, nb, ops)
    if added_entry:
        rule, what, context, entry = added_entry
        return _reason(cid, "notice", rule,
                       f"new entry under {context!r} ({what}): {_quoted((entry,), ())}; "
                       "escalated until an editor records the facts", f"“{context}”下新增条目：“{_quote((entry,))}”",
                       trigger=context, item=_quote((entry,)), **fields)
    net_added = _word_counts(inserted) - _word_counts(deleted)
    net_removed = _word_counts(deleted) - _word_counts(inserted)
    m = _net_match(TRIGGERS, inserted, net_added)
    how = "adds"
    if not m:
        m, how = _net_match(PROTECTION_WORDS, deleted, net_removed), "removes"
    if m:
        return _reason(cid, "notice", "text-ambiguous",
                       f"wording change {how} {m.group(0)!r} with no matching structured fact; {quoted}; "
                       "escalated until an editor records the facts", f"措辞变更涉及“{m.group(0)}”，已从严判定",
                       trigger=m.group(0), **fields)
    n_del, n_ins = _net_match(NEGATIONS, deleted, net_removed), _net_match(NEGATIONS, inserted, net_added)
    n = n_del or n_ins
    if n:
        how = "deleted" if n_del else "added"
        return _reason(cid, "notice", "text-negation",
                       f"negation or exception {how} ({n.group(0)!r}): the meaning may have flipped; {quoted}; "
                       "escalated until an editor records the facts", f"否定或例外措辞变更（“{n.group(0)}”），已从严判定",
                       trigger=n.group(0), **fields)
    scope = _net_match(SCOPE, inserted, net_added) or _net_match(SCOPE, deleted, net_removed)
    m = TRIGGERS.search(_changed_sentences(segs)) if scope else None
    if m:
        return _reason(cid, "notice", "text-ambiguous",
                       f"wording changed in a sentence about {m.group(0)!r} ({scope.group(0)!r}); {quoted}; "
                       "escalated until an editor records the facts", f"涉及“{m.group(0)}”的句子措辞变更，已从严判定",
                       trigger=m.group(0), **fields)
    reason = _reason(cid, "minor", "text-clarification", f"wording changed; no structured fact changed; {quoted}",
                     "措辞调整，结构化事实未变", **fields)
    return reason


# Headings and table headers over lists of recipients, data categories and purposes: a new
# row or item under one adds a recipient, a kind of data or a purpose.
ENTRY_CONTEXTS = (
    ("text-recipient-added", "recipients", re.compile(
        r"\b(sub-?processors?|processors?|recipients?|vendors?|service providers?|third[- ]part(?:y|ies)|partners?|"
        r"affiliates?|who we share|share|disclos\w*)\b|第三方|受托|合作伙伴|共享|提供给", re.I)),
    ("text-data-category-added", "data categories", re.compile(
        r"\b(information|data|categories)\b.{0,40}\b(collect\w*|process\w*|obtain\w*)\b|"
        r"\bcategor(?:y|ies) of (?:personal )?(?:data|information)\b|收集的(?:个人)?信息|个人信息类别", re.I)),
    ("text-purpose-added", "purposes", re.compile(
        r"\b(how we use|purposes?|why we (?:use|process|collect))\b|使用目的|处理目的|如何使用|用途", re.I)),
)


def _entry_added(ob, nb, ops):
    """(rule, what, context, entry) for a list item or table row added under a heading or
    table header about recipients, data categories or purposes; else None."""
    heading = header = ""
    for op, _i, j, _cells in ops:
        if j < 0:
            continue
        block = nb[j]
        if block[0] == "h":
            heading, header = block_text(block), ""
        elif block[0] == "row" and block[1] == "th":
            header = block_text(block)
        elif block[0] not in ("li", "row"):
            header = "" if block[0] != "p" else header
        if op != "insert" or block[0] not in ("li", "row"):
            continue
        for context in (header, heading):
            for rule, what, pattern in ENTRY_CONTEXTS:
                if context and pattern.search(context):
                    return rule, what, context[:80], block_text(block)
    return None


def _link_reason(cid: str, old_targets: tuple, new_targets: tuple) -> Reason:
    """Same words, other link targets: editorial inside the document or the same site,
    minor to another site (both named), notice for another e-mail address."""
    if len(old_targets) == len(new_targets):
        pairs = [(a, b) for a, b in zip(old_targets, new_targets) if a != b]
    else:
        gone, came = [t for t in old_targets if t not in new_targets], [t for t in new_targets if t not in old_targets]
        pairs = [(gone[k] if k < len(gone) else "", came[k] if k < len(came) else "")
                 for k in range(max(len(gone), len(came)))]
    old_mails = {b.lower() for _a, b in [("", t) for t in old_targets] if _emails(b)}
    mails = [b for _a, b in pairs if _emails(b) and b.lower() not in old_mails]
    if mails:
        return _reason(cid, "notice", "text-contact-detail",
                       f"a link now leads to another contact address: {', '.join(mails)}; "
                       "escalated until an editor records the contacts", "链接改为新的联系方式",
                       old_targets=[a for a, _ in pairs], new_targets=[b for _, b in pairs])
    old_hosts = {host(t) for t in old_targets}
    moved = [(a, b) for a, b in pairs if b and host(b) != host(a) and host(b) not in old_hosts]
    changed = ", ".join(f"{a or '(none)'} -> {b or '(none)'}" for a, b in pairs)
    if moved:
        names = ", ".join(f"{host(a) or 'this document'} -> {host(b) or 'this document'}" for a, b in moved)
        return _reason(cid, "minor", "link-changed", f"a link now points to another site: {names} ({changed})",
                       "链接改指向其他网站", old_targets=[a for a, _ in moved], new_targets=[b for _, b in moved],
                       hosts=[f"{host(a)} -> {host(b)}" for a, b in moved])
    return _reason(cid, "editorial", "link-target", f"link target changed only: {changed}" if changed
                   else "link markup changed only", "仅更正链接地址",
                   old_targets=[a for a, _ in pairs], new_targets=[b for _, b in pairs])


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


def _words_differ_by_typos(old: str, new: str, new_text: str, max_typos: int = 3) -> bool:
    """Same words in the same order (of two reader views), up to case, punctuation and a
    few misspellings."""
    a, b = _words(old), _words(new)
    if len(a) != len(b):  # a word added or dropped is more than a misspelling
        return False
    pairs = [(x, y) for x, y in zip(a, b) if x != y]
    return len(pairs) <= max_typos and all(_near_spelling(x, y, new_text) for x, y in pairs)


def _edits(a: str, b: str) -> int:
    """Letters inserted, deleted or replaced to turn ``a`` into ``b`` (a swap counts 2)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# Words whose misspelling could be another word that changes the meaning ('now' -> 'not').
MEANINGFUL = re.compile(rf"(?:{TRIGGERS.pattern})|(?:{PROTECTION_WORDS.pattern})|(?:{NEGATIONS.pattern})", re.I)


def _near_spelling(old_word: str, new_word: str, new_text: str = "") -> bool:
    """A misspelling corrected: a long word near-identical to the old one, or a word of any
    length one or two letters away ('fFor' -> 'for', 'teh' -> 'the') whose old spelling
    the new text no longer uses and which is not a word that changes the meaning."""
    o, n = old_word.lower(), new_word.lower()
    if not (o.isalpha() and n.isalpha()):
        return False
    if len(n) >= 4 and SequenceMatcher(None, o, n).ratio() >= 0.75:
        return True
    swapped = sorted(o) == sorted(n) and _edits(o, n) == 2
    if max(len(o), len(n)) < 3 or not (_edits(o, n) <= (1 if max(len(o), len(n)) <= 4 else 2) or swapped):
        return False
    if MEANINGFUL.fullmatch(o) or MEANINGFUL.fullmatch(n):
        return False
    return not re.search(rf"(?<!\w){re.escape(o)}(?!\w)", new_text, re.I)


# The tokens of diff.tokenize that start with a word character, found directly.
WORD_RE = re.compile(rf"(?=\w)[{CJK}]|[^\W{CJK}]+")


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> tuple[str, ...]:
    """The words of a visible text, lower-cased (each clause text recurs in many comparisons)."""
    words = WORD_RE.findall(text)
    # Lower-cased in one go: words are joined by a space, which no word holds.
    return tuple(" ".join(words).lower().split(" ")) if words else ()


@functools.lru_cache(maxsize=1024)
def _emails(text: str) -> tuple[str, ...]:
    return tuple(EMAIL.findall(text)) if "@" in text else ()


def _is_typo_fix(segs, old_text: str = "", new_text: str = "") -> bool:
    """Each replaced word is a near-identical spelling of the old one, or a doubled word
    is dropped ('the the' -> 'the')."""
    pairs = []
    i = 0
    while i < len(segs):
        op, text = segs[i]
        if op == "delete" and i + 1 < len(segs) and segs[i + 1][0] == "insert":
            pairs.append((text, segs[i + 1][1]))
            i += 2
            continue
        if op == "delete" and _doubled(segs, i):
            pairs.append(None)
        elif op in ("delete", "insert") and text.strip():
            return False
        i += 1
    if not pairs or len(pairs) > 3:
        return False
    return all(p is None or _typo_pair(p[0], p[1], new_text) for p in pairs)


def _doubled(segs, i: int) -> bool:
    """The deletion at ``i`` is one word that the text right before or after repeats."""
    word = segs[i][1].strip()
    if not re.fullmatch(r"\w+", word):
        return False
    before = segs[i - 1][1] if i and segs[i - 1][0] == "equal" else ""
    after = segs[i + 1][1] if i + 1 < len(segs) and segs[i + 1][0] == "equal" else ""
    last = re.findall(r"\w+", before)[-1:] or [""]
    first = re.findall(r"\w+", after)[:1] or [""]
    return word.lower() in (last[0].lower(), first[0].lower())


def _typo_pair(old: str, new: str, new_text: str = "") -> bool:
    """One word replaced by a near-identical spelling of itself ('emial' -> 'email')."""
    ow, nw = old.split(), new.split()
    return len(ow) == 1 and len(nw) == 1 and _near_spelling(ow[0], nw[0], new_text)


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
            reasons.append(Reason("policy.yml", level, rule.id, rule.message.format(item=name), rule.zh.format(item=name),
                                  fields=(("item", name), ("fact", "entity"), ("change", "changed"))))
    overall = max_level([r.level for r in reasons])
    order = {lv: i for i, lv in enumerate(reversed(LEVELS))}
    reasons.sort(key=lambda r: order[r.level])
    return Classification(level=overall, reasons=reasons, clause_levels=levels)


def _same_words(a: str | None, b: str) -> bool:
    norm = lambda s: re.sub(r"[\W_]+", " ", (s or "").lower()).strip()  # noqa: E731
    return norm(a) == norm(b)
