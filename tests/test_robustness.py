"""Robustness (issue 28): pathological nesting, deep YAML, control characters, reserved
device names, a future SOURCE_DATE_EPOCH, a full or read-only disk and a killed import.
Each through the real CLI on a real git repository: `path:line: error: message`, exit
status 2, never a traceback and never a hang."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import EN, GIT_ENV, commit_all, fails, git, import_texts, new_repo, policygen_exe, run, write

TODAY = "2026-11-23"
CLAUSE = "policy_src/acme/en/contact-us.md"
MANIFEST = "policy_src/acme/policy.yml"
LEDGER = "policy_src/acme/releases.yml"


@pytest.fixture
def released(tmp_path):
    project = new_repo(tmp_path)
    import_texts(project, {"en": EN})
    commit_all(project, "Import", date="2022-12-15")
    run(["release", "--policy", "acme", "--effective", "2023-01-01", "--backfill"], cwd=project)
    commit_all(project, "Release 2023-01-01", date="2022-12-16")
    return project


def run_t(args, cwd, timeout=60, env=None):
    """The real CLI with a time limit: a hang fails the test instead of stalling the suite."""
    full_env = {**os.environ, **GIT_ENV, **(env or {})}
    try:
        return subprocess.run([policygen_exe(), *args], cwd=cwd, capture_output=True, text=True, env=full_env,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"policygen {' '.join(args)} took more than {timeout} s")


def append_body(project, text: str, path: str = CLAUSE) -> int:
    """Append ``text`` to a clause after a blank line; returns the line it starts on."""
    p = project / path
    old = p.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    p.write_text(old + text + "\n", encoding="utf-8")
    return old.count("\n") + 1


def refused_everywhere(project, pattern, release=True):
    """check, a build of the draft and a release all refuse with the same path:line error, quickly."""
    fails(run_t(["check"], project), pattern)
    fails(run_t(["build", "--draft", "--date", TODAY, "--out", "site"], project), pattern)
    assert not (project / "site").exists()
    if release:
        fails(run_t(["release", "--policy", "acme", "--effective", "2024-01-01", "--backfill", "--today", TODAY],
                    project), pattern)


# --- 1. pathological bracket nesting: bounded rendering time ------------------------------------

@pytest.mark.parametrize("text, message", [
    ("[" * 100_000, r"more than 32 '\[' are never closed"),
    ("[" * 50_000 + "]" * 50_000, r"brackets '\[' nested more than 32 deep"),
    ("[[]" * 33_000, r"more than 32 '\[' are never closed"),
    ("[a](" * 25_000, r"more than 32 link targets '\]\(' are never closed"),
    ("<a " * 33_000, r"more than 32 '<' start an HTML tag that no '>' closes"),  # Python's HTMLParser: 77 s
], ids=["open", "nested", "half-closed", "link-targets", "open-tags"])
def test_pathological_markup_is_refused_fast(released, text, message):
    line = append_body(released, "Before the brackets.\n" + text)
    started = time.monotonic()
    refused_everywhere(released, rf"^{CLAUSE}:{line + 1}: error: {message}")
    assert time.monotonic() - started < 60  # the 100 KB clause took over 300 s to render
    out = run_t(["check"], released).stdout
    assert "hint: " in out and (r"\[" in out or "&lt;" in out)  # what to do: escape what is only text


def test_brackets_within_the_limits_still_build(released):
    append_body(released, "See [the [nested] list](https://example.com/a_(b)) and " + "[" * 32 + "x" + "]" * 32
                + ".\n\n" + "Unclosed [" * 20 + " brackets.\n\n" + "[" * 100_000)
    fails(run_t(["check"], released), r"never closed")  # the last paragraph is refused, not the others
    p = released / CLAUSE
    p.write_text(p.read_text(encoding="utf-8").replace("[" * 100_000, ""), encoding="utf-8")
    run_t(["check"], released).check_returncode()
    proc = run_t(["build", "--draft", "--date", TODAY, "--out", "site"], released)
    assert proc.returncode == 0, proc.stderr
    assert "the [nested] list" in (released / "site/en/acme/draft/index.html").read_text(encoding="utf-8")


# --- 2. deep YAML and deep lists -------------------------------------------------------------------

@pytest.mark.parametrize("path, before, nested, deep", [
    (CLAUSE, "title: Contact Us\n", "purposes: " + "[" * 20_000 + "]" * 20_000 + "\n", "purposes: "),
    (CLAUSE, "title: Contact Us\n", "purposes:\n" + "- " * 20_000 + "x\n", "- - "),
    (CLAUSE, "title: Contact Us\n", "purposes: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n", "purposes: "),
    (MANIFEST, "notice_days: 30\n", "promises:\n" + "".join(" " * i + "k:\n" for i in range(1, 3000)) + "  " * 3000
     + "v\n", " " * 32 + "k:"),
    (LEDGER, "releases:\n", "other: " + "[" * 20_000 + "]" * 20_000 + "\n", "other: "),
], ids=["clause-flow", "clause-block", "clause-mapping", "manifest-block", "ledger-flow"])
def test_deeply_nested_yaml_is_an_error_with_its_line(released, path, before, nested, deep):
    p = released / path
    text = p.read_text(encoding="utf-8")
    assert before in text
    p.write_text(text.replace(before, nested + before, 1) if path == LEDGER else text.replace(before, before + nested, 1),
                 encoding="utf-8")
    # the line where the nesting passes the limit
    line = next(i for i, row in enumerate(p.read_text(encoding="utf-8").split("\n"), 1) if row.startswith(deep))
    pattern = rf"^{path}:{line}: error: YAML nested more than 32 deep"
    fails(run_t(["check"], released), pattern)
    fails(run_t(["build", "--date", TODAY, "--out", "site"], released), pattern)
    assert not (released / "site").exists()


@pytest.mark.parametrize("nested", [
    "".join("    " * i + "- item\n" for i in range(1000)),
    "- " * 1000 + "item\n",
    "".join("> " * i + "quote\n\n" for i in range(300)),
], ids=["indented-list", "one-line-list", "quotes"])
def test_deeply_nested_lists_and_quotes_are_errors_with_their_line(released, nested):
    line = append_body(released, "Lists:\n\n" + nested)
    rows = (released / CLAUSE).read_text(encoding="utf-8").splitlines()
    deep = next(i for i, row in enumerate(rows, 1) if i > line and (row.count("- ") + row.count("> ") > 32
                                                                   or row.startswith(" " * 128)))
    refused_everywhere(released, rf"^{CLAUSE}:{deep}: error: lists and quotes nested more than 32 deep")


# --- 3. release on a full disk and on a read-only project -----------------------------------------

def _mount(*args) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def mounted():
    """Mount points made by a test, unmounted after it."""
    points = []
    yield points
    for p in reversed(points):
        subprocess.run(["umount", "-l", str(p)], capture_output=True)


def edited(project):
    p = project / CLAUSE
    p.write_text(p.read_text(encoding="utf-8").replace("any question", "any question you have"), encoding="utf-8")
    commit_all(project, "Edit", date="2023-06-01")


def test_release_on_a_full_disk_is_a_clear_error_and_records_nothing(released, mounted, tmp_path):
    edited(released)
    folder = released / "policy_src/acme"
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)
    if not _mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    mounted.append(folder)
    shutil.copytree(saved, folder, dirs_exist_ok=True)
    ledger = (folder / "releases.yml").read_bytes()
    with open(folder / ".filler", "wb", buffering=0) as fh:  # fill the disk; a dot-file is not part of the policy
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    out = fails(run_t(["release", "--policy", "acme", "--effective", "2023-07-01", "--backfill"], released),
                rf"^{LEDGER}: error: could not write \(No space left on device\); nothing was recorded")
    assert "hint: free some disk space" in out
    assert (folder / "releases.yml").read_bytes() == ledger
    assert sorted(p.name for p in folder.iterdir() if p.name != ".filler") == sorted(p.name for p in saved.iterdir())


@pytest.mark.parametrize("how", ["read-only mount", "immutable folder"])
def test_release_on_a_read_only_project_is_a_clear_error(released, mounted, how):
    edited(released)
    folder = released / "policy_src/acme"
    ledger = (folder / "releases.yml").read_bytes()
    if how == "read-only mount":
        if not (_mount("--bind", str(folder), str(folder))):
            pytest.skip("cannot bind-mount here (needs root)")
        mounted.append(folder)
        if not _mount("-o", "remount,bind,ro", str(folder)):
            pytest.skip("cannot remount read-only here")
        reason = r"Read-only file system"
    else:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("chattr +i is not available here")
        reason = r"Operation not permitted"
    try:
        out = fails(run_t(["release", "--policy", "acme", "--effective", "2023-07-01", "--backfill"], released),
                    rf"^{LEDGER}: error: could not write \({reason}\); nothing was recorded")
        assert "hint: " in out
        fails(run_t(["release", "--policy", "acme", "--withdraw", "2023-01-01", "--justification", "x",
                     "--today", "2022-12-20"], released), rf"^{LEDGER}: error: could not write \({reason}\)")
        if how == "immutable folder":
            write(released / "v.md", EN.replace("any question", "any question at all"))
            fails(run_t(["import", "v.md", "--policy", "acme", "--lang", "en"], released),
                  r"^policy_src/acme: error: could not write \(Operation not permitted\); nothing was imported")
            assert not [p for p in (released / "policy_src").iterdir() if p.name.startswith(".")]
    finally:
        if how == "immutable folder":
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    assert (folder / "releases.yml").read_bytes() == ledger


# --- 4. a killed import leaves the old set of clause files or the new one ---------------------------

# Runs the real CLI with an audit hook that kills the process (SIGKILL, as an out-of-memory
# killer or a CI timeout would) just before its N-th change to a file under the project.
KILLER = r"""
import os, signal, sys
N, ROOT, seen = int(os.environ["KILL_AT"]), os.getcwd(), [0]
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
EVENTS = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree", "shutil.move", "os.truncate"}
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int) or not ((mode and any(c in mode for c in "wax+")) or (mode is None and flags & WRITE)):
            return
    elif event == "ctypes.call_function":
        path = ROOT
    elif event in EVENTS:
        path = args[0]
    else:
        return
    path = os.path.abspath(os.fsdecode(path))
    if not path.startswith(ROOT + os.sep) or "__pycache__" in path:
        return
    seen[0] += 1
    if seen[0] == N:
        os.kill(os.getpid(), signal.SIGKILL)
