"""The cache folder (``.policygen-cache/``): everything policygen keeps between builds.

This is the one module that reads or writes the cache folder. The folder is untrusted input:
CI restores it from caches that other branches and pull requests can write, and a pull
request can commit it (links included). So:

- Every entry is content-addressed: its bytes are stored under their SHA-256
  (``objects/ab/<sha256>``) and an index file names them (``index/<kind>/<name>``). The
  index line holds the content hash and an HMAC of (kind, name, content hash) under a secret
  kept *outside* the folder (``$POLICYGEN_CACHE_KEY``, or a random key made once in
  ``~/.config/policygen/cache-key``, which must be readable by its owner only). A read checks
  both: a changed, truncated, swapped or forged entry, or one written under another key, is
  a miss (counted in ``rejected``) and is made again. Only a holder of the key can write an
  entry a build accepts.
- Entries are bytes (pages, renders) or plain values written with ``marshal`` and loaded
  only after their HMAC and hash check out. Nothing in the folder is executed or unpickled
  (compiled templates are kept in memory only).
- The folder is never followed out of. A cache folder inside the project's work tree that is
  a symbolic link, or one holding a link where its layout has a folder (``objects``,
  ``index``, a kind's folder, a shard folder), is not used: the build warns, naming the link,
  and runs without it. Every file is opened relative to its folder's descriptor with
  ``O_NOFOLLOW`` (folders with ``O_DIRECTORY`` too), so a link planted later is refused where
  it is met: a link, a FIFO, a device or a file over ``MAX_ENTRY`` bytes as an entry is a miss,
  found by ``fstat`` before anything is read. Files are written to a new ``<name>.<pid>.tmp``
  (``O_CREAT | O_EXCL``: an existing file or link of that name is never opened) and renamed
  into place; the cleanup removes only regular files named as this layout names them.
- Keys name every input of an output (see ``code_fingerprint`` and the plugin's build
  fingerprint), so a build with the cache writes the bytes of a build without it.
- An index entry's mtime is its last use; entries unused for ``KEEP_DAYS`` go, then the
  objects no entry names (``prune``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import marshal
import os
import re
import secrets
import stat
import sys
import time
from importlib import metadata, resources

KEEP_DAYS = 30
# The largest file the cache folder may hold as an entry (the largest policygen writes, diff
# shards and the history memo of a long history, hold a few MB): a larger one is a miss, never
# read (an 8 GB sparse file would otherwise be read whole).
MAX_ENTRY = 256 << 20
# What turns policy text into a page, besides policygen's own files.
LIBRARIES = ("mkdocs", "mkdocs-material", "Markdown", "nh3", "Jinja2", "MarkupSafe", "Babel", "cydifflib",
             "PyYAML", "beautifulsoup4")
KINDS = ("page", "render", "summary", "history", "diffs")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SHARD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]")  # an index shard folder: the first two characters of a name
_HEX2 = re.compile(r"[0-9a-f]{2}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_TMP = re.compile(r"(.+)\.[0-9]+\.tmp")
# What older versions of policygen kept at the top of the folder (paths in it), removed by prune.
_OLD_TOPS = {"pages", "diffs", "jinja", "history.marshal"}  # and render folders named 00 ... ff
_OLD_LAYOUT = re.compile(r"history\.marshal|jinja/[^/]+\.cache|diffs/[^/]+\.marshal"
                         r"|pages/([0-9a-f]{2})/\1[0-9a-f]*|([0-9a-f]{2})/\2[0-9a-f]*\.html")

_LOG = logging.getLogger("mkdocs.plugins.policygen")
# Every folder and file in the cache folder is opened relative to its folder, never through a
# link; a file without blocking (a FIFO would otherwise wait for a writer).
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# Where these are missing (Windows), no cache folder is used: it only saves time.
_SUPPORTED = (hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
              and {os.open, os.stat, os.mkdir, os.unlink, os.rmdir, os.rename, os.utime} <= os.supports_dir_fd
              and os.listdir in os.supports_fd and os.utime in os.supports_fd)


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """policygen's files (code, templates, translations, theme overrides), the versions of the
    libraries that shape its output, and Python's."""
    h = hashlib.sha256()
    root = str(resources.files("policygen"))
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(folder, name)
            h.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
    for lib in LIBRARIES:
        h.update(f"{lib}={library_version(lib)}\n".encode())
    h.update(sys.version.split()[0].encode())
    return h.hexdigest()


