"""What changed for a reader between two block models (``blocks.py``). Pure.

``reader_view`` is what a reader reads: the words of every block with whitespace collapsed
and each web address (a bare URL, or a link whose text is its address) standing as a
marker, plus the link targets in order. Two texts with the same view differ only in
formatting; with the same words but other targets, only in where links point.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from .blocks import block_text, links

URL_TEXT = re.compile(r"(?:https?://|www\.)[^\s)<>\]]+")
URLISH = re.compile(r"(?:https?://|www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?")
SPACES = re.compile(r"\s+")
# Characters that render nothing (zero-width spaces and joiners, byte-order marks) or an icon
# of a private font: no reader reads them.
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\ue000-\uf8ff\U000f0000-\U0010ffff]")


def _strip_url(url: str) -> tuple[str, str]:
    core = url.rstrip(".,;:")
    return core, url[len(core):]


@functools.lru_cache(maxsize=4096)
def reader_view(model: tuple) -> tuple[str, tuple[str, ...]]:
    words, targets = [], []
    for block in model:
        for cell in block[2]:
            for text, href in cell:
                if href and URLISH.fullmatch(text.strip()):
                    words.append(" \x00 ")  # the address is the link: only its target counts
                    targets.append(href)
                    continue
                if href:
                    targets.append(href)

                def bare(m):
                    core, tail = _strip_url(m.group(0))
                    targets.append(core)
                    return " \x00 " + tail

                words.append(URL_TEXT.sub(bare, text) if "://" in text or "www." in text else text)
            words.append(" ")
    return SPACES.sub(" ", INVISIBLE.sub("", "".join(words))).strip(), tuple(targets)


def host(url: str) -> str:
    """The site a link leads to; "" for a target inside the document or the same site."""
    m = re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//([^/?#]+)", url.strip(), re.I)
    if m:
        return re.sub(r"^www\.", "", m.group(1).lower().split("@")[-1].split(":")[0])
    m = re.match(r"^(?:https?://)?(www\.[^/?#\s]+)", url.strip(), re.I)
    return re.sub(r"^www\.", "", m.group(1).lower()) if m else ""


def link_changes(old_model, new_model, ops) -> list[tuple[str, str, str]]:
    """(link text, old target, new target) for each link of an aligned block whose target
    changed; links are paired by text (in order)."""
    out = []
    for op, i, j, _cells in ops:
        if op not in ("equal", "modify"):
            continue
        old, new = links(old_model[i]), links(new_model[j])
        if not old or not new:
            continue
        pending: dict[str, list[str]] = {}
        for text, href in old:
            pending.setdefault(text.strip(), []).append(href)
        for text, href in new:
            got = pending.get(text.strip())
            if got:
                before = got.pop(0)
                if before != href:
                    out.append((text.strip(), before, href))
    return out


# Markup in the source that renders no different words, as a reviewer names it.
SOURCE_MARKUP = (
    ("HTML comment", re.compile(r"<!--.*?-->", re.S)),
    ("invisible characters", INVISIBLE),
    ("image", re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")),  # the site shows no images
    ("anchors and ids", re.compile(r"\[\]\([^)\n]*\)|<a\s+(?:id|name)=[^>]*>\s*</a>")),
    ("attribute list", re.compile(r"\{:?[ \t]*[#.][^}\n]*\}")),
    ("entity spelling", re.compile(r"&#?\w+;")),
    ("heading markers", re.compile(r"(?m)^ {0,3}#{1,6}(?=\s)|[ \t]#+[ \t]*$|^ {0,3}(?:=+|-+)[ \t]*$")),
    ("list markers", re.compile(r"(?m)^[ \t]*(?:[-*+]|\d+[.)])(?=[ \t])")),
    ("emphasis markers", re.compile(r"\*\*|__|(?<![\w*])[*_](?=\S)")),
    ("escapes", re.compile(r"\\[\\`*_{}\[\]()#+\-.!<>|]")),
    ("table alignment", re.compile(r"(?m)^\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")),
    ("HTML tags", re.compile(r"</?[a-zA-Z][^>]*>")),
)


def formatting_changes(old_body: str, new_body: str, old_model, new_model, ops) -> list[str]:
    """What changed when the words did not: 'heading level', 'HTML comment', ..."""
    what = []

    def note(name):
        if name not in what:
            what.append(name)

    if len(old_model) != len(new_model) or any(op in ("delete", "insert") for op, *_ in ops):
        note("paragraph breaks")
    for op, i, j, _ in ops:
        if op == "delete" or op == "insert":
            continue
        a, b = old_model[i], new_model[j]
        if a[0] != b[0]:
            note("block type")
        elif a[1] != b[1]:
            note({"h": "heading level", "li": "list type or depth", "row": "table header"}.get(a[0], "block type"))
        if Counter(a[3]) != Counter(b[3]):
            note("emphasis")
        if a[4] != b[4]:
            note("anchors and ids")
        ta, tb = block_text(a), block_text(b)
        if ta != tb and SPACES.sub(" ", ta) == SPACES.sub(" ", tb):
            note("line breaks" if ta.count("\n") != tb.count("\n") else "whitespace")
    if [b[4] for b in old_model] != [b[4] for b in new_model]:
        note("anchors and ids")
    if [links(b) for b in old_model] != [links(b) for b in new_model]:
        note("link markup")
    for name, pattern in SOURCE_MARKUP:
        if Counter(pattern.findall(old_body)) != Counter(pattern.findall(new_body)):
            if name == "HTML tags" and what:
                continue
            note(name)
    for implied, by in (("heading markers", "heading level"), ("emphasis markers", "emphasis")):
        if implied in what and by in what:
            what.remove(implied)
    if not what:
        note("line wrapping or whitespace")
    return what
