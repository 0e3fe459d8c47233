"""The cache folder is never followed out of (issue 28). It is untrusted input: CI restores it
from other branches' caches and a pull request can commit it, links included. Each test
plants a link or a special file where the cache folder, or an entry in it, is looked for,
runs the real `policygen build` and checks that nothing outside was read, written or
deleted through it, and that the site is byte for byte a build without cache."""

import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import GIT_ENV, git, policygen_exe
from test_cache import TODAY, history, tree  # noqa: F401 - history is a fixture

DEFAULT = object()  # the cache folder the CLI picks itself: .policygen-cache beside mkdocs.yml
OLD = time.time() - 40 * 86400  # older than anything the cache keeps (30 days)


def build(project: Path, out: Path, cache=DEFAULT, env=None, memory: int | None = None,
          timeout: int = 120) -> str:
    """`policygen build` in a subprocess (its own process group, killed with its workers if it
    does not end in ``timeout`` s); ``memory`` bounds its address space. Returns what it said."""
    full = {**os.environ, **GIT_ENV, **(env or {})}
    if cache is DEFAULT:
        full.pop("POLICYGEN_CACHE", None)
    else:
        full["POLICYGEN_CACHE"] = str(cache) if cache else ""

    def limit():
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    proc = subprocess.Popen([policygen_exe(), "build", "--date", TODAY, "--out", str(out)], cwd=project, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=limit)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"the build did not end in {timeout} s") from None
    assert proc.returncode == 0, f"the build failed ({proc.returncode}):\n{stdout}\n{stderr}"
    return stdout + stderr