def library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def key_file() -> str:
    """Where the key of this user is kept: ``$XDG_CONFIG_HOME/policygen/cache-key``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "policygen", "cache-key")


class _BadKey(Exception):
    """A key file that must not be used."""


def secret_key() -> bytes | None:
    """The key entries are signed with: ``$POLICYGEN_CACHE_KEY`` (set it from a CI secret to
    use a cache restored in CI), else a random key made once for this user, outside the cache
    folder. None if neither can be had (then nothing is kept). A key file that cannot be read,
    or that other users can read (they could sign entries a build accepts), is not used: a
    warning names it and says how to fix it."""
    env = os.environ.get("POLICYGEN_CACHE_KEY", "")
    if env:
        return hashlib.sha256(b"policygen-cache-key\0" + env.encode("utf-8")).digest()
    path = key_file()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except _BadKey as exc:
        problem, fix = exc.args
        _LOG.warning(f"the cache key {path} {problem}: this build runs without the cache folder; {fix}")
        return None
    except OSError as exc:
        _LOG.warning(f"the cache key {path} cannot be read ({exc.strerror or exc}): this build runs without the "
                     f"cache folder; make it readable by its owner only (chmod 600 {path}), delete it (a new "
                     "key is made) or set POLICYGEN_CACHE_KEY")
        return None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(f"{path}.{os.getpid()}.tmp", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        try:
            os.link(f"{path}.{os.getpid()}.tmp", path)  # the first writer wins; others read its key
        except FileExistsError:
            pass
        finally:
            os.remove(f"{path}.{os.getpid()}.tmp")
        return _read_key(path)
    except (OSError, _BadKey):
        return None


def _read_key(path: str) -> bytes:
    """The key in ``path`` (a link to it is followed: it is the user's own configuration).
    Raises OSError, or _BadKey saying why it must not be used."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _BadKey(f"is not a file{' but a folder' if stat.S_ISDIR(st.st_mode) else ''}",
                          "delete it (a new key is made) or set POLICYGEN_CACHE_KEY")
        if st.st_mode & 0o077:
            raise _BadKey(f"can be read or written by other users (mode {stat.S_IMODE(st.st_mode):04o}), who "
                          "could sign cache entries a build accepts", f"run chmod 600 {path}")
        key = os.read(fd, 4096)
    finally:
        os.close(fd)
    if len(key) < 32:
        raise _BadKey(f"holds {len(key)} bytes, fewer than 32", "delete it (a new key is made)")
    return key


