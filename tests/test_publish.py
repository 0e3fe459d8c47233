"""Publishing to a corporate website: sub-path hosting (every link crawled under
/legal/privacy/), embeddable fragments, PDFs for the legal record, sitemap/robots/canonical,
the pull-request release gate and atomic deploys. Real git repositories, the real CLI."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import EN, ZH, GIT_ENV, ROOT, commit_all, edit, git, import_texts, new_repo, retranslate, run, write

TODAY = "2026-11-23"
VERSIONS = ["2023-01-01", "2024-06-01", "2027-01-15"]  # superseded, current, upcoming
LANGS = ["en", "zh-CN"]
PREFIX = "/legal/privacy/"
SITE_URL = "https://www.example.com/legal/privacy/"




def make_project(root: Path) -> Path:
    """acme in en + zh-CN: two past versions and one upcoming notice-level version."""
    project = new_repo(root)
    import_texts(project, {"en": EN, "zh-CN": ZH})
    commit_all(project, "Import policy", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", VERSIONS[0], "--backfill"], cwd=project)
    commit_all(project, "Release 1", date="2022-12-16")
    edit(project, "en", "contact-us", "Write to", "Please write to")
    edit(project, "zh-CN", "contact-us", "如有任何问题", "如您有任何问题")
    retranslate(project, "contact-us")
    commit_all(project, "Clarify contact", date="2024-05-01")
    run(["release", "--policy", "acme", "--effective", VERSIONS[1], "--backfill"], cwd=project)
    commit_all(project, "Release 2", date="2024-05-02")
    add_transfer(project)
    run(["release", "--policy", "acme", "--effective", VERSIONS[2], "--today", TODAY], cwd=project)
    commit_all(project, "Release 3", date="2026-11-21")
    return project


def add_transfer(project: Path) -> None:
    """A notice-level change (a new transfer destination) in both languages."""
    edit(project, "en", "share-data", "---\n\nWe do not sell", "transfers:\n- country: Singapore\n---\n\nWe do not sell")
    edit(project, "en", "share-data", "hosting provider only.", "hosting provider, which stores data in Singapore.")
    edit(project, "zh-CN", "share-data", "---\n\n我们不出售", "transfers:\n- country: 新加坡\n---\n\n我们不出售")
    edit(project, "zh-CN", "share-data", "仅与我们的托管服务商共享。", "与我们在新加坡存储数据的托管服务商共享。")
    retranslate(project, "share-data")
    commit_all(project, "Add transfer", date="2026-11-20")


def browser_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return bool(shutil.which("chromium") or shutil.which("chromium-browser") or os.environ.get("POLICYGEN_CHROMIUM"))


def need_browser():
    if not browser_available():
        if os.environ.get("POLICYGEN_REQUIRE_BROWSER") == "1":
            pytest.fail("PDF tests need Playwright and Chromium (POLICYGEN_REQUIRE_BROWSER=1)")
        pytest.skip("PDFs need Playwright and Chromium")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("publish"))
    # A plain build (no site_url, the default config) and one for https://www.example.com/legal/privacy/,
    # with PDFs when a browser is available.
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    cfg = {"site_name": "Privacy", "site_url": SITE_URL, "use_directory_urls": True,
           "validation": {"nav": {"omitted_files": "ignore"}},
           "theme": {"name": "material", "font": False}, "plugins": ["search", "policygen"],
           "extra": {"generator": False}}
    write(project / "sub.yml", yaml.safe_dump(cfg))
    args = ["build", "--date", TODAY, "--out", "site-sub", "--config", "sub.yml"]
    run(args + (["--pdf"] if browser_available() else []), cwd=project)
    return project


# --- 1. sub-path hosting: crawl every internal link ---------------------------------------

class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder at /legal/privacy/ only; everything else (and any folder
    without an index.html: no listings) is a 404, as on a corporate web server."""

    def send_head(self):
        path = urlsplit(self.path).path
        if not path.startswith(PREFIX):
            self.send_error(404)
            return None
        local = self.translate_path(self.path)
        if os.path.isdir(local) and path.endswith("/") and not os.path.exists(os.path.join(local, "index.html")):
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path):
        p = urlsplit(path).path
        return super().translate_path("/" + p[len(PREFIX):] if p.startswith(PREFIX) else "/__nowhere__")

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(site: Path) -> str:
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SubPathHandler, directory=str(site)))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_port}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _links_in_html(url: str, text: str) -> list[tuple[str, str]]:
    """(kind, absolute URL) of every reference a browser or a reader can follow."""
    soup = BeautifulSoup(text, "html.parser")
    out = []
    for tag in soup.find_all(True):
        for attr in ("href", "src", "action", "poster"):
            value = tag.get(attr)
            if value:
                out.append((f"{tag.name}[{attr}]", urljoin(url, value)))
        if tag.get("srcset"):
            for part in tag["srcset"].split(","):
                out.append((f"{tag.name}[srcset]", urljoin(url, part.strip().split(" ")[0])))
        if tag.get("data-base") is not None:  # the compare picker: base + each listed pair
            for pair in (tag.get("data-pairs") or "").split():
                out.append(("compare-picker", urljoin(url, tag["data-base"] + pair + "/")))
    config = soup.find("script", id="__config")
    if config is not None:  # what Material's JavaScript fetches
        cfg = json.loads(config.string)
        base = urljoin(url, cfg["base"] + "/")
        out.append(("__config.search", urljoin(url, cfg["search"])))
        out.append(("search index", urljoin(base, "search/search_index.json")))
        out.append(("sitemap", urljoin(base, "sitemap.xml")))
    return out


