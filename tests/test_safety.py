"""Hostile policy text never becomes active HTML, and the built site makes no
third-party requests. Real CLI, real git repositories, real MkDocs builds."""

import os
import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from conftest import GIT_ENV, ROOT, commit_all, git, run, write

TODAY = "2026-11-23"
SCRIPT_TITLE = "<script>alert(1)</script>"

HOSTILE_BODY = """We collect your name.

<script>alert('body')</script>

<img src=x onerror=alert(1)>

[x](javascript:alert(1)) and [y](data:text/html;base64,PHNjcmlwdD4=) and [z]( JaVaScRiPt:alert(2) )

<a href="javascript:alert(3)">click</a> <a href="  javascript:alert(4)">click2</a> <a href="vbscript:msgbox(5)">vb</a>

<p onclick="alert(6)" style="background:url(javascript:alert(7))">handler</p>

<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>

<svg onload=alert(8)></svg> <details open ontoggle=alert(9)>x</details> <math><mtext><table><mglyph><style><img src=x onerror=alert(10)></style></mglyph></table></mtext></math>

<form action="https://evil.example/"><button formaction="javascript:alert(11)">go</button></form>

<pre class="mermaid"><code>graph TD; A-->B</code></pre>

<p id="__config">{"base": "https://evil.example/"}</p>

<a href="https://example.com/privacy">a fine link</a>
"""

INTRO = f"""---
id: intro
title: "{SCRIPT_TITLE}"
---

We care about your privacy.
"""

DATA = """---
id: data
title: Data <b onmouseover="alert(12)">We</b> Collect
purposes:
  - "<script>alert('purpose')</script>"
data_categories:
  - name: "<img src=x onerror=alert('category')>"
    sensitive: true
recipients:
  - name: "<a href=\\"javascript:alert('recipient')\\">vendor</a>"
    role: processor
retention: "<script>alert('retention')</script>"
---

""" + HOSTILE_BODY

CHANGE = ("We collect your name.",
          "We collect your name. <script>alert('new')</script> <img src=x onerror=alert('new')> "
          "[new](javascript:alert('new')) <a href=\"javascript:alert('new')\">new</a>")

MANIFEST = """title:
  en: Acme Privacy Policy
entity:
  name: "Acme <img src=x onerror=alert('entity')> Ltd"
languages: [en]
clauses: [intro, data]
"""

BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background")
ACTIVE_TAGS = ("script", "iframe", "object", "embed", "svg", "math", "style", "form", "button", "input",
               "img", "link", "meta", "base")


def site_config(project: Path):
    """The repository's own mkdocs.yml (Material, overrides, plugins), pointed at this project."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s*custom_dir:\s*)\S+", rf"\g<1>{ROOT / 'overrides'}", text)
    write(project / "mkdocs.yml", text)


def new_project(tmp_path_factory, name):
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    d = tmp_path_factory.mktemp(name) / "proj"
    d.mkdir()
    git(d, "init", "-q", "-b", "main")
    site_config(d)
    return d


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Two released versions of a policy full of hostile markup; the second adds more."""
    d = new_project(tmp_path_factory, "hostile")
    pol = d / "policy_src" / "acme"
    write(pol / "policy.yml", MANIFEST)
    write(pol / "en" / "intro.md", INTRO)
    write(pol / "en" / "data.md", DATA)
    commit_all(d, "Hostile policy", date="2023-01-01")
    run(["release", "--policy", "acme", "--effective", "2023-02-01", "--backfill",
         "--summary", "<script>alert('summary')</script> <img src=x onerror=alert('summary')>"], cwd=d)
    commit_all(d, "Release 1", date="2023-01-02")
    p = pol / "en" / "data.md"
    p.write_text(p.read_text(encoding="utf-8").replace(*CHANGE), encoding="utf-8")
    commit_all(d, "More hostile text", date="2024-01-01")
    run(["release", "--policy", "acme", "--effective", "2024-02-01", "--backfill", "--level", "consent",
         "--justification", "<script>alert('justification')</script>"], cwd=d)
    commit_all(d, "Release 2", date="2024-01-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=d)
    return d


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def assert_inert(node, where=""):
    """No element or attribute in ``node`` can run script or load anything."""
    for tag in node.find_all(True):
        assert tag.name not in ACTIVE_TAGS, f"{where}: <{tag.name}> from content: {tag}"
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), f"{where}: event handler {attr}= on <{tag.name}>"
            assert attr.lower() != "style", f"{where}: style attribute on <{tag.name}>"
            if attr.lower() in URL_ATTRS:
                v = re.sub(r"[\x00-\x20]", "", value if isinstance(value, str) else " ".join(value))
                assert not BAD_SCHEME.match(v), f"{where}: {attr}={value!r} on <{tag.name}>"
        assert "mermaid" not in (tag.get("class") or []), f"{where}: content asks Material to load mermaid"
        assert not str(tag.get("id", "")).startswith("__"), f"{where}: content clobbers Material's id {tag['id']}"