class Cache:
    """The cache folder. ``get``/``put`` bytes, ``get_value``/``put_value`` plain values, under
    a kind (``KINDS``) and a name (a key hash, or a shard's name). Safe with several processes
    writing at once; a folder that cannot be written only costs speed. A folder that is a
    link, or holds one where its layout has a folder, is not used (``refused`` says why)."""

    def __init__(self, folder: str, key: bytes | None = None):
        self.dir = os.path.abspath(folder)
        self.key = None
        self.rejected = 0  # entries found but not accepted: changed, forged, under another key, not a file
        self.refused: str | None = None  # why the folder is not used
        self._fd: int | None = None  # the folder, and the folders of its layout, opened once
        self._dirs: dict[str, int] = {}  # "objects", "index", "index/<kind>" -> descriptor
        if not _SUPPORTED:
            return
        try:
            os.makedirs(os.path.dirname(self.dir), exist_ok=True)
            try:
                os.mkdir(self.dir)
            except FileExistsError:
                pass
            self._fd = os.open(self.dir, _DIR)
        except OSError:
            if os.path.islink(self.dir):
                self.refused = _link_warning(self.dir, self.dir)
            return  # a folder that cannot be made or opened: nothing is kept
        link = _link_below(self._fd, "objects", 1) or _link_below(self._fd, "index", 2)
        if link:
            self.refused = _link_warning(os.path.join(self.dir, link), self.dir)
            self.close()
            return
        self.key = key if key is not None else secret_key()
        try:
            # Like .pytest_cache: the folder keeps itself out of git, whatever the project's .gitignore says.
            os.stat(".gitignore", dir_fd=self._fd, follow_symlinks=False)
        except FileNotFoundError:
            try:
                _write_atomic(self._fd, ".gitignore", b"# policygen's cache folder; safe to delete\n*\n")
            except OSError:
                pass
        except OSError:
            pass

    def close(self) -> None:
        for fd in [getattr(self, "_fd", None), *getattr(self, "_dirs", {}).values()]:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._fd, self._dirs, self.key = None, {}, None

    def __del__(self):
        self.close()

    # -- entries -----------------------------------------------------------------------------

    def _index(self, kind: str, name: str) -> str:
        """The path of an index entry (for tests and messages: the entries are opened through
        their folders' descriptors)."""
        _check(kind, name)
        return os.path.join(self.dir, "index", kind, name[:2], name)

    def _object(self, digest: str) -> str:
        return os.path.join(self.dir, "objects", digest[:2], digest)

    def _mac(self, kind: str, name: str, digest: str) -> str:
        return hmac.new(self.key, f"{kind}/{name}\0{digest}".encode(), hashlib.sha256).hexdigest()

    def _folder(self, path: str, create: bool = False) -> int | None:
        """The descriptor of a folder of the layout ("objects", "index", "index/<kind>"),
        opened once; None if it does not exist (and not ``create``). Raises OSError for a link."""
        fd = self._dirs.get(path)
        if fd is None:
            parent, _, name = path.rpartition("/")
            above = self._folder(parent, create) if parent else self._fd
            if above is None:
                return None
            fd = _open_folder(above, name, create)
            if fd is not None:
                self._dirs[path] = fd
        return fd

    def has(self, kind: str, name: str) -> bool:
        """An index entry exists (not yet checked: ``get`` checks)."""
        if self.key is None:
            return False
        _check(kind, name)
        try:
            folder = self._folder("index/" + kind)
            shard = None if folder is None else _open_folder(folder, name[:2], False)
            if shard is None:
                return False
            try:
                os.stat(name, dir_fd=shard, follow_symlinks=False)
                return True
            finally:
                os.close(shard)
        except OSError:
            return False

    def get(self, kind: str, name: str, touch: bool = True) -> bytes | None:
        """The bytes kept under (kind, name), or None: missing, or failing a check. ``touch``:
        mark the entry as used (else the caller does, with ``touch``, if it was)."""
        if self.key is None:
            return None
        _check(kind, name)
        try:
            folder = self._folder("index/" + kind)
            index = None if folder is None else _open_entry(folder, name[:2], name)
        except OSError:  # a link, a FIFO, a device, a huge file
            self.rejected += 1
            return None
        if index is None:
            return None
        fd, _size = index
        try:
            digest, mac = os.read(fd, 200).decode("ascii").split()
            if not hmac.compare_digest(mac, self._mac(kind, name, digest)) or not _DIGEST.fullmatch(digest):
                raise ValueError("bad signature")
            objects = self._folder("objects")
            found = None if objects is None else _open_entry(objects, digest[:2], digest)
            if found is None:
                raise ValueError("no such object")
            data = _read_all(*found)
            if hashlib.sha256(data).hexdigest() != digest:
                raise ValueError("content does not match its hash")
            if touch:
                _touch(fd)
        except (OSError, ValueError, UnicodeDecodeError):
            self.rejected += 1
            return None
        finally:
            os.close(fd)
        return data

    def put(self, kind: str, name: str, data: bytes) -> None:
        if self.key is None:
            return
        _check(kind, name)
        if len(data) > MAX_ENTRY:  # a read would refuse it
            return
        digest = hashlib.sha256(data).hexdigest()
        try:
            shard = _open_folder(self._folder("objects", True), digest[:2], True)
            try:
                if not _holds(shard, digest, len(data)):  # missing, or damaged: a build may not keep reading it
                    _write_atomic(shard, digest, data)
            finally:
                os.close(shard)
            shard = _open_folder(self._folder("index/" + kind, True), name[:2], True)
            try:
                _write_atomic(shard, name, f"{digest} {self._mac(kind, name, digest)}\n".encode())
            finally:
                os.close(shard)
        except OSError:
            pass

    def fetch(self, kind: str, name: str, dest: str, mode: int = 0o644) -> bool:
        """Write the kept bytes to ``dest`` (a copy: a plugin editing the site in place must not
        edit the cache); False on a miss."""
        data = self.get(kind, name)
        if data is None:
            return False
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)  # whatever the umask: a web root serves the files
            fh.write(data)
        return True

    def touch(self, kind: str, name: str) -> None:
        """Mark an entry as used (the entry itself: a link there is not followed)."""
        _check(kind, name)
        try:
            folder = self._folder("index/" + kind)
            shard = None if folder is None else _open_folder(folder, name[:2], False)
            if shard is not None:
                try:
                    os.utime(name, dir_fd=shard, follow_symlinks=False)
                finally:
                    os.close(shard)
        except OSError:
            pass

    def get_value(self, kind: str, name: str, touch: bool = True):
        """A plain value (``put_value``), loaded only once its entry checked out."""
        data = self.get(kind, name, touch)
        if data is None:
            return None
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            self.rejected += 1
            return None

    def put_value(self, kind: str, name: str, value) -> None:
        """Keep plain values (str, bytes, numbers, tuples, lists, dicts, sets); raises
        ValueError for anything else."""
        self.put(kind, name, marshal.dumps(value, 4))

    def names(self, kind: str) -> list[str]:
        """The names kept under ``kind`` (unchecked: ``get`` checks), sorted."""
        found = []
        try:
            folder = self._folder("index/" + kind) if self._fd is not None and kind in KINDS else None
            for sub in os.listdir(folder) if folder is not None else ():
                try:
                    shard = _open_folder(folder, sub, False)
                except OSError:
                    continue
                if shard is not None:
                    try:
                        found.extend(n for n in os.listdir(shard) if _NAME.match(n) and n[:2] == sub)
                    finally:
                        os.close(shard)
        except OSError:
            pass
        return sorted(found)

    def remove(self, kind: str, name: str) -> None:
        _check(kind, name)
        try:
            folder = self._folder("index/" + kind) if self._fd is not None else None
            shard = None if folder is None else _open_folder(folder, name[:2], False)
            if shard is not None:
                try:
                    os.unlink(name, dir_fd=shard)  # the entry itself, whatever it is
                finally:
                    os.close(shard)
        except OSError:
            pass

    # -- pruning -----------------------------------------------------------------------------

    def prune(self, now: float | None = None, force: bool = False) -> int:
        """Remove index entries no build used for ``KEEP_DAYS``, then objects no entry names,
        stray temporary files and what older versions of policygen kept here. Looks at most
        once a day unless ``force``. Returns how many files went. Only regular files named as
        the layout names them go; nothing is followed."""
        if self._fd is None:
            return 0
        now = time.time() if now is None else now
        try:
            if not force and now - os.stat(".pruned", dir_fd=self._fd, follow_symlinks=False).st_mtime < 86400:
                return 0
        except OSError:
            pass
        removed = 0
        named: set[str] = set()
        for kind in KINDS:
            try:
                folder = self._folder("index/" + kind)
            except OSError:
                continue
            for shard, sub, name, st in _files(folder, _SHARD):
                tmp = _TMP.fullmatch(name)
                if not _NAME.match(tmp.group(1) if tmp else name) or name[:2] != sub:
                    continue  # not a name the cache gives
                age = now - st.st_mtime
                try:
                    if (tmp and age > 3600) or (not tmp and age > KEEP_DAYS * 86400):
                        os.unlink(name, dir_fd=shard)
                        removed += 1
                    elif not tmp:
                        found = _open_entry_in(shard, name)
                        if found is not None:
                            fd, _size = found
                            try:
                                named.add(os.read(fd, 64).decode("ascii", "replace"))
                            finally:
                                os.close(fd)
                except OSError:
                    continue
        try:
            objects = self._folder("objects")
        except OSError:
            objects = None
        for shard, sub, name, st in _files(objects, _HEX2):
            tmp = _TMP.fullmatch(name)
            digest = tmp.group(1) if tmp else name
            # An object written in the last hour may be one whose index entry is being written.
            if _DIGEST.fullmatch(digest) and digest[:2] == sub and (tmp or name not in named) \
                    and now - st.st_mtime > 3600:
                try:
                    os.unlink(name, dir_fd=shard)
                    removed += 1
                except OSError:
                    continue
        try:
            for name in os.listdir(self._fd):  # what older versions of policygen kept here
                if name in _OLD_TOPS or _HEX2.fullmatch(name):
                    removed += _remove_old(self._fd, name, name)
            _write_atomic(self._fd, ".pruned", b"")
            os.utime(".pruned", (now, now), dir_fd=self._fd, follow_symlinks=False)
        except OSError:
            pass
        return removed


