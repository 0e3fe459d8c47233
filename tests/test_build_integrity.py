"""Builds are deterministic and atomic: the same sources give the same bytes, and a build
that fails (in the sources or halfway through MkDocs) leaves the previous site as it was.
Line endings never change content hashes."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import GIT_ENV, commit_all, git, run, write

TODAY = "2026-11-23"

MANIFEST = """title:
  en: Acme Privacy Policy
  zh-CN: Acme 隐私政策
entity:
  name: Acme Ltd
languages: [en, zh-CN]
clauses: [intro, data, contact]
unnumbered: [intro]
"""

CLAUSES = {
    ("en", "intro"): ("Introduction", "This policy explains how Acme handles personal data."),
    ("en", "data"): ("Data We Collect", "We collect your name and email address when you register.\n\n"
                                        "- name\n- email address"),
    ("en", "contact"): ("Contact Us", "Write to privacy@example.com with any question."),
    ("zh-CN", "intro"): ("引言", "本政策说明 Acme 如何处理个人信息。"),
    ("zh-CN", "data"): ("我们收集的数据", "您注册时，我们收集您的姓名和电子邮件地址。\n\n- 姓名\n- 电子邮件地址"),
    ("zh-CN", "contact"): ("联系我们", "如有任何问题，请发送邮件至 privacy@example.com。"),
}


def source_hash(project, cid):
    from policygen.fragments import parse_clause
    from policygen.lint import source_hash as sh

    path = project / "policy_src/acme/en" / f"{cid}.md"
    return sh(parse_clause(path.read_text(encoding="utf-8"), "x", []))


def write_policy(project, newline="\n", edits=()):
    """Write the policy (with ``edits``: (lang, cid, old, new)); translations up to date."""
    base = project / "policy_src" / "acme"
    texts = dict(CLAUSES)
    for lang, cid, old, new in edits:
        title, body = texts[(lang, cid)]
        assert old in body
        texts[(lang, cid)] = (title, body.replace(old, new))

    def put(path, text):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.replace("\n", newline).encode("utf-8"))

    put(base / "policy.yml", MANIFEST)
    for (lang, cid), (title, body) in texts.items():
        if lang == "en":
            put(base / lang / f"{cid}.md", f"---\nid: {cid}\ntitle: {title}\n---\n\n{body}\n")
    for (lang, cid), (title, body) in texts.items():
        if lang != "en":
            put(base / lang / f"{cid}.md",
                f"---\nid: {cid}\ntitle: {title}\nsource_hash: '{source_hash(project, cid)}'\n---\n\n{body}\n")


def make_history(project, newline="\n"):
    """Three versions: two in force, one upcoming."""
    write_policy(project, newline)
    commit_all(project, "Policy", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")
    clarify = [("en", "contact", "Write to", "Please write to"), ("zh-CN", "contact", "如有任何问题", "如您有任何问题")]
    write_policy(project, newline, clarify)
    commit_all(project, "Clarify contact", date="2024-05-01")
    run(["release", "--policy", "acme", "--effective", "2024-06-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2024-06-01", date="2024-05-02")
    phone = [("en", "data", "name and email address", "name, email address and phone number"),
             ("zh-CN", "data", "姓名和电子邮件地址", "姓名、电子邮件地址和电话号码")]
    write_policy(project, newline, clarify + phone)
    commit_all(project, "Collect phone numbers", date="2026-11-01")
    run(["release", "--policy", "acme", "--effective", "2027-01-15", "--today", "2026-11-02"], cwd=project)
    commit_all(project, "Release 2027-01-15", date="2026-11-02")
    return project


def tree(folder: Path) -> dict:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stat_tree(folder: Path) -> dict:
    """Every entry under ``folder`` and the folder itself: mtime, inode and (files) bytes."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino,
                                                p.read_bytes() if p.is_file() else None)
            for p in [folder, *sorted(folder.rglob("*"))]}


