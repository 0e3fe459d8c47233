"""Commands that change the policy sources: import a text, record a release.

They compute with the pure modules and write files atomically; nothing here touches git.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import yaml

from .errors import Finding, PolicyError, os_error
from . import i18n
from .fragments import decode, dump_releases, load_policy, render_clause_file
from .importer import FORMATS, IdMatch, align_translation, assign_ids, parse_document, rewrite_anchors
from .lint import source_hash, stale_translation_ids, translation_in_step
from .model import Clause, Release, Withdrawal, level_rank
from .versions import uncommitted_releases
from .worktree import DirSource, write_atomic



@dataclass
class ImportReport:
    policy: str
    lang: str
    created: bool
    clauses: list = field(default_factory=list)  # (id, title, "kept"|"new", similarity, how)
    removed: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    effective: date | None = None
    lagging: dict = field(default_factory=dict)  # translation lang -> {"orphaned": [ids], "stale": [...], "missing": [...]}
    dead_anchors: list = field(default_factory=list)


def read_input(path: str) -> tuple[str, str]:
    ext = os.path.splitext(path)[1].lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise PolicyError(f"cannot import {ext or 'files without an extension'}", path=path,
                          hint="import .txt, .md, .html or .docx; convert PDF files to text first")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise PolicyError("file not found", path=path, hint="check the path") from None
    findings: list[Finding] = []
    text = decode(data, path, findings, controls=False)  # the importer drops them, with a note
    if text is None:
        f = findings[0]
        raise PolicyError(f.message, path=path, line=f.line, hint=f.hint)
    if not text.strip():
        raise PolicyError("the file is empty", path=path, hint="import a file that holds the policy text")
    return text, fmt


def _parse_map(pairs, old_ids: list[str], proposed: list[str]) -> dict:
    """``--map OLD=NEW``: the section this import would call NEW keeps the id OLD."""
    out = {}
    for pair in pairs or ():
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise PolicyError(f"--map {pair!r} is not OLD-ID=NEW-ID",
                              hint="for example --map contact-us=how-reach-us (an existing id = the id import proposed)")
        if old not in old_ids:
            raise PolicyError(f"--map {pair}: the policy has no clause {old!r}",
                              hint="existing ids: " + ", ".join(old_ids))
        if new not in proposed:
            raise PolicyError(f"--map {pair}: this import proposes no id {new!r}",
                              hint="proposed ids: " + ", ".join(proposed))
        out[old] = proposed.index(new)
    return out


def _read_docx(path: str):
    from .docxin import read_docx

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise PolicyError("file not found", path=path, hint="check the path") from None
    return read_docx(data, path)


def import_policy(path: str, policy: str, lang: str, src_dir: str, base_url: str | None = None,
                  id_map: tuple = ()) -> ImportReport:
    from .schema import name_problem

    for kind, value, option in (("policy id", policy, "--policy"), ("language code", lang, "--lang")):
        problem = name_problem(kind, value)
        if problem:
            message, _, rule = problem.partition(": use ")
            raise PolicyError(f"{option}: {message}", hint=f"use {rule}")
    if os.path.isdir(src_dir):
        recover_imports(src_dir)  # a policy folder a killed import left beside its place goes back first
    if base_url is not None and not re.match(r"^https?://[^/\s]+", base_url):
        raise PolicyError(f"--base-url {base_url!r} is not a web address", hint="for example --base-url https://example.com")
    if path.lower().endswith(".docx"):  # Word: mammoth's HTML, read by the HTML importer
        draft = _read_docx(path)
        text, fmt = draft.html, "html"
    else:
        draft = None
        text, fmt = read_input(path)
    text, control_notes = _without_controls(text)
    doc = parse_document(text, fmt, base_url)
    doc.notes = [*control_notes, *doc.notes]
    if draft:
        doc.notes, doc.dropped = [*draft.notes, *doc.notes], [*draft.dropped, *doc.dropped]
        doc.entity = doc.entity or draft.entity
    if not doc.sections:
        raise PolicyError("found no policy text to import", path=path)
    src = DirSource(src_dir)
    findings: list[Finding] = []
    base = os.path.join(src_dir, policy)
    exists = src.read(f"{policy}/policy.yml") is not None
    manifest, texts = (load_policy(src, "", policy, findings) if exists else (None, {}))
    if exists and manifest is None:
        raise PolicyError("cannot re-import into a policy whose policy.yml is invalid", findings=findings)
    pending = uncommitted_releases(src_dir, policy) if exists else []
    if pending:
        raise PolicyError(f"version {pending[-1]} of {policy!r} is recorded in releases.yml but not committed: "
                          "its text exists only in the work tree, and importing would overwrite it",
                          hint="commit the release first ('git add -A && git commit'), then import")
    report = ImportReport(policy=policy, lang=lang, created=not exists, notes=doc.notes, dropped=doc.dropped,
                          effective=doc.effective)
    sections = doc.sections
    for s in sections:
        if not s.title:
            s.title = i18n.text(lang, "import", "preamble_title")
    translation = exists and lang != manifest.source_lang
    old = texts.get(lang).clauses if exists and lang in texts else ()
    if translation:
        source = texts[manifest.source_lang].clauses
        matches = [IdMatch(cid, cid in {c.id for c in old}) for cid in align_translation(sections, list(source))]
    else:
        matches = assign_ids(sections, list(old))
        if id_map:
            matches = assign_ids(sections, list(old), _parse_map(id_map, [c.id for c in old], [m.id for m in matches]))
    ids = [m.id for m in matches]
    report.dead_anchors = rewrite_anchors(sections, ids)
    old_by_id = {c.id: c for c in old}
    new_clauses = []
    for match, s in zip(matches, sections):
        cid = match.id
        prev = old_by_id.get(cid)
        facts = dict(prev.facts) if prev else {}
        sh = None
        if translation:
            sh = source_hash(texts[manifest.source_lang].clause(cid))
            if not facts:
                facts = dict(texts[manifest.source_lang].clause(cid).facts)
        new_clauses.append(Clause(id=cid, title=s.title, body=s.body, facts=facts, source_hash=sh))
        report.clauses.append((cid, s.title, "kept" if prev else "new", match.similarity, match.how))
    # Every file the import changes (path in the policy folder -> text, or None to remove),
    # written as one set at the end.
    changes: dict[str, str | None] = {f"{lang}/{c.id}.md": render_clause_file(c) for c in new_clauses}
    keep = {c.id for c in new_clauses}
    orphans = texts[lang].orphans if exists and lang in texts else ()
    for c in (*old, *orphans):
        if c.id not in keep:
            report.removed.append(c.id)
        rel = c.path.split("/", 1)[1]  # a file named otherwise than its id goes too: {id}.md replaces it
        if rel not in changes:
            changes[rel] = None
    preamble_ids = [cid for cid, s in zip(ids, sections) if not s.number]
    if not exists:
        data = {
            "title": {lang: doc.title or "Privacy Policy"},
            "entity": {"name": doc.entity} if doc.entity else {},
            "languages": [lang], "regimes": ["gdpr"], "notice_days": 30,
            "numbering": doc.numbering if doc.numbering in ("roman", "decimal") else "none",
            "unnumbered": preamble_ids, "clauses": ids,
        }
        if not data["entity"]:
            del data["entity"]
        if not preamble_ids:
            del data["unnumbered"]
        changes["policy.yml"] = _manifest_yaml(data)
    else:
        with open(os.path.join(base, "policy.yml"), encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
        if translation:
            if lang not in raw["languages"]:
                raw["languages"].append(lang)
            raw.setdefault("title", {})
            if isinstance(raw["title"], str):
                raw["title"] = {manifest.source_lang: raw["title"]}
            if doc.title:
                raw["title"][lang] = doc.title
        else:
            raw["clauses"] = ids
            if preamble_ids:
                raw["unnumbered"] = preamble_ids
        changes["policy.yml"] = _manifest_yaml(raw)
    replace_files(src_dir, policy, changes)
    if exists and not translation:
        report.lagging = lagging_languages(src_dir, policy)
    return report


def _without_controls(text: str) -> tuple[str, list]:
    """The text without control characters (``check`` refuses them in the sources): a form
    feed or vertical tab (a page or line break of a converted document) becomes a space, so
    the words around it stay apart and lines keep their numbers; others are dropped."""
    from .fragments import CONTROL_RE, control_name

    found = CONTROL_RE.search(text)
    if not found:
        return text, []
    count = len(CONTROL_RE.findall(text))
    line = text.count("\n", 0, found.start()) + 1
    text = CONTROL_RE.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)
    return text, [(line, f"removed {count} control character{'s' * (count > 1)} (the first here: "
                         f"{control_name(found.group())}); page and line breaks became spaces")]


# --- writing an import as one set of files ---------------------------------------------------

IMPORT_PREFIX = ".policygen-import-"


def replace_files(src_dir: str, policy: str, changes: dict) -> None:
    """Make ``changes`` (path in the policy folder -> text, or None to remove) to the folder of
    ``policy`` as one step: a copy of the folder gets them, then takes its place with one
    rename (Linux: renameat2 RENAME_EXCHANGE). A run killed at any point leaves the old
    folder or the new one, never a mix; what it leaves in ``src_dir`` (a hidden
    ``.policygen-import-<pid>-...`` folder) the next import removes, or puts back, before
    it reads the policy (``recover_imports``)."""
    from .atomic import exchange, temp_dir

    base = os.path.join(src_dir, policy)
    try:
        os.makedirs(src_dir, exist_ok=True)
        tmp = temp_dir(src_dir, IMPORT_PREFIX)
    except OSError as exc:
        raise os_error(exc, src_dir, "could not write", "nothing was imported") from None
    new = os.path.join(tmp, "new")
    try:
        with open(os.path.join(tmp, "policy"), "w", encoding="utf-8") as fh:
            fh.write(policy)
        if os.path.isdir(base):
            _copy_tree(base, new)
        else:
            os.mkdir(new)
        for rel, text in changes.items():
            target = os.path.join(new, *rel.split("/"))
            if text is None:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(target)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        if not os.path.isdir(base):
            os.rename(new, base)
        elif not exchange(new, base):  # no exchange here: two renames, undone by the next run if cut between
            os.rename(base, os.path.join(tmp, "old"))
            os.rename(new, base)
    except OSError as exc:
        _put_back(tmp, base)
        shown = exc.filename if isinstance(exc.filename, str) else None
        if shown and shown.startswith(new + os.sep):
            shown = os.path.join(base, shown[len(new) + 1:])  # where the user will look for it
        elif shown and shown.startswith(tmp):
            shown = None
        raise os_error(exc, shown or base, "could not write", "nothing was imported") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _copy_tree(src: str, dst: str) -> None:
    """Copy a folder (files with their modes and times, links as links); the first error stops it."""
    os.mkdir(dst)
    for name in os.listdir(src):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if os.path.islink(s):
            os.symlink(os.readlink(s), d)
        elif os.path.isdir(s):
            _copy_tree(s, d)
        else:
            shutil.copy2(s, d)
    shutil.copystat(src, dst)


def _put_back(tmp: str, base: str) -> None:
    """Undo a swap cut between its two renames: the old folder goes back to its place."""
    old = os.path.join(tmp, "old")
    if os.path.isdir(old) and not os.path.exists(base):
        os.rename(old, base)


def recover_imports(src_dir: str) -> None:
    """Clear what killed imports left in ``src_dir``: their temporary folders, after putting
    back a policy folder caught between the two renames of a swap. Folders of an import
    still running (its process is alive) stay."""
    import time

    for name in os.listdir(src_dir):
        if not name.startswith(IMPORT_PREFIX):
            continue
        tmp = os.path.join(src_dir, name)
        pid = name[len(IMPORT_PREFIX):].split("-", 1)[0]
        try:
            young = time.time() - os.lstat(tmp).st_mtime < 86400
        except OSError:
            continue
        if pid.isdigit() and int(pid) != os.getpid() and young and _alive(int(pid)):
            continue
        try:
            with open(os.path.join(tmp, "policy"), encoding="utf-8") as fh:
                policy = fh.read().strip()
        except OSError:
            policy = ""
        if policy and "/" not in policy and policy not in (".", ".."):
            _put_back(tmp, os.path.join(src_dir, policy))
        shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lagging_languages(src_dir: str, policy: str) -> dict:
    """Translations no longer in step with the source language (see ``lagging_report``)."""
    manifest, texts = load_policy(DirSource(src_dir), "", policy, [])
    out = {}
    for lang in manifest.languages[1:] if manifest else ():
        got = lagging_report(manifest, texts, lang)
        if any(got.values()):
            out[lang] = got
    return out


def lagging_report(manifest, texts: dict, lang: str) -> dict:
    """A translation's orphaned clauses (the source has them no more), stale ones (the
    source changed since) and missing ones."""
    from .lint import orphaned_translation_ids

    return {"orphaned": orphaned_translation_ids(manifest, texts, lang),
            "stale": stale_translation_ids(manifest, texts, lang),
            "missing": [c for c in manifest.clauses if texts.get(lang) is None or texts[lang].clause(c) is None]}


def _manifest_yaml(data: dict) -> str:
    head = "# Policy manifest: languages (source first), clause order and legal profile. See README.\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def write_ledger(path: str, text: str) -> None:
    """Replace releases.yml in one step; on failure nothing changed, and the error says why."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(f"{path}.tmp-{os.getpid()}")  # write_atomic's half-written temporary file
        raise os_error(exc, path, "could not write", "nothing was recorded") from None