class KeptTexts:
    """Small texts computed from the sources (a version's change summary), kept under a key
    made of what they are computed from and the code (``salt``)."""

    def __init__(self, cache: Cache, salt: str):
        self.cache = cache
        self.salt = salt

    def _name(self, what: tuple) -> str:
        return hashlib.sha256(repr((self.salt, what)).encode()).hexdigest()

    def get(self, what: tuple) -> str | None:
        data = self.cache.get("summary", self._name(what))
        try:
            return None if data is None else data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put(self, what: tuple, text: str) -> None:
        self.cache.put("summary", self._name(what), text.encode("utf-8"))


class ShardedMemo:
    """The backend of ``memo.kept`` in a build: results kept in shards, one written by each
    process that made new ones (workers write at once, so one shared file would need locks).
    Every process reads all shards of its code (``salt``) the first time it looks one up."""

    def __init__(self, cache: Cache, salt: str):
        self.cache = cache
        self.prefix = hashlib.sha256(salt.encode()).hexdigest()[:16]
        self._old: dict | None = None  # what the shards hold: read on the first lookup
        self._shards: dict[bytes, str] = {}  # key -> shard it came from
        self._hit: set[str] = set()
        self.new: dict = {}  # what this process made since its last shard

    def _load(self) -> None:
        self._old = {}
        for name in self.cache.names("diffs"):
            if not name.startswith(self.prefix + "-"):
                continue  # another version of policygen's
            entries = self.cache.get_value("diffs", name, touch=False)  # used if one is looked up
            if not isinstance(entries, dict):
                continue
            for key in entries:
                self._shards.setdefault(key, name)
            self._old.update(entries)

    def get(self, key: bytes):
        got = self.new.get(key)
        if got is None:
            if self._old is None:
                self._load()
            got = self._old.get(key)
            if got is not None:
                self._hit.add(self._shards.get(key, ""))
        return got

    def put(self, key: bytes, value) -> None:
        self.new[key] = value

    def write(self) -> None:
        """Keep what this process made since its last shard as a new shard, and mark the
        shards it read from as used (unused ones go with ``prune``)."""
        made, hit = self.new, self._hit
        self.new, self._hit = {}, set()
        if self._old is not None:
            self._old.update(made)  # still served here (and in workers forked from here)
        if made:
            name = f"{self.prefix}-{time.time_ns()}-{os.getpid()}"
            try:
                self.cache.put_value("diffs", name, made)
            except ValueError:
                return  # a value marshal cannot hold: not kept
            self._shards.update(dict.fromkeys(made, name))
        for name in hit - {""}:
            self.cache.touch("diffs", name)