def _links_in(url: str, ctype: str, body: bytes, root: str) -> list[tuple[str, str]]:
    if "html" in ctype:
        return _links_in_html(url, body.decode("utf-8"))
    if "css" in ctype:
        return [("css url()", urljoin(url, u)) for u in
                re.findall(r"url\(\s*['\"]?([^'\")]+)", body.decode("utf-8", "replace"))]
    path = urlsplit(url).path
    if path.endswith(".xml"):
        tree = ET.fromstring(body)
        out = [("xml link", urljoin(url, el.get("href"))) for el in tree.iter() if el.get("href")]
        out += [("sitemap loc", urljoin(url, el.text.strip())) for el in tree.iter()
                if el.tag.endswith("}loc") and el.text]
        return out
    if path.endswith(".json") and not path.endswith("search_index.json"):
        doc = json.loads(body)
        found = []

        def walk(value, key=""):
            if isinstance(value, dict):  # {"urls": {"en": ...}}: the language keys keep the parent's name
                for k, v in value.items():
                    walk(v, key if key.endswith("urls") else k)
            elif isinstance(value, list):
                for v in value:
                    walk(v, key)
            elif isinstance(value, str) and (key.endswith("url") or key.endswith("urls") or key == "embed_html") \
                    and value:
                # changes.json and embed.json paths are relative to the site root
                found.append((f"json {key}", urljoin(root, value)))
        walk(doc)
        return found
    if path.endswith("robots.txt"):
        return [("robots Sitemap", m) for m in re.findall(r"^Sitemap: (\S+)", body.decode(), re.M)]
    return []


def crawl(base: str, site_url: str = "", extra_starts=()) -> dict:
    """Fetch everything reachable from the site's home page under /legal/privacy/.

    Returns {"status": {url: code}, "broken": [(url, code, referrer, kind)], "external": [...],
    "root_absolute": [...], "anchors": [...missing #fragments]}.
    """
    root = base + PREFIX
    # the home page, and the documented entry points nothing needs to link to
    starts = [root, root + "robots.txt", root + "changes.json", *(f"{root}{lang}/acme/upcoming/" for lang in LANGS),
              *(root + s for s in extra_starts)]
    queue = [(u, "(start)", "start") for u in starts]
    status, pages, broken, external, root_abs, anchor_checks = {}, {}, [], [], [], []
    while queue:
        url, referrer, kind = queue.pop()
        if site_url and url.startswith(site_url):
            url = root + url[len(site_url):]
        parts = urlsplit(url)
        if parts.scheme in ("mailto", "tel", "data", "javascript"):
            continue
        if parts.netloc != urlsplit(base).netloc:
            external.append((url, referrer, kind))
            continue
        plain = url.split("#", 1)[0]
        if parts.fragment:
            anchor_checks.append((plain, parts.fragment, referrer))
        if plain in status:
            continue
        try:
            with urllib.request.urlopen(plain) as resp:
                body, ctype, code = resp.read(), resp.headers.get("content-type", ""), resp.status
        except urllib.error.HTTPError as exc:
            status[plain] = exc.code
            broken.append((plain, exc.code, referrer, kind))
            continue
        status[plain] = code
        if "html" in ctype:
            pages[plain] = body.decode("utf-8")
            for value in re.findall(r'(?:href|src)="(/[^"]*)"', pages[plain]):
                root_abs.append((plain, value))
        for k, link in _links_in(plain, ctype, body, root):
            queue.append((link, plain, k))
    missing_anchors = []
    for page, frag, referrer in anchor_checks:
        html = pages.get(page)
        if html is None or not frag:
            continue
        ids = {t.get("id") for t in BeautifulSoup(html, "html.parser").find_all(id=True)}
        ids |= {t.get("name") for t in BeautifulSoup(html, "html.parser").find_all("a", attrs={"name": True})}
        if frag not in ids and frag not in ("top", "__skip"):
            missing_anchors.append((page, frag, referrer))
    return {"status": status, "broken": broken, "external": external, "root_absolute": root_abs,
            "anchors": missing_anchors}


