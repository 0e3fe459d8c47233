"""The MkDocs plugin: adds every policy page (version x language) to the build.

Nothing is written into the source tree. The pages in the search index (each policy's page
in force and its archive) are generated ``File`` objects that MkDocs builds, with bodies
rendered by policygen (sanitised, cached) instead of by MkDocs' Markdown. All other pages
(dated, upcoming, draft, compare) and the embeds policygen makes, puts through the theme and
writes itself, in worker processes when the machine has several CPUs.
"""

from __future__ import annotations

import copy
import hashlib
import html
import os
from dataclasses import dataclass, replace
from importlib import resources
from typing import Callable
from urllib.parse import urljoin, urlsplit

from jinja2.bccache import BytecodeCache
from markupsafe import Markup

from mkdocs.commands.build import get_context
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import write_file

from . import diffmemo
from .errors import PolicyError
from .feeds import atom_feed, changes_json
from .cache import KeptTexts, ShardedMemo, code_fingerprint, open_cache, site_fingerprint
from .historycache import CommitMemo
from .mount import check_clashes, nav_entry_for, normalize_prefix, page_dest
from .notice import DEMO_PATH, demo_page, notice_js
from .publish import embed_files, embed_link, print_css, robots_txt, sitemap_xml
from .project import build_date, load_project
from .render import RenderCache, strip_controls
from .site import PageMemo, SiteBuilder, rel
from .workers import available_cpus, can_fork, split, start_forked


class PolicygenConfig(Config):
    src = c.Optional(c.Type(str))  # policy sources; default: docs_dir
    date = c.Optional(c.Type(str))  # build as of this date (default: today / SOURCE_DATE_EPOCH)
    draft = c.Type(bool, default=False)  # also publish the work tree as /<lang>/<policy>/draft/
    cache_dir = c.Optional(c.Type(str))  # the cache folder (see cache.py)
    site_names = c.Type(dict, default={})  # the site's name per language, e.g. {zh-CN: 隐私政策}
    pdf = c.Type(bool, default=False)  # print each version to <lang>/<policy>/<date>/policy.pdf (needs Chromium)
    docx = c.Type(bool, default=False)  # a Word redline next to each compare page: compare/<OLD>...<NEW>/redline.docx
    jobs = c.Optional(c.Type(int))  # processes making the pages kept out of search (default: one per CPU)
    prefix = c.Type(str, default="")  # the folder of the site the policies live in, e.g. legal/privacy (default: its root)


def theme_dir() -> str:
    return str(resources.files("policygen.theme"))