sys.addaudithook(hook)
if os.environ.get("NO_EXCHANGE"):  # as on a system without renameat2's RENAME_EXCHANGE: two renames
    import policygen.atomic
    policygen.atomic.exchange = lambda a, b: False
from policygen.cli import main
sys.argv[0] = "policygen"
main()
"""

OLD_TEXT = EN + """
## 4. Cookies

We use cookies that are strictly necessary.

## 5. Children

We do not knowingly collect data from children.
"""

NEW_TEXT = (EN.replace("We collect your name and email address when you register.",
                       "We collect your name, email address and phone number when you register.")
            .replace("## 3. Contact Us", "## 3. Your Rights\n\nYou may ask for a copy of your data.\n\n## 4. Contact Us")
            + "\n## 5. Changes\n\nWe announce changes thirty days ahead.\n")


def tree(project) -> dict:
    """The policy sources as {path: bytes}, leaving out hidden leftovers of a killed run."""
    root = project / "policy_src"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_an_import_killed_at_any_point_leaves_the_old_or_the_new_clauses(tmp_path, swap):
    project = new_repo(tmp_path)
    import_texts(project, {"en": OLD_TEXT})
    commit_all(project, "Import", date="2022-12-15")
    write(project / "new.md", NEW_TEXT)
    git(project, "add", "new.md")
    commit_all(project, "The new text", date="2022-12-16")
    old = tree(project)
    run(["import", "new.md", "--policy", "acme", "--lang", "en"], cwd=project)
    new = tree(project)
    assert old != new and set(old) != set(new)

    def restore():
        git(project, "checkout", "-q", "--", ".")
        git(project, "clean", "-fdq", "--", "policy_src")
        assert tree(project) == old

    restore()
    env = {**os.environ, **GIT_ENV, **({"NO_EXCHANGE": "1"} if swap == "two renames" else {})}
    kill_at, outcomes = 1, []
    while True:
        proc = subprocess.run([sys.executable, "-c", KILLER, "import", "new.md", "--policy", "acme", "--lang", "en"],
                              cwd=project, capture_output=True, text=True, env={**env, "KILL_AT": str(kill_at)},
                              timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
        got = tree(project)
        if swap == "two renames" and not got:
            # Cut between the two renames: the policy folder waits beside, and the next run puts it back.
            assert any(p.name.startswith(".") for p in (project / "policy_src").iterdir())
            outcomes.append("between")
        else:
            assert got in (old, new), f"killed before change {kill_at}: a mix of the old and the new clause files"
            outcomes.append("new" if got == new else "old")
        if proc.returncode == 0:
            break
        if kill_at in (2, 5) or not got:  # the next run finishes the job and leaves nothing behind
            run(["import", "new.md", "--policy", "acme", "--lang", "en"], cwd=project)
            assert tree(project) == new
            assert not [p.name for p in (project / "policy_src").iterdir() if p.name.startswith(".")]
            run(["check"], cwd=project)
        restore()
        kill_at += 1
        assert kill_at < 200
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    assert outcomes.count("between") == (swap == "two renames")


# --- 5. reserved device names ---------------------------------------------------------------------

@pytest.mark.parametrize("cid", ["con", "aux", "nul", "prn", "com1", "lpt9"])
def test_a_reserved_device_name_as_a_clause_id_is_refused(released, cid):
    clause = released / CLAUSE
    p = clause.with_name(f"{cid}.md")
    os.rename(clause, p)
    p.write_text(p.read_text(encoding="utf-8").replace("id: contact-us", f"id: {cid}"), encoding="utf-8")
    pattern = rf"^policy_src/acme/en/{cid}\.md:2: error: invalid clause id '{cid}': .*reserved device name on Windows"
    out = fails(run_t(["check"], released), pattern)
    assert "hint: " in out
    fails(run_t(["build", "--date", TODAY, "--out", "site"], released), pattern)
    m = released / MANIFEST
    m.write_text(m.read_text(encoding="utf-8").replace("- contact-us", f"- {cid}"), encoding="utf-8")
    fails(run_t(["check"], released), rf"^{MANIFEST}:\d+: error: invalid clause id '{cid}': .*reserved device name")


def test_a_clause_file_named_like_a_device_is_refused(released):
    clause = released / CLAUSE
    os.rename(clause, clause.with_name("CON.md"))
    fails(run_t(["check"], released), r"^policy_src/acme/en/CON\.md: error: .*reserved device name on Windows")


def test_reserved_device_names_as_policy_ids_and_imported_ids(released):
    os.rename(released / "policy_src/acme", released / "policy_src/aux")
    fails(run_t(["check"], released), r"^policy_src/aux: error: the folder name is an invalid policy id 'aux': "
                                      r".*reserved device name on Windows")
    os.rename(released / "policy_src/aux", released / "policy_src/acme")
    write(released / "v.md", "# Policy\n\n## 1. CON\n\nText one.\n\n## 2. Aux\n\nText two.\n\n## 3. COM1 {#lpt1}\n\nThree.\n")
    fails(run_t(["import", "v.md", "--policy", "nul", "--lang", "en"], released),
          r"^error: --policy: invalid policy id 'nul'", r"hint: use .*reserved device name")
    proc = run_t(["import", "v.md", "--policy", "other", "--lang", "en"], released)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.stem for p in (released / "policy_src/other/en").iterdir())
    assert names == ["aux-2", "con-2", "lpt1-2"], names
    run(["check"], cwd=released)


# --- 6. control characters --------------------------------------------------------------------------

@pytest.mark.parametrize("path, old, new, code", [
    (CLAUSE, "any question", "any\x00 question", "U+0000"),
    (CLAUSE, "title: Contact Us", "title: Contact\x7f Us", "U+007F"),
    (CLAUSE, "Write to", "Write\x1b[31m to", "U+001B"),
    (CLAUSE, "any question", "any\x85question", "U+0085"),
    (MANIFEST, "notice_days: 30", "notice_days: 30 # \x0c", "U+000C"),
    (LEDGER, "level: editorial", "level: editorial\x08", "U+0008"),
], ids=["nul-body", "del-title", "escape-body", "c1-body", "formfeed-manifest", "backspace-ledger"])
def test_control_characters_are_errors_with_line_and_column(released, path, old, new, code):
    p = released / path
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    char = chr(int(code[2:], 16))
    line, column = next((i, row.index(char) + 1) for i, row in enumerate(p.read_text(encoding="utf-8").split("\n"), 1)
                        if char in row)
    pattern = rf"^{path}:{line}: error: control character {re.escape(code)}\b.* at column {column}\b"
    out = fails(run_t(["check"], released), pattern)
    assert "hint: " in out
    fails(run_t(["build", "--date", TODAY, "--out", "site"], released), pattern)
    assert not (released / "site").exists()


def test_control_characters_written_as_yaml_escapes_are_errors(released):
    p = released / CLAUSE
    p.write_text(p.read_text(encoding="utf-8").replace("title: Contact Us", 'title: "Contact\\0 Us"'), encoding="utf-8")
    fails(run_t(["check"], released), rf"^{CLAUSE}:3: error: control character U\+0000")


def test_import_drops_control_characters_and_keeps_words_apart(tmp_path):
    project = new_repo(tmp_path)
    write(project / "v.txt", EN.replace("# ", "").replace("## ", "").replace("when you register.",
                                                                             "when you\x0cregister.\x00\x07"))
    proc = run_t(["import", "v.txt", "--policy", "acme", "--lang", "en"], project)
    assert proc.returncode == 0, proc.stderr
    assert "control character" in proc.stdout
    text = "".join(p.read_text(encoding="utf-8") for p in (project / "policy_src/acme/en").iterdir())
    assert "when you register." in text
    assert not re.search("[\x00-\x08\x0b-\x1f]", text)
    run(["check"], cwd=project)


# --- 7. a SOURCE_DATE_EPOCH in the future ------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["build", "--out", "site"],
    ["release", "--policy", "acme", "--effective", "2023-07-01", "--backfill"],
    ["gate"],
], ids=["build", "release", "gate"])
def test_a_source_date_epoch_in_the_future_is_refused(released, args):
    edited(released)
    epoch = "4102444800"  # 2100-01-01
    fails(run_t(args, released, env={"SOURCE_DATE_EPOCH": epoch}),
          rf"^error: SOURCE_DATE_EPOCH={epoch} \(2100-01-01\) is later than the clock of this machine")
    assert not (released / "site").exists()
    ok = str(int(time.time()) - 86400)  # yesterday is fine
    assert run_t(args, released, env={"SOURCE_DATE_EPOCH": ok}).returncode in (0, 1)
