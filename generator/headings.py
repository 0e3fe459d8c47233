"""Headings and date lines as real Markdown documents write them (pure).

Real policies mix ATX (``## Title``) and setext (``Title`` over ``----``) headings, and their
headings hold inline HTML, links, emphasis and backslash escapes (``1\\. Overview``). The
importer needs the words a reader sees, the anchors the original page gave the heading, and
whether a line merely states when the policy was updated.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

ATX_RE = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_RE = re.compile(r"^ {0,3}(?P<mark>=+|-+)[ \t]*$")
FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
# A line that cannot be the text of a setext heading: list items, quotes, tables, fences, rules.
NOT_SETEXT_TEXT_RE = re.compile(r"^ {0,3}([-+*]\s|\d{1,9}[.)]\s|>|\||```|~~~|#|(\*\s*){3,}$|(-\s*){3,}$|(_\s*){3,}$)"
                                r"|^ {4,}|^\s*<!--")
EXPLICIT_ID_RE = re.compile(r"""\{:?[^}\n]{0,80}?#(?P<a>[\w\-:.]+)[^}\n]{0,80}\}|<a\b[^>]*\b(?:name|id)\s*=\s*["']?(?P<b>[^"'\s>]+)"""
                            r"""|\bid\s*=\s*["'](?P<c>[^"']+)["']""", re.I)
ATTR_LIST_RE = re.compile(r"\s*\{:?[^}]*\}\s*$")


# An in-page link in Markdown or HTML: group 1 what comes before the "#", group 2 the anchor.
ANCHOR_LINK_RE = re.compile(r"(\]\(\s*<?|\bhref\s*=\s*[\"']?)#([^\s)\"'>]+)")


def written_ids(md: str) -> list[str]:
    """Ids written in a text (``{#id}``, ``<a name=...>``, ``id="..."``)."""
    return [m.group("a") or m.group("b") or m.group("c") for m in EXPLICIT_ID_RE.finditer(md)]


@dataclass
class Heading:
    start: int  # index of the heading's first line
    end: int  # index after its last line (a setext heading has two)
    level: int
    raw: str  # the heading's Markdown as written
    title: str  # the words a reader sees
    anchors: list = field(default_factory=list)  # ids the original page gave it


def clean_inline(text: str) -> str:
    """Inline Markdown/HTML -> the plain words a reader sees."""
    # Escaped characters ("1\\.", "\\_") are text, never markup: set aside until the end.
    text = re.sub(r"\\([!-/:-@\[-`{-~])", lambda m: chr(0xE000 + ord(m.group(1))), text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = ATTR_LIST_RE.sub("", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: their alt text
    for _ in range(3):  # nested links and emphasis
        text = re.sub(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)", r"\1", text)
        text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"</?[A-Za-z][^>]*>", "", text)
    text = re.sub(r"`+", "", text)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"\*{2,}|(?<!\w)_{2,}|_{2,}(?!\w)", "", text)
    text = re.sub("[\ue000-\ue07f]", lambda m: chr(ord(m.group(0)) - 0xE000), text)
    text = html.unescape(text).replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip().strip("*_ ")


