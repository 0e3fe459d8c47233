"""A restructure of the source text with two translations that lag (issue 19): release,
build and catch-up, through the real CLI on a real git repository."""

import json
import textwrap

import yaml

from conftest import commit_all, run, soup

TODAY = "2026-06-01"
EN1 = textwrap.dedent("""\
    # Acme Privacy Policy

    ## 1. Data we collect

    We collect your name and email address when you register.

    ## 2. California notice

    California residents may ask us what we hold about them.

    ## 3. Contact

    Write to privacy@acme.example.
    """)
DE1 = textwrap.dedent("""\
    # Acme Datenschutzerklärung

    ## 1. Welche Daten wir erheben

    Wir erheben Ihren Namen und Ihre E-Mail-Adresse bei der Registrierung.

    ## 2. Hinweis für Kalifornien

    Einwohner Kaliforniens können fragen, welche Daten wir speichern.

    ## 3. Kontakt

    Schreiben Sie an privacy@acme.example.
    """)
ZH1 = textwrap.dedent("""\
    # Acme 隐私政策

    ## 1. 我们收集的数据

    您注册时，我们收集您的姓名和电子邮件地址。

    ## 2. 加州通知

    加州居民可以询问我们持有的信息。

    ## 3. 联系我们

    请写信至 privacy@acme.example。
    """)
# The restructure: the California notice is gone, a new clause on U.S. states arrives.
EN2 = EN1.replace("## 2. California notice\n\nCalifornia residents may ask us what we hold about them.\n",
                  "## 2. U.S. State Data Privacy\n\nResidents of several U.S. states may ask us to delete their data, "
                  "and we answer within 45 days.\n")
DE2 = DE1.replace("## 2. Hinweis für Kalifornien\n\nEinwohner Kaliforniens können fragen, welche Daten wir speichern.\n",
                  "## 2. Datenschutz in US-Bundesstaaten\n\nEinwohner mehrerer US-Bundesstaaten können die Löschung "
                  "verlangen; wir antworten binnen 45 Tagen.\n")
ZH2 = ZH1.replace("## 2. 加州通知\n\n加州居民可以询问我们持有的信息。\n",
                  "## 2. 美国各州数据隐私\n\n美国多个州的居民可以要求删除其数据，我们将在45天内答复。\n")


def imp(project, name, text, lang):
    (project / name).write_text(text, encoding="utf-8")
    return run(["import", name, "--policy", "acme", "--lang", lang], cwd=project)


