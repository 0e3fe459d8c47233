"""The site as data: every page's URL, metadata and HTML body, computed from the
policies and their versions. Pure; the MkDocs plugin turns these into pages.
"""

from __future__ import annotations

import posixpath
import re
from html import escape as html_escape
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from . import i18n
from .classify import classify
from .comparepage import compare_body
from .diff import diff_policy
from .model import Manifest, PolicyText, Version, sha256
from .render import RenderCache, strip_controls
from .sentences import join_sentences, reader_sentences
from .summary import changes_view, summary_view
from .versions import current_version, upcoming_versions


@dataclass
class Page:
    src: str  # e.g. "en/astronergy/2023-05-31.md"
    url: str  # e.g. "en/astronergy/2023-05-31/"
    title: str
    lang: str
    html: str = ""
    meta: dict = field(default_factory=dict)
    toc: list = field(default_factory=list)  # MkDocs toc tokens: the theme's contents sidebar and skip link


@dataclass(frozen=True)
class Planned:
    """A page not made yet: ``make()`` returns it. ``search`` says whether it goes into the
    search index (its meta agrees); ``group`` is the policy language it belongs to (its
    pages share diffs, so they are best made together). ``what`` names the page among its
    policy's pages: with ``SiteBuilder.fingerprint`` it tells what the page is made from
    (None: made from the work tree, never reused). ``deps()``, where set, lists everything the
    page is made from, so that a release does not change the pages it does not touch (asked
    only when pages are kept between builds)."""

    src: str
    search: bool
    group: tuple | None
    make: Callable[[], Page]
    what: tuple | None = None
    deps: Callable[[], tuple] | None = None  # all the page is made from, if narrower than its policy's fingerprint


@dataclass
class PolicySite:
    """Everything known about one policy at build time."""

    manifest: Manifest
    versions: list  # Version, oldest first
    draft: dict  # lang -> PolicyText (the work tree)
    include_draft: bool = False


class _Template(Template):
    """A page of policygen's own templates (autoescaped) without control characters, whichever
    value brought them (``render.CONTROL_RE``): one pass over the page, not one per value."""

    def render(self, *args, **kwargs) -> str:
        return strip_controls(super().render(*args, **kwargs))


class _Environment(Environment):
    """Jinja for policygen's own templates, which read plain dicts: ``x.field`` of a dict is
    its key, as in Jinja, found without first trying (and failing) the attribute; those
    failures were a tenth of the time a page takes."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return Environment.getattr(self, obj, attribute)

    template_class = _Template


_DICT_ATTRIBUTES = frozenset(dir(dict))


ENV = _Environment(loader=PackageLoader("policygen", "templates"), autoescape=select_autoescape(["html", "xml"]),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def rel(from_url: str, to_url: str) -> str:
    """Relative link between two directory URLs, so the site works under any sub-path."""
    if to_url.startswith(("http://", "https://", "#")):
        return to_url
    anchor = ""
    if "#" in to_url:
        to_url, anchor = to_url.split("#", 1)
        anchor = "#" + anchor
    base = posixpath.dirname(from_url.rstrip("/") + "/x") if from_url else "."
    target = to_url or "."
    r = posixpath.relpath(target or ".", base or ".")
    if to_url.endswith("/") and not r.endswith("/"):
        r += "/"
    if r == "./":
        r = "./"
    return r + anchor


def roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                 (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


CJK_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一: how Chinese legal text numbers its sections."""
    if n < 10:
        return CJK_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return (CJK_DIGITS[tens] if tens > 1 else "") + "十" + (CJK_DIGITS[ones] if ones else "")
    return str(n)


def number_label(style: str, n: int) -> str:
    """The number as written before a clause title, its punctuation included ("I.", "1.", "一、")."""
    if style == "chinese":
        return chinese_number(n) + "、"
    return (roman(n) if style == "roman" else str(n)) + "."


def clause_numbers(manifest: Manifest, clauses, lang: str | None = None) -> dict:
    """Numbers are derived from order, so reordering never needs a text edit; the style is
    the manifest's for the language (``Manifest.numbering_for``)."""
    style = manifest.numbering_for(lang or manifest.source_lang)
    out, n = {}, 0
    for c in clauses:
        if style == "none" or c.id in manifest.unnumbered:
            out[c.id] = ""
            continue
        n += 1
        out[c.id] = number_label(style, n)
    return out


