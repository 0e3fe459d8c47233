"""Word (.docx) drafts -> the HTML the HTML importer reads.

mammoth turns the document into plain semantic HTML (headings from Word's heading styles,
lists, tables, links, bold and italic); numbered headings typed into plain paragraphs
("I.Personal Data", "3. Contact us") become headings by the same rules the plain-text
importer uses. A document that still holds tracked changes is refused (which text would be
the policy?), and reviewers' comments are reported, not imported. Pure apart from reading
the file's bytes; the package is opened with XML entity expansion and network access off.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from .errors import PolicyError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
# Every element Word shows as one entry in its list of tracked changes.
TRACKED = ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange",
           "trPrChange", "tcPrChange", "tblGridChange", "numberingChange", "cellIns", "cellDel", "cellMerge")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc files and of encrypted .docx
MAX_UNPACKED = 200 * 1024 * 1024  # a policy is far smaller; a zip bomb is not
# Word's headings sit one level below the document title (Word's "Title" style).
STYLE_MAP = "\n".join(
    ["p[style-name='Title'] => h1:fresh", "p.Title => h1:fresh", "p[style-name='Subtitle'] => p:fresh"]
    + [f"p[style-name='heading {n}'] => h{min(6, n + 1)}:fresh" for n in range(1, 6)]
    + [f"p[style-name='Heading {n}'] => h{min(6, n + 1)}:fresh" for n in range(1, 6)]
    + [f"p.Heading{n} => h{min(6, n + 1)}:fresh" for n in range(1, 6)])
HINT_TRACKED = ("in Word: Review > Accept > Accept All Changes (or Reject All Changes), save, and import "
                "again; policygen keeps the history in git, not in the document")


@dataclass
class WordDraft:
    html: str
    notes: list = field(default_factory=list)  # (paragraph number, message)
    dropped: list = field(default_factory=list)  # (paragraph number, text, why)
    entity: str = ""  # a company name line under the title of a draft without heading styles


def _xml(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    return etree.fromstring(data, parser)


def _open(data: bytes, path: str) -> zipfile.ZipFile:
    if data.startswith(OLE_SIGNATURE):
        raise PolicyError("not a .docx package: a password-protected (encrypted) Word document or an old .doc file",
                          path=path, hint="in Word: remove the password (File > Info > Protect Document) or "
                                          "save as 'Word Document (.docx)', then import again")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = set(package.namelist())
    except zipfile.BadZipFile:
        raise PolicyError("not a Word document (.docx): the file is not a zip package", path=path,
                          hint="save the draft from Word as 'Word Document (.docx)'; .doc and .rtf are not read") from None
    if "word/document.xml" not in names:
        raise PolicyError("not a Word document (.docx): it has no word/document.xml", path=path,
                          hint="save the draft from Word as 'Word Document (.docx)'")
    if sum(i.file_size for i in package.infolist()) > MAX_UNPACKED:
        raise PolicyError("the Word document unpacks to more than 200 MB", path=path,
                          hint="remove embedded media and import again")
    return package


def _paragraph_text(p) -> str:
    return "".join(p.itertext()).strip()


def tracked_changes(document) -> int:
    return sum(len(document.findall(f".//w:{tag}", NS)) for tag in TRACKED)


def comments(package: zipfile.ZipFile, document) -> list[tuple[int, str]]:
    """(paragraph number, 'comment by X on "text": ...') for each reviewer comment."""
    if "word/comments.xml" not in package.namelist():
        return []
    root = _xml(package.read("word/comments.xml"))
    where = {}
    for n, p in enumerate(document.iter(f"{{{W}}}p"), start=1):
        for start in p.iter(f"{{{W}}}commentRangeStart", f"{{{W}}}commentReference"):
            where.setdefault(start.get(f"{{{W}}}id"), (n, _paragraph_text(p)))
    out = []
    for c in root.findall("w:comment", NS):
        n, anchor = where.get(c.get(f"{{{W}}}id"), (1, ""))
        text = " ".join(_paragraph_text(p) for p in c.findall(".//w:p", NS)).strip()
        author = c.get(f"{{{W}}}author") or "unknown"
        on = f' (on "{anchor[:40]}")' if anchor else ""
        out.append((n, f"comment by {author}{on} not imported: {text[:200]}"))
    return out


def _promote_numbered_headings(html: str, draft: WordDraft) -> str:
    """A draft without heading styles: top-level numbered paragraphs become headings (and a
    leading short paragraph the title), as the plain-text importer reads the same lines."""
    from bs4 import BeautifulSoup

    from .importer import ENTITY_RE, RESIDUE_RE, ImportedPolicy, _drop_toc, _find_headings

    soup = BeautifulSoup(html, "html.parser")
    if soup.find(re.compile(r"^h[2-6]$")):
        return html
    paras = [el for el in soup.children if getattr(el, "name", None) == "p"]
    lines = [re.sub(r"\s+", " ", p.get_text()).strip() for p in paras]
    heads, numbering = _find_headings(list(lines))
    if not heads:
        return html
    scratch = ImportedPolicy()
    toc_lines = list(lines)
    heads = _drop_toc(toc_lines, heads, scratch)
    for idx, text in enumerate(toc_lines):
        if not text and lines[idx]:
            draft.dropped.append((idx + 1, lines[idx], "table of contents"))
            paras[idx].decompose()  # a typed table of contents: its entries are not clauses
    top = {idx for idx, _num, _title in heads}
    for idx in top:
        paras[idx].name = "h2"
    if numbering == "roman":
        from .importer import HEADING_RE, _is_heading_text

        for idx, text in enumerate(lines):
            m = HEADING_RE.match(text)
            if idx not in top and toc_lines[idx] and m and m["num"].isdigit() and _is_heading_text(m["title"]):
                paras[idx].name = "h3"
    rest = [i for i, t in enumerate(toc_lines) if t and i < min(top)]
    if rest and len(lines[rest[0]]) <= 90 and not soup.find("h1"):
        paras[rest.pop(0)].name = "h1"
    if rest and ENTITY_RE.search(lines[rest[0]]) and len(lines[rest[0]]) < 120:
        draft.entity = lines[rest[0]]
        paras[rest[0]].decompose()
    last = max(i for i, t in enumerate(toc_lines) if t)
    if last not in top and RESIDUE_RE.match(lines[last]):
        draft.dropped.append((last + 1, lines[last], "page residue (not policy text)"))
        paras[last].decompose()
    return str(soup)


def read_docx(data: bytes, path: str) -> WordDraft:
    import mammoth

    package = _open(data, path)
    document = _xml(package.read("word/document.xml"))
    # Footnotes and endnotes are imported with the text, so their revisions count too.
    notes = [_xml(package.read(n)) for n in ("word/footnotes.xml", "word/endnotes.xml") if n in package.namelist()]
    changes = sum(tracked_changes(part) for part in (document, *notes))
    if changes:
        raise PolicyError(f"the document still holds {changes} tracked change{'s' if changes != 1 else ''}: "
                          f"accept or reject the {changes} tracked change{'s' if changes != 1 else ''} first",
                          path=path, hint=HINT_TRACKED)
    draft = WordDraft(html="", notes=comments(package, document))
    pictures = len(document.findall(".//w:drawing", NS)) + len(document.findall(".//w:pict", NS))
    if pictures:
        draft.notes.append((1, f"{pictures} picture{'s' if pictures != 1 else ''} not imported: "
                               "policy text is text; describe what a picture shows in words"))
    result = mammoth.convert_to_html(io.BytesIO(data), style_map=STYLE_MAP, include_embedded_style_map=False)
    draft.html = _promote_numbered_headings(_title_from_lone_heading(result.value), draft)
    return draft


def _title_from_lone_heading(html: str) -> str:
    """A draft without Word's Title style whose one Heading 1 opens the document and heads
    Heading 2 sections: that heading is the title (many drafts are written so)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    heads = soup.find_all(re.compile(r"^h[1-6]$"))
    top = [h for h in heads if h.name == "h2"]
    if heads and heads[0].name == "h2" and len(top) == 1 and len(heads) > 2 and not soup.find("h1"):
        top[0].name = "h1"
        return str(soup)
    return html
