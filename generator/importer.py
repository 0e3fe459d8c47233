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
from .schema import reserved_name
from .headings import (ANCHOR_LINK_RE, EFFECTIVE_RE, PSEUDO_LEVEL, clean_inline, date_from_line, find_bold_headings,
                       find_headings, to_atx, written_ids)

ROMAN_RE = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
HEADING_RE = re.compile(rf"^\s*(?P<num>{ROMAN_RE}|\d{{1,2}})\s*[.、．)]\s*(?P<title>\S.*?)\s*$")
BULLET_RE = re.compile(r"^\s*[•·●▪◦\-*–]\s+(?P<text>.*)$")
ITEM_RE = re.compile(r"^\s*(?P<label>\(\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*\)|(?:\d{1,2}|[a-z])\))\s*(?P<text>\S.*)$")
ENTITY_RE = re.compile(r"\b(co\.,?\s*ltd|inc\.?|gmbh|llc|limited|corp)\b|有限公司", re.I)  # a company name line
RESIDUE_RE = re.compile(r"^(scroll|back to top|top|print|share|menu|close|cookie settings|accept all|skip to (main )?content"
                        r"|scroll to top|top of page|print this page)$", re.I)


@dataclass
class ImportedSection:
    title: str
    body: str  # Markdown
    number: str = ""
    anchor: str = ""  # the anchor the original document gave this heading
    anchors: list = field(default_factory=list)  # every anchor inside it (its own, its sub-headings')
    explicit_id: str = ""  # "## Title {#id}": the id its author (or an export) gave it
    line: int = 0  # where its heading is in the input


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
    text = re.sub(r"['’](s\b)?", "", text)  # "GitHub's" -> "github", not "github-s"
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
        # A short heading-like first line over the preamble's text is its title ("Introduction").
        lead = next(i for i, ln in enumerate(pre) if ln.strip())
        title = pre[lead].strip()
        if len(title) <= 60 and _is_heading_text(title) and not title.endswith((".", ":", "：")) \
                and any(ln.strip() for ln in pre[lead + 1:]):
            pre[lead] = ""
        else:
            title = ""
        policy.sections.append(ImportedSection(title=title, body=_body_markdown(pre)))
    for k, (idx, num, title) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        policy.sections.append(ImportedSection(title=title.strip(), number=num, body=_body_markdown(lines[idx + 1:end])))
    return policy


# --- Markdown -------------------------------------------------------------------------

# "1.", "IV.", "2.3", Chinese "一、" (as the site numbers Chinese clauses) and "第三条" / "第1章"
NUM_PREFIX_RE = re.compile(rf"^\s*(?:(?:{ROMAN_RE}|\d{{1,2}}(?:\.\d{{1,2}})*|[〇一二三四五六七八九十百]{{1,4}}(?=、))\s*[.、．)]"
                           rf"|第\s*(?:[〇一二三四五六七八九十百]{{1,4}}|\d{{1,3}})\s*[条章节部分]+)\s*(?=\S)")
# A first heading that names the document ("GitHub Privacy Statement") is its title.
TITLE_WORDS_RE = re.compile(r"privacy|policy|notice|statement|cookie|data protection|personal (data|information)"
                            r"|datenschutz|confidentialit|privacidad|privacy|プライバシー|個人情報|隐私|个人信息|隱私",
                            re.I)
ATTR_ID_RE = re.compile(r"\{:?\s*#([a-z0-9][a-z0-9-]{0,59})[\s}]")
FRONT_MATTER_USED = ("title", "effective", "date", "last_updated", "updated")
ROOT_LINK_RE = re.compile(r"(\]\(\s*<?|^ {0,3}\[[^\]\n]{1,200}\]:\s*<?|\bhref\s*=\s*[\"']?)(/(?!/)[^\s)\"'>]*)", re.M)
# Markup that renders nothing a reader sees: comments, empty anchors, rules, blank lines.
INVISIBLE_RE = re.compile(r"<!--.*?-->|<a\b[^>]*>\s*</a>|^\s*([-*_]\s*){3,}$|&nbsp;|<br\s*/?>|\\$", re.S | re.M)