REDLINE_DOCX = "redline.docx"  # in each compare page's folder (policygen build --docx)
ALL_PAIRS_UP_TO = 12  # versions; beyond this, consecutive pairs and pairs with the current version


def compare_pairs(versions: list, cur) -> list[tuple]:
    """Which comparisons get a page: each consecutive pair and each version against the
    current one; every pair while the history is short (so any two can be picked)."""
    if len(versions) <= ALL_PAIRS_UP_TO:
        return [(a, b) for i, a in enumerate(versions) for b in versions[i + 1:]]
    return linked_pairs(versions, cur)


def linked_pairs(versions: list, cur) -> list[tuple]:
    """The comparisons the archive links: each consecutive pair and each version against the
    current one (older first)."""
    pairs = list(zip(versions, versions[1:]))
    if cur is not None:
        for v in versions:
            if v.effective < cur.effective:
                pairs.append((v, cur))
            elif v.effective > cur.effective:
                pairs.append((cur, v))
    seen, out = set(), []
    for a, b in pairs:
        if (a.key, b.key) not in seen:
            seen.add((a.key, b.key))
            out.append((a, b))
    return out


def nearby(versions: list, *keys: str) -> list:
    """The versions a page offers in its menus: all of a short history; of a long one the
    page's own and their neighbours (the page in force and the archive are linked by their
    own URLs), so that no page grows with the length of the history and a release changes
    only the pages of its neighbours."""
    if len(versions) <= ALL_PAIRS_UP_TO:
        return list(versions)
    index = {v.key: i for i, v in enumerate(versions)}
    keep = set()
    for k in keys:
        if k in index:
            keep.update(i for i in (index[k] - 1, index[k], index[k] + 1) if 0 <= i < len(versions))
    return [versions[i] for i in sorted(keep)]


def policy_url(lang: str, policy: str, what: str = "", prefix: str = "") -> str:
    """A policy page's URL; ``prefix`` is where policygen's pages live in the site (``""`` or
    e.g. ``"legal/privacy/"``, see ``mount.normalize_prefix``)."""
    return f"{prefix}{lang}/{policy}/" + (f"{what}/" if what else "")


TABLE_OPEN, TABLE_CLOSE = re.compile(r"<table\b"), re.compile(r"</table>")


def scrolling_tables(html: str, label: str) -> str:
    """Each table of a clause inside a region of its own that scrolls sideways (and can be
    scrolled from the keyboard: it takes focus), so a wide table never widens the page."""
    if "<table" not in html:
        return html
    count = iter(range(1, 1000))

    def region(_m) -> str:  # each region's name is its own: "Table in X", "Table in X (2)"
        n = next(count)
        name = label if n == 1 else f"{label} ({n})"
        return f'<div class="pg-scroll" role="region" tabindex="0" aria-label="{html_escape(name)}"><table'

    return TABLE_CLOSE.sub("</table></div>", TABLE_OPEN.sub(region, html))


MAIN_ID = "pg-main"  # the article of every policygen page: where the skip link lands


def toc_tokens(title: str, entries) -> list[dict]:
    """The page's contents for the theme (MkDocs toc tokens, names as HTML): the page itself
    (level 1, so the theme's skip link goes to the article) holding one entry per
    (anchor id, number, title)."""
    children = [{"level": 2, "id": cid, "children": [], "name": _html_text(i18n.numbered(number, name))}
                for cid, number, name in entries]
    return [{"level": 1, "id": MAIN_ID, "name": _html_text(title), "children": children}]


def _html_text(value: str) -> str:
    """A plain value as the HTML the theme's templates write unescaped (Material writes page
    and contents titles as they are: ``page.meta.title``, toc names, the search index)."""
    return html_escape(strip_controls(value))


class PageMemo:
    """Pages of released versions, kept between the rebuilds of one ``policygen serve``.

    Such a page is a function of the policy's manifest, its resolved versions, the build date
    and options. The versions of a rebuild with the same commit and ledger are the very same
    objects (``versions.resolve_versions`` keeps its last result), so identity tells that a
    page can be reused; anything else changed drops the policy's pages.
    """

    def __init__(self):
        self._worlds: dict = {}  # policy id -> (manifest repr, date, options, versions)
        self._pages: dict = {}  # (policy id, what) -> value

    def get(self, p: PolicySite, world: tuple, what: tuple, make):
        pid = p.manifest.id
        known = self._worlds.get(pid)
        versions = tuple(p.versions)
        if known is None or known[:-1] != world or len(known[-1]) != len(versions) or any(
                a is not b for a, b in zip(known[-1], versions)):
            self._worlds[pid] = (*world, versions)
            self._pages = {k: v for k, v in self._pages.items() if k[0] != pid}
        key = (pid, what)
        if key not in self._pages:
            self._pages[key] = make()
        return self._pages[key]


