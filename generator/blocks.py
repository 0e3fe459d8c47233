"""What a reader reads: a clause as a model of visible blocks. Pure.

The model is read from the same sanitised HTML the site shows (``render.markdown_to_html``),
so markup that renders no different words (comments, attribute lists, heading marks, list
markers, emphasis markers, line wrapping, entity spelling) cannot reach a diff as words.

A block is a plain tuple ``(kind, style, cells, marks, ids)``, so that diffs of blocks can
be kept in the diff memo:

* ``kind``: ``h`` (heading), ``p``, ``li``, ``quote``, ``code``, ``row`` (a table row),
  ``dt``, ``dd``;
* ``style``: what the reader sees of the block besides its words: heading level, list type
  and depth, header row (``"h4"``, ``"ul2"``, ``"ol1"``, ``"th"``);
* ``cells``: the block's text, one cell (a table row: one per cell), each a tuple of runs
  ``(text, href)`` (``href`` is ``""`` outside links); a line break is ``"\\n"``;
* ``marks``: emphasis and inline code, as ``(tag, text)``; ``ids``: anchors and ids.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from .render import chunk_html, rendered, shifted_chunks

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MARKS = {"strong", "b", "em", "i", "code", "sup", "sub", "small", "abbr"}
LINE_BREAK = "\u2028"  # a <br> while parsing: survives whitespace collapsing
SPACES = re.compile(r"[ \t\r\n\f]+")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple] = []
        self.lists: list[str] = []  # open ul/ol
        self.quote = 0
        self.pre = False
        self.href = ""
        self.marks: list[str] = []
        self.ids: list[str] = []  # ids met before the block they belong to
        self.cur: dict | None = None

    # A block being read: kind, style, cells (lists of runs), marks, ids.
    def _start(self, kind: str, style: str = "") -> None:
        self._flush()
        self.cur = {"kind": kind, "style": style, "cells": [[]], "marks": [], "ids": self.ids}
        self.ids = []

    def _flush(self) -> None:
        cur, self.cur = self.cur, None
        if cur is None:
            return
        cells = tuple(_tidy(c, cur["kind"] == "code") for c in cur["cells"])
        if cur["kind"] != "row" and not any(cells):
            self.ids.extend(cur["ids"])  # an empty block's anchor belongs to the next one
            return
        self.blocks.append((cur["kind"], cur["style"], cells, tuple(cur["marks"]), tuple(cur["ids"])))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            (self.cur["ids"] if self.cur else self.ids).append(a["id"])
        if tag in HEADINGS:
            self._start("h", tag)
        elif tag == "p":
            if not (self.cur and self.cur["kind"] in ("li", "dd", "dt")
                    and not any(t.strip() for t, _ in self.cur["cells"][-1])):
                self._start("quote" if self.quote else "p", f"in-{self.lists[-1]}{len(self.lists)}" if self.lists else "")
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append(tag + (f" start={a['start']}" if a.get("start") not in (None, "1") else ""))
        elif tag == "li":
            self._start("li", f"{self.lists[-1] if self.lists else 'ul'} depth={len(self.lists)}")
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag == "pre":
            self._start("code")
            self.pre = True
        elif tag == "tr":
            self._start("row")
            self.cur["cells"] = []
        elif tag in ("td", "th"):
            if not self.cur or self.cur["kind"] != "row":
                self._start("row")
                self.cur["cells"] = []
            self.cur["cells"].append([])
            if tag == "th":
                self.cur["style"] = "th"
        elif tag in ("dt", "dd"):
            self._start(tag)
        elif tag == "br":
            self._text(LINE_BREAK)
        elif tag == "a":
            self.href = a.get("href") or ""
        elif tag in MARKS:
            self.marks.append(tag)

    def handle_endtag(self, tag):
        if tag in HEADINGS or tag in ("p", "li", "pre", "tr", "dt", "dd", "table"):
            self._flush()
            self.pre = self.pre and tag != "pre"
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)
        elif tag == "a":
            self.href = ""
        elif tag in MARKS and tag in self.marks:
            self.marks.remove(tag)

    def handle_data(self, data):
        if self.cur is None:
            if not data.strip():
                return
            self._start("quote" if self.quote else "p")
        self._text(data)

    def _text(self, data: str) -> None:
        if self.cur is None:
            self._start("p")
        if self.cur["kind"] == "row" and not self.cur["cells"]:
            if not data.strip():
                return
            self.cur["cells"].append([])
        self.cur["cells"][-1].append((data, self.href))
        if self.marks and data.strip() and not self.pre:
            self.cur["marks"].append((" ".join(self.marks), data.strip()))


def _tidy(runs: list, pre: bool) -> tuple:
    """Runs as a reader sees them: whitespace collapsed (not in code), trimmed, neighbours
    with the same target joined."""
    out: list[list] = []
    for text, href in runs:
        if not pre:
            text = SPACES.sub(" ", text)
            if out and out[-1][0].endswith((" ", LINE_BREAK)) and text.startswith(" "):
                text = text[1:]
        if not text:
            continue
        if out and out[-1][1] == href:
            out[-1][0] += text
        else:
            out.append([text, href])
    if out and not pre:
        out[0][0] = out[0][0].lstrip(" ")
        out[-1][0] = out[-1][0].rstrip(" ")
    return tuple((re.sub(f" ?{LINE_BREAK} ?", "\n", t) if not pre else t.rstrip("\n"), h)
                 for t, h in out if t)


@functools.lru_cache(maxsize=4096)
def blocks_of_html(fragment: str) -> tuple:
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    reader._flush()
    return tuple(reader.blocks)


@functools.lru_cache(maxsize=4096)
def blocks(markdown: str) -> tuple:
    """The visible blocks of a clause body (Markdown): read piece by piece where the site
    renders it piece by piece (``render.shifted_chunks``), so that two versions of a long
    clause share the work of every paragraph they share."""
    if not markdown.strip():
        return ()
    chunks = shifted_chunks(markdown)
    if chunks is None:  # rendered whole, and so read whole
        return blocks_of_html(rendered(markdown))
    return tuple(b for chunk in chunks for b in _chunk_blocks(chunk))


# A piece with none of these renders as one paragraph of its words (whitespace collapsed):
# no inline markup, entity, HTML, table, attribute list or escape, no line that starts a
# list, quote, code block, definition or setext heading, no blank line, no hard line break.
SPECIAL = frozenset("*_`[]<>&\\|{}#\r\t")
# searched in "\n" + piece: a line that starts a block, or a blank line (two paragraphs)
LINE_MARKUP = re.compile(r"\n(?: *(?:[-+*:>=]|\d+[.)]|\n)| {4}|[ \t]+\n)")
HARD_BREAK = re.compile(r" {2}\n")  # searched in piece + "\n"


@functools.lru_cache(maxsize=65536)
def _chunk_blocks(chunk: str) -> tuple:
    if SPECIAL.isdisjoint(chunk) and not LINE_MARKUP.search("\n" + chunk) and not HARD_BREAK.search(chunk + "\n"):
        text = SPACES.sub(" ", chunk).strip()
        return (("p", "", (((text, ""),),), (), ()),) if text else ()
    return blocks_of_html(chunk_html(chunk))


CELL_SEP = " | "


def cell_text(cell: tuple) -> str:
    return "".join(t for t, _ in cell)


def block_text(block: tuple) -> str:
    return CELL_SEP.join(cell_text(c) for c in block[2])


def visible_text(model: tuple) -> str:
    """The reader's words: blocks separated by blank lines."""
    return "\n\n".join(block_text(b) for b in model)


def links(block: tuple) -> list[tuple[str, str]]:
    """(text, target) of each link in a block, in order."""
    return [(t, h) for cell in block[2] for t, h in cell if h]