def _strip_number(title: str) -> tuple[str, str]:
    m = NUM_PREFIX_RE.match(title)
    num = re.sub(r"^第\s*|\s*[条章节部分]+$", "", m.group(0).strip().rstrip(".、．)").strip()) if m else ""
    if num:
        return title[m.end():].strip(), num
    return title.strip(), ""


def _arabic(number: str) -> str:
    """A clause number as digits: "三" -> "3", "二十一" -> "21", "IV" -> "4"."""
    if number.isdigit():
        return number
    if re.fullmatch(ROMAN_RE, number):
        return str(roman_to_int(number))
    digits = {d: i for i, d in enumerate("〇一二三四五六七八九")}
    tens, _, ones = number.partition("十")
    if "十" in number:
        return str((digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0))
    return str(digits[number]) if number in digits else re.sub(r"\W", "-", number)


def renders_nothing(md: str) -> bool:
    return not re.search(r"\w", INVISIBLE_RE.sub("", md))


def parse_markdown(text: str, base_url: str | None = None) -> ImportedPolicy:
    from .fragments import split_front_matter

    policy = ImportedPolicy()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fm, body, body_line = split_front_matter(text)
    if fm is not None:
        _front_matter(fm, policy)
    lines = body.split("\n")

    def drop(i: int, why: str) -> None:
        policy.dropped.append((i + body_line, lines[i].strip(), why))
        lines[i] = ""

    # Web page residue kept by the conversion to Markdown ("[Back to top](#top)").
    for i, line in enumerate(lines):
        if line.strip() and len(line) < 60 and RESIDUE_RE.match(clean_inline(line)):
            drop(i, "page residue (not policy text)")
    heads = find_headings(lines)
    heads = sorted(heads + find_bold_headings(lines, heads), key=lambda h: h.start)
    # Empty headings ("###" alone) and date headings ("### Updated October 27, 2021") are not clauses.
    kept = []
    for h in heads:
        found = date_from_line(h.title)
        if not h.title or found:
            for i in range(h.start, h.end):
                drop(i, "date line (becomes the effective date suggestion)" if found else "empty heading")
            if found and policy.effective is None:
                policy.effective = found
                policy.notes.append((h.start + body_line, f"effective date suggestion: {found}"))
        else:
            kept.append(h)
    heads = kept
    first = heads[0] if heads else None
    if first and _is_document_title(first, heads, lines, policy.title):
        policy.title = policy.title or first.title
        for i in range(first.start, first.end):
            drop(i, "document title (becomes the policy title)")
        heads = heads[1:]
    level = _clause_level(heads)
    section_heads = _numbered_siblings([h for h in heads if h.level == level], heads)
    # Date lines anywhere before the first clause are the effective-date suggestion.
    pre_end = section_heads[0].start if section_heads else min(len(lines), 40)
    dated = [(i, found, bool(EFFECTIVE_RE.search(lines[i]))) for i in range(pre_end)
             if lines[i].strip() and (found := date_from_line(lines[i]))]
    if dated:
        i, found, _ = next((d for d in dated if d[2]), dated[0])
        if policy.effective is None:
            policy.effective = found
            policy.notes.append((i + body_line, f"effective date suggestion: {found}"))
        for i, _f, _e in dated:
            drop(i, "date line (becomes the effective date suggestion)")
    if not section_heads:
        pre_end = len(lines)
    sub = [h for h in heads if h.level > level]
    pre = "\n".join(to_atx(lines[:pre_end])).strip()
    if pre and not renders_nothing(pre):
        anchors = [a for h in sub if h.start < pre_end for a in h.anchors] + written_ids(pre)
        policy.sections.append(ImportedSection(title="", body=_demote(pre, level) + "\n", anchors=anchors))
    elif pre:
        policy.dropped.append((body_line, pre.replace("\n", " ")[:70], "preamble that renders nothing"))
    numbered = 0
    for k, h in enumerate(section_heads):
        end = section_heads[k + 1].start if k + 1 < len(section_heads) else len(lines)
        clean, num = _strip_number(h.title)
        numbered += bool(num)
        chunk = "\n".join(to_atx(lines[h.end:end])).strip()
        anchors = h.anchors + [a for s in sub if h.end <= s.start < end for a in s.anchors] + written_ids(chunk)
        given = ATTR_ID_RE.search(h.raw)
        section = ImportedSection(title=clean or h.title, number=num, anchor=h.anchors[-1] if h.anchors else "",
                                  explicit_id=given.group(1) if given else "",
                                  body=_demote(chunk, level) + "\n" if chunk else "", anchors=anchors,
                                  line=h.start + body_line)
        policy.sections.append(section)
    _merge_empty(policy)
    nums = [s.number for s in policy.sections if s.number]
    policy.numbering = ("roman" if nums and all(re.fullmatch(ROMAN_RE, n) for n in nums) else
                        "decimal" if numbered else "none")
    _absolute_links(policy, base_url)
    return policy


