"""Resolve version references and produce diffs, classifications and version listings
for the CLI. The glue between git (history), the ledger (versions) and the pure core."""

from __future__ import annotations

import json
from datetime import date

from .classify import classify
from .diff import diff_policy
from .errors import Finding, PolicyError
from .fragments import load_policy
from .history import Repository
from .model import PolicyText
from .project import build_date, display_path
from .redline import diff_markdown, diff_text
from .versions import pick, resolve_versions
from .worktree import DirSource


class Resolved:
    def __init__(self, ref: str, texts: dict, effective: date | None, manifest):
        self.ref = ref
        self.texts = texts
        self.effective = effective
        self.manifest = manifest


def _load(src, policy: str, where: str):
    findings: list[Finding] = []
    manifest, texts = load_policy(src, "", policy, findings)
    errors = [f for f in findings if f.severity == "error"]
    if manifest is None or errors:
        raise PolicyError(f"policy {policy!r} cannot be read at {where}", findings=errors)
    return manifest, texts


def resolve(src_dir: str, policy: str, ref: str, versions=None) -> Resolved:
    worktree = DirSource(src_dir)
    if ref == "draft":
        manifest, texts = _load(worktree, policy, "the work tree")
        return Resolved("draft", texts, None, manifest)
    repo = Repository(src_dir)
    if versions is None:
        versions = resolve_versions(repo, worktree, policy, display_path(src_dir))
    v = pick(versions, ref, build_date())
    if v is not None:
        any_text = next(iter(v.texts.values()))
        return Resolved(v.key, v.texts, v.effective, any_text.manifest)
    if not repo.available:
        raise PolicyError(f"{ref!r} is not a version and there is no git repository to look it up in")
    commit = repo.resolve(ref)
    manifest, texts = _load(repo.source(commit), policy, f"revision {ref}")
    return Resolved(ref, texts, None, manifest)


def compare(old: Resolved, new: Resolved, lang: str):
    o = old.texts.get(lang)
    n = new.texts.get(lang)
    if n is None and o is None:
        raise PolicyError(f"neither version has a {lang!r} text")
    d = diff_policy(o, n, lang)
    cls = classify(d, new.manifest)
    return d, cls


def diff_json(policy: str, lang: str, old: Resolved, new: Resolved, d, cls) -> dict:
    return {
        "policy": policy, "lang": lang,
        "old": {"ref": old.ref, "effective": old.effective.isoformat() if old.effective else None},
        "new": {"ref": new.ref, "effective": new.effective.isoformat() if new.effective else None},
        "classification": cls.as_dict(),
        "clauses": [{"id": cd.id, "status": cd.status, "level": cls.clause_levels.get(cd.id, "editorial"),
                     "title": cd.title, "renamed": cd.renamed, "moved": cd.moved,
                     "formatting_only": cd.formatting_only,
                     # renamed, split or merged from clauses of other ids
                     **({"note": cd.note, "from": list(cd.old_ids)} if cd.note else {}),
                     "facts": [{"fact": f["fact"], "added": [a for a, _ in f["added"]],
                                "removed": [r for r, _ in f["removed"]],
                                "changed": [c for c, _o, _n in f["changed"]]} for f in cd.facts]}
                    for cd in d.clauses],
    }


def diff_command(src_dir: str, policy: str, old_ref: str, new_ref: str, lang: str | None, fmt: str) -> str:
    old = resolve(src_dir, policy, old_ref)
    new = resolve(src_dir, policy, new_ref)
    lang = lang or new.manifest.source_lang
    d, cls = compare(old, new, lang)
    from .summary import changes_section, text_changes
    summary_changes = text_changes(old.texts.get(lang), new.texts.get(lang), lang)
    if fmt == "json":
        data = {**diff_json(policy, lang, old, new, d, cls), "summary_changes": summary_changes}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return diff_markdown(policy, lang, old.ref, new.ref, d, cls) + "\n" + changes_section(summary_changes, lang, "md")
    if fmt == "html":
        from .comparepage import standalone_html
        return standalone_html(policy, lang, old, new, d, cls)
    return diff_text(policy, lang, old.ref, new.ref, d, cls) + "\n" + changes_section(summary_changes, lang, "text")


def diff_docx(src_dir: str, policy: str, old_ref: str, new_ref: str, lang: str | None) -> tuple[bytes, str]:
    """The tracked-changes redline (see docxout) and a file name for it."""
    from .docxout import redline_docx

    old = resolve(src_dir, policy, old_ref)
    new = resolve(src_dir, policy, new_ref)
    lang = lang or new.manifest.source_lang
    _d, cls = compare(old, new, lang)
    data = redline_docx(old.texts.get(lang), new.texts.get(lang), lang=lang, old_ref=old.ref,
                        old_effective=old.effective, new_ref=new.ref, new_effective=new.effective, cls=cls,
                        when=new.effective or build_date())
    return data, f"{policy}-{old.ref}...{new.ref}-{lang}.docx"


def compute_release_change(src_dir: str, policy: str, effective: date) -> tuple[str, str, object]:
    """Level and one-line summary of the draft against the version it will follow, and that
    version's release (None for the first)."""
    worktree = DirSource(src_dir)
    manifest, texts = _load(worktree, policy, "the work tree")
    versions = resolve_versions(Repository(src_dir), worktree, policy, display_path(src_dir))
    before = [v for v in versions if v.effective < effective]
    if not before:
        return "editorial", "First published version.", None
    prev = before[-1]
    lang = manifest.source_lang
    old_text: PolicyText | None = prev.texts.get(lang)
    d = diff_policy(old_text, texts.get(lang), lang)
    cls = classify(d, manifest)
    return cls.level, summarise(cls), prev.release


def summarise(cls) -> str:
    top = [r for r in cls.reasons if r.level == cls.level]
    if not top:
        return "No change in text."
    msgs = []
    for r in top:
        m = r.message.split(" [")[0]
        if m not in msgs:
            msgs.append(m)
    more = len(msgs) - 3
    return "; ".join(msgs[:3]) + (f"; and {more} more" if more > 0 else "") + "."


def version_rows(src_dir: str, policy: str) -> list[dict]:
    versions = resolve_versions(Repository(src_dir), DirSource(src_dir), policy, display_path(src_dir))
    return [{"effective": v.key, "level": v.release.level, "computed_level": v.release.computed_level or v.release.level,
             "consent_required": v.release.level == "consent",
             "notice_required": v.release.level in ("notice", "consent"),
             "languages": list(v.texts), "commit": v.commit, "summary": v.release.summary,
             "hashes": dict(v.release.hashes),
             # languages that lagged: the earlier version whose translation each publishes
             "lagging": dict(v.release.lagging)} for v in versions]
