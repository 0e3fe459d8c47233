"""The data-practices summary: a compact "privacy label" built from clause front matter.

Pure: a PolicyText in, a Summary out. Every value records the clause it comes from, so
the table on a version page links each cell to the clause that says it, and the
mobile-app JSON can do the same. Values are taken from the clauses of the language
asked for (a translation's own front matter), never from the source language.

``summary_diff`` compares two summaries policy-wide: a category that moves from one
clause to another is no change; a new sensitive category, a new transfer destination
or a longer retention period is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

from .facts import fact_items, is_sensitive
from . import i18n
from .model import PolicyText, memo_by_identity
from .redline import md_literal

ROWS = ("data_categories", "purposes", "legal_bases", "controllers", "processors", "recipients", "transfers",
        "retention", "rights", "contacts")

# Which attribute of a fact item is the value shown, and which one adds detail. The
# first key present wins; without one, the item's label as the classifier sees it.
VALUE_KEYS = {
    "data_categories": ("name", "category"),
    "purposes": ("purpose", "name"),
    "legal_bases": ("basis", "name"),
    "recipients": ("name", "recipient", "type"),
    "transfers": ("country", "region", "name"),
    "retention": ("period", "duration", "value"),
    "rights": ("right", "name"),
}
DETAIL_KEYS = {
    "data_categories": ("purpose", "source"),
    "purposes": ("basis",),
    "legal_bases": ("purpose", "for"),
    "recipients": ("purpose", "for"),
    "transfers": ("mechanism", "safeguard", "safeguards", "basis", "recipient"),
    "retention": ("data", "category", "name", "for", "purpose"),
    "rights": ("how", "method", "exercise", "via", "channel", "contact"),
}
CONTACT_CHANNELS = ("email", "phone", "url", "address", "value")
CONTACT_NAMES = ("name", "role", "type", "purpose")
CONTROLLER_ROLES = ("controller", "控制者", "个人信息处理者", "处理者")
PROCESSOR_ROLES = ("processor", "service provider", "受托", "委托", "entrusted")


def labels(lang: str) -> dict:
    """The summary's strings in a language (the "summary" context of the catalogs)."""
    return i18n.table(lang, "summary")


def label(lang: str, key: str, **kw) -> str:
    text = labels(lang)[key]
    return text.format(**kw) if kw else text


@dataclass(frozen=True)
class Item:
    """One value in one row, with the clauses that state it (first = where it is linked)."""

    row: str
    value: str
    clauses: tuple
    detail: str = ""
    sensitive: bool = False
    key: str = ""  # identity across versions (case-folded)
    subject: str = ""  # retention: what the period applies to

    @property
    def clause(self) -> str:
        return self.clauses[0]

    def text(self, lang: str) -> str:
        """The value as one line of plain text (the table adds markup around the parts)."""
        if self.row == "retention" and self.subject:
            return f"{self.subject}{'：' if _zh(lang) else ': '}{self.value}"
        return self.value

    def as_dict(self, lang: str) -> dict:
        out = {"value": self.value, "text": self.text(lang), "clause": self.clause, "clauses": list(self.clauses)}
        if self.row == "data_categories":
            out["sensitive"] = self.sensitive
        if self.row in ("controllers", "processors", "recipients"):
            out["role"] = {"controllers": "controller", "processors": "processor"}.get(self.row)
        if self.row == "retention":
            out["applies_to"] = self.subject or None
        if self.row == "rights":
            out["how"] = self.detail or None
        elif self.detail and self.row != "retention":
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    items: tuple


@dataclass(frozen=True)
class Summary:
    policy: str
    lang: str
    title: str
    rows: tuple  # Row, one per key in ROWS, possibly empty
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)

    @property
    def filled(self) -> list:
        """The rows that have something to show."""
        return [r for r in self.rows if r.items]

    @property
    def empty(self) -> bool:
        return not self.filled

    @property
    def sensitive(self) -> list:
        return [i for i in self.row("data_categories").items if i.sensitive]

    def as_dict(self) -> dict:
        """JSON for a mobile "privacy label" screen: a stable list of rows, empty ones included."""
        return {
            "policy": self.policy, "lang": self.lang, "title": self.title, **self.extra,
            "sensitive_data": bool(self.sensitive),
            "rows": [{"key": r.key, "label": r.label, "items": [i.as_dict(self.lang) for i in r.items]}
                     for r in self.rows],
        }


