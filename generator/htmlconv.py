"""HTML -> Markdown for the importer: headings, paragraphs, lists, links, tables.

Scripts, styles and other non-content elements are dropped; only http(s), mailto and
tel links and relative links survive, so hostile markup never becomes policy text.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
        "form", "input", "button", "select", "textarea", "head"}
# Parts of a web page that are not the policy: reported by the importer, then left out.
RESIDUE_TAGS = {"nav", "header", "footer", "aside"}
CONTENT_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "main", "article", "section", "body", "table"}
RESIDUE_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "dialog", "alertdialog"}
RESIDUE_NAME_RE = re.compile(r"cookie[-_]?(banner|bar|consent|notice|popup|modal|settings)|onetrust|consent[-_]?"
                             r"(banner|manager|popup)|skip[-_]?(link|to)|back[-_]?to[-_]?top|breadcrumb"
                             r"|site[-_]?(footer|header)|global[-_]?nav|newsletter|share[-_]?(bar|buttons)"
                             r"|social[-_]?(links|share|icons)", re.I)
RESIDUE_TEXT_RE = re.compile(r"^\s*(skip to (main )?content|back to top|scroll to top|top of page|print( this page)?"
                             r"|share|menu|close|accept( all)?( cookies)?|reject all|cookie settings|manage cookies)\s*$"
                             r"|^\s*(©|\(c\)|copyright\b)", re.I)
SAFE_URL = re.compile(r"^(https?:|mailto:|tel:|#|/|\.{0,2}/?[\w\-.~%]+)", re.I)


NUMBER_START_RE = re.compile(r"^(\d{1,9})(?=[.)](\s|$))")
MARKER_START_RE = re.compile(r"^(?=([-+]|#{1,6})(\s|$))")


def _literal_start(text: str) -> str:
    """A paragraph that starts like a list item or a heading ("- Recipients", "1. We") stays
    a paragraph: its marker is escaped ("\\- Recipients", "1\\. We")."""
    return MARKER_START_RE.sub("\\\\", NUMBER_START_RE.sub(r"\1\\", text))


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _inline(node) -> str:
    if isinstance(node, Comment):
        return ""
    if isinstance(node, NavigableString):
        return _md_escape(re.sub(r"\s+", " ", str(node)))
    if not isinstance(node, Tag) or node.name in DROP:
        return ""
    inner = "".join(_inline(c) for c in node.children)
    name = node.name
    if name in ("strong", "b"):
        return f"**{inner.strip()}**" if inner.strip() else ""
    if name in ("em", "i"):
        return f"*{inner.strip()}*" if inner.strip() else ""
    if name == "br":
        return "  \n"
    if name == "img":  # a picture's words (a seal, a logo) are its alt text; its source is not kept
        return _md_escape(re.sub(r"\s+", " ", node.get("alt") or ""))
    if name == "code":
        return f"`{node.get_text()}`"
    if name == "a":
        href = (node.get("href") or "").strip()
        if href and SAFE_URL.match(href) and not re.match(r"^\s*(javascript|data|vbscript):", href, re.I):
            return f"[{inner.strip()}]({href.replace(' ', '%20').replace(')', '%29')})"
        return inner
    return inner


def _table(node: Tag) -> str:
    rows = []
    for tr in node.find_all("tr"):
        cells = [_inline(td).strip().replace("|", "\\|") for td in tr.find_all(["th", "td"])]
        if cells:
            rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)


def _list(node: Tag, depth: int = 0) -> str:
    lines = []
    for i, li in enumerate(node.find_all("li", recursive=False), start=1):
        marker = f"{i}." if node.name == "ol" else "-"
        text = "".join(_inline(c) for c in li.children if not (isinstance(c, Tag) and c.name in ("ul", "ol")))
        lines.append("    " * depth + f"{marker} {text.strip()}")
        for sub in li.find_all(["ul", "ol"], recursive=False):
            lines.append(_list(sub, depth + 1))
    return "\n".join(lines)


def _blocks(node: Tag, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            text = _md_escape(re.sub(r"\s+", " ", str(child))).strip()
            if text:
                out.append(text)
            continue
        if not isinstance(child, Tag) or child.name in DROP:
            continue
        name = child.name
        if re.fullmatch(r"h[1-6]", name):
            # One line, single spaces (a dropped <img> or <br> must not leave gaps or breaks).
            text = re.sub(r"\s+", " ", "".join(_inline(c) for c in child.children)).strip()
            # An id the page gave the heading (in a slug's shape) names its clause: links keep working.
            anchor = child.get("id") or ""
            if text and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", anchor):
                text += f" {{#{anchor}}}"
            if text:
                out.append("#" * int(name[1]) + " " + text)
        elif name == "p":
            text = _literal_start("".join(_inline(c) for c in child.children).strip())
            if text:
                out.append(text)
        elif name in ("ul", "ol"):
            out.append(_list(child))
        elif name == "table":
            out.append(_table(child))
        elif name in ("pre",):
            out.append("```\n" + child.get_text() + "\n```")
        elif name == "blockquote":
            inner: list[str] = []
            _blocks(child, inner)
            out.append("\n".join("> " + ln for b in inner for ln in b.split("\n")))
        else:
            _blocks(child, out)


def _is_residue(tag: Tag) -> bool:
    if tag.name in RESIDUE_TAGS or (tag.get("role") or "").lower() in RESIDUE_ROLES:
        # a <header> inside the article holds the policy's own title
        return not (tag.name == "header" and tag.find_parent(["article", "main"]))
    names = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    if names.strip() and RESIDUE_NAME_RE.search(names) and tag.name not in CONTENT_TAGS:
        return True
    if tag.name in ("a", "p", "div", "span", "li", "small") and len(tag.get_text(" ", strip=True)) < 200:
        return bool(RESIDUE_TEXT_RE.search(tag.get_text(" ", strip=True)))
    return False


def _remove_residue(soup) -> list[str]:
    """Navigation, cookie banners, "Skip to content", copyright footers: out, and named."""
    found = []
    for tag in list(soup.find_all(True)):
        if tag.decomposed:
            continue
        if _is_residue(tag):
            text = re.sub(r"\s+", " ", tag.get_text(" ", strip=True))
            if text:
                found.append(text[:200])
            tag.decompose()
    return found


def html_to_markdown(html: str) -> str:
    return html_to_markdown_report(html)[0]


def html_to_markdown_report(html: str) -> tuple[str, list[str]]:
    """Markdown of the page's content, and the page residue left out (its text)."""
    soup = BeautifulSoup(html, "html.parser")
    for bad in soup.find_all(list(DROP)):
        bad.decompose()
    residue = _remove_residue(soup.find("body") or soup)
    out: list[str] = []
    title = soup.find("title")
    body = soup.find("body") or soup
    _blocks(body, out)
    md = "\n\n".join(b for b in out if b.strip())
    if title and title.get_text(strip=True) and not re.search(r"^# ", md, re.M):
        md = f"# {_md_escape(title.get_text(strip=True))}\n\n{md}"
    return md + "\n", residue
