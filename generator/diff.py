"""Clause alignment and word/character redlines. Pure.

Tokens are words for Latin scripts and single characters for Chinese, Japanese and
Korean, so a two-character edit in Chinese shows as two characters. Applying the
'equal' and 'insert' segments reproduces the new text exactly; 'equal' and 'delete'
reproduce the old one.
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass, field

try:  # the same algorithm and results as difflib's, compiled: 20x faster on long clauses
    from cydifflib import SequenceMatcher
except ImportError:  # pragma: no cover - a platform without its wheels
    from difflib import SequenceMatcher

from .blocks import CELL_SEP, block_text, blocks, cell_text
from .diffmemo import kept
from .facts import fact_changes
from .model import PolicyText
from .visible import reader_view

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff00-\uffef\u3000-\u303f"
TOKEN_RE = re.compile(rf"[{CJK}]|[^\W{CJK}]+|\s+|[^\w\s]", re.UNICODE)


# Characters that are always a token on their own (punctuation, CJK but not the ideographic
# space, which joins a run of spaces): a text splits before and after one into parts that
# tokenize independently.
SINGLE = rf"(?:(?!\s)[{CJK}]|[^\w\s])"
SINGLE_RE = re.compile(SINGLE)
UP_TO_LAST_SINGLE_RE = re.compile(rf"(?s).*{SINGLE}")


def tokenize(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def _common_head(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit  # compared by slices (in C), halving: long clauses mostly agree
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_tail(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _shared_ends(old: str, new: str) -> tuple[int, int]:
    """Lengths of a common head and a common tail of two texts (not overlapping), the head
    ending and the tail starting with a single-character token, so that the rest tokenizes
    alone as it would in the whole text: most edits touch one sentence of a long clause."""
    limit = min(len(old), len(new))
    head = _common_head(old, new, limit)
    m = UP_TO_LAST_SINGLE_RE.match(old, 0, head) if head else None
    head = m.end() if m else 0
    tail = _common_tail(old, new, limit - head)
    m = SINGLE_RE.search(old, len(old) - tail) if tail else None
    tail = len(old) - m.start() if m else 0
    return head, tail


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Segments (op, text) with op in equal/delete/insert; adjacent ops merged."""
    if old == new:  # most clauses of two versions: not worth a memo entry
        return [("equal", old)] if old else []
    return list(_word_diff(old, new))


@functools.lru_cache(maxsize=4096)
@kept("word_diff")
def _word_diff(old: str, new: str) -> tuple:
    # Memoised, and kept between builds: the same clause pair recurs across many compare
    # pages and languages, and after a release in the new comparisons with the version in force.
    shared_head, shared_tail = _shared_ends(old, new)
    a = tokenize(old[shared_head:len(old) - shared_tail])
    b = tokenize(new[shared_head:len(new) - shared_tail])
    # Most edits touch a sentence or two of a long clause: the shared head and tail are equal
    # as they stand, and only the middle needs the (quadratic) matcher.
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    sm = SequenceMatcher(None, a[head:len(a) - tail], b[head:len(b) - tail], autojunk=False)
    out: list[tuple[str, str]] = []

    def push(op, text):
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    push("equal", old[:shared_head] + "".join(a[:head]))
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            push("equal", "".join(a[head + i1:head + i2]))
        else:
            push("delete", "".join(a[head + i1:head + i2]))
            push("insert", "".join(b[head + j1:head + j2]))
    push("equal", "".join(a[len(a) - tail:]) + old[len(old) - shared_tail:])
    return tuple(_slide(_absorb_whitespace(out)))


