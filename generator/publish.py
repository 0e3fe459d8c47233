"""Publishing outputs besides the pages, for hosting on another website: embeddable
fragments (``embed.html`` / ``embed.json``), ``sitemap.xml`` of the versions in force with
hreflang alternates, ``robots.txt``, and the print footer naming the version (effective
date and content hash) on PDFs and printouts.

Pure and deterministic: everything comes from the versions and the build date. Links are
relative to the site, or absolute under ``site_url`` where a file is read out of context
(an embedded fragment, a sitemap).
"""

from __future__ import annotations

import json
import os
from xml.sax.saxutils import escape as xml_escape, quoteattr
from typing import Callable

from markupsafe import Markup, escape

from . import i18n
from .site import ENV, REDLINE_DOCX, clause_numbers, linked_pairs, rel
from .versions import current_version, upcoming_versions

EMBED_FILES = ("embed.html", "embed.json")


def abs_url(site_url: str, path: str) -> str:
    """``path`` (relative to the site root) under ``site_url``; unchanged without one."""
    return (site_url.rstrip("/") + "/" + path) if site_url else path


def _versions(p, lang: str) -> list:
    return [v for v in p.versions if lang in v.texts]


def status(today, versions: list, v) -> str:
    if v.effective > today:
        return "upcoming"
    cur = current_version(versions, today)
    return "current" if cur is not None and v.key == cur.key else "superseded"


def main_version(today, versions: list):
    """The version /<lang>/<policy>/ shows: the one in force, else the first upcoming one."""
    cur = current_version(versions, today)
    if cur is not None:
        return cur
    upcoming = upcoming_versions(versions, today)
    return upcoming[0] if upcoming else None


def content_hash(v, lang: str) -> str:
    return v.release.hashes.get(lang) or v.texts[lang].content_hash


# --- embedding ------------------------------------------------------------------------------

def embed_data(builder, p, lang: str, v, site_url: str = "", folder: str | None = None) -> dict:
    """The machine-readable embed of one version in one language (``embed.json``, in
    ``folder``: the version's own by default)."""
    m = p.manifest
    folder = folder or builder.url(lang, m.id, v.key)
    text = v.texts[lang]
    nums = clause_numbers(text.manifest, text.clauses, text.lang)
    r = v.release
    versions = _versions(p, lang)
    return {
        "generator": "policygen",
        "policy": m.id, "lang": lang, "title": m.title(lang), "entity": (m.entity or {}).get("name", ""),
        "version": v.key, "effective": v.key, "status": status(builder.today, versions, v),
        "level": r.level, "notice_required": r.level in ("notice", "consent"),
        "consent_required": r.level == "consent",
        "content_hash": content_hash(v, lang), "hash_algorithm": "sha256",
        "url": builder.absolute(site_url, builder.url(lang, m.id, v.key)),
        "current_url": builder.absolute(site_url, builder.url(lang, m.id)),
        "archive_url": builder.absolute(site_url, builder.url(lang, m.id, "archive")),
        "embed_html": builder.absolute(site_url, folder + "embed.html"),
        "pdf_url": builder.absolute(site_url, builder.url(lang, m.id, v.key) + "policy.pdf") if builder.pdf else None,
        "clauses": [{"id": c.id, "number": nums.get(c.id, "").rstrip(".、"), "label": nums.get(c.id, ""), "title": c.title,
                     "html": builder.cache.render(c.body)} for c in text.clauses],
    }


def embed_json(builder, p, lang: str, v, site_url: str = "", folder: str | None = None) -> str:
    """``embed_data`` as JSON: indented, with each clause on a line of its own (JSON's indenting
    encoder is Python; one line per clause leaves the bulk of the file to its C encoder)."""
    data = embed_data(builder, p, lang, v, site_url, folder)
    clauses = data.pop("clauses")
    head = json.dumps(data, ensure_ascii=False, indent=2)[:-2]  # without its closing "\n}"
    lines = ",\n    ".join(json.dumps(c, ensure_ascii=False) for c in clauses)
    return head + (f',\n  "clauses": [\n    {lines}\n  ]\n}}\n' if clauses else ',\n  "clauses": []\n}\n')