def github_slug(text: str) -> str:
    """The anchor GitHub and most Markdown renderers give a heading."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def heading_anchors(raw: str, title: str) -> list[str]:
    found = [m.group("a") or m.group("b") or m.group("c") for m in EXPLICIT_ID_RE.finditer(raw)]
    slug = github_slug(title)
    return [a for a in dict.fromkeys(found + ([slug] if slug else []))]


def find_headings(lines: list[str]) -> list[Heading]:
    """ATX and setext headings, outside fenced code, in document order."""
    out: list[Heading] = []
    in_fence = False
    prev_para = False  # the line before could be the text of a setext heading
    for i, line in enumerate(lines):
        if FENCE_RE.match(line):
            in_fence = not in_fence
            prev_para = False
            continue
        if in_fence:
            continue
        m = ATX_RE.match(line)
        if m:
            raw = m.group("text") or ""
            title = clean_inline(raw)
            out.append(Heading(i, i + 1, len(m.group("hashes")), raw, title, heading_anchors(raw, title)))
            prev_para = False
            continue
        s = SETEXT_RE.match(line)
        if s and prev_para and (i < 2 or not lines[i - 2].strip()):
            raw = lines[i - 1].strip()
            title = clean_inline(raw)
            out.append(Heading(i - 1, i + 1, 1 if s.group("mark")[0] == "=" else 2, raw, title,
                               heading_anchors(raw, title)))
            prev_para = False
            continue
        prev_para = bool(line.strip()) and not NOT_SETEXT_TEXT_RE.match(line)
    return out


# A paragraph that is only bold text ("**What is meet.jit.si?**"): a heading in all but markup.
BOLD_LINE_RE = re.compile(r"^ {0,3}(\*\*|__)(?P<t>[^*_\n]{2,150}?)\1[:：]?\s*$")
PSEUDO_LEVEL = 7  # deeper than any real heading


IN_PAGE_LINK_RE = re.compile(r"\[([^\]]{2,150})\]\(\s*#([^\s)]+)\s*\)")


def find_bold_headings(lines: list[str], real: list[Heading]) -> list[Heading]:
    """Headings written without heading markup, one level below any real one: standalone
    bold-only lines, and standalone plain lines that an in-page link (a table of contents)
    names."""
    taken = {i for h in real for i in range(h.start, h.end)}
    linked: dict = {}
    for line in lines:
        for text, anchor in IN_PAGE_LINK_RE.findall(line):
            linked.setdefault(clean_inline(text).casefold(), anchor)
    out = []
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        if in_fence or i in taken or not line.strip():
            continue
        if not ((i == 0 or not lines[i - 1].strip()) and (i + 1 >= len(lines) or not lines[i + 1].strip())):
            continue
        m = BOLD_LINE_RE.match(line)
        plain = clean_inline(line) if linked and len(line) <= 200 and "](" not in line else ""
        if m:
            title = clean_inline(m.group("t")).rstrip(":：").strip()
            if title:
                out.append(Heading(i, i + 1, PSEUDO_LEVEL, line.strip(), title, heading_anchors("", title)))
        elif plain and plain.casefold() in linked:
            out.append(Heading(i, i + 1, PSEUDO_LEVEL, line.strip(), plain,
                               [linked[plain.casefold()], *heading_anchors("", plain)]))
    return out


def to_atx(lines: list[str], level_of=lambda lv: lv) -> list[str]:
    """Setext headings rewritten as ATX (so later steps see one heading style)."""
    lines = list(lines)
    for h in reversed(find_headings(lines)):
        if h.end - h.start == 2:
            lines[h.start:h.end] = ["#" * h.level + " " + h.raw]
    return lines


# --- date lines ------------------------------------------------------------------------

def _month_names() -> dict:
    """Month name or abbreviation (lower case, no dot) -> number, in the languages policies
    are written in (Babel's CLDR names: "march", "mar", "märz", "mars", "marzo", "maart" ...)."""
    from babel.dates import get_month_names

    out = {"sept": 9}
    for loc in ("en", "de", "fr", "es", "it", "pt", "nl"):
        for width in ("wide", "abbreviated"):
            for n, name in get_month_names(width, locale=loc).items():
                out.setdefault(name.lower().rstrip("."), n)
    return out


MONTHS = _month_names()
_MONTH = r"(?P<mon>[^\W\d_]{3,}\.?)"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|\.|º)?"
DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*[./\-年]\s*(?P<m>\d{1,2})\s*[./\-月]\s*(?P<d>\d{1,2})\s*日?"),
    re.compile(_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})", re.I),
    # "1 March 2025", "16th of June, 2023", "1. März 2025", "1er mars 2025", "1 de marzo de 2025"
    re.compile(_DAY + r"(?:\s+of|\s+de)?\s+" + _MONTH + r"(?:\s+de)?,?\s+(?P<y>\d{4})", re.I),
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"),
    re.compile(_MONTH + r"(?:\s+de)?,?\s+(?P<y>\d{4})", re.I),  # "April 2024": the first of the month
]
# What a line says before its date: "Last updated:", "Effective as of", "Stand:", "生效日期：" ...
DATE_LEAD_RE = re.compile(
    r"^(?:date\s+when\s+this\s+.{0,40}?|this\s+(?:privacy\s+)?(?:policy|notice|statement)\s+(?:is|was)\s+)?"
    r"(?:(?:last|page|policy)\s+)?(?:updated?|effective|revised|modified|amended|date(?:\s+modified)?|version)"
    r"(?:\s+and\s+effective)?(?:\s+(?:date|starting|as\s+of|on|from|since))?\s*[:：]?\s*"
    r"|^(?:stand|zuletzt\s+(?:aktualisiert|geändert)(?:\s+am)?|letzte\s+(?:aktualisierung|änderung)|gültig\s+ab"
    r"|in\s+kraft\s+seit|aktualisiert\s+am|datum\s+des\s+inkrafttretens"
    r"|dernière\s+mise\s+à\s+jour(?:\s+le)?|mise\s+à\s+jour(?:\s+le)?|mis\s+à\s+jour\s+le"
    r"|en\s+vigueur\s+(?:à\s+compter\s+du|depuis\s+le|le|du)|date\s+d['’]entrée\s+en\s+vigueur"
    r"|última\s+(?:actualización|modificación)|fecha\s+de\s+(?:entrada\s+en\s+vigor|actualización|vigencia)"
    r"|vigente\s+desde|actualizado\s+el|en\s+vigor\s+desde)\s*[:：]?\s*"
    r"|^(?:最近更新|最后更新|更新日期|更新时间|生效日期|生效时间|发布日期|版本日期|修订日期|最后修订"
    r"|最終更新日|最終改定日|改定日|施行日|制定日|更新日|発効日)\s*[:：]?\s*", re.I)