def earliest_effective(today: date, notice_days: int) -> date:
    return today + timedelta(days=notice_days)


def record_release(src_dir: str, policy: str, effective: date, today: date, *, backfill: bool = False,
                   level: str | None = None, justification: str | None = None, summary: str = "",
                   allow_stale: bool = False, allow_unchanged: bool = False,
                   computed: tuple[str, str] | None = None, previous: Release | None = None) -> Release:
    """Append a version to releases.yml after every legal and consistency check.

    ``computed`` is (level, summary) from the classifier, comparing with ``previous``, the
    version the new one follows.
    """
    from .versions import read_ledger_full

    src = DirSource(src_dir)
    findings: list[Finding] = []
    manifest, texts = load_policy(src, "", policy, findings)
    errors = [f for f in findings if f.severity == "error"]
    if manifest is None or errors:
        raise PolicyError(f"policy {policy!r} has errors; fix them before releasing", findings=errors)
    ledger, withdrawals = read_ledger_full(src, policy, findings)
    ledger_path = os.path.join(src_dir, policy, "releases.yml")
    for r in ledger:
        if r.effective == effective:
            raise PolicyError(f"a version of {policy!r} already takes effect on {effective}",
                              path=ledger_path, line=r.line or None,
                              hint="choose another effective date; released versions are never replaced")
    for w in withdrawals:
        if w.effective == effective:
            raise PolicyError(f"a version of {policy!r} taking effect on {effective} was withdrawn on {w.on}",
                              path=ledger_path, line=w.line or None,
                              hint="readers may have seen the withdrawn version announced for that day: "
                                   "choose another effective date")
    if backfill and effective > today:
        raise PolicyError(f"--backfill records past history, but {effective} is after today ({today})",
                          hint="release a version that is not in force yet without --backfill: "
                               "its level then needs its notice period")
    # Without --backfill any date from today on is allowed, also one before an announced
    # version (an urgent fix while a later version waits for its notice period).
    if not backfill and effective < today:
        raise PolicyError(f"effective date {effective} is in the past",
                          hint="use --backfill to record a version that was already in force")
    stale = {}
    behind = {}  # translations not in step with the source: what they lack
    for lang in manifest.languages[1:]:
        ids = stale_translation_ids(manifest, texts, lang)
        if ids:
            stale[lang] = ids
        if texts.get(lang) and texts[lang].clauses and not translation_in_step(manifest, texts, lang):
            got = lagging_report(manifest, texts, lang)
            behind[lang] = "; ".join([", ".join(got["stale"])] * bool(got["stale"]) + [
                f"{k} {', '.join(v)}" for k, v in got.items() if v and k != "stale"])
    if behind and not allow_stale:
        lines = "; ".join(f"{lg}: {what}" for lg, what in behind.items())
        raise PolicyError(f"translations are out of date ({lines})",
                          hint="update them (and their source_hash), or release with --allow-stale-translations: "
                               "each lagging language keeps publishing its last translation in step, and the "
                               "source language is the binding text")
    # A lagging language keeps publishing the translation of the latest earlier version it was in step with.
    # One never in step yet publishes its translation as it is, marked as being updated,
    # when each source clause has one (only stale); otherwise it waits for its translation.
    lagging = {}
    for lang in behind:
        earlier = [r for r in ledger if r.effective < effective and lang in r.hashes and lang not in r.stale]
        if earlier:
            lagging[lang] = earlier[-1].key
    hashes = {lg: texts[lg].content_hash for lg in manifest.languages if texts.get(lg) and texts[lg].clauses
              and (lg not in behind or (lg not in lagging and not any(
                  v for k, v in lagging_report(manifest, texts, lg).items() if k != "stale")))}
    if previous is not None and previous.hashes == hashes and not allow_unchanged:
        raise PolicyError(f"the text is the same as version {previous.key}'s: there is nothing to release",
                          hint="edit the text first; to record the same text again on purpose (e.g. to restore "
                               "it after a later version), pass --allow-unchanged")
    computed_level = computed[0] if computed else "editorial"
    final = level or computed_level
    if level and level_rank(level) < level_rank(computed_level) and not justification:
        raise PolicyError(f"--level {level} is lower than the computed level {computed_level}",
                          hint="lowering a level needs a recorded reason: add --justification TEXT")
    if final in ("notice", "consent") and not backfill:
        earliest = earliest_effective(today, manifest.notice_days)
        if effective < earliest:
            raise PolicyError(
                f"this is a {final}-level change: it may take effect on {earliest.isoformat()} at the earliest "
                f"({manifest.notice_days} days' notice)",
                hint=f"use --effective {earliest.isoformat()} or later")
    rel = Release(effective=effective, level=final, computed_level=computed_level,
                  justification=justification, summary=summary, hashes=hashes,
                  backfill=backfill, stale=stale, lagging=lagging)
    write_ledger(ledger_path, dump_releases([*ledger, rel], withdrawals))
    return replace(rel)


