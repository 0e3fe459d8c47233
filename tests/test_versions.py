"""Dated versions from git history: releases, current/upcoming, archive, compare pages,
feeds, stale translations, through the real CLI on real git repositories."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import EN, ZH, commit_all, edit, git, import_texts, long_history, new_repo, retranslate, run, soup, write

TODAY = "2026-11-23"





@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A policy in two languages with two past versions and one upcoming notice-level version."""
    project = new_repo(tmp_path_factory.mktemp("hist"))
    import_texts(project, {"en": EN, "zh-CN": ZH})
    commit_all(project, "Import policy", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill", "--today", "2023-01-01"], cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")
    edit(project, "en", "contact-us", "Write to", "Please write to")
    edit(project, "zh-CN", "contact-us", "如有任何问题", "如您有任何问题")
    retranslate(project, "contact-us")
    commit_all(project, "Clarify contact", date="2024-05-01")
    run(["release", "--policy", "acme", "--effective", "2024-06-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2024-06-01", date="2024-05-02")
    edit(project, "en", "share-data", "---\n\nWe do not sell",
         "transfers:\n- country: Singapore\nrecipients:\n- name: analytics vendor\n  role: processor\n---\n\nWe do not sell")
    edit(project, "en", "share-data", "hosting provider only.",
         "hosting provider and an analytics vendor, which stores data in Singapore.")
    edit(project, "zh-CN", "share-data", "---\n\n我们不出售",
         "transfers:\n- country: 新加坡\nrecipients:\n- name: 分析服务商\n  role: processor\n---\n\n我们不出售")
    edit(project, "zh-CN", "share-data", "仅与我们的托管服务商共享。", "与我们的托管服务商及一家在新加坡存储数据的分析服务商共享。")
    retranslate(project, "share-data")
    commit_all(project, "Add analytics vendor", date="2026-11-20")
    out = run(["release", "--policy", "acme", "--effective", "2027-01-15", "--today", TODAY], cwd=project).stdout
    assert "(consent)" in out or "(notice)" in out
    commit_all(project, "Release 2027-01-15", date="2026-11-21")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    return project


def test_versions_json_contract(history):
    rows = json.loads(run(["versions", "--policy", "acme", "--format", "json"], cwd=history).stdout)
    assert [r["effective"] for r in rows] == ["2023-01-01", "2024-06-01", "2027-01-15"]
    for r in rows:
        assert set(r) >= {"effective", "level", "consent_required", "languages", "commit"}
        assert r["languages"] == ["en", "zh-CN"]
        assert re.fullmatch(r"[0-9a-f]{40}", r["commit"])
    assert rows[1]["level"] in ("editorial", "minor")
    # A new transfer destination is consent-level under PIPL and notice under GDPR; the default regime is gdpr.
    assert rows[2]["level"] == "notice" and rows[2]["consent_required"] is False


def test_current_dated_and_upcoming_pages(history):
    site = history / "site"
    cur = soup(site, "en/acme")
    assert "Please write to" in cur.select_one("#contact-us").get_text()
    assert "Singapore" not in cur.select_one("#share-data").get_text()
    assert cur.html["lang"] == "en"
    assert len(cur.find_all("h1")) == 1
    old = soup(site, "en/acme/2023-01-01")
    assert "Please write" not in old.select_one("#contact-us").get_text()
    banner = old.select_one(".pg-banner--superseded")
    assert banner is not None and "superseded" in banner.get_text()
    assert old.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    upcoming = soup(site, "en/acme/upcoming")
    assert "Singapore" in upcoming.select_one("#share-data").get_text()
    assert "not yet in force" in upcoming.get_text()
    zh = soup(site, "zh-CN/acme/2023-01-01")
    assert zh.html["lang"] == "zh-CN"
    assert "2023年1月1日" in zh.get_text()
    assert "1 January 2023" in old.get_text()


def test_notice_on_current_page(history):
    notice = soup(history / "site", "en/acme").select_one(".pg-notice")
    assert notice is not None
    text = notice.get_text(" ")
    assert "15 January 2027" in text
    assert "Singapore" in text
    link = notice.find("a", string=re.compile("what changes"))
    assert link["href"] == "compare/2024-06-01...2027-01-15/"
    zh = soup(history / "site", "zh-CN/acme").select_one(".pg-notice").get_text()
    assert "2027年1月15日" in zh and "新加坡" in zh


def test_archive_lists_every_version_with_links(history):
    arch = soup(history / "site", "en/acme/archive")
    rows = arch.select("tbody tr")
    assert [r["id"] for r in rows] == ["v-2027-01-15", "v-2024-06-01", "v-2023-01-01"]
    assert "Notice required" in rows[0].get_text()
    assert rows[0].find("a", href="../compare/2024-06-01...2027-01-15/")
    assert rows[2].find("a", href="../2023-01-01/")
    assert "English" in rows[0].get_text() and "简体中文" in rows[0].get_text()


def test_compare_pages_exist_and_redline(history):
    site = history / "site"
    for pair in ("2023-01-01...2024-06-01", "2024-06-01...2027-01-15", "2023-01-01...2027-01-15"):
        assert (site / "en/acme/compare" / pair / "index.html").exists()
    page = soup(site, "en/acme/compare/2024-06-01...2027-01-15")
    ins = " ".join(i.get_text() for i in page.select("ins"))
    assert "analytics vendor" in ins and "Singapore" in ins
    assert "only" in " ".join(d.get_text() for d in page.select("del"))
    # Front-matter changes read as sentences in the page's language (sentences.py).
    assert "transferred to a new country: Singapore" in page.select_one(".pg-facts").get_text()
    zh = soup(site, "zh-CN/acme/compare/2023-01-01...2024-06-01")
    assert [i.get_text() for i in zh.select(".pg-inline ins")] == ["您"]


def test_search_index_holds_current_versions_only(history):
    index = json.loads((history / "site/search/search_index.json").read_text(encoding="utf-8"))
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "en/acme/" in locations
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}|compare|upcoming|archive", loc) for loc in locations)