def test_restructure_with_two_lagging_translations(project):
    for name, text, lang in (("en1.md", EN1, "en"), ("de1.md", DE1, "de"), ("zh1.md", ZH1, "zh-CN")):
        imp(project, name, text, lang)
    commit_all(project, "Import", date="2025-02-01")
    run(["release", "--policy", "acme", "--effective", "2025-03-01", "--backfill"], cwd=project)
    commit_all(project, "Release 1", date="2025-02-02")

    # The English source is restructured; German and Chinese still translate version 1.
    out = imp(project, "en2.md", EN2, "en").stdout
    assert "removed" in out and "california-notice" in out
    assert "de now lags the en text (orphaned california-notice" in out
    assert "zh-CN now lags the en text (orphaned california-notice" in out
    check = run(["check"], cwd=project, check=False)
    assert check.returncode == 0, check.stdout + check.stderr  # warnings, not errors
    assert "orphaned translation: the source language (en) no longer has a clause 'california-notice'" in check.stdout
    assert "is not listed in policy.yml" not in check.stdout
    commit_all(project, "Restructure", date="2026-02-01")
    refused = run(["release", "--policy", "acme", "--effective", "2026-02-25", "--backfill"], cwd=project, check=False)
    assert refused.returncode == 2 and "translations are out of date" in refused.stderr
    run(["release", "--policy", "acme", "--effective", "2026-02-25", "--backfill", "--allow-stale-translations"],
        cwd=project)
    entry = yaml.safe_load((project / "policy_src/acme/releases.yml").read_text(encoding="utf-8"))["releases"][-1]
    assert list(entry["content"]) == ["en"]  # in step
    assert entry["lagging"] == {"de": "2025-03-01", "zh-CN": "2025-03-01"}
    commit_all(project, "Release 2", date="2026-02-02")
    listed = run(["versions", "--policy", "acme"], cwd=project).stdout
    assert "de lags (shows 2025-03-01) zh-CN lags (shows 2025-03-01)" in listed
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    feed = json.loads((project / "site/changes.json").read_text(encoding="utf-8"))
    assert feed["policies"][0]["versions"][-1]["lagging"] == {"de": "2025-03-01", "zh-CN": "2025-03-01"}

    # Each lagging language keeps publishing its translation of version 1, with a banner in
    # its language linking to the binding English text of version 2.
    de = soup(project / "site", "de/acme")
    assert "Hinweis für Kalifornien" in de.get_text() and "US-Bundesstaaten" not in de.get_text()
    banner = de.select_one(".pg-banner--lagging")
    assert "Fassung vom 1. März 2025" in banner.get_text() and "25. Februar 2026" in banner.get_text()
    assert banner.select_one("a")["href"] == "../../en/acme/2026-02-25/"
    zh = soup(project / "site", "zh-CN/acme")
    assert "加州通知" in zh.get_text()
    assert "2025年3月1日" in zh.select_one(".pg-banner--lagging").get_text()
    en = soup(project / "site", "en/acme")
    assert "U.S. State Data Privacy" in en.get_text() and en.select_one(".pg-banner--lagging") is None
    archive = soup(project / "site", "en/acme/archive").select_one("#v-2026-02-25").get_text(" ")
    assert "lagging: Deutsch, 简体中文" in archive
    first = soup(project / "site", "en/acme/archive").select_one("#v-2025-03-01").get_text(" ")
    assert "Deutsch" in first and "lagging" not in first

    # German catches up: its new translation is imported and released; Chinese still lags.
    imp(project, "de2.md", DE2, "de")
    assert not (project / "policy_src/acme/de/california-notice.md").exists()
    commit_all(project, "German translation", date="2026-03-01")
    run(["release", "--policy", "acme", "--effective", "2026-04-01", "--backfill", "--allow-stale-translations",
         "--allow-unchanged"], cwd=project)
    entry = yaml.safe_load((project / "policy_src/acme/releases.yml").read_text(encoding="utf-8"))["releases"][-1]
    assert sorted(entry["content"]) == ["de", "en"] and entry["lagging"] == {"zh-CN": "2025-03-01"}
    commit_all(project, "Release 3", date="2026-03-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    de = soup(project / "site", "de/acme")
    assert "US-Bundesstaaten" in de.get_text() and de.select_one(".pg-banner--lagging") is None
    assert soup(project / "site", "zh-CN/acme").select_one(".pg-banner--lagging") is not None


def test_translation_never_in_step_is_published_as_being_updated(project):
    """A language stale at its first release (each source clause has a translation) is
    published as it is, marked as being updated; one lacking clauses waits."""
    imp(project, "en1.md", EN1, "en")
    imp(project, "de1.md", DE1, "de")
    imp(project, "en2.md", EN1.replace("when you register", "when you register or log in"), "en")
    commit_all(project, "Import", date="2025-02-01")
    run(["release", "--policy", "acme", "--effective", "2025-03-01", "--backfill", "--allow-stale-translations"],
        cwd=project)
    entry = yaml.safe_load((project / "policy_src/acme/releases.yml").read_text(encoding="utf-8"))["releases"][-1]
    assert sorted(entry["content"]) == ["de", "en"] and entry["stale_translations"] == {"de": ["data-collect"]}
    assert "lagging" not in entry
    commit_all(project, "Release", date="2025-02-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=project)
    de = soup(project / "site", "de/acme")
    assert de.select_one(".pg-banner--pending") is not None and de.select_one(".pg-banner--lagging") is None
