"""Clauses whose id changed between two versions: renamed, split or merged. Pure.

Clause ids are stable, but a re-import or an editor splitting a section gives text new ids.
A removed and an added clause that hold largely the same words are one clause renamed; an
old clause whose words went to two or more new ones was split; two or more old clauses
whose words went to one new clause were merged. Each such new clause is diffed against the
old text it came from (a split part against the paragraphs it took), so that a reviewer
reads what changed in the words, not a removal and an addition.
"""

from __future__ import annotations

import re
from collections import Counter

from .diff import ClauseDiff, changed_clause
from .model import Clause

CONTAINED = 0.6  # share of a clause's words found in the other side's clause
MIN_WORDS = 8  # shorter texts say too little to be matched by their words
WORD = re.compile(r"\w+")
PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def _words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text))


def _contained(part: Counter, whole: Counter) -> float:
    n = sum(part.values())
    return sum((part & whole).values()) / n if n else 0.0


def _best(words: Counter, candidates: dict) -> str | None:
    if sum(words.values()) < MIN_WORDS:
        return None
    score, best = max(((_contained(words, w), cid) for cid, w in candidates.items()), default=(0.0, None))
    return best if score >= CONTAINED else None


def regroup(out: list[ClauseDiff], old_clauses, new_clauses) -> list[ClauseDiff]:
    removed = {cd.id for cd in out if cd.status == "removed"}
    added = {cd.id for cd in out if cd.status == "added"}
    if not removed and not added:
        return out
    old_by, new_by = {c.id: c for c in old_clauses}, {c.id: c for c in new_clauses}
    old_words = {c.id: _words(c.body) for c in old_clauses}
    new_words = {c.id: _words(c.body) for c in new_clauses}
    # Words that left each old clause and words that came to each new one (all of them for a
    # removed or added clause): an added clause came from where its words left, a removed
    # clause went where its words came to.
    lost = {o: w - new_words.get(o, Counter()) for o, w in old_words.items()}
    gained = {n: w - old_words.get(n, Counter()) for n, w in new_words.items()}
    source = {a: _best(new_words[a], lost) for a in added}
    target = {r: _best(old_words[r], gained) for r in removed}
    replace: dict[str, ClauseDiff] = {}
    gone: set[str] = set()
    # Split: an old clause's words in two or more new clauses (itself, if kept, and added ones).
    for o in old_clauses:
        parts = [c.id for c in new_clauses if source.get(c.id) == o.id or (c.id == o.id and c.id in new_by)]
        if len(parts) < 2 or not any(p in added for p in parts):
            continue
        pieces = _share_paragraphs(o.body, [new_by[p] for p in parts])
        for p in parts:
            # A part of its own keeps its new title: the heading the split gave it.
            title = o.title if p == o.id else new_by[p].title
            old_part = Clause(o.id, title, pieces[p], facts=o.facts if p == parts[0] else {})
            replace[p] = changed_clause(old_part, new_by[p], note="split", old_ids=(o.id,))
        gone.add(o.id)
    # Merged: two or more old clauses' words in one new clause.
    for c in new_clauses:
        if c.id in replace:
            continue
        parts = [o.id for o in old_clauses if target.get(o.id) == c.id or (o.id == c.id and o.id in old_by)]
        parts = [p for p in parts if p in removed or p == c.id]
        if len(parts) < 2 or not any(p in removed for p in parts):
            continue
        olds = [old_by[p] for p in parts]
        facts: dict = {}
        for o in olds:
            for key, value in o.facts.items():
                facts[key] = facts[key] + value if isinstance(value, list) and isinstance(facts.get(key), list) \
                    else facts.get(key, value)
        merged = Clause(olds[0].id, olds[0].title, "\n\n".join(o.body.strip("\n") for o in olds) + "\n", facts=facts)
        replace[c.id] = changed_clause(merged, c, note="merged", old_ids=tuple(parts))
        gone.update(p for p in parts if p in removed)
    # Renamed: one removed and one added clause holding the same words.
    for r in removed - gone:
        a = target.get(r)
        if a in added and a not in replace and source.get(a) == r:
            replace[a] = changed_clause(old_by[r], new_by[a], note="renamed", old_ids=(r,))
            gone.add(r)
    return [replace.get(cd.id, cd) for cd in out if not (cd.status == "removed" and cd.id in gone)]


def _share_paragraphs(body: str, parts: list[Clause]) -> dict[str, str]:
    """The old clause's paragraphs, each given to the new part that holds most of its words
    (a paragraph matching none goes with the one before it), in their old order."""
    words = {p.id: _words(p.body) for p in parts}
    out: dict[str, list[str]] = {p.id: [] for p in parts}
    last = parts[0].id
    for para in PARAGRAPHS.split(body):
        if not para.strip():
            continue
        pw = _words(para)
        score, best = max((_contained(pw, w), pid) for pid, w in words.items())
        last = best if score >= 0.3 else last
        out[last].append(para.strip("\n"))
    return {pid: ("\n\n".join(paras) + "\n") if paras else "" for pid, paras in out.items()}
