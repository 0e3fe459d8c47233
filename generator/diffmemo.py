"""Memoised diffs of clause texts, with a store the build plugs in.

Word diffs, redlines, formatting checks and text reasons are pure functions of clause texts,
and the same pairs come back build after build: after a release, each version's comparison
with the new version in force pairs its clauses with texts the new version did not change.
``kept(name)`` marks such a function. This module does no I/O: while a build has plugged in a
store (``use``; the build's is ``cache.ShardedMemo``, kept in the cache folder), results are
looked up there and new ones handed to it; without one a call is a plain call.
"""

from __future__ import annotations

import functools
import hashlib
import marshal

_STORE = None  # get(key) -> value | None, put(key, value), write(): set by the build


def kept(name: str, encode=None, decode=None):
    """Decorator: keep ``fn(*args)`` (args and result plain values, or made plain by
    ``encode``/``decode``) in the store in use."""
    def wrap(fn):
        @functools.wraps(fn)
        def call(*args):
            store = _STORE
            if store is None:
                return fn(*args)
            # Format 2: later ones mark objects seen more than once, so the same value would
            # give different bytes depending on who else holds it.
            key = hashlib.sha256(name.encode() + b"\0" + marshal.dumps(args, 2)).digest()
            got = store.get(key)
            if got is not None:
                return decode(got) if decode else got
            value = fn(*args)
            store.put(key, encode(value) if encode else value)
            return value
        return call
    return wrap


def use(store) -> None:
    """Keep results in ``store`` in this process and the workers it forks from now on."""
    global _STORE
    _STORE = store


def close(write: bool = True) -> None:
    """Hand what this process made to its store (``write``) and stop keeping results."""
    global _STORE
    store, _STORE = _STORE, None
    if store is not None and write:
        store.write()


def flush() -> None:
    """Hand over what this process made so far: before forking workers (which then start
    with nothing of their own), and in each worker when its pages are done."""
    if _STORE is not None:
        _STORE.write()
