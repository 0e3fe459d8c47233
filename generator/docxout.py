"""Word documents for counsel: a redline between two versions made of Word's own tracked
changes, and a clean copy of one version. Pure: policy texts in, .docx bytes out.

The redline is NEW's document in which every change since OLD is a revision by author
"policygen" dated NEW's effective date: text as ``w:ins``/``w:del`` runs (per word, per
character in Chinese and Japanese, as on the site), headings, list items and quotes that
changed kind as ``w:pPrChange``, bold/italic/code that changed as ``w:rPrChange``, table
rows added or removed as row revisions and kept rows diffed cell by cell. So Word's
"Accept All" leaves exactly NEW's text and "Reject All" exactly OLD's. A moved clause is
removed at its old place and inserted at its new one. A cover section, before the tracked
text, names the policy, the two versions, the change level and the reasons per clause.

Files are reproducible: the package's timestamps and the document properties carry the
version's date, not the time of writing.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from datetime import date, datetime, timezone

from . import i18n
from .docxblocks import PLAIN, Block, clause_blocks, pair_blocks, pair_indices, pair_rows, runs_text
from .diff import word_diff

AUTHOR = "policygen"
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LINK_COLOUR = "0563C1"
CODE_FONT = "Courier New"
HEADER_FILL = "E7E6E6"
# Settings children that come after w:trackRevisions (the schema fixes their order).
AFTER_TRACK = {"doNotTrackMoves", "doNotTrackFormatting", "documentProtection", "autoFormatOverride",
               "styleLockTheme", "styleLockQFSet", "defaultTabStop"}
EAST_ASIAN = ("zh", "ja", "ko")


def _w(tag: str, **attrs):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(f"w:{tag}")
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), str(v))
    return el


def _chars_fmt(runs) -> list:
    return [f for t, f in runs for _ in t]


def inline_pieces(old_runs, new_runs) -> list[tuple]:
    """(op, text, fmt, old fmt) for a paragraph changed in place: the word/character diff of
    its text, cut again wherever the formatting on either side changes."""
    old_fmt, new_fmt = _chars_fmt(old_runs), _chars_fmt(new_runs)
    out: list[tuple] = []
    i = j = 0
    for op, text in word_diff(runs_text(old_runs), runs_text(new_runs)):
        for k, ch in enumerate(text):
            if op == "equal":
                piece = ("equal", new_fmt[j + k], old_fmt[i + k])
            elif op == "delete":
                piece = ("delete", old_fmt[i + k], old_fmt[i + k])
            else:
                piece = ("insert", new_fmt[j + k], new_fmt[j + k])
            if out and out[-1][0] == piece[0] and out[-1][2:] == piece[1:]:
                out[-1] = (piece[0], out[-1][1] + ch, *piece[1:])
            else:
                out.append((piece[0], ch, *piece[1:]))
        i += len(text) if op != "insert" else 0
        j += len(text) if op != "delete" else 0
    return out


def side_pieces(runs, op: str) -> list[tuple]:
    return [(op, t, f, f) for t, f in runs]


class Writer:
    """One Word document being written; revisions are numbered in order of writing."""

    def __init__(self, lang: str, when: date, title: str):
        import docx

        self.doc = docx.Document()
        self.lang = lang
        self.stamp = f"{when.isoformat()}T00:00:00Z"
        self.ids = itertools.count(1)
        self.numbers: dict = {}  # (side, clause, list) -> numId of a list restarting at 1
        self.open = None  # (paragraph, its old block, key) whose mark an added paragraph may take
        self.style_ids = {s.name: s.style_id for s in self.doc.styles}
        self._properties(title, when)
        self._language()

    # --- document-wide -------------------------------------------------------------------

    def _properties(self, title: str, when: date) -> None:
        cp = self.doc.core_properties
        stamp = datetime(when.year, when.month, when.day, tzinfo=timezone.utc)
        cp.title, cp.author, cp.last_modified_by = title, AUTHOR, AUTHOR
        cp.created = cp.modified = stamp
        cp.comments = cp.subject = cp.keywords = cp.category = ""
        cp.revision = 1
        cp.language = self.lang

    def _language(self) -> None:
        from docx.oxml.ns import qn

        rpr = self.doc.styles.element.find(f".//{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is None:
            return
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        east = self.lang if self.lang.split("-")[0] in EAST_ASIAN else "zh-CN"
        rpr.append(_w("lang", val=self.lang, eastAsia=east, bidi="ar-SA"))

    def track_revisions(self) -> None:
        """Counsel's own edits to the redline are tracked too."""
        settings = self.doc.settings.element
        at = next((k for k, c in enumerate(settings) if c.tag.split("}")[1] in AFTER_TRACK), len(settings))
        settings.insert(at, _w("trackRevisions"))

    def footer(self, text: str) -> None:
        p = self.doc.sections[-1].footer.paragraphs[0]
        p.text = XML_INVALID.sub("", text)
        p.style = self.doc.styles["Footer"]

    def new_section(self) -> None:
        from docx.enum.section import WD_SECTION

        self.doc.add_section(WD_SECTION.NEW_PAGE)
        self.open = None

    def save(self, when: date) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return reproducible_zip(buf.getvalue(), when)

    # --- revisions and runs --------------------------------------------------------------

    def mark(self, tag: str):
        return _w(tag, id=next(self.ids), author=AUTHOR, date=self.stamp)

    @staticmethod
    def rpr(fmt):
        bold, italic, code, href = fmt
        rpr = _w("rPr")
        if code:
            rpr.append(_w("rFonts", ascii=CODE_FONT, hAnsi=CODE_FONT, cs=CODE_FONT))
        if bold:
            rpr.append(_w("b"))
        if italic:
            rpr.append(_w("i"))
        if href:
            rpr.append(_w("color", val=LINK_COLOUR))
            rpr.append(_w("u", val="single"))
        return rpr

    def run(self, text: str, fmt, deleted: bool, old_fmt=None):
        from docx.oxml.ns import qn

        r = _w("r")
        rpr = self.rpr(fmt)
        if old_fmt is not None and old_fmt[:3] != fmt[:3]:
            change = self.mark("rPrChange")
            change.append(self.rpr(old_fmt))
            rpr.append(change)
        if len(rpr):
            r.append(rpr)
        t = _w("delText" if deleted else "t")
        t.text = XML_INVALID.sub("", text)
        t.set(qn("xml:space"), "preserve")
        r.append(t)
        return r

    def fill(self, p, pieces) -> None:
        """Runs of a paragraph: inserted and deleted text inside w:ins/w:del, links as
        w:hyperlink around them (a changed link target is not a revision Word can show)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml.ns import qn

        for href, group in itertools.groupby(pieces, key=lambda pc: pc[2][3]):
            holder = p
            if href:
                holder = _w("hyperlink")
                holder.set(qn("r:id"), self.doc.part.relate_to(href, RT.HYPERLINK, is_external=True))
                p.append(holder)
            for op, text, fmt, old_fmt in group:
                r = self.run(text, fmt, op == "delete", old_fmt if op == "equal" else None)
                if op == "equal":
                    holder.append(r)
                    continue
                tag = "ins" if op == "insert" else "del"
                last = holder[-1] if len(holder) else None
                if last is None or last.tag != qn(f"w:{tag}"):
                    last = self.mark(tag)
                    holder.append(last)
                last.append(r)

    # --- paragraphs and tables -----------------------------------------------------------

    def style(self, b: Block) -> str:
        if b.kind == "heading":
            name = f"Heading {min(9, b.level)}"
        elif b.kind == "item":
            name = ("List Number" if b.ordered else "List Bullet") + (f" {min(3, b.level + 1)}" if b.level else "")
        elif b.kind == "more":
            name = f"List Continue{f' {min(3, b.level + 1)}' if b.level else ''}"
        elif b.kind == "quote":
            name = "Quote"
        else:
            name = "Normal"
        return self.style_ids.get(name, "Normal")

    def num_id(self, b: Block, key) -> str | None:
        """Each numbered list starts at 1: its own w:num over the list style's numbering."""
        if b.kind != "item" or not b.ordered:
            return None
        if key not in self.numbers:
            from docx.oxml.ns import qn

            style = self.doc.styles.element.get_by_id(self.style(b))
            base = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}") if style is not None else None
            if base is None:
                return None
            numbering = self.doc.part.numbering_part.element
            abstract = numbering.num_having_numId(int(base.get(qn("w:val")))).abstractNumId.val
            num = numbering.add_num(abstract)
            override = _w("lvlOverride", ilvl=0)
            override.append(_w("startOverride", val=1))
            num.append(override)
            self.numbers[key] = str(num.numId)
        return self.numbers[key]

    def ppr(self, b: Block, key):
        ppr = _w("pPr")
        style = self.style(b)
        if style != "Normal":
            ppr.append(_w("pStyle", val=style))
        num = self.num_id(b, key)
        if num:
            numpr = _w("numPr")
            numpr.append(_w("ilvl", val=0))
            numpr.append(_w("numId", val=num))
            ppr.append(numpr)
        return ppr

    def paragraph(self, old: Block | None, new: Block | None, keys=("", "")) -> None:
        """One paragraph: changed in place (both), added (new only) or removed (old only).

        Paragraph marks are revisions as Word makes them. A removed paragraph loses its text
        and its own mark. Added paragraphs after a kept one are what pressing Enter at its end
        makes: the kept paragraph's mark and the text are the insertion, and the last added
        paragraph ends with the kept mark, its properties before the change being the kept
        paragraph's; so rejecting leaves that paragraph exactly as it was (and LibreOffice,
        which joins touching insertions, reads it the same way)."""
        from docx.oxml.ns import qn

        b = new or old
        p = self.doc.add_paragraph()._p
        ppr = self.ppr(b, (keys[1] if new else keys[0], b.list_key))
        if old is not None and new is not None:
            if (self.style(old), old.ordered) != (self.style(new), new.ordered):  # e.g. a paragraph made a heading
                change = self.mark("pPrChange")
                change.append(self.ppr(old, (keys[0], old.list_key)))
                ppr.append(change)
            pieces = inline_pieces(old.runs, new.runs)
            self.open = (p, old, keys[0])
        elif new is not None and self.open is not None:
            prev, base, base_key = self.open
            prev_ppr = prev.find(qn("w:pPr"))
            if prev_ppr is None:
                prev_ppr = _w("pPr")
                prev.insert(0, prev_ppr)
            rpr = _w("rPr")
            rpr.append(self.mark("ins"))
            change = prev_ppr.find(qn("w:pPrChange"))
            prev_ppr.insert(prev_ppr.index(change) if change is not None else len(prev_ppr), rpr)
            if (self.style(base), base.ordered) != (self.style(new), new.ordered):
                change = self.mark("pPrChange")
                change.append(self.ppr(base, (base_key, base.list_key)))
                ppr.append(change)
            pieces = side_pieces(new.runs, "insert")
            self.open = (p, base, base_key)
        else:
            rpr = _w("rPr")
            rpr.append(self.mark("ins" if new else "del"))
            ppr.append(rpr)
            pieces = side_pieces(b.runs, "insert" if new else "delete")
            self.open = None
        if len(ppr):
            p.append(ppr)
        self.fill(p, pieces)

    def table(self, old: Block | None, new: Block | None) -> None:
        if old is not None and new is not None and _width(old) != _width(new):
            # Word cannot take a column away on Reject All: the table goes, its successor comes.
            self.table(old, None)
            self.table(None, new)
            return
        rows = []  # (old row index, new row index), either None
        for i, j in pair_rows(old.rows if old else (), new.rows if new else ()):
            if i is not None and j is not None and len(old.rows[i]) != len(new.rows[j]):
                rows += [(i, None), (None, j)]
            else:
                rows.append((i, j))
        width = max(len(old.rows[i] if j is None else new.rows[j]) for i, j in rows)
        table = self.doc.add_table(rows=0, cols=width)
        if "Table Grid" in self.style_ids:
            table.style = self.doc.styles["Table Grid"]
        for i, j in rows:
            row = table.add_row()
            o = old.rows[i] if i is not None else None
            n = new.rows[j] if j is not None else None
            header = (j if n is not None else i) < (new if n is not None else old).header_rows
            if header:  # repeated on each page; shaded, as the site shades it
                row._tr.get_or_add_trPr().append(_w("tblHeader"))
            if o is None or n is None:
                row._tr.get_or_add_trPr().append(self.mark("ins" if n is not None else "del"))
            for k, cell in enumerate(row.cells):
                if header:
                    cell._tc.get_or_add_tcPr().append(_w("shd", val="clear", color="auto", fill=HEADER_FILL))
                if o is not None and n is not None:
                    pieces = inline_pieces(o[k], n[k]) if k < len(n) else []
                else:
                    cells = n if n is not None else o
                    pieces = side_pieces(cells[k] if k < len(cells) else (), "insert" if n is not None else "delete")
                self.fill(cell.paragraphs[0]._p, pieces)
        spacer = self.doc.add_paragraph()._p  # Word joins tables that touch; a paragraph keeps them apart
        self.open = (spacer, Block("para"), "") if old is not None and new is not None else None
        if old is None or new is None:  # and goes with a table added or removed as a whole
            ppr, rpr = _w("pPr"), _w("rPr")
            rpr.append(self.mark("ins" if new is not None else "del"))
            ppr.append(rpr)
            spacer.append(ppr)

    def block(self, old: Block | None, new: Block | None, keys) -> None:
        if (new or old).kind == "table":
            self.table(old, new)
        else:
            self.paragraph(old, new, keys=keys)

    def text(self, text: str, style: str = "Normal") -> None:
        self.open = None
        p = self.doc.add_paragraph(XML_INVALID.sub("", text))
        p.style = self.doc.styles[style]