def assert_same_tree(a: Path, b: Path):
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb), set(ta) ^ set(tb)
    different = [name for name in ta if ta[name] != tb[name]]
    assert not different, f"{len(different)} files differ, e.g. {different[:5]}"


def leftovers(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.startswith((".site-build-", ".site-old-"))]


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    os.makedirs(GIT_ENV["HOME"], exist_ok=True)
    d = tmp_path_factory.mktemp("integrity") / "proj"
    d.mkdir()
    git(d, "init", "-q", "-b", "main")
    return make_history(d)


# --- (a) deterministic ----------------------------------------------------------------

def test_two_builds_are_byte_identical(history, tmp_path):
    # Different hash seeds, time zones and output paths must not show in the bytes.
    run(["build", "--date", TODAY, "--out", str(tmp_path / "one")], cwd=history,
        env={"PYTHONHASHSEED": "1", "TZ": "UTC"})
    run(["build", "--date", TODAY, "--out", str(tmp_path / "nested" / "two")], cwd=history,
        env={"PYTHONHASHSEED": "4242", "TZ": "Asia/Shanghai"})
    one, two = tmp_path / "one", tmp_path / "nested" / "two"
    assert (one / "en/acme/upcoming/index.html").exists()
    assert (one / "zh-CN/acme/compare/2023-01-01...2024-06-01/index.html").exists()
    assert len(tree(one)) > 20
    assert_same_tree(one, two)


def test_a_clone_elsewhere_builds_the_same_bytes(history, tmp_path):
    run(["build", "--date", TODAY, "--out", str(tmp_path / "orig")], cwd=history)
    clone = tmp_path / "somewhere" / "else"
    git(tmp_path, "clone", "-q", str(history), str(clone))
    run(["build", "--date", TODAY, "--out", "site"], cwd=clone, env={"PYTHONHASHSEED": "7"})
    assert_same_tree(tmp_path / "orig", clone / "site")


# --- (b) a failed build keeps the old site ----------------------------------------------

def test_failed_build_leaves_the_previous_site_untouched(history, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(history), str(clone))
    run(["build", "--date", TODAY, "--out", "site"], cwd=clone)
    before = stat_tree(clone / "site")
    clause = clone / "policy_src/acme/en/data.md"
    clause.write_text(clause.read_text(encoding="utf-8").replace("title: Data We Collect", "title: Data: we collect"),
                      encoding="utf-8")
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=clone, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"^policy_src/acme/en/data\.md:3: error: malformed YAML", proc.stderr, re.M), proc.stderr
    assert stat_tree(clone / "site") == before
    assert not leftovers(clone)


# --- (c) failing halfway inside MkDocs ---------------------------------------------------

CONFIG = """site_name: Integrity test
docs_dir: policy_src
use_directory_urls: true
validation:
  nav:
    omitted_files: ignore
theme:
  name: material
  font: false
{theme_extra}plugins:
  - search
  - policygen
extra:
  generator: false
{extra}"""

HOOK_PAGE = '''pages = 0


def on_post_page(output, page, config):
    global pages
    pages += 1
    if pages == 3:
        raise RuntimeError("hook gave up on page 3")
    return output
'''

HOOK_POST_BUILD = '''def on_post_build(config):
    # Every page is written by now: the failure comes at the very end.
    raise ValueError("post-build check failed")
'''

HOOK_PAGE_IN_FORCE = '''def on_post_page(output, page, config):
    if page.url == "en/acme/":  # built by MkDocs in the build process, while the workers run
        raise RuntimeError("hook gave up on the page in force")
    return output
'''

TEMPLATE_ERROR = """{% extends "base.html" %}
{% block content %}
{{ page.meta.no_such_key.deeper }}
{% endblock %}
"""


HOOK_PIDS = '''import logging
import os


def on_post_page(output, page, config):
    with open(os.environ["PAGES_LOG"], "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {page.url}\\n")
    if page.url.endswith("compare/2023-01-01...2024-06-01/"):
        logging.getLogger("mkdocs.hooks").warning("checked %s", page.url)
    return output + "<!-- seen by the hook -->"
'''