def embed_html(builder, p, lang: str, v, site_url: str = "", folder: str | None = None) -> str:
    """A standalone HTML fragment: ``<article lang>``, an ``h2`` per clause with the clause id
    as a stable anchor, the effective date in a ``<time>``; links only when absolute."""
    data = embed_data(builder, p, lang, v, site_url, folder)
    marker = "\x00"
    day = i18n.format_day(v.effective, lang)
    before, _, after = i18n.t(lang, "effective", date=marker).partition(marker)
    effective_html = Markup(f'{escape(before)}<time datetime="{v.key}">{escape(day)}</time>{escape(after)}')
    banner = {"superseded": i18n.t(lang, "superseded_banner", date=day),
              "upcoming": i18n.t(lang, "upcoming_page_banner", date=day)}.get(data["status"], "")
    return ENV.get_template("embed.html").render(
        t=lambda k, **kw: i18n.t(lang, k, **kw), effective_html=effective_html, banner=banner,
        page_url=data["url"] if site_url else "", archive_url=data["archive_url"] if site_url else "",
        **{k: data[k] for k in ("lang", "policy", "version", "status", "content_hash", "title", "entity",
                                "clauses")})


def embed_files(builder, site_url: str = "") -> list[tuple[str, tuple, tuple, Callable[[], tuple], Callable[[], str]]]:
    """(path, policy language, what, deps, make) of every embed: /<lang>/<policy>/embed.* for
    the version the policy's main page shows, and /<lang>/<policy>/<date>/embed.* for each
    version; ``make()`` returns the file's text, ``what`` names it among the policy's files and
    ``deps()`` lists what it is made from: its version and that version's status."""
    out = []
    for p in builder.policies:
        m = p.manifest
        for lang in m.languages:
            versions = _versions(p, lang)
            main = main_version(builder.today, versions)
            targets = [(builder.url(lang, m.id, v.key), v) for v in versions]
            if main is not None:
                targets.insert(0, (builder.url(lang, m.id), main))
            for base, v in targets:
                deps = _embed_deps(builder, m, v, status(builder.today, versions, v))
                for name, make in (("embed.html", embed_html), ("embed.json", embed_json)):
                    what = (name, lang, v.key, base, site_url)
                    out.append((base + name, (m.id, lang), what, deps,
                                _embed_maker(builder, p, lang, v, base, what, make)))
    return out


def _embed_deps(builder, m, v, state: str):
    return lambda: ("embed", repr(m), builder.pdf, builder.version_deps(v), state)


def _embed_maker(builder, p, lang, v, base, what, make):
    return lambda: builder.remember(p, what, lambda: make(builder, p, lang, v, what[-1], base))


# --- search engines -------------------------------------------------------------------------

def sitemap_entries(builder) -> list[dict]:
    """Indexable pages only: the home page, each policy's page in force and its archive, with
    the other languages as alternates. Superseded, upcoming, compare and draft pages are left
    out (they carry noindex, or a canonical link to the page in force)."""
    entries = [{"path": builder.prefix, "lastmod": None, "alternates": []}]
    for p in builder.policies:
        m = p.manifest
        current = {}
        for lang in m.languages:
            cur = current_version(_versions(p, lang), builder.today)
            if cur is not None:
                current[lang] = cur
        if not current:
            continue
        langs = [lg for lg in m.languages if lg in current]
        default = m.source_lang if m.source_lang in current else langs[0]
        for what in ("", "archive"):
            alternates = [{"lang": lg, "path": builder.url(lg, m.id, what)} for lg in langs]
            if len(langs) > 1:
                alternates.append({"lang": "x-default", "path": builder.url(default, m.id, what)})
            for lang in langs:
                entries.append({"path": builder.url(lang, m.id, what),
                                "lastmod": current[lang].key if not what else None,
                                "alternates": alternates if len(langs) > 1 else []})
    return entries


