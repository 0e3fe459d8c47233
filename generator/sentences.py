"""Reasons as readers read them: one sentence per change in the page's language, made from
the rule id and the plain fields of a ``classify.Reason`` through the catalogs' "reason"
context. Rule ids, regimes, clause ids and the English evidence stay in the JSON feeds and
in the collapsed block for reviewers on compare pages.

Pure: reasons in, strings out.
"""

from __future__ import annotations

import re

from . import i18n

# A fact item with no name of its own is labelled by its JSON (facts._label): not for readers.
JSONISH = re.compile(r"^\s*[\[{]")


def _fields(reason) -> dict:
    return dict(getattr(reason, "fields", ()) or ())


def _key(reason, fields: dict, table: dict) -> str:
    """The catalog entry for a reason: its rule's own sentence where there is one."""
    rule = reason.rule
    if rule == "children-changed" and fields.get("collects") is False:
        return "children-not-collected"
    if rule in table:
        return rule
    change = fields.get("change", "")
    return f"fact-{change}" if fields.get("fact") and f"fact-{change}" in table else "text-changed"


def reason_sentence(reason, lang: str) -> str:
    """One sentence saying what changes, e.g. "Your data will be transferred to a new
    country: Germany." (or "新增跨境传输目的地：德国。")."""
    table = i18n.table(lang, "reason")
    fields = _fields(reason)
    key = _key(reason, fields, table)
    item = str(fields.get("item", "") or "")
    values = {"item": item, "trigger": str(fields.get("trigger", "") or ""),
              "fact": i18n.fact_name(lang, str(fields.get("fact", "")))}
    sentence = table[key]
    if ("{item}" in sentence and (not item or JSONISH.match(item))) or ("{trigger}" in sentence and not values["trigger"]):
        sentence = table["fact-changed"] if fields.get("fact") else table["text-changed"]
    return sentence.format(**values)


def reader_sentences(reasons, lang: str) -> list[str]:
    """The sentences of several reasons, each said once. A clause whose children's-data terms
    were replaced says so once (the old terms' removal is the same change)."""
    out = [reason_sentence(r, lang) for r in reasons if not same_change(r, reasons)]
    return list(dict.fromkeys(out))


def join_sentences(sentences, lang: str) -> str:
    return ("" if i18n.cjk(lang) else " ").join(sentences)


def same_change(reason, reasons) -> bool:
    """The removal of a clause's old children's-data terms when new ones replace them: said
    once, by the new terms."""
    return reason.rule == "children-removed" and any(
        r.clause == reason.clause and r.rule in ("children-changed", "children-collected") for r in reasons)
