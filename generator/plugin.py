"""The MkDocs plugin: adds every policy page (version x language) to the build in memory.

Nothing is written into the source tree; pages are generated ``File`` objects whose
bodies are rendered by policygen (sanitised, cached) instead of by MkDocs' Markdown.
"""

from __future__ import annotations

import json
import os
from importlib import resources

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .errors import PolicyError
from .feeds import atom_feed, changes_json
from .project import build_date, load_project
from .render import RenderCache
from .site import SiteBuilder


class PolicygenConfig(Config):
    src = c.Optional(c.Type(str))  # policy sources; default: docs_dir
    date = c.Optional(c.Type(str))  # build as of this date (default: today / SOURCE_DATE_EPOCH)
    draft = c.Type(bool, default=False)  # also publish the work tree as /<lang>/<policy>/draft/
    cache_dir = c.Optional(c.Type(str))  # content-addressed render cache
    site_names = c.Type(dict, default={})  # the site's name per language, e.g. {zh-CN: 隐私政策}


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
        self.builder = SiteBuilder(sites, self.today, self.cache)
        self.sites = sites
        return config

    def on_files(self, files: Files, config) -> Files:
        kept = [f for f in files if not _inside(f.abs_src_path, self.src)]
        out = Files(kept)
        self.pages = {}
        for page in self.builder.pages():
            meta = json.dumps(page.meta, ensure_ascii=False, sort_keys=True)
            content = f"---\n{meta}\n---\n"
            f = File.generated(config, page.src, content=content)
            out.append(f)
            self.pages[page.src] = page
        site_url = config.site_url or ""
        out.append(File.generated(config, "changes.json", content=changes_json(self.builder, site_url)))
        for p in self.sites:
            for lang in p.manifest.languages:
                out.append(File.generated(config, f"{lang}/{p.manifest.id}/feed.xml",
                                          content=atom_feed(self.builder, p, lang, site_url)))
        return out

    def on_nav(self, nav, config, files):
        return nav

    def on_page_context(self, context, page, config, nav):
        # One build serves every language: the header shows the site name in the page's language.
        if not hasattr(self, "_site_name"):
            self._site_name = config.site_name
        lang = (page.meta or {}).get("html_lang")
        config.site_name = self.config.site_names.get(lang, self._site_name)
        context["config"] = config
        return context

    def on_page_markdown(self, markdown, page, config, files):
        return "" if page.file.src_uri in self.pages else markdown

    def on_page_content(self, html, page, config, files):
        spec = self.pages.get(page.file.src_uri)
        return spec.html if spec is not None else html

    def on_serve(self, server, config, builder):
        if not _inside(self.src, config.docs_dir):
            server.watch(self.src)
        return server


def _inside(path: str | None, folder: str) -> bool:
    if not path:
        return False
    path = os.path.abspath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