def _slide(segs):
    """Move an edit right past punctuation and spaces it shares with the text after it,
    so an added sentence carries its own full stop ('activities.' + '+ New sentence.')
    instead of taking the previous sentence's ('activities' + '+. New sentence' + '.')."""
    segs = list(segs)
    for i in range(1, len(segs) - 1):
        op, text = segs[i]
        if op == "equal" or segs[i - 1][0] != "equal" or segs[i + 1][0] != "equal":
            continue
        before, after = segs[i - 1][1], segs[i + 1][1]
        # Line breaks go to the front of an edit, so added paragraphs start on their own.
        while text and before and text[-1] == before[-1] == "\n":
            before, text, after = before[:-1], before[-1] + text[:-1], text[-1] + after
        while text and after and text[0] == after[0] and not text[0].isalnum() and not text[0].isspace():
            before, text, after = before + text[0], text[1:] + after[0], after[1:]
        segs[i - 1], segs[i], segs[i + 1] = ("equal", before), (op, text), ("equal", after)
    return [(op, t) for op, t in segs if t]


def _absorb_whitespace(segs):
    # A lone space kept "equal" between two edits makes redlines choppy: fold it in.
    out = []
    i = 0
    while i < len(segs):
        op, text = segs[i]
        if (op == "equal" and text.isspace() and 0 < i < len(segs) - 1 and out and out[-1][0] != "equal"
                and segs[i + 1][0] != "equal"):
            out.append(("delete", text))
            out.append(("insert", text))
        else:
            out.append((op, text))
        i += 1
    merged = []
    dels, ins = [], []
    for op, text in out:
        if op == "equal":
            if dels:
                merged.append(("delete", "".join(dels)))
            if ins:
                merged.append(("insert", "".join(ins)))
            dels, ins = [], []
            merged.append((op, text))
        elif op == "delete":
            dels.append(text)
        else:
            ins.append(text)
    if dels:
        merged.append(("delete", "".join(dels)))
    if ins:
        merged.append(("insert", "".join(ins)))
    return merged


def new_side(segs) -> str:
    return "".join(t for op, t in segs if op != "delete")


def old_side(segs) -> str:
    return "".join(t for op, t in segs if op != "insert")


# ------------------------------------------------------------------ block by block

def _words_of(text: str) -> collections.Counter:
    return collections.Counter(w.lower() for w in TOKEN_RE.findall(text) if not w.isspace())


def _similar(a: collections.Counter, b: collections.Counter) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


PAIR_WINDOW = 12  # blocks looked ahead for a counterpart: keeps a long rewritten run linear
SIMILAR = 0.4  # below this share of common words, a block is shown removed and another added


def _pair_blocks(old_keys, new_keys, i1, i2, j1, j2):
    """Within a run of changed blocks, each old block paired with the next similar new one
    (modified), the rest removed or added: in document order."""
    ops = []
    new_words = {j: _words_of(new_keys[j]) for j in range(j1, j2)}
    j = j1
    for i in range(i1, i2):
        words = _words_of(old_keys[i])
        best, best_score = None, SIMILAR
        for k in range(j, min(j2, j + PAIR_WINDOW)):
            score = _similar(words, new_words[k])
            if score >= best_score:
                best, best_score = k, score
        if best is None:
            ops.append(("delete", i, -1))
            continue
        ops.extend(("insert", -1, k) for k in range(j, best))
        ops.append(("modify", i, best))
        j = best + 1
    ops.extend(("insert", -1, k) for k in range(j, j2))
    return ops


def _cell_segments(old_block, new_block) -> tuple:
    oc, nc = old_block[2], new_block[2]
    out = []
    for k in range(max(len(oc), len(nc))):
        o = cell_text(oc[k]) if k < len(oc) else ""
        n = cell_text(nc[k]) if k < len(nc) else ""
        out.append(tuple(word_diff(o, n)))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
@kept("blocks")
def block_diff(old_body: str, new_body: str) -> tuple:
    """``(old_blocks, new_blocks, ops)`` of two clause bodies, diffed once: blocks aligned by
    their text, words diffed only inside blocks that changed, so the work grows with the
    size of the edit, not of the clause. An op is ``(op, old_index, new_index, cells)``:
    ``equal`` (same words; the style may differ), ``delete``, ``insert``, or ``modify`` with
    each cell's word segments."""
    old_blocks, new_blocks = blocks(old_body), blocks(new_body)
    a = [block_text(b) for b in old_blocks]
    b = [block_text(x) for x in new_blocks]
    ops = []
    sm = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            ops.extend(("equal", i1 + k, j1 + k, ()) for k in range(i2 - i1))
            continue
        for op, i, j in _pair_blocks(a, b, i1, i2, j1, j2):
            cells = _cell_segments(old_blocks[i], new_blocks[j]) if op == "modify" else ()
            ops.append((op, i, j, cells))
    return old_blocks, new_blocks, tuple(ops)