class SiteBuilder:
    def __init__(self, policies: list[PolicySite], today: date, cache: RenderCache | None = None,
                 memo: PageMemo | None = None, prefix: str = ""):
        self.policies = policies
        self.prefix = prefix  # where the pages live in the site: "" (its root) or e.g. "legal/privacy/"
        self.today = today
        self.cache = cache or RenderCache()
        self.memo = memo  # policygen serve: reuse the pages of released versions
        self._compared: dict = {}
        # (policy, lang, old key, new key) -> change_summary(); worker processes send theirs back
        self.summaries: dict = {}
        self.kept_summaries = None  # get(what)/put(what, text): change summaries kept between builds
        self._version_deps: dict = {}  # id(version) -> (version, version_deps)
        self.pdf = False  # archive rows link each version's policy.pdf (policygen build --pdf)
        self.docx = False  # archive rows link each comparison's redline.docx (policygen build --docx)

    def remember(self, p: PolicySite, what: tuple, make):
        """``make()``, or the same page from the previous rebuild when nothing it reads changed."""
        if self.memo is None:
            return make()
        return self.memo.get(p, (repr(p.manifest), self.today, self.pdf, self.docx, self.prefix), what, make)

    def url(self, lang: str, policy: str, what: str = "") -> str:
        """The site URL of a policy page (under the prefix); links between pages are relative."""
        return policy_url(lang, policy, what, self.prefix)

    def absolute(self, site_url: str, path: str) -> str:
        """A site URL as machine-readable outputs give it: absolute under ``site_url``; without
        one, relative to the prefix (the folder of changes.json), as with no prefix."""
        if site_url:
            return site_url.rstrip("/") + "/" + path
        return path[len(self.prefix):] if path.startswith(self.prefix) else path

    def fingerprint(self, p: PolicySite) -> str:
        """A hash of everything the pages of released versions of ``p`` are made from: the
        manifest, each version's ledger entry, commit and texts (content hashes, and the
        manifest each was released under), the build options, and what the build date
        decides (which versions are in the future, which took effect within the notice period).
        Pages read the date only through those."""
        days = p.manifest.notice_days
        versions = [(self.version_deps(v), v.effective > self.today, 0 <= (self.today - v.effective).days <= days)
                    for v in p.versions]
        return sha256(repr((repr(p.manifest), self.pdf, self.docx, self.prefix, versions)))

    def version_deps(self, v: Version) -> tuple:
        """What pages read of a version: its ledger entry, commit and texts."""
        got = self._version_deps.get(id(v))
        if got is None or got[0] is not v:
            got = self._version_deps[id(v)] = (v, (repr(v.release), v.commit, tuple(sorted(
                (lang, t.content_hash, repr(t.manifest)) for lang, t in v.texts.items()))))
        return got[1]

    def clause_bodies(self) -> dict[str, str]:
        """The Markdown of every clause the pages show (each text once), to render up front,
        with the file it comes from: the versions of one clause render from shared chunks."""
        seen: dict = {}
        for p in self.policies:
            texts = [t for v in p.versions for t in v.texts.values()]
            texts += p.draft.values() if p.include_draft or not p.versions else []
            for text in texts:
                for c in text.clauses:
                    seen.setdefault(c.body, c.path)
        return seen

    def languages(self) -> list[str]:
        seen = []
        for p in self.policies:
            for lg in p.manifest.languages:
                if lg not in seen:
                    seen.append(lg)
        return seen

    def plan(self, home: bool = True) -> list[Planned]:
        """Every page of the site, to be made on demand: the home page (unless the site has its
        own there), then each policy language's pages."""
        out = [Planned(self.prefix + "index.md", True, None, self.home)] if home else []
        for p in self.policies:
            for lang in p.manifest.languages:
                out.extend(self.policy_plan(p, lang))
        return out

    # --- pages ------------------------------------------------------------------------

    def home(self) -> Page:
        lang = self.languages()[0] if self.languages() else "en"
        entries = []
        for p in self.policies:
            entries.append({
                "title": p.manifest.title(p.manifest.source_lang),
                "entity": (p.manifest.entity or {}).get("name", ""),
                "links": [{"lang": lg, "name": i18n.language_name(lg), "href": rel(self.prefix, self.url(lg, p.manifest.id)),
                           "title": p.manifest.title(lg)} for lg in p.manifest.languages],
            })
        html = ENV.get_template("home.html").render(entries=entries, t=lambda k, **kw: i18n.t(lang, k, **kw))
        meta = self._meta(lang, i18n.t(lang, "home_title"), [])
        del meta["title"]  # the home page's <title> is the site name alone
        return Page(src=self.prefix + "index.md", url=self.prefix, title=i18n.t(lang, "home_title"), lang=lang,
                    html=html, meta=meta, toc=toc_tokens(i18n.t(lang, "home_title"), []))

    def not_found(self, root: str) -> list[dict]:
        """The 404 page's text in each language of the site, each with links to every policy
        in that language; ``root`` is the site's path ("/" or "/sub/"): a 404 is served at
        any address, so its links cannot be relative."""
        out = []
        for lang in self.languages() or ["en"]:
            # plain text: overrides/404.html escapes each value (the theme's templates do not autoescape)
            links = [{"href": root + self.url(lang, p.manifest.id), "title": strip_controls(p.manifest.title(lang))}
                     for p in self.policies if lang in p.manifest.languages]
            out.append({"lang": lang, "title": i18n.t(lang, "not_found_title"), "text": i18n.t(lang, "not_found_text"),
                        "links": links})
        return out

    def policy_plan(self, p: PolicySite, lang: str) -> list[Planned]:
        """The pages of one policy language, in site order. Only the page in force goes into
        the search index; the others (dated, upcoming, draft, archive, compare) don't."""
        m = p.manifest
        versions = [v for v in p.versions if lang in v.texts]
        cur = current_version(versions, self.today)
        upcoming = upcoming_versions(versions, self.today)
        group = (m.id, lang)
        m_repr = repr(m)
        out = []

        def add(src, search, what, make, deps=None):
            out.append(Planned(src, search, group, lambda: self.remember(p, what, make), what, deps))

        def version(v, what, kind):
            url = self.url(lang, m.id, what)
            listing = self._listing(versions, cur, v.key)
            # A dated page reads its version, the versions its menu lists and where it stands.
            deps = (lambda: ("version", m_repr, self.pdf, self.version_deps(v), self._standing(v, cur, kind),
                             tuple((x.key, prev, state) for x, prev, state in listing),
                             len(versions) > len(listing))) if kind == "dated" else None
            add(url + "index.md", kind == "current", ("version", lang, v.key, url, kind),
                lambda: self.version_page(p, lang, v, versions, cur, upcoming, url=url, kind=kind, listing=listing),
                deps)

        def draft(what):
            url = self.url(lang, m.id, what)
            out.append(Planned(url + "index.md", False, group, lambda: self.draft_page(p, lang, versions, url=url)))

        for v in versions:
            version(v, v.key, "dated")
        if cur is not None:
            version(cur, "", "current")
        elif lang in p.draft and p.draft[lang].clauses and not upcoming:
            draft("")
        elif upcoming:
            version(upcoming[0], "", "upcoming")
        if upcoming:
            version(upcoming[0], "upcoming", "upcoming")
        if p.include_draft and lang in p.draft and p.draft[lang].clauses:
            draft("draft")
        add(self.url(lang, m.id, "archive") + "index.md", False, ("archive", lang),
            lambda: self.archive_page(p, lang, versions, cur))
        pairs = compare_pairs(versions, cur)
        for old, new in pairs:
            def deps(old=old, new=new):
                offered, offered_pairs = self._picker(versions, pairs, old, new)
                return ("compare", m_repr, self.pdf, self.docx, self.version_deps(old), self.version_deps(new),
                        tuple(v.key for v in offered), tuple(offered_pairs))

            add(self.url(lang, m.id, f"compare/{old.key}...{new.key}") + "index.md", False,
                ("compare", lang, old.key, new.key),
                lambda old=old, new=new: self.compare_page(p, lang, old, new, versions, cur, pairs), deps)
        return out

    def _standing(self, v: Version, cur, kind: str) -> tuple:
        """Where a version page stands on the build date: (superseded, not yet in force, the
        dated copy of the version in force, some version is in force)."""
        return (kind == "dated" and cur is not None and v.effective < cur.effective, v.effective > self.today,
                kind == "dated" and cur is not None and v.key == cur.key, cur is not None)

    def _listing(self, versions, cur, *keys: str) -> tuple:
        """The versions a menu lists (``nearby``), each with the key of the one before it and
        its state on the build date."""
        prev_key = {b.key: a.key for a, b in zip(versions, versions[1:])}
        return tuple((v, prev_key.get(v.key),
                      "current" if cur is not None and v.key == cur.key else ("upcoming" if v.effective > self.today else ""))
                     for v in nearby(versions, *keys))

    @staticmethod
    def _picker(versions, pairs, old: Version, new: Version) -> tuple[list, list[str]]:
        """The versions a compare page's picker offers, and the compared pairs among them."""
        offered = nearby(versions, old.key, new.key)
        keys = {v.key for v in offered}
        return offered, [f"{a.key}...{b.key}" for a, b in pairs if a.key in keys and b.key in keys]

    def compared(self, p: PolicySite, lang: str, old: Version, new: Version, keep: bool = True):
        """Diff and classification of two versions, computed once per build. ``keep=False``:
        needed once (a version against the current one), so not held for the rest of the build."""
        key = (p.manifest.id, lang, old.key, new.key)
        got = self._compared.get(key)
        if got is None:
            def make():
                d = diff_policy(old.texts.get(lang), new.texts.get(lang), lang)
                return d, classify(d, new.texts[lang].manifest)

            got = self.remember(p, ("compared", lang, old.key, new.key), make)
            if keep:
                self._compared[key] = got
        return got

    def compare_page(self, p: PolicySite, lang: str, old: Version, new: Version, versions, cur, pairs) -> Page:
        m = p.manifest
        url = self.url(lang, m.id, f"compare/{old.key}...{new.key}")
        consecutive = any(a.key == old.key and b.key == new.key for a, b in zip(versions, versions[1:]))
        d, cls = self.compared(p, lang, old, new, keep=consecutive)
        text = new.texts[lang]
        numbers = clause_numbers(text.manifest, text.clauses, lang)
        body = compare_body(d, cls, numbers, lang)
        heading = i18n.t(lang, "compare_title", old=i18n.format_day(old.effective, lang),
                         new=i18n.format_day(new.effective, lang))
        langs = []
        for lg in m.languages:
            if lg in old.texts and lg in new.texts:
                target = self.url(lg, m.id, f"compare/{old.key}...{new.key}")
                langs.append({"lang": lg, "name": i18n.language_name(lg), "href": rel(url, target),
                              "current": lg == lang})
        offered, offered_pairs = self._picker(versions, pairs, old, new)
        picker = {"base": rel(url, self.url(lang, m.id, "compare")), "pairs": offered_pairs,
                  "options": [{"key": v.key, "label": i18n.format_day(v.effective, lang)} for v in offered]}
        html = ENV.get_template("compare.html").render(
            lang=lang, t=lambda k, **kw: i18n.t(lang, k, **kw), heading=heading, title=m.title(lang),
            versions=[], languages=langs, archive_href=rel(url, self.url(lang, m.id, "archive")),
            picker=picker, old_key=old.key, new_key=new.key, docx_href=REDLINE_DOCX if self.docx and any(
                (a.key, b.key) == (old.key, new.key) for a, b in linked_pairs(versions, cur)) else None,
            summary_changes=changes_view(old.texts.get(lang), text, lang), **body)
        changed = [(cd.id, numbers.get(cd.id, ""), cd.title) for cd in d.clauses if cd.status != "unchanged"]
        return Page(src=url + "index.md", url=url, title=heading, lang=lang, html=html,
                    meta=self._meta(lang, heading, [{"lang": lg["lang"], "href": lg["href"]} for lg in langs],
                                    noindex=True, search=False), toc=toc_tokens(heading, changed))

    def _selector(self, p: PolicySite, lang: str, listing, here_url: str, selected: str):
        m = p.manifest
        items = []
        for v, prev, state in reversed(listing):
            items.append({"key": v.key, "label": i18n.format_day(v.effective, lang),
                          "compare_href": rel(here_url, self.url(lang, m.id, f"compare/{prev}...{v.key}"))
                          if prev else None,
                          "state": i18n.t(lang, state) if state else "",
                          "href": rel(here_url, self.url(lang, m.id, v.key)), "selected": v.key == selected})
        return items

    def _language_links(self, p: PolicySite, lang: str, version_key: str | None, here_url: str, what: str = ""):
        m = p.manifest
        out = []
        for lg in m.languages:
            has = version_key is None or any(v.key == version_key and lg in v.texts for v in p.versions)
            target = self.url(lg, m.id, what if what else (version_key or "")) if has else self.url(lg, m.id)
            out.append({"lang": lg, "name": i18n.language_name(lg), "href": rel(here_url, target),
                        "abs": target, "current": lg == lang})
        return out

    def _clauses(self, text: PolicyText):
        nums = clause_numbers(text.manifest, text.clauses, text.lang)
        return [{"id": c.id, "title": c.title, "number": nums.get(c.id, ""),
                 "html": scrolling_tables(self.cache.render(c.body), i18n.t(text.lang, "table_in", title=c.title))}
                for c in text.clauses]

    @staticmethod
    def _clause_toc(title: str, clauses: list) -> list:
        return toc_tokens(title, [(c["id"], c["number"], c["title"]) for c in clauses])

    def _lagging(self, v: Version, lang: str, m: Manifest, url: str) -> dict | None:
        """The banner of a translation that lags: which version it translates, and a link to
        the binding source-language text of this version."""
        key = v.release.lagging.get(lang)
        if key is None:
            return None
        from datetime import date as _date

        return {"text": i18n.t(lang, "translation_lagging", old=i18n.format_day(_date.fromisoformat(key), lang),
                               language=i18n.language_name(m.source_lang),
                               date=i18n.format_day(v.effective, lang)),
                "link": i18n.t(lang, "read_binding", language=i18n.language_name(m.source_lang)),
                "href": rel(url, self.url(m.source_lang, m.id, v.key))}

    def version_page(self, p: PolicySite, lang: str, v: Version, versions, cur, upcoming, url: str, kind: str,
                     listing: tuple) -> Page:
        """A version's page; a dated one reads no more than ``policy_plan`` lists as its deps:
        ``listing`` (the versions its menu shows) and ``_standing``, not ``versions`` or ``cur``."""
        m = p.manifest
        text = v.texts[lang]
        superseded, is_upcoming, in_force_copy, any_in_force = self._standing(v, cur, kind)
        langs = self._language_links(p, lang, None if kind == "current" else v.key, url,
                                     what="upcoming" if kind == "upcoming" and url.endswith("upcoming/") else "")
        ctx = {
            "lang": lang, "t": lambda k, **kw: i18n.t(lang, k, **kw), "title": m.title(lang),
            "entity": (m.entity or {}).get("name", ""), "effective": v.effective.isoformat(),
            "effective_text": i18n.format_day(v.effective, lang), "clauses": self._clauses(text),
            "versions": self._selector(p, lang, listing, url, v.key), "more_versions": len(versions) > len(listing),
            "in_force_href": rel(url, self.url(lang, m.id)) if any_in_force and kind != "current" else None,
            "languages": langs,
            "archive_href": rel(url, self.url(lang, m.id, "archive")),
            "superseded": superseded, "is_upcoming": is_upcoming,
            "current_href": rel(url, self.url(lang, m.id)),
            # a version not yet in force links to what it changes (its menu lists the one before it)
            "changes_href": next((rel(url, self.url(lang, m.id, f"compare/{prev}...{x.key}"))
                                  for x, prev, _state in listing if x.key == v.key and prev), None)
            if is_upcoming else None,
            "notice": self._notice(p, lang, url, cur, upcoming) if kind == "current" else None,
            "stale": v.release.stale.get(lang) if v.release.stale and lang not in v.release.lagging else None,
            "lagging": self._lagging(v, lang, m, url),
            "source_lang_name": i18n.language_name(m.source_lang), "draft": False,
            "summary": summary_view(text),
        }
        html = ENV.get_template("version.html").render(**ctx)
        noindex = superseded or is_upcoming
        alternates = [{"lang": lg["lang"], "href": lg["href"]} for lg in langs]
        meta = self._meta(lang, m.title(lang), alternates, noindex=noindex, search=(kind == "current"),
                          # the dated copy of the version in force points at the page in force
                          canonical=self.url(lang, m.id) if superseded or in_force_copy else None)
        # for the print footer (policygen.publish.print_css): the legal record names its version
        meta.update(effective=v.key, content_hash=v.release.hashes.get(lang) or text.content_hash,
                    version_url=self.url(lang, m.id, v.key))
        return Page(src=url + "index.md", url=url, title=f"{m.title(lang)} ({ctx['effective_text']})", lang=lang,
                    html=html, meta=meta, toc=self._clause_toc(m.title(lang), ctx["clauses"]))

    def draft_page(self, p: PolicySite, lang: str, versions, url: str) -> Page:
        m = p.manifest
        text = p.draft[lang]
        listing = self._listing(versions, None, *[v.key for v in versions[-1:]])  # the newest release
        langs = self._language_links(p, lang, None, url, what="draft" if url.endswith("draft/") else "")
        ctx = {"lang": lang, "t": lambda k, **kw: i18n.t(lang, k, **kw), "title": m.title(lang),
               "entity": (m.entity or {}).get("name", ""), "effective": None, "effective_text": "",
               "clauses": self._clauses(text), "versions": self._selector(p, lang, listing, url, ""),
               "more_versions": len(versions) > len(listing), "in_force_href": None,
               "languages": langs, "archive_href": rel(url, self.url(lang, m.id, "archive")),
               "superseded": False, "is_upcoming": False, "current_href": rel(url, self.url(lang, m.id)),
               "notice": None, "stale": None, "source_lang_name": "", "draft": True,
               "summary": summary_view(text), "version_label": i18n.t(lang, "draft"),
               "draft_changes": self._draft_changes(text, versions, lang)}
        html = ENV.get_template("version.html").render(**ctx)
        return Page(src=url + "index.md", url=url, title=f"{m.title(lang)} (draft)", lang=lang, html=html,
                    meta=self._meta(lang, m.title(lang), [{"lang": lg["lang"], "href": lg["href"]} for lg in langs],
                                    noindex=True, search=False), toc=self._clause_toc(m.title(lang), ctx["clauses"]))

    def _draft_changes(self, text: PolicyText, versions, lang: str) -> dict | None:
        """The draft's redline against the version in force (or the newest release), for a
        disclosure on the draft page; its clause anchors are prefixed, as the draft's own
        clauses hold the plain ones."""
        base = current_version(versions, self.today) or (versions[-1] if versions else None)
        if base is None or lang not in base.texts:
            return None
        d = diff_policy(base.texts[lang], text, lang)
        body = compare_body(d, classify(d, text.manifest), clause_numbers(text.manifest, text.clauses, lang), lang)
        body["changed_html"] = [h.replace(' id="', ' id="changes-', 1) for h in body["changed_html"]]
        return {**body, "since": i18n.format_day(base.effective, lang)}

    def archive_page(self, p: PolicySite, lang: str, versions, cur) -> Page:
        m = p.manifest
        url = self.url(lang, m.id, "archive")
        rows = []
        prev = None
        for v in versions:
            r = v.release
            auto = self.change_summary(p, lang, prev, v)
            compare_href = rel(url, self.url(lang, m.id, f"compare/{prev.key}...{v.key}")) if prev else None
            against_current = self._against_current(url, lang, m, prev, v, cur)
            rows.append({
                "auto_summary": auto,
                "key": v.key, "date": i18n.format_day(v.effective, lang), "level": r.level,
                "level_text": i18n.t(lang, f"level_{r.level}"), "computed": r.computed_level,
                "justification": r.justification, "summary": r.summary,
                "href": rel(url, self.url(lang, m.id, v.key)),
                "compare_href": compare_href,
                "compare_current_href": against_current,
                "docx_href": compare_href + REDLINE_DOCX if self.docx and compare_href else None,
                "docx_current_href": against_current + REDLINE_DOCX if self.docx and against_current else None,
                "pdf_href": rel(url, self.url(lang, m.id, v.key)) + "policy.pdf" if self.pdf else None,
                "state": i18n.t(lang, "current") if cur is not None and v.key == cur.key else
                         (i18n.t(lang, "upcoming") if v.effective > self.today else ""),
                "languages": [i18n.language_name(lg) for lg in m.languages
                              if lg in v.texts and lg not in r.lagging],
                "lagging": [i18n.language_name(lg) for lg in m.languages if lg in r.lagging and lg in v.texts],
            })
            prev = v
        langs = self._language_links(p, lang, None, url, what="archive")
        html = ENV.get_template("archive.html").render(
            lang=lang, t=lambda k, **kw: i18n.t(lang, k, **kw), title=m.title(lang), rows=list(reversed(rows)),
            languages=langs, current_href=rel(url, self.url(lang, m.id)))
        title = i18n.t(lang, "archive_title", title=m.title(lang))
        return Page(src=url + "index.md", url=url, title=title, lang=lang, html=html,
                    meta=self._meta(lang, title, [{"lang": lg["lang"], "href": lg["href"]} for lg in langs],
                                    search=False), toc=toc_tokens(title, []))

    def _against_current(self, url: str, lang: str, m: Manifest, prev, v, cur) -> str | None:
        """The compare page of a version and the one in force (older first, as compare_pairs
        makes them), unless that is the version's change from the one before."""
        if cur is None or v.key == cur.key or (prev is not None and prev.key == cur.key):
            return None
        older, newer = sorted((v, cur), key=lambda x: x.effective)
        return rel(url, self.url(lang, m.id, f"compare/{older.key}...{newer.key}"))

    def change_summary(self, p: PolicySite, lang: str, prev, v) -> str:
        """One line, in the reader's language: the reasons behind the version's level."""
        if prev is None:
            return i18n.t(lang, "first_version")
        key = (p.manifest.id, lang, prev.key, v.key)
        if key not in self.summaries:
            # From an earlier build when kept: the archive then needs no diff of all its versions.
            what = ("change summary", lang, self.version_deps(prev), self.version_deps(v))
            got = self.kept_summaries.get(what) if self.kept_summaries is not None else None
            if got is None:
                got = self._change_summary(p, lang, prev, v)
                if self.kept_summaries is not None:
                    self.kept_summaries.put(what, got)
            self.summaries[key] = got
        return self.summaries[key]

    def _change_summary(self, p: PolicySite, lang: str, prev, v) -> str:
        _d, cls = self.compared(p, lang, prev, v)
        texts = reader_sentences([r for r in cls.reasons if r.level == cls.level], lang)
        if not texts:
            return i18n.t(lang, "no_text_change")
        more = len(texts) - 3
        return join_sentences(texts[:3] + ([i18n.t(lang, "and_more", n=more)] if more > 0 else []), lang)

    def _notice(self, p: PolicySite, lang: str, url: str, cur, upcoming):
        """The prominent notice on the current page: an upcoming or recent notice/consent version."""
        m = p.manifest
        target = None
        if upcoming:
            target = next((v for v in upcoming if v.release.level in ("notice", "consent")), None)
        recent = False
        if target is None and cur is not None and cur.release.level in ("notice", "consent"):
            if (self.today - cur.effective).days <= m.notice_days:
                target, recent = cur, True
        if target is None:
            return None
        versions = [v for v in p.versions if lang in v.texts]
        idx = next(i for i, v in enumerate(versions) if v.key == target.key)
        prev = versions[idx - 1] if idx > 0 else None
        date_text = i18n.format_day(target.effective, lang)
        reasons = []
        if prev is not None:
            _d, cls = self.compared(p, lang, prev, target)
            reasons = reader_sentences([r for r in cls.reasons if r.level in ("notice", "consent")], lang)
        return {
            "reasons": list(dict.fromkeys(reasons)),
            "level": target.release.level, "recent": recent,
            "headline": i18n.t(lang, "recent_banner" if recent else "upcoming_banner", date=date_text),
            "consent": target.release.level == "consent", "summary": target.release.summary,
            "compare_href": rel(url, self.url(lang, m.id, f"compare/{prev.key}...{target.key}")) if prev else None,
            "page_href": rel(url, self.url(lang, m.id, target.key)),
        }

    def _meta(self, lang: str, title: str, alternates, noindex=False, search=True, canonical=None) -> dict:
        # Material prints the meta title unescaped (<title>, header, search index): escape it here.
        meta = {"title": _html_text(title), "html_lang": lang, "ui_lang": i18n.material_language(lang),
                "alternates": alternates, "hide": ["navigation"]}
        if noindex:
            meta["robots"] = "noindex"
        if not search:
            meta["search"] = {"exclude": True}
        if canonical:
            meta["canonical_target"] = canonical
        return meta
