"""The cache folder is untrusted input (CI restores it from caches other branches can write):
nothing in it may change what a build publishes or run code. Each test tampers with it, or
changes an input of the build, and compares the build with one made without any cache."""

import os
import pickle
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import GIT_ENV, git, long_history, policygen_exe, run, write
from test_cache import TODAY, history, tree  # noqa: F401 - history is a fixture

KINDS = ("page", "render", "summary", "history", "diffs")


def index_entries(cache: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache / "index" / kind).rglob("*") if p.is_file())


def object_of(entry: Path, cache: Path) -> Path:
    digest = entry.read_text().split()[0]
    return cache / "objects" / digest[:2] / digest


def same_as_fresh(project: Path, tmp_path: Path, cache: Path, name: str, env=None, date=TODAY) -> str:
    """Build with ``cache`` and without any; both must be byte for byte the same. Returns
    what the cached build said (verbose)."""
    env = env or {}
    said = run(["build", "-v", "--date", date, "--out", str(tmp_path / f"{name}-kept")], cwd=project,
               env={**env, "POLICYGEN_CACHE": str(cache)}).stderr
    run(["build", "--date", date, "--out", str(tmp_path / f"{name}-fresh")], cwd=project,
        env={**env, "POLICYGEN_CACHE": ""})
    kept, fresh = tree(tmp_path / f"{name}-kept"), tree(tmp_path / f"{name}-fresh")
    assert sorted(kept) == sorted(fresh)
    differ = [n for n in kept if kept[n] != fresh[n]]
    assert not differ, f"{name}: {len(differ)} files differ from a build without cache, e.g. {differ[:5]}"
    return said


def rejected(said: str) -> int:
    import re

    m = re.search(r"(\d+) entries of the cache folder failed their check", said)
    return int(m.group(1)) if m else 0


def _poison(data: bytes) -> bytes:
    payload = b"<script>alert('pwned-by-cache')</script>"
    return data.replace(b"<p>", b"<p>" + payload, 1) if b"<p>" in data else payload + data


def _forge(entry: Path, cache: Path) -> None:
    """What an attacker without the key can do: a new object under its true hash, and an
    index line naming it (with a signature they had to make up)."""
    import hashlib

    data = _poison(object_of(entry, cache).read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    write_bytes(cache / "objects" / digest[:2] / digest, data)
    old_mac = entry.read_text().split()[1]
    entry.write_text(f"{digest} {old_mac}\n")


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


TAMPER = {
    "edited": lambda e, c: object_of(e, c).write_bytes(_poison(object_of(e, c).read_bytes())),
    "truncated": lambda e, c: object_of(e, c).write_bytes(object_of(e, c).read_bytes()[:3000 // 2]),
    "emptied": lambda e, c: object_of(e, c).write_bytes(b""),
    "not utf-8": lambda e, c: object_of(e, c).write_bytes(b"\xff\xfe" + object_of(e, c).read_bytes()),
    "forged": _forge,
}


@pytest.mark.parametrize("how", sorted(TAMPER))
def test_a_tampered_entry_of_any_kind_never_reaches_the_site(history, tmp_path, how):
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "first", env={"POLICYGEN_DRAFT": "1"})
    for kind in KINDS:
        found = index_entries(cache, kind)
        assert found, f"the build kept no {kind} entry"
        for entry in found:
            TAMPER[how](entry, cache)
    said = same_as_fresh(project, tmp_path, cache, "tampered", env={"POLICYGEN_DRAFT": "1"})
    assert "pwned-by-cache" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                           for p in (tmp_path / "tampered-kept").rglob("*") if p.is_file())
    assert rejected(said) > 0, said
    # The next build has made them again: it is served from the cache again, and equal.
    said = same_as_fresh(project, tmp_path, cache, "again", env={"POLICYGEN_DRAFT": "1"})
    assert rejected(said) == 0 and "kept from an earlier build" in said


def test_swapped_entries_are_misses(history, tmp_path):
    """Another entry's index line or content copied over an entry (another version's page
    over this one) is a miss, not the other entry's bytes."""
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "first")
    for kind in ("page", "render"):
        found = index_entries(cache, kind)
        lines = [e.read_bytes() for e in found]
        for entry, line in zip(found, lines[1:] + lines[:1]):
            entry.write_bytes(line)
    objects = sorted(p for p in (cache / "objects").rglob("*") if p.is_file())
    contents = [p.read_bytes() for p in objects]
    for obj, data in zip(objects, contents[1:] + contents[:1]):
        obj.write_bytes(data)
    said = same_as_fresh(project, tmp_path, cache, "swapped")
    assert rejected(said) > 0