def _is_document_title(first, heads: list, lines: list[str], front_title: str) -> bool:
    """The first heading is the document's title when it names the policy (or repeats the
    front matter's title) and no text comes before it, or when it is the only h1. A heading
    given an id ("{#privacy-overview}") is a section: exports write them so."""
    names_policy = first.title.casefold() == front_title.casefold() or (
        TITLE_WORDS_RE.search(first.title) and not _strip_number(first.title)[1] and len(first.title) <= 90
        and not ATTR_ID_RE.search(first.raw))
    h1 = [h for h in heads if h.level == 1]
    return bool(names_policy and renders_nothing(_without_dates("\n".join(lines[:first.start])))) \
        or (len(h1) == 1 and h1[0] is first)


def _clause_level(heads: list) -> int:
    """Clauses are the shallowest heading level used more than once (many real policies
    start their sections at ### under a title kept in front matter); two or three part
    titles over many sections give way to the sections."""
    counts: dict = {}
    for h in heads:
        counts[h.level] = counts.get(h.level, 0) + 1
    used = sorted(lv for lv, n in counts.items() if n >= 2)
    level = used[0] if used else min(counts, default=1)
    deeper = [lv for lv in used if level < lv < PSEUDO_LEVEL]
    if counts.get(level, 0) <= 3 and deeper and counts[deeper[0]] >= 3 * counts[level]:
        level = deeper[0]
    return level


def _numbered_siblings(section_heads: list, heads: list) -> list:
    """Headings at another level that continue the clauses' numbering ("2. ..." written as
    h2 between "### 1. ..." and "### 3. ...") are clauses too: a page's markup may differ
    from heading to heading."""
    def num(h):
        n = _strip_number(h.title)[1]
        return int(n) if n.isdigit() else None

    if sum(num(h) is not None for h in section_heads) < 2:
        return section_heads
    chosen = {id(h) for h in section_heads}
    out, expect = [], None
    for h in heads:
        n = num(h)
        if id(h) in chosen:
            out.append(h)
            expect = n + 1 if n is not None else expect
        elif n is not None and h.level < PSEUDO_LEVEL and n == expect and \
                any(num(x) == n + 1 for x in section_heads if x.start > h.start):
            out.append(h)
            expect = n + 1
    return out


def _without_dates(md: str) -> str:
    return "\n".join(ln for ln in md.split("\n") if not date_from_line(ln))


def _front_matter(fm: str, policy: ImportedPolicy) -> None:
    from .fragments import load_yaml

    meta = load_yaml(fm, "<front matter>", []) or {}
    if not isinstance(meta, dict):
        policy.notes.append((1, "the front matter is not a mapping of keys to values: not used"))
        return
    policy.title = str(meta.get("title") or "")
    for key in FRONT_MATTER_USED[1:]:
        if meta.get(key):
            try:
                policy.effective = date.fromisoformat(str(meta[key])[:10])
            except ValueError:
                pass
            break
    unused = [str(k) for k in meta if k not in FRONT_MATTER_USED]
    if unused:
        policy.notes.append((1, "front matter keys not used: " + ", ".join(unused)))


