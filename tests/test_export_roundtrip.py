"""`policygen export --format md|html|txt` writes the whole policy as one document, and
importing it gives the same fragments and ids (issue 19), through the real CLI."""

import re
import shutil

import pytest
import yaml

from conftest import SEEDS, commit_all, run

ASTRO = SEEDS / "astronergy-privacy-policy-2023-05-31.txt"


def clauses(project, policy, lang="en"):
    base = project / "policy_src" / policy
    manifest = yaml.safe_load((base / "policy.yml").read_text(encoding="utf-8"))
    out = {}
    for cid in manifest["clauses"]:
        _, fm, body = (base / lang / f"{cid}.md").read_text(encoding="utf-8").split("---\n", 2)
        out[cid] = (yaml.safe_load(fm)["title"], body)
    return manifest, out


def words(text):
    return re.findall(r"[A-Za-z]+", text.lower())


@pytest.fixture
def released(project):
    run(["import", str(ASTRO), "--policy", "astro", "--lang", "en"], cwd=project)
    commit_all(project, "import")
    run(["release", "--policy", "astro", "--effective", "2023-05-31", "--backfill"], cwd=project)
    commit_all(project, "release")
    return project


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_export_imports_back_to_the_same_clauses(released, fmt):
    project = released
    run(["export", "--policy", "astro", "--version", "2023-05-31", "--format", fmt, "-o", f"astro.{fmt}"],
        cwd=project)
    manifest, before = clauses(project, "astro")
    # Into a new policy: the same ids, titles and numbering (md and html carry the ids;
    # plain text's numbered headings give the same slugs), and the same words.
    out = run(["import", f"astro.{fmt}", "--policy", "copy", "--lang", "en"], cwd=project).stdout
    copy_manifest, after = clauses(project, "copy")
    assert copy_manifest["clauses"] == manifest["clauses"]
    assert copy_manifest["numbering"] == manifest["numbering"]
    assert copy_manifest["title"] == manifest["title"]
    assert "--effective 2023-05-31" in out
    for cid, (title, body) in before.items():
        assert after[cid][0] == title
        assert words(after[cid][1]) == words(body), cid
        if fmt == "md":
            assert after[cid][1] == body  # Markdown: the very fragments
    # Into the policy it came from: every id kept, nothing new or removed.
    shutil.rmtree(project / "policy_src" / "copy")
    out = run(["import", f"astro.{fmt}", "--policy", "astro", "--lang", "en"], cwd=project).stdout
    assert " new " not in out and "removed" not in out
    assert clauses(project, "astro")[0]["clauses"] == manifest["clauses"]
    if fmt == "md":
        import subprocess

        status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
        assert status.strip() == "?? astro.md", status


def test_export_help_and_formats(project):
    help_text = run(["export", "--help"], cwd=project).stdout
    for fmt in ("md", "html", "txt", "docx"):
        assert fmt in help_text
