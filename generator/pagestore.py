"""Finished pages and embeds kept between builds, in the cache folder (``pages/``).

An output's key is a hash of everything it is made from: the code and libraries that make
it (``code_fingerprint``), the theme, config, hooks and plugins that wrap it (the plugin's
build fingerprint), the policy's versions and what the build date decides about them
(``SiteBuilder.fingerprint``), and which output it is. The same key gives the same bytes,
so a kept cache never changes what a build writes; it only saves making it again. Entries
no build has used for 30 days are removed.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import shutil
import sys
import time
from importlib import metadata, resources

# What turns policy text into a page, besides policygen's own files.
LIBRARIES = ("mkdocs", "mkdocs-material", "Markdown", "nh3", "Jinja2", "MarkupSafe", "Babel", "cydifflib")
KEEP_DAYS = 30


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """policygen's files (code, templates, translations, theme overrides) and the versions
    of the libraries that shape its output."""
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
        try:
            h.update(f"{lib}={metadata.version(lib)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=-\n".encode())
    h.update(sys.version.split()[0].encode())
    return h.hexdigest()


def read_sealed(path: str, salt: str):
    """What ``write_sealed`` wrote to ``path`` under ``salt``; None if the file is missing,
    damaged (its checksum does not match) or was written by other code (another salt)."""
    try:
        with open(path, "rb") as fh:
            got_salt, digest, payload = marshal.load(fh)
        if got_salt == salt and digest == hashlib.sha256(payload).digest():
            return marshal.loads(payload)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    return None


def write_sealed(path: str, salt: str, value) -> None:
    """Write plain values (``marshal``: nothing runs when they are read) with the salt and a
    checksum, atomically. Raises OSError."""
    payload = marshal.dumps(value)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            marshal.dump((salt, hashlib.sha256(payload).digest(), payload), fh)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class PageStore:
    """Content-addressed files: ``fetch(key, dest)`` copies a kept output into place,
    ``put(key, data)`` keeps one. Safe with several processes writing at once."""

    def __init__(self, directory: str):
        self.dir = os.path.join(directory, "pages")

    def _path(self, key: str) -> str:
        return os.path.join(self.dir, key[:2], key)

    def fetch(self, key: str, dest: str) -> bool:
        src = self._path(key)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        try:
            # A copy, not a link: a plugin that edits the written site in place must not edit the cache.
            shutil.copyfile(src, dest)
        except FileNotFoundError:
            return False
        _used(src)
        return True

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return None
        _used(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for KEEP_DAYS; look at most once a day. Returns how many went."""
        now = time.time() if now is None else now
        marker = os.path.join(self.dir, ".pruned")
        try:
            if now - os.stat(marker).st_mtime < 86400:
                return 0
        except FileNotFoundError:
            pass
        removed = 0
        for folder, _dirs, names in os.walk(self.dir):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    if name != ".pruned" and now - os.stat(path).st_mtime > KEEP_DAYS * 86400:
                        os.remove(path)
                        removed += 1
                except FileNotFoundError:
                    continue
        os.makedirs(self.dir, exist_ok=True)
        with open(marker, "w", encoding="utf-8"):
            pass
        os.utime(marker, (now, now))
        return removed


class KeptTexts:
    """Small texts computed from the sources (a version's change summary), kept in a page
    store between builds under a key made of what they are computed from and the code."""

    def __init__(self, store: PageStore, salt: str):
        self.store = store
        self.salt = salt

    def _key(self, what: tuple) -> str:
        return hashlib.sha256(repr((self.salt, what)).encode()).hexdigest()

    def get(self, what: tuple) -> str | None:
        data = self.store.read(self._key(what))
        return None if data is None else data.decode("utf-8")

    def put(self, what: tuple, text: str) -> None:
        self.store.put(self._key(what), text.encode("utf-8"))


def _used(path: str) -> None:
    """Marks a kept entry as used: it stays for another KEEP_DAYS."""
    try:
        os.utime(path)
    except OSError:
        pass
