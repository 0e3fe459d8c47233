"""Hostile and malformed input (issue 20): every value is checked against the declared
schema with path:line, names match their patterns, YAML cannot blow up, git paths are read
unquoted, links and replaced objects are not followed. The real CLI on real git repositories."""

from __future__ import annotations

import os
import re
import time

import pytest

from conftest import EN, commit_all, fails, git, import_texts, new_repo, run, write

TODAY = "2026-11-23"
LEDGER = "policy_src/acme/releases.yml"


@pytest.fixture
def released(tmp_path):
    project = new_repo(tmp_path)
    import_texts(project, {"en": EN})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")
    return project


def line_of(path, needle) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text)


# --- the schema: wrong types with path:line -------------------------------------------------

@pytest.mark.parametrize("key, value, message", [
    ("justification", "!!binary aGVsbG8=", r"'justification' must be text"),
    ("summary", "[a, b]", r"'summary' must be text"),
    ("computed_level", "severe", r"'computed_level' must be one of editorial, minor, notice, consent"),
    ("backfill", "'yes'", r"'backfill' must be true or false"),
    ("stale_translations", "5", r"'stale_translations' must map each language to a list of clause ids"),
])
def test_wrong_types_in_the_ledger_are_errors_with_their_line(released, key, value, message):
    ledger = released / LEDGER
    text = ledger.read_text(encoding="utf-8")
    text = re.sub(rf"^  {key}: .*\n", "", text, flags=re.M)
    ledger.write_text(text.replace("  level: editorial\n", f"  level: editorial\n  {key}: {value}\n"), encoding="utf-8")
    line = line_of(ledger, f"  {key}: ")
    pattern = rf"^{LEDGER}:{line}: error: {message}"
    fails(run(["check"], cwd=released, check=False), pattern)
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False), pattern)
    assert not (released / "site").exists()


def test_wrong_types_in_policy_yml_and_front_matter(released):
    manifest = released / "policy_src/acme/policy.yml"
    good = manifest.read_text(encoding="utf-8")
    manifest.write_text(good.replace("notice_days: 30", "notice_days: soon"), encoding="utf-8")
    out = fails(run(["check"], cwd=released, check=False),
                rf"^policy_src/acme/policy\.yml:{line_of(manifest, 'notice_days')}: error: 'notice_days' must be a whole "
                "number of days")
    assert "hint: 'notice_days' is whole number >= 0" in out
    manifest.write_text(good, encoding="utf-8")
    clause = released / "policy_src/acme/en/contact-us.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace("title:", "purposes: !!binary aGVsbG8=\ntitle:", 1),
                      encoding="utf-8")
    fails(run(["check"], cwd=released, check=False),
          rf"^policy_src/acme/en/contact-us\.md:{line_of(clause, 'purposes')}: error: 'purposes' must be text, "
          "a list or a mapping")


def test_overlong_names_and_a_bad_source_date_epoch_are_user_errors(released):
    write(released / "v.md", EN)
    fails(run(["import", "v.md", "--policy", "p" * 300, "--lang", "en"], cwd=released, check=False),
          r"^error: --policy: invalid policy id 'p{40}'\.\.\.$", r"hint: use 1 to 64 lower-case")
    fails(run(["import", "v.md", "--policy", "acme", "--lang", "en-" + "x" * 300], cwd=released, check=False),
          r"^error: --lang: invalid language code", r"hint: use a BCP 47 code")
    fails(run(["build", "--out", "site"], cwd=released, check=False, env={"SOURCE_DATE_EPOCH": "abc"}),
          r"^error: SOURCE_DATE_EPOCH='abc' is not a number of seconds")


def test_a_yaml_error_is_reported_on_its_own_line(released):
    ledger = released / LEDGER
    ledger.write_text("releases:\n- effective: '2023-01-01'\n  level editorial\n  content: {}\n", encoding="utf-8")
    fails(run(["check"], cwd=released, check=False), rf"^{LEDGER}:3: error: malformed YAML")
    manifest = released / "policy_src/acme/policy.yml"
    ledger.write_text("releases: []\n", encoding="utf-8")
    manifest.write_text("languages: [en\nclauses: [a]\n", encoding="utf-8")
    fails(run(["check"], cwd=released, check=False), r"^policy_src/acme/policy\.yml:1: error: malformed YAML: a flow "
                                                     "sequence is never closed")


# --- names are data ------------------------------------------------------------------------

def test_a_policy_folder_named_like_markup_is_refused_everywhere(released):
    hostile = 'z"><img src=x onerror=alert(8)>'
    os.rename(released / "policy_src/acme", released / "policy_src" / hostile)
    pattern = r"error: the folder name is an invalid policy id 'z\"><img src=x onerror=alert\(8\)>'"
    fails(run(["check"], cwd=released, check=False), pattern)
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False), pattern)
    assert not (released / "site").exists()
    write(released / "v.md", EN)
    fails(run(["import", "v.md", "--policy", hostile, "--lang", "en"], cwd=released, check=False),
          r"^error: --policy: invalid policy id")


