"""The built site in a real Chromium (Playwright, sync API): what a reader sees and clicks.

One realistic site is built once per module (the ST Machinery seed in en + zh-CN, two past
versions and one upcoming notice-level version) and served from 127.0.0.1; one browser is
shared by every test. Screenshots for humans land in /tmp/policygen-shots/.

Without Chromium or Playwright the tests are skipped, unless POLICYGEN_REQUIRE_BROWSER=1
(CI) makes a missing browser a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import GIT_ENV, SEEDS, commit_all, git, hash_line, run, write

pytestmark = pytest.mark.browser

POLICY = "stm"
TODAY = "2026-11-23"
UPCOMING = "2027-01-15"  # > notice_days (30) after TODAY
SHOTS = Path("/tmp/policygen-shots")
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# A short zh-CN translation of each clause of the imported seed: (title, body).
ZH = {
    "introduction": ("引言", "艾仕缇机械科技（佛山）有限公司尊重您的隐私。如对本政策有任何疑问，请发送邮件至 info@st-one.cn。"),
    "collection-use-personal-information": ("个人信息的收集和使用", "我们可能为履行订单或合同、提供服务和售后服务等目的收集您的个人信息。"),
    "sharing-transfer-disclosure-personal": ("个人信息的共享、转让和披露", "我们在共享、转让或披露您的个人信息时遵循最小化原则。"),
    "access-management-personal-information": ("个人信息的访问和管理", "您可以访问、更正、删除您的个人信息，或要求数据可携带。"),
    "protection-storage-personal-information": ("个人信息的保护和存储", "我们采取物理、管理和技术措施保护您的个人信息。"),
    "protection-children-personal-information": ("儿童个人信息的保护", "未经父母或监护人事先同意，我们不会有意收集儿童的个人信息。"),
    "cross-border-transfer-personal": ("个人信息的跨境传输", "一般情况下，我们在中国境内处理您的个人信息。"),
    "update-this-policy": ("本政策的更新", "我们可能不时更新本政策，并及时通知您。"),
    "contact-us": ("联系我们", "如有任何问题，请发送邮件至 info@st-one.cn。我们将在三十天内答复。"),
}


# --- the site -----------------------------------------------------------------------------

def _clause(project: Path, lang: str, cid: str) -> Path:
    return project / "policy_src" / POLICY / lang / f"{cid}.md"


def _edit(project: Path, lang: str, cid: str, old: str, new: str) -> None:
    p = _clause(project, lang, cid)
    text = p.read_text(encoding="utf-8")
    assert old in text, (old, text)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _source_hash(project: Path, cid: str) -> str:
    from policygen.fragments import parse_clause
    from policygen.lint import source_hash

    clause = parse_clause(_clause(project, "en", cid).read_text(encoding="utf-8"), cid, [])
    return source_hash(clause)


def _translate(project: Path, cid: str, title: str, body: str, facts: str = "") -> None:
    """Write the zh-CN clause, recording the hash of the en clause it translates."""
    write(_clause(project, "zh-CN", cid),
          f"---\nid: {cid}\ntitle: {title}\n{hash_line(_source_hash(project, cid))}\n{facts}---\n\n{body}\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    root = tmp_path_factory.mktemp("browser")
    project = root / "proj"
    (project / "policy_src").mkdir(parents=True)
    git(project, "init", "-q", "-b", "main")

    # 2023-01-01: the seed as imported, with a zh-CN translation.
    run(["import", str(SEEDS / "st-machinery-privacy-policy.txt"), "--policy", POLICY, "--lang", "en"], cwd=project)
    manifest_path = project / "policy_src" / POLICY / "policy.yml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    manifest["title"]["zh-CN"] = "隐私政策"
    manifest["languages"] = ["en", "zh-CN"]
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert set(manifest["clauses"]) == set(ZH), manifest["clauses"]
    for cid, (title, body) in ZH.items():
        _translate(project, cid, title, body)
    check = run(["check"], cwd=project)
    assert "stale translation" not in check.stdout, check.stdout
    commit_all(project, "Import the ST Machinery policy", date="2022-12-15")
    run(["release", "--policy", POLICY, "--effective", "2023-01-01", "--backfill", "--today", "2023-01-01"],
        cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")

    # 2024-06-01: a clarified contact clause.
    _edit(project, "en", "contact-us", "We will reply within 30 days.",
          "We will reply within 30 days. You may also write to our data protection officer at dpo@st-one.cn.")
    _translate(project, "contact-us", "联系我们",
               "如有任何问题，请发送邮件至 info@st-one.cn，或联系我们的数据保护官 dpo@st-one.cn。我们将在三十天内答复。")
    commit_all(project, "Add the DPO contact", date="2024-05-01")
    run(["release", "--policy", POLICY, "--effective", "2024-06-01", "--backfill", "--today", "2024-06-01"],
        cwd=project)
    commit_all(project, "Release 2024-06-01", date="2024-05-02")

    # 2027-01-15 (upcoming at build time): a new data category and a new transfer destination.
    cid = "collection-use-personal-information"
    _edit(project, "en", cid, "title: Collection and Use of Personal Information\n",
          "title: Collection and Use of Personal Information\ndata_categories:\n- name: precise location\n")
    _edit(project, "en", cid, "We may collect your personal information for the following purposes:",
          "When you use our service app we also collect the precise location of your machines.\n\n"
          "We may collect your personal information for the following purposes:")
    _translate(project, cid, ZH[cid][0], ZH[cid][1] + "\n\n当您使用我们的服务应用时，我们还会收集您设备的精确位置。",
               facts="data_categories:\n- name: 精确位置\n")
    cid = "cross-border-transfer-personal"
    _edit(project, "en", cid, "title: Cross-border Transfer of Personal Information\n",
          "title: Cross-border Transfer of Personal Information\ntransfers:\n- country: Germany\n")
    _edit(project, "en", cid, "Generally, STMT will process your personal information in P.R. China.",
          "STMT stores your personal information in P.R. China and, for service records, with our parent "
          "company in Germany.")
    _translate(project, cid, ZH[cid][0], "我们在中国境内存储您的个人信息，服务记录由我们位于德国的母公司存储。",
               facts="transfers:\n- country: 德国\n")
    commit_all(project, "Collect machine location; store service records in Germany", date="2026-11-20")
    out = run(["release", "--policy", POLICY, "--effective", UPCOMING, "--today", TODAY], cwd=project).stdout
    assert "(notice)" in out or "(consent)" in out, out
    commit_all(project, f"Release {UPCOMING}", date="2026-11-21")

    out_dir = root / "site"
    run(["build", "--date", TODAY, "--out", str(out_dir), "--draft"], cwd=project)
    return out_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


# --- the browser --------------------------------------------------------------------------

def _missing(why: str):
    if os.environ.get("POLICYGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why} (POLICYGEN_REQUIRE_BROWSER=1: a browser is required)", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install playwright)")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        _missing("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken browser install is "missing" too
            _missing(f"Chromium does not start: {exc}")
        yield b
        b.close()


class Visit:
    """A page plus everything it did: console errors, page errors, requests."""

    def __init__(self, page, base_url):
        self.page, self.base_url = page, base_url
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text} @ {page.url}"))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e} @ {page.url}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def goto(self, path: str):
        resp = self.page.goto(self.base_url + path)
        assert resp is not None and resp.ok, f"{path}: HTTP {resp and resp.status}"
        return self.page

    def path(self) -> str:
        u = urlsplit(self.page.url)
        return u.path + (f"#{u.fragment}" if u.fragment else "")


@pytest.fixture
def visit(browser, base_url):
    """A fresh page; after the test: no console errors and no third-party requests, ever."""
    ctx = browser.new_context(viewport=VIEWPORT)
    v = Visit(ctx.new_page(), base_url)
    yield v
    ctx.close()
    assert v.requests, "no request was recorded"
    third_party = [u for u in v.requests if not u.startswith("data:") and urlsplit(u).hostname not in LOCAL_HOSTS]
    assert not third_party, f"requests to third-party hosts: {third_party}"
    assert not v.errors, "\n".join(v.errors)


def _shot(page, name: str) -> None:
    """The whole page, and what a reader sees first (name-top.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.screenshot(path=str(SHOTS / name.replace(".png", "-top.png")))


def _css(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).getPropertyValue({prop!r})")


# --- tests --------------------------------------------------------------------------------

def test_current_page_shows_version_in_force(visit):
    page = visit.goto(f"/en/{POLICY}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text().strip() == "Privacy policy"
    # The 2024-06-01 text is in force; the upcoming 2027 text is not shown as the policy.
    contact = page.locator("section.pg-clause#contact-us")
    assert "dpo@st-one.cn" in contact.inner_text()
    assert "2024" in page.locator(".pg-effective time").inner_text()
    assert page.locator(".pg-effective time").get_attribute("datetime") == "2024-06-01"
    assert "precise location of your machines" not in page.locator("section.pg-clause").all_inner_texts()[1]
    assert page.locator('meta[name="robots"]').count() == 0
    alternates = {el.get_attribute("hreflang"): el.get_attribute("href")
                  for el in page.locator('link[rel="alternate"][hreflang]').all()}
    assert {"en", "zh-CN"} <= set(alternates), alternates
    # The language switcher is one line of links, not a stacked list.
    tops = {round(b["y"]) for b in (li.bounding_box() for li in page.locator(".pg-languages > li").all())}
    assert len(tops) == 1, f"language links are not laid out inline: {tops}"
    # The alternate points at the zh-CN current page.
    assert urlsplit(page.evaluate("(h) => new URL(h, location.href).href", alternates["zh-CN"])).path \
        == f"/zh-CN/{POLICY}/"
    _shot(page, "current-en.png")


def test_current_page_zh(visit):
    page = visit.goto(f"/zh-CN/{POLICY}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").count() == 1
    assert "dpo@st-one.cn" in page.locator("section.pg-clause#contact-us").inner_text()
    assert "2024年6月1日" in page.locator(".pg-effective").inner_text()
    _shot(page, "current-zh-CN.png")


def test_language_switch_keeps_version_and_clause(visit):
    page = visit.goto(f"/en/{POLICY}/2023-01-01/#contact-us")
    page.locator('.pg-controls a.pg-lang-link[hreflang="zh-CN"]').click()
    page.wait_for_url(re.compile(r".*/zh-CN/.*"))
    page.wait_for_load_state("load")
    assert visit.path() == f"/zh-CN/{POLICY}/2023-01-01/#contact-us"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".pg-effective time").get_attribute("datetime") == "2023-01-01"
    # The reader lands on the same clause, not at the top of the page.
    box = page.locator("section.pg-clause#contact-us").bounding_box()
    assert box is not None and 0 <= box["y"] < VIEWPORT["height"], box


def test_version_selector_opens_older_version(visit):
    page = visit.goto(f"/en/{POLICY}/")
    menu = page.locator("details.pg-versions")
    link = menu.locator("a", has_text=re.compile(r"2023"))
    assert not link.first.is_visible()
    menu.locator("summary").click()
    assert menu.get_attribute("open") is not None
    link.first.click()
    page.wait_for_url(re.compile(r".*/2023-01-01/$"))
    assert visit.path() == f"/en/{POLICY}/2023-01-01/"
    assert page.locator(".pg-effective time").get_attribute("datetime") == "2023-01-01"
    assert "dpo@st-one.cn" not in page.locator("section.pg-clause#contact-us").inner_text()


def test_superseded_page_banner_and_noindex(visit):
    page = visit.goto(f"/en/{POLICY}/2023-01-01/")
    banner = page.locator(".pg-banner--superseded")
    assert banner.is_visible()
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    _shot(page, "superseded-en.png")
    banner.locator("a").click()
    page.wait_for_load_state("load")
    assert visit.path() == f"/en/{POLICY}/"
    assert page.locator(".pg-banner--superseded").count() == 0


def test_major_change_notice_above_the_fold(visit):
    page = visit.goto(f"/en/{POLICY}/")
    notice = page.locator(".pg-notice")
    assert notice.count() == 1 and notice.is_visible()
    box = notice.bounding_box()
    assert box is not None and box["y"] < VIEWPORT["height"], box
    assert "2027" in notice.inner_text()
    assert re.search(r"\.\s+See what changes", notice.inner_text()), notice.inner_text()
    link = notice.locator(f'a[href*="compare/2024-06-01...{UPCOMING}"]')
    assert link.count() == 1
    link.click()
    page.wait_for_load_state("load")
    assert visit.path() == f"/en/{POLICY}/compare/2024-06-01...{UPCOMING}/"
    assert page.locator("ins").count() > 0


def test_compare_page_redline_and_side_by_side(visit):
    page = visit.goto(f"/en/{POLICY}/compare/2024-06-01...{UPCOMING}/")
    assert page.locator("h1").count() == 1
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    # Redlines do not rely on colour alone: insertions underlined, deletions struck through.
    ins, dels = page.locator(".pg-inline ins"), page.locator(".pg-inline del")
    assert ins.count() > 0 and dels.count() > 0
    assert any(t.strip() for t in ins.all_inner_texts()), ins.all_inner_texts()
    assert any(t.strip() for t in dels.all_inner_texts()), dels.all_inner_texts()
    assert "Germany" in " ".join(ins.all_inner_texts())
    for el in ins.all():
        assert "underline" in _css(el, "text-decoration-line"), el.inner_text()
    for el in dels.all():
        assert "line-through" in _css(el, "text-decoration-line"), el.inner_text()
    _shot(page, "compare-en.png")

    sbs = page.locator(".pg-sbs").first
    assert not sbs.is_visible()
    page.locator('button.pg-view[data-view="side"]').click()
    assert sbs.is_visible()
    assert _css(sbs, "display") == "grid"
    assert page.locator('button.pg-view[data-view="side"]').get_attribute("aria-pressed") == "true"
    assert not page.locator(".pg-inline").first.is_visible()
    # Made in the browser from each redline: before = without insertions, after = without deletions.
    assert page.locator(".pg-sbs").count() == page.locator(".pg-inline").count()
    old, new = page.locator(".pg-sbs__old"), page.locator(".pg-sbs__new")
    assert old.first.locator(".pg-sbs__head").inner_text() == "Before"
    assert new.first.locator(".pg-sbs__head").inner_text() == "After"
    assert page.locator(".pg-sbs__old del").count() > 0 and page.locator(".pg-sbs__old ins").count() == 0
    assert page.locator(".pg-sbs__new ins").count() > 0 and page.locator(".pg-sbs__new del").count() == 0
    assert "Germany" in " ".join(new.all_inner_texts()) and "Germany" not in " ".join(old.all_inner_texts())
    _shot(page, "compare-en-side-by-side.png")
    page.locator('button.pg-view[data-view="inline"]').click()
    assert page.locator(".pg-inline").first.is_visible() and not sbs.is_visible()
    page.locator('button.pg-view[data-view="side"]').click()  # made once: shown again, not made twice
    assert page.locator(".pg-sbs").count() == page.locator(".pg-inline").count() and sbs.is_visible()


def test_compare_page_zh(visit):
    page = visit.goto(f"/zh-CN/{POLICY}/compare/2024-06-01...{UPCOMING}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".pg-inline ins").count() > 0
    _shot(page, "compare-zh-CN.png")


def test_print_hides_site_chrome(visit):
    page = visit.goto(f"/en/{POLICY}/")
    assert _css(page.locator(".pg-controls"), "display") != "none"
    page.emulate_media(media="print")
    for sel in (".md-header", ".pg-controls"):
        assert _css(page.locator(sel).first, "display") == "none", sel
    assert page.locator(".pg-notice").is_visible()
    assert page.locator("section.pg-clause").first.is_visible()
    _shot(page, "print-en.png")


def test_archive_and_home_pages_load_cleanly(visit):
    page = visit.goto("/")
    assert page.locator("h1").count() == 1
    page = visit.goto(f"/en/{POLICY}/archive/")
    assert page.locator("h1").count() == 1
    assert page.locator(".pg-archive-table tbody tr").count() == 3
    page = visit.goto(f"/zh-CN/{POLICY}/upcoming/")
    assert page.locator(".pg-banner--upcoming").is_visible()
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"


# --- navigation and phones ----------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
# Every page type, in each language ({l}); the home page is one for the site.
PAGE_TYPES = {"current": "/{l}/stm/", "superseded": "/{l}/stm/2023-01-01/", "upcoming": "/{l}/stm/upcoming/",
              "draft": "/{l}/stm/draft/", "archive": "/{l}/stm/archive/",
              "compare": f"/{{l}}/stm/compare/2024-06-01...{UPCOMING}/", "home": "/", "404": "/404.html"}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("kind", ["current", "superseded", "draft", "compare"])
def test_contents_sidebar_and_skip_link(visit, kind, lang):
    page = visit.goto(PAGE_TYPES[kind].format(l=lang))
    toc = page.locator(".md-sidebar--secondary [data-md-component=toc] a.md-nav__link")
    targets = [a.get_attribute("href") for a in toc.all()]
    if kind == "compare":  # the changed clauses
        assert targets == ["#" + s.get_attribute("id") for s in page.locator("section.pg-change").all()]
        assert len(targets) == 2, targets
    else:
        assert targets == ["#" + s.get_attribute("id") for s in page.locator("section.pg-clause").all()]
        assert len(targets) == len(ZH), targets
    assert toc.first.is_visible()
    if lang == "zh-CN" and kind != "compare":
        assert toc.first.inner_text().startswith("一、"), toc.first.inner_text()
    # The first Tab shows the skip link; following it moves past the header to the article.
    page.keyboard.press("Tab")
    skip = page.locator("a.md-skip")
    assert page.evaluate("document.activeElement.classList.contains('md-skip')")
    assert skip.is_visible() and skip.get_attribute("href") == "#pg-main"
    page.keyboard.press("Enter")
    assert visit.path().endswith("#pg-main")
    assert page.locator("article#pg-main h1").count() == 1


def test_contents_in_the_drawer_on_phones(browser, base_url):
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.goto(base_url + f"/zh-CN/{POLICY}/")
    assert not page.locator(".md-sidebar--secondary").is_visible()
    links = page.locator(".pg-drawer a.pg-drawer__link")
    assert links.count() == len(ZH)
    box = links.first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0, f"the closed drawer is on screen: {box}"
    page.locator('label.md-header__button[for="__drawer"]').click()
    page.wait_for_function("document.querySelector('a.pg-drawer__link').getBoundingClientRect().left >= 0")
    _shot(page, "drawer-zh-CN-390.png")
    links.nth(8).click()
    page.wait_for_function("!document.getElementById('__drawer').checked")
    assert page.url.endswith("#contact-us")
    box = page.locator("#contact-us").bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"], box
    ctx.close()


def test_summary_is_a_short_overview(visit):
    page = visit.goto(f"/en/{POLICY}/upcoming/")
    ds = page.locator("details.pg-ds")
    assert ds.get_attribute("open") is None
    assert "1 sensitive: precise location" in ds.locator("summary").inner_text()
    assert not page.locator(".pg-ds__table").is_visible()
    # The policy text starts on the first screen.
    first = page.locator("section.pg-clause h2").first.bounding_box()
    assert first is not None and first["y"] < VIEWPORT["height"], first
    ds.locator("summary").click()
    assert page.locator(".pg-ds__table").is_visible()
    assert page.locator(".pg-ds__table a", has_text="precise location").count() == 1


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_no_horizontal_overflow_on_phones(browser, base_url, lang):
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    wide = {}
    for kind, path in PAGE_TYPES.items():
        page.goto(base_url + path.format(l=lang))
        views = [kind]
        if kind == "compare":
            page.locator('button.pg-view[data-view="side"]').click()
            views.append("compare side by side")
        if kind == "upcoming":
            page.locator("details.pg-ds summary").click()
            views.append("summary open")
        for view in views[-1:] if len(views) > 1 else views:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[view] = width
        _shot(page, f"phone-{kind}-{lang}.png")
    ctx.close()
    assert not wide, f"wider than the screen at 390 px: {wide}"


# --- accessibility (axe-core from the npm registry: tests/axe.py) ------------------------------

def _axe(page) -> list[str]:
    """Serious and critical violations of axe-core's default rules on the page as it is now."""
    from axe import violations

    return violations(page)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_axe_finds_nothing_serious_on_any_page_type(browser, base_url, lang, width):
    ctx = browser.new_context(viewport={"width": width, "height": 844})
    page = ctx.new_page()
    found = {}
    for kind, path in PAGE_TYPES.items():
        page.goto(base_url + path.format(l=lang))
        states = [kind]
        if kind == "compare":
            found[kind] = _axe(page)
            page.locator('button.pg-view[data-view="side"]').click()
            page.mouse.move(0, 0)
            page.wait_for_timeout(300)  # Material's own transitions (hover, focus) settle
            states = ["compare side by side"]
        if kind == "upcoming":
            page.locator("details.pg-ds summary").click()  # the full data-practices table
        if kind == "current":  # Material's search dialog, open
            page.keyboard.press("/")  # Material's shortcut
            page.wait_for_function("document.getElementById('__search').checked")
            page.wait_for_timeout(400)  # the dialog's opening transition (opacity) settles
        found[states[0]] = _axe(page)
    ctx.close()
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}: {x}" for k, v in bad.items() for x in v)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_embed_inside_a_host_page(browser, site, lang):
    """The embed fragment as a corporate site places it: inside a minimal host page."""
    fragment = (site / lang / POLICY / "embed.html").read_text(encoding="utf-8")
    host = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example Corp</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><header><p>Example Corp</p></header><main><h1>Legal</h1>{fragment}</main></body></html>")
    for width in (1280, 390):
        ctx = browser.new_context(viewport={"width": width, "height": 844})
        page = ctx.new_page()
        page.set_content(host)
        assert not _axe(page), _axe(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ctx.close()


def test_keyboard_reaches_every_control_with_visible_focus(visit):
    page = visit.goto(f"/en/{POLICY}/upcoming/")
    reached, unseen = [], []
    for _ in range(60):
        page.keyboard.press("Tab")
        el = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {tag: e.tagName, cls: e.className || '', text: (e.innerText || e.value || '').trim().slice(0, 40),
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                    visible: !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)} }""")
        if el["tag"] == "BODY":
            break
        reached.append(el)
        if el["visible"] and not el["outline"]:
            unseen.append(el)
    classes = " ".join(str(e["cls"]) for e in reached)
    texts = [e["text"] for e in reached]
    assert "md-skip" in reached[0]["cls"], reached[0]
    # the banner's link, the version menu, the languages, the archive, the summary, the clauses' anchors
    for expected in ("Read the version in force", "All versions", "简体中文"):
        assert any(expected in t for t in texts), (expected, texts)
    assert any(e["tag"] == "SUMMARY" for e in reached), texts
    assert "pg-lang-link" in classes
    assert not unseen, f"focused without a visible outline: {unseen}"


# --- what readers read --------------------------------------------------------------------

# Reader-facing text of a page: the article without the reviewers' block.
READER_TEXT = """() => { const a = document.querySelector('article#pg-main').cloneNode(true);
    a.querySelectorAll('details.pg-review').forEach(e => e.remove()); return a.innerText; }"""


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_readers_see_sentences_not_rule_ids(visit, lang):
    from policygen.classify import RULES

    rule_ids = {r.id for r in RULES} | {"text-ambiguous", "text-contact-detail", "text-clarification", "title-changed"}
    for kind in ("current", "archive", "compare", "draft", "upcoming"):
        page = visit.goto(PAGE_TYPES[kind].format(l=lang))
        text = page.evaluate(READER_TEXT)
        found = sorted(r for r in rule_ids if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text))
        assert not found, (kind, found)
        assert not re.search(r"\b(under (gdpr|pipl|ccpa)|escalated until)\b|[{}]", text), (kind, text)
        if kind == "compare":
            # the reviewers still find the rules and regimes, one click away
            review = page.locator("details.pg-review")
            assert review.get_attribute("open") is None
            assert "transfer-added" in review.text_content() and "under gdpr" in review.text_content()
            reasons = page.locator(".pg-reasons li").all_inner_texts()
            assert any(("Germany" if lang == "en" else "德国") in r for r in reasons), reasons


# Words a Chinese page may show in Latin letters: the policy's own names, addresses and the
# language switcher's "English".
LATIN_OK = re.compile(r"English|ST Machinery Technology \(Foshan\) Co\., Ltd|[\w.+-]+@[\w.-]+|PDF|Cookie|STMT")


def test_chinese_pages_have_no_english_interface_text(visit):
    for kind in ("current", "superseded", "upcoming", "draft", "archive", "compare"):
        page = visit.goto(PAGE_TYPES[kind].format(l="zh-CN"))
        page.locator("details.pg-ds summary, details.pg-draft-changes summary").evaluate_all(
            "els => els.forEach(e => e.parentElement.open = true)")
        text = LATIN_OK.sub("", page.evaluate(READER_TEXT))
        words = re.findall(r"[A-Za-z]{3,}", text)
        assert not words, (kind, words[:20])


def test_small_things(visit):
    # the version menu marks the version shown
    page = visit.goto(f"/en/{POLICY}/2023-01-01/")
    page.locator("details.pg-versions summary").click()
    shown = page.locator('.pg-versions a[aria-current="page"]')
    assert shown.count() == 1 and "2023" in shown.inner_text()
    assert page.evaluate("(e) => getComputedStyle(e, '::before').content", shown.element_handle()) != "none"
    # the draft names itself in the version menu and shows its changes from the version in force
    page = visit.goto(f"/en/{POLICY}/draft/")
    assert page.locator("details.pg-versions summary").inner_text().strip() == "Version: Draft"
    changes = page.locator("details.pg-draft-changes")
    changes.locator("> summary").click()
    assert any("Germany" in t for t in changes.locator(".pg-inline ins").all_inner_texts())
    assert page.locator("[id]").evaluate_all("els => els.length === new Set(els.map(e => e.id)).size")
    # the page of a version not yet in force links to what it changes
    page = visit.goto(f"/en/{POLICY}/upcoming/")
    page.locator(".pg-banner--upcoming a", has_text="See what changes").click()
    page.wait_for_load_state("load")
    assert visit.path() == f"/en/{POLICY}/compare/2024-06-01...{UPCOMING}/"
    # the compare picker says why choosing the same date twice opens nothing
    form = page.locator("form.pg-compare-picker")
    form.locator('select[name="old"]').select_option("2024-06-01")
    form.locator('select[name="new"]').select_option("2024-06-01")
    form.locator('button[type="submit"]').click()
    assert form.locator(".pg-picker-msg").inner_text() == "Choose two different versions."
    assert visit.path() == f"/en/{POLICY}/compare/2024-06-01...{UPCOMING}/"
    # a one-character change is framed, not only coloured
    box = page.locator(".pg-inline ins").first
    assert "inset" in _css(box, "box-shadow")


def test_404_page_in_every_language(browser, base_url):
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    resp = page.goto(base_url + "/404.html")
    assert resp is not None and resp.ok
    sections = page.locator("article.pg-404 section")
    assert sections.count() == 2
    zh = page.locator('article.pg-404 section[lang="zh-CN"]')
    assert "未找到页面" in zh.inner_text()
    zh.locator("a").first.click()
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path == f"/zh-CN/{POLICY}/"
    ctx.close()


def test_printed_page_has_the_full_summary_table(visit):
    page = visit.goto(f"/en/{POLICY}/upcoming/")
    assert not page.locator(".pg-ds__table").is_visible()  # on screen: the one-line overview
    page.emulate_media(media="print")
    assert page.locator(".pg-ds__table").is_visible() and not page.locator(".pg-ds__overview").is_visible()