def _zh(lang: str) -> bool:
    return lang.split("-")[0] == "zh"


def _pick(attrs: dict, keys, default: str = "") -> str:
    for k in keys:
        v = attrs.get(k)
        if v not in (None, "", [], {}):
            if isinstance(v, list):
                return ", ".join(str(x) for x in v)
            return str(v).strip()
    return default


def recipient_row(attrs: dict) -> str:
    role = str(attrs.get("role", "")).strip().lower()
    if any(w in role for w in PROCESSOR_ROLES):
        return "processors"
    if any(w in role for w in CONTROLLER_ROLES):
        return "controllers"
    return "recipients"


@memo_by_identity
def _items_of(clause) -> tuple[Item, ...]:
    return tuple(_clause_items(clause))


def _clause_items(clause) -> list[Item]:
    out = []
    for fact, value in clause.facts.items():
        if fact == "contacts":
            for lbl, attrs in fact_items(value).items():
                channels = [str(attrs[k]).strip() for k in CONTACT_CHANNELS if attrs.get(k) not in (None, "")]
                shown = ", ".join(channels) or lbl
                name = _pick(attrs, CONTACT_NAMES)
                out.append(Item("contacts", shown, (clause.id,), detail=name if name != shown else "",
                                key=shown.casefold()))
            continue
        if fact not in VALUE_KEYS:
            continue
        for lbl, attrs in fact_items(value).items():
            shown = _pick(attrs, VALUE_KEYS[fact], lbl)
            detail = _pick(attrs, DETAIL_KEYS[fact])
            if fact == "retention":
                subject = detail if detail != shown else ""
                out.append(Item("retention", shown, (clause.id,), subject=subject,
                                key=subject.casefold() if subject else f"@{clause.id}"))
            elif fact == "recipients":
                out.append(Item(recipient_row(attrs), shown, (clause.id,), detail=detail, key=shown.casefold()))
            elif fact == "data_categories":
                out.append(Item(fact, shown, (clause.id,), detail=detail, key=shown.casefold(),
                                sensitive=is_sensitive(lbl, attrs) or is_sensitive(shown, attrs)))
            else:
                out.append(Item(fact, shown, (clause.id,), detail=detail, key=shown.casefold()))
    return out


def _merge(a: Item, b: Item) -> Item:
    """The same value stated in two clauses: one entry, linked to the first."""
    clauses = a.clauses + tuple(c for c in b.clauses if c not in a.clauses)
    detail = a.detail or b.detail
    if b.detail and a.detail and b.detail.casefold() not in a.detail.casefold():
        detail = f"{a.detail}; {b.detail}"
    return Item(a.row, a.value, clauses, detail=detail, sensitive=a.sensitive or b.sensitive, key=a.key,
                subject=a.subject)


def build_summary(text: PolicyText, extra: dict | None = None) -> Summary:
    """The summary of one policy text in its own language."""
    summary = _summary_of(text)
    return replace(summary, extra=dict(extra)) if extra else summary


@memo_by_identity
def _summary_of(text: PolicyText) -> Summary:
    lang = text.lang
    by_row: dict[str, dict[str, Item]] = {k: {} for k in ROWS}
    for clause in text.clauses:
        for item in _items_of(clause):
            ident = item.key if item.row != "retention" else f"{item.key}|{item.value.casefold()}"
            got = by_row[item.row].get(ident)
            by_row[item.row][ident] = _merge(got, item) if got else item
    rows = tuple(Row(k, label(lang, k), tuple(by_row[k].values())) for k in ROWS)
    return Summary(policy=text.manifest.id, lang=lang, title=text.manifest.title(lang), rows=rows)


# --- the diff -----------------------------------------------------------------------------

RECIPIENT_ROWS = ("controllers", "processors", "recipients")


def _group(row: str) -> str:
    return "recipients*" if row in RECIPIENT_ROWS else row


def _index(summary: Summary | None) -> dict:
    out: dict = {}
    if summary is None:
        return out
    for r in summary.rows:
        for i in r.items:
            out.setdefault((_group(r.key), i.key), []).append(i)
    return out


def _sens(lang: str) -> str:
    s = i18n.sensitive_word(lang)
    return f"（{s}）" if _zh(lang) else f" ({s})"


