"""notice.js on a corporate website's page, in a real Chromium: the host page is served from
127.0.0.1 with the policy site under /legal/privacy/, built by the real CLI from real git
history (acme in en + zh-CN with an upcoming consent version, then a newer notice version;
typo with an upcoming editorial version only). The visitor's clock is set per test."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import EN, ROOT, ZH, GIT_ENV, commit_all, edit, import_texts, new_repo, retranslate, run
from test_browser import LOCAL_HOSTS, SHOTS, Visit, _QuietHandler, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"  # the build date
BEFORE = datetime(2026, 11, 25, 12)  # the visitor's clock: 2027-01-15 is upcoming
AFTER = datetime(2027, 2, 1, 12)  # 2027-01-15 (consent) is in force
CONSENT, NEWER = "2027-01-15", "2027-03-01"
PREFIX = "/legal/privacy/"
MAX_SIZE = 8 * 1024


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict:
    """{"a": the site with the consent version upcoming, "b": after one more notice release,
    "project": the repository (at b)}."""
    root = tmp_path_factory.mktemp("notice")
    project = new_repo(root)
    import_texts(project, {"en": EN, "zh-CN": ZH})
    import_texts(project, {"en": EN}, policy="typo")
    commit_all(project, "Import policies", date="2022-12-15")
    for policy in ("acme", "typo"):
        run(["release", "--policy", policy, "--effective", "2023-01-01", "--backfill", "--today", "2023-01-01"],
            cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")

    # acme: health data, sensitive: consent. typo: emphasis only: editorial.
    edit(project, "en", "data-collect", "---\n\nWe collect",
         "data_categories:\n- name: health data\n  sensitive: true\n---\n\nWe collect")
    edit(project, "en", "data-collect", "when you register.", "when you register, and your heart rate.")
    edit(project, "zh-CN", "data-collect", "---\n\n您注册时",
         "data_categories:\n- name: 健康数据\n  sensitive: true\n---\n\n您注册时")
    edit(project, "zh-CN", "data-collect", "电子邮件地址。", "电子邮件地址，以及您的心率。")
    retranslate(project, "data-collect")
    edit(project, "en", "share-data", "We do not sell", "We do **not** sell", policy="typo")
    commit_all(project, "Collect heart rate; emphasis", date="2026-11-20")
    out = run(["release", "--policy", "acme", "--effective", CONSENT, "--today", TODAY], cwd=project).stdout
    assert "(consent)" in out, out
    out = run(["release", "--policy", "typo", "--effective", CONSENT, "--today", TODAY], cwd=project).stdout
    assert "(editorial)" in out, out
    commit_all(project, f"Release {CONSENT}", date="2026-11-21")
    run(["build", "--date", TODAY, "--out", str(root / "a")], cwd=project)

    # A newer notice-level version: a new contact channel.
    edit(project, "en", "contact-us", "any question.", "any question, or call +49 30 1234567.")
    edit(project, "en", "contact-us", "---\n\nWrite", "contacts:\n- phone: +49 30 1234567\n---\n\nWrite")
    edit(project, "zh-CN", "contact-us", "privacy@example.com。", "privacy@example.com，或致电 +49 30 1234567。")
    edit(project, "zh-CN", "contact-us", "---\n\n如有", "contacts:\n- phone: +49 30 1234567\n---\n\n如有")
    retranslate(project, "contact-us")
    commit_all(project, "Phone line", date="2026-11-22")
    out = run(["release", "--policy", "acme", "--effective", NEWER, "--today", TODAY], cwd=project).stdout
    assert "(notice)" in out or "(consent)" in out, out
    commit_all(project, f"Release {NEWER}", date="2026-11-22")
    run(["build", "--date", TODAY, "--out", str(root / "b")], cwd=project)
    return {"a": root / "a", "b": root / "b", "project": project}


HOST = """<!doctype html>
<html{lang}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example Corp</title><link rel="icon" href="data:,">
<script>
  window.__events = [];
  document.addEventListener("policygen:consent-required", function (e) {{
    window.__events.push(e.detail);
    {cmp}
  }});
