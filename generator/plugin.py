"""The MkDocs plugin: adds every policy page (version x language) to the build in memory.

Nothing is written into the source tree; pages are generated ``File`` objects whose
bodies are rendered by policygen (sanitised, cached) instead of by MkDocs' Markdown.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import itertools
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from importlib import resources
from urllib.parse import urljoin, urlsplit

from jinja2.bccache import BytecodeCache, FileSystemBytecodeCache
from markupsafe import Markup

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from .errors import PolicyError
from .feeds import atom_feed, changes_json
from .publish import embed_files, embed_link, print_css, robots_txt, sitemap_xml
from .project import build_date, load_project
from .render import RenderCache
from .site import PageMemo, SiteBuilder, rel


class PolicygenConfig(Config):
    src = c.Optional(c.Type(str))  # policy sources; default: docs_dir
    date = c.Optional(c.Type(str))  # build as of this date (default: today / SOURCE_DATE_EPOCH)
    draft = c.Type(bool, default=False)  # also publish the work tree as /<lang>/<policy>/draft/
    cache_dir = c.Optional(c.Type(str))  # content-addressed render cache
    site_names = c.Type(dict, default={})  # the site's name per language, e.g. {zh-CN: 隐私政策}
    pdf = c.Type(bool, default=False)  # print each version to <lang>/<policy>/<date>/policy.pdf (needs Chromium)


def theme_dir() -> str:
    return str(resources.files("policygen.theme"))


class PolicygenPlugin(BasePlugin[PolicygenConfig]):
    def on_config(self, config):
        self.src = os.path.abspath(self.config.src or config.docs_dir)
        # policygen's own theme overrides sit under a project's custom_dir and above Material.
        dirs = config.theme.dirs
        ours = theme_dir()
        if ours not in dirs:
            pos = 1 if config.theme.custom_dir and dirs and os.path.samefile(dirs[0], config.theme.custom_dir) else 0
            dirs.insert(pos, ours)
        for css in ("assets/policygen.css",):
            if css not in config.extra_css:
                config.extra_css.append(css)
        if "assets/policygen.js" not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append("assets/policygen.js")
        draft = self.config.draft or os.environ.get("POLICYGEN_DRAFT") == "1"
        try:
            self.today = build_date(self.config.date or os.environ.get("POLICYGEN_DATE"))
            sites, _warnings = load_project(self.src, include_draft=draft)
        except PolicyError as exc:
            raise PluginError(exc.format()) from None
        cache_dir = self.config.cache_dir or os.environ.get("POLICYGEN_CACHE")
        self.cache = RenderCache(cache_dir)
        # The live preview rebuilds on every save: it reuses the pages of released versions and
        # their theme output from the previous rebuild when nothing they depend on changed.
        self.serving = _serving(config)
        self.builder = SiteBuilder(sites, self.today, self.cache, memo=_SERVE_PAGES if self.serving else None)
        self.sites = sites
        # PDFs are opt-in (a browser is heavy) and never made by the live preview.
        self.pdf = (self.config.pdf or os.environ.get("POLICYGEN_PDF") == "1") and not self.serving
        self.builder.pdf = self.pdf
        # MkDocs' own sitemap lists every page; ours lists the versions in force (publish.sitemap_xml).
        config.theme.static_templates.discard("sitemap.xml")
        return config

    def on_files(self, files: Files, config) -> Files:
        kept = [f for f in files if not _inside(f.abs_src_path, self.src)]
        out = Files(kept)
        self.pages = {}
        self._spilled = {}  # src -> the page's HTML (or the file holding it) until MkDocs builds the page
        self._spill_dir = _spill_dir()
        self._held_bytes = 0
        self._origin = {}  # src -> the page as made (serve: the key of its reusable output)
        for page in _each_page(self.builder):
            # Dated, compare and archive pages stay out of the navigation (the version selector
            # and the archive link them): a site-wide nav of every page would be rendered into
            # every page, O(pages^2) work and megabytes of HTML per page.
            # The body is empty: the page's metadata is handed over in on_page_read_source and
            # its HTML in on_page_content, with no Markdown or YAML round trip.
            f = File.generated(config, page.src, content="",
                               inclusion=InclusionLevel.INCLUDED if page.src == "index.md" else InclusionLevel.NOT_IN_NAV)
            out.append(f)
            self.pages[page.src] = page
            if self.serving:
                self._origin[page.src] = page
            if _kept_out_of_search(page):
                # Most pages (superseded, compare, draft) wait until MkDocs builds them; past a
                # memory budget they wait on disk: the site's HTML never has to fit in memory.
                self._spilled[page.src] = self._hold(page.html)
                self.pages[page.src] = replace(page, html="")
        site_url = config.site_url or ""
        out.append(File.generated(config, "changes.json", content=changes_json(self.builder, site_url)))
        for p in self.sites:
            for lang in p.manifest.languages:
                out.append(File.generated(config, f"{lang}/{p.manifest.id}/feed.xml",
                                          content=atom_feed(self.builder, p, lang, site_url)))
        for path, content in embed_files(self.builder, site_url):
            # A whole policy text each, one per version and language.
            kind, held = self._hold(content)
            out.append(File.generated(config, path, **{"content" if kind == "memory" else "abs_src_path": held}))
        # Ours replace the theme's sitemap template (now a plain file, see on_config); a robots.txt
        # of the project's own is kept.
        for f in [f for f in out if f.src_uri == "sitemap.xml"]:
            out.remove(f)
        out.append(File.generated(config, "sitemap.xml", content=sitemap_xml(self.builder, site_url)))
        if out.get_file_from_path("robots.txt") is None:
            out.append(File.generated(config, "robots.txt", content=robots_txt(site_url)))
        return out

    def on_env(self, env, config, files):
        # Compiled theme templates are kept (keyed by their source) between the rebuilds of
        # serve, and between builds in the cache folder: compiling Material's takes half a second.
        folder = self.config.cache_dir or os.environ.get("POLICYGEN_CACHE")
        if folder:
            os.makedirs(os.path.join(folder, "jinja"), exist_ok=True)
            env.bytecode_cache = FileSystemBytecodeCache(os.path.join(folder, "jinja"))
        else:
            env.bytecode_cache = _TEMPLATES
        return env

    def on_nav(self, nav, config, files):
        self._reuse = {}
        self._fingerprint = _theme_fingerprint(config, nav) if self.serving else None
        return nav

    @event_priority(-100)  # after the search plugin's, see on_page_content
    def on_page_context(self, context, page, config, nav):
        if page.file.src_uri in self._reuse:
            context["pg_verbatim"] = self._reuse.pop(page.file.src_uri)
            return context
        spilled = self._spilled.get(page.file.src_uri)
        if spilled is not None:
            # Whatever another plugin added to the (empty) content in on_page_content follows.
            page.content = _read_held(spilled) + (page.content or "")
        # One build serves every language: the header shows the site name in the page's language.
        if not hasattr(self, "_site_name"):
            self._site_name = config.site_name
        lang = (page.meta or {}).get("html_lang")
        config.site_name = self.config.site_names.get(lang, self._site_name)
        context["config"] = config
        _publishing_context(context, page, config.site_url or "")
        return context

    def on_page_read_source(self, page, config):
        return "" if page.file.src_uri in self.pages else None

    def on_page_markdown(self, markdown, page, config, files):
        spec = self.pages.get(page.file.src_uri)
        if spec is None:
            return markdown
        page.meta = copy.deepcopy(spec.meta)  # the theme and other plugins may change theirs
        got = _OUTPUTS.get(page.file.src_uri) if self.serving else None
        if got is not None and got[0] is self._origin.get(page.file.src_uri) and got[1] == self._fingerprint:
            # The same page as in the previous rebuild, under the same theme and navigation:
            # its output is reused instead of rendered (the template is chosen before on_page_context).
            page.meta["template"] = VERBATIM_TEMPLATE
            self._reuse[page.file.src_uri] = got[2]
        return ""

    def on_page_content(self, html, page, config, files):
        spec = self.pages.get(page.file.src_uri)
        if spec is None:
            return html
        if page.file.src_uri in self._spilled:
            # A page kept out of search (superseded, compare, draft) gets its HTML in
            # on_page_context, after the search plugin's: Material would otherwise run a regex
            # over every such page, most of the site, only to skip it.
            return ""
        return spec.html

    @event_priority(100)  # the theme's output, before other plugins post-process it
    def on_post_page(self, output, page, config):
        origin = self._origin.get(page.file.src_uri)
        if origin is not None and (page.meta or {}).get("template") != VERBATIM_TEMPLATE:
            _OUTPUTS[page.file.src_uri] = (origin, self._fingerprint, output)
        if page.file.src_uri in self._spilled:
            page.content = ""  # written; let it go
            self._spilled[page.file.src_uri] = ("memory", "")
        return output

    def on_post_build(self, config):
        _remove(self._spill_dir)
        if self.pdf:
            from .pdf import print_pdfs
            from .publish import pdf_targets

            try:
                print_pdfs(config.site_dir, pdf_targets(self.builder))
            except PolicyError as exc:
                raise PluginError(exc.format()) from None

    def on_build_error(self, error):
        _remove(getattr(self, "_spill_dir", None))

    def _hold(self, text: str) -> tuple[str, str]:
        """("memory", text) while the held pages fit the budget, then ("disk", path)."""
        size = sys.getsizeof(text)
        if self.serving or self._held_bytes + size <= MEMORY_BUDGET:  # serve keeps its pages anyway
            self._held_bytes += size
            return "memory", text
        path = os.path.join(self._spill_dir, f"{next(_COUNTER)}.html")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return "disk", path

    def on_serve(self, server, config, builder):
        if not _inside(self.src, config.docs_dir):
            server.watch(self.src)
        return server


def _each_page(builder: SiteBuilder):
    """``builder.pages()`` one policy language at a time, so that each batch can be written
    out before the next is made (``pages()`` returns them all in one list)."""
    yield builder.home()
    for p in builder.policies:
        for lang in p.manifest.languages:
            yield from builder.policy_pages(p, lang)


VERBATIM_TEMPLATE = "policygen-verbatim.html"
_SERVE_PAGES = PageMemo()  # policygen serve: pages of released versions, between rebuilds
_OUTPUTS: dict = {}  # policygen serve: src -> (page as made, theme fingerprint, theme output)


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates for the life of the process (Jinja checks each against its source)."""

    def __init__(self):
        self._code: dict = {}

    def load_bytecode(self, bucket):
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = MemoryBytecodeCache()