def _phrase(lang: str, item: Item) -> str:
    v = item.text(lang) + (_sens(lang) if item.sensitive else "")
    return label(lang, "p_" + item.row, v=v)


def _role(lang: str, row: str) -> str:
    return label(lang, {"controllers": "role_controller", "processors": "role_processor"}.get(row, "role_unknown"))


def summary_diff(old: Summary | None, new: Summary | None, lang: str | None = None) -> list[dict]:
    """What changed in the summary, as rows ready to print: ``text`` is e.g.
    "+ precise location (sensitive)", "+ transfer to Singapore", "retention 1 year -> 3 years".

    Each row: change (added | removed | changed), row, value, clause, sensitive, old, new, text.
    """
    lang = lang or (new.lang if new is not None else old.lang if old is not None else "en")
    a, b = _index(old), _index(new)
    out: list[dict] = []

    def emit(change, item, text, old_v=None, new_v=None):
        out.append({"change": change, "row": item.row, "value": item.value, "clause": item.clause,
                    "sensitive": item.sensitive, "old": old_v, "new": new_v, "text": text})

    keys = list(b) + [k for k in a if k not in b]
    order = {g: n for n, g in enumerate([_group(r) for r in ROWS])}
    keys.sort(key=lambda k: order[k[0]])  # stable: new summary's order within a row
    for key in keys:
        olds, news = a.get(key, []), b.get(key, [])
        if key[0] == "retention":
            _retention_changes(lang, olds, news, emit)
            continue
        if not olds:
            for i in news:
                emit("added", i, "+ " + _phrase(lang, i))
            continue
        if not news:
            for i in olds:
                emit("removed", i, "- " + _phrase(lang, i))
            continue
        o, n = olds[0], news[0]
        if o.row != n.row:
            emit("changed", n, label(lang, "role_changed", v=n.value, old=_role(lang, o.row), new=_role(lang, n.row)),
                 _role("en", o.row), _role("en", n.row))
        if n.row == "data_categories" and o.sensitive != n.sensitive:
            emit("changed", n, label(lang, "now_sensitive" if n.sensitive else "not_sensitive", v=n.value),
                 o.sensitive, n.sensitive)
        if (o.detail or "").casefold() != (n.detail or "").casefold() and n.row != "data_categories":
            was, now = o.detail or label(lang, "none"), n.detail or label(lang, "none")
            if n.row == "rights":
                text = label(lang, "how_changed", v=n.value, old=was, new=now)
            else:
                text = label(lang, "changed", what=label(lang, "p_" + n.row, v=n.value), old=was, new=now)
            emit("changed", n, text, o.detail or None, n.detail or None)
    return out


def _retention_changes(lang, olds, news, emit):
    """Retention is keyed by what it applies to (or by clause); the period is what changes."""
    o_periods = {i.value.casefold(): i for i in olds}
    n_periods = {i.value.casefold(): i for i in news}
    gone = [i for k, i in o_periods.items() if k not in n_periods]
    came = [i for k, i in n_periods.items() if k not in o_periods]
    while gone and came:
        o, n = gone.pop(0), came.pop(0)
        key = "retention_of_changed" if n.subject else "retention_changed"
        emit("changed", n, label(lang, key, subject=n.subject, old=o.value, new=n.value), o.value, n.value)
    for i in came:
        emit("added", i, "+ " + _phrase(lang, i), None, i.value)
    for i in gone:
        emit("removed", i, "- " + _phrase(lang, i), i.value, None)


# --- plain-text renderings for the CLI ------------------------------------------------------

def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _paren(lang: str, text: str) -> str:
    return f"（{text}）" if _zh(lang) else f" ({text})"


def summary_text(summary: Summary) -> str:
    lang = summary.lang
    ref = summary.extra.get("ref")
    lines = [f"{summary.title} ({summary.policy}, {lang})" + (f" {ref}" if ref else "")]
    if summary.empty:
        lines.append("  (no structured facts in the clauses' front matter)")
    width = max((_width(r.label) for r in summary.filled), default=0)
    sens = i18n.sensitive_word(lang)
    for r in summary.filled:
        for n, i in enumerate(r.items):
            head = r.label if n == 0 else ""
            extra = ([sens] if i.sensitive else []) + ([i.detail] if i.detail else [])
            more = _paren(lang, ("；" if _zh(lang) else "; ").join(extra)) if extra else ""
            lines.append(f"{head}{' ' * (width - _width(head))}  {i.text(lang)}{more}  [{i.clause}]")
    return "\n".join(lines) + "\n"


