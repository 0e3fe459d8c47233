"""The cache folder (``.policygen-cache/``): everything policygen keeps between builds.

This is the one module that reads or writes the cache folder. The folder is untrusted input:
CI restores it from caches that other branches and pull requests can write. So:

- Every entry is content-addressed: its bytes are stored under their SHA-256
  (``objects/ab/<sha256>``) and an index file names them (``index/<kind>/<name>``). The
  index line holds the content hash and an HMAC of (kind, name, content hash) under a secret
  kept *outside* the folder (``$POLICYGEN_CACHE_KEY``, or a random key made once in
  ``~/.config/policygen/cache-key``). A read checks both: a changed, truncated, swapped or
  forged entry, or one written under another key, is a miss (counted in ``rejected``) and is
  made again. Only a holder of the key can write an entry a build accepts.
- Entries are bytes (pages, renders) or plain values written with ``marshal`` and loaded
  only after their HMAC and hash check out. Nothing in the folder is executed or unpickled
  (compiled templates are kept in memory only).
- Keys name every input of an output (see ``code_fingerprint`` and the plugin's build
  fingerprint), so a build with the cache writes the bytes of a build without it.
- An index entry's mtime is its last use; entries unused for ``KEEP_DAYS`` go, then the
  objects no entry names (``prune``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import marshal
import os
import re
import secrets
import shutil
import sys
import time
from importlib import metadata, resources

KEEP_DAYS = 30
# What turns policy text into a page, besides policygen's own files.
LIBRARIES = ("mkdocs", "mkdocs-material", "Markdown", "nh3", "Jinja2", "MarkupSafe", "Babel", "cydifflib",
             "PyYAML", "beautifulsoup4")
KINDS = ("page", "render", "summary", "history", "diffs")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_OLD_LAYOUT = {"pages", "diffs", "jinja", "history.marshal"}  # and render folders named 00 ... ff


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


def secret_key() -> bytes | None:
    """The key entries are signed with: ``$POLICYGEN_CACHE_KEY`` (set it from a CI secret to
    use a cache restored in CI), else a random key made once for this user, outside the cache
    folder. None if neither can be had (then nothing is kept)."""
    env = os.environ.get("POLICYGEN_CACHE_KEY", "")
    if env:
        return hashlib.sha256(b"policygen-cache-key\0" + env.encode("utf-8")).digest()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    path = os.path.join(base, "policygen", "cache-key")
    try:
        with open(path, "rb") as fh:
            key = fh.read()
        if len(key) >= 32:
            return key
    except OSError:
        pass
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
        with open(path, "rb") as fh:
            key = fh.read()
        return key if len(key) >= 32 else None
    except OSError:
        return None


class Cache:
    """The cache folder. ``get``/``put`` bytes, ``get_value``/``put_value`` plain values, under
    a kind (``KINDS``) and a name (a key hash, or a shard's name). Safe with several processes
    writing at once; a folder that cannot be written only costs speed."""

    def __init__(self, folder: str, key: bytes | None = None):
        self.dir = os.path.abspath(folder)
        self.key = key if key is not None else secret_key()
        self.rejected = 0  # entries found but not accepted: changed, forged, or under another key
        try:
            os.makedirs(self.dir, exist_ok=True)
            # Like .pytest_cache: the folder keeps itself out of git, whatever the project's .gitignore says.
            marker = os.path.join(self.dir, ".gitignore")
            if not os.path.exists(marker):
                _write_atomic(marker, b"# policygen's cache folder; safe to delete\n*\n")
        except OSError:
            pass

    # -- entries -----------------------------------------------------------------------------

    def _index(self, kind: str, name: str) -> str:
        if kind not in KINDS or not _NAME.match(name):
            raise ValueError(f"bad cache entry name {kind}/{name}")
        return os.path.join(self.dir, "index", kind, name[:2], name)

    def _object(self, digest: str) -> str:
        return os.path.join(self.dir, "objects", digest[:2], digest)

    def _mac(self, kind: str, name: str, digest: str) -> str:
        return hmac.new(self.key, f"{kind}/{name}\0{digest}".encode(), hashlib.sha256).hexdigest()

    def has(self, kind: str, name: str) -> bool:
        """An index entry exists (not yet checked: ``get`` checks)."""
        return self.key is not None and os.path.exists(self._index(kind, name))

    def get(self, kind: str, name: str, touch: bool = True) -> bytes | None:
        """The bytes kept under (kind, name), or None: missing, or failing a check. ``touch``:
        mark the entry as used (else the caller does, with ``touch``, if it was)."""
        if self.key is None:
            return None
        index = self._index(kind, name)
        try:
            with open(index, "rb") as fh:
                line = fh.read(200)
        except OSError:
            return None
        try:
            digest, mac = line.decode("ascii").split()
            if not hmac.compare_digest(mac, self._mac(kind, name, digest)):
                raise ValueError("bad signature")
            with open(self._object(digest), "rb") as fh:
                data = fh.read()
            if hashlib.sha256(data).hexdigest() != digest:
                raise ValueError("content does not match its hash")
        except (OSError, ValueError, UnicodeDecodeError):
            self.rejected += 1
            return None
        if touch:
            _touch(index)
        return data

    def put(self, kind: str, name: str, data: bytes) -> None:
        if self.key is None:
            return
        digest = hashlib.sha256(data).hexdigest()
        try:
            obj = self._object(digest)
            if not _holds(obj, digest, len(data)):  # missing, or damaged: a build may not keep reading it
                _write_atomic(obj, data)
            _write_atomic(self._index(kind, name), f"{digest} {self._mac(kind, name, digest)}\n".encode())
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
        _touch(self._index(kind, name))

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
        root = os.path.join(self.dir, "index", kind)
        found = []
        try:
            for sub in os.listdir(root):
                found.extend(n for n in os.listdir(os.path.join(root, sub)) if _NAME.match(n) and n[:2] == sub)
        except OSError:
            pass
        return sorted(found)

    def remove(self, kind: str, name: str) -> None:
        try:
            os.remove(self._index(kind, name))
        except OSError:
            pass

    # -- pruning -----------------------------------------------------------------------------

    def prune(self, now: float | None = None, force: bool = False) -> int:
        """Remove index entries no build used for ``KEEP_DAYS``, then objects no entry names,
        stray temporary files and what older versions of policygen kept here. Looks at most
        once a day unless ``force``. Returns how many files went."""
        now = time.time() if now is None else now
        marker = os.path.join(self.dir, ".pruned")
        try:
            if not force and now - os.stat(marker).st_mtime < 86400:
                return 0
        except OSError:
            pass
        removed = 0
        named: set[str] = set()
        for folder, _dirs, files in os.walk(os.path.join(self.dir, "index")):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    if name.endswith(".tmp") or now - os.stat(path).st_mtime > KEEP_DAYS * 86400:
                        if not name.endswith(".tmp") or now - os.stat(path).st_mtime > 3600:
                            os.remove(path)
                            removed += 1
                        continue
                    with open(path, "rb") as fh:
                        named.add(fh.read(64).decode("ascii", "replace"))
                except OSError:
                    continue
        for folder, _dirs, files in os.walk(os.path.join(self.dir, "objects")):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    # An object written in the last hour may be one whose index entry is being written.
                    if name not in named and now - os.stat(path).st_mtime > 3600:
                        os.remove(path)
                        removed += 1
                except OSError:
                    continue
        try:
            for name in os.listdir(self.dir):  # what older versions of policygen kept here
                if name in _OLD_LAYOUT or re.fullmatch(r"[0-9a-f]{2}", name):
                    _remove_tree(os.path.join(self.dir, name))
                    removed += 1
            _write_atomic(marker, b"")
            os.utime(marker, (now, now))
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


def open_cache(folder: str | None) -> Cache | None:
    """The cache in ``folder``, or None when no folder is set or no key can be had."""
    if not folder:
        return None
    cache = Cache(folder)
    return cache if cache.key is not None else None


def _holds(path: str, digest: str, size: int) -> bool:
    try:
        if os.stat(path).st_size != size:
            return False
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest() == digest
    except OSError:
        return False


def _write_atomic(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _touch(path: str) -> None:
    """Marks an entry as used: it stays for another KEEP_DAYS."""
    try:
        os.utime(path)
    except OSError:
        pass


def _remove_tree(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.remove(path)


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