def _theme_fingerprint(config, nav) -> str:
    """What a page's theme output depends on besides the page: the config file, the theme's
    templates (a save in overrides/ shows at once) and the navigation."""
    h = hashlib.sha256()
    path = config.config_file_path or ""
    try:
        with open(path, "rb") as fh:
            h.update(fh.read())
    except OSError:  # the built-in default config (no file)
        h.update(path.encode())
    for d in config.theme.dirs:
        for root, dirs, names in os.walk(d):
            dirs[:] = sorted(x for x in dirs if x != ".icons")  # thousands of SVGs, never edited
            for name in sorted(names):
                st = os.stat(os.path.join(root, name))
                h.update(f"{root}/{name}:{st.st_mtime_ns}:{st.st_size}\n".encode())
    h.update(repr([(pg.file.src_uri, pg.title, pg.url) for pg in nav.pages]).encode())
    h.update(repr((config.site_url, config.site_name, dict(config.extra))).encode())
    return h.hexdigest()


def _read_held(held: tuple[str, str]) -> str:
    kind, value = held
    if kind == "memory":
        return value
    with open(value, encoding="utf-8", newline="") as fh:
        return fh.read()


def _kept_out_of_search(page) -> bool:
    return bool((page.meta.get("search") or {}).get("exclude"))