def expected_urls(root: str, pdf: bool) -> set[str]:
    want = {root, root + "changes.json", root + "sitemap.xml", root + "robots.txt"}
    for lang in LANGS:
        base = f"{root}{lang}/acme/"
        want |= {base, base + "archive/", base + "upcoming/", base + "feed.xml", base + "embed.html",
                 base + "embed.json"}
        for i, key in enumerate(VERSIONS):
            want |= {f"{base}{key}/", f"{base}{key}/embed.html", f"{base}{key}/embed.json"}
            if pdf:
                want.add(f"{base}{key}/policy.pdf")
            for old in VERSIONS[:i]:
                want.add(f"{base}compare/{old}...{key}/")
    return want


def test_subpath_crawl_relative_links(project, serve):
    """Built without site_url, served under /legal/privacy/: every link is relative and resolves."""
    base = serve(project / "site")
    got = crawl(base)
    assert got["broken"] == [], got["broken"]
    assert got["external"] == [], got["external"]
    assert got["root_absolute"] == [], got["root_absolute"]
    assert got["anchors"] == [], got["anchors"]
    missing = expected_urls(base + PREFIX, pdf=False) - set(got["status"])
    assert not missing, sorted(missing)
    # CSS and JavaScript assets were fetched too
    fetched = set(got["status"])
    assert any(u.endswith("/assets/policygen.css") for u in fetched)
    assert any(u.endswith("/assets/policygen.js") for u in fetched)
    assert any(re.search(r"/assets/javascripts/bundle\.\w+\.min\.js$", u) for u in fetched)
    assert any(re.search(r"/assets/javascripts/workers/search\.\w+\.min\.js$", u) for u in fetched)
    # the server really 404s outside the sub-path
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(base + "/en/acme/")


def test_subpath_crawl_with_site_url(project, serve):
    """Built for https://www.example.com/legal/privacy/ (links derived from site_url are mapped to
    the local server): the 404 page, sitemap, robots.txt, canonical links and PDFs resolve too."""
    base = serve(project / "site-sub")
    pdf = browser_available()
    got = crawl(base, SITE_URL, extra_starts=["404.html"])
    assert got["broken"] == [], got["broken"]
    assert got["external"] == [], got["external"]
    assert got["anchors"] == [], got["anchors"]
    # root-absolute links only where MkDocs derives them from site_url (the 404 page)
    assert all(v.startswith(PREFIX) for _page, v in got["root_absolute"]), got["root_absolute"]
    missing = expected_urls(base + PREFIX, pdf=pdf) - set(got["status"])
    assert not missing, sorted(missing)


# --- 2. embedding ---------------------------------------------------------------------------

def _changes(site: Path) -> dict:
    doc = json.loads((site / "changes.json").read_text(encoding="utf-8"))
    return {v["effective"]: v for v in doc["policies"][0]["versions"]}