def open_cache(folder: str | None, project: str | None = None) -> Cache | None:
    """The cache in ``folder``, or None when no folder is set, no key can be had, or the folder
    is not to be used (a warning says why). Inside the project's work tree (the nearest folder
    above ``folder`` holding ``.git``, else ``project``, by default the current folder) no part
    of the path from the work tree down may be a symbolic link: a pull request can commit one.
    A folder outside it (a ``--cache-dir`` of the user's own) is resolved once, here, and then
    opened as it is."""
    if not folder or not _SUPPORTED:
        return None
    path = os.path.abspath(folder)
    top = _work_tree(path, project or os.getcwd())
    if top is not None:
        link = _first_link(top, path)
        if link:
            _LOG.warning(_link_warning(link, path))
            return None
    else:
        path = os.path.realpath(path)
    cache = Cache(path)
    if cache.refused:
        _LOG.warning(cache.refused)
        return None
    if cache.key is None:
        cache.close()
        return None
    return cache


def _work_tree(path: str, project: str | None) -> str | None:
    """The work tree ``path`` is inside: the nearest folder above it holding ``.git``, else
    ``project`` if it is inside that; None if neither."""
    above = os.path.dirname(path)
    while True:
        if os.path.lexists(os.path.join(above, ".git")):
            return above
        up = os.path.dirname(above)
        if up == above:
            break
        above = up
    if project:
        project = os.path.abspath(project)
        if _inside(path, project) and path != project:
            return project
    return None