def sitemap_xml(builder, site_url: str = "") -> str:
    """sitemap.xml: URLs must be absolute, so without ``site_url`` it lists nothing."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    if not site_url:
        out.append("<!-- set site_url in mkdocs.yml to list the pages in force -->")
    else:
        for e in sitemap_entries(builder):
            out.append("  <url>")
            out.append(f"    <loc>{xml_escape(abs_url(site_url, e['path']))}</loc>")
            if e["lastmod"]:
                out.append(f"    <lastmod>{e['lastmod']}</lastmod>")
            for a in e["alternates"]:
                out.append(f'    <xhtml:link rel="alternate" hreflang={quoteattr(a["lang"])} '
                           f'href={quoteattr(abs_url(site_url, a["path"]))}/>')
            out.append("  </url>")
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def robots_txt(site_url: str = "", sitemaps: tuple[str, ...] = ("sitemap.xml",)) -> str:
    """``sitemaps``: the site's (MkDocs' own, when policygen's pages live under a prefix) and ours."""
    lines = ["# policygen: superseded and upcoming versions are not blocked here: they carry",
             "# <meta name=\"robots\" content=\"noindex\"> and a canonical link, which crawlers must be able to read.",
             "User-agent: *", "Allow: /"]
    if site_url:
        lines.extend(f"Sitemap: {abs_url(site_url, path)}" for path in sitemaps)
    return "\n".join(lines) + "\n"


# --- print ------------------------------------------------------------------------------------

def css_string(text: str) -> str:
    """A CSS string literal; safe inside <style> (no <, >, & left)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\A ")
        elif ch in "<>&" or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def print_css(lang: str, title: str, effective: str, digest: str) -> str:
    """The page-specific part of the print style: the title at the top of each printed page,
    the effective date and content hash at the bottom (the rest is in policygen.css)."""
    from datetime import date

    day = i18n.format_day(date.fromisoformat(effective), lang)
    footer = f"{i18n.t(lang, 'effective', date=day)} ({effective})\nSHA-256 {digest}"
    return ("@page { @top-left { content: " + css_string(title) + "; } "
            "@bottom-left { content: " + css_string(footer) + "; } }")


def embed_link(page_url: str, version_url: str) -> str:
    """The embed.json a version page advertises: its own folder's (the policy's main page and
    the dated pages have one), else the dated version's."""
    policy_root = version_url.rstrip("/").rsplit("/", 1)[0] + "/"
    target = (page_url if page_url in (version_url, policy_root) else version_url) + "embed.json"
    return rel(page_url, target)


def pdf_targets(builder) -> list[tuple[str, str, str, str]]:
    """(page path, pdf path, effective, content hash) for each version in each language."""
    out = []
    for p in builder.policies:
        for lang in p.manifest.languages:
            for v in _versions(p, lang):
                page = builder.url(lang, p.manifest.id, v.key)
                out.append((page, page + "policy.pdf", v.key, content_hash(v, lang)))
    return out


def docx_targets(builder) -> list[tuple]:
    """(redline path, policy, lang, old version, new version) for each comparison the archive links."""
    out = []
    for p in builder.policies:
        for lang in p.manifest.languages:
            versions = _versions(p, lang)
            for old, new in linked_pairs(versions, current_version(versions, builder.today)):
                out.append((builder.url(lang, p.manifest.id, f"compare/{old.key}...{new.key}") + REDLINE_DOCX,
                            p, lang, old, new))
    return out


def write_redlines(builder, site_dir: str) -> list[str]:
    """The Word redline of each comparison, next to its compare page."""
    from .docxout import redline_docx
    from .worktree import write_atomic

    written = []
    for path, p, lang, old, new in docx_targets(builder):
        _d, cls = builder.compared(p, lang, old, new, keep=False)
        data = redline_docx(old.texts[lang], new.texts[lang], lang=lang, old_ref=old.key, old_effective=old.effective,
                            new_ref=new.key, new_effective=new.effective, cls=cls, when=new.effective)
        write_atomic(os.path.join(site_dir, *path.split("/")), data)
        written.append(path)
    return written
