"""Render diffs for people: HTML redlines (escaped, <ins>/<del>) and Markdown/text summaries. Pure."""

from __future__ import annotations

import html
import re

from .classify import Classification
from .diff import PolicyDiff
from .controls import show_controls
from .visible import link_changes


def segments_html(segs) -> str:
    out = []
    for op, text in segs:
        t = html.escape(show_controls(text))
        if op == "insert":
            out.append(f'<ins class="pg-ins">{t}</ins>')
        elif op == "delete":
            out.append(f'<del class="pg-del">{t}</del>')
        else:
            out.append(t)
    return "".join(out)


def fact_lines(cd, lang: str = "en") -> list[str]:
    from .i18n import fact_name, sensitive_word

    lines = []
    for fc in cd.facts:
        name = fact_name(lang, fc["fact"])
        for label, attrs in fc["added"]:
            sens = f" ({sensitive_word(lang)})" if attrs.get("sensitive") else ""
            lines.append(f"{name}: + {label}{sens}")
        for label, _ in fc["removed"]:
            lines.append(f"{name}: - {label}")
        for label, _old, _new in fc["changed"]:
            lines.append(f"{name}: ~ {label}")
    return lines


MD_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~])")


def md_literal(text: str) -> str:
    """Policy text placed in Markdown stays text: no live links, images, emphasis or HTML
    (an HTML comment cannot hide words), no @mention that pings (a word joiner follows
    each '@'), no bidirectional control that reorders what is shown."""
    escaped = MD_SPECIAL.sub(r"\\\1", html.escape(show_controls(text), quote=False))
    return escaped.replace("@", "@\u2060")


def _notes(cd) -> dict:
    """New link target -> old one, for the links of a clause whose target changed."""
    return {new: old for _text, old, new in link_changes(cd.old_blocks, cd.new_blocks, cd.ops)}


def diff_markdown(policy: str, lang: str, old_label: str, new_label: str, d: PolicyDiff, cls: Classification) -> str:
    """A PR-comment summary: level, reasons, then each changed clause's redline."""
    icon = {"editorial": "", "minor": "", "notice": "⚠️ ", "consent": "🛑 "}[cls.level]
    lines = [f"## {icon}Policy change `{policy}` ({lang}): **{cls.level}**", "",
             f"From `{_code(old_label)}` to `{_code(new_label)}`. Notice required: **{'yes' if cls.notice_required else 'no'}**; "
             f"consent required: **{'yes' if cls.consent_required else 'no'}**.", ""]
    if cls.reasons:
        lines += ["| clause | level | rule | why |", "|---|---|---|---|"]
        for r in cls.reasons:
            lines.append(f"| `{r.clause}` | {r.level} | {r.rule} | {_md_words(r.message)} |")
        lines.append("")
    for cd in d.changed:
        flags = [cd.status] + (["renamed"] if cd.renamed else []) + (["formatting only"] if cd.formatting_only else [])
        flags += [f"{cd.note} from {', '.join(cd.old_ids)}"] if cd.note else []
        lines.append(f"### `{cd.id}` {_md_words(cd.title)} ({', '.join(flags)})")
        lines.append("")
        for fl in fact_lines(cd):
            lines.append(f"- {_md_words(fl)}")
        for block in changed_blocks(cd.old_blocks, cd.new_blocks, cd.ops, _notes(cd), "md"):
            lines += ["", block]
        lines.append("")
    if not d.changed:
        lines.append("No changes.")
    return "\n".join(lines).rstrip() + "\n"


def diff_text(policy: str, lang: str, old_label: str, new_label: str, d: PolicyDiff, cls: Classification) -> str:
    lines = [f"{policy} ({lang}): {old_label} -> {new_label}",
             f"level: {cls.level}  notice required: {'yes' if cls.notice_required else 'no'}  "
             f"consent required: {'yes' if cls.consent_required else 'no'}"]
    for r in cls.reasons:
        lines.append(f"  [{r.level}] {r.clause}: {r.message} ({r.rule})")
    for cd in d.changed:
        lines.append("")
        lines.append(f"== {cd.id}: {cd.title} ({cd.status}{', renamed' if cd.renamed else ''}"
                     f"{', formatting only' if cd.formatting_only else ''}"
                     f"{f', {cd.note} from ' + ', '.join(cd.old_ids) if cd.note else ''})")
        for fl in fact_lines(cd):
            lines.append(f"   {fl}")
        for block in changed_blocks(cd.old_blocks, cd.new_blocks, cd.ops, _notes(cd), "text"):
            lines.append(block)
    if not d.changed:
        lines.append("no changes")
    return show_controls("\n".join(lines)) + "\n"


# ------------------------------------------------------------------ the document, redlined
#
# A clause's block diff (diff.block_diff) shown as the document a reader reads: headings as
# headings, lists as lists, tables as tables with each cell redlined (a whole added or
# removed row marked as a row), links as links with a note when their target changed.

