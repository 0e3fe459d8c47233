"""Bad input gets a clear error: `path:line: error: message`, exit status 2, never a
traceback. Driven through the real CLI on real temporary git repositories."""

import re

import pytest

from conftest import commit_all, git, run, write

MANIFEST = """title:
  en: Acme Privacy Policy
languages: [en]
clauses:
  - intro
  - data
"""

INTRO = """---
id: intro
title: Introduction
---

We care about your privacy.
"""

DATA = """---
id: data
title: Data We Collect
---

We collect your name and email address.
"""

TODAY = "2026-11-23"


def policy_dir(project):
    return project / "policy_src" / "acme"


@pytest.fixture
def acme(project):
    """A valid one-language policy, committed, with no release yet."""
    write(policy_dir(project) / "policy.yml", MANIFEST)
    write(policy_dir(project) / "en" / "intro.md", INTRO)
    write(policy_dir(project) / "en" / "data.md", DATA)
    commit_all(project, "Policy", date="2023-01-01")
    assert run(["check"], cwd=project).returncode == 0
    return project


@pytest.fixture
def released(acme):
    """The policy with two released versions in history."""
    run(["release", "--policy", "acme", "--effective", "2023-02-01", "--backfill"], cwd=acme)
    commit_all(acme, "Release 2023-02-01", date="2023-01-15")
    clause = policy_dir(acme) / "en" / "data.md"
    clause.write_text(DATA.replace("name and email address", "name, email address and postcode"), encoding="utf-8")
    commit_all(acme, "Collect postcode", date="2024-01-01")
    run(["release", "--policy", "acme", "--effective", "2024-02-01", "--backfill"], cwd=acme)
    commit_all(acme, "Release 2024-02-01", date="2024-01-15")
    return acme


def output(proc):
    return proc.stdout + proc.stderr


def assert_user_error(proc, *patterns):
    """Exit status 2, no traceback, and every pattern found at the start of a line."""
    text = output(proc)
    assert proc.returncode == 2, text
    assert "Traceback" not in text
    for pat in patterns:
        assert re.search(pat, text, re.M), f"{pat!r} not in:\n{text}"


def check(project, *patterns):
    proc = run(["check"], cwd=project, check=False)
    assert_user_error(proc, *patterns)
    return proc


def error_count(proc):
    return int(re.search(r"(\d+) error\(s\)", proc.stderr).group(1))


# --- clause files ---------------------------------------------------------------------

@pytest.mark.parametrize("front, line, what", [
    ("id: data\ntitle: Data: we collect\n", 3, "mapping values are not allowed"),
    ("id: data\ntitle: Data\npurposes:\n  - accounts\n - billing\n", 6, "expected <block end>"),
    ('id: data\ntitle: "Data We Collect\n', 3, "quoted scalar is never closed"),
    ("id: data\ntitle: Data\npurposes: [accounts, billing\n", 4, "flow sequence is never closed"),
    ("id: data\ntitle: Data\nid: data-2\n", 4, "duplicate key 'id'"),
])
def test_malformed_front_matter_points_at_the_bad_line(acme, front, line, what):
    write(policy_dir(acme) / "en" / "data.md", f"---\n{front}---\n\nWe collect your name.\n")
    proc = check(acme, rf"^policy_src/acme/en/data\.md:{line}: error: malformed YAML: .*{re.escape(what)}")
    # The broken file is the one problem: no follow-on "clause has no file" error.
    assert error_count(proc) == 1, output(proc)
    assert "has no file" not in output(proc)


def test_clause_without_id(acme):
    write(policy_dir(acme) / "en" / "data.md", "---\ntitle: Data We Collect\n---\n\nText.\n")
    proc = check(acme, r"^policy_src/acme/en/data\.md:2: error: clause has no 'id'$")
    assert "hint: add 'id:' (clause id): a stable id" in proc.stdout
    assert error_count(proc) == 1


def test_clause_without_front_matter(acme):
    write(policy_dir(acme) / "en" / "data.md", "We collect your name.\n")
    check(acme, r"^policy_src/acme/en/data\.md:1: error: clause has no YAML front matter$")


def test_duplicate_clause_id_across_two_files(acme):
    write(policy_dir(acme) / "en" / "data-copy.md", DATA.replace("Data We Collect", "Data (copy)"))
    proc = check(acme, r"^policy_src/acme/en/data(-copy)?\.md:2: error: duplicate clause id 'data'$")
    # Both files are named, so the editor knows which two collide.
    assert "data-copy.md" in output(proc) and re.search(r"\bdata\.md\b", output(proc))


def test_clause_file_not_listed_in_policy_yml(acme):
    write(policy_dir(acme) / "en" / "cookies.md", "---\nid: cookies\ntitle: Cookies\n---\n\nWe use none.\n")
    proc = check(acme, r"^policy_src/acme/en/cookies\.md:2: error: clause 'cookies' is not listed in policy\.yml$")
    assert "add it to 'clauses:'" in proc.stdout


