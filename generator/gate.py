"""The release gate for pull requests: may this change be merged and published as it is?

It fails when
- the draft (work tree) has a notice- or consent-level change since the latest release
  that no release covers (publishing it would need a release with due notice), or
- a release added by this change (not in the ledger at ``base``, or not committed yet)
  is notice/consent-level and takes effect sooner than ``notice_days`` from today (the day
  it would be published), or took effect in the past (a retroactive change), unless
  backfills are explicitly allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .changes import _load
from .classify import classify
from .diff import diff_policy
from .editing import earliest_effective
from .errors import Finding, PolicyError
from .fragments import list_policies
from .history import Repository
from .model import level_rank
from .project import display_path
from .versions import read_ledger, read_ledger_full, resolve_versions
from .worktree import DirSource

ADVERSE = ("notice", "consent")


@dataclass
class GateResult:
    policy: str
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _reasons(cls, n: int = 3) -> str:
    texts = list(dict.fromkeys(r.message.split(" [")[0] for r in cls.reasons if r.level == cls.level))
    more = len(texts) - n
    return "; ".join(texts[:n]) + (f"; and {more} more" if more > 0 else "")


def _base_keys(repo: Repository, base: str, policy: str) -> set[str]:
    commit = repo.resolve(base)
    return {r.key for r in read_ledger(repo.source(commit), policy, [])}


def release_gate(src_dir: str, policy: str, today: date, base: str | None = None,
                 allow_backfill: bool = False) -> GateResult:
    result = GateResult(policy)
    worktree = DirSource(src_dir)
    repo = Repository(src_dir)
    manifest, texts = _load(worktree, policy, "the work tree")
    versions = resolve_versions(repo, worktree, policy, display_path(src_dir))
    earliest = earliest_effective(today, manifest.notice_days)
    _releases, withdrawn = read_ledger_full(worktree, policy, [])
    taken = {v.effective for v in versions} | {w.effective for w in withdrawn}
    while earliest in taken:  # the advice must be a command that works
        earliest += timedelta(days=1)
    release_cmd = f"policygen release --policy {policy} --effective {earliest.isoformat()}"

    if not versions:
        result.notes.append("no release yet: the first release needs no notice period")
    else:
        latest = versions[-1]
        for lang in manifest.languages:
            if lang not in texts or not texts[lang].clauses:
                continue
            d = diff_policy(latest.texts.get(lang), texts[lang], lang)
            cls = classify(d, manifest)
            if cls.level in ADVERSE:
                result.problems.append(
                    f"{policy} ({lang}): the draft has a {cls.level}-level change since the latest release "
                    f"({latest.key}) and no release covers it: {_reasons(cls)}. Record one with "
                    f"'{release_cmd}' (or later; {manifest.notice_days} days' notice) and commit releases.yml")
            else:
                result.notes.append(f"{lang}: draft against {latest.key}: {cls.level}")

    if base:
        known = _base_keys(repo, base, policy)
        added = [v for v in versions if v.key not in known]
        _releases, base_withdrawn = read_ledger_full(repo.source(repo.resolve(base)), policy, [])
        for w in withdrawn:
            if w.key not in {x.key for x in base_withdrawn}:
                # A reviewer should see it: readers may have seen the version announced.
                result.notes.append(f"withdrawn release {w.key} (on {w.on.isoformat()}): {w.justification}")
    else:
        added = [v for v in versions if v.commit is None]
    for f in level_floor(versions, manifest, {v.key for v in added}, display_path(src_dir)):
        if f.severity == "error":
            result.problems.append(f)  # printed as path:line: error: ..., like check's
        else:
            result.notes.append(f.format())
    for v in added:
        level = v.release.level
        if level not in ADVERSE:
            result.notes.append(f"new release {v.key}: {level}")
            continue
        if v.effective <= today:
            if not allow_backfill:
                result.problems.append(
                    f"{policy}: the new release {v.key} is {level}-level and already in force "
                    f"(effective {v.key}, today {today.isoformat()}): readers got no notice of it. Choose "
                    f"--effective {earliest.isoformat()} or later; if it only records past history, run the "
                    "gate with --allow-backfill")
            else:
                result.notes.append(f"new release {v.key}: {level}, backfilled (allowed)")
        elif v.effective < earliest:
            result.problems.append(
                f"{policy}: the new release {v.key} is {level}-level and takes effect "
                f"{(v.effective - today).days} day(s) after today; publishing today needs "
                f"{manifest.notice_days} days' notice: effective {earliest.isoformat()} at the earliest")
        else:
            result.notes.append(f"new release {v.key}: {level}, effective {(v.effective - today).days} days "
                                "from today (lawful notice)")
    return result


def policies_to_gate(src_dir: str, chosen: tuple[str, ...] | list[str]) -> list[str]:
    return list(chosen) if chosen else list_policies(DirSource(src_dir), "")


def level_floor(versions, manifest, added: set, display_root: str) -> list[Finding]:
    """The level of each release computed again (its source-language text against the version
    before it). A release in ``added`` (new since the base, or not in force yet) whose level is
    below the computed one without a recorded reason is an error; a published one whose level
    a newer classifier computes higher is a warning: published history keeps building."""
    findings = []
    path = f"{display_root}/{manifest.id}/releases.yml"
    lang = manifest.source_lang
    for prev, v in zip(versions, versions[1:]):
        r = v.release
        if r.justification or lang not in v.texts:
            continue
        computed = classify(diff_policy(prev.texts.get(lang), v.texts[lang], lang), manifest).level
        if level_rank(r.level) >= level_rank(computed):
            continue
        if v.key in added and not r.computed_level:
            findings.append(Finding(
                path, r.line or None, f"version {r.key} is recorded as {r.level}, below its computed level "
                f"{computed}, without a justification",
                hint=f"record it with 'policygen release --policy {manifest.id} --effective {r.key}' (which records "
                     "the computed level), or add 'justification:' saying why the lower level is right"))
        else:
            findings.append(Finding(
                path, r.line or None, f"version {r.key} is recorded as {r.level}; policygen now computes "
                f"{computed} for it (recorded then: {r.computed_level or r.level})", severity="warning",
                hint="a published release is never edited; if readers need a notice, release a new version"))
    return findings


def check_levels(src_dir: str, loaded, today: date) -> list[Finding]:
    """``check``: levels of releases not yet in force (or not committed) computed again."""
    repo, worktree, shown = Repository(src_dir), DirSource(src_dir), display_path(src_dir)
    findings = []
    for manifest, _texts in loaded:
        try:
            versions = resolve_versions(repo, worktree, manifest.id, shown)
        except PolicyError:
            continue  # reported by the history check
        pending = {v.key for v in versions if v.commit is None or v.effective > today}
        findings += level_floor(versions, manifest, pending, shown)
    return findings