@pytest.mark.parametrize("lang", LANGS)
def test_embed_html_is_a_standalone_semantic_fragment(project, lang):
    site = project / "site"
    text = (site / lang / "acme" / "embed.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    top = [el for el in soup.contents if getattr(el, "name", None)]
    assert [el.name for el in top] == ["article"]
    article = top[0]
    assert article["lang"] == lang
    for chrome in ("html", "head", "body", "nav", "script", "style", "link", "meta", "h1"):
        assert soup.find(chrome) is None, chrome
    # the version in force, with its effective date in a <time> and its content hash
    assert article["data-version"] == "2024-06-01" and article["data-status"] == "current"
    assert soup.find("time")["datetime"] == "2024-06-01"
    assert article["data-content-hash"] == _changes(site)["2024-06-01"]["content_hashes"][lang]
    # one h2 per clause; the clause id is the stable anchor
    sections = article.find_all("section")
    assert [s["id"] for s in sections] == ["data-collect", "share-data", "contact-us"]
    assert [len(s.find_all("h2")) for s in sections] == [1, 1, 1]
    # numbered the way each language writes it (Chinese: 一、)
    assert sections[0].h2.get_text(" ", strip=True).startswith("1." if lang == "en" else "一、")
    body = sections[2].get_text()
    assert ("Please write to" in body) if lang == "en" else ("如您有任何问题" in body)
    # no links a host page could not follow (no site_url: no links at all)
    assert soup.find("a") is None


def test_embed_of_each_version_and_links_with_site_url(project):
    old = BeautifulSoup((project / "site/en/acme/2023-01-01/embed.html").read_text(encoding="utf-8"), "html.parser")
    assert old.article["data-status"] == "superseded"
    assert "superseded" in old.select_one(".policygen-embed__status").get_text()
    assert "Please write" not in old.get_text()
    up = BeautifulSoup((project / "site/en/acme/2027-01-15/embed.html").read_text(encoding="utf-8"), "html.parser")
    assert up.article["data-status"] == "upcoming" and "Singapore" in up.get_text()
    sub = BeautifulSoup((project / "site-sub/en/acme/embed.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in sub.find_all("a")]
    assert hrefs == [SITE_URL + "en/acme/2024-06-01/", SITE_URL + "en/acme/archive/"]


@pytest.mark.parametrize("lang", LANGS)
def test_embed_json(project, lang):
    site = project / "site"
    doc = json.loads((site / lang / "acme" / "embed.json").read_text(encoding="utf-8"))
    assert doc["policy"] == "acme" and doc["lang"] == lang
    assert doc["version"] == doc["effective"] == "2024-06-01" and doc["status"] == "current"
    assert doc["content_hash"] == _changes(site)["2024-06-01"]["content_hashes"][lang]
    assert re.fullmatch(r"[0-9a-f]{64}", doc["content_hash"]) and doc["hash_algorithm"] == "sha256"
    assert [c["id"] for c in doc["clauses"]] == ["data-collect", "share-data", "contact-us"]
    assert [c["number"] for c in doc["clauses"]] == (["1", "2", "3"] if lang == "en" else ["一", "二", "三"])
    assert doc["clauses"][0]["label"] == ("1." if lang == "en" else "一、")
    assert all(c["title"] and c["html"].startswith("<") for c in doc["clauses"])
    assert doc["url"] == f"{lang}/acme/2024-06-01/"
    assert doc["pdf_url"] is None  # built without --pdf
    html = BeautifulSoup((site / lang / "acme" / "embed.html").read_text(encoding="utf-8"), "html.parser")
    assert [s["id"] for s in html.find_all("section")] == [c["id"] for c in doc["clauses"]]
    sub = json.loads((project / "site-sub" / lang / "acme" / "embed.json").read_text(encoding="utf-8"))
    assert sub["url"] == f"{SITE_URL}{lang}/acme/2024-06-01/"
    assert sub["clauses"] == doc["clauses"]


# --- 3. PDFs ----------------------------------------------------------------------------------

def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    # NFKC: CJK glyphs in the footer may extract as compatibility (Kangxi radical) code points
    return unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages))


def test_pdf_of_each_version_with_date_and_hash(project):
    need_browser()
    site = project / "site-sub"
    changes = _changes(site)
    for lang in LANGS:
        for key in VERSIONS:
            pdf = site / lang / "acme" / key / "policy.pdf"
            assert pdf.read_bytes().startswith(b"%PDF-"), pdf
            text = _pdf_text(pdf)
            digest = changes[key]["content_hashes"][lang]
            assert digest in re.sub(r"\s+", "", text), (lang, key)
            assert key in text
    en = _pdf_text(site / "en/acme/2024-06-01/policy.pdf")
    assert "Effective 1 June 2024" in en
    assert "We collect your name and email address when you register." in en
    assert "Please write to privacy@example.com" in en
    assert "superseded" not in en  # the version in force
    assert "superseded" in _pdf_text(site / "en/acme/2023-01-01/policy.pdf")
    zh = _pdf_text(site / "zh-CN/acme/2027-01-15/policy.pdf")
    assert "2027年1月15日" in zh.replace(" ", "") and "新加坡" in zh
    # the archive links each PDF; the build without --pdf does not
    arch = BeautifulSoup((site / "en/acme/archive/index.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in arch.select("a.pg-pdf-link")] == [f"../{k}/policy.pdf" for k in reversed(VERSIONS)]
    plain = BeautifulSoup((project / "site/en/acme/archive/index.html").read_text(encoding="utf-8"), "html.parser")
    assert plain.select("a.pg-pdf-link") == []
    assert not list((project / "site").rglob("*.pdf"))
    # reproducible: Chromium's print timestamp is replaced by the effective date
    from pypdf import PdfReader
    meta = PdfReader(str(site / "en/acme/2023-01-01/policy.pdf")).metadata
    assert meta["/CreationDate"].startswith("D:20230101000000")


def test_print_style_names_the_version(project):
    """A reader's own print dialog gets the same footer: an inline print style per version page."""
    site = project / "site"
    digest = _changes(site)["2023-01-01"]["content_hashes"]["en"]
    page = BeautifulSoup((site / "en/acme/2023-01-01/index.html").read_text(encoding="utf-8"), "html.parser")
    style = page.find("style", attrs={"media": "print"}).get_text()
    assert "@bottom-left" in style and digest in style and "1 January 2023" in style and "2023-01-01" in style
    assert "@top-left" in style and "Privacy Policy" in style
    css = (site / "assets/policygen.css").read_text(encoding="utf-8")
    assert "@page" in css and "counter(pages)" in css
    archive = BeautifulSoup((site / "en/acme/archive/index.html").read_text(encoding="utf-8"), "html.parser")
    assert archive.find("style", attrs={"media": "print"}) is None


def test_pdf_without_a_browser_fails_clearly_and_keeps_the_old_site(project, tmp_path):
    before = (project / "site/index.html").read_bytes()
    proc = run(["build", "--date", TODAY, "--out", "site", "--pdf"], cwd=project, check=False,
               env={"POLICYGEN_CHROMIUM": str(tmp_path / "no-such-chromium")})
    if not browser_available() and "Playwright is not installed" in proc.stderr:
        assert proc.returncode == 2
    else:
        assert proc.returncode == 2, proc.stderr
        assert "cannot start Chromium" in proc.stderr and "apt-get install chromium" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (project / "site/index.html").read_bytes() == before
    assert not list((project / "site").rglob("*.pdf"))


# --- 4. sitemap, robots.txt, canonical ------------------------------------------------------

def test_sitemap_lists_current_versions_with_hreflang(project):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    tree = ET.parse(project / "site-sub/sitemap.xml").getroot()
    urls = tree.findall("s:url", ns)
    locs = [u.find("s:loc", ns).text for u in urls]
    assert locs == [SITE_URL, SITE_URL + "en/acme/", SITE_URL + "zh-CN/acme/",
                    SITE_URL + "en/acme/archive/", SITE_URL + "zh-CN/acme/archive/"]
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}|compare|upcoming|draft", loc) for loc in locs)
    en = urls[1]
    assert en.find("s:lastmod", ns).text == "2024-06-01"
    alternates = {a.get("hreflang"): a.get("href") for a in en.findall("x:link", ns)}
    assert alternates == {"en": SITE_URL + "en/acme/", "zh-CN": SITE_URL + "zh-CN/acme/",
                          "x-default": SITE_URL + "en/acme/"}
    assert all(a.get("rel") == "alternate" for a in en.findall("x:link", ns))
    assert not (project / "site-sub/sitemap.xml.gz").exists()  # MkDocs' own (all pages) is not written
    # without site_url (sitemap URLs must be absolute) it lists nothing
    plain = ET.parse(project / "site/sitemap.xml").getroot()
    assert plain.findall("s:url", ns) == []


def test_robots_txt(project):
    sub = (project / "site-sub/robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in sub and f"Sitemap: {SITE_URL}sitemap.xml" in sub
    assert "Disallow: /" not in sub  # noindex pages must stay readable for crawlers
    assert "Sitemap:" not in (project / "site/robots.txt").read_text(encoding="utf-8")


def _head_links(site: Path, path: str):
    soup = BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")
    canonical = soup.find("link", rel="canonical")
    return (canonical["href"] if canonical else None,
            {ln["hreflang"]: ln["href"] for ln in soup.find_all("link", rel="alternate") if ln.get("hreflang")})


def test_canonical_links(project):
    sub = project / "site-sub"
    assert _head_links(sub, "en/acme/2023-01-01")[0] == SITE_URL + "en/acme/"  # superseded -> in force
    assert _head_links(sub, "zh-CN/acme/2023-01-01")[0] == SITE_URL + "zh-CN/acme/"
    assert _head_links(sub, "en/acme")[0] == SITE_URL + "en/acme/"
    assert _head_links(sub, "en/acme/2027-01-15")[0] == SITE_URL + "en/acme/2027-01-15/"  # upcoming: itself
    # hreflang alternates are absolute under site_url
    assert _head_links(sub, "en/acme/2023-01-01")[1] == {"en": SITE_URL + "en/acme/2023-01-01/",
                                                         "zh-CN": SITE_URL + "zh-CN/acme/2023-01-01/"}
    # without site_url the canonical link of a superseded version is relative
    assert _head_links(project / "site", "en/acme/2023-01-01")[0] == "../"
    assert _head_links(project / "site", "en/acme")[0] is None


# --- 5. pull-request workflow: gate, deploy, CI example -------------------------------------

@pytest.fixture
def released(tmp_path) -> Path:
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    project = tmp_path / "proj"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    write(project / "en.md", EN)
    run(["import", "en.md", "--policy", "acme", "--lang", "en"], cwd=project)
    (project / "en.md").unlink()
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release", date="2022-12-16")
    return project


def _add_transfer_en(project: Path) -> None:
    edit(project, "en", "share-data", "---\n\nWe do not sell", "transfers:\n- country: Singapore\n---\n\nWe do not sell")
    edit(project, "en", "share-data", "hosting provider only.", "hosting provider, which stores data in Singapore.")


def test_gate_fails_on_unreleased_notice_change(released):
    ok = run(["gate", "--policy", "acme", "--today", TODAY], cwd=released)
    assert "acme: ok" in ok.stdout
    edit(released, "en", "contact-us", "Write to", "Please write to")  # editorial: no release needed
    assert run(["gate", "--policy", "acme", "--today", TODAY], cwd=released).returncode == 0
    _add_transfer_en(released)
    proc = run(["gate", "--policy", "acme", "--today", TODAY], cwd=released, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "notice-level change since the latest release (2023-01-01) and no release covers it" in proc.stderr
    assert "Singapore" in proc.stderr
    assert "policygen release --policy acme --effective 2026-12-23" in proc.stderr
    assert "Traceback" not in proc.stderr
    # the PR records a release with due notice: the gate passes
    run(["release", "--policy", "acme", "--effective", "2027-01-15", "--today", TODAY], cwd=released)
    commit_all(released, "Release with notice", date="2026-11-23")
    good = run(["gate", "--today", TODAY, "--base", "HEAD~1"], cwd=released)
    assert "new release 2027-01-15: notice, effective 53 days from today" in good.stdout
    # ... but merged too late, the notice period is no longer met
    late = run(["gate", "--today", "2026-12-31", "--base", "HEAD~1"], cwd=released, check=False)
    assert late.returncode == 1
    assert "takes effect 15 day(s) after today" in late.stderr and "2027-01-30 at the earliest" in late.stderr


def test_gate_refuses_a_retroactive_notice_release(released):
    _add_transfer_en(released)
    commit_all(released, "Transfer", date="2026-11-01")
    run(["release", "--policy", "acme", "--effective", "2026-11-02", "--backfill", "--today", TODAY], cwd=released)
    commit_all(released, "Backfilled release", date="2026-11-23")
    proc = run(["gate", "--policy", "acme", "--today", TODAY, "--base", "HEAD~2"], cwd=released, check=False)
    assert proc.returncode == 1 and "already in force" in proc.stderr
    assert run(["gate", "--policy", "acme", "--today", TODAY, "--base", "HEAD~2", "--allow-backfill"],
               cwd=released).returncode == 0
    # without --base, committed releases are not new
    assert run(["gate", "--policy", "acme", "--today", TODAY], cwd=released).returncode == 0


def test_gate_unknown_policy(released):
    proc = run(["gate", "--policy", "nope"], cwd=released, check=False)
    assert proc.returncode == 2 and "there is no policy 'nope'" in proc.stderr


def test_deploy_swaps_atomically(project, tmp_path):
    web = tmp_path / "www" / "legal" / "privacy"
    run(["deploy", "--site", str(project / "site"), "--to", str(web)], cwd=project)
    assert (web / "en/acme/index.html").read_bytes() == (project / "site/en/acme/index.html").read_bytes()
    (web / "stale.html").write_text("old", encoding="utf-8")
    run(["deploy", "--site", str(project / "site-sub"), "--to", str(web)], cwd=project)
    assert not (web / "stale.html").exists()
    assert (web / "sitemap.xml").read_bytes() == (project / "site-sub/sitemap.xml").read_bytes()
    assert sorted(p.name for p in web.parent.iterdir()) == ["privacy"]  # no copies left behind
    # a folder holding something else is not replaced without --force
    other = tmp_path / "other"
    other.mkdir()
    (other / "index.php").write_text("<?php", encoding="utf-8")
    proc = run(["deploy", "--site", str(project / "site"), "--to", str(other)], cwd=project, check=False)
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert (other / "index.php").exists()
    # a web root that is a symbolic link is re-pointed
    link = tmp_path / "current"
    link.symlink_to(web)
    run(["deploy", "--site", str(project / "site"), "--to", str(link)], cwd=project)
    assert link.is_symlink() and (link / "en/acme/index.html").exists()
    assert (web / "sitemap.xml").read_bytes() == (project / "site-sub/sitemap.xml").read_bytes()  # untouched
    run(["deploy", "--site", str(project / "site-sub"), "--to", str(link)], cwd=project)
    copies = [p for p in tmp_path.iterdir() if p.name.startswith(".current.deploy-")]
    assert len(copies) == 1 and link.resolve() == copies[0].resolve()
    # not a built site
    proc = run(["deploy", "--site", str(tmp_path), "--to", str(web)], cwd=project, check=False)
    assert proc.returncode == 2 and "not a built policygen site" in proc.stderr


def test_ci_example_workflow():
    path = ROOT / "examples" / "github-actions" / "policy-review.yml"
    wf = yaml.safe_load(path.read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "pull_request" in on
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    script = "\n".join(str(s.get("run", "")) + str(s.get("with", {}).get("script", "")) for s in steps)
    for command in ("policygen check", "policygen build", "policygen diff latest draft", "--format md",
                    "policygen gate"):
        assert command in script, command
    assert any("comment" in (s.get("name", "") + str(s.get("uses", ""))).lower() for s in steps)
    # The cache folder is kept between runs, and restored before the build.
    cache = next(i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/cache"))
    assert steps[cache]["with"]["path"] == ".policygen-cache" and steps[cache]["with"]["restore-keys"]
    build = next(i for i, s in enumerate(steps) if "policygen build" in str(s.get("run", "")))
    assert cache < build
    # Entries are signed with a repository secret: without it a restored cache is never used.
    assert steps[build]["env"]["POLICYGEN_CACHE_KEY"] == "${{ secrets.POLICYGEN_CACHE_KEY }}"


def test_readme_deploying_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    for needle in ("site_url", "embed.html", "embed.json", "--pdf", "policygen deploy --to", "policygen gate",
                   "policy-review.yml", "sitemap.xml", "robots.txt"):
        assert needle in section, needle