def _width(table: Block) -> int:
    return max((len(r) for r in table.rows), default=0)


def reproducible_zip(data: bytes, when: date) -> bytes:
    """The same package with every entry dated ``when`` (zip has no time zones)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(max(1980, when.year), when.month, when.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# --- the policy ----------------------------------------------------------------------------

def _heading(number: str, title: str) -> Block:
    """A clause title as the site writes it: "1. Title", "I. Title", "一、标题"."""
    return Block("heading", level=1, runs=((i18n.numbered(number, title), PLAIN),))


def _clause_view(text) -> list[tuple]:
    from .site import clause_numbers

    if text is None:
        return []
    numbers = clause_numbers(text.manifest, text.clauses, text.lang)
    return [(c.id, _heading(numbers[c.id], c.title), clause_blocks(c.body)) for c in text.clauses]


def write_clauses(w: Writer, old_text, new_text) -> None:
    """Every clause of NEW in order, with OLD's removed and moved clauses where they were."""
    old, new = _clause_view(old_text), _clause_view(new_text)
    for i, j in pair_indices([(cid, "") for cid, _h, _b in old], [(cid, "") for cid, _h, _b in new]):
        o, n = (old[i] if i is not None else None), (new[j] if j is not None else None)
        keys = ("old:" + (o or n)[0], "new:" + (n or o)[0])
        if o and n:
            w.paragraph(o[1], n[1], keys=keys)
            for ob, nb in pair_blocks(o[2], n[2]):
                w.block(ob, nb, keys)
        else:
            heading, blocks = (n or o)[1:]
            for b in (heading, *blocks):
                w.block(None, b, keys) if n else w.block(b, None, keys)


