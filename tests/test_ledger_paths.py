"""Issue 28: the ledger is read on every path of the history, every field of a published entry
is protected, forged dates are not trusted alone, and levels are recomputed. Each attack goes
through the real CLI on a real temporary git repository, and the tests assert that the
published text did not change, not only that a message is printed."""

from __future__ import annotations

import re

from conftest import EN, ZH, commit_all, edit, fails, git, import_texts, new_repo, retranslate, run

TODAY = "2026-11-23"
LEDGER = "policy_src/acme/releases.yml"


def _released(project, langs):
    import_texts(project, langs)
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")
    edit(project, "en", "contact-us", "Write to", "Please write to")
    if "zh-CN" in langs:
        retranslate(project)
    run(["release", "--policy", "acme", "--effective", "2024-06-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2024-06-01", date="2024-05-02")
    return project


def content_hash(project, lang="en") -> str:
    from policygen.fragments import load_policy
    from policygen.worktree import DirSource

    _m, texts = load_policy(DirSource(project / "policy_src"), "", "acme", [])
    return texts[lang].content_hash


def gate_fails(proc, pattern):
    """The gate refuses (exit 1, as CI expects of a failed check) with the finding as check writes it."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(pattern, proc.stderr, re.M), proc.stdout + proc.stderr


def every_command_fails(project, *patterns, base=None):
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=project, check=False), *patterns)
    assert not (project / "site").exists()
    fails(run(["check"], cwd=project, check=False), *patterns)
    fails(run(["gate", "--today", TODAY] + (["--base", base] if base else []), cwd=project, check=False), *patterns)


def test_a_merge_cannot_rewrite_a_published_version(tmp_path):
    """A branch forked before 2024-06-01 was released records 2024-06-01 again with other text,
    its commits dated like the original release; merged with -X theirs, no force-push."""
    project = _released(new_repo(tmp_path), {"en": EN})
    original = git(project, "rev-parse", "HEAD").strip()
    git(project, "checkout", "-q", "-b", "rewrite", "HEAD~1")
    edit(project, "en", "contact-us", "Write to", "Version two, and we sell your data. Write to")
    run(["release", "--policy", "acme", "--effective", "2024-06-01", "--backfill"], cwd=project)
    forged = commit_all(project, "Release 2024-06-01", date="2024-05-02")
    git(project, "checkout", "-q", "main")
    git(project, "merge", "-q", "-X", "theirs", "--no-edit", "rewrite", date="2024-05-02")
    assert "we sell your data" in (project / "policy_src/acme/en/contact-us.md").read_text(encoding="utf-8")
    every_command_fails(project, rf"^{LEDGER}:\d+: error: version 2024-06-01 was recorded in commit "
                                 rf"({original[:10]}|{forged[:10]}) and differently in commit "
                                 rf"({original[:10]}|{forged[:10]})", base="HEAD~1")
    said = run(["check"], cwd=project, check=False).stdout
    assert original[:10] in said and forged[:10] in said


def test_the_lagging_translations_of_a_published_entry_are_protected(tmp_path):
    project = _released(new_repo(tmp_path), {"en": EN, "zh-CN": ZH})
    run(["build", "--date", TODAY, "--out", "before"], cwd=project)
    ledger = project / LEDGER
    text = ledger.read_text(encoding="utf-8")
    head, tail = text.split("- effective: '2024-06-01'\n")
    ledger.write_text(head + "- effective: '2024-06-01'\n  lagging:\n    zh-CN: '2023-01-01'\n" + tail, encoding="utf-8")
    changed = commit_all(project, "Let Chinese lag", date="2024-07-01")
    every_command_fails(project, rf"^{LEDGER}:\d+: error: version 2024-06-01 was recorded in commit \w+ and its "
                                 rf"lagging translations changed in commit {changed[:10]}$", base="HEAD~1")


def test_a_back_dated_withdrawal_of_a_version_in_force_is_refused(tmp_path):
    project = _released(new_repo(tmp_path), {"en": EN})
    edit(project, "en", "data-collect", "name and email address", "name and e-mail address")
    commit_all(project, "Spelling in the draft", date="2026-11-01")
    ledger = project / LEDGER
    text = ledger.read_text(encoding="utf-8")
    start = text.index("- effective: '2024-06-01'")
    entry = text[start:]
    content = entry[entry.index("  content:"):]
    ledger.write_text(text[:start] + "withdrawn:\n- effective: '2024-06-01'\n  withdrawn_on: '2024-05-01'\n"
                      "  justification: never happened\n" + content, encoding="utf-8")
    withdrawal = commit_all(project, "Withdraw", date="2024-05-01")
    every_command_fails(project, rf"^{LEDGER}:\d+: error: version 2024-06-01 was withdrawn in commit "
                                 rf"{withdrawal[:10]} \(2026-11-01\), when it was already in force", base="HEAD~1")


def test_a_hand_written_level_below_the_computed_one_is_refused(tmp_path):
    project = _released(new_repo(tmp_path), {"en": EN})
    edit(project, "en", "data-collect", "name and email address",
         "name, email address, your health records and your biometric data, which we sell to data brokers,")
    entry = (f"- effective: '2027-06-01'\n  level: editorial\n  content:\n    en: {content_hash(project)}\n")
    ledger = project / LEDGER
    ledger.write_text(ledger.read_text(encoding="utf-8") + entry, encoding="utf-8")
    pattern = (rf"^{LEDGER}:\d+: error: version 2027-06-01 is recorded as editorial, below its computed level "
               r"(notice|consent)")
    fails(run(["check"], cwd=project, check=False), pattern)
    gate_fails(run(["gate", "--today", TODAY], cwd=project, check=False), pattern)
    commit_all(project, "Release 2027-06-01 by hand", date="2026-11-20")
    fails(run(["check"], cwd=project, check=False), pattern)
    gate_fails(run(["gate", "--today", TODAY, "--base", "HEAD~1"], cwd=project, check=False), pattern)
    # With a recorded reason the editor's level stands (written before the entry is committed).
    git(project, "reset", "-q", "--hard", "HEAD~1")
    edit(project, "en", "data-collect", "name and email address",
         "name, email address, your health records and your biometric data, which we sell to data brokers,")
    ledger.write_text(ledger.read_text(encoding="utf-8") + entry.replace(
        "  level: editorial\n", "  level: editorial\n  justification: counsel reviewed\n"), encoding="utf-8")
    run(["check"], cwd=project)
    commit_all(project, "Release 2027-06-01 by hand, with its reason", date="2026-11-20")
    run(["check"], cwd=project)


def test_a_recorded_computed_level_is_the_floor_for_the_build(tmp_path):
    project = _released(new_repo(tmp_path), {"en": EN})
    edit(project, "en", "data-collect", "name and email address", "name, email address and your biometric data")
    run(["release", "--policy", "acme", "--effective", "2027-06-01", "--today", TODAY], cwd=project)
    text = (project / LEDGER).read_text(encoding="utf-8")
    recorded = re.findall(r"computed_level: (\w+)", text)
    assert recorded[-1] in ("notice", "consent"), text  # every new entry records the computed level
    (project / LEDGER).write_text(text.replace(f"  level: {recorded[-1]}\n", "  level: minor\n"), encoding="utf-8")
    commit_all(project, "Lower it", date="2026-11-20")
    every_command_fails(project, rf"^{LEDGER}:\d+: error: version 2027-06-01 is recorded as minor, below its "
                                 rf"computed level {recorded[-1]}")


def test_a_hand_written_backfill_cannot_be_in_the_future(tmp_path):
    project = _released(new_repo(tmp_path), {"en": EN})
    edit(project, "en", "data-collect", "name and email address", "name, email address and phone number")
    ledger = project / LEDGER
    ledger.write_text(ledger.read_text(encoding="utf-8") + f"- effective: '2099-06-01'\n  level: notice\n"
                      f"  backfill: true\n  content:\n    en: {content_hash(project)}\n", encoding="utf-8")
    commit_all(project, "Backfill the future", date="2026-11-20")
    every_command_fails(project, rf"^{LEDGER}:\d+: error: version 2099-06-01 is marked as backfilled \(past "
                                 r"history\), but it takes effect after today \(\d{4}-\d\d-\d\d\)")


def test_renaming_the_sources_folder_keeps_every_version(tmp_path):
    project = _released(new_repo(tmp_path), {"en": EN})
    run(["build", "--date", TODAY, "--out", "before"], cwd=project)
    git(project, "mv", "policy_src", "policies")
    commit_all(project, "Rename the sources folder", date="2025-01-01")
    run(["build", "--src", "policies", "--date", TODAY, "--out", "after"], cwd=project)
    for page in ("en/acme/2023-01-01/index.html", "en/acme/2024-06-01/index.html"):
        assert (project / "after" / page).read_bytes() == (project / "before" / page).read_bytes()