def _first_link(top: str, path: str) -> str | None:
    """The first part of ``path`` below ``top`` that is a symbolic link (None: none is; a part
    that does not exist yet is made as a folder)."""
    current = top
    for part in os.path.relpath(path, top).split(os.sep):
        current = os.path.join(current, part)
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return current
        except OSError:
            return None
    return None


def _link_warning(link: str, folder: str) -> str:
    try:
        target = f" (to {os.readlink(link)})"
    except OSError:
        target = ""
    if link != folder and _inside(link, folder):
        return (f"{link} is a symbolic link{target} in the cache folder {folder}: links in the cache folder are "
                f"never followed, so this build runs without the cache; delete {folder} (a restored or "
                "committed cache may have planted the link)")
    return (f"{link} is a symbolic link{target}: a cache folder inside the project is never a link or under "
            "one (a pull request can commit one), so this build runs without the cache; delete the link")


def _link_below(parent: int, name: str, depth: int) -> str | None:
    """``name`` in the folder ``parent``, or a folder up to ``depth`` levels below it, that is a
    symbolic link, as a path from ``parent``; None if there is none (or ``name`` is missing)."""
    try:
        fd = os.open(name, _DIR, dir_fd=parent)
    except FileNotFoundError:
        return None
    except OSError:
        try:
            return name if stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode) else None
        except OSError:
            return None
    try:
        with os.scandir(fd) as entries:
            subs = [(e.name, e.is_symlink()) for e in entries]
        for sub, is_link in subs:
            if is_link:
                return f"{name}/{sub}"
            if depth > 1:
                found = _link_below(fd, sub, depth - 1)
                if found:
                    return f"{name}/{found}"
        return None
    except OSError:
        return None
    finally:
        os.close(fd)


def _check(kind: str, name: str) -> None:
    if kind not in KINDS or not _NAME.match(name):
        raise ValueError(f"bad cache entry name {kind}/{name}")


def _open_folder(parent: int | None, name: str, create: bool) -> int | None:
    """The folder ``name`` in the folder ``parent``, opened without following a link (OSError
    for a link); None if it does not exist and not ``create``."""
    if parent is None:
        raise FileNotFoundError(name)
    try:
        return os.open(name, _DIR, dir_fd=parent)
    except FileNotFoundError:
        if not create:
            return None
    try:
        os.mkdir(name, dir_fd=parent)
    except FileExistsError:
        pass
    return os.open(name, _DIR, dir_fd=parent)


def _open_entry(folder: int, sub: str, name: str) -> tuple[int, int] | None:
    """``sub/name`` in ``folder``: see ``_open_entry_in``."""
    shard = _open_folder(folder, sub, False)
    if shard is None:
        return None
    try:
        return _open_entry_in(shard, name)
    finally:
        os.close(shard)


def _open_entry_in(folder: int, name: str) -> tuple[int, int] | None:
    """The file ``name`` in ``folder``, opened for reading, and its size; None if it does not
    exist. OSError for anything but a regular file of at most MAX_ENTRY bytes: a link (not
    followed), a FIFO (not waited for), a device, a huge file. Nothing has been read."""
    try:
        fd = os.open(name, _READ, dir_fd=folder)
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY:
            raise OSError(f"{name} is not a cache entry")
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def _read_all(fd: int, size: int) -> bytes:
    """``size`` bytes of an open entry (fewer if it is shorter), closing it."""
    try:
        data = os.read(fd, size)
        if len(data) < size:  # a short read: rare
            parts, got = [data], len(data)
            while got < size:
                part = os.read(fd, size - got)
                if not part:
                    break
                parts.append(part)
                got += len(part)
            data = b"".join(parts)
        return data
    finally:
        os.close(fd)