def _pieces(runs: tuple, start: int, length: int) -> list[tuple[str, str]]:
    """The (text, href) pieces of ``runs`` covering ``length`` characters from ``start``."""
    out, pos = [], 0
    end = start + length
    for text, href in runs:
        lo, hi = max(start, pos), min(end, pos + len(text))
        if lo < hi:
            out.append((text[lo - pos:hi - pos], href))
        pos += len(text)
        if pos >= end:
            break
    return out


def cell_pieces(old_cell: tuple, new_cell: tuple, segs) -> list[tuple[str, str, str]]:
    """A cell's word diff as (op, text, href): words keep the link they sit in on their side."""
    out, oi, ni = [], 0, 0
    for op, text in segs:
        if op == "delete":
            out.extend((op, t, h) for t, h in _pieces(old_cell, oi, len(text)))
            oi += len(text)
        else:
            out.extend((op, t, h) for t, h in _pieces(new_cell, ni, len(text)))
            ni += len(text)
            if op == "equal":
                oi += len(text)
    return out


def _block_pieces(op: str, old_block, new_block, cells) -> list[list[tuple[str, str, str]]]:
    """Each cell of an aligned block as pieces (op, text, href)."""
    if op == "insert" or op == "delete":
        block = new_block if op == "insert" else old_block
        return [[(op, t, h) for t, h in cell] for cell in block[2]]
    if op == "equal":
        return [[("equal", t, h) for t, h in cell] for cell in new_block[2]]
    empty = ()
    return [cell_pieces(old_block[2][k] if k < len(old_block[2]) else empty,
                        new_block[2][k] if k < len(new_block[2]) else empty, segs)
            for k, segs in enumerate(cells)]


def _html_pieces(pieces, notes: dict, note_label: str) -> str:
    out = []
    k = 0
    while k < len(pieces):
        href = pieces[k][2]
        group = [pieces[k]]
        while k + 1 < len(pieces) and pieces[k + 1][2] == href:
            k += 1
            group.append(pieces[k])
        k += 1
        inner = "".join(_html_word(op, text) for op, text, _ in group)
        if not href:
            out.append(inner)
            continue
        old = notes.get(href)
        moved = old is not None and any(op != "delete" for op, _, _ in group)
        # The side-by-side view's old column points the link where it pointed (policygen.js).
        was = f' data-pg-old-href="{html.escape(old, quote=True)}"' if moved else ""
        out.append(f'<a href="{html.escape(href, quote=True)}"{was}>{inner}</a>')
        if moved:
            out.append(f' <small class="pg-link-note">({html.escape(note_label)}: '
                       f'<span class="pg-link-old">{html.escape(old)}</span> → '
                       f'<span class="pg-link-new">{html.escape(href)}</span>)</small>')
    return "".join(out)


def _html_word(op: str, text: str) -> str:
    t = html.escape(show_controls(text)).replace("\n", "<br>")
    if op == "insert":
        return f'<ins class="pg-ins">{t}</ins>'
    if op == "delete":
        return f'<del class="pg-del">{t}</del>'
    return t


def _list_shape(style: str) -> tuple[str, int, str]:
    """('ul'|'ol', depth, start attribute) of a list item's style ('ol start=3 depth=2')."""
    parts = dict(p.split("=", 1) for p in style.split()[1:] if "=" in p)
    start = parts.get("start", "")
    return style.split()[0] if style else "ul", int(parts.get("depth", "1")), (
        f' start="{html.escape(start)}"' if start.isdigit() else "")


def blocks_html(old_blocks, new_blocks, ops, link_notes: dict, note_label: str) -> str:
    """The redlined document as HTML (everything from the policy escaped here)."""
    out: list[str] = []
    lists: list[str] = []  # open list tags
    container = ""  # "table" | "quote" | ""

    def close_lists(depth=0):
        while len(lists) > depth:
            out.append(f"</li></{lists.pop()}>")

    def close_container():
        nonlocal container
        if container == "table":
            out.append("</tbody></table></div>")
        elif container == "quote":
            out.append("</blockquote>")
        container = ""

    for op, i, j, cells in ops:
        block = new_blocks[j] if op != "delete" else old_blocks[i]
        kind, style = block[0], block[1]
        cls = {"insert": " pg-block-ins", "delete": " pg-block-del"}.get(op, "")
        cells_html = [_html_pieces(p, link_notes, note_label)
                      for p in _block_pieces(op, old_blocks[i] if i >= 0 else None,
                                             new_blocks[j] if j >= 0 else None, cells)]
        want = "table" if kind == "row" else "quote" if kind == "quote" else ""
        if kind != "li" and not (kind == "p" and style.startswith("in-") and lists):
            close_lists()
        if want != container:
            close_container()
            if want == "table":
                out.append('<div class="pg-table"><table><tbody>')
            elif want == "quote":
                out.append("<blockquote>")
            container = want
        attr = f' class="{cls.strip()}"' if cls else ""
        if kind == "li":
            tag, depth, start = _list_shape(style)
            close_lists(depth)
            if len(lists) == depth:
                if lists[-1] != tag:
                    close_lists(depth - 1)
                else:
                    out.append("</li>")
            while len(lists) < depth:
                lists.append(tag)
                out.append(f"<{tag}{start}>" if len(lists) == depth else f"<{tag}><li>")
            out.append(f"<li{attr}>{cells_html[0]}")
        elif kind == "row":
            cell_tag = "th" if style == "th" else "td"
            out.append(f"<tr{attr}>" + "".join(f"<{cell_tag}>{c}</{cell_tag}>" for c in cells_html) + "</tr>")
        elif kind == "h":
            out.append(f'<{style} class="pg-h{cls}">{cells_html[0]}</{style}>')
        elif kind == "code":
            out.append(f"<pre{attr}><code>{cells_html[0]}</code></pre>")
        else:
            tag = kind if kind in ("dt", "dd") else "p"
            out.append(f"<{tag}{attr}>{cells_html[0]}</{tag}>")
    close_lists()
    close_container()
    return "".join(out)


