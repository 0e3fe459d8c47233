"""`policygen export`: one version of a policy as one document, in the formats of ``EXPORTERS``."""

from __future__ import annotations

from .errors import PolicyError


def _docx(got, lang: str) -> bytes:
    from .docxout import export_docx
    from .project import build_date

    return export_docx(got.texts[lang], lang=lang, ref=got.ref, effective=got.effective,
                       when=got.effective or build_date())


# format -> (writer of bytes, file extension)
EXPORTERS = {"docx": (_docx, ".docx")}


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
