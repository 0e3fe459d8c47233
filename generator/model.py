"""The data model: frozen values that every other module passes around.

Nothing here does I/O; parsing lives in fragments.py, git in history.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

LEVELS = ("editorial", "minor", "notice", "consent")


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def max_level(levels, default: str = "editorial") -> str:
    best = default
    for lv in levels:
        if level_rank(lv) > level_rank(best):
            best = lv
    return best


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def memo_by_identity(fn):
    """Memoise a function of one frozen value by the object itself. Versions share their
    unchanged clause and text objects, so identity finds the repeats; equality would not
    do, as it leaves some fields (facts) out."""
    cache: dict = {}

    @functools.wraps(fn)
    def wrapper(obj):
        got = cache.get(id(obj))
        if got is not None and got[0] is obj:
            return got[1]
        if len(cache) >= 100_000:  # a long ``policygen serve`` session
            cache.clear()
        result = fn(obj)
        cache[id(obj)] = (obj, result)  # holding obj keeps its id from being reused
        return result

    return wrapper


@dataclass(frozen=True)
class Clause:
    """One clause fragment in one language."""

    id: str
    title: str
    body: str  # Markdown, LF line endings
    facts: dict = field(default_factory=dict, compare=False, hash=False)
    source_hash: str | None = None  # translations: hash of the source clause they translate
    path: str = field(default="", compare=False)
    body_line: int = field(default=1, compare=False)  # line of the body's first line in path
    fact_lines: dict = field(default_factory=dict, compare=False, hash=False)  # fact key -> its line in path

    @functools.cached_property
    def content_hash(self) -> str:
        """Hash of what a reader sees and what the facts say; stable across checkouts."""
        return sha256(canonical_json({"id": self.id, "title": self.title,
                                      "body": self.body.strip("\n"), "facts": self.facts}))


@dataclass(frozen=True)
class Manifest:
    """policy.yml: the policy's identity, languages, clause order and legal profile."""

    id: str
    titles: dict  # lang -> title
    languages: tuple  # first = source language
    clauses: tuple  # clause ids in order
    entity: dict = field(default_factory=dict, compare=False, hash=False)
    regimes: tuple = ("gdpr",)
    notice_days: int = 30
    numbering: str | tuple = "decimal"  # decimal | roman | chinese | none, or ((lang, style), ...)
    unnumbered: tuple = ()  # clause ids rendered without a number (e.g. an introduction)
    promises: dict = field(default_factory=dict, compare=False, hash=False)
    path: str = field(default="", compare=False)

    @property
    def source_lang(self) -> str:
        return self.languages[0]

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get(self.source_lang) or self.id

    def numbering_for(self, lang: str) -> str:
        """The clause numbering of one language: its own entry when policy.yml names one per
        language; else the policy's, written the Chinese way ("一、") in Chinese."""
        if isinstance(self.numbering, tuple):
            given = dict(self.numbering)
            return given.get(lang) or given.get(lang.split("-")[0]) or given.get("*", "decimal")
        if self.numbering != "none" and lang.split("-")[0] == "zh":
            return "chinese"
        return self.numbering


@dataclass(frozen=True)
class PolicyText:
    """The policy in one language at one point in time."""

    manifest: Manifest
    lang: str
    clauses: tuple  # Clause, in manifest order
    # a translation's clauses whose id the source language no longer has (it lags a restructure)
    orphans: tuple = field(default=(), compare=False, hash=False)

    def clause(self, clause_id: str) -> Clause | None:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        return None

    @functools.cached_property
    def content_hash(self) -> str:
        m = self.manifest
        # The folder name (policy id) is left out so that renaming a policy folder keeps hashes.
        return sha256(canonical_json({
            "lang": self.lang, "title": m.title(self.lang),
            "numbering": m.numbering, "unnumbered": list(m.unnumbered),
            "clauses": [c.content_hash for c in self.clauses],
        }))


@dataclass(frozen=True)
class Release:
    """One entry of releases.yml: a version as published."""

    effective: date
    level: str
    computed_level: str | None = None
    justification: str | None = None
    summary: str = ""
    hashes: dict = field(default_factory=dict, compare=False, hash=False)  # lang -> content hash
    backfill: bool = False
    stale: dict = field(default_factory=dict, compare=False, hash=False)  # lang -> [clause ids] pending
    # lang -> key of the earlier version whose translation a lagging language keeps publishing
    lagging: dict = field(default_factory=dict, compare=False, hash=False)
    line: int = field(default=0, compare=False)

    @functools.cached_property
    def key(self) -> str:  # read for every link of every page
        return self.effective.isoformat()

    @property
    def languages(self) -> list:
        return list(self.hashes)

    @functools.cached_property
    def record(self) -> str:
        """What never changes once the entry is committed (the ledger is append-only): every
        field but the summary, which describes the release and is not the published text. The
        lagging translations are in it: they decide which text a language publishes. An entry
        without a computed level recorded it as its level (older ledgers wrote it only when the
        two differed)."""
        return canonical_json({"effective": self.key, "level": self.level,
                               "computed_level": self.computed_level or self.level,
                               "justification": self.justification, "backfill": self.backfill,
                               "content": self.hashes, "stale": self.stale, "lagging": self.lagging})


@dataclass(frozen=True)
class Withdrawal:
    """A release taken back before it took effect, recorded under 'withdrawn:' in releases.yml."""

    effective: date
    on: date  # the day it was withdrawn
    justification: str
    hashes: dict = field(default_factory=dict, compare=False, hash=False)  # what the withdrawn entry recorded
    line: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return self.effective.isoformat()


@dataclass(frozen=True)
class Version:
    """A release resolved against git: its ledger entry, where it was found, its text."""

    release: Release
    commit: str | None  # None: recorded in the work tree, not committed yet
    texts: dict = field(default_factory=dict, compare=False, hash=False)  # lang -> PolicyText

    @property
    def effective(self) -> date:
        return self.release.effective

    @property
    def key(self) -> str:
        return self.release.key
