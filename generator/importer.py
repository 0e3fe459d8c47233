"""Turn an existing policy (plain text, Markdown or HTML) into clause fragments.

Pure: ``parse_*`` take text and return an ``ImportedPolicy``; ``assign_ids`` lines the
imported sections up with the clauses a policy already has, so a re-import keeps ids
and a translation takes the source language's ids. The CLI writes the files.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from .errors import PolicyError

ROMAN_RE = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
HEADING_RE = re.compile(rf"^\s*(?P<num>{ROMAN_RE}|\d{{1,2}})\s*[.、．)]\s*(?P<title>\S.*?)\s*$")
DATE_LINE_RE = re.compile(
    r"^\s*(last\s+updated?|updated|effective(\s+date)?|date|最近更新|更新日期|生效日期)\s*(on)?\s*[:：]?\s*"
    r"(?P<y>\d{4})\s*[./\-年]\s*(?P<m>\d{1,2})\s*[./\-月]\s*(?P<d>\d{1,2})\s*日?\s*\.?\s*$", re.I)
BULLET_RE = re.compile(r"^\s*[•·●▪◦\-*–]\s+(?P<text>.*)$")
ITEM_RE = re.compile(r"^\s*(?P<label>\(\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*\)|(?:\d{1,2}|[a-z])\))\s*(?P<text>\S.*)$")
ENTITY_RE = re.compile(r"\b(co\.,?\s*ltd|inc\.?|gmbh|llc|limited|corp)\b|有限公司", re.I)  # a company name line
RESIDUE_RE = re.compile(r"^(scroll|back to top|top|print|share|menu|close|cookie settings|accept all)$", re.I)


@dataclass
class ImportedSection:
    title: str
    body: str  # Markdown
    number: str = ""
    anchor: str = ""  # the anchor the original document gave this heading


@dataclass
class ImportedPolicy:
    title: str = ""
    effective: date | None = None
    entity: str = ""
    numbering: str = "decimal"
    sections: list = field(default_factory=list)  # ImportedSection; the first may be an untitled preamble
    dropped: list = field(default_factory=list)  # (line number, text, why) kept out of the clauses
    notes: list = field(default_factory=list)  # (line number, message) for the user


def slugify(text: str, max_words: int = 4) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower())
    stop = {"the", "a", "an", "of", "and", "to", "your", "our", "we", "how", "do", "is", "for", "in", "its", "their"}
    kept = [w for w in words if w not in stop] or words
    return "-".join(kept[:max_words]) or "clause"


def roman_to_int(s: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(s):
        v = vals[ch]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    return total


def _is_heading_text(title: str) -> bool:
    # A heading is short and does not read like a sentence or a list item.
    return (len(title) <= 90 and not title.endswith((";", ",", "；", "，"))
            and not re.search(r"[.!?。]\s*\S", title) and (title[0].isupper() or not title[0].isascii()))


def _find_headings(lines: list[str]) -> tuple[list[tuple[int, str, str]], str]:
    """Top-level numbered headings (index, number, title) and the numbering style."""
    cands = []
    for i, line in enumerate(lines):
        m = HEADING_RE.match(line)
        if m and m.group("num") and _is_heading_text(m.group("title")):
            cands.append((i, m.group("num"), m.group("title")))
    romans = [c for c in cands if re.fullmatch(ROMAN_RE, c[1]) and c[1]]
    if len(romans) >= 2:
        return romans, "roman"
    # Decimal headings: keep the sequence 1, 2, 3 ... and skip restarts (sub-headings).
    out, expect = [], 1
    for c in cands:
        if c[1].isdigit() and int(c[1]) == expect:
            out.append(c)
            expect += 1
    return out, "decimal" if out else "none"


def _drop_toc(lines: list[str], heads: list, policy: ImportedPolicy) -> list:
    """A run of headings with nothing between them is a table of contents, not clauses."""
    keep, i = [], 0
    while i < len(heads):
        j = i
        while j + 1 < len(heads) and all(not lines[k].strip() for k in range(heads[j][0] + 1, heads[j + 1][0])):
            j += 1
        if j - i >= 2:  # three or more headings in a row
            first = heads[i][0]
            lead = first - 1
            while lead >= 0 and not lines[lead].strip():
                lead -= 1
            if lead >= 0 and lines[lead].rstrip().endswith((":", "：")):
                policy.dropped.append((lead + 1, lines[lead].strip(), "table of contents"))
                lines[lead] = ""
            for k in range(i, j + 1):
                idx = heads[k][0]
                policy.dropped.append((idx + 1, lines[idx].strip(), "table of contents"))
                lines[idx] = ""
            i = j + 1
        else:
            keep.append(heads[i])
            i += 1
    return keep


def _body_markdown(lines: list[str]) -> str:
    """Plain-text lines of one section -> Markdown keeping sub-headings, items and bullets."""
    blocks: list[list[str]] = []
    kind_prev = None
    for raw in lines:
        line = raw.strip()
        if not line:
            kind_prev = None
            continue
        m_b = BULLET_RE.match(raw)
        m_i = ITEM_RE.match(raw)
        m_h = HEADING_RE.match(raw)
        if m_b:
            kind, md = "list", f"- {_escape_inline(m_b.group('text').strip())}"
        elif m_i:
            label = re.sub(r"\s+", "", m_i.group("label"))
            kind, md = "list", f"- {label} {_escape_inline(m_i.group('text').strip())}"
        elif m_h and m_h.group("num").isdigit() and _is_heading_text(m_h.group("title")):
            kind, md = "heading", f"### {m_h.group('num')}. {_escape_inline(m_h.group('title'))}"
        elif m_h and m_h.group("num").isdigit():
            kind, md = "para", f"{m_h.group('num')}\\. {_escape_inline(m_h.group('title'))}"
        else:
            kind, md = "para", _escape_inline(line)
        if kind == "list" and kind_prev == "list":
            blocks[-1].append(md)
        else:
            blocks.append([md])
        kind_prev = kind
    return "\n\n".join("\n".join(b) for b in blocks) + ("\n" if blocks else "")


def _escape_inline(text: str) -> str:
    # Plain text must stay plain: characters Markdown would act on are escaped.
    text = re.sub(r"([\\`*_<>\[\]])", r"\\\1", text)
    return re.sub(r"^(#+|\d+\.|[-+*])(\s)", lambda m: "\\" + m.group(1) + m.group(2), text)


def parse_text(text: str) -> ImportedPolicy:
    policy = ImportedPolicy()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines):
        raise PolicyError("the file has no text to import")
    first = lines[start].strip()
    if not HEADING_RE.match(first) and len(first) <= 90:
        policy.title = first
        lines[start] = ""
    # Trailing page residue ("Scroll", "Back to top"): flagged, never kept silently.
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].strip():
            continue
        if RESIDUE_RE.match(lines[i].strip()):
            policy.dropped.append((i + 1, lines[i].strip(), "page residue (not policy text)"))
            policy.notes.append((i + 1, f"dropped {lines[i].strip()!r}: looks like web page residue, not policy text"))
            lines[i] = ""
            continue
        break
    for i, line in enumerate(lines[:start + 12]):
        found = date_from_line(line)
        if found:
            policy.effective = found
            policy.notes.append((i + 1, f"effective date suggestion: {found}"))
            policy.dropped.append((i + 1, line.strip(), "date line (becomes the effective date suggestion)"))
            lines[i] = ""
            break
    heads, policy.numbering = _find_headings(lines)
    heads = _drop_toc(lines, heads, policy)
    if not heads:
        policy.notes.append((1, "no numbered headings found: the whole text becomes one clause"))
    pre_end = heads[0][0] if heads else len(lines)
    pre = [ln for ln in lines[:pre_end]]
    nonempty = [ln.strip() for ln in pre if ln.strip()]
    if nonempty and ENTITY_RE.search(nonempty[0]) and len(nonempty[0]) < 120:
        policy.entity = nonempty[0]
        idx = next(i for i, ln in enumerate(pre) if ln.strip() == nonempty[0])
        pre[idx] = ""
    if any(ln.strip() for ln in pre):
        policy.sections.append(ImportedSection(title="", body=_body_markdown(pre)))
    for k, (idx, num, title) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        policy.sections.append(ImportedSection(title=title.strip(), number=num, body=_body_markdown(lines[idx + 1:end])))
    return policy


# --- Markdown -------------------------------------------------------------------------

MD_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
ATTR_LIST_RE = re.compile(r"\s*\{:?[^}]*\}\s*$")
NUM_PREFIX_RE = re.compile(rf"^\s*(?:{ROMAN_RE}|\d{{1,2}}(?:\.\d{{1,2}})*)\s*[.、．)]\s*(?=\S)")


MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                            "september", "october", "november", "december"])}
WORD_DATE_RE = re.compile(
    r"^\s*(last\s+updated?|updated|effective(\s+date)?|date|last\s+modified)\s*(on)?\s*[:：]?\s*"
    r"(?:(?P<m1>[A-Za-z]+)\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>[A-Za-z]+)\.?,?\s+(?P<y2>\d{4}))\s*\.?\s*$", re.I)


def date_from_line(line: str) -> date | None:
    """A 'Last updated' / 'Effective date' line in numeric or written-out form, else None."""
    plain = re.sub(r"[*_`]|\{:[^}]*\}", "", line)
    m = DATE_LINE_RE.match(plain)
    try:
        if m:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        m = WORD_DATE_RE.match(plain)
        if m:
            month = MONTHS.get((m["m1"] or m["m2"]).lower()) or next(
                (v for k, v in MONTHS.items() if k.startswith((m["m1"] or m["m2"]).lower()[:3])), None)
            if month:
                return date(int(m["y1"] or m["y2"]), month, int(m["d1"] or m["d2"]))
    except ValueError:
        return None
    return None


def github_slug(text: str) -> str:
    """The anchor GitHub and most Markdown renderers give a heading."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def _strip_number(title: str) -> tuple[str, str]:
    m = NUM_PREFIX_RE.match(title)
    if m and m.group(0).strip().rstrip(".、．)").strip():
        return title[m.end():].strip(), m.group(0).strip().rstrip(".、．)").strip()
    return title.strip(), ""