def test_changes_json_and_atom_feed(history):
    site = history / "site"
    doc = json.loads((site / "changes.json").read_text(encoding="utf-8"))
    pol = doc["policies"][0]
    assert pol["policy"] == "acme" and pol["current"] == "2024-06-01" and pol["upcoming"] == ["2027-01-15"]
    last = pol["versions"][-1]
    assert last["notice_required"] is True and last["consent_required"] is False
    assert set(last["content_hashes"]) == {"en", "zh-CN"}
    assert last["compare_urls"]["en"] == "en/acme/compare/2024-06-01...2027-01-15/"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(site / "en/acme/feed.xml").getroot()
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 3
    assert entries[0].find("a:published", ns).text.startswith("2027-01-15")
    assert feed.find("a:id", ns).text and feed.find("a:updated", ns).text


def test_fresh_clone_rebuilds_every_version_byte_for_byte(history, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(history), str(clone))
    run(["build", "--date", TODAY, "--out", "site"], cwd=clone)
    for path in (history / "site").rglob("*"):
        if path.is_file():
            assert (clone / "site" / path.relative_to(history / "site")).read_bytes() == path.read_bytes(), path


def test_duplicate_effective_date_is_refused(history):
    proc = run(["release", "--policy", "acme", "--effective", "2024-06-01", "--backfill"], cwd=history, check=False)
    assert proc.returncode == 2
    assert "already takes effect on 2024-06-01" in proc.stderr


