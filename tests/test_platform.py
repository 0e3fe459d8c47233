"""policygen in the MkDocs ecosystem: added as a plugin to an existing MkDocs + Material site
(its pages kept, the policies under a prefix, tabs, search), ProperDocs as a runner, and the
pins that keep MkDocs 2.0 and Material 10 out. Real git repositories, real `mkdocs build` and
`properdocs build`, the real CLI, a real Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from packaging.requirements import Requirement

from conftest import GIT_ENV, ROOT, commit_all, run, write
from test_browser import CHROMIUM_ARGS, _QuietHandler, browser  # noqa: F401 - the shared browser fixture
from test_bundled_site import AS_OF, full_history
from test_publish import TODAY, make_project

BIN = Path(sys.executable).parent
SITE_URL = "https://docs.example.com/"
PREFIX = "legal/privacy/"
SHOTS = Path("/tmp/policygen-shots")

CONFIG = """site_name: Acme Docs
site_url: {site_url}
docs_dir: docs
theme:
  name: material
  font: false
  features:
    - navigation.tabs
nav:
  - Home: index.md
  - Guide: guide.md
  - Privacy: legal/privacy/index.md
plugins:
  - search
  - policygen:
      src: policy_src
      prefix: {prefix}
"""


def add_docs_site(project: Path, prefix: str = "legal/privacy", site_url: str = SITE_URL) -> None:
    """The web team's site as it was before policygen: a home page, a guide, tabs."""
    write(project / "docs" / "index.md", "# Acme Docs\n\nWelcome to the documentation of Acme's products.\n")
    write(project / "docs" / "guide.md", "# Guide\n\nHow to get started: install Acme, then configure the flux widget.\n")
    write(project / "mkdocs.yml", CONFIG.format(site_url=site_url, prefix=prefix))
    commit_all(project, "The docs site")