def flat_segments(old_blocks, new_blocks, ops) -> list[tuple[str, str]]:
    """The block diff as one word diff of the visible texts (blocks apart by a blank line):
    its old side is ``visible_text(old_blocks)``, its new side ``visible_text(new_blocks)``."""
    out: list[tuple[str, list]] = []  # texts joined at the end: a long clause has thousands
    seen_old = seen_new = False

    def push(op, text):
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1][1].append(text)
        else:
            out.append((op, [text]))

    for op, i, j, cells in ops:
        has_old, has_new = op != "insert", op != "delete"
        if (has_old and seen_old) and (has_new and seen_new):
            push("equal", "\n\n")
        else:
            if has_old and seen_old:
                push("delete", "\n\n")
            if has_new and seen_new:
                push("insert", "\n\n")
        seen_old, seen_new = seen_old or has_old, seen_new or has_new
        if op == "equal":
            push("equal", block_text(new_blocks[j]))
        elif op == "delete":
            push("delete", block_text(old_blocks[i]))
        elif op == "insert":
            push("insert", block_text(new_blocks[j]))
        else:
            no, nn = len(old_blocks[i][2]), len(new_blocks[j][2])
            for k, segs in enumerate(cells):
                if k:
                    push("equal" if k < no and k < nn else "delete" if k < no else "insert", CELL_SEP)
                for sop, text in segs:
                    push(sop, text)
    return [(op, "".join(texts)) for op, texts in out]