def _merge_empty(policy: ImportedPolicy) -> None:
    """A heading with no text under it (a part title) leads the next clause as its sub-heading."""
    out: list = []
    carry: list = []
    for s in policy.sections:
        if s.title and not s.body.strip():
            carry.append(s)
            continue
        if carry:
            lead = "".join(f"### {c.title}\n\n" for c in carry)
            s.body = lead + s.body
            s.anchors = [a for c in carry for a in c.anchors] + s.anchors
            carry = []
        out.append(s)
    if carry and out:  # trailing headings with nothing under them
        out[-1].body = out[-1].body.rstrip("\n") + "\n\n" + "".join(f"### {c.title}\n\n" for c in carry).rstrip() + "\n"
        out[-1].anchors += [a for c in carry for a in c.anchors]
    elif carry:
        out = carry
    policy.sections = out


def _absolute_links(policy: ImportedPolicy, base_url: str | None) -> None:
    """Root-relative links ("/legal/terms") point nowhere once published elsewhere."""
    found = []
    for s in policy.sections:
        found += [m.group(2) for m in ROOT_LINK_RE.finditer(s.body)]
        if base_url:
            s.body = ROOT_LINK_RE.sub(lambda m: m.group(1) + base_url.rstrip("/") + m.group(2), s.body)
    if found and base_url:
        policy.notes.append((1, f"made {len(found)} root-relative link(s) absolute with {base_url}"))
    elif found:
        policy.notes.append((1, f"{len(found)} root-relative link(s) such as {found[0]} will point nowhere: "
                                "import again with --base-url https://the-site-it-came-from"))


def _demote(md: str, level: int) -> str:
    # Headings inside a clause sit below the clause's own h2: level+1 becomes ###.
    def fix(m):
        n = len(m.group(1)) - level + 2
        return "#" * min(6, max(3, n)) + m.group(2)

    return re.sub(r"^(#{1,6})(\s)", fix, md, flags=re.M)


# --- HTML -----------------------------------------------------------------------------

def parse_html(text: str, base_url: str | None = None) -> ImportedPolicy:
    """HTML text -> an ImportedPolicy; page residue (navigation, banners, footers) is reported."""
    from .htmlconv import html_to_markdown_report

    md, residue = html_to_markdown_report(text)
    policy = parse_markdown(md, base_url)
    policy.dropped[:0] = [(0, what, "web page residue (not policy text)") for what in residue]
    return policy


def parse_document(text: str, fmt: str, base_url: str | None = None) -> ImportedPolicy:
    if fmt == "text":
        return parse_text(text)
    if fmt == "markdown":
        return parse_markdown(text, base_url)
    if fmt == "html":
        return parse_html(text, base_url)
    raise PolicyError(f"unsupported format {fmt!r}")


FORMATS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
           ".html": "html", ".htm": "html"}


# --- id assignment --------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return re.findall(r"\w+", re.sub(r"\]\([^)]*\)", "]", text).lower())


def _shingles(words: list[str], n: int = 3) -> set:
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))} if words else set()


def _norm_title(title: str) -> str:
    return " ".join(_words(_strip_number(title)[0]))


def text_similarity(a: str, b: str) -> float:
    """How much of two clause texts is the same: Dice coefficient of their word 3-grams
    (word order matters, wrapping and markup do not); fast enough for whole policies."""
    return _dice(_shingles(_words(a)), _shingles(_words(b)))


def _dice(sa: set, sb: set) -> float:
    if not sa and not sb:
        return 1.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


@dataclass
class IdMatch:
    id: str
    kept: bool
    similarity: float = 0.0  # of the text, for a kept id
    how: str = ""  # "heading", "text", "heading and text", "--map"