def test_entries_signed_with_another_key_are_not_used(history, tmp_path):
    """A cache restored from a run with another key (another machine, a fork's pull request
    without the repository's secret) is made again, not trusted."""
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "theirs", env={"POLICYGEN_CACHE_KEY": "someone else's key"})
    said = same_as_fresh(project, tmp_path, cache, "ours")
    assert rejected(said) > 10 and "kept from an earlier build" not in said
    # Without POLICYGEN_CACHE_KEY, a key of the user's own is made once, outside the folder.
    env = {"POLICYGEN_CACHE_KEY": "", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    same_as_fresh(project, tmp_path, cache, "own", env=env)
    key = tmp_path / "config/policygen/cache-key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    assert "kept from an earlier build" in same_as_fresh(project, tmp_path, cache, "own-again", env=env)
    assert not any(p.name == "cache-key" for p in cache.rglob("*"))


def test_nothing_in_the_cache_folder_is_run(history, tmp_path):
    """Jinja's bytecode cache unpickles its files: compiled templates are no longer kept on
    disk, and a payload where older versions kept them is never loaded."""
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    cache = tmp_path / "cache"
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    from jinja2.bccache import BytecodeCache, bc_magic

    # Where FileSystemBytecodeCache would look for every template of the theme.
    import material

    templates = Path(material.__file__).parent / "templates"
    for source in list(templates.rglob("*.html")):
        name = source.relative_to(templates).as_posix()
        key = BytecodeCache().get_cache_key(name, os.path.normpath(str(source)))
        write_bytes(cache / "jinja" / f"__jinja2_{key}.cache", bc_magic + pickle.dumps(Payload()))
    same_as_fresh(project, tmp_path, cache, "built")
    assert not marker.exists(), "a pickle from the cache folder was loaded"
    assert not list(cache.rglob("*.cache")), "compiled templates were kept, or old ones left"
    kept = {p.relative_to(cache).parts[0] for p in cache.iterdir()}
    assert kept <= {"index", "objects", ".gitignore", ".pruned"}


# --- keys cover every input ----------------------------------------------------------------

def site_project(history, tmp_path, config: str) -> Path:
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    write(project / "mkdocs.yml", config)
    return project


BASE = """site_name: Acme
use_directory_urls: true
theme:
  name: material
  font: false
  custom_dir: overrides
plugins:
  - search
  - policygen
extra:
  generator: false
"""


def test_an_inherited_config_is_an_input(history, tmp_path):
    project = site_project(history, tmp_path, "INHERIT: base.yml\n")
    write(project / "base.yml", BASE + "copyright: Acme 2026\n")
    write(project / "overrides/.keep", "")
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "a")
    write(project / "base.yml", BASE + "copyright: Acme Holdings 2027\n")
    same_as_fresh(project, tmp_path, cache, "b")
    assert "Acme Holdings 2027" in (tmp_path / "b-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")


def test_an_environment_value_in_the_config_is_an_input(history, tmp_path):
    project = site_project(history, tmp_path, BASE + "copyright: !ENV [ACME_COPYRIGHT, Acme]\n")
    write(project / "overrides/.keep", "")
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "a", env={"ACME_COPYRIGHT": "Acme Europe SE"})
    same_as_fresh(project, tmp_path, cache, "b", env={"ACME_COPYRIGHT": "Acme Asia Ltd"})
    assert "Acme Asia Ltd" in (tmp_path / "b-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")


def test_a_custom_icon_is_an_input(history, tmp_path):
    project = site_project(history, tmp_path, BASE.replace("  custom_dir: overrides\n",
                                                           "  custom_dir: overrides\n  icon:\n    logo: acme/logo\n"))
    icon = project / "overrides/.icons/acme/logo.svg"
    write(icon, '<svg xmlns="http://www.w3.org/2000/svg"><path d="M1 1h2"/></svg>')
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "a")
    write(icon, '<svg xmlns="http://www.w3.org/2000/svg"><path d="M9 9h7"/></svg>')
    same_as_fresh(project, tmp_path, cache, "b")
    assert "M9 9h7" in (tmp_path / "b-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")


def test_a_module_a_hook_imports_is_an_input(history, tmp_path):
    project = site_project(history, tmp_path, BASE + "hooks:\n  - hooks/footer.py\n")
    write(project / "overrides/.keep", "")
    write(project / "hooks/footer.py", "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n"
                                       "import footer_text\n\n"
                                       "def on_post_page(output, page, config):\n"
                                       "    return output.replace('</body>', footer_text.TEXT + '</body>')\n")
    write(project / "hooks/footer_text.py", "TEXT = '<!-- reviewed 2026 -->'\n")
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "a")
    write(project / "hooks/footer_text.py", "TEXT = '<!-- reviewed 2027 -->'\n")
    same_as_fresh(project, tmp_path, cache, "b")
    assert "reviewed 2027" in (tmp_path / "b-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")


