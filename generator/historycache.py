"""What each commit held, kept between builds in the cache folder (one ``history`` entry).

A commit is named by a hash of its content, so what a policy folder held at a commit never
changes: the release keys its ledger lists and its texts. With this memo a build reads from
git and parses only the commits it has not seen before (after a release: the new one).
Versions are still checked against the ledger's content hashes as on any other build.

The memo is plain values kept through ``cache.Cache`` (checked there before they are loaded)
under a name made of policygen's code, the libraries and Python (``code_fingerprint``); an
entry that does not check out is ignored. Only the entries a build used are written back, so
the memo follows the history instead of growing with every branch it saw.
"""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import fields

from .model import Clause, Manifest, PolicyText
_CLAUSE_FIELDS = tuple(f.name for f in fields(Clause))
_MANIFEST_FIELDS = tuple(f.name for f in fields(Manifest))


class CommitMemo:
    """(commit, sources prefix, folder) -> ledger keys and texts, with the clause objects
    shared by (path, blob) as freshly read versions share them."""

    def __init__(self, cache=None, salt: str = ""):
        self.cache = cache  # a cache.Cache, or None: remember for this process only
        self.name = hashlib.sha256(("history\0" + salt).encode()).hexdigest()
        # place -> {"keys": (release key, ...), "texts": None or
        #           {"manifest": its fields, "langs": {lang: ((path, blob), ...)}}}
        self._entries: dict = {}
        self._clauses: dict = {}  # (path, blob) -> clause fields
        self._used: set = set()
        self._changed = False
        if cache is not None:
            self._load()

    def _load(self) -> None:
        data = self.cache.get_value("history", self.name)
        try:
            self._entries, self._clauses = dict(data["entries"]), dict(data["clauses"])
        except (TypeError, KeyError):
            self._entries, self._clauses = {}, {}  # missing, damaged or from other code: start afresh

    def ledger_keys(self, place: tuple) -> set | None:
        entry = self._entries.get(place)
        if entry is None:
            return None
        self._used.add(place)
        return set(entry["keys"])

    def set_ledger_keys(self, place: tuple, keys: set) -> None:
        self._entries[place] = {"keys": tuple(sorted(keys)), "texts": None}
        self._used.add(place)
        self._changed = True

    def texts(self, place: tuple, shared: dict) -> dict[str, PolicyText] | None:
        entry = self._entries.get(place)
        stored = entry and entry["texts"]
        if not stored:
            return None
        try:
            manifest = Manifest(**dict(zip(_MANIFEST_FIELDS, stored["manifest"])))
            return {lang: PolicyText(manifest=manifest, lang=lang,
                                     clauses=tuple(self._clause(key, shared) for key in keys))
                    for lang, keys in stored["langs"].items()}
        except (KeyError, TypeError, ValueError):
            return None

    def _clause(self, key: tuple, shared: dict) -> Clause:
        got = shared.get(key)
        if got is None:
            got = shared[key] = Clause(**dict(zip(_CLAUSE_FIELDS, self._clauses[key])))
        return got

    def set_texts(self, place: tuple, texts: dict[str, PolicyText], shared: dict) -> None:
        """Keep a commit's texts; ``shared`` names each clause's (path, blob)."""
        entry = self._entries.get(place)
        if entry is None or not texts:
            return
        where = {id(c): key for key, c in shared.items()}
        manifests = {id(t.manifest) for t in texts.values()}
        if len(manifests) != 1 or any(id(c) not in where for t in texts.values() for c in t.clauses):
            return
        manifest = next(iter(texts.values())).manifest
        stored = {"manifest": tuple(getattr(manifest, f) for f in _MANIFEST_FIELDS),
                  "langs": {lang: tuple(where[id(c)] for c in t.clauses) for lang, t in texts.items()}}
        clauses = {where[id(c)]: tuple(getattr(c, f) for f in _CLAUSE_FIELDS) for t in texts.values() for c in t.clauses}
        try:
            marshal.dumps((stored, clauses))
        except ValueError:  # a value marshal cannot hold (a date in the front matter): read it each time
            return
        entry["texts"] = stored
        self._clauses.update(clauses)
        self._changed = True

    def save(self) -> None:
        """Write the entries this build used (atomically), if any were new."""
        if self.cache is None or not (self._changed or set(self._entries) - self._used):
            return
        entries = {p: e for p, e in self._entries.items() if p in self._used}
        needed = {key for e in entries.values() if e["texts"] for keys in e["texts"]["langs"].values() for key in keys}
        try:
            self.cache.put_value("history", self.name,
                                 {"entries": entries, "clauses": {k: v for k, v in self._clauses.items() if k in needed}})
        except ValueError:
            pass  # a value marshal cannot hold: not kept