def parse_markdown(text: str) -> ImportedPolicy:
    from .fragments import load_yaml, split_front_matter

    policy = ImportedPolicy()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fm, body, body_line = split_front_matter(text)
    if fm is not None:
        meta = load_yaml(fm, "<front matter>", []) or {}
        if isinstance(meta, dict):
            policy.title = str(meta.get("title") or "")
            for key in ("effective", "date", "last_updated", "updated"):
                if meta.get(key):
                    try:
                        policy.effective = date.fromisoformat(str(meta[key])[:10])
                    except ValueError:
                        pass
                    break
    lines = body.split("\n")
    heads = []
    in_fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else MD_HEADING_RE.match(line)
        if m:
            heads.append((i, len(m["hashes"]), ATTR_LIST_RE.sub("", m["text"]).strip()))
    h1 = [h for h in heads if h[1] == 1]
    if len(h1) == 1:  # a single h1 is the document's title
        policy.title = policy.title or h1[0][2]
        lines[h1[0][0]] = ""
        heads = [h for h in heads if h[1] != 1]
    # Clauses are the shallowest heading level used more than once (many real policies
    # start their sections at ### under a title kept in front matter).
    counts = {}
    for h in heads:
        counts[h[1]] = counts.get(h[1], 0) + 1
    level = min((lv for lv, n in counts.items() if n >= 2), default=min(counts, default=1))
    section_heads = [h for h in heads if h[1] == level]
    # Date lines written in the text ("Last updated: ...", "*Effective 2024-01-01*").
    for i, line in enumerate(lines[: (section_heads[0][0] if section_heads else 20)]):
        found = date_from_line(line)
        if found and policy.effective is None:
            policy.effective = found
            policy.notes.append((i + body_line, f"effective date suggestion: {found}"))
            policy.dropped.append((i + body_line, line.strip(), "date line (becomes the effective date suggestion)"))
            lines[i] = ""
    pre_end = section_heads[0][0] if section_heads else len(lines)
    pre = "\n".join(lines[:pre_end]).strip()
    if pre:
        policy.sections.append(ImportedSection(title="", body=_demote(pre, level) + "\n"))
    numbered = 0
    for k, (idx, _lvl, title) in enumerate(section_heads):
        end = section_heads[k + 1][0] if k + 1 < len(section_heads) else len(lines)
        clean, num = _strip_number(title)
        numbered += bool(num)
        chunk = "\n".join(lines[idx + 1:end]).strip()
        policy.sections.append(ImportedSection(title=clean or title, number=num, anchor=github_slug(title),
                                               body=_demote(chunk, level) + "\n" if chunk else ""))
    nums = [s.number for s in policy.sections if s.number]
    policy.numbering = ("roman" if nums and all(re.fullmatch(ROMAN_RE, n) for n in nums) else
                        "decimal" if numbered else "none")
    return policy