@functools.lru_cache(maxsize=4096)
def normalise_formatting(md: str) -> str:
    """Text as a reader sees it, without Markdown markup or line wrapping."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", md)
    text = re.sub(r"(?m)^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", "", text)
    text = re.sub(r"(\*\*|__|\*|_|`)", "", text)
    text = text.replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class ClauseDiff:
    id: str
    status: str  # added | removed | modified | moved | unchanged
    title: str
    old_title: str | None = None
    renamed: bool = False
    moved: bool = False
    formatting_only: bool = False  # the reader's words and link targets are the same
    segments: list = field(default_factory=list)  # word diff of the visible texts (flat_segments)
    title_segments: list = field(default_factory=list)
    facts: list = field(default_factory=list)  # fact_changes()
    old_body: str = ""
    new_body: str = ""
    old_facts: dict = field(default_factory=dict)
    new_facts: dict = field(default_factory=dict)
    old_blocks: tuple = ()  # blocks.blocks() of each side
    new_blocks: tuple = ()
    ops: tuple = ()  # block_diff() ops
    note: str = ""  # "renamed" | "split" | "merged": the clause came from clauses of other ids
    old_ids: tuple = ()  # ... these


@functools.lru_cache(maxsize=8192)
def _pair(old_body: str, new_body: str) -> tuple:
    """Everything a clause diff needs from its two bodies, once per pair and process: the
    same pair comes back on many compare pages (each version against the one in force)."""
    ob, nb, ops = block_diff(old_body, new_body)
    formatting_only = old_body != new_body and reader_view(ob) == reader_view(nb)
    return ob, nb, ops, tuple(flat_segments(ob, nb, ops)), formatting_only


def _body_diff(old_body: str, new_body: str) -> dict:
    ob, nb, ops, segments, _fmt = _pair(old_body, new_body)
    return {"old_blocks": ob, "new_blocks": nb, "ops": ops, "segments": list(segments)}


@dataclass
class PolicyDiff:
    lang: str
    clauses: list  # ClauseDiff, in new order (removed clauses at their old position)
    manifest_changes: list = field(default_factory=list)  # (key, old, new)

    @property
    def changed(self):
        return [c for c in self.clauses if c.status != "unchanged"]


def _moved_ids(old_ids: list[str], new_ids: list[str]) -> set[str]:
    old_set, new_set = set(old_ids), set(new_ids)
    common_old = [i for i in old_ids if i in new_set]
    common_new = [i for i in new_ids if i in old_set]
    sm = SequenceMatcher(None, common_old, common_new, autojunk=False)
    stay = set()
    for tag, i1, i2, _j1, _j2 in sm.get_opcodes():
        if tag == "equal":
            stay.update(common_old[i1:i2])
    return set(common_new) - stay


def changed_clause(o, c, is_moved: bool = False, note: str = "", old_ids: tuple = ()) -> ClauseDiff:
    """The diff of clause ``o`` (an old clause, or one made of old clauses) to clause ``c``."""
    body_same = o.body == c.body
    body = _body_diff(o.body, c.body)
    fmt_only = _pair(o.body, c.body)[4]
    facts = fact_changes(o.facts, c.facts)
    renamed = o.title != c.title
    if body_same and not facts and not renamed and not note:
        status = "moved" if is_moved else "unchanged"
    else:
        status = "modified"
    return ClauseDiff(
        id=c.id, status=status, title=c.title, old_title=o.title if renamed else None, renamed=renamed,
        moved=is_moved, formatting_only=fmt_only and not facts and not renamed,
        title_segments=word_diff(o.title, c.title) if renamed else [],
        facts=facts, old_body=o.body, new_body=c.body, old_facts=o.facts, new_facts=c.facts, note=note,
        old_ids=old_ids, **body)


def diff_policy(old: PolicyText | None, new: PolicyText | None, lang: str) -> PolicyDiff:
    old_clauses = list(old.clauses) if old else []
    new_clauses = list(new.clauses) if new else []
    old_by = {c.id: c for c in old_clauses}
    new_by = {c.id: c for c in new_clauses}
    moved = _moved_ids([c.id for c in old_clauses], [c.id for c in new_clauses])
    out: list[ClauseDiff] = []
    for c in new_clauses:
        o = old_by.get(c.id)
        if o is c or (o is not None and o == c and o.facts == c.facts):
            # The same file in both versions (versions share unchanged clauses): nothing to diff.
            out.append(ClauseDiff(id=c.id, status="moved" if c.id in moved else "unchanged", title=c.title,
                                  moved=c.id in moved, old_body=o.body, new_body=c.body, old_facts=o.facts,
                                  new_facts=c.facts))
            continue
        if o is None:
            out.append(ClauseDiff(id=c.id, status="added", title=c.title, title_segments=[("insert", c.title)],
                                  facts=fact_changes({}, c.facts), new_body=c.body, new_facts=c.facts,
                                  **_body_diff("", c.body)))
            continue
        out.append(changed_clause(o, c, c.id in moved))
    # Removed clauses go back where they were, after their old predecessor.
    for idx, o in enumerate(old_clauses):
        if o.id in new_by:
            continue
        cd = ClauseDiff(id=o.id, status="removed", title=o.title, title_segments=[("delete", o.title)],
                        facts=fact_changes(o.facts, {}), old_body=o.body, old_facts=o.facts, **_body_diff(o.body, ""))
        pos = 0
        for prev in reversed(old_clauses[:idx]):
            found = next((k for k, x in enumerate(out) if x.id == prev.id), None)
            if found is not None:
                pos = found + 1
                break
        out.insert(pos, cd)
    from .regroup import regroup  # it builds on this module's clause diffs

    out = regroup(out, old_clauses, new_clauses)
    mchanges = []
    if old and new:
        mo, mn = old.manifest, new.manifest
        for key, a, b in (("title", mo.title(lang), mn.title(lang)), ("entity", mo.entity, mn.entity)):
            if a != b:
                mchanges.append((key, a, b))
    return PolicyDiff(lang=lang, clauses=out, manifest_changes=mchanges)