_COUNTER = itertools.count()
MEMORY_BUDGET = 32 * 2**20  # bytes of page HTML held in memory; the rest waits on disk
_SPILL_DIRS: list = []


def _spill_dir() -> str:
    d = tempfile.mkdtemp(prefix="policygen-pages-")
    _SPILL_DIRS.append(d)
    return d


def _remove(d: str | None) -> None:
    if d:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(lambda: [_remove(d) for d in _SPILL_DIRS])


def _serving(config) -> bool:
    """Under ``mkdocs serve`` site_url points at the dev server (no on_startup hook here: it
    would make MkDocs keep one plugin instance across builds)."""
    addr = config.dev_addr
    return bool(config.site_url) and urlsplit(config.site_url).netloc == f"{addr.host}:{addr.port}"


def _publishing_context(context, page, site_url: str) -> None:
    """Canonical link of a superseded version (to the page in force), absolute hreflang links
    under site_url, and the print footer naming the version."""
    meta = page.meta or {}
    target = meta.get("canonical_target")
    if target:
        page.canonical_url = urljoin(site_url, target) if site_url else rel(page.url, target)
    if site_url and meta.get("alternates"):
        here = urljoin(site_url, page.url)
        context["pg_alternates"] = [{"lang": a["lang"], "href": urljoin(here, a["href"])} for a in meta["alternates"]]
    if meta.get("version_url"):
        context["pg_embed_json"] = embed_link(page.url, meta["version_url"])
        context["pg_feed"] = rel(page.url, meta["version_url"].rstrip("/").rsplit("/", 1)[0] + "/feed.xml")
    if meta.get("effective") and meta.get("content_hash"):
        context["pg_print_css"] = Markup(print_css(meta.get("html_lang") or "en", meta.get("title") or page.title,
                                                   meta["effective"], meta["content_hash"]))


def _inside(path: str | None, folder: str) -> bool:
    if not path:
        return False
    path = os.path.abspath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