def _demote(md: str, level: int) -> str:
    # Headings inside a clause sit below the clause's own h2: level+1 becomes ###.
    def fix(m):
        n = len(m.group(1)) - level + 2
        return "#" * min(6, max(3, n)) + m.group(2)

    return re.sub(r"^(#{1,6})(\s)", fix, md, flags=re.M)


# --- HTML -----------------------------------------------------------------------------

def parse_html(text: str) -> ImportedPolicy:
    from .htmlconv import html_to_markdown

    return parse_markdown(html_to_markdown(text))


def parse_document(text: str, fmt: str) -> ImportedPolicy:
    if fmt == "text":
        return parse_text(text)
    if fmt == "markdown":
        return parse_markdown(text)
    if fmt == "html":
        return parse_html(text)
    raise PolicyError(f"unsupported format {fmt!r}")


FORMATS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
           ".html": "html", ".htm": "html"}


# --- id assignment --------------------------------------------------------------------

def _similarity(a_title: str, a_body: str, b_title: str, b_body: str) -> float:
    t = difflib.SequenceMatcher(None, a_title.lower(), b_title.lower(), autojunk=False).ratio()
    wa, wb = a_body.split(), b_body.split()
    body = difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio() if (wa or wb) else 1.0
    return 0.4 * t + 0.6 * body