def test_clause_ids_and_language_codes_match_their_patterns(released):
    clause = released / "policy_src/acme/en/contact-us.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace("id: contact-us", "id: Contact_Us"), encoding="utf-8")
    fails(run(["check"], cwd=released, check=False),
          r"^policy_src/acme/en/contact-us\.md:2: error: invalid clause id 'Contact_Us': use 1 to 100 lower-case")


# --- YAML alias bombs ----------------------------------------------------------------------

def bomb(key: str, indent: str = "") -> str:
    lines = [f'{indent}a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + f"\n{indent}{key}: *a9\n"


def test_an_alias_bomb_in_a_clause_is_refused_fast(released):
    clause = released / "policy_src/acme/en/contact-us.md"
    text = clause.read_text(encoding="utf-8")
    clause.write_text(text.replace("---\n", "---\n" + bomb("purposes").replace("a0:", "x0:", 0), 1), encoding="utf-8")
    started = time.monotonic()
    fails(run(["check"], cwd=released, check=False),
          r"^policy_src/acme/en/contact-us\.md:3: error: YAML aliases \('\*name'\) here expand to more than 10,000")
    assert time.monotonic() - started < 10  # the CLI's start-up included; the bomb took 30-40 s and 2.9 GB


def test_an_alias_bomb_in_the_ledger_is_refused_fast(released):
    ledger = released / LEDGER
    ledger.write_text(bomb("other") + ledger.read_text(encoding="utf-8"), encoding="utf-8")
    started = time.monotonic()
    fails(run(["build", "--date", TODAY, "--out", "site"], cwd=released, check=False),
          rf"^{LEDGER}:2: error: YAML aliases")
    assert time.monotonic() - started < 10


def test_load_yaml_refuses_a_bomb_in_well_under_a_second():
    from policygen.fragments import load_yaml

    findings = []
    started = time.monotonic()
    assert load_yaml(bomb("purposes"), "x.yml", findings) is None
    assert time.monotonic() - started < 0.5
    assert findings[0].line == 2
    ok = "a: &x [1, 2]\nb: *x\n"
    assert load_yaml(ok, "x.yml", []) == {"a": [1, 2], "b": [1, 2]}  # small aliases stay allowed


# --- git paths, links, replaced objects ------------------------------------------------------

@pytest.mark.parametrize("where", ["法律 文件/policy_src", "légal/site/policy_src", "legal docs/policy_src"])
def test_sources_under_non_ascii_and_spaced_folders(tmp_path, where):
    project = new_repo(tmp_path)
    src = project / where
    src.mkdir(parents=True)
    write(project / "v.md", EN)
    run(["import", "v.md", "--policy", "acme", "--lang", "en", "--src", where], cwd=project)
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill", "--src", where], cwd=project)
    commit_all(project, "Release", date="2022-12-16")
    (src / "acme/en/contact-us.md").write_text(
        (src / "acme/en/contact-us.md").read_text(encoding="utf-8").replace("Write to", "Please write to"),
        encoding="utf-8")
    run(["release", "--policy", "acme", "--effective", "2024-01-01", "--backfill", "--src", where], cwd=project)
    commit_all(project, "Release 2", date="2023-12-16")
    rows = run(["versions", "--policy", "acme", "--src", where, "--format", "json"], cwd=project).stdout
    assert '"commit": null' not in rows and rows.count('"commit": "') == 2
    run(["check", "--src", where], cwd=project)
    run(["build", "--src", where, "--date", TODAY, "--out", "site"], cwd=project)
    assert "Please write" not in (project / "site/en/acme/2023-01-01/index.html").read_text(encoding="utf-8")


def test_a_symlinked_clause_is_refused(released, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\nid: contact-us\ntitle: Contact\n---\n\nSecret text from outside.\n", encoding="utf-8")
    clause = released / "policy_src/acme/en/contact-us.md"
    clause.unlink()
    os.symlink(outside, clause)
    pattern = r"^policy_src/acme/en/contact-us\.md: error: is a symbolic link"
    fails(run(["check"], cwd=released, check=False), pattern)
    fails(run(["build", "--date", TODAY, "--out", "site", "--draft"], cwd=released, check=False), pattern)
    fails(run(["release", "--policy", "acme", "--effective", "2024-01-01", "--backfill"], cwd=released, check=False),
          pattern)
    assert not (released / "site").exists()


def test_git_replace_of_a_released_clause_is_not_followed(released):
    blob = git(released, "rev-parse", "HEAD:policy_src/acme/en/contact-us.md").strip()
    fake = released / "fake.md"
    fake.write_text((released / "policy_src/acme/en/contact-us.md").read_text(encoding="utf-8")
                    .replace("Write to", "Never write to"), encoding="utf-8")
    other = git(released, "hash-object", "-w", str(fake)).strip()
    git(released, "replace", blob, other)
    run(["build", "--date", TODAY, "--out", "site", "--no-cache"], cwd=released)
    page = (released / "site/en/acme/2023-01-01/index.html").read_text(encoding="utf-8")
    assert "Never write to" not in page and "Write to" in page


# --- Markdown output for pull-request comments -----------------------------------------------

MD_CLAUSE = """---
id: extras
title: "Extras @octocat ![t](https://evil.example/title.png)"
purposes:
- 'analytics <!-- and sale of your data to data brokers -->'
- '@octocat ![pixel](https://evil.example/p.png) <img src=https://evil.example/i.png>'
---

We show ![tracker](https://evil.example/pixel.png) and [our help page](https://evil.example/phish).
Ask @octocat. <script>alert(1)</script> <img src=https://evil.example/x.png> <!-- hidden words -->
The fee is \u202eten\u202c euros.
"""


@pytest.fixture
def md_project(released):
    write(released / "policy_src/acme/en/extras.md", MD_CLAUSE)
    manifest = released / "policy_src/acme/policy.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("- contact-us", "- contact-us\n- extras"),
                        encoding="utf-8")
    return released


def rendered(md_text: str):
    import markdown
    from bs4 import BeautifulSoup

    return BeautifulSoup(markdown.markdown(md_text, extensions=["tables"]), "html.parser")


def assert_literal(md_text: str):
    soup = rendered(md_text)
    html_out = str(soup)
    assert not soup.find_all(["img", "script", "iframe", "style"]), html_out
    assert "<!--" not in html_out, html_out  # no comment can hide words
    for a in soup.find_all("a"):  # no link hides its target
        assert a["href"] in a.get_text() or a["href"] in a.parent.get_text(), a.parent
    text = soup.get_text()
    assert "@octocat" not in text and "@\u2060octocat" in text  # shown, never a mention
    assert "\u202e" not in text
    return text


def test_diff_md_renders_every_value_as_literal_text(md_project):
    out = run(["diff", "latest", "draft", "--policy", "acme", "--format", "md"], cwd=md_project).stdout
    text = assert_literal(out)
    assert "and sale of your data to data brokers" in text
    assert "![pixel](https://evil.example/p.png)" in text and "![t](https://evil.example/title.png)" in text
    assert "https://evil.example/phish" in text
    assert "<U+202E>ten<U+202C>" in text


def test_summary_md_renders_every_value_as_literal_text(md_project):
    out = run(["summary", "--policy", "acme", "--version", "draft", "--format", "md"], cwd=md_project).stdout
    text = assert_literal(out)
    assert "analytics <!-- and sale of your data to data brokers -->" in text


def test_bidi_controls_are_flagged_by_check_and_shown_in_text_diffs(md_project):
    proc = run(["check"], cwd=md_project)
    clause = md_project / "policy_src/acme/en/extras.md"
    assert (f"policy_src/acme/en/extras.md:{line_of(clause, 'The fee')}: warning: invisible bidirectional control "
            "character U+202E") in proc.stdout
    out = run(["diff", "latest", "draft", "--policy", "acme"], cwd=md_project).stdout
    assert "\u202e" not in out and "<U+202E>ten<U+202C>" in out


# --- what the built site is written with -------------------------------------------------------

def test_site_files_are_world_readable_under_umask_077(released):
    import subprocess

    from conftest import GIT_ENV, policygen_exe

    subprocess.run([policygen_exe(), "build", "--date", TODAY, "--out", "site"], cwd=released, check=True,
                   env={**os.environ, **GIT_ENV}, capture_output=True, preexec_fn=lambda: os.umask(0o077))
    site = released / "site"
    modes = {p.relative_to(site).as_posix(): p.stat().st_mode & 0o777 for p in [site, *site.rglob("*")]}
    wrong = {p: oct(m) for p, m in modes.items()
             if m != (0o755 if (site / p).is_dir() else 0o644)}
    assert not wrong, list(wrong.items())[:5]


def test_pdf_header_prints_the_title_as_written(released):
    manifest = released / "policy_src/acme/policy.yml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r"(?m)^title:.*\n(  en: .*\n)?", 'title:\n  en: "Terms <&> \\"Privacy\\""\n', text, 1),
                        encoding="utf-8")
    commit_all(released, "Title", date="2023-06-01")
    run(["release", "--policy", "acme", "--effective", "2023-07-01", "--backfill", "--allow-unchanged"], cwd=released)
    commit_all(released, "Release", date="2023-06-02")
    run(["build", "--date", TODAY, "--out", "site"], cwd=released)
    page = (released / "site/en/acme/2023-07-01/index.html").read_text(encoding="utf-8")
    css = re.search(r"@top-left \{ content: (\"[^\n]*?\"); \}", page).group(1)
    # A CSS string: what Chromium prints in the header is the title itself, not HTML entities.
    assert "&lt;" not in css and "&amp;" not in css and "&quot;" not in css, css
    assert css == r'"Terms \3c \26 \3e  \"Privacy\""', css


def test_readme_documents_the_schema_and_the_name_patterns():
    from conftest import ROOT
    from policygen import schema

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for table in (schema.MANIFEST, schema.CLAUSE, schema.RELEASE, schema.WITHDRAWAL):
        assert schema.reference_table(table) in readme
    for kind, (pattern, rule) in schema.NAME_PATTERNS.items():
        assert f"| {kind} | `{pattern.pattern}` | {rule} |" in readme
