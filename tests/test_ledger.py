"""The release ledger is append-only and releases never lose their text: each reproduction
of issues 17 and 20 through the real CLI on real temporary git repositories."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import EN, commit_all, edit, fails, git, import_texts, new_repo, run, write

TODAY = "2026-11-23"
LEDGER = "policy_src/acme/releases.yml"


@pytest.fixture
def released(tmp_path):
    """Two versions in force (2023-01-01, 2024-06-01), each committed with its text."""
    project = new_repo(tmp_path)
    import_texts(project, {"en": EN})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")
    edit(project, "en", "contact-us", "Write to", "Please write to")
    run(["release", "--policy", "acme", "--effective", "2024-06-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2024-06-01", date="2024-05-02")
    return project


def head(project) -> str:
    return git(project, "rev-parse", "HEAD").strip()


def all_commands_fail(project, *patterns):
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=project, check=False), *patterns)
    assert not (project / "site").exists()
    fails(run(["check"], cwd=project, check=False), *patterns)
    fails(run(["gate", "--today", TODAY, "--base", "HEAD~1"], cwd=project, check=False), *patterns)


# --- issue 17, point 1: the ledger is append-only ---------------------------------------

def test_text_of_the_version_in_force_edited_and_rehashed_in_one_commit(released):
    recorded = head(released)
    edit(released, "en", "contact-us", "Please write to", "Kindly write to")
    ledger = released / LEDGER
    from policygen.fragments import load_policy
    from policygen.worktree import DirSource

    _m, texts = load_policy(DirSource(released / "policy_src"), "", "acme", [])
    text = ledger.read_text(encoding="utf-8")
    old_hash = re.findall(r"en: ([0-9a-f]{64})", text)[-1]
    ledger.write_text(text.replace(old_hash, texts["en"].content_hash), encoding="utf-8")
    typo_fix = commit_all(released, "Fix a typo in the policy in force", date="2024-07-01")
    all_commands_fail(released, rf"^{LEDGER}:\d+: error: version 2024-06-01 was recorded in commit {recorded[:10]} "
                                rf"and its content hash changed in commit {typo_fix[:10]}$",
                      r"hint: a released entry never changes")


def test_level_or_justification_changed_in_the_work_tree(released):
    recorded = head(released)
    ledger = released / LEDGER
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace("level: editorial", "level: minor\n  justification: on second thought", 1),
                      encoding="utf-8")
    first = git(released, "log", "--format=%H", "--grep", "Release 2023-01-01").strip()
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False),
          rf"^{LEDGER}:\d+: error: version 2023-01-01 was recorded in commit {first[:10]} and its level, "
          r"justification changed in the work tree \(not committed\)$")
    fails(run(["check"], cwd=released, check=False), r"version 2023-01-01 was recorded")
    assert recorded


def test_a_deleted_entry_stops_build_check_and_gate(released):
    ledger = released / LEDGER
    text = ledger.read_text(encoding="utf-8")
    start = text.index("- effective: '2023-01-01'")
    end = text.index("- effective: '2024-06-01'")
    ledger.write_text(text[:start] + text[end:], encoding="utf-8")
    first = git(released, "log", "--format=%H", "--grep", "Release 2023-01-01").strip()
    deleted = commit_all(released, "Drop the first version", date="2024-07-01")
    all_commands_fail(released, rf"^{LEDGER}: error: version 2023-01-01 was recorded in commit {first[:10]} "
                                rf"and removed in commit {deleted[:10]}$",
                      r"--withdraw 2023-01-01")


def test_a_deleted_ledger_file_is_a_deleted_entry(released):
    (released / LEDGER).unlink()
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False),
          r"version 2023-01-01 was recorded in commit \w+ and removed in the work tree",
          r"version 2024-06-01 was recorded in commit \w+ and removed in the work tree")


def test_withdraw_an_announced_release_is_recorded(released):
    edit(released, "en", "data-collect", "name and email address", "name, email address and phone number")
    run(["release", "--policy", "acme", "--effective", "2027-01-15", "--today", TODAY], cwd=released)
    commit_all(released, "Announce 2027-01-15", date="2026-11-23")
    assert (run(["build", "--date", TODAY, "--out", "site"], cwd=released) and
            (released / "site/en/acme/2027-01-15/index.html").exists())
    # A justification is required, and a version in force is never withdrawn.
    fails(run(["release", "--policy", "acme", "--withdraw", "2027-01-15", "--today", TODAY], cwd=released,
              check=False), r"^error: a withdrawal needs --justification")
    fails(run(["release", "--policy", "acme", "--withdraw", "2024-06-01", "--justification", "x", "--today", TODAY],
              cwd=released, check=False), r"version 2024-06-01 of 'acme' is in force")
    out = run(["release", "--policy", "acme", "--withdraw", "2027-01-15", "--justification",
               "The phone number is not collected after all", "--today", TODAY], cwd=released).stdout
    assert "withdrawal is recorded" in out
    text = (released / LEDGER).read_text(encoding="utf-8")
    assert "withdrawn:" in text and "withdrawn_on: '2026-11-23'" in text and "not collected after all" in text
    assert "effective: '2027-01-15'\n  level" not in text
    commit_all(released, "Withdraw 2027-01-15", date="2026-11-24")
    gate = run(["gate", "--today", TODAY, "--base", "HEAD~1"], cwd=released).stdout
    assert "withdrawn release 2027-01-15 (on 2026-11-23): The phone number is not collected after all" in gate
    run(["check"], cwd=released)
    run(["build", "--date", TODAY, "--out", "site"], cwd=released)
    assert not (released / "site/en/acme/2027-01-15").exists()
    # Its date is not used again; and the withdrawal itself is append-only.
    fails(run(["release", "--policy", "acme", "--effective", "2027-01-15", "--today", TODAY], cwd=released,
              check=False), r"was withdrawn on 2026-11-23")
    ledger = released / LEDGER
    ledger.write_text(ledger.read_text(encoding="utf-8").split("withdrawn:")[0], encoding="utf-8")
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False),
          r"version 2027-01-15 was recorded in commit \w+ and removed in commit \w+")


def test_a_hand_written_withdrawal_of_a_version_in_force_is_refused(released):
    ledger = released / LEDGER
    text = ledger.read_text(encoding="utf-8")
    start = text.index("- effective: '2023-01-01'")
    end = text.index("- effective: '2024-06-01'")
    ledger.write_text(text[:start] + text[end:] + "withdrawn:\n- effective: '2023-01-01'\n"
                      "  withdrawn_on: '2022-12-20'\n  justification: never happened\n", encoding="utf-8")
    commit_all(released, "Quietly withdraw", date="2024-07-01")
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False),
          rf"^{LEDGER}:\d+: error: version 2023-01-01 was withdrawn in commit \w+ \(2024-07-01\), when it was "
          "already in force")


def test_an_uncommitted_release_is_withdrawn_by_removing_it(released):
    edit(released, "en", "data-collect", "name and email address", "name and email")
    run(["release", "--policy", "acme", "--effective", "2026-12-01", "--today", TODAY], cwd=released)
    out = run(["release", "--policy", "acme", "--withdraw", "2026-12-01", "--justification", "wrong date",
               "--today", TODAY], cwd=released).stdout
    assert "never committed" in out
    assert "2026-12-01" not in (released / LEDGER).read_text(encoding="utf-8")
    run(["release", "--policy", "acme", "--effective", "2026-12-02", "--today", TODAY], cwd=released)


# --- issue 20: releases lose or mislabel text -------------------------------------------

def test_import_refuses_to_overwrite_the_text_of_an_uncommitted_release(released):
    edit(released, "en", "contact-us", "Please write to", "Do write to")
    run(["release", "--policy", "acme", "--effective", "2025-01-01", "--backfill"], cwd=released)
    before = {p: p.read_bytes() for p in (released / "policy_src").rglob("*") if p.is_file()}
    write(released / "v2.md", EN.replace("Write to", "Send mail to"))
    fails(run(["import", "v2.md", "--policy", "acme", "--lang", "en"], cwd=released, check=False),
          r"^error: version 2025-01-01 of 'acme' is recorded in releases.yml but not committed",
          r"hint: commit the release first")
    assert {p: p.read_bytes() for p in (released / "policy_src").rglob("*") if p.is_file()} == before
    run(["build", "--date", TODAY, "--out", "site"], cwd=released)
    commit_all(released, "Release 2025-01-01", date="2025-01-01")
    run(["import", "v2.md", "--policy", "acme", "--lang", "en"], cwd=released)


def test_backfill_refuses_a_future_date(released):
    edit(released, "en", "share-data", "hosting provider only.", "hosting provider and an ad network.")
    fails(run(["release", "--policy", "acme", "--effective", "2026-12-01", "--backfill", "--today", TODAY],
              cwd=released, check=False), r"^error: --backfill records past history, but 2026-12-01 is after today")
    assert "2026-12-01" not in (released / LEDGER).read_text(encoding="utf-8")


def test_gate_advice_is_a_command_that_works_before_an_announced_version(released):
    """An urgent fix while a later version waits for its notice period: the gate's advice,
    a date between today and the announced version, is accepted."""
    edit(released, "en", "data-collect", "name and email address", "name, email address and phone number")
    run(["release", "--policy", "acme", "--effective", "2027-01-15", "--today", TODAY], cwd=released)
    commit_all(released, "Announce 2027-01-15", date="2026-11-23")
    edit(released, "en", "share-data", "---\n\nWe do not sell",
         "recipients:\n- name: ad network\n  role: controller\n---\n\nWe do not sell")
    proc = run(["gate", "--today", TODAY], cwd=released, check=False)
    assert proc.returncode == 1
    advice = re.search(r"'(policygen release [^']+)'", proc.stderr).group(1)
    assert "--backfill" not in advice
    out = run([*advice.split()[1:], "--today", TODAY], cwd=released).stdout
    assert "Note: version 2027-01-15 takes effect after this one" in out
    commit_all(released, "Urgent release", date="2026-11-23")
    run(["build", "--date", TODAY, "--out", "site"], cwd=released)


def test_a_ledger_committed_without_its_text(released):
    edit(released, "en", "contact-us", "Please write to", "Do write to")
    run(["release", "--policy", "acme", "--effective", "2025-01-01", "--backfill"], cwd=released)
    git(released, "add", LEDGER)
    git(released, "commit", "-q", "-m", "Release without text")
    recorded = head(released)
    pattern = (rf"^{LEDGER}:\d+: error: version 2025-01-01 of 'acme' was committed in {recorded[:10]} without the "
               "text it records")
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False), pattern,
          r"hint: commit the policy's text now")
    fails(run(["check"], cwd=released, check=False), pattern)
    # Following the hint fixes it: the text is found in the commit after the entry's.
    commit_all(released, "The text", date="2025-01-02")
    run(["check"], cwd=released)
    run(["build", "--date", TODAY, "--out", "site"], cwd=released)
    assert "Do write to" in (released / "site/en/acme/2025-01-01/index.html").read_text(encoding="utf-8")


def test_outside_a_git_repository_every_command_says_so(released, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(released / "policy_src", plain / "policy_src")
    for args in (["build", "--date", TODAY, "--out", "site"], ["versions", "--policy", "acme"],
                 ["diff", "latest", "draft", "--policy", "acme"], ["gate", "--today", TODAY]):
        fails(run(args, cwd=plain, check=False), r"is not inside a git repository", r"hint: run 'git init'")
    fails(run(["check"], cwd=plain, check=False), r"^policy_src: error: the policy sources are not inside a git")


def test_releasing_the_same_text_again_needs_allow_unchanged(released):
    fails(run(["release", "--policy", "acme", "--effective", "2026-12-01", "--today", TODAY], cwd=released,
              check=False), r"^error: the text is the same as version 2024-06-01's", r"--allow-unchanged")
    assert "2026-12-01" not in (released / LEDGER).read_text(encoding="utf-8")
    run(["release", "--policy", "acme", "--effective", "2026-12-01", "--today", TODAY, "--allow-unchanged"],
        cwd=released)
