"""Diffs of clause texts kept between builds, in the cache folder (``diffs/``).

Word diffs, redlines, formatting checks and text reasons are pure functions of clause
texts, and the same pairs come back build after build: after a release, each version's
comparison with the new version in force pairs its clauses with texts the new version did
not change, which the build before diffed already. ``kept(name)`` puts a function's results
in this memo when a build has opened one (``open_memo``); without one it is a plain call.

Each process that diffs writes what it used and made to a file of its own (a shard) when its
pages are done; every process reads all shards the first time it needs one. Shards are plain
values written with ``marshal`` under a key of the code and a checksum (a shard that does
not load or check out is ignored), and go when no build has read from them for 30 days.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import time

from .pagestore import read_sealed, write_sealed

FOLDER = "diffs"
KEEP_DAYS = 30
_MEMO: "_Memo | None" = None


def kept(name: str, encode=None, decode=None):
    """Decorator: keep ``fn(*args)`` (args and result plain values, or made plain by
    ``encode``/``decode``) in the open memo."""
    def wrap(fn):
        @functools.wraps(fn)
        def call(*args):
            memo = _MEMO
            if memo is None:
                return fn(*args)
            # Format 2: later ones mark objects seen more than once, so the same value would
            # give different bytes depending on who else holds it.
            key = hashlib.sha256(name.encode() + b"\0" + marshal.dumps(args, 2)).digest()
            got = memo.get(key)
            if got is not None:
                return decode(got) if decode else got
            value = fn(*args)
            memo.put(key, encode(value) if encode else value)
            return value
        return call
    return wrap


class _Memo:
    def __init__(self, folder: str, salt: str):
        self.folder = folder
        self.salt = salt
        self._old: dict | None = None  # what the shards hold: read on the first lookup
        self._shards: dict[bytes, str] = {}  # key -> shard file it came from
        self._hit: set[str] = set()
        self.new: dict = {}  # what this process made since its last shard

    def _load(self) -> None:
        self._old = {}
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return
        for name in names:
            if not name.endswith(".marshal"):
                continue
            entries = read_sealed(os.path.join(self.folder, name), self.salt)
            if not isinstance(entries, dict):
                continue  # damaged, or from other code
            for key in entries:
                self._shards.setdefault(key, name)
            self._old.update(entries)

    def get(self, key: bytes):
        got = self.new.get(key)
        if got is None:
            if self._old is None:
                self._load()
            got = self._old.get(key)
            if got is not None and key in self._shards:
                self._hit.add(self._shards[key])
        return got

    def put(self, key: bytes, value) -> None:
        self.new[key] = value

    def write(self) -> None:
        """Write what this process made since its last shard as a new one (atomically), mark
        the shards it read from as used, and remove shards no build read from for
        ``KEEP_DAYS``. Failures only cost speed."""
        now = time.time()
        made, hit = self.new, self._hit
        self.new, self._hit = {}, set()
        if self._old is not None:
            self._old.update(made)  # still served here (and in workers forked from here)
        try:
            os.makedirs(self.folder, exist_ok=True)
            if made:
                name = f"{time.time_ns()}-{os.getpid()}.marshal"
                write_sealed(os.path.join(self.folder, name), self.salt, made)
                self._shards.update(dict.fromkeys(made, name))
            names = os.listdir(self.folder)
        except OSError:
            return  # a cache folder that cannot be written only costs speed
        for name in names:
            path = os.path.join(self.folder, name)
            try:
                if name in hit:
                    os.utime(path, (now, now))
                elif now - os.path.getmtime(path) > KEEP_DAYS * 86400:
                    os.remove(path)
            except OSError:
                pass  # gone already: another build's cleanup


def open_memo(cache_dir: str, salt: str) -> None:
    """Keep diffs in ``cache_dir`` for this process and the workers it forks from now on."""
    global _MEMO
    _MEMO = _Memo(os.path.join(cache_dir, FOLDER), salt)


def close_memo(write: bool = True) -> None:
    """Write this process's shard (``write``) and stop keeping diffs."""
    global _MEMO
    memo, _MEMO = _MEMO, None
    if memo is not None and write:
        memo.write()


def flush() -> None:
    """Write what this process made so far: before forking workers (which then start with
    nothing of their own), and in each worker when its pages are done."""
    if _MEMO is not None:
        _MEMO.write()