def policygen_copy(tmp_path: Path) -> Path:
    """policygen's package as a separate copy (imported first through PYTHONPATH), to change
    its code as an upgrade would."""
    import policygen

    pkg = tmp_path / "pkg"
    shutil.copytree(Path(policygen.__file__).parent, pkg / "policygen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(Path(policygen.__file__).parent.parent / "overrides", pkg / "policygen" / "theme",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return pkg


def test_the_renderers_code_is_an_input(history, tmp_path):
    """A fix of the renderer or the sanitiser renders every clause again."""
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    pkg = policygen_copy(tmp_path)
    env = {"PYTHONPATH": str(pkg)}
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "a", env=env)
    render = pkg / "policygen" / "render.py"
    code = render.read_text(encoding="utf-8")
    old = '    return "\\n".join(chunk_html(chunk) for chunk in chunks)'
    assert old in code
    render.write_text(code.replace(old, old + '.replace("email", "e-mail")'), encoding="utf-8")
    same_as_fresh(project, tmp_path, cache, "b", env=env)
    page = (tmp_path / "b-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")
    assert "e-mail address" in page


# --- what git holds -----------------------------------------------------------------------

def test_git_replace_cannot_change_released_text(history, tmp_path):
    """`git replace` swaps an object for readers of the repository: released text is read
    from what the commits hold, with the cache folder or without."""
    project = tmp_path / "proj"
    git(tmp_path, "clone", "-q", str(history), str(project))
    cache = tmp_path / "cache"
    same_as_fresh(project, tmp_path, cache, "a")
    release = git(project, "log", "--format=%H", "-1", "--grep", "Release 2023-02-01").strip()
    blob = git(project, "rev-parse", f"{release}:policy_src/acme/en/data.md").strip()
    forged = (project / "forged.md")
    text = git(project, "show", f"{release}:policy_src/acme/en/data.md").replace("email address", "nothing else")
    forged.write_text(text, encoding="utf-8")
    other = git(project, "hash-object", "-w", str(forged)).strip()
    git(project, "replace", blob, other)
    same_as_fresh(project, tmp_path, cache, "b")
    page = (tmp_path / "b-kept/en/acme/2023-02-01/index.html").read_text(encoding="utf-8")
    assert "email address" in page and "nothing else" not in page


# --- deterministic and atomic -----------------------------------------------------------------

def test_the_number_of_processes_never_shows(history, tmp_path):
    """The site's name per language must not leak from the last page a process rendered."""
    project = site_project(history, tmp_path, BASE.replace("  - policygen\n",
                                                           "  - policygen:\n      site_names: {zh-CN: 隐私政策}\n"))
    write(project / "overrides/.keep", "")
    for jobs in ("1", "2"):
        run(["build", "--date", TODAY, "--jobs", jobs, "--no-cache", "--out", str(tmp_path / f"j{jobs}")],
            cwd=project)
    one, two = tree(tmp_path / "j1"), tree(tmp_path / "j2")
    assert one == two
    assert "<title>Acme</title>" in one["404.html"].decode()


def test_the_site_is_swapped_in_one_exchange(tmp_path, monkeypatch):
    """Readers of site/ see the old folder or the new one, never none: no rename leaves a gap."""
    import policygen.atomic as atomic

    old, new = tmp_path / "site", tmp_path / "new"
    write(old / "index.html", "old")
    write(new / "index.html", "new")

    def no_rename(*_args):
        raise AssertionError("site/ was renamed away: it was missing for a moment")

    monkeypatch.setattr(atomic.os, "replace", no_rename)
    atomic.replace_dir(str(new), str(old))
    assert (old / "index.html").read_text() == "new" and not new.exists()


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_killed_build_stops_its_workers_and_the_next_build_cleans_up(tmp_path):
    project = long_history(tmp_path, releases=14)
    out = tmp_path / "site"
    env = {**os.environ, **GIT_ENV, "POLICYGEN_CACHE": "", "POLICYGEN_JOBS": "2"}
    proc = subprocess.Popen([policygen_exe(), "build", "--date", "2024-06-01", "--out", str(out)], cwd=project,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= 2 and list(tmp_path.glob(".site-build-*")):
            break
        time.sleep(0.01)
    assert proc.poll() is None and workers, "the build ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and "zombie" not in Path(f"/proc/{w}/status").read_text().lower()]
    assert not alive, "workers of the killed build went on"
    assert list(tmp_path.glob(".site-build-*")), "nothing was left behind to clean up"
    run(["build", "--date", "2024-06-01", "--out", str(out)], cwd=project, env={"POLICYGEN_CACHE": ""})
    assert not list(tmp_path.glob(".site-build-*")) and not list(tmp_path.glob(".site-old-*"))
    assert (out / "index.html").exists()