def test_policy_yml_clause_without_a_file(acme):
    write(policy_dir(acme) / "policy.yml", MANIFEST + "  - contact\n")
    # The line is the one in policy.yml that lists the clause.
    check(acme, r"^policy_src/acme/policy\.yml:7: error: clause 'contact' has no file in ")


def test_unknown_language_folder(acme):
    write(policy_dir(acme) / "fr" / "intro.md", INTRO)
    proc = check(acme, r"^policy_src/acme/fr: error: folder 'fr' is not a language listed in policy\.yml$")
    assert "add 'fr' to 'languages:'" in proc.stdout


def test_unknown_language_code_in_policy_yml(acme):
    write(policy_dir(acme) / "policy.yml", MANIFEST.replace("[en]", "[en, Deutsch]"))
    check(acme, r"^policy_src/acme/policy\.yml:3: error: invalid language code 'Deutsch': use a BCP 47 code such as en")


def test_missing_translation_is_a_warning(acme):
    write(policy_dir(acme) / "policy.yml", MANIFEST.replace("[en]", "[en, de]"))
    write(policy_dir(acme) / "de" / "intro.md", INTRO.replace("Introduction", "Einleitung"))
    proc = run(["check"], cwd=acme, check=False)
    assert proc.returncode == 0, output(proc)
    assert "Traceback" not in output(proc)
    assert re.search(r"^policy_src/acme/policy\.yml:6: warning: translation of clause 'data' has no file in ",
                     proc.stdout, re.M), proc.stdout
    assert not re.search(r": error: ", proc.stdout)
    strict = run(["check", "--strict"], cwd=acme, check=False)
    assert strict.returncode != 0 and "Traceback" not in output(strict)
    # A warning does not block a build.
    run(["build", "--date", TODAY, "--out", "site"], cwd=acme)


def test_non_utf8_clause_file(acme):
    (policy_dir(acme) / "en" / "data.md").write_bytes(
        b"---\nid: data\ntitle: Donn\xe9es\n---\n\nNous collectons votre nom.\n")
    proc = check(acme, r"^policy_src/acme/en/data\.md:3: error: file is not valid UTF-8$")
    assert "hint: re-save the file with UTF-8 encoding" in proc.stdout
    assert error_count(proc) == 1


@pytest.mark.parametrize("manifest, pattern", [
    ("title:\n  en: Acme\nlanguages: [en]\nclauses: []\n", r"^policy_src/acme/policy\.yml:4: error: policy\.yml needs 'clauses:'"),
    ("title:\n  en: Acme\nlanguages: [en]\n", r"^policy_src/acme/policy\.yml:1: error: policy\.yml needs 'clauses:'"),
    ("", r"^policy_src/acme/policy\.yml:1: error: policy\.yml is empty$"),
])
def test_empty_policy(project, manifest, pattern):
    write(policy_dir(project) / "policy.yml", manifest)
    check(project, pattern)
    proc = run(["build", "--out", "site"], cwd=project, check=False)
    assert_user_error(proc, pattern)
    assert not (project / "site").exists()


def test_no_policies_at_all(project):
    check(project, r"^policy_src: error: no policies found")


# --- the release ledger and dates -----------------------------------------------------

def test_wrong_date_in_releases_yml(released):
    ledger = policy_dir(released) / "releases.yml"
    text = ledger.read_text(encoding="utf-8")
    line = text.splitlines().index("- effective: '2024-02-01'") + 1
    ledger.write_text(text.replace("'2024-02-01'", "'2024-02-30'"), encoding="utf-8")
    pattern = rf"^policy_src/acme/releases\.yml:{line}: error: invalid date '2024-02-30': February 2024 has 29 days$"
    check(released, pattern)
    assert_user_error(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False), pattern)
    # A release would rewrite the ledger: it must refuse rather than drop the broken entry.
    before = ledger.read_bytes()
    assert_user_error(run(["release", "--policy", "acme", "--effective", "2025-01-01", "--backfill"],
                          cwd=released, check=False), pattern)
    assert ledger.read_bytes() == before


def test_release_with_an_impossible_effective_date(acme):
    proc = run(["release", "--policy", "acme", "--effective", "2024-13-01"], cwd=acme, check=False)
    assert_user_error(proc, r"^error: --effective '2024-13-01': there is no month 13$", r"hint: write dates as YYYY-MM-DD")
    proc = run(["release", "--policy", "acme", "--effective", "2027-02-30"], cwd=acme, check=False)
    assert_user_error(proc, r"^error: --effective '2027-02-30': February 2027 has 28 days$", r"hint: check the day")
    proc = run(["release", "--policy", "acme", "--effective", "27-2-3"], cwd=acme, check=False)
    assert_user_error(proc, r"^error: --effective '27-2-3' is not a date$", r"hint: write dates as YYYY-MM-DD")
    assert not (policy_dir(acme) / "releases.yml").exists()


def test_build_with_an_impossible_date(acme):
    assert_user_error(run(["build", "--date", "2024-02-30"], cwd=acme, check=False), r"^error: invalid date '2024-02-30'")


# --- import ---------------------------------------------------------------------------