def assign_ids(sections: list, existing: list, threshold: float = 0.45) -> list[str]:
    """Ids for imported sections: reuse an existing clause's id where the best match is
    good enough (heading and text similarity), otherwise a new unique slug."""
    pairs = []
    for i, s in enumerate(sections):
        for e in existing:
            pairs.append((_similarity(s.title, s.body, e.title, e.body), i, e.id))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    ids: dict[int, str] = {}
    used: set[str] = set()
    for score, i, cid in pairs:
        if score < threshold or i in ids or cid in used:
            continue
        ids[i] = cid
        used.add(cid)
    taken = {e.id for e in existing}
    out = []
    for i, s in enumerate(sections):
        if i in ids:
            out.append(ids[i])
            continue
        base = slugify(s.title) if s.title else "introduction"
        cid, n = base, 2
        while cid in taken:
            cid, n = f"{base}-{n}", n + 1
        taken.add(cid)
        out.append(cid)
    return out


def rewrite_anchors(sections: list, ids: list[str]) -> None:
    """Links to a section's old anchor (``](#what-we-collect)``) point at its clause id."""
    mapping = {s.anchor: cid for s, cid in zip(sections, ids) if s.anchor and s.anchor != cid}
    if not mapping:
        return
    pattern = re.compile(r"\]\(#(" + "|".join(re.escape(a) for a in mapping) + r")\)")
    for s in sections:
        s.body = pattern.sub(lambda m: f"](#{mapping[m.group(1)]})", s.body)


def align_translation(sections: list, source: list) -> list[str]:
    """A translation's sections take the source clauses' ids in order; the numbers
    written in headings win where both texts have them."""
    if len(sections) != len(source):
        raise PolicyError(
            f"the translation has {len(sections)} sections but the source language has {len(source)} clauses",
            hint="split or merge headings so each source clause has one translated section, then import again")
    return [c.id for c in source]