def test_notice_change_needs_notice_period(history):
    edit(history, "en", "data-collect", "name and email address", "name, email address and phone number")
    edit(history, "en", "data-collect", "---\n\nWe collect", "data_categories:\n- name: phone number\n---\n\nWe collect")
    try:
        proc = run(["release", "--policy", "acme", "--effective", "2027-02-01", "--today", "2027-01-20",
                    "--allow-stale-translations"], cwd=history, check=False)
        assert proc.returncode == 2
        assert "notice-level change: it may take effect on 2027-02-19 at the earliest" in proc.stderr
    finally:
        git(history, "checkout", "--", ".")


def test_stale_translation_reported_and_blocks_release(history):
    edit(history, "en", "data-collect", "when you register", "when you register or log in")
    try:
        chk = run(["check"], cwd=history)
        assert "policy_src/acme/zh-CN/data-collect.md:2: warning: stale translation" in chk.stdout
        proc = run(["release", "--policy", "acme", "--effective", "2027-06-01", "--today", TODAY], cwd=history,
                   check=False)
        assert proc.returncode == 2 and "translations are out of date (zh-CN: data-collect)" in proc.stderr
    finally:
        git(history, "checkout", "--", ".")


def test_diff_cli_formats(history):
    js = json.loads(run(["diff", "2024-06-01", "latest", "--policy", "acme", "--format", "json"], cwd=history).stdout)
    assert js["old"] == {"ref": "2024-06-01", "effective": "2024-06-01"}
    assert js["new"]["effective"] == "2027-01-15"
    cls = js["classification"]
    assert cls["level"] == "notice" and cls["notice_required"] and not cls["consent_required"]
    assert any(r["clause"] == "share-data" and r["rule"] == "transfer-added" for r in cls["reasons"])
    statuses = {c["id"]: c["status"] for c in js["clauses"]}
    assert statuses == {"data-collect": "unchanged", "share-data": "modified", "contact-us": "unchanged"}
    md = run(["diff", "2024-06-01", "latest", "--policy", "acme", "--format", "md"], cwd=history).stdout
    assert "**notice**" in md and "<ins>" in md and "transfer-added" in md
    html = run(["diff", "2024-06-01", "latest", "--policy", "acme", "--format", "html", "--lang", "zh-CN"],
               cwd=history).stdout
    assert html.startswith("<!doctype html>") and "<ins" in html and "新加坡" in html
    text = run(["diff", "HEAD~4", "current", "--policy", "acme"], cwd=history).stdout
    assert "{+Please+}" in text or "[-Write-]{+Please write+}" in text
    same = run(["diff", "latest", "draft", "--policy", "acme", "--format", "json"], cwd=history).stdout
    assert json.loads(same)["classification"]["level"] == "editorial"


def test_renamed_policy_folder_keeps_its_versions(project):
    import_texts(project, {"en": EN})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release", date="2022-12-16")
    git(project, "mv", "policy_src/acme", "policy_src/newco")
    commit_all(project, "Rename the policy folder", date="2023-02-01")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    page = soup(project / "site", "en/newco/2023-01-01")
    assert "We collect your name" in page.select_one("#data-collect").get_text()
    rows = json.loads(run(["versions", "--policy", "newco", "--format", "json"], cwd=project).stdout)
    assert [r["effective"] for r in rows] == ["2023-01-01"]


def test_release_commit_reverted_later_fails_clearly(project):
    import_texts(project, {"en": EN})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    recorded = commit_all(project, "Release", date="2022-12-16")
    git(project, "revert", "--no-edit", "HEAD")
    reverted = git(project, "rev-parse", "HEAD").strip()
    # The ledger no longer lists a published version: the ledger is append-only.
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=project, check=False)
    assert proc.returncode == 2, proc.stderr
    assert (f"version 2023-01-01 was recorded in commit {recorded[:10]} and removed in commit {reverted[:10]}"
            in proc.stderr), proc.stderr
    assert not (project / "site").exists()