# Of several date lines, the one saying when the text takes effect wins.
EFFECTIVE_RE = re.compile(r"effective|生效|gültig|in\s+kraft|en\s+vigueur|vigor|vigente|施行|発効", re.I)


def _parse_date(text: str) -> tuple[date, int] | None:
    """The date at the start of ``text`` and where it ends."""
    for rx in DATE_PATTERNS:
        m = rx.match(text)
        if not m:
            continue
        g = m.groupdict()
        month = int(g["m"]) if g.get("m") else MONTHS.get(g["mon"].lower().rstrip("."))
        if month is None:  # a word that is no month's name
            continue
        day = int(g["d"]) if g.get("d") else 1
        if g.get("m") and rx is DATE_PATTERNS[3] and month > 12:  # 25/04/2024: day first
            month, day = day, month
        try:
            return date(int(g["y"]), month, day), m.end()
        except (TypeError, ValueError):
            return None
    return None


def date_from_line(line: str) -> date | None:
    """The date of a line that only says when the policy was updated or takes effect
    ("Effective date: February 1, 2024", "_Last updated:_ 9 May 2025", "生效日期：2024年2月1日")."""
    if len(line) > 400 or not re.search(r"\d{4}", line):  # every date has its year
        return None
    plain = clean_inline(re.sub(r"^\s*#{1,6}\s+", "", line))
    plain = re.sub(r"^[^\w(]+", "", plain)  # leading emoji and bullets
    m = DATE_LEAD_RE.match(plain)
    if not m or not m.group(0).strip():
        return None
    got = _parse_date(plain[m.end():])
    if got is None:
        return None
    rest = plain[m.end() + got[1]:]
    # A short tail ("– Version Française", ". Previous policy: here") is still a date line;
    # a sentence that goes on is text.
    if len(re.findall(r"\w+", rest)) > 8:
        return None
    return got[0]