def _holds(folder: int, digest: str, size: int) -> bool:
    try:
        found = _open_entry_in(folder, digest)
        if found is None:
            return False
        if found[1] != size:
            os.close(found[0])
            return False
        return hashlib.sha256(_read_all(*found)).hexdigest() == digest
    except OSError:
        return False


def _write_atomic(folder: int, name: str, data: bytes) -> None:
    """Write ``name`` in ``folder``: to a new ``<name>.<pid>.tmp`` (an existing file or link of
    that name is an error, never opened), renamed into place (a link at ``name`` is replaced,
    not followed)."""
    tmp = f"{name}.{os.getpid()}.tmp"
    fd = os.open(tmp, _NEW, 0o666, dir_fd=folder)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=folder)
        except OSError:
            pass
        raise


def _touch(fd: int) -> None:
    """Marks an entry as used: it stays for another KEEP_DAYS."""
    try:
        os.utime(fd)
    except OSError:
        pass


def _files(folder: int | None, shard_name: re.Pattern):
    """(shard folder, its name, file name, lstat) of each regular file in each shard folder of
    ``folder`` whose name matches ``shard_name``; links are neither followed nor listed."""
    if folder is None:
        return
    try:
        subs = os.listdir(folder)
    except OSError:
        return
    for sub in subs:
        if not shard_name.fullmatch(sub):
            continue
        try:
            shard = os.open(sub, _DIR, dir_fd=folder)
        except OSError:
            continue
        try:
            for name in os.listdir(shard):
                try:
                    st = os.stat(name, dir_fd=shard, follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    yield shard, sub, name, st
        except OSError:
            continue
        finally:
            os.close(shard)


def _remove_old(parent: int, name: str, path: str, depth: int = 0) -> int:
    """What an older policygen kept at ``name`` in the folder ``parent`` (``path`` in the cache
    folder): its regular files named as it named them (``_OLD_LAYOUT``), then the folders
    (not links) left empty. 1 if anything went, else 0."""
    try:
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        if stat.S_ISREG(st.st_mode):
            if not _OLD_LAYOUT.fullmatch(path):
                return 0
            os.unlink(name, dir_fd=parent)
            return 1
        if not stat.S_ISDIR(st.st_mode) or depth >= 2:
            return 0
        fd = os.open(name, _DIR, dir_fd=parent)
    except OSError:
        return 0
    removed = 0
    try:
        for sub in os.listdir(fd):
            removed |= _remove_old(fd, sub, f"{path}/{sub}", depth + 1)
    except OSError:
        pass
    finally:
        os.close(fd)
    try:
        os.rmdir(name, dir_fd=parent)
        removed = 1
    except OSError:
        pass
    return removed

# -- what a build's pages are made from, besides the policy --------------------------------

# Config keys that name where this build runs, not what it makes.
_PLACE_KEYS = {"site_dir", "config_file_path", "watch", "dev_addr", "_current_page", "strict"}


def site_fingerprint(config, nav) -> str:
    """What every output depends on besides its policy: policygen's code and libraries, the
    resolved config (after ``INHERIT`` and ``!ENV``), every file of the theme's folders
    (``.icons`` included; an installed theme by its version), the code of each plugin and
    hook and of the project's modules they imported, the Markdown extensions' versions, and
    the navigation. Paths are named relative to the project, so a clone elsewhere (CI) gets
    the same fingerprint."""
    root = os.path.dirname(os.path.abspath(config.config_file_path or os.path.join(os.getcwd(), "mkdocs.yml")))
    h = hashlib.sha256(code_fingerprint().encode())
    items = {k: v for k, v in config.items() if k not in _PLACE_KEYS and k not in ("theme", "plugins", "nav")}
    h.update(repr(_stable(items, root)).encode())
    theme = config.theme
    h.update(repr(_stable({"name": theme.name, "static": sorted(theme.static_templates),
                           "config": dict(theme.items())}, root)).encode())
    for i, d in enumerate(theme.dirs):
        h.update(f"theme {i}: {_folder_version(d) or _tree_hash(d)}\n".encode())
    for name, plugin in config.plugins.items():
        module = plugin if hasattr(plugin, "__file__") and not hasattr(plugin, "config") else sys.modules.get(
            type(plugin).__module__)
        path = getattr(module, "__file__", None) or ""
        h.update(f"plugin {name}: {_folder_version(path) or _file_hash(path)} "
                 f"{_stable(dict(getattr(plugin, 'config', {}) or {}), root)!r}\n".encode())
    # Modules of the project's own that hooks and plugins imported (a hook's helpers); not
    # those of a virtual environment inside the project (named by their distributions).
    for mod_name in sorted(sys.modules):
        path = getattr(sys.modules[mod_name], "__file__", None)
        if path and path.endswith(".py") and _inside(path, root) and _folder_version(path) is None:
            h.update(f"module {os.path.relpath(path, root)}: {_file_hash(path)}\n".encode())
    for ext in config.markdown_extensions or []:
        top = ext.split(".")[0] if isinstance(ext, str) else type(ext).__module__.split(".")[0]
        h.update(f"extension {ext}: {_module_version(top)}\n".encode())
    h.update(repr([(pg.file.src_uri, pg.title, pg.url) for pg in nav.pages]).encode())
    return h.hexdigest()


def _stable(value, root: str, depth: int = 0):
    """A plain, deterministic picture of a config value (no memory addresses, paths relative
    to the project)."""
    if depth > 8:
        return "..."
    if isinstance(value, str):
        if os.path.isabs(value) and _inside(value, root):
            return "<project>/" + os.path.relpath(value, root).replace(os.sep, "/")
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict) or hasattr(value, "items"):
        try:
            pairs = list(value.items())
        except Exception:  # noqa: BLE001 - a dict-like that cannot list itself
            return type(value).__qualname__
        return sorted(((str(k), _stable(v, root, depth + 1)) for k, v in pairs), key=lambda kv: kv[0])
    if isinstance(value, (list, tuple)):
        return [_stable(v, root, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_stable(v, root, depth + 1)) for v in value)
    if hasattr(value, "__dict__") and not callable(value):
        return [type(value).__qualname__, _stable(
            {k: v for k, v in vars(value).items() if not k.startswith("_")}, root, depth + 1)]
    return type(value).__qualname__


