"""`policygen export`: one version of a policy as one document, in the formats of ``EXPORTERS``."""

from __future__ import annotations

from .errors import PolicyError


def _docx(got, lang: str) -> bytes:
    from .docxout import export_docx
    from .project import build_date

    return export_docx(got.texts[lang], lang=lang, ref=got.ref, effective=got.effective,
                       when=got.effective or build_date())


def _numbered(text) -> list:
    """(clause, its number as the importer reads it back: "1" / "I" / "") in order. Never
    "一、": an export must import again as it was."""
    from .site import roman

    m = text.manifest
    style = m.numbering_for(m.source_lang)
    out, n = [], 0
    for c in text.clauses:
        if style == "none" or c.id in m.unnumbered:
            out.append((c, ""))
            continue
        n += 1
        out.append((c, roman(n) if style == "roman" else str(n)))
    return out


def _dated(got, lang: str) -> str:
    return got.effective.isoformat() if got.effective else ""


def _md(got, lang: str) -> bytes:
    """Markdown as the importer reads it: title and date in front matter, each clause an h2
    carrying its id (``{#id}``) and number, sub-headings from h3 as in the fragments."""
    import yaml

    text = got.texts[lang]
    meta = {"title": text.manifest.title(lang)}
    if got.effective:
        meta["effective"] = _dated(got, lang)
    out = ["---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"]
    for c, num in _numbered(text):
        out.append(f"## {num + '. ' if num else ''}{c.title} {{#{c.id}}}\n")
        if c.body.strip():
            out.append(c.body.strip() + "\n")
    return "\n".join(out).encode("utf-8")


def _html(got, lang: str) -> bytes:
    """A standalone, sanitised HTML page: each clause a section whose h2 carries its id."""
    from html import escape

    from .render import markdown_to_html

    text = got.texts[lang]
    title = escape(text.manifest.title(lang))
    parts = [f'<!doctype html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
             f"<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>"]
    if got.effective:
        parts.append(f'<p>Effective date: <time datetime="{_dated(got, lang)}">{_dated(got, lang)}</time></p>')
    for c, num in _numbered(text):
        parts.append(f'<section>\n<h2 id="{escape(c.id)}">{escape(num + ". ") if num else ""}{escape(c.title)}</h2>\n'
                     f"{markdown_to_html(c.body) if c.body.strip() else ''}\n</section>")
    parts.append("</main>\n</body>\n</html>\n")
    return "\n".join(parts).encode("utf-8")


def _txt(got, lang: str) -> bytes:
    """Plain text: the title, the date, numbered headings, paragraphs, "- " list items."""
    from bs4 import BeautifulSoup

    from .render import markdown_to_html

    text = got.texts[lang]
    out = [text.manifest.title(lang)]
    if got.effective:
        out.append(f"Effective date: {_dated(got, lang)}")
    for c, num in _numbered(text):
        out.append(f"{num + '. ' if num else ''}{c.title}")
        soup = BeautifulSoup(markdown_to_html(c.body), "html.parser")
        for el in soup.find_all(["h3", "h4", "h5", "h6", "p", "li", "tr", "blockquote", "pre"]):
            if el.find_parent(["li", "blockquote"]) and el.name != "li":
                continue
            if el.name == "tr":
                line = " | ".join(td.get_text(" ", strip=True) for td in el.find_all(["th", "td"]))
            elif el.name == "li":
                line = "- " + " ".join(t.strip() for t in el.find_all(string=True, recursive=False) if t.strip()) \
                    if el.find(["ul", "ol"]) else "- " + el.get_text(" ", strip=True)
            else:
                line = el.get_text(" ", strip=True)
            if line.strip("- "):
                out.append(line)
    return ("\n\n".join(out) + "\n").encode("utf-8")


# format -> (writer of bytes, file extension); `policygen export --format` offers these.
EXPORTERS = {"docx": (_docx, ".docx"), "html": (_html, ".html"), "md": (_md, ".md"), "txt": (_txt, ".txt")}


def export_document(src_dir: str, policy: str, ref: str, lang: str | None, fmt: str) -> tuple[bytes, str]:
    """(the document, a file name for it) of version ``ref`` of ``policy`` in ``lang``."""
    from .changes import resolve

    got = resolve(src_dir, policy, ref)
    lang = lang or got.manifest.source_lang
    if got.texts.get(lang) is None:
        raise PolicyError(f"version {got.ref} of {policy!r} has no {lang!r} text",
                          hint="languages: " + ", ".join(got.texts))
    write, ext = EXPORTERS[fmt]
    return write(got, lang), f"{policy}-{got.ref}-{lang}{ext}"