class PolicygenPlugin(BasePlugin[PolicygenConfig]):
    def on_config(self, config):
        self.src = os.path.abspath(self.config.src or config.docs_dir)
        self._site_name = config.site_name
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
        cache_dir = self.config.cache_dir or os.environ.get("POLICYGEN_CACHE")
        # The live preview rebuilds on every save: it reuses the pages of released versions and
        # their theme output from the previous rebuild when nothing they depend on changed.
        self.serving = _serving(config)
        # The cache folder: untrusted, every entry checked when read (cache.py). Renders are
        # kept for serve too; serve keeps versions, pages and diffs in memory instead.
        self.disk = open_cache(cache_dir)
        kept = self.disk if not self.serving else None
        code = code_fingerprint()
        # What earlier builds read at each commit.
        memo = CommitMemo(kept, code) if kept is not None else None
        try:
            self.prefix = normalize_prefix(self.config.prefix, _config_name(config),
                                           _line_of(config.config_file_path, "prefix:"))
            self.today = build_date(self.config.date or os.environ.get("POLICYGEN_DATE"))
            sites, _warnings = load_project(self.src, include_draft=draft, memo=memo)
        except PolicyError as exc:
            raise PluginError(exc.format()) from None
        if memo is not None:
            memo.save()
        # Diffs of clause pairs an earlier build compared (after a release, most of the new
        # comparisons with the version in force pair texts diffed before).
        diffmemo.close(write=False)
        if kept is not None:
            diffmemo.use(ShardedMemo(kept, code))
        self.cache = RenderCache(self.disk, code)
        self.builder = SiteBuilder(sites, self.today, self.cache, memo=_SERVE_PAGES if self.serving else None,
                                   prefix=self.prefix)
        # Finished pages kept between builds (serve keeps its own, in memory).
        self.store = kept
        if self.store is not None:
            self.builder.kept_summaries = KeptTexts(self.store, code)
        # serve stays in one process: its memo of pages and outputs lives there.
        self.jobs = 1 if self.serving or not can_fork() else _jobs(self.config.jobs, os.environ.get("POLICYGEN_JOBS"))
        self.sites = sites
        # PDFs are opt-in (a browser is heavy) and never made by the live preview.
        self.pdf = (self.config.pdf or os.environ.get("POLICYGEN_PDF") == "1") and not self.serving
        self.builder.pdf = self.pdf
        self.docx = (self.config.docx or os.environ.get("POLICYGEN_DOCX") == "1") and not self.serving
        self.builder.docx = self.docx
        # MkDocs' own sitemap lists every page; ours lists the versions in force (publish.sitemap_xml).
        # Under a prefix, the site's own stays at its root and ours goes into the prefix.
        if not self.prefix:
            config.theme.static_templates.discard("sitemap.xml")
        return config

    def on_files(self, files: Files, config) -> Files:
        kept = [f for f in files if not _inside(f.abs_src_path, self.src)]
        out = Files(kept)
        # The site's own files (not the theme's): policygen never writes in their place. Its index
        # page is made only where the site has none.
        site = {f.dest_uri: _shown(f) for f in kept if not any(_inside(f.abs_src_path, d) for d in config.theme.dirs)}
        plan = self.builder.plan(home=page_dest(self.prefix + "index.md") not in site)
        self.pages = {}  # src -> Page: the pages in the search index, which MkDocs builds
        # Everything else (dated, upcoming, draft and compare pages, embeds; nearly all of the
        # site) policygen makes, puts through the theme and writes itself in on_env, one page
        # at a time and in worker processes: MkDocs would hold every page until the end of
        # the build and make them one by one.
        self.outputs = []
        site_url = config.site_url or ""
        for p in self.sites:
            for lang in p.manifest.languages:
                self.outputs.append(Output(self.builder.url(lang, p.manifest.id) + "feed.xml", (p.manifest.id, lang),
                                           _feed_maker(self.builder, p, lang, site_url), page=False,
                                           what=("feed.xml", lang, site_url)))
        # The whole site's feed: made last, from the change summaries the workers send back.
        self.outputs.append(Output(self.prefix + "changes.json", None, lambda: changes_json(self.builder, site_url),
                                   page=False, what=("changes.json", site_url, self.today)))  # it names the build date
        self.outputs.extend(Output(path, group, make, page=False, what=what, deps=deps)
                            for path, group, what, deps, make in embed_files(self.builder, site_url))
        # The script a corporate website includes, beside changes.json: the same file for every
        # site (what it says comes from changes.json), so it is made from policygen's code alone.
        self.outputs.append(Output(self.prefix + "notice.js", None, notice_js, page=False, what=("notice.js",),
                                   deps=lambda: ("notice.js",)))
        ours = {page_dest(pl.src): f"page /{pl.src[:-len('index.md')]}" for pl in plan}
        ours.update((o.path, f"file /{o.path}") for o in self.outputs)
        ours[self.prefix + "sitemap.xml"] = f"file /{self.prefix}sitemap.xml"
        try:
            check_clashes(site, ours, _config_name(config))
        except PolicyError as exc:
            raise PluginError(exc.format()) from None
        # Rendering the clauses is a third of a cold build: done first, on every CPU.
        self.cache.render_many(self.builder.clause_bodies(), self.jobs)
        for planned in plan:
            if not planned.search:
                self.outputs.append(Output(planned.src, planned.group, planned.make, page=True, what=planned.what,
                                           deps=planned.deps))
                continue
            page = planned.make()
            # The body is empty: the page's metadata is handed over in on_page_markdown and its
            # HTML in on_page_content, with no Markdown or YAML round trip.
            out.append(File.generated(config, page.src, content="", inclusion=InclusionLevel.INCLUDED
                                      if page.src == self.prefix + "index.md" else InclusionLevel.NOT_IN_NAV))
            self.pages[page.src] = page
        # Ours replaces the theme's sitemap template (now a plain file, see on_config); under a
        # prefix it sits beside the policies. A robots.txt of the project's own is kept.
        if not self.prefix:
            for f in [f for f in out if f.src_uri == "sitemap.xml"]:
                out.remove(f)
        out.append(File.generated(config, self.prefix + "sitemap.xml", content=sitemap_xml(self.builder, site_url)))
        if self.serving:  # the live preview shows the script on a page like a corporate site's
            out.append(File.generated(config, self.prefix + DEMO_PATH, content=demo_page(self.builder, site_url)))
        if out.get_file_from_path("robots.txt") is None:
            sitemaps = ("sitemap.xml", self.prefix + "sitemap.xml") if self.prefix else ("sitemap.xml",)
            out.append(File.generated(config, "robots.txt", content=robots_txt(site_url, sitemaps)))
        return out

    def on_nav(self, nav, config, files):
        self.nav = nav
        self._fingerprint = site_fingerprint(config, nav) if self.serving or self.store else None
        return nav

    @event_priority(-100)  # last: the other plugins' changes to the environment apply to our pages
    def on_env(self, env, config, files):
        # Compiled theme templates are kept (keyed by their source) between the rebuilds of
        # serve, in memory only: compiled code is never read from the cache folder.
        env.bytecode_cache = _TEMPLATES
        # the theme's 404 page (overrides/404.html) says it in every language, with the policies
        env.globals["pg_not_found"] = self.builder.not_found(urlsplit(config.site_url or "").path or "/")
        env.globals["pg_ui_text"] = UiText(env)
        self._write_outputs(env, config)
        return env

    def _write_outputs(self, env, config) -> None:
        """Starts making the outputs: in worker processes, which go on while MkDocs builds the
        pages in the search index; ``_finish_outputs`` waits for them."""
        outputs, self.outputs = self.outputs, []
        self.running = None
        self.reused = 0
        self.stats = {"pages": len(self.pages) + sum(o.page for o in outputs), "files": len(outputs)}
        if self.store is not None:
            # An output is keyed by what it is made from: its own list where it has one (so a
            # release remakes only the pages it touches), else everything about its policy.
            worlds = {p.manifest.id: self.builder.fingerprint(p) for p in self.sites}
            outputs = [o if o.what is None else replace(o, key=hashlib.sha256(repr((
                self._fingerprint, o.deps() if o.deps is not None else worlds[o.group[0]] if o.group
                else sorted(worlds.items()), o.what)).encode()).hexdigest()) for o in outputs]
        self.late = [o for o in outputs if o.group is None]  # site-wide: after the policies' outputs
        outputs = [o for o in outputs if o.group is not None]
        jobs = min(self.jobs, len(outputs) // MIN_PER_JOB)
        self.stats["processes"] = max(1, jobs)
        self._write = lambda o: self._write_output(o, env, config)
        if jobs <= 1:
            for o in outputs:
                self._write(o)
        else:
            # One cheap page (a dated version) compiles the theme's templates here, once: the
            # workers inherit them. (A feed or an archive would make all of a language's change
            # summaries while the other CPUs wait.)
            first = next((i for i, o in enumerate(outputs) if o.page and o.what and o.what[0] == "version"), 0)
            self._write(outputs[first])
            outputs = outputs[:first] + outputs[first + 1:]
            # Each worker starts with the parent's counts and sends back what each share added
            # (a busy machine may give one worker two shares).
            self._counted = (self.reused, self._rejected())
            diffmemo.flush()  # each worker then keeps only the diffs it makes
            self.running = start_forked(self._write, split(outputs, jobs, group=lambda o: o.group),
                                        finish=self._share_done, logger="mkdocs")

    def _finish_outputs(self) -> None:
        running, self.running = self.running, None
        rejected = 0
        if running is not None:
            for summaries, reused, _flushed, bad in running.wait():
                self.builder.summaries.update(summaries)
                self.reused += reused
                rejected += bad
        for o in self.late:
            self._write(o)
        diffmemo.close()
        self.stats["reused"] = self.reused
        self.stats["rejected"] = rejected + self._rejected()

    def _share_done(self) -> tuple:
        """In a worker, when a share is done: the change summaries, how many outputs it took
        from the cache folder and how many entries there failed their check (since the last
        share this process did), after handing over the diffs it made."""
        reused, rejected = self.reused - self._counted[0], self._rejected() - self._counted[1]
        self._counted = (self.reused, self._rejected())
        return self.builder.summaries, reused, diffmemo.flush(), rejected

    def _rejected(self) -> int:
        return self.disk.rejected if self.disk is not None else 0

    def _write_output(self, o: Output, env, config) -> None:
        dest = self._dest(o, config)
        if o.key is not None and self.store.fetch("page", o.key, dest):
            self.reused += 1  # kept from an earlier build: the same key, so the same bytes
            return
        made = o.make()
        # A page's values come cleaned (policygen.site, render); a plain file (a feed, JSON, an
        # embed) loses any control character its values brought here.
        data = (self._through_theme(made, env, config) if o.page else strip_controls(made)).encode(
            "utf-8", errors="xmlcharrefreplace")
        write_file(data, dest)
        if o.key is not None:
            self.store.put("page", o.key, data)

    @staticmethod
    def _dest(o: Output, config) -> str:
        return File.generated(config, o.path, content="").abs_dest_path

    def _through_theme(self, made, env, config) -> str:
        """The theme's page around a policygen page, as MkDocs' own build of a page does it
        (context, ``page_context`` and ``post_page`` events, template)."""
        if self.serving:
            got = _OUTPUTS.get(made.src)
            if got is not None and got[0] is made and got[1] == self._fingerprint:
                return got[2]  # the same page as in the previous rebuild, under the same theme
        page = Page(None, File.generated(config, made.src, content="", inclusion=InclusionLevel.NOT_IN_NAV), config)
        page.meta = copy.deepcopy(made.meta)  # the theme and other plugins may change theirs
        page.markdown = ""
        page.content = ""
        page.toc = get_toc(made.toc)
        page.active = True
        config._current_page = page
        try:
            context = get_context(self.nav, [], config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            context = config.plugins.on_page_context(context, page=page, config=config, nav=self.nav)
            # The body comes after the page_context event: Material's search plugin runs a regex
            # over every page's content there, even over pages it leaves out of the index (most
            # of the site). Whatever a plugin added to the (empty) content follows.
            page.content = made.html + (page.content or "")
            output = config.plugins.on_post_page(template.render(context), page=page, config=config)
        finally:
            page.active = False
            config._current_page = None
        if self.serving:
            _OUTPUTS[made.src] = (made, self._fingerprint, output)
        return output

    def on_page_context(self, context, page, config, nav):
        # One build serves every language: the header shows the site name in the page's language.
        lang = (page.meta or {}).get("html_lang")
        config.site_name = self.config.site_names.get(lang, self._site_name)
        context["config"] = config
        _publishing_context(context, page, config.site_url or "")
        # A policy page outside the site's nav marks the nav entry (a tab) that leads to it.
        self._lit = None
        if lang and nav is not None and not any(p.active for p in nav.pages):
            found = nav_entry_for(page.url, [p.url for p in nav.pages])
            if found is not None:
                self._lit = nav.pages[found]
                self._lit.active = True
        return context

    def on_post_page(self, output, page, config):
        # The next page, and the 404 page (rendered without a page), start from the site's own
        # name: otherwise which page a process rendered last would show in the 404 title.
        config.site_name = self._site_name
        lit, self._lit = getattr(self, "_lit", None), None
        if lit is not None:
            lit.active = False
        return output

    def on_page_read_source(self, page, config):
        return "" if page.file.src_uri in self.pages else None

    def on_page_markdown(self, markdown, page, config, files):
        spec = self.pages.get(page.file.src_uri)
        if spec is None:
            return markdown
        page.meta = copy.deepcopy(spec.meta)  # the theme and other plugins may change theirs
        return ""

    def on_page_content(self, html, page, config, files):
        spec = self.pages.get(page.file.src_uri)
        if spec is None:
            return html
        page.toc = get_toc(spec.toc)  # the clauses, for the theme's contents sidebar and skip link
        return spec.html

    @event_priority(100)  # first: other plugins' post_build may read the whole site
    def on_post_build(self, config):
        self._finish_outputs()
        if self.disk is not None:
            self.disk.prune()
        if self.docx:
            from .publish import write_redlines

            write_redlines(self.builder, config.site_dir)
        if self.pdf:
            from .pdf import print_pdfs
            from .publish import pdf_targets

            try:
                print_pdfs(config.site_dir, pdf_targets(self.builder))
            except PolicyError as exc:
                raise PluginError(exc.format()) from None

    def on_build_error(self, error):
        running, self.running = getattr(self, "running", None), None
        if running is not None:
            running.stop()
        diffmemo.close(write=False)

    def on_serve(self, server, config, builder):
        if not _inside(self.src, config.docs_dir):
            server.watch(self.src)
        return server


def _feed_maker(builder, p, lang, site_url):
    return lambda: atom_feed(builder, p, lang, site_url)


class UiText:
    """The theme's interface strings (``partials/languages/<lang>.html``), each looked up once
    per build: the theme's own ``t()`` builds the language's whole table on every call, about
    twenty times a page (overrides/partials/language.html)."""

    def __init__(self, env):
        self.env = env
        self.memo: dict = {}

    def __call__(self, lang: str, key: str):
        got = self.memo.get((lang, key))
        if got is None:
            got = self.memo[lang, key] = self._lookup(lang, key) or self._lookup("en", key) or key
        return got

    def _lookup(self, lang: str, key: str):
        return self.env.get_template(f"partials/languages/{lang}.html").module.t(key)


@dataclass(frozen=True)
class Output:
    """A file policygen writes itself: a page (through the theme) or a plain file (an embed)."""

    path: str
    group: tuple | None  # the policy language: its outputs share diffs, so one worker makes them
    make: Callable
    page: bool
    what: tuple | None = None  # which output of its policy (None: never kept between builds)
    deps: Callable[[], tuple] | None = None  # what it is made from, if narrower than its policy (site.Planned)
    key: str | None = None  # its key in the page store


MIN_PER_JOB = 12  # outputs (~0.1 s of work); fewer are not worth a worker process
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


def _jobs(configured: int | None, env: str | None) -> int:
    """Worker processes: ``policygen build --jobs`` (through the environment), the plugin's
    ``jobs`` setting, or one per CPU."""
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise PluginError(f"error: POLICYGEN_JOBS={env!r} is not a number\n"
                              "  hint: set it to the number of processes to use, e.g. 2") from None
    return max(1, configured) if configured is not None else available_cpus()


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
        # The meta title is HTML-escaped for Material (see site.py, _meta); CSS needs the text.
        title = html.unescape(meta.get("title") or page.title or "")
        context["pg_print_css"] = Markup(print_css(meta.get("html_lang") or "en", title,
                                                   meta["effective"], meta["content_hash"]))


def _config_name(config) -> str:
    return _config_relative(config.config_file_path) if config.config_file_path else "mkdocs.yml"


def _line_of(path: str | None, key: str) -> int | None:
    """The line of the config file that sets ``key`` (the first one), for error messages."""
    try:
        with open(path or "", encoding="utf-8") as fh:
            return next((n for n, text in enumerate(fh, 1) if text.strip().startswith(key)), None)
    except OSError:
        return None


def _shown(f: File) -> str:
    """A site file as its author knows it: its path under the docs folder, or the plugin that made it."""
    if f.abs_src_path:
        return _config_relative(f.abs_src_path)
    return f"{f.src_uri} (made by {getattr(f, 'generated_by', None) or 'a plugin'})"


def _config_relative(path: str) -> str:
    rel_path = os.path.relpath(path)
    return path if rel_path.startswith("..") else rel_path


def _inside(path: str | None, folder: str) -> bool:
    if not path:
        return False
    path = os.path.abspath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
