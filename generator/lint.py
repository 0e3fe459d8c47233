"""Lint findings in clause text: things a careful editor would fix before release.

Pure: text in, findings out. Lines point into the clause file.
"""

from __future__ import annotations

import re

from .errors import Finding
from .model import Manifest, PolicyText

# "by email (, and": a parenthesis opened for an address that was never filled in.
PLACEHOLDER_RE = re.compile(r"\b(e-?mail|emial|phone|telephone|address|website|url|link)\s*[(（]\s*(?=[,;:.)）]|\s+[A-Z]|$)",
                            re.I | re.M)
EMPTY_LINK_RE = re.compile(r"\[[^\]]*\]\(\s*\)")
TYPOS = {"emial": "email", "recieve": "receive", "seperate": "separate", "occured": "occurred",
         "priviledge": "privilege", "adress": "address", "thier": "their", "untill": "until",
         "wich": "which", "acount": "account", "informations": "information"}
TYPO_RE = re.compile(r"\b(" + "|".join(TYPOS) + r")\b", re.I)
RESIDUE_RE = re.compile(r"^\s*(scroll|back to top|print this page|accept all cookies)\s*$", re.I | re.M)


def _line_of(body: str, offset: int, body_line: int) -> int:
    return body_line + body.count("\n", 0, offset)


def lint_clause(clause, lang: str) -> list[Finding]:
    out = []
    body = clause.body
    for m in PLACEHOLDER_RE.finditer(body):
        out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                           f"broken placeholder: {m.group(0).strip()!r} opens a bracket for a contact detail "
                           "that is not filled in", severity="warning",
                           hint="write the contact detail inside the brackets, or remove them"))
    for m in EMPTY_LINK_RE.finditer(body):
        out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                           f"link without a target: {m.group(0)!r}", severity="warning",
                           hint="add the URL between the parentheses"))
    if lang.split("-")[0] == "en":
        for m in TYPO_RE.finditer(body):
            out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                               f"possible typo {m.group(0)!r} (did you mean {TYPOS[m.group(0).lower()]!r}?)",
                               severity="warning"))
    for m in RESIDUE_RE.finditer(body):
        out.append(Finding(clause.path, _line_of(body, m.start(), clause.body_line),
                           f"{m.group(0).strip()!r} looks like web page residue, not policy text",
                           severity="warning", hint="delete the line"))
    return out


def lint_policy(manifest: Manifest, texts: dict) -> list[Finding]:
    out = []
    for lang, text in texts.items():
        for clause in text.clauses:
            out.extend(lint_clause(clause, lang))
    out.extend(stale_translations(manifest, texts))
    return out


def source_hash(clause) -> str:
    return clause.content_hash[:12]


def stale_translation_ids(manifest: Manifest, texts: dict, lang: str) -> list[str]:
    """Translated clauses whose recorded source no longer matches the source clause."""
    src = texts.get(manifest.source_lang)
    tr = texts.get(lang)
    if src is None or tr is None:
        return []
    out = []
    for c in tr.clauses:
        s = src.clause(c.id)
        if s is not None and c.source_hash != source_hash(s):
            out.append(c.id)
    return out


def stale_translations(manifest: Manifest, texts: dict) -> list[Finding]:
    out = []
    for lang in manifest.languages[1:]:
        tr = texts.get(lang)
        for cid in stale_translation_ids(manifest, texts, lang):
            c = tr.clause(cid)
            why = "records no source_hash" if not c.source_hash else "was translated from an older source text"
            out.append(Finding(c.path, 2, f"stale translation: clause {cid!r} {why}", severity="warning",
                               hint=f"update the translation, then set 'source_hash: "
                                    f"{source_hash(texts[manifest.source_lang].clause(cid))}'"))
    return out