def test_release_made_on_a_branch_and_merged(project):
    import_texts(project, {"en": EN})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 1", date="2022-12-16")
    git(project, "checkout", "-q", "-b", "edit")
    edit(project, "en", "contact-us", "Write to", "Please write to")
    commit_all(project, "Clarify", date="2023-03-01")
    run(["release", "--policy", "acme", "--effective", "2023-04-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2", date="2023-03-02")
    git(project, "checkout", "-q", "main")
    write(project / "NOTES.txt", "unrelated change on main\n")
    commit_all(project, "Unrelated", date="2023-03-05")
    git(project, "merge", "-q", "--no-ff", "-m", "Merge edit", "edit", date="2023-03-06")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    assert "Please write to" in soup(project / "site", "en/acme").select_one("#contact-us").get_text()
    assert "Please write" not in soup(project / "site", "en/acme/2023-01-01").select_one("#contact-us").get_text()


def _two_language_policy(project):
    import_texts(project, {"en": EN, "zh-CN": ZH})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 1", date="2022-12-16")


def test_editor_lowers_a_level_only_with_a_recorded_justification(project):
    _two_language_policy(project)
    edit(project, "en", "share-data", "---\n\nWe do not sell",
         "transfers:\n- country: Singapore\n---\n\nWe do not sell")
    edit(project, "zh-CN", "share-data", "---\n\n我们不出售", "transfers:\n- country: 新加坡\n---\n\n我们不出售")
    retranslate(project, "share-data")
    commit_all(project, "Record an existing transfer in the facts", date="2023-02-01")
    refused = run(["release", "--policy", "acme", "--effective", "2023-03-01", "--backfill", "--level", "editorial"],
                  cwd=project, check=False)
    assert refused.returncode == 2 and "needs a recorded reason" in refused.stderr
    run(["release", "--policy", "acme", "--effective", "2023-03-01", "--backfill", "--level", "editorial",
         "--justification", "The transfer already happened and was disclosed in clause 2; only the facts were added."],
        cwd=project)
    ledger = (project / "policy_src/acme/releases.yml").read_text(encoding="utf-8")
    assert "computed_level: notice" in ledger and "level: editorial" in ledger
    commit_all(project, "Release 2", date="2023-02-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    row = soup(project / "site", "en/acme/archive").select_one("#v-2023-03-01")
    text = row.get_text(" ")
    assert "Editorial" in text and "computed: notice" in text and "only the facts were added" in text


def test_release_with_stale_translation_marks_the_source_as_binding(project):
    _two_language_policy(project)
    edit(project, "en", "contact-us", "Write to", "Please write to")
    commit_all(project, "Clarify", date="2023-02-01")
    run(["release", "--policy", "acme", "--effective", "2023-03-01", "--backfill", "--allow-stale-translations"],
        cwd=project)
    assert "stale_translations:" in (project / "policy_src/acme/releases.yml").read_text(encoding="utf-8")
    commit_all(project, "Release 2", date="2023-02-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    zh = soup(project / "site", "zh-CN/acme")
    assert "以English文本为准" in zh.select_one(".pg-banner--pending").get_text()
    assert soup(project / "site", "en/acme").select_one(".pg-banner--pending") is None


def test_long_history_pages_link_neighbours_current_and_archive(tmp_path):
    """Past 12 versions, a page's menus offer its own version and its neighbours, the version
    in force and the archive by their own URLs: no page grows with the length of the history,
    and a release changes only its neighbours' pages."""
    project = long_history(tmp_path)
    run(["build", "--date", TODAY, "--no-cache"], cwd=project)
    site = project / "site"
    page = soup(site, "en/acme/2016-01-01")
    offered = [a.get_text() for a in page.select("details.pg-versions li > a:first-child")]
    # Newest first: 2017, 2016 (this page's), 2015, then the page in force and the archive.
    assert offered == ["1 January 2017", "1 January 2016", "1 January 2015", "Version in force", "All versions"], \
        offered
    assert page.select_one("a.pg-in-force")["href"] == "../"
    assert page.select_one("a.pg-all-versions")["href"] == "../archive/"
    # The page in force lists its own version and the one before it; it links no "in force".
    current = soup(site, "en/acme")
    assert [a.get_text() for a in current.select("details.pg-versions li > a:first-child")] == [
        "1 January 2024", "1 January 2023", "All versions"]
    # The archive lists all of them, each but the one in force with its changes and its
    # comparison with the version in force.
    archive = soup(site, "en/acme/archive")
    assert len(archive.select("a[href$='-01-01/']")) >= 14
    against = [a["href"] for a in archive.select("a.pg-compare-current")]
    assert len(against) == 13 and "../compare/2015-01-01...2024-01-01/" in against, against
    for href in against:
        assert (site / "en/acme/archive" / href / "index.html").resolve().exists(), href
    # Compare pages: consecutive pairs and each version against the current, not every pair.
    compares = sorted(p.name for p in (site / "en/acme/compare").iterdir() if p.is_dir())
    assert len(compares) == 13 + 12, compares
    assert "2015-01-01...2016-01-01" in compares and "2015-01-01...2024-01-01" in compares
    assert "2012-01-01...2015-01-01" not in compares
    cmp_page = soup(site, "en/acme/compare/2015-01-01...2016-01-01")
    picker = cmp_page.select_one("form.pg-compare-picker")
    options = [o["value"] for o in picker.select("select[name=old] option")]
    assert options == ["2014-01-01", "2015-01-01", "2016-01-01", "2017-01-01"], options
    for pair in picker["data-pairs"].split():
        assert (site / "en/acme/compare" / pair / "index.html").exists(), pair
    against_current = soup(site, "en/acme/compare/2015-01-01...2024-01-01").select_one("form.pg-compare-picker")
    assert [o["value"] for o in against_current.select("select[name=old] option")] == [
        "2014-01-01", "2015-01-01", "2016-01-01", "2023-01-01", "2024-01-01"]


def test_ledger_keys_read_appended_entries_as_a_whole_parse_would():
    """Only the entries appended to the ledger before are parsed; whatever else happens to the
    ledger between commits, the entries are those of a whole parse."""
    from policygen.versions import _ledger_entries, read_ledger

    class Src:
        def __init__(self, text):
            self.data = text.encode()

        def read(self, _path):
            return self.data

    def entry(day, level="minor"):
        return f"- effective: '{day}'\n  level: {level}\n  content:\n    en: {'a' * 64}\n"

    head = "# Release ledger\nreleases:\n"
    history = [
        head + entry("2020-01-01"),
        head + entry("2020-01-01") + entry("2021-01-01"),  # appended
        head + entry("2020-01-01") + entry("2021-01-01") + entry("2021-01-01"),  # a duplicate
        head + entry("2020-01-01") + entry("2021-01-01") + entry("2021-01-01") + entry("2021-01-01", "consent"),
        head + entry("2020-01-01") + entry("2021-01-01") + entry("2021-01-01") + entry("2022-01-01", "bogus"),
        head + entry("2020-01-01") + entry("2021-01-01") + entry("2021-01-01") + entry("2022-01-01", "bogus")
        + "- effective: [\n",  # broken YAML: the whole ledger holds nothing
        head + entry("2020-01-01") + "# a comment\n" + entry("2023-01-01"),  # rewritten
        head + entry("2020-01-01") + "# a comment\n" + entry("2023-01-01") + entry("2024-01-01"),
        "releases:\n  " + entry("2020-01-01").replace("\n  ", "\n    "),  # an indented list
        "releases:\n  " + entry("2020-01-01").replace("\n  ", "\n    ") + "  " + entry("2025-01-01").replace("\n  ", "\n    "),
        "other: 1\n",
    ]
    before = None
    for text in history:
        entries, before = _ledger_entries(Src(text), "acme", before)
        assert entries == {r.key: r.record for r in read_ledger(Src(text), "acme", [])}, text