def test_import_missing_file(project):
    proc = run(["import", "nope.txt", "--policy", "acme", "--lang", "en"], cwd=project, check=False)
    assert_user_error(proc, r"^nope\.txt: error: file not found$")
    assert not policy_dir(project).exists()


def test_import_unsupported_type(project):
    (project / "policy.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    proc = run(["import", "policy.pdf", "--policy", "acme", "--lang", "en"], cwd=project, check=False)
    assert_user_error(proc, r"^policy\.pdf: error: cannot import \.pdf$", r"hint: .*convert PDF")
    assert not policy_dir(project).exists()


def test_import_non_utf8_text(project):
    (project / "policy.txt").write_bytes(b"Privacy Policy\n\n1. Data\n\nNous collectons vos donn\xe9es.\n")
    proc = run(["import", "policy.txt", "--policy", "acme", "--lang", "en"], cwd=project, check=False)
    assert_user_error(proc, r"^policy\.txt:5: error: file is not valid UTF-8$")


# --- diff and versions ----------------------------------------------------------------

def test_diff_unknown_version_date(released):
    proc = run(["diff", "2020-01-01", "latest", "--policy", "acme"], cwd=released, check=False)
    assert_user_error(proc, r"^error: no version takes effect on 2020-01-01$", r"hint: list versions")


def test_diff_unknown_revision(released):
    proc = run(["diff", "no-such-branch", "draft", "--policy", "acme"], cwd=released, check=False)
    assert_user_error(proc, r"^error: unknown version or git revision 'no-such-branch'$")


def test_diff_and_versions_of_an_unknown_policy(released):
    for args in (["diff", "latest", "draft", "--policy", "acme2"], ["versions", "--policy", "acme2"]):
        proc = run(args, cwd=released, check=False)
        assert_user_error(proc, r"^error: there is no policy 'acme2' in policy_src/$", r"known policies: acme")


# --- build ----------------------------------------------------------------------------

def test_build_with_source_errors_creates_no_output(acme):
    write(policy_dir(acme) / "en" / "data.md", "---\nid: data\ntitle: Data: we collect\n---\n\nx\n")
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=acme, check=False)
    assert_user_error(proc, r"^policy_src/acme/en/data\.md:3: error: malformed YAML",
                      r"nothing was built")
    assert not (acme / "site").exists()
    assert not list(acme.glob(".site-*"))


def test_build_with_source_errors_does_not_touch_the_output(acme):
    run(["build", "--date", TODAY, "--out", "site"], cwd=acme)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (acme / "site").rglob("*") if p.is_file()}
    dir_mtime = (acme / "site").stat().st_mtime_ns
    write(policy_dir(acme) / "en" / "data.md", "---\ntitle: no id\n---\n\nx\n")
    assert_user_error(run(["build", "--date", TODAY, "--out", "site"], cwd=acme, check=False),
                      r"^policy_src/acme/en/data\.md:2: error: clause has no 'id'$")
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (acme / "site").rglob("*") if p.is_file()}
    assert after == before
    assert (acme / "site").stat().st_mtime_ns == dir_mtime
    assert not list(acme.glob(".site-*"))


def test_shallow_clone_is_refused_with_the_fix(released, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{released}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=clone, check=False)
    assert_user_error(proc, r"shallow clone", r"git fetch --unshallow")
    assert not (clone / "site").exists()
    assert not list(clone.glob(".site-*"))
    # After following the advice, the same clone builds.
    git(clone, "fetch", "-q", "--unshallow")
    run(["build", "--date", TODAY, "--out", "site"], cwd=clone)
    assert (clone / "site/en/acme/2023-02-01/index.html").exists()


def test_amended_release_commit_is_detected(released):
    # Rewrite history: the release commit now holds a different text than the one released.
    clause = policy_dir(released) / "en" / "data.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace("postcode", "date of birth"), encoding="utf-8")
    git(released, "commit", "-q", "-a", "--amend", "--no-edit")
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False)
    assert_user_error(proc, r"^policy_src/acme/releases\.yml:\d+: error: version 2024-02-01 of 'acme' no longer matches")
    assert not (released / "site").exists()
    assert_user_error(run(["versions", "--policy", "acme"], cwd=released, check=False), r"version 2024-02-01")


def test_edited_hash_in_releases_yml_is_detected(released):
    ledger = policy_dir(released) / "releases.yml"
    text = ledger.read_text(encoding="utf-8")
    m = re.search(r"en: ([0-9a-f]{64})", text)  # the first version's hash
    ledger.write_text(text.replace(m.group(1), "a" * 64), encoding="utf-8")
    edited = commit_all(released, "Edit the ledger", date="2024-03-01")
    recorded = git(released, "log", "--format=%H", "--grep", "Release 2023-02-01").strip()
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False)
    assert_user_error(proc, rf"^policy_src/acme/releases\.yml:\d+: error: version 2023-02-01 was recorded in commit "
                            rf"{recorded[:10]} and its content hash changed in commit {edited[:10]}$",
                      r"hint: a released entry never changes")
    assert not (released / "site").exists()
