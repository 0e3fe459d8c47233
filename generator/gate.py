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
from .fragments import list_policies
from .history import Repository
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