def _version_label(ref: str, effective: date | None, lang: str) -> str:
    return i18n.format_day(effective, lang) if effective else ref


def redline_docx(old_text, new_text, *, lang: str, old_ref: str, old_effective: date | None, new_ref: str,
                 new_effective: date | None, cls, when: date) -> bytes:
    """The tracked-changes redline from OLD to NEW in ``lang``; ``when`` dates the revisions
    (NEW's effective date, or today for a draft)."""
    from .comparepage import label

    text = new_text or old_text
    title = text.manifest.title(lang)
    w = Writer(lang, when, title)
    w.text(title, "Title")
    old_label, new_label = _version_label(old_ref, old_effective, lang), _version_label(new_ref, new_effective, lang)
    w.text(i18n.t(lang, "compare_title", old=old_label, new=new_label), "Subtitle")
    colon, paren = ("：", "（{}）") if lang.split("-")[0] in EAST_ASIAN else (": ", " ({})")
    w.text(i18n.t(lang, "level") + colon + i18n.t(lang, "level_" + cls.level))
    if cls.consent_required:
        w.text(label(lang, "consent_yes"))
    elif cls.notice_required:
        w.text(label(lang, "notice_yes"))
    if cls.reasons:
        w.text(label(lang, "reasons"), "Heading 2")
        titles = {c.id: c.title for t in (old_text, new_text) if t for c in t.clauses}
        for r in cls.reasons:
            level = paren.format(i18n.t(lang, "level_" + r.level))
            w.text(titles.get(r.clause, r.clause) + level + colon + r.text(lang), "List Bullet")
    w.text(i18n.t(lang, "redline_note", old=old_label, new=new_label))
    w.new_section()
    write_clauses(w, old_text, new_text)
    w.track_revisions()
    w.footer(f"{title} · {old_label} → {new_label}")
    return w.save(when)


def export_docx(text, *, lang: str, ref: str, effective: date | None, when: date) -> bytes:
    """A clean copy of one version: the text only, the effective date and content hash in the footer."""
    title = text.manifest.title(lang)
    w = Writer(lang, when, title)
    w.text(title, "Title")
    write_clauses(w, text, text)
    stamp = i18n.t(lang, "effective", date=_version_label(ref, effective, lang)) if effective else ref
    w.footer(f"{title} · {stamp} · {i18n.t(lang, 'content_hash')}: {text.content_hash}")
    return w.save(when)
