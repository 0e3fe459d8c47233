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
from .redline import blocks_html, segments_html
from .sentences import reader_sentences, reason_sentence, same_change as _same_change
from .visible import link_changes


def label(lang: str, key: str, **kw) -> str:
    return i18n.text(lang, "compare", key, **kw)


def clause_change_html(cd, number: str, lang: str, level: str, reasons=()) -> str:
    """A changed clause: its title with badges, what changes in its front matter (sentences
    from its fact reasons) and the redline of its text."""
    badges = [label(lang, "added" if cd.status == "added" else "removed" if cd.status == "removed" else "modified"
                    if cd.status == "modified" else "moved")]
    if cd.renamed or cd.note == "renamed":
        badges.append(label(lang, "renamed"))
    if cd.note in ("split", "merged"):
        badges.append(label(lang, cd.note))
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
    facts = reader_sentences([r for r in reasons if r.clause == cd.id and dict(r.fields).get("fact")], lang)
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
    changed = [clause_change_html(cd, numbers.get(cd.id, ""), lang, cls.clause_levels.get(cd.id, "editorial"),
                                  cls.reasons)
               for cd in diff.clauses if cd.status != "unchanged"]
    # Labels and level names made here, not by calls in the template's loops: a comparison
    # with the version in force lists every reason since (the loops were a fifth of the page).
    titles = {cd.id: i18n.numbered(numbers.get(cd.id, ""), cd.title) for cd in diff.clauses}
    unchanged = [titles[cd.id] for cd in diff.clauses if cd.status == "unchanged"]
    level_text = {lv: i18n.t(lang, "level_" + lv) for lv in {cls.level, *(r.level for r in cls.reasons)}}
    return {
        "level": cls.level, "level_text": level_text[cls.level],
        "notice_required": cls.notice_required, "consent_required": cls.consent_required,
        # readers: a sentence per change, under the clause's number and title
        "reasons": [{"clause": r.clause, "level": r.level, "level_text": level_text[r.level],
                     "text": reason_sentence(r, lang), "title": titles.get(r.clause, r.clause)}
                    for r in cls.reasons if not _same_change(r, cls.reasons)],
        # reviewers (collapsed): the rule, the regime or promise behind the level, the evidence
        "review": [{"clause": r.clause, "level": r.level, "rule": r.rule, "basis": r.basis, "message": r.message}
                   for r in cls.reasons],
        "changed_html": changed, "unchanged": unchanged,
        "labels": i18n.table(lang, "compare"),
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
