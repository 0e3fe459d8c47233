"""A clause as the blocks a reader sees (headings, paragraphs, list items, quotes, tables),
each holding runs of text with their formatting, and the pairing of two clauses' blocks for
a Word redline. Pure: Markdown in (rendered as the site renders it), blocks out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

try:
    from cydifflib import SequenceMatcher
except ImportError:  # pragma: no cover - a platform without its wheels
    from difflib import SequenceMatcher

PLAIN = (False, False, False, "")  # (bold, italic, code, link target)
LINK_RE = re.compile(r"^(https?:|mailto:|tel:)", re.I)


@dataclass(frozen=True)
class Block:
    kind: str  # heading | para | item | more (a list item's further paragraph) | quote | pre | table
    level: int = 0  # heading level (1 = a clause title) or list depth (0 = top)
    ordered: bool = False  # a numbered list item
    list_key: int = 0  # which list an item belongs to (numbering restarts per list)
    runs: tuple = ()  # (text, fmt) with fmt as PLAIN
    rows: tuple = ()  # tables: rows of cells, each a tuple of runs
    header_rows: int = 0  # tables: how many leading rows are header cells

    @property
    def text(self) -> str:
        if self.kind == "table":
            return "\n".join(" | ".join(runs_text(c) for c in row) for row in self.rows)
        return runs_text(self.runs)


def runs_text(runs) -> str:
    return "".join(t for t, _ in runs)


def _clean(runs: list) -> tuple:
    """Whitespace as a reader sees it: single spaces, none at the ends; neighbours with the
    same formatting merged."""
    out: list = []
    for text, fmt in runs:
        text = re.sub(r"\s+", " ", text)
        if out and out[-1][0].endswith(" ") and text.startswith(" "):
            text = text[1:]
        if not text:
            continue
        if out and out[-1][1] == fmt:
            out[-1] = (out[-1][0] + text, fmt)
        else:
            out.append((text, fmt))
    if out:
        out[0] = (out[0][0].lstrip(), out[0][1])
        out[-1] = (out[-1][0].rstrip(), out[-1][1])
    return tuple((t, f) for t, f in out if t)


def _inline(node, fmt, out: list) -> None:
    from bs4 import NavigableString, Tag

    for child in node.children:
        if isinstance(child, NavigableString):
            out.append((str(child), fmt))
            continue
        if not isinstance(child, Tag) or child.name in ("ul", "ol", "table"):
            continue
        bold, italic, code, href = fmt
        name = child.name
        if name in ("strong", "b"):
            bold = True
        elif name in ("em", "i"):
            italic = True
        elif name == "code":
            code = True
        elif name == "a" and LINK_RE.match(child.get("href") or ""):
            href = child["href"]
        elif name == "br":
            out.append((" ", fmt))
            continue
        _inline(child, (bold, italic, code, href), out)


def _runs(node, fmt=PLAIN) -> tuple:
    out: list = []
    _inline(node, fmt, out)
    return _clean(out)


BLOCK_TAGS = {"p", "ul", "ol", "table", "blockquote", "pre", "h3", "h4", "h5", "h6", "div", "dl"}


def _list(node, depth: int, out: list, counter: list) -> None:
    from bs4 import Tag

    counter[0] += 1
    key = counter[0]
    for li in node.find_all("li", recursive=False):
        # The item is its text up to its first paragraph's end; what follows (more
        # paragraphs, nested lists, tables) continues it, in order.
        kids = [c for c in li.children if isinstance(c, Tag) and c.name in BLOCK_TAGS]
        if kids and kids[0].name == "p":  # a loose item: its first paragraph is the item
            kids = kids[1:]
        for kid in kids:
            kid.extract()
        out.append(Block("item", level=depth, ordered=node.name == "ol", list_key=key, runs=_runs(li)))
        _walk(kids, out, counter, depth=depth, item=True)


def _walk(nodes, out: list, counter: list, depth: int = 0, item: bool = False) -> None:
    """Blocks of ``nodes``; inside a list item (``item``), paragraphs continue the item and
    lists nest one level deeper."""
    from bs4 import Tag

    for child in list(nodes):
        if not isinstance(child, Tag):
            text = str(child).strip()
            if text:
                out.append(Block("more" if item else "para", level=depth, runs=_clean([(text, PLAIN)])))
            continue
        name = child.name
        if re.fullmatch(r"h[1-6]", name):
            out.append(Block("heading", level=max(2, int(name[1]) - 1), runs=_runs(child)))
        elif name == "p":
            runs = _runs(child)
            if runs:
                out.append(Block("more" if item else "para", level=depth, runs=runs))
        elif name in ("ul", "ol"):
            _list(child, depth + 1 if item else 0, out, counter)
        elif name == "blockquote":
            inner: list = []
            _walk(child.children, inner, counter)
            out.extend(Block("quote", runs=b.runs) if b.kind == "para" else b for b in inner)
        elif name == "pre":
            out.append(Block("pre", runs=((child.get_text().strip("\n"), (False, False, True, "")),)))
        elif name == "table":
            trs = child.find_all("tr")
            rows = tuple(tuple(_runs(td) for td in tr.find_all(["th", "td"])) for tr in trs)
            heads = next((k for k, tr in enumerate(trs) if tr.find("td") is not None or tr.find("th") is None), len(trs))
            if rows:
                out.append(Block("table", rows=rows, header_rows=heads))
        elif name == "hr":
            continue
        else:
            _walk(child.children, out, counter, depth, item)


@functools.lru_cache(maxsize=2048)
def clause_blocks(body: str) -> tuple:
    """The blocks of a clause body, rendered by the site's own Markdown renderer."""
    from bs4 import BeautifulSoup

    from .render import markdown_to_html

    out: list = []
    _walk(BeautifulSoup(markdown_to_html(body) if body.strip() else "", "html.parser").children, out, [0])
    return tuple(out)


def pair_indices(old_keys: list, new_keys: list) -> list[tuple]:
    """(old index or None, new index or None) in reading order for two lists of (family, text)
    keys: kept, changed in place, removed, added. Paired as the site's redlines pair blocks
    (``diff._pair_blocks``: similar words), and only within a family (tables with tables)."""
    from .diff import _pair_blocks

    old_texts, new_texts = [k[1] for k in old_keys], [k[1] for k in new_keys]
    out: list[tuple] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(zip(range(i1, i2), range(j1, j2)))
            continue
        for op, i, j in _pair_blocks(old_texts, new_texts, i1, i2, j1, j2):
            if op == "modify" and old_keys[i][0] != new_keys[j][0]:
                out += [(i, None), (None, j)]
            else:
                out.append((i if i >= 0 else None, j if j >= 0 else None))
    return out


def pair_blocks(old: tuple, new: tuple) -> list[tuple]:
    """(old block or None, new block or None): tables pair only with tables."""
    key = lambda b: (b.kind == "table", b.text)  # noqa: E731
    return [(old[i] if i is not None else None, new[j] if j is not None else None)
            for i, j in pair_indices([key(b) for b in old], [key(b) for b in new])]


def pair_rows(old_rows: tuple, new_rows: tuple) -> list[tuple]:
    """Indices of table rows paired like blocks; a pair with as many cells on each side is
    diffed cell by cell."""
    key = lambda row: (len(row), " | ".join(runs_text(c) for c in row))  # noqa: E731
    return pair_indices([key(r) for r in old_rows], [key(r) for r in new_rows])
