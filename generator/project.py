"""Load a whole policy project: the work tree (draft) and the released versions from git.

This is the glue between the edges (files, git) and the pure core; the CLI and the
MkDocs plugin both start here.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timezone

from .errors import Finding, PolicyError
from .fragments import list_policies, load_policy
from .history import Repository
from .schema import date_message
from .site import PolicySite
from .versions import resolve_versions
from .worktree import DirSource


def build_date(value: str | None = None) -> date:
    """The date the site is built for: --date, else SOURCE_DATE_EPOCH, else today (UTC)."""
    if value:
        problem = date_message("invalid date", value)
        if problem:
            raise PolicyError(problem[0], hint=problem[1])
        return date.fromisoformat(value)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not epoch.strip().isdigit() or len(epoch.strip()) > 12:
            raise PolicyError(f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a number of seconds since 1970",
                              hint="set it to a Unix time such as $(git log -1 --format=%ct), or unset it")
        seconds = int(epoch)
        now = time.time()
        if seconds > now + 86400:
            # Reproducible builds set it to a time that has passed (the last commit's); a future
            # one would make a version not yet in force current, and release or gate judge notice
            # periods from a day that has not come.
            when = datetime.fromtimestamp(seconds, tz=timezone.utc).date() if seconds < 253402300800 else "after 9999"
            today = datetime.fromtimestamp(now, tz=timezone.utc).date()
            raise PolicyError(f"SOURCE_DATE_EPOCH={epoch.strip()} ({when}) is later than the clock of this machine "
                              f"({today})",
                              hint="set it to a time that has passed, such as the last commit's: "
                                   "$(git log -1 --format=%ct), or unset it; to work as of a later date on "
                                   "purpose, pass that date (build --date, gate --today)")
        return datetime.fromtimestamp(seconds, tz=timezone.utc).date()
    return datetime.now(timezone.utc).date()


def display_path(src_dir: str) -> str:
    rel = os.path.relpath(os.path.abspath(src_dir))
    return rel if not rel.startswith("..") else os.path.abspath(src_dir)


class _Prefixed:
    """Show paths in findings the way the user typed the source folder."""

    def __init__(self, prefix: str):
        self.prefix = prefix.rstrip("/")

    def __call__(self, f: Finding) -> Finding:
        path = f"{self.prefix}/{f.path}" if self.prefix and f.path else (f.path or self.prefix)
        return Finding(path, f.line, f.message, f.severity, f.hint)


def check_sources(src_dir: str, lint: bool = True) -> tuple[list, list[Finding]]:
    """Parse every policy in the work tree; return (manifest, texts) pairs and findings."""
    if not os.path.isdir(src_dir):
        raise PolicyError(f"source folder {src_dir!r} does not exist", hint="pass --src, or run from the project root")
    src = DirSource(src_dir)
    fix = _Prefixed(display_path(src_dir))
    findings: list[Finding] = []
    loaded = []
    ids = list_policies(src, "")
    if not ids:
        findings.append(Finding("", None, "no policies found (no <policy>/policy.yml)",
                                hint="import one with 'policygen import FILE --policy NAME --lang en'"))
    for pid in ids:
        manifest, texts = load_policy(src, "", pid, findings)
        if manifest is not None:
            loaded.append((manifest, texts))
            if lint:
                from .lint import lint_policy  # `check` only: its heading patterns take a while to compile

                findings.extend(lint_policy(manifest, texts))
    return loaded, [fix(f) for f in findings]


def check_history(src_dir: str, loaded) -> list[Finding]:
    """What ``check`` adds to the sources' own findings: that each policy's ledger and
    released texts agree with git (append-only ledger, frozen texts), as a build checks them."""
    repo = Repository(src_dir)
    worktree = DirSource(src_dir)
    shown = display_path(src_dir)
    if repo.repo is None:
        return [Finding(shown, None, "the policy sources are not inside a git repository: released versions are "
                                     "read from git history",
                        hint="run 'git init' and commit the sources, or run policygen inside your clone")]
    findings = []
    for manifest, _texts in loaded:
        try:
            resolve_versions(repo, worktree, manifest.id, display_root=shown)
        except PolicyError as exc:
            findings.extend(exc.findings or [Finding(exc.path or shown, exc.line, exc.message, hint=exc.hint)])
    return findings


def load_project(src_dir: str, include_draft: bool = False, memo=None) -> tuple[list[PolicySite], list[Finding]]:
    """Every policy in the work tree with its released versions read from git (``memo``: a
    ``historycache.CommitMemo`` of what earlier builds read at each commit)."""
    loaded, findings = check_sources(src_dir, lint=False)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PolicyError(f"{len(errors)} error(s) in the policy sources", findings=errors)
    repo = Repository(src_dir)
    worktree = DirSource(src_dir)
    sites = []
    for manifest, texts in loaded:
        versions = resolve_versions(repo, worktree, manifest.id, display_root=display_path(src_dir), memo=memo)
        sites.append(PolicySite(manifest=manifest, versions=versions, draft=texts, include_draft=include_draft))
    return sites, findings
