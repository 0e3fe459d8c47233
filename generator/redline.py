"""Render diffs for people: HTML redlines (escaped, <ins>/<del>) and Markdown/text summaries. Pure."""

from __future__ import annotations

import html
import re

from .classify import Classification
from .diff import PolicyDiff


def segments_html(segs) -> str:
    out = []
    for op, text in segs:
        t = html.escape(text)
        if op == "insert":
            out.append(f'<ins class="pg-ins">{t}</ins>')
        elif op == "delete":
            out.append(f'<del class="pg-del">{t}</del>')
        else:
            out.append(t)
    return "".join(out)


def fact_lines(cd, lang: str = "en") -> list[str]:
    from .i18n import SENSITIVE, fact_name

    lines = []
    for fc in cd.facts:
        name = fact_name(lang, fc["fact"])
        for label, attrs in fc["added"]:
            sens = f" ({SENSITIVE.get(lang, SENSITIVE['en'])})" if attrs.get("sensitive") else ""
            lines.append(f"{name}: + {label}{sens}")
        for label, _ in fc["removed"]:
            lines.append(f"{name}: - {label}")
        for label, _old, _new in fc["changed"]:
            lines.append(f"{name}: ~ {label}")
    return lines


def changed_paragraphs(segs) -> list[list]:
    """Only the paragraphs that hold a change, each as its own list of segments; a reviewer
    reading a pull request does not need the unchanged rest of a long clause."""
    paras: list[list] = [[]]
    for op, text in segs:
        parts = text.split("\n\n")
        for k, part in enumerate(parts):
            if k:
                paras.append([])
            if part:
                paras[-1].append((op, part))
    return [p for p in paras if any(op != "equal" and t.strip() for op, t in p)]


MD_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~])")


def _md_text(text: str) -> str:
    """Policy text placed in Markdown stays text: no live links, emphasis or HTML."""
    return MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _md_redline(segs) -> str:
    out = []
    for op, text in segs:
        t = text
        if not t.strip():
            out.append(text if op != "delete" else "")
            continue
        lead = t[: len(t) - len(t.lstrip())]
        trail = t[len(t.rstrip()):]
        core = t.strip().replace("\n", " ")
        if op == "insert":
            out.append(f"{lead}<ins>{_md_text(core)}</ins>{trail}")
        elif op == "delete":
            out.append(f"{lead}<del>{_md_text(core)}</del>{trail}")
        else:
            out.append(_md_text(text))
    return "".join(out)


def diff_markdown(policy: str, lang: str, old_label: str, new_label: str, d: PolicyDiff, cls: Classification) -> str:
    """A PR-comment summary: level, reasons, then each changed clause's redline."""
    icon = {"editorial": "", "minor": "", "notice": "⚠️ ", "consent": "🛑 "}[cls.level]
    lines = [f"## {icon}Policy change `{policy}` ({lang}): **{cls.level}**", "",
             f"From `{old_label}` to `{new_label}`. Notice required: **{'yes' if cls.notice_required else 'no'}**; "
             f"consent required: **{'yes' if cls.consent_required else 'no'}**.", ""]
    if cls.reasons:
        lines += ["| clause | level | rule | why |", "|---|---|---|---|"]
        for r in cls.reasons:
            lines.append(f"| `{r.clause}` | {r.level} | {r.rule} | {r.message.replace('|', '/')} |")
        lines.append("")
    for cd in d.changed:
        flags = [cd.status] + (["renamed"] if cd.renamed else []) + (["formatting only"] if cd.formatting_only else [])
        lines.append(f"### `{cd.id}` {html.escape(cd.title)} ({', '.join(flags)})")
        lines.append("")
        for fl in fact_lines(cd):
            lines.append(f"- {html.escape(fl)}")
        for para in changed_paragraphs(cd.segments):
            lines += ["", _md_redline(para).strip()]
        lines.append("")
    if not d.changed:
        lines.append("No changes.")
    return "\n".join(lines).rstrip() + "\n"


def diff_text(policy: str, lang: str, old_label: str, new_label: str, d: PolicyDiff, cls: Classification) -> str:
    lines = [f"{policy} ({lang}): {old_label} -> {new_label}",
             f"level: {cls.level}  notice required: {'yes' if cls.notice_required else 'no'}  "
             f"consent required: {'yes' if cls.consent_required else 'no'}"]
    for r in cls.reasons:
        lines.append(f"  [{r.level}] {r.clause}: {r.message} ({r.rule})")
    for cd in d.changed:
        lines.append("")
        lines.append(f"== {cd.id}: {cd.title} ({cd.status}{', renamed' if cd.renamed else ''}"
                     f"{', formatting only' if cd.formatting_only else ''})")
        for fl in fact_lines(cd):
            lines.append(f"   {fl}")
        for para in changed_paragraphs(cd.segments):
            lines.append("".join(t if op == "equal" else (f"[-{t}-]" if op == "delete" else f"{{+{t}+}}")
                                 for op, t in para).strip())
    if not d.changed:
        lines.append("no changes")
    return "\n".join(lines) + "\n"