def runner(name: str, args, cwd, check=True):
    """`mkdocs` or `properdocs` itself, as a web team runs it."""
    env = {**os.environ, **GIT_ENV, "POLICYGEN_DATE": TODAY, "POLICYGEN_CACHE": "", "NO_MKDOCS_2_WARNING": "1",
           "DISABLE_MKDOCS_2_WARNING": "true"}
    proc = subprocess.run([str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{name} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def existing(tmp_path_factory):
    """(project, site): the docs site with policygen added under /legal/privacy/, built by `mkdocs build`."""
    project = make_project(tmp_path_factory.mktemp("existing"))
    add_docs_site(project)
    site = project.parent / "site"
    runner("mkdocs", ["build", "-q", "-d", str(site)], cwd=project)
    return project, site


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


# --- 1. inside an existing site --------------------------------------------------------------

def test_the_sites_own_pages_and_tabs_are_kept(existing):
    _project, site = existing
    home = page(site, "")
    assert home.h1.get_text(strip=True) == "Acme Docs"
    assert page(site, "guide").h1.get_text(strip=True) == "Guide"
    tabs = {a.get_text(strip=True): a["href"] for a in home.select(".md-tabs a")}
    assert tabs == {"Home": ".", "Guide": "guide/", "Privacy": "legal/privacy/"}
    # nothing of policygen's at the site root (but the robots.txt the site did not have)
    assert not (site / "en").exists() and not (site / "changes.json").exists()


def test_the_policies_live_under_the_prefix(existing):
    _project, site = existing
    index = page(site, "legal/privacy")
    assert {a["href"] for a in index.select(".pg-policies a")} == {"en/acme/", "zh-CN/acme/"}
    for path in ("en/acme", "en/acme/2023-01-01", "en/acme/2027-01-15", "en/acme/archive", "zh-CN/acme/upcoming",
                 "en/acme/compare/2023-01-01...2024-06-01"):
        assert (site / PREFIX / path / "index.html").is_file(), path
    for name in ("feed.xml", "embed.json", "embed.html"):
        assert (site / PREFIX / "en/acme" / name).is_file(), name
    # the site's tabs are on the policy pages too, and lead back to the site
    current = page(site, PREFIX + "en/acme")
    tabs = {a.get_text(strip=True): a["href"] for a in current.select(".md-tabs a")}
    assert tabs["Guide"] == "../../../../guide/" and tabs["Home"] == "../../../.."
    # on every policy page, in the search index or not, the Privacy tab is the active one
    for path in ("", "en/acme", "zh-CN/acme/archive", "en/acme/2023-01-01", "en/acme/compare/2023-01-01...2024-06-01"):
        active = page(site, PREFIX + path).select(".md-tabs__item--active")
        assert [a.get_text(strip=True) for a in active] == ["Privacy"], path
    assert [a.get_text(strip=True) for a in page(site, "guide").select(".md-tabs__item--active")] == ["Guide"]


def test_search_indexes_the_site_and_the_pages_in_force_under_the_prefix(existing):
    _project, site = existing
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    pages = {d["location"] for d in docs if "#" not in d["location"]}
    assert {"", "guide/", PREFIX + "en/acme/", PREFIX + "zh-CN/acme/"} <= pages
    assert not any(re.search(r"\d{4}-\d\d-\d\d|compare|archive", p) for p in pages)  # old versions stay out
    assert any("flux widget" in d["text"] for d in docs if d["location"].startswith("guide/"))
    assert any("hosting provider" in d["text"] for d in docs if d["location"].startswith(PREFIX + "en/acme/"))


def test_sitemaps_robots_changes_feeds_embeds_and_links_carry_the_prefix(existing):
    _project, site = existing
    base = SITE_URL + PREFIX
    # the site's own sitemap stays at its root; policygen's (with hreflang) is under the prefix
    root_locs = {e.text for e in ET.parse(site / "sitemap.xml").iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {SITE_URL, SITE_URL + "guide/", base + "en/acme/"} <= root_locs
    ours = ET.parse(site / PREFIX / "sitemap.xml")
    locs = {e.text for e in ours.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert locs == {base, base + "en/acme/", base + "zh-CN/acme/", base + "en/acme/archive/",
                    base + "zh-CN/acme/archive/"}
    hrefs = {e.get("href") for e in ours.iter("{http://www.w3.org/1999/xhtml}link")}
    assert hrefs and all(h.startswith(base) for h in hrefs)
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {SITE_URL}sitemap.xml" in robots and f"Sitemap: {base}sitemap.xml" in robots
    changes = json.loads((site / PREFIX / "changes.json").read_text(encoding="utf-8"))
    v = changes["policies"][0]["versions"][1]
    assert v["urls"]["en"] == base + "en/acme/2024-06-01/"
    assert v["compare_urls"]["zh-CN"] == base + "zh-CN/acme/compare/2023-01-01...2024-06-01/"
    assert (site / PREFIX / "notice.js").is_file() and not (site / "notice.js").exists()  # beside changes.json
    feed = (site / PREFIX / "en/acme/feed.xml").read_text(encoding="utf-8")
    assert f'href="{base}en/acme/2024-06-01/"' in feed and f"{SITE_URL}en/" not in feed
    embed = json.loads((site / PREFIX / "en/acme/embed.json").read_text(encoding="utf-8"))
    assert embed["url"] == base + "en/acme/2024-06-01/" and embed["archive_url"] == base + "en/acme/archive/"
    old = page(site, PREFIX + "en/acme/2023-01-01")
    assert old.find("link", rel="canonical")["href"] == base + "en/acme/"
    assert {a["href"] for a in old.find_all("link", rel="alternate", hreflang=True)} == {
        base + "en/acme/2023-01-01/", base + "zh-CN/acme/2023-01-01/"}


def test_every_link_in_the_policy_pages_resolves(existing):
    _project, site = existing
    checked = 0
    for html in (site / PREFIX).rglob("index.html"):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link", "script", "img"]):
            ref = tag.get("href") or tag.get("src")
            if not ref or re.match(r"^(https?:|mailto:|#|data:|javascript:)", ref):
                continue
            target = (html.parent / ref.split("#")[0].split("?")[0]).resolve()
            assert target.is_file() or (target / "index.html").is_file(), f"{html.relative_to(site)}: {ref}"
            checked += 1
    assert checked > 100


def test_policygen_build_keeps_the_sites_pages_too(existing, tmp_path):
    project, _site = existing
    out = tmp_path / "site"
    run(["build", "--date", TODAY, "--no-cache", "--out", str(out)], cwd=project)
    assert page(out, "").h1.get_text(strip=True) == "Acme Docs"
    assert (out / "guide/index.html").is_file() and (out / PREFIX / "en/acme/2023-01-01/index.html").is_file()


def test_deploy_takes_a_site_with_the_policies_under_a_prefix(existing, tmp_path):
    project, site = existing
    web = tmp_path / "www"
    run(["deploy", "--site", str(site), "--to", str(web)], cwd=project)
    run(["deploy", "--site", str(site), "--to", str(web)], cwd=project)  # again: it holds a policygen site now
    assert (web / PREFIX / "changes.json").is_file() and (web / "guide/index.html").is_file()
    other = tmp_path / "other"
    write(other / "index.html", "someone else's site")
    proc = run(["deploy", "--site", str(site), "--to", str(other)], cwd=project, check=False)
    assert proc.returncode == 2 and "holds no policygen site" in proc.stderr


def test_a_clash_with_a_site_page_is_an_error_naming_both(tmp_path):
    project = make_project(tmp_path)
    add_docs_site(project)
    write(project / "docs/legal/privacy/en/acme.md", "# Our own privacy page\n")
    out = tmp_path / "site"
    write(out / "index.html", "the site as deployed")
    proc = run(["build", "--date", TODAY, "--no-cache", "--out", str(out)], cwd=project, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "docs/legal/privacy/en/acme.md: error: policygen's page /legal/privacy/en/acme/ would replace this file" \
        in proc.stderr
    assert "mkdocs.yml: error: 1 file(s) of the site clash" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "the site as deployed"
    # plain mkdocs build stops the same way
    proc = runner("mkdocs", ["build", "-q", "-d", str(tmp_path / "m")], cwd=project, check=False)
    assert proc.returncode != 0 and "docs/legal/privacy/en/acme.md" in proc.stderr


def test_the_policies_at_the_site_root_clash_with_nothing_and_replace_no_home_page(tmp_path):
    """No prefix (the default): the site's own home page stays, policygen makes no index."""
    project = make_project(tmp_path)
    add_docs_site(project, prefix="")
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text(encoding="utf-8").replace(
        "legal/privacy/index.md", "en/acme/index.md"), encoding="utf-8")
    out = tmp_path / "site"
    proc = run(["build", "--date", TODAY, "--no-cache", "--out", str(out)], cwd=project)
    assert "DeprecationWarning" not in proc.stderr
    assert page(out, "").h1.get_text(strip=True) == "Acme Docs"
    assert (out / "en/acme/index.html").is_file() and (out / "changes.json").is_file()
    tabs = {a.get_text(strip=True): a["href"] for a in page(out, "").select(".md-tabs a")}
    assert tabs["Privacy"] == "en/acme/"


def test_a_site_index_under_the_prefix_is_kept(tmp_path):
    project = make_project(tmp_path)
    add_docs_site(project)
    write(project / "docs/legal/privacy/index.md", "# Legal at Acme\n\nOur [privacy policy](en/acme/index.md).\n")
    out = tmp_path / "site"
    run(["build", "--date", TODAY, "--no-cache", "--out", str(out)], cwd=project)
    assert page(out, PREFIX).h1.get_text(strip=True) == "Legal at Acme"
    assert (out / PREFIX / "en/acme/index.html").is_file()


@pytest.mark.parametrize("prefix", ["../up", "legal//x/..", "a b", "legal/<x>"])
def test_a_bad_prefix_is_a_clear_error(tmp_path, prefix):
    project = make_project(tmp_path)
    add_docs_site(project, prefix=json.dumps(prefix))
    proc = run(["build", "--date", TODAY, "--no-cache", "--out", str(tmp_path / "site")], cwd=project, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    line = (project / "mkdocs.yml").read_text(encoding="utf-8").split("prefix:")[0].count("\n") + 1
    assert f"mkdocs.yml:{line}: error: plugin policygen: prefix" in proc.stderr and "hint:" in proc.stderr
    assert not (tmp_path / "site").exists()


# --- the existing site in Chromium ---------------------------------------------------------------

@pytest.fixture(scope="module")
def served(existing):
    _project, site = existing
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_existing_site_in_chromium_tabs_search_and_policies(browser, served):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors = []
    for width, height in ((1280, 800), (390, 844)):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        pg = ctx.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(served)
        if width == 1280:
            # the tabs lead to the policies and back
            pg.click(".md-tabs >> text=Privacy")
            pg.wait_for_url(served + PREFIX)
            pg.click(".pg-policies a[href='en/acme/']")
            pg.wait_for_url(served + PREFIX + "en/acme/")
            assert pg.locator("h1").count() == 1
            pg.screenshot(path=str(SHOTS / "existing-site-policy-en-1280.png"), full_page=False)
            pg.click(".md-tabs >> text=Guide")
            pg.wait_for_url(served + "guide/")
            # search finds the guide and the policy in force, under the prefix
            for words, where in (("flux widget", "guide/"), ("hosting provider", PREFIX + "en/acme/")):
                pg.click("input.md-search__input")
                pg.keyboard.press("Control+A")
                pg.keyboard.type(words)  # Material searches as keys are typed
                pg.wait_for_selector(".md-search-result__item a")
                hrefs = pg.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
                assert hrefs and all(h.startswith(served + where) for h in hrefs), (words, hrefs)
            pg.screenshot(path=str(SHOTS / "existing-site-search-1280.png"), full_page=False)
            pg.keyboard.press("Escape")
        pg.goto(served)
        pg.screenshot(path=str(SHOTS / f"existing-site-home-{width}.png"), full_page=False)
        pg.goto(served + PREFIX + "zh-CN/acme/")
        pg.screenshot(path=str(SHOTS / f"existing-site-policy-zh-CN-{width}.png"), full_page=False)
        ctx.close()
    assert not errors, errors


# --- 2. ProperDocs, and the pins ---------------------------------------------------------------

GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def _tree(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): GENERATOR.sub(b"", p.read_bytes())
            for p in sorted(site.rglob("*")) if p.is_file() and not p.name.endswith(".gz")}


@pytest.mark.skipif(not full_history(), reason="the bundled versions need the full git history")
def test_properdocs_build_equals_mkdocs_build_but_the_generator_tag(tmp_path):
    for name in ("mkdocs", "properdocs"):
        proc = subprocess.run([str(BIN / name), "build", "-q", "-d", str(tmp_path / name)], cwd=ROOT,
                              capture_output=True, text=True,
                              env={**os.environ, **GIT_ENV, "POLICYGEN_DATE": AS_OF, "POLICYGEN_CACHE": ""})
        assert proc.returncode == 0, proc.stderr
    mk, pd = _tree(tmp_path / "mkdocs"), _tree(tmp_path / "properdocs")
    assert sorted(mk) == sorted(pd) and len(mk) > 100
    assert [k for k in mk if mk[k] != pd[k]] == []
    # the runner does show in the generator tag, so ProperDocs really did the second build
    tag = GENERATOR.search((tmp_path / "properdocs" / "en/astronergy/index.html").read_bytes()).group()
    assert b"ProperDocs" in tag


def test_properdocs_finds_the_plugin_under_its_own_entry_point():
    proc = subprocess.run([sys.executable, "-c", "import properdocs.plugins as p; ep = p.get_plugins()['policygen']; "
                           "print(ep.group, ep.value)"], capture_output=True, text=True)
    assert proc.stdout.split() == ["properdocs.plugins", "policygen.plugin:PolicygenPlugin"], proc.stderr


NEVER = {"mkdocs": ["2.0", "2.0.0a1", "2.0.0rc1", "2.1.0", "3.0"], "mkdocs-material": ["10.0.0", "10.0.0b1", "11.0"],
         "properdocs": ["2.0", "2.0.0a1"]}
STILL = {"mkdocs": "1.6.1", "mkdocs-material": "9.8.2", "properdocs": "1.6.7"}


def pin_problems(pyproject: str) -> list[str]:
    """What in a pyproject.toml would let MkDocs 2.0, Material 10 or ProperDocs 2 be installed."""
    project = tomllib.loads(pyproject)["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    problems = []
    for name, versions in NEVER.items():
        found = [r for r in reqs if r.name == name]
        if not found:
            problems.append(f"{name} is not a dependency")
        for r in found:
            problems += [f"{r} allows {v}" for v in versions if r.specifier.contains(v, prereleases=True)]
            if not r.specifier.contains(STILL[name]):
                problems.append(f"{r} excludes the supported {STILL[name]}")
    return problems


def test_mkdocs_2_and_material_10_can_never_be_installed():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert pin_problems(text) == []
    # the check itself: loosening any pin is caught
    assert pin_problems(text.replace('"mkdocs>=1.6,<2"', '"mkdocs>=1.6"')) == [
        f"mkdocs>=1.6 allows {v}" for v in NEVER["mkdocs"]]
    assert pin_problems(text.replace("mkdocs-material>=9.5,<10", "mkdocs-material>=9.5,<11"))
    assert pin_problems(text.replace('"properdocs>=1.6,<2"', '"properdocs"'))
    from importlib.metadata import version
    assert int(version("mkdocs").split(".")[0]) < 2 and int(version("mkdocs-material").split(".")[0]) < 10