def _inside(path: str, folder: str) -> bool:
    path = os.path.abspath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


@functools.lru_cache(maxsize=None)
def _installed_roots() -> tuple[str, ...]:
    import sysconfig

    paths = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    return tuple(os.path.realpath(p) for p in paths)


def _folder_version(path: str) -> str | None:
    """What identifies the installed distribution a path belongs to; None if the path is not
    inside an installed package (then its files are hashed)."""
    if not path:
        return None
    real = os.path.realpath(path)
    for base in _installed_roots():
        if _inside(real, base):
            return _module_version(os.path.relpath(real, base).split(os.sep)[0].removesuffix(".py"))
    return None


@functools.lru_cache(maxsize=None)
def _records() -> tuple[tuple[str, bytes], ...]:
    """Each installed distribution's folder name (name and version) and its RECORD, which
    lists every file it installed with the file's hash: an upgrade or a reinstall changes it."""
    found = []
    for base in _installed_roots():
        try:
            names = sorted(os.listdir(base))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                try:
                    with open(os.path.join(base, name, "RECORD"), "rb") as fh:
                        found.append((name, b"\n" + fh.read()))
                except OSError:
                    continue
    return tuple(found)


@functools.lru_cache(maxsize=None)
def _module_version(top: str) -> str:
    """The distributions that installed the top-level module ``top`` (reading RECORDs is a
    hundredth of what ``importlib.metadata.packages_distributions`` takes)."""
    marks = (f"\n{top}/".encode(), f"\n{top}.py,".encode())
    owners = [(name, hashlib.sha256(record).hexdigest()[:16]) for name, record in _records()
              if any(m in record for m in marks)]
    return ",".join(f"{name}:{digest}" for name, digest in owners) or "-"


def _tree_hash(folder: str) -> str:
    h = hashlib.sha256()
    for base, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(base, name)
            h.update(f"{os.path.relpath(path, folder)}:{_file_hash(path)}\n".encode())
    return h.hexdigest()


def _file_hash(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return "-"