def assert_page_scripts_are_ours(soup: BeautifulSoup, where=""):
    """Every <script> on the page is the theme's or policygen's, never policy text."""
    for s in soup.find_all("script"):
        if s.get("src"):
            assert not re.match(r"^(https?:)?//", s["src"]), f"{where}: script from another host: {s['src']}"
            assert s["src"].split("/")[-1].endswith(".js"), s
        assert "alert(" not in s.get_text(), f"{where}: script from content: {s}"
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), f"{where}: event handler {attr}= on <{tag.name}>"
            if attr.lower() in URL_ATTRS and isinstance(value, str):
                assert not BAD_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)), f"{where}: {tag}"


def content_pages(site: Path):
    out = []
    for path in sorted(site.rglob("index.html")):
        rel = path.parent.relative_to(site).as_posix()
        if rel.startswith("en/acme"):
            out.append(rel)
    return out


# --- the built site -------------------------------------------------------------------

def test_policy_pages_are_inert(hostile):
    site = hostile / "site"
    for path in ("en/acme", "en/acme/2023-02-01", "en/acme/2024-02-01"):
        soup = page(site, path)
        article = soup.select_one("article.pg-policy")
        assert article is not None, path
        assert_inert(article, path)
        assert_page_scripts_are_ours(soup, path)
        # The hostile title is shown as the literal text the editor wrote.
        assert SCRIPT_TITLE in soup.select_one("#intro-title").get_text()
        assert 'Data <b onmouseover="alert(12)">We</b> Collect' in soup.select_one("#data-title").get_text()
        # Front matter values are text, too (the data-practices summary, the entity).
        text = article.get_text()
        assert "<script>alert('purpose')</script>" in text
        assert "<img src=x onerror=alert('category')>" in text
        assert "<img src=x onerror=alert('entity')>" in text
        # Harmless content survives the sanitiser.
        assert article.find("a", href="https://example.com/privacy", string="a fine link")


def test_compare_pages_are_inert(hostile):
    site = hostile / "site"
    pages = [p for p in content_pages(site) if "/compare/" in p]
    assert "en/acme/compare/2023-02-01...2024-02-01" in pages
    for path in pages:
        soup = page(site, path)
        article = soup.select_one("article.pg-compare")
        assert article is not None, path
        for ui in article.select("form.pg-compare-picker, .pg-view-toggle"):  # policygen's own controls
            ui.decompose()
        assert_inert(article, path)
        assert_page_scripts_are_ours(soup, path)
    soup = page(site, "en/acme/compare/2023-02-01...2024-02-01")
    inserted = " ".join(i.get_text() for i in soup.select("article.pg-compare ins"))
    # The change is shown as the page shows the new text (the sanitiser drops the script,
    # markup that renders as text stays text).
    assert "<img src=x onerror=alert('new')>" in inserted and "new" in inserted


def test_archive_and_every_other_page_is_inert(hostile):
    site = hostile / "site"
    arch = page(site, "en/acme/archive")
    article = arch.select_one("article.pg-archive")
    assert article is not None
    assert_inert(article, "archive")
    assert "<script>alert('summary')</script>" in article.get_text()
    for path in content_pages(site) + [""]:
        assert_page_scripts_are_ours(page(site, path), path or "home")