</script>
</head>
<body>
<header><a href="#main">Skip to content</a><nav aria-label="Main"><a href="/">Home</a> <a href="#products">Products</a></nav></header>
<main id="main">
  <h1>Solar modules for every roof</h1>
  <p id="products">{filler}</p>
</main>
<footer><p>Example Corp</p></footer>
{script}
</body>
</html>
"""


def host_page(policy="acme", lang="en", src=PREFIX + "notice.js", data_lang=None, cmp=False) -> str:
    attrs = f' data-lang="{data_lang}"' if data_lang else ""
    return HOST.format(lang=f' lang="{lang}"' if lang else "", cmp="e.preventDefault();" if cmp else "",
                       filler="Example Corp makes solar modules. " * 60,
                       script=f'<script src="{src}" data-policy="{policy}"{attrs} defer></script>')


class Web:
    """A web server on 127.0.0.1: host pages at /, the policy site under /legal/privacy/
    (a symbolic link: ``use()`` deploys another build)."""

    def __init__(self, root: Path):
        self.root = root
        (root / "legal").mkdir(parents=True)
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                   functools.partial(_QuietHandler, directory=str(root)))
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.srv.server_port}"

    def use(self, site: Path) -> None:
        tmp = self.root / "legal" / "next"
        tmp.symlink_to(site, target_is_directory=True)
        os.replace(tmp, self.root / "legal" / "privacy")

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return "/" + name

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture(scope="module")
def web(sites, tmp_path_factory):
    w = Web(tmp_path_factory.mktemp("web"))
    w.use(sites["a"])
    yield w
    w.close()


@pytest.fixture
def open_page(browser, web):
    """open_page(path, clock=BEFORE, **context options) -> (page, Visit); afterwards: no
    console errors, no request but to 127.0.0.1, no cookie."""
    contexts = []

    def go(path, clock=BEFORE, **options):
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
        page = ctx.new_page()
        page.clock.set_fixed_time(clock)
        v = Visit(page, web.base)
        contexts.append((ctx, v))
        v.goto(path)
        ready(page)
        return page, v

    yield go
    for ctx, v in contexts:
        assert ctx.cookies() == [], ctx.cookies()
        ctx.close()
        third_party = [u for u in v.requests if urlsplit(u).hostname not in LOCAL_HOSTS]
        assert not third_party, third_party
        assert not v.errors, "\n".join(v.errors)


def ready(page) -> None:
    """changes.json was read and the banner, if any, has slid in."""
    page.wait_for_function("() => window.policygenNotice")
    page.evaluate("""() => window.policygenNotice.ready.then(() => {
        const host = document.querySelector("[data-policygen-notice]");
        return host && Promise.all(host.shadowRoot.querySelector("section").getAnimations().map(a => a.finished));
    })""")


def banner(page):
    return page.locator("[data-policygen-notice] section")


def stored(page) -> dict:
    return page.evaluate("() => Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage[k]]))")


def changes(site: Path) -> dict:
    return json.loads((site / "changes.json").read_text(encoding="utf-8"))


def version(site: Path, policy: str, key: str) -> dict:
    pol = next(p for p in changes(site)["policies"] if p["policy"] == policy)
    return next(v for v in pol["versions"] if v["effective"] == key)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


# --- the file -------------------------------------------------------------------------------

def test_script_is_small_and_self_contained(sites):
    js = (sites["a"] / "notice.js").read_text(encoding="utf-8")
    assert len(js.encode("utf-8")) < MAX_SIZE, len(js.encode("utf-8"))
    assert "cookie" not in js.lower()
    assert not re.search(r"https?://", js), "the script names no host"
    assert "import " not in js and "require(" not in js
    # the same script for every site: what it says comes from changes.json
    assert js == (sites["b"] / "notice.js").read_bytes().decode("utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert '<script src="/legal/privacy/notice.js" data-policy="' in readme
    assert "policygen:consent-required" in readme and "policygenNotice.acknowledge" in readme


def test_changes_json_carries_what_the_script_needs(sites):
    doc = changes(sites["a"])
    assert set(doc["notice_strings"]) == {"en", "zh-CN"}
    v = version(sites["a"], "acme", CONSENT)
    assert v["level"] == "consent" and v["consent_required"] and v["notice_required"]
    assert v["effective_text"] == {"en": "15 January 2027", "zh-CN": "2027年1月15日"}
    assert set(v["content_hashes"]) == set(v["urls"]) == set(v["compare_urls"]) == {"en", "zh-CN"}


# --- in the browser -------------------------------------------------------------------------

def test_upcoming_consent_banner_in_english(open_page, web, sites):
    page, v = open_page(web.page("en.html", host_page()))
    box = banner(page)
    assert box.count() == 1 and box.is_visible()
    assert box.get_attribute("aria-label") == "Privacy policy change"
    assert page.get_by_role("region", name="Privacy policy change").count() == 1
    text = box.inner_text()
    assert "Privacy Policy changes on 15 January 2027." in text, text
    assert "You will be asked for your consent again." in text
    links = {a.inner_text(): a.get_attribute("href") for a in box.locator("a").all()}
    assert links == {"See what changes": f"{web.base}{PREFIX}en/acme/compare/2023-01-01...{CONSENT}/",
                     "Read the new version": f"{web.base}{PREFIX}en/acme/{CONSENT}/"}, links
    # at the bottom of the viewport, over the page: nothing of the page moved
    b = box.bounding_box()
    assert abs(b["y"] + b["height"] - 800) < 1, b
    shifts = page.evaluate("""() => new Promise(done => new PerformanceObserver((list) =>
        done(list.getEntries().reduce((s, e) => s + e.value, 0))).observe({type: "layout-shift", buffered: true})
        || setTimeout(() => done(0), 300))""")
    assert shifts == 0, shifts
    # only the host page, the script and changes.json were requested
    assert [urlsplit(u).path for u in v.requests] == ["/en.html", PREFIX + "notice.js", PREFIX + "changes.json"]
    shot(page, "notice-en-1280.png")
    page.set_viewport_size({"width": 390, "height": 800})
    shot(page, "notice-en-390.png")
    box.get_by_role("link", name="See what changes").click()
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path == f"{PREFIX}en/acme/compare/2023-01-01...{CONSENT}/"
    assert page.locator("h1").count() == 1


def test_banner_in_chinese_from_html_lang_data_lang_and_browser(open_page, web):
    page, _ = open_page(web.page("zh.html", host_page(lang="zh-CN")))
    text = banner(page).inner_text()
    assert "隐私政策将于2027年1月15日更新。" in text and "届时我们将再次征求您的同意。" in text, text
    assert banner(page).get_attribute("lang") == "zh-CN"
    assert banner(page).locator("a").first.get_attribute("href").endswith(f"{PREFIX}zh-CN/acme/compare/2023-01-01...{CONSENT}/")
    shot(page, "notice-zh-1280.png")
    page.set_viewport_size({"width": 390, "height": 800})
    shot(page, "notice-zh-390.png")
    # data-lang wins over the page's language; a region subtag matches (en-GB: en)
    page, _ = open_page(web.page("zh-data-en.html", host_page(lang="zh-CN", data_lang="en-GB")))
    assert "15 January 2027" in banner(page).inner_text()
    # no lang on the page: the browser's languages
    page, _ = open_page(web.page("nolang.html", host_page(lang="")), locale="zh-CN")
    assert "2027年1月15日" in banner(page).inner_text()


def test_dismiss_stores_only_the_hash_and_a_newer_version_shows_again(open_page, web, sites):
    page, _ = open_page(web.page("en.html", host_page()))
    assert stored(page) == {}
    banner(page).get_by_role("button", name="Dismiss").click()
    assert banner(page).count() == 0
    want = version(sites["a"], "acme", CONSENT)["content_hashes"]["en"]
    assert stored(page) == {"policygen-notice:acme": want}
    page.reload()
    ready(page)
    assert banner(page).count() == 0
    try:
        web.use(sites["b"])  # the next deploy adds a newer notice version
        page.reload()
        ready(page)
        assert banner(page).is_visible()
        assert "changes on 1 March 2027" in banner(page).inner_text()
    finally:
        web.use(sites["a"])


def test_nothing_for_an_editorial_version(open_page, web):
    page, _ = open_page(web.page("typo.html", host_page(policy="typo")))
    assert page.locator("[data-policygen-notice]").count() == 0
    assert page.evaluate("() => window.policygenNotice.consentRequired") is None
    page, _ = open_page(web.page("typo.html", host_page(policy="typo")), clock=AFTER)
    assert page.locator("[data-policygen-notice]").count() == 0


def test_consent_version_in_force_fires_the_event(open_page, web, sites):
    want = version(sites["a"], "acme", CONSENT)["content_hashes"]["en"]
    page, _ = open_page(web.page("en.html", host_page()), clock=AFTER)
    events = page.evaluate("() => window.__events")
    assert events == [{"policy": "acme", "version": CONSENT, "effective": CONSENT, "content_hash": want,
                       "level": "consent", "lang": "en", "url": f"{web.base}{PREFIX}en/acme/{CONSENT}/",
                       "reasons_url": f"{web.base}{PREFIX}en/acme/compare/2023-01-01...{CONSENT}/"}], events
    # nobody took it over: our banner says it changed
    assert "changed on 15 January 2027. The changes need your consent." in banner(page).inner_text()

    # a consent manager that takes over: no banner of ours; it records consent against the hash
    page, _ = open_page(web.page("cmp.html", host_page(cmp=True)), clock=AFTER)
    assert page.evaluate("() => window.__events.length") == 1
    assert banner(page).count() == 0
    assert page.evaluate(f"() => window.policygenNotice.acknowledge({want!r})") is True
    assert page.evaluate("() => window.policygenNotice.consentRequired") is None
    assert stored(page) == {"policygen-notice:acme": want, "policygen-consent:acme": want}
    page.reload()
    ready(page)
    assert page.evaluate("() => window.__events") == []
    assert banner(page).count() == 0
    assert page.evaluate("() => window.policygenNotice.acknowledge('1999-01-01')") is False
    # acknowledging the upcoming notice was not consent: once in force, the event comes
    page, _ = open_page(web.page("en.html", host_page()))
    banner(page).get_by_role("button", name="Dismiss").click()
    page.clock.set_fixed_time(AFTER)
    page.reload()
    ready(page)
    assert len(page.evaluate("() => window.__events")) == 1 and banner(page).count() == 0


def test_keyboard_reduced_motion_and_custom_properties(open_page, web):
    page, _ = open_page(web.page("en.html", host_page()), reduced_motion="reduce")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.shadowRoot && "
                            "document.activeElement.shadowRoot.activeElement.textContent")
    assert focused == "See what changes", focused
    outline = page.evaluate("() => getComputedStyle(document.activeElement.shadowRoot.activeElement).outlineStyle")
    assert outline == "solid"
    section = banner(page)
    assert section.evaluate("(el) => getComputedStyle(el).animationName") == "none"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # on Dismiss
    assert section.count() == 0
    page, _ = open_page(web.page("styled.html", host_page().replace(
        "</head>", "<style>:root{--policygen-notice-bg:#ffffff;--policygen-notice-fg:#111111}</style></head>")))
    assert banner(page).evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
    assert banner(page).evaluate("(el) => getComputedStyle(el).animationName") == "pgn"


def test_silent_without_changes_json(open_page, web):
    lone = web.root / "lone"
    lone.mkdir(exist_ok=True)
    shutil.copy(web.root / "legal" / "privacy" / "notice.js", lone / "notice.js")
    page, v = open_page(web.page("lone.html", host_page(src="/lone/notice.js")))
    assert page.locator("[data-policygen-notice]").count() == 0
    assert page.evaluate("() => window.policygenNotice.consentRequired") is None
    # the browser itself logs the 404 of changes.json; the script adds nothing
    assert all("404" in e and "Failed to load resource" in e for e in v.errors), v.errors
    v.errors.clear()


def test_serve_offers_a_demo_host_page(sites, browser, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "policygen"
    proc = subprocess.Popen([str(exe), "serve", "-a", f"127.0.0.1:{port}", "--date", TODAY], cwd=sites["project"],
                            env={**os.environ, **GIT_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/notice-demo/") as resp:
                    html = resp.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "policygen serve did not start"
                time.sleep(0.5)
        assert 's.src = "../notice.js"' in html  # the script element is made in the page, per pick
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            page = ctx.new_page()
            page.clock.set_fixed_time(BEFORE)
            v = Visit(page, base)
            v.goto("/notice-demo/?policy=acme&lang=zh-CN")
            ready(page)
            assert "2027年1月15日" in banner(page).inner_text()
            assert '<script src="' + base + '/notice.js" data-policy="acme" defer></script>' in \
                page.locator("#pg-demo-include").inner_text()
            shot(page, "notice-demo-zh.png")
            # the stand-in consent manager takes over a consent version in force
            page.clock.set_fixed_time(AFTER)
            v.goto("/notice-demo/?policy=acme&lang=en")
            ready(page)
            assert banner(page).count() == 0
            assert '"content_hash"' in page.locator("#pg-demo-log").inner_text()
            page.get_by_role("button", name="Record consent").click()
            page.wait_for_function("() => document.getElementById('pg-demo-log').textContent.startsWith('Consent recorded')")
            shot(page, "notice-demo-en.png")
            assert not v.errors, v.errors
            assert all(urlsplit(u).hostname in LOCAL_HOSTS for u in v.requests)
        finally:
            ctx.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_host_page_with_the_banner_passes_axe(open_page, web):
    from axe import violations

    for name, lang in (("en.html", "en"), ("zh.html", "zh-CN")):
        page, _ = open_page(web.page(name, host_page(lang=lang)))
        assert banner(page).is_visible()
        assert violations(page) == [], lang
        page.set_viewport_size({"width": 390, "height": 800})
        assert violations(page) == [], lang
    # axe reads the banner inside its shadow root: a link colour without contrast is found
    page, _ = open_page(web.page("grey.html", host_page().replace(
        "</head>", "<style>:root{--policygen-notice-link:#333333}</style></head>")))
    assert any(v.startswith("color-contrast") for v in violations(page))


def test_a_version_in_force_since_the_last_acknowledged_one(open_page, web, sites):
    later = datetime(2027, 6, 1, 12)  # 1 March 2027 (notice) took effect more than notice_days ago
    web.use(sites["b"])
    try:
        # a first visit long after: no banner for an old change, but the consent manager hears
        page, _ = open_page(web.page("en.html", host_page()), clock=later)
        assert banner(page).count() == 0
        assert page.evaluate("() => window.__events.map(e => e.version)") == [CONSENT]
        # a visitor who acknowledged 15 January 2027 is told of 1 March 2027, however long ago
        page.evaluate(f"() => localStorage.setItem('policygen-notice:acme', "
                      f"{version(sites['b'], 'acme', CONSENT)['content_hashes']['en']!r})")
        page.reload()
        ready(page)
        assert "Privacy Policy changed on 1 March 2027." in banner(page).inner_text()
        assert banner(page).get_by_role("link", name="See what changed").get_attribute("href").endswith(
            f"{PREFIX}en/acme/compare/{CONSENT}...{NEWER}/")
    finally:
        web.use(sites["a"])


def test_styled_under_a_strict_content_security_policy(open_page, web):
    csp = ('<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; '
           'script-src \'self\' \'unsafe-inline\'; style-src \'self\'; img-src data:">')
    page, _ = open_page(web.page("csp.html", host_page().replace("</title>", "</title>" + csp)))
    assert banner(page).evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(31, 41, 55)"
    assert banner(page).evaluate("(el) => getComputedStyle(el.getRootNode().host).position") == "fixed"