def _md(s: str) -> str:
    """A value from the policy in Markdown: literal text (see ``redline.md_literal``), one line."""
    return md_literal(s).replace("\n", " ")


def summary_markdown(summary: Summary) -> str:
    lang = summary.lang
    colon = "：" if _zh(lang) else ": "
    lines = [f"## {_md(label(lang, 'caption'))}{colon}{_md(summary.title)} ({lang})", ""]
    if summary.empty:
        return "\n".join(lines + ["_(no structured facts in the clauses' front matter)_"]) + "\n"
    lines += ["| | |", "|---|---|"]
    for r in summary.filled:
        cells = []
        for i in r.items:
            extra = []
            if i.sensitive:
                extra.append(f"**{i18n.sensitive_word(lang)}**")
            if i.detail:
                extra.append(_md(i.detail))
            sep = "；" if _zh(lang) else "; "
            cells.append(_md(i.text(lang)) + (_paren(lang, sep.join(extra)) if extra else "") + f" [`{i.clause}`]")
        lines.append(f"| {_md(r.label)} | {'<br>'.join(cells)} |")
    return "\n".join(lines) + "\n"


def summary_view(text: PolicyText | None) -> dict | None:
    """Template context for ``_summary.html``; None when the clauses state no facts."""
    if text is None:
        return None
    summary = build_summary(text)
    if summary.empty:
        return None
    lang = summary.lang
    zh = _zh(lang)
    rows = []
    for r in summary.filled:
        entries: list[dict] = []
        for i in r.items:
            link = {"text": i.text(lang), "clause": i.clause, "sensitive": i.sensitive}
            last = entries[-1] if entries else None
            # Values stated together with the same detail (rights exercised the same way,
            # recipients with one purpose) share one entry, so the detail is said once.
            if last is not None and i.detail and last["raw"] == i.detail and last["clause"] == i.clause:
                last["links"].append(link)
                continue
            entries.append({"links": [link], "raw": i.detail, "clause": i.clause,
                            "detail": (f"（{i.detail}）" if zh else f"({i.detail})") if i.detail else ""})
        rows.append({"key": r.key, "label": r.label, "entries": entries})
    sens = summary.sensitive
    sep = "、" if zh else ", "
    overview = [{"label": r.label, "count": len(r.items),
                 "sensitive": label(lang, "overview_sensitive", n=len(sens), items=sep.join(i.text(lang) for i in sens))
                 if r.key == "data_categories" and sens else ""} for r in summary.filled]
    return {"caption": label(lang, "caption"), "note": label(lang, "note"), "overview": overview,
            "show": label(lang, "show_table"), "colon": i18n.t(lang, "colon"),
            "sensitive_label": i18n.sensitive_word(lang), "comma": "、" if zh else ", ",
            "space": "" if zh else " ", "rows": rows}


def changes_view(old: PolicyText | None, new: PolicyText | None, lang: str) -> dict | None:
    """Template context for the summary diff on a compare page; None when neither side states facts."""
    a = build_summary(old) if old is not None else None
    b = build_summary(new) if new is not None else None
    if (a is None or a.empty) and (b is None or b.empty):
        return None
    return {"heading": label(lang, "changes"), "empty": label(lang, "no_changes"),
            "rows": summary_diff(a, b, lang)}


def text_changes(old: PolicyText | None, new: PolicyText | None, lang: str) -> list[dict]:
    """summary_diff of two policy texts (either may be missing in that language)."""
    return summary_diff(build_summary(old) if old is not None else None,
                        build_summary(new) if new is not None else None, lang)


def changes_section(changes: list[dict], lang: str, fmt: str) -> str:
    """The "Summary changes" section that ``policygen diff`` appends (text or md)."""
    head = label(lang, "changes")
    if fmt == "md":
        lines = [f"### {head}", ""]
        lines += [f"- {_md(c['text'])} (`{c['clause']}`)" for c in changes] or [label(lang, "no_changes")]
    else:
        lines = [f"{head}:"]
        lines += [f"  {c['text']}  [{c['clause']}]" for c in changes] or [f"  {label(lang, 'no_changes')}"]
    return "\n".join(lines) + "\n"