def test_feeds_and_search_index_carry_text_not_markup(hostile):
    site = hostile / "site"
    feed = (site / "en/acme/feed.xml").read_text(encoding="utf-8")
    assert "<script" not in feed and "<img" not in feed
    assert 'type="html"' not in feed or "&lt;script" not in feed
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "onerror=alert" not in index.replace("&lt;img src=x onerror", "")


def test_hostile_policy_title_is_text(tmp_path_factory):
    d = new_project(tmp_path_factory, "title")
    pol = d / "policy_src" / "acme"
    write(pol / "policy.yml", MANIFEST.replace("Acme Privacy Policy", "\"Acme <script>alert('policy')</script>\""))
    write(pol / "en" / "intro.md", INTRO)
    write(pol / "en" / "data.md", "---\nid: data\ntitle: Data\n---\n\nWe collect your name.\n")
    commit_all(d, "Policy")
    run(["build", "--date", TODAY, "--out", "site"], cwd=d)
    for path in ("", "en/acme", "en/acme/archive"):
        assert_page_scripts_are_ours(page(d / "site", path), path or "home")
    index = (d / "site/search/search_index.json").read_text(encoding="utf-8")
    assert "<script>alert('policy')" not in index


# --- import ---------------------------------------------------------------------------

HOSTILE_HTML = """<!doctype html>
<html><head><title>Evil <script>alert('title')</script> Policy</title>
<style>body { background: url(javascript:alert(1)) }</style>
<script>alert('head')</script>
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
</head>
<body onload="alert('body')">
<h1 onclick="alert('h1')">Privacy <img src=x onerror="alert('h1img')"> Policy</h1>
<h2>1. Data <script>alert('h2')</script>We Collect</h2>
<p onmouseover="alert('p')">We collect <b onclick="alert(2)">names</b>. <a href="javascript:alert(3)">Click</a>
<a href=" JaVaScRiPt:alert(31)">Click2</a> <a href="data:text/html;base64,PHNjcmlwdD4=">data</a>
<a href="vbscript:msgbox(1)">vb</a> <a href="https://example.com/privacy" onclick="alert(4)">a fine link</a>
<img src="x" onerror="alert(5)"> <iframe src="https://evil.example"></iframe></p>
<script>document.write('<p>injected</p>')</script>
<noscript><p>noscript text</p></noscript>
<h2>2. Contact</h2>
<p>Write to <a href="mailto:privacy@example.com">privacy@example.com</a>.
&lt;script&gt;alert('escaped')&lt;/script&gt;</p>
<form action="https://evil.example"><input name=x value="<script>"></form>
<svg><script>alert('svg')</script></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>
<p>[md link](javascript:alert(6)) and <span style="background:url(javascript:alert(7))">styled</span></p>
<pre class="mermaid">graph TD; A-->B</pre>
</body></html>
"""


def test_import_of_hostile_html(project):
    write(project / "hostile.html", HOSTILE_HTML)
    run(["import", "hostile.html", "--policy", "evil", "--lang", "en"], cwd=project)
    folder = project / "policy_src" / "evil"
    fragments = {p.name: p.read_text(encoding="utf-8") for p in (folder / "en").glob("*.md")}
    assert sorted(fragments) == ["contact.md", "data-collect.md"]
    everything = "\n".join(fragments.values()) + (folder / "policy.yml").read_text(encoding="utf-8")
    # Scripts, styles, forms and embedded objects are dropped with their text.
    for gone in ("alert('head')", "alert('h2')", "injected", "noscript text", "alert('svg')", "background",
                 "evil.example", "fonts.googleapis", "mxss", "mermaid"):
        assert gone not in everything, gone
    assert not re.search(r"(?<!\\)<(script|img|iframe|style|svg|form|input)", everything)
    # Event handlers and unsafe links are gone; the link text stays.
    assert not re.search(r"\bon[a-z]+\s*=", everything)
    assert not re.search(r"(?<!\\)\]\(\s*(javascript|data|vbscript):", everything, re.I)
    assert "Click" in fragments["data-collect.md"] and "[a fine link](https://example.com/privacy)" in everything
    # Text that merely looks like markup stays text.
    assert "alert('escaped')" in fragments["contact.md"]
    assert "\\[md link\\](javascript:alert(6))" in fragments["contact.md"]
    assert "title: Privacy Policy" in everything.replace("  en: Privacy Policy", "title: Privacy Policy")
    commit_all(project, "Import")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    soup = page(project / "site", "en/evil")
    assert_inert(soup.select_one("article.pg-policy"), "imported")
    assert_page_scripts_are_ours(soup, "imported")
    assert "[md link](javascript:alert(6))" in soup.select_one("#contact").get_text()