def clone(history, tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    return project


@pytest.fixture(scope="module")
def fresh(history, tmp_path_factory) -> Path:
    """The site built without cache."""
    tmp = tmp_path_factory.mktemp("fresh")
    build(clone(history, tmp), tmp / "site", cache=None)
    return tmp / "site"


def assert_same_as_fresh(fresh: Path, built: Path) -> None:
    kept, made = tree(built), tree(fresh)
    assert sorted(kept) == sorted(made)
    differ = [n for n in kept if kept[n] != made[n]]
    assert not differ, f"{len(differ)} files differ from a build without cache, e.g. {differ[:5]}"


def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder`` (links not followed): its kind, bytes and mtime."""
    found = {}
    for base, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(base) / name
            st = path.lstat()
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("dir",)
            else:
                found[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns)
    return found


def index_entries(cache: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache / "index" / kind).rglob("*") if p.is_file() and not p.name.endswith(".tmp"))


def object_of(entry: Path, cache: Path) -> Path:
    digest = entry.read_text().split()[0]
    return cache / "objects" / digest[:2] / digest


def rejected(said: str) -> int:
    m = re.search(r"(\d+) entries of the cache folder failed their check", said)
    return int(m.group(1)) if m else 0


# --- the cache folder, or a folder of its layout, is a link ----------------------------------

def test_a_committed_link_to_git_objects_is_not_used(history, tmp_path):
    """The pull request: `ln -s .git/objects .policygen-cache; git add -f .policygen-cache`."""
    project = clone(history, tmp_path)
    os.symlink(".git/objects", project / ".policygen-cache")
    git(project, "add", "-f", ".policygen-cache")
    git(project, "commit", "-q", "-m", "Speed up the build")
    objects = project / ".git" / "objects"
    before = snapshot(objects)
    loose = [n for n in before if re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{38}", n)]
    assert len(loose) > 20, "the clone has no loose objects to lose"

    said = build(project, tmp_path / "site")
    assert snapshot(objects) == before, "the build deleted or wrote files in .git/objects"
    fsck = subprocess.run(["git", "fsck", "--full"], cwd=project, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    assert fsck.returncode == 0 and not fsck.stdout.strip(), fsck.stdout + fsck.stderr
    assert "Speed up the build" in git(project, "log", "--format=%s")
    assert re.search(r"^warning: .*\.policygen-cache.*symbolic link", said, re.M), said
    build(project, tmp_path / "fresh", cache=None)
    assert_same_as_fresh(tmp_path / "fresh", tmp_path / "site")


@pytest.mark.parametrize("where", ["objects", "index", "index/page", "a folder of index/page", "a folder of objects"])
def test_a_link_inside_the_cache_folder_is_not_followed(history, fresh, tmp_path, where):
    """A folder of the cache's layout is a link to a folder outside, holding files older than
    anything the cache keeps, some named like cache entries: nothing there goes or changes."""
    project = clone(history, tmp_path)
    cache = project / ".policygen-cache"
    build(project, tmp_path / "first")
    entry = index_entries(cache, "page")[0]
    if where == "a folder of index/page":
        where = entry.parent.relative_to(cache).as_posix()
    elif where == "a folder of objects":
        where = object_of(entry, cache).parent.relative_to(cache).as_posix()
    outside = tmp_path / "outside"
    for rel in ("ab/ab" + "0" * 62, "page/ab/ab" + "1" * 62, "render/cd/cd" + "2" * 62, "notes.txt", "cd/old.html"):
        path = outside / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"someone else's {rel}\n")
        os.utime(path, (OLD, OLD))
    link = cache / where
    shutil.rmtree(link)
    os.symlink(outside, link)
    (cache / ".pruned").unlink()  # the cleanup runs too
    before = snapshot(outside)

    said = build(project, tmp_path / "site")
    assert snapshot(outside) == before, "the build deleted or wrote files through the link"
    assert re.search(rf"^warning: .*{re.escape(where)}.*symbolic link", said, re.M), said
    assert os.path.islink(link)
    assert_same_as_fresh(fresh, tmp_path / "site")


# --- links planted where the cache writes -----------------------------------------------------

def pids_after(count: int) -> list[int]:
    """The next ``count`` process ids Linux hands out (it counts up, wrapping at pid_max)."""
    probe = subprocess.Popen(["true"])
    probe.wait()
    top = int(Path("/proc/sys/kernel/pid_max").read_text())
    return [300 + (probe.pid + i - 300) % (top - 300) for i in range(1, count + 1)]


@pytest.mark.skipif(not Path("/proc/sys/kernel/pid_max").exists(), reason="needs Linux /proc")
def test_planted_temporary_file_links_are_not_written_through(history, fresh, tmp_path):
    """`<entry>.<pid>.tmp` links sprayed over the process ids the build will have, pointing at
    the user's cache key and at .git/HEAD."""
    project = clone(history, tmp_path)
    env = {"POLICYGEN_CACHE_KEY": "", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    cache = project / ".policygen-cache"
    build(project, tmp_path / "first", env=env)
    key, head = tmp_path / "config/policygen/cache-key", project / ".git/HEAD"
    assert key.is_file()
    targets = {key: key.read_bytes(), head: head.read_bytes()}

    # Entries the next build writes again (they are gone), and the marker.
    planted = [(cache / ".gitignore", key)]
    for kind, target in (("page", key), ("render", head), ("history", head)):
        entry = index_entries(cache, kind)[0]
        obj = object_of(entry, cache)
        planted += [(entry, target), (obj, head if target is key else key)]
    for path, _target in planted:
        path.unlink()
    for pid in pids_after(2000):
        for path, target in planted:
            os.symlink(target, f"{path}.{pid}.tmp")

    build(project, tmp_path / "site", env=env)
    for path, data in targets.items():
        assert path.read_bytes() == data, f"{path} was written through a link in the cache folder"
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert_same_as_fresh(fresh, tmp_path / "site")


# --- special files as entries -------------------------------------------------------------------

def test_a_fifo_as_an_entry_is_a_miss(history, fresh, tmp_path):
    project = clone(history, tmp_path)
    cache = tmp_path / "cache"
    build(project, tmp_path / "first", cache=cache)
    pages = index_entries(cache, "page")
    obj = object_of(pages[1], cache)
    obj.unlink()
    os.mkfifo(obj)
    pages[0].unlink()
    os.mkfifo(pages[0])
    (cache / ".pruned").unlink()  # the cleanup reads every index entry: it runs too
    said = build(project, tmp_path / "site", cache=cache)
    assert rejected(said) >= 2, said
    assert_same_as_fresh(fresh, tmp_path / "site")


def test_an_endless_or_huge_object_is_a_miss(history, fresh, tmp_path):
    """An object that is a link to /dev/zero, and an 8 GB sparse file (the build's address
    space is bounded to 3 GiB, so reading either ends at once, not by filling the machine)."""
    project = clone(history, tmp_path)
    cache = tmp_path / "cache"
    build(project, tmp_path / "first", cache=cache)
    pages = index_entries(cache, "page")
    zero, sparse = object_of(pages[0], cache), object_of(pages[1], cache)
    zero.unlink()
    os.symlink("/dev/zero", zero)
    with open(sparse, "r+b") as fh:
        fh.truncate(8 << 30)
    (cache / ".pruned").unlink()
    said = build(project, tmp_path / "site", cache=cache, memory=3 << 30)
    assert rejected(said) >= 2, said
    assert_same_as_fresh(fresh, tmp_path / "site")


# --- the key the entries are signed with ----------------------------------------------------------

def test_a_cache_key_others_can_read_is_refused_with_a_warning(history, tmp_path):
    project = clone(history, tmp_path)
    key = tmp_path / "config/policygen/cache-key"
    key.parent.mkdir(parents=True)
    key.write_bytes(os.urandom(32))
    key.chmod(0o644)
    data = key.read_bytes()
    cache = tmp_path / "cache"
    said = build(project, tmp_path / "site", cache=cache,
                 env={"POLICYGEN_CACHE_KEY": "", "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert re.search(rf"^warning: .*{re.escape(str(key))}.*chmod 600 {re.escape(str(key))}", said, re.M), said
    # Refused: nothing is signed with a key others may have read (they could forge entries).
    assert not index_entries(cache, "page") and not index_entries(cache, "render")
    assert key.read_bytes() == data and key.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("how", ["mode 000", "a folder"])
def test_an_unreadable_cache_key_is_reported(history, tmp_path, how):
    project = clone(history, tmp_path)
    key = tmp_path / "config/policygen/cache-key"
    key.parent.mkdir(parents=True)
    if how == "mode 000":
        if os.geteuid() == 0:
            pytest.skip("root reads a file whatever its mode")
        key.write_bytes(os.urandom(32))
        key.chmod(0)
    else:
        key.mkdir()
    cache = tmp_path / "cache"
    said = build(project, tmp_path / "site", cache=cache,
                 env={"POLICYGEN_CACHE_KEY": "", "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert re.search(rf"^warning: .*{re.escape(str(key))}", said, re.M), said
    assert not index_entries(cache, "page")