def withdraw_release(src_dir: str, policy: str, effective: date, today: date, justification: str | None,
                     committed: bool) -> Withdrawal | None:
    """Take back a release not yet in force. A committed one stays in the ledger as a
    withdrawal (the ledger is append-only); one never committed is simply removed (returns None)."""
    from .versions import read_ledger_full

    src = DirSource(src_dir)
    findings: list[Finding] = []
    ledger, withdrawals = read_ledger_full(src, policy, findings)
    ledger_path = os.path.join(src_dir, policy, "releases.yml")
    entry = next((r for r in ledger if r.effective == effective), None)
    if entry is None:
        raise PolicyError(f"{policy!r} has no release taking effect on {effective}", path=ledger_path,
                          hint=f"list the versions with 'policygen versions --policy {policy}'")
    if effective <= today:
        raise PolicyError(f"version {effective} of {policy!r} is in force (today is {today}): a version in force "
                          "is never withdrawn", path=ledger_path, line=entry.line or None,
                          hint="release the correction as a new version")
    if not justification or not justification.strip():
        raise PolicyError("a withdrawal needs --justification TEXT: it is recorded in releases.yml")
    rest = [r for r in ledger if r is not entry]
    withdrawal = None
    if committed:
        withdrawal = Withdrawal(effective=effective, on=today, justification=justification.strip(),
                                hashes=dict(entry.hashes))
        withdrawals = [*withdrawals, withdrawal]
    write_ledger(ledger_path, dump_releases(rest, withdrawals))
    return withdrawal
