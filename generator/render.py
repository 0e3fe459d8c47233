"""Clause Markdown -> safe HTML, rendered once per unique text.

Renders are content-addressed: the key is a hash of the Markdown, of the renderer settings
and of the code that renders (the build passes policygen's code fingerprint, which covers
this module, the sanitiser policy and the libraries' versions), so the same clause text in
fifty versions is rendered once, and any change to how text is rendered renders it again.
This module keeps renders in memory; the build hands it the cache folder's store.
"""

from __future__ import annotations

import html
import re
import threading

import markdown
import nh3

from . import __version__
from .model import canonical_json, sha256
from .workers import run_forked, split

EXTENSIONS = ["tables", "attr_list", "sane_lists", "def_list", "abbr"]
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "strong", "em", "b", "i",
    "code", "pre", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr", "sup", "sub",
    "time", "span", "ins", "del", "small",
}
ALLOWED_ATTRS = {"a": {"href", "title"}, "abbr": {"title"}, "time": {"datetime"}, "th": {"align"},
                 "td": {"align"}, "ol": {"start"}, "*": {"id", "class"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The classes clause text may carry (Markdown's attribute lists, `{: .name }`, or raw HTML):
# only those policygen's own styles and scripts need in clause HTML, and today none does
# (EXTENSIONS emit no class; policygen.css and policygen.js style and read only md-*/pg-*
# classes, which are the theme's and policygen's own UI). Any other class could borrow a
# meaning the theme gives it: Material's `headerlink` is opacity 0, `md-*` style its UI,
# `pre.mermaid` makes it load mermaid from unpkg.com, and a site's CSS may hide `hidden`,
# `sr-only` or `visually-hidden`; text the published page hides while the redline shows it.
ALLOWED_CLASSES: frozenset[str] = frozenset()
# Ids the page itself acts on: Material reads its config from `#__config`, md-*/pg-* ids are
# the theme's and policygen's own (skip link target, notices).
RESERVED_ID_RE = re.compile(r"^(__|md-|pg-)", re.I)
# Control characters (C0 but tab, newline and carriage return; DEL) are never written: not
# from text, nor from a character reference such as `&#1;` (the sanitiser decodes those).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROLS = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
SETTINGS = {"extensions": EXTENSIONS, "tags": sorted(ALLOWED_TAGS),
            "attrs": {k: sorted(v) for k, v in ALLOWED_ATTRS.items()}, "schemes": sorted(URL_SCHEMES),
            "classes": sorted(ALLOWED_CLASSES), "reserved": [RESERVED_ID_RE.pattern], "controls": CONTROL_RE.pattern,
            "version": __version__, "heading_shift": 2,
            # the converter and the sanitiser themselves: an upgrade may change their output
            "libraries": {"markdown": markdown.__version__, "nh3": nh3.__version__}}
SETTINGS_KEY = sha256(canonical_json(SETTINGS))[:16]


def _filter_attribute(_tag: str, name: str, value: str) -> str | None:
    if name == "class":
        kept = [c for c in value.split() if c in ALLOWED_CLASSES]
        return " ".join(kept) or None
    if name == "id" and RESERVED_ID_RE.match(value):
        return None
    return value


# each tag's attributes, the generic ones included (built once: sanitize runs per rendered piece)
_TAG_ATTRS = {t: set(ALLOWED_ATTRS.get(t, ())) | ALLOWED_ATTRS["*"] for t in ALLOWED_TAGS}


def sanitize(fragment: str) -> str:
    """The one place untrusted HTML is cleaned: a maintained sanitiser, not regexes. Control
    characters go after it, as it writes those a character reference spells."""
    return strip_controls(nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=_TAG_ATTRS, url_schemes=URL_SCHEMES,
                                    link_rel="noopener noreferrer", strip_comments=True,
                                    attribute_filter=_filter_attribute))


def strip_controls(text: str) -> str:
    """``text`` without control characters (``CONTROL_RE``); the same ``str`` subclass (Markup
    stays Markup)."""
    if (not any(c in text for c in _CONTROLS) if len(text) > 256 else CONTROL_RE.search(text) is None):
        return text  # a page: one fast search per character is half the regex's time
    got = CONTROL_RE.sub("", text)
    return got if type(text) is str else type(text)(got)


def _shift_headings(text: str) -> str:
    # A clause's own title is the page's h2; headings inside it start at h3.
    return re.sub(r"^(#{1,4})(?=\s)", lambda m: "#" * min(6, len(m.group(1)) + 2) if len(m.group(1)) < 3 else m.group(1),
                  text, flags=re.M)


_LOCAL = threading.local()  # one Markdown converter per thread, reset between texts


def _convert(source: str) -> str:
    """Python-Markdown's HTML for ``source`` (not sanitised)."""
    exts = tuple(EXTENSIONS)
    md = getattr(_LOCAL, "md", None)
    if md is None or _LOCAL.exts != exts:
        md = _LOCAL.md = markdown.Markdown(extensions=list(exts), output_format="html")
        _LOCAL.exts = exts
    else:
        md.reset()
    return md.convert(source)


# A new version of a clause mostly differs from the one before in a paragraph or two, so a
# text is rendered chunk by chunk and each chunk once (per process). A text is cut only at a
# single blank line followed by a block that nothing before it can change: not indented (a
# list item's or code block's continuation), not a list item, quote or table row (these join
# the list, quote or table before them). Texts with document-wide state (reference links,
# abbreviations, raw HTML) or definition lists (a definition turns the paragraphs before it
# into terms) are rendered whole. The output is the whole-text render's, byte for byte
# (tests/test_fuzz.py checks).
_SINGLE_BLANK_LINE = re.compile(r"\n[ \t]*\n(?![ \t]*\n)")
_JOINS_PREVIOUS = re.compile(r"[ \t\-*+:>|{\[]|\d+[.)]")
_WHOLE_ONLY = re.compile(r"[<\r\x02\x03]|^ {0,3}(?:\*?\[|:)", re.M)
_CHUNKS: dict[tuple, str] = {}  # (extensions, chunk) -> sanitised html, for the whole process


def markdown_chunks(source: str) -> list[str] | None:
    """``source`` cut where rendering its pieces one by one gives the whole text's HTML
    (joined by newlines); None if it must be rendered whole."""
    if _WHOLE_ONLY.search(source) or not source.strip():
        return None
    chunks, start = [], 0
    for m in _SINGLE_BLANK_LINE.finditer(source):
        if not _JOINS_PREVIOUS.match(source, m.end()):
            chunks.append(source[start:m.start()])
            start = m.end()
    chunks.append(source[start:])
    return None if any(not c.strip() for c in chunks) else chunks


def chunk_html(chunk: str) -> str:
    """The sanitised HTML of one piece of ``markdown_chunks``, made once per process: a text's
    pieces are each complete blocks, so cleaning them one by one cleans the whole text
    (tests/test_fuzz.py checks), and the diffs (blocks.py) read the same pieces."""
    key = (tuple(EXTENSIONS), chunk)
    got = _CHUNKS.get(key)
    if got is None:
        if len(_CHUNKS) >= _MEMORY_LIMIT:
            _CHUNKS.clear()
        got = _CHUNKS[key] = sanitize(_convert(chunk))
    return got


def markdown_to_html(text: str) -> str:
    source = _shift_headings(text)
    chunks = markdown_chunks(source)
    if chunks is None:
        return sanitize(_convert(source))
    return "\n".join(chunk_html(chunk) for chunk in chunks)


def rendered(text: str) -> str:
    """``markdown_to_html(text)``, taken from the renders of this process's pages when there
    (``RenderCache``'s memory, whose keys start with the settings key and add the code's)."""
    for key, memory in _MEMORY.items():
        if key.startswith(SETTINGS_KEY):
            got = memory.get(text)
            if got is not None:
                return got
    memory = _MEMORY.setdefault(SETTINGS_KEY, {})
    if len(memory) >= _MEMORY_LIMIT:
        memory.clear()
    got = memory[text] = markdown_to_html(text)
    return got


def shifted_chunks(text: str) -> list[str] | None:
    """``text`` as the pieces ``markdown_to_html`` renders one by one (headings shifted), or
    None if it renders whole; ``chunk_html`` of each, joined by newlines, is its HTML."""
    return markdown_chunks(_shift_headings(text))


def inline_text(text: str) -> str:
    """Escape a plain value (title, front matter value) for HTML."""
    return html.escape(strip_controls(str(text)), quote=True)


def plain_text(text: str) -> str:
    """What a reader sees of a Markdown text, whitespace-normalised (for formatting-only checks)."""
    rendered = markdown_to_html(text) if text else ""
    stripped = re.sub(r"<[^>]+>", " ", rendered)
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()


class RenderCache:
    """Content-addressed renders of clause bodies, in memory and optionally in a store.

    The key is a hash of the renderer settings (``SETTINGS_KEY``, or of ``SETTINGS`` if it
    was changed at run time; read when the cache is made), of ``salt`` (the code that
    renders) and of the Markdown text. The memory part is shared by every cache of the
    process, so a rebuild in the same process (``policygen serve``) renders only texts it has
    not seen; ``store`` (a ``cache.Cache``, which checks every entry it returns) keeps
    renders between builds.
    """

    def __init__(self, store=None, salt: str = ""):
        self.store = store
        current = canonical_json(SETTINGS)
        self.settings = (SETTINGS_KEY if current == _SETTINGS_JSON else sha256(current)[:16]) + salt
        self.memory = _MEMORY.setdefault(self.settings, {})  # text -> html
        self.hits = 0
        self.misses = 0

    def key(self, text: str) -> str:
        return sha256(self.settings + "\0" + text)

    def render_many(self, texts: dict[str, object], jobs: int) -> int:
        """Render, up front and split over ``jobs`` forked processes, the texts (each with a
        group: the texts of one group, e.g. the versions of one clause, share chunks and go to
        one process) neither in memory nor on disk, so that the pages made afterwards (here or
        in workers forked later) find them rendered. Returns how many were rendered."""
        todo = [t for t in texts if t not in self.memory and not (self.store and self.store.has("render", self.key(t)))]
        jobs = min(jobs, len(todo) // RENDERS_PER_JOB)
        if jobs <= 1:
            return 0
        fresh: dict = {}  # each worker's own renders, sent back
        mark = len(_CHUNKS)

        def one(text: str) -> None:
            fresh[text] = self.render(text)

        def finish():
            # with the pieces each text was rendered from: the diffs read those (blocks.py),
            # and would otherwise convert every piece again in the workers forked later
            return fresh, list(_CHUNKS.items())[mark:]

        for got, chunks in run_forked(one, split(todo, jobs, group=texts.get), finish=finish):
            self.memory.update(got)
            _CHUNKS.update(chunks)
        self.misses += len(todo)
        return len(todo)

    def render(self, text: str) -> str:
        got = self.memory.get(text)
        if got is not None:
            self.hits += 1
            return got
        got = None
        if self.store is not None:
            data = self.store.get("render", self.key(text))
            try:
                got = None if data is None else data.decode("utf-8")
            except UnicodeDecodeError:
                got = None
        if got is not None:
            self.hits += 1
        else:
            got = markdown_to_html(text)
            self.misses += 1
            if self.store is not None:
                self.store.put("render", self.key(text), got.encode("utf-8"))
        if len(self.memory) >= _MEMORY_LIMIT:
            self.memory.clear()
        self.memory[text] = got
        return got


_SETTINGS_JSON = canonical_json(SETTINGS)
_MEMORY: dict[str, dict[str, str]] = {}  # settings key -> {Markdown text: html}, for the whole process
_MEMORY_LIMIT = 50_000
RENDERS_PER_JOB = 40  # ~0.1 s of rendering: fewer are not worth a worker process
