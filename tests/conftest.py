"""Shared fixtures: the real CLI in a subprocess, real git repositories in tmp dirs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The two seed policies, copied from shared/seeds so a clone tests on its own.
SEEDS = ROOT / "tests" / "data" / "seeds"
BIN = Path(sys.executable).parent

GIT_ENV = {"GIT_AUTHOR_NAME": "Legal Editor", "GIT_AUTHOR_EMAIL": "legal@example.com",
           "GIT_COMMITTER_NAME": "Legal Editor", "GIT_COMMITTER_EMAIL": "legal@example.com",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(ROOT / ".pytest-home")}
# The key the cache folder's entries are signed with: the same for the CLI in a subprocess
# and for tests that open a cache folder themselves (tests/test_cache_trust.py tries others).
os.environ.setdefault("POLICYGEN_CACHE_KEY", "policygen's tests")


def fails(proc, *patterns):
    """Exit status 2, no traceback, every pattern at the start of a line of the output."""
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "Traceback" not in text
    for pat in patterns:
        assert re.search(pat, text, re.M), f"{pat!r} not in:\n{text}"
    return text


def policygen_exe() -> str:
    exe = BIN / "policygen"
    return str(exe) if exe.exists() else shutil.which("policygen")


def run(args, cwd, check=True, env=None, input=None):
    """Run the real policygen CLI; return the CompletedProcess."""
    full_env = {**os.environ, **GIT_ENV, **(env or {})}
    proc = subprocess.run([policygen_exe(), *args], cwd=cwd, capture_output=True, text=True, env=full_env, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"policygen {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def git(cwd, *args, date=None):
    env = {**os.environ, **GIT_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def project(tmp_path):
    """An empty policy project in a fresh git repository."""
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    d = tmp_path / "proj"
    d.mkdir()
    git(d, "init", "-q", "-b", "main")
    (d / "policy_src").mkdir()
    return d


def commit_all(d, message, date=None):
    git(d, "add", "-A")
    git(d, "commit", "-q", "-m", message, date=date)
    return git(d, "rev-parse", "HEAD").strip()


def write(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- policies in temporary repositories -------------------------------------------------

# A small three-clause policy in two languages, used wherever a test needs a released history.
EN = """# Privacy Policy

Last updated: 2023-01-01

## 1. Data We Collect

We collect your name and email address when you register.

## 2. How We Share Data

We do not sell your data. We share it with our hosting provider only.

## 3. Contact Us

Write to privacy@example.com with any question.
"""

ZH = """# 隐私政策

## 1. 我们收集的数据

您注册时，我们收集您的姓名和电子邮件地址。

## 2. 我们如何共享数据

我们不出售您的数据，仅与我们的托管服务商共享。

## 3. 联系我们

如有任何问题，请发送邮件至 privacy@example.com。
"""

def new_repo(root: Path) -> Path:
    """A fresh git repository at root/proj."""
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    project = root / "proj"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    return project


def import_texts(project: Path, texts: dict, policy: str = "acme") -> None:
    """Import one Markdown text per language (source language first) with the real CLI."""
    for lang, text in texts.items():
        src = project / f"import-{lang}.md"
        write(src, text)
        run(["import", src.name, "--policy", policy, "--lang", lang], cwd=project)
        src.unlink()


def clause_path(project: Path, lang: str, cid: str, policy: str = "acme") -> Path:
    return project / "policy_src" / policy / lang / f"{cid}.md"


def edit(project: Path, lang: str, cid: str, old: str, new: str, policy: str = "acme") -> None:
    p = clause_path(project, lang, cid, policy)
    text = p.read_text(encoding="utf-8")
    assert old in text, (old, text)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def retranslate(project: Path, cid: str | None = None, policy: str = "acme", lang: str = "zh-CN") -> None:
    """Mark a translated clause (or all of them) as up to date with its source clause."""
    import re

    from policygen.fragments import parse_clause
    from policygen.lint import source_hash

    for src in sorted((project / "policy_src" / policy / "en").glob("*.md")):
        clause = parse_clause(src.read_text(encoding="utf-8"), src.name, [])
        if cid is not None and clause.id != cid:
            continue
        p = clause_path(project, lang, clause.id, policy)
        line = hash_line(source_hash(clause))
        p.write_text(re.sub(r"source_hash: \S+", lambda _m: line, p.read_text(encoding="utf-8")), encoding="utf-8")


def hash_line(value: str) -> str:
    """``source_hash: ...`` as policygen writes it: quoted only where YAML would read a number."""
    import yaml

    return yaml.safe_dump({"source_hash": value}).strip()


def soup(site: Path, path: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def long_history(tmp_path, releases: int = 14):
    """A policy released on 1 January of each year from 2011."""
    project = new_repo(tmp_path)
    import_texts(project, {"en": EN})
    commit_all(project, "Import policy", date="2010-12-01")
    wording = "any question"
    for i in range(releases):
        day = f"{2011 + i}-01-01"
        if i:
            edit(project, "en", "contact-us", wording, f"any question (revision {i})")
            wording = f"any question (revision {i})"
        run(["release", "--policy", "acme", "--effective", day, "--backfill", "--today", day], cwd=project)
        commit_all(project, f"Release {day}", date=day)
    return project