# --- diff -----------------------------------------------------------------------------

def test_diff_html_is_inert(hostile):
    out = run(["diff", "2023-02-01", "2024-02-01", "--policy", "acme", "--format", "html"], cwd=hostile).stdout
    soup = BeautifulSoup(out, "html.parser")
    assert_page_scripts_are_ours(soup, "diff --format html")
    for sel in ("section.pg-change", ".pg-redline", "h1", "h2"):
        for node in soup.select(sel):
            assert_inert(node, f"diff html {sel}")
    inserted = " ".join(i.get_text() for i in soup.select("ins"))
    assert "<img src=x onerror=alert('new')>" in inserted
    assert SCRIPT_TITLE in soup.get_text()
    # A standalone page: nothing loaded from anywhere.
    for tag in soup.find_all(["link", "script", "img"]):
        assert not (tag.get("src") or tag.get("href")), tag


def md_diff(hostile):
    out = run(["diff", "2023-02-01", "2024-02-01", "--policy", "acme", "--format", "md"], cwd=hostile).stdout
    assert "<script>alert" not in out and "<img src" not in out
    return out


def test_diff_md_has_no_raw_html_from_content(hostile):
    out = md_diff(hostile)
    assert "&lt;img src=x onerror=alert\\('new'\\)&gt;" in out  # Markdown-escaped in the PR comment
    # Rendered the way a pull-request comment is, the only tags are the redline's own.
    soup = BeautifulSoup(markdown.markdown(out, extensions=["tables"]), "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in ACTIVE_TAGS, tag
        assert not any(a.lower().startswith("on") for a in tag.attrs), tag


def test_diff_md_has_no_live_links_from_content(hostile):
    soup = BeautifulSoup(markdown.markdown(md_diff(hostile), extensions=["tables"]), "html.parser")
    for a in soup.find_all("a"):
        assert not BAD_SCHEME.match(re.sub(r"[\x00-\x20]", "", a.get("href", ""))), a


# --- no third-party requests ----------------------------------------------------------

CDN_HOSTS = ("fonts.googleapis", "fonts.gstatic", "cdn.jsdelivr", "unpkg.com")
# Material's bundle carries two lazy loaders that only run on demand: mermaid for a
# `pre.mermaid` block (which policy text cannot produce: the sanitiser drops that class,
# asserted above and below) and a ResizeObserver polyfill for browsers without one.
MATERIAL_LAZY_LOADERS = ("https://unpkg.com/mermaid@", "https://unpkg.com/resize-observer-polyfill")


def test_built_site_makes_no_third_party_references(hostile):
    site = hostile / "site"
    files = [p for p in site.rglob("*") if p.suffix in (".html", ".css", ".js")]
    assert any(p.suffix == ".css" for p in files) and any(p.suffix == ".js" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".js" and path.name.startswith("bundle."):
            for loader in MATERIAL_LAZY_LOADERS:
                text = text.replace(loader, "")
        for host in CDN_HOSTS:
            assert host not in text, f"{path.relative_to(site)} refers to {host}"
        if path.suffix == ".css":
            assert not re.search(r"@import\s+(url\()?['\"]?(https?:)?//", text), path
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), path
        if path.suffix == ".html":
            soup = BeautifulSoup(text, "html.parser")
            for tag in soup.find_all(["link", "script", "img", "iframe", "source", "video", "audio", "embed",
                                      "object"]):
                for attr in ("src", "href", "data", "srcset"):
                    value = tag.get(attr)
                    if value:
                        assert not re.match(r"^\s*(https?:)?//", value), \
                            f"{path.relative_to(site)}: <{tag.name} {attr}={value}>"
            assert not soup.select("pre.mermaid, .mermaid"), path