# Markdown that GitHub shows as the document: words stay words (no live emphasis, HTML,
# images, mentions or issue references), links stay links.
def _md_words(text: str) -> str:
    return md_literal(text).replace("\n", "<br>")


def _code(text: str) -> str:
    """A value shown in a Markdown code span (which no backtick may close early)."""
    return show_controls(text).replace("`", "'")


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _md_pieces(pieces, notes: dict, note_label: str) -> str:
    out = []
    for op, text, href in pieces:
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):] if text.strip() else ""
        core = text.strip()
        if not core:
            out.append(" " if op != "delete" and text else "")
            continue
        word = _md_words(core)
        if href:
            # The target stays visible: a link never hides where it goes.
            shown = "" if core == href or (href in notes and op != "delete") else f" (`{_code(href)}`)"
            word = f"[{word}]({_md_url(href)}){shown}"
        if op == "insert":
            word = f"<ins>{word}</ins>"
        elif op == "delete":
            word = f"<del>{word}</del>"
        out.append(lead.replace("\n", "<br>") + word + trail.replace("\n", "<br>"))
        if href in notes and op != "delete":
            out.append(f" ({_md_words(note_label)}: `{_code(notes[href])}` → `{_code(href)}`)")
    return "".join(out)


def _text_pieces(pieces, notes: dict, note_label: str) -> str:
    out = []
    for op, text, href in pieces:
        text = show_controls(text)
        out.append(text if op == "equal" else f"[-{text}-]" if op == "delete" else f"{{+{text}+}}")
        if href in notes and op != "delete":
            out.append(f" ({note_label}: {notes[href]} -> {href})")
    return "".join(out)


def changed_blocks(old_blocks, new_blocks, ops, notes: dict, fmt: str, note_label: str = "link changed") -> list[str]:
    """Only the blocks that changed (a reviewer reading a pull request does not need the
    unchanged rest of a long clause), in ``fmt`` "md" or "text"; changed table rows come
    together under their table's header row."""
    render = _md_pieces if fmt == "md" else _text_pieces
    out: list[str] = []
    rows: list[str] = []
    header: tuple | None = None
    header_shown = False

    def flush_rows():
        nonlocal rows, header_shown
        if rows:
            if fmt == "md":
                width = max(r.count(" | ") for r in rows) + 1
                head = rows[0] if header_shown else "| " + " | ".join([" "] * width) + " |"
                body = rows[1:] if header_shown else rows
                out.append("\n".join([head, "|" + "---|" * width, *body]))
            else:
                out.append("\n".join(rows))
        rows, header_shown = [], False

    for op, i, j, cells in ops:
        block = new_blocks[j] if op != "delete" else old_blocks[i]
        if block[0] == "row" and block[1] == "th":
            header = block
        changed_links = op != "delete" and any(h in notes for cell in block[2] for _t, h in cell)
        if op == "equal" and not changed_links:
            if block[0] != "row":
                flush_rows()
            continue
        pieces = _block_pieces(op, old_blocks[i] if i >= 0 else None, new_blocks[j] if j >= 0 else None, cells)
        texts = [render(p, notes, note_label) for p in pieces]
        kind = block[0]
        if kind == "row":
            if not rows and header is not None and header is not block:
                rows.append(_row(fmt, [render([("equal", t, h) for t, h in c], {}, note_label) for c in header[2]]))
                header_shown = True
            elif not rows and header is block:
                header_shown = True
            rows.append(_row(fmt, texts))
            continue
        flush_rows()
        text = texts[0]
        if kind == "h":
            level = int(block[1][1:]) if block[1][1:].isdigit() else 3
            out.append(("#" * min(6, level + 1) + " " + text) if fmt == "md" else text)
        elif kind == "li":
            _tag, depth, _start = _list_shape(block[1])
            out.append("  " * (depth - 1) + ("- " if fmt == "md" else "• ") + text)
        elif kind == "quote":
            out.append(("> " if fmt == "md" else "  ") + text)
        else:
            out.append(text)
    flush_rows()
    return out


def _row(fmt: str, cells: list[str]) -> str:
    return "| " + " | ".join(c or " " for c in cells) + " |" if fmt == "md" else " | ".join(cells)