def assign_ids(sections: list, existing: list, overrides: dict | None = None, threshold: float = 0.5) -> list[IdMatch]:
    """Ids for imported sections, reusing existing clauses' ids.

    An identical heading keeps its id (pairs of identical headings go by text); then a
    clause keeps its id when its text largely stayed (heading changed) or its heading is
    close and the text partly stayed. ``overrides`` (existing id -> imported section
    index) are the editor's word and win. Other sections get a new slug id."""
    overrides = overrides or {}
    new_sh = [_shingles(_words(s.body)) for s in sections]
    old_sh = [_shingles(_words(e.body)) for e in existing]
    sims = [[_dice(a, b) if a & b or not (a or b) else 0.0 for b in old_sh] for a in new_sh]
    out: dict[int, IdMatch] = {}
    used: set[str] = set()

    def take(i, j, how):
        out[i] = IdMatch(existing[j].id, True, sims[i][j], how)
        used.add(existing[j].id)

    by_id = {e.id: j for j, e in enumerate(existing)}
    for old, i in overrides.items():
        take(i, by_id[old], "--map")
    # 0. a heading that names its id ("{#contact}", as exports write them)
    for i, s in enumerate(sections):
        j = by_id.get(s.explicit_id)
        if i not in out and j is not None and existing[j].id not in used:
            take(i, j, "id")
    free = [j for j, e in enumerate(existing) if e.id not in used]
    # 1. identical headings (numbers and markup aside), best text first among repeats
    pairs = sorted(((sims[i][j], i, j) for i, s in enumerate(sections) if i not in out for j in free
                    if _norm_title(s.title) and _norm_title(s.title) == _norm_title(existing[j].title)),
                   key=lambda p: (-p[0], p[1], p[2]))
    for sim, i, j in pairs:
        if i not in out and existing[j].id not in used:
            take(i, j, "heading")
    # 2. the text stayed, or a similar heading over text that partly stayed
    pairs = []
    for i, s in enumerate(sections):
        if i in out:
            continue
        for j in free:
            if existing[j].id in used:
                continue
            t = difflib.SequenceMatcher(None, _norm_title(s.title), _norm_title(existing[j].title),
                                        autojunk=False).ratio()
            score = max(sims[i][j], 0.4 * t + 0.6 * sims[i][j] if t >= 0.6 else 0.0)
            if score >= threshold or (t >= 0.8 and sims[i][j] >= 0.25):
                pairs.append((score + (0.5 if t >= 0.8 else 0.0), i, j, t))
    for score, i, j, t in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i not in out and existing[j].id not in used:
            take(i, j, "heading and text" if t >= 0.8 else "text")
    taken = set(used)
    result = []
    for i, s in enumerate(sections):
        if i in out:
            result.append(out[i])
            continue
        base = s.explicit_id or (slugify(s.title) if s.title else "introduction")
        if base == "clause" and s.number:  # a title with no Latin letters (Chinese): its number
            base = f"clause-{_arabic(s.number)}"
        cid, n = base, 2
        while cid in taken or reserved_name(cid):  # 'con', 'aux', ...: no file can have that name on Windows
            cid, n = f"{base}-{n}", n + 1
        taken.add(cid)
        result.append(IdMatch(cid, False))
    return result


def rewrite_anchors(sections: list, ids: list[str]) -> list[str]:
    """In-page links to an anchor of the original document (``](#what-we-collect)``, a
    heading's or a sub-heading's) point at the clause holding it; returns the anchors
    that lead nowhere."""
    mapping: dict = {}
    for s, cid in zip(sections, ids):
        for a in [s.anchor, *s.anchors]:
            if a:
                mapping.setdefault(a, cid)
    own = set(ids) | {a for s in sections for a in written_ids(s.body)}
    dead: list[str] = []

    def fix(m):
        target = m.group(2)
        if target in own:
            return m.group(0)
        if target in mapping:
            return m.group(1) + "#" + mapping[target]
        dead.append(target)
        return m.group(0)

    for s in sections:
        s.body = ANCHOR_LINK_RE.sub(fix, s.body)
    return list(dict.fromkeys(dead))


def align_translation(sections: list, source: list) -> list[str]:
    """A translation's sections take the source clauses' ids in order; the numbers
    written in headings win where both texts have them."""
    if len(sections) != len(source):
        raise PolicyError(
            f"the translation has {len(sections)} sections but the source language has {len(source)} clauses",
            hint="split or merge headings so each source clause has one translated section, then import again")
    return [c.id for c in source]
