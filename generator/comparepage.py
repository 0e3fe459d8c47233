"""Compare pages: a summary of the classification, then a redline of each changed clause.

Pure: takes a diff and a classification, returns HTML. Everything from the policy text
is escaped here (``redline.segments_html``) before it reaches the page.
"""

from __future__ import annotations

import functools
import html

from . import i18n
from .diff import block_diff
from .diffmemo import kept
from .redline import blocks_html, fact_lines, segments_html
from .visible import link_changes


STATUS_LABELS = {
    "en": {"added": "added", "removed": "removed", "modified": "changed", "moved": "moved", "renamed": "renamed",
           "formatting": "formatting only", "unchanged": "{n} unchanged clauses", "unchanged_one": "1 unchanged clause", "facts": "Structured facts",
           "inline": "Inline", "side": "Side by side", "old": "Before", "new": "After",
           "notice_yes": "A prominent notice is required before this version takes effect.",
           "consent_yes": "Renewed consent is required.", "nothing": "No changes between these versions.",
           "pick": "Compare two versions", "go": "Compare", "reasons": "Why",
           "link_changed": "link changed"},
    "zh-CN": {"added": "新增", "removed": "删除", "modified": "修改", "moved": "移动", "renamed": "标题变更",
              "formatting": "仅格式调整", "unchanged": "{n} 个条款未变", "unchanged_one": "1 个条款未变", "facts": "结构化事实",
              "inline": "合并视图", "side": "并排视图", "old": "修改前", "new": "修改后",
              "notice_yes": "本版本生效前须显著告知用户。", "consent_yes": "须重新取得用户同意。",
              "nothing": "两个版本之间没有变更。", "pick": "比较两个版本", "go": "比较", "reasons": "原因",
              "link_changed": "链接已更改"},
}


def label(lang: str, key: str, **kw) -> str:
    table = STATUS_LABELS.get(lang) or STATUS_LABELS["en"]
    return table.get(key, STATUS_LABELS["en"][key]).format(**kw)


def clause_change_html(cd, number: str, lang: str, level: str) -> str:
    badges = [label(lang, "added" if cd.status == "added" else "removed" if cd.status == "removed" else "modified"
                    if cd.status == "modified" else "moved")]
    if cd.renamed:
        badges.append(label(lang, "renamed"))
    if cd.moved and cd.status != "moved":
        badges.append(label(lang, "moved"))
    if cd.formatting_only:
        badges.append(label(lang, "formatting"))
    title = segments_html(cd.title_segments) if cd.renamed else html.escape(cd.title)
    num = f'<span class="pg-num">{html.escape(number)}</span>{"" if number.endswith("、") else " "}' if number else ""
    parts = [f'<section class="pg-change pg-change--{cd.status}" id="{html.escape(cd.id)}">',
             f'<h2>{num}{title} <span class="pg-badges">'
             + " ".join(f'<span class="pg-badge">{html.escape(b)}</span>' for b in badges)
             + f' <span class="pg-level pg-level--{level}">{html.escape(i18n.t(lang, "level_" + level))}</span></span></h2>']
    facts = fact_lines(cd, lang)
    if facts:
        parts.append(f'<div class="pg-facts"><p><strong>{html.escape(label(lang, "facts"))}</strong></p><ul>'
                     + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul></div>")
    redline = _redline(cd.old_body, cd.new_body, cd.status in ("added", "removed"), lang)
    if redline:
        parts.append(redline)
    parts.append("</section>")
    return "\n".join(parts)


@functools.lru_cache(maxsize=2048)
@kept("redline")
def _redline(old_body: str, new_body: str, always: bool, lang: str) -> str:
    """The inline redline of a clause body, shown as the document (``redline.blocks_html``);
    the same pair recurs across compare pages. The side-by-side view is made from it in the
    browser (policygen.js): the old side is the redline without its insertions, the new
    side without its deletions."""
    ob, nb, ops = block_diff(old_body, new_body)
    if not always and ob == nb:
        return ""
    notes = {new: old for _text, old, new in link_changes(ob, nb, ops)}
    return (f'<div class="pg-redline pg-inline">'
            f'{blocks_html(ob, nb, ops, notes, label(lang, "link_changed"))}</div>')


def compare_body(diff, cls, numbers: dict, lang: str) -> dict:
    """The pieces of a compare page for the template."""
    changed = [clause_change_html(cd, numbers.get(cd.id, ""), lang, cls.clause_levels.get(cd.id, "editorial"))
               for cd in diff.clauses if cd.status != "unchanged"]
    unchanged = [(cd.id, numbers.get(cd.id, ""), cd.title) for cd in diff.clauses if cd.status == "unchanged"]
    return {
        "level": cls.level, "level_text": i18n.t(lang, "level_" + cls.level),
        "notice_required": cls.notice_required, "consent_required": cls.consent_required,
        "reasons": [{"clause": r.clause, "level": r.level, "text": r.text(lang), "rule": r.rule, "basis": r.basis}
                    for r in cls.reasons],
        "changed_html": changed, "unchanged": unchanged,
        "labels": STATUS_LABELS.get(lang) or STATUS_LABELS["en"],
        "unchanged_label": label(lang, "unchanged_one" if len(unchanged) == 1 else "unchanged", n=len(unchanged)),
    }


def standalone_html(policy, lang, old, new, d, cls) -> str:
    """`policygen diff --format html`: one self-contained page (no external resources)."""
    from .site import ENV, clause_numbers
    from .summary import changes_view

    text = new.texts.get(lang) or old.texts.get(lang)
    numbers = clause_numbers(text.manifest, text.clauses, lang) if text else {}
    body = compare_body(d, cls, numbers, lang)
    return ENV.get_template("compare_standalone.html").render(
        lang=lang, policy=policy, old=old.ref, new=new.ref, t=lambda k, **kw: i18n.t(lang, k, **kw),
        summary_changes=changes_view(old.texts.get(lang), new.texts.get(lang), lang), **body)