def test_worker_processes_build_the_same_bytes(history, tmp_path):
    """Pages are made in worker processes when there are several CPUs: the output is the
    same with one process or two, and a hook's on_post_page applies to every page."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(history), str(clone))
    write(clone / "hooks.py", HOOK_PIDS)
    write(clone / "mkdocs.yml", CONFIG.format(theme_extra="", extra="hooks:\n  - hooks.py\n"))
    seen = {}
    for jobs in ("1", "2"):
        log = tmp_path / f"pages-{jobs}.log"
        proc = run(["build", "--date", TODAY, "--out", f"site-{jobs}", "--jobs", jobs, "--no-cache"], cwd=clone,
                   env={"PAGES_LOG": str(log)})
        assert re.search(rf"Built site-{jobs}/ \(\d+ pages, {jobs} process", proc.stderr), proc.stderr
        # A warning logged while a page is made in a worker reaches the user, once.
        for lang in ("en", "zh-CN"):
            assert proc.stderr.count(f"warning: checked {lang}/acme/compare/2023-01-01...2024-06-01/\n") == 1, \
                proc.stderr
        seen[jobs] = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    assert_same_tree(clone / "site-1", clone / "site-2")
    pages = sorted(url for _pid, url in seen["1"])
    assert sorted(url for _pid, url in seen["2"]) == pages  # each page once, hook and all
    assert "zh-CN/acme/compare/2023-01-01...2024-06-01/" in pages and "en/acme/" in pages
    assert len({pid for pid, _url in seen["1"]}) == 1
    assert len({pid for pid, _url in seen["2"]}) == 3  # this one and two workers
    assert b"<!-- seen by the hook -->" in (clone / "site-2/en/acme/2023-01-01/index.html").read_bytes()


@pytest.mark.parametrize("case", ["hook-mid-pages", "hook-mid-pages-in-a-worker", "hook-in-force-while-workers-run",
                                  "hook-post-build", "template"])
def test_failure_halfway_through_mkdocs_keeps_the_previous_site(history, tmp_path, case):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(history), str(clone))
    write(clone / "mkdocs.yml", CONFIG.format(theme_extra="", extra=""))
    run(["build", "--date", TODAY, "--out", "site"], cwd=clone)
    before = stat_tree(clone / "site")
    assert (clone / "site/en/acme/index.html").exists()

    jobs = ["--jobs", "2" if case.endswith(("in-a-worker", "workers-run")) else "1"]
    if case.startswith("hook-mid-pages"):
        # Each worker process counts its own pages: with two, page 3 is made in a worker.
        write(clone / "hooks.py", HOOK_PAGE)
        write(clone / "mkdocs.yml", CONFIG.format(theme_extra="", extra="hooks:\n  - hooks.py\n"))
        where, what = r"hooks\.py:8", "RuntimeError: hook gave up on page 3"
    elif case == "hook-in-force-while-workers-run":
        # The workers are stopped before the unfinished site is removed: nothing is left behind.
        write(clone / "hooks.py", HOOK_PAGE_IN_FORCE)
        write(clone / "mkdocs.yml", CONFIG.format(theme_extra="", extra="hooks:\n  - hooks.py\n"))
        where, what = r"hooks\.py:3", "RuntimeError: hook gave up on the page in force"
    elif case == "hook-post-build":
        write(clone / "hooks.py", HOOK_POST_BUILD)
        write(clone / "mkdocs.yml", CONFIG.format(theme_extra="", extra="hooks:\n  - hooks.py\n"))
        where, what = r"hooks\.py:3", "ValueError: post-build check failed"
    else:
        write(clone / "theme" / "main.html", TEMPLATE_ERROR)
        write(clone / "mkdocs.yml", CONFIG.format(theme_extra="  custom_dir: theme\n", extra=""))
        where, what = r"theme/main\.html:3", "UndefinedError"

    proc = run(["build", "--date", TODAY, "--out", "site", *jobs], cwd=clone, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert re.search(rf"^{where}: error: the MkDocs build failed: .*{re.escape(what)}", proc.stderr, re.M), proc.stderr
    assert "site/ was left as it was" in proc.stderr
    assert stat_tree(clone / "site") == before
    assert not leftovers(clone)
    # With -v the traceback is there for whoever wrote the hook or template.
    verbose = run(["build", "--date", TODAY, "--out", "site", "-v", *jobs], cwd=clone, check=False)
    assert verbose.returncode != 0 and "Traceback" in verbose.stderr
    assert stat_tree(clone / "site") == before
    assert not leftovers(clone)


def test_first_build_that_fails_creates_no_output(history, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(history), str(clone))
    write(clone / "hooks.py", HOOK_POST_BUILD)
    write(clone / "mkdocs.yml", CONFIG.format(theme_extra="", extra="hooks:\n  - hooks.py\n"))
    proc = run(["build", "--date", TODAY, "--out", "site"], cwd=clone, check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert not (clone / "site").exists()
    assert not leftovers(clone)


# --- (d) line endings -------------------------------------------------------------------

def version_hashes(project):
    rows = json.loads(run(["versions", "--policy", "acme", "--format", "json"], cwd=project).stdout)
    return [(r["effective"], r["hashes"]) for r in rows]


def test_crlf_clause_files_hash_like_lf(history, tmp_path):
    crlf = tmp_path / "crlf"
    crlf.mkdir()
    git(crlf, "init", "-q", "-b", "main")
    git(crlf, "config", "core.autocrlf", "false")
    make_history(crlf, newline="\r\n")
    data = (crlf / "policy_src/acme/en/data.md").read_bytes()
    blob = subprocess.run(["git", "show", "HEAD:policy_src/acme/en/data.md"], cwd=crlf, capture_output=True,
                          check=True).stdout
    assert b"\r\n" in data and b"\r\n" in blob  # committed with CRLF
    assert version_hashes(crlf) == version_hashes(history)
    run(["check", "--strict"], cwd=crlf)
    run(["build", "--date", TODAY, "--out", "site"], cwd=crlf)


def test_autocrlf_clone_hashes_and_builds_the_same(history, tmp_path):
    run(["build", "--date", TODAY, "--out", str(tmp_path / "orig"), "--draft"], cwd=history)
    clone = tmp_path / "autocrlf"
    git(tmp_path, "clone", "-q", "-c", "core.autocrlf=true", str(history), str(clone))
    assert b"\r\n" in (clone / "policy_src/acme/zh-CN/data.md").read_bytes()
    assert version_hashes(clone) == version_hashes(history)
    # CRLF in the work tree is not a change.
    js = json.loads(run(["diff", "latest", "draft", "--policy", "acme", "--format", "json"], cwd=clone).stdout)
    assert {c["status"] for c in js["clauses"]} == {"unchanged"}
    run(["check", "--strict"], cwd=clone)
    run(["build", "--date", TODAY, "--out", "site", "--draft"], cwd=clone)
    assert_same_tree(tmp_path / "orig", clone / "site")


def test_release_from_an_autocrlf_clone_records_the_lf_hash(history, tmp_path):
    lf = tmp_path / "lf"
    git(tmp_path, "clone", "-q", str(history), str(lf))
    crlf = tmp_path / "autocrlf"
    git(tmp_path, "clone", "-q", "-c", "core.autocrlf=true", str(history), str(crlf))
    for d in (lf, crlf):
        p = d / "policy_src/acme/en/intro.md"
        data = p.read_bytes()
        p.write_bytes(data.replace(b"handles personal data", b"handles your personal data"))
        run(["release", "--policy", "acme", "--effective", "2027-06-01", "--today", TODAY,
             "--allow-stale-translations"], cwd=d)
    assert version_hashes(lf) == version_hashes(crlf)
