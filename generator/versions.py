"""Resolve the release ledger against git: which text each version has, and which
version is current or upcoming on a given date.

A release is found by the first commit whose releases.yml holds its entry and whose
text matches the content hash recorded at release time. No such commit means the
released text or the history was changed after publication: the build stops.
"""

from __future__ import annotations

from datetime import date

from .errors import Finding, PolicyError
from .fragments import decode, load_policy, parse_ledger, parse_releases
from .history import Repository
from .model import PolicyText, Release, Version, Withdrawal


def read_ledger(src, policy_id: str, findings: list[Finding]) -> list[Release]:
    return read_ledger_full(src, policy_id, findings)[0]


def read_ledger_full(src, policy_id: str, findings: list[Finding]) -> tuple[list[Release], list[Withdrawal]]:
    """The releases and withdrawals in a policy's releases.yml."""
    path = f"{policy_id}/releases.yml"
    data = src.read(path)
    if data is None:
        return [], []
    text = decode(data, path, findings)
    return parse_ledger(text, path, findings) if text is not None else ([], [])


def _ledger_entries(src, policy_id: str, before: tuple | None) -> tuple[dict, tuple | None]:
    """{release key: its record} of the releases a commit's ledger holds, and what the next
    call needs.

    A ledger mostly differs from the one before it by entries appended to its list: then only
    those are parsed (parsing each whole ledger would be quadratic in the number of releases).
    Anything else is parsed whole."""
    path = f"{policy_id}/releases.yml"
    data = src.read(path)
    text = None if data is None else decode(data, path, [])
    if text is None:
        return {}, None
    if before is not None and text.startswith(before[0]) and _appends_entries(before[0], text[len(before[0]):]):
        findings: list[Finding] = []
        added = parse_releases("releases:\n" + text[len(before[0]):], path, findings)
        if not findings and not any(r.key in before[1] for r in added):
            entries = {**before[1], **{r.key: r.record for r in added}}
            return entries, (text, entries)
    releases, withdrawals = parse_ledger(text, path, [])
    entries = {r.key: r.record for r in releases}
    entries.update({WITHDRAWN + w.key: w.on.isoformat() for w in withdrawals})
    return entries, (text, entries)


WITHDRAWN = "withdrawn "  # prefix of a withdrawal's key among a commit's ledger entries


def _appends_entries(old: str, added: str) -> bool:
    """Whether ``added`` only adds items to the block list under 'releases:' that ``old``
    (in the layout ``policygen release`` writes) ends with."""
    if not (old.endswith("\n") and added.startswith("- ")):
        return False
    lines = old.splitlines()
    head = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")), None)
    if head is None or lines[head] != "releases:":
        return False
    body_ok = all(not ln or ln.startswith(("- ", "  ", "#")) for ln in lines[head + 1:])
    return body_ok and all(not ln or ln.startswith(("- ", "  ")) for ln in added.splitlines())


def _texts_at(src, policy_id: str, shared: dict | None = None) -> dict[str, PolicyText]:
    # Findings are the work tree's business (``check``); ``shared`` is (path, blob) -> clause.
    _manifest, texts = load_policy(src, "", policy_id, [], ledger=False,
                                   parsed=shared if hasattr(src, "object_id") else None)
    return texts


def _matches(release: Release, texts: dict[str, PolicyText]) -> bool:
    return bool(release.hashes) and all(
        lang in texts and texts[lang].content_hash == h for lang, h in release.hashes.items())


def resolve_versions(repo: Repository | None, worktree, policy_id: str, display_root: str = "policy_src",
                     memo=None) -> list[Version]:
    """Every release of one policy with its text, oldest first; raises on tampering: a
    ledger entry changed or removed after a commit recorded it, or a text that no longer
    matches its recorded hash. ``memo`` (a ``historycache.CommitMemo``) holds what earlier
    builds read at each commit; the ledger is checked against it on every call."""
    findings: list[Finding] = []
    ledger_bytes = worktree.read(f"{policy_id}/releases.yml")
    ledger, withdrawals = read_ledger_full(worktree, policy_id, findings)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PolicyError("the release ledger is invalid", findings=errors)
    ledger_path = f"{display_root}/{policy_id}/releases.yml"
    if repo is None or repo.repo is None:
        if not ledger:
            return []
        raise PolicyError(f"{display_root} is not inside a git repository: released versions are read from git "
                          "history, so policygen cannot find or check them", path=ledger_path,
                          hint="run 'git init', then commit the policy sources and releases.yml together "
                               "('git add -A && git commit'); or run policygen inside your clone")
    memo_key = None
    if repo.available:
        repo.require_full_history()
        # The result is a function of the commit checked out, the ledger in the work tree and
        # where the sources are: a rebuild (``policygen serve``) that changed neither reuses it.
        memo_key = (repo.repo.git_dir, repo.src_abs, repo.repo.head.commit.hexsha, policy_id, ledger_bytes,
                    display_root)
        got = _RESOLVED.get((repo.src_abs, policy_id))
        if got is not None and got[0] == memo_key:
            return list(got[1])
    candidates: dict[str, list[str]] = {}
    places: dict = {}
    if repo.available:
        touched = [(commit, path.rsplit("/", 1)[0] if "/" in path else policy_id)  # the folder's name then
                   for commit, path in repo.commits_touching(f"{policy_id}/releases.yml")]
        places = {(commit, folder): (commit, repo.prefix, folder) for commit, folder in touched}
        known = {cf: memo.ledger_keys(place) for cf, place in places.items()} if memo is not None else {}
        # Every version's text is read from these commits: read their folders from git in one go.
        repo.prefetch([cf for cf in touched if known.get(cf) is None])
        before = None
        trail = LedgerTrail()
        for commit, folder in touched:
            got = known.get((commit, folder))
            if got is None:
                entries, before = _ledger_entries(repo.source(commit), folder, before)
                if memo is not None:
                    memo.set_ledger_keys(places[(commit, folder)], set(entries.items()))
            else:
                entries = dict(got)
                before = None  # the next ledger not in the memo is parsed whole
            trail.add(commit, folder, entries)
            for key in sorted(entries):
                candidates.setdefault(key, []).append((commit, folder))
        problems = trail.check(repo, policy_id, ledger, withdrawals, ledger_path)
        if problems:
            raise PolicyError(f"the release ledger of {policy_id!r} was rewritten: published versions never change",
                              findings=problems)
    if not ledger:
        return []
    versions = []
    texts_at: dict = {}
    shared: dict = {}  # (path, blob) -> Clause
    for r in ledger:
        found = None
        for commit, folder in candidates.get(r.key, []):
            texts = texts_at.get((commit, folder))
            if texts is None:
                place = places[(commit, folder)]
                texts = memo.texts(place, shared) if memo is not None else None
                if texts is None:
                    texts = _texts_at(repo.source(commit), folder, shared)
                    if memo is not None:
                        memo.set_texts(place, texts, shared)
                texts_at[(commit, folder)] = texts
            if _matches(r, texts):
                found = Version(release=r, commit=commit, texts={lg: texts[lg] for lg in r.hashes})
                break
        if found is None and candidates.get(r.key):
            # The entry was committed without its text: the text may have been committed after it.
            recorded = candidates[r.key][0][0]
            for commit, folder in repo.commits_since(recorded, policy_id):
                texts = _texts_at(repo.source(commit), folder, shared)
                if _matches(r, texts):
                    found = Version(release=r, commit=commit, texts={lg: texts[lg] for lg in r.hashes})
                    break
        if found is None:
            draft = _texts_at(worktree, policy_id)
            if not candidates.get(r.key) and _matches(r, draft):
                # Recorded but not committed yet: the work tree holds exactly that text.
                found = Version(release=r, commit=None, texts={lg: draft[lg] for lg in r.hashes})
            elif not candidates.get(r.key):
                raise PolicyError(
                    f"version {r.key} of {policy_id!r} is recorded but its text is not committed, "
                    "and the work tree no longer matches it", path=ledger_path, line=r.line or None,
                    hint="restore the text the release recorded (it was changed after 'policygen release'), "
                         "commit it with releases.yml, then make your change; or remove the uncommitted entry "
                         "and release again")
            elif _matches(r, draft):
                raise PolicyError(
                    f"version {r.key} of {policy_id!r} was committed in {candidates[r.key][0][0][:10]} without "
                    "the text it records: that text is only in the work tree, never committed",
                    path=ledger_path, line=r.line or None,
                    hint=f"commit the policy's text now ('git add {display_root}/{policy_id} && git commit')")
        if found is None:
            raise PolicyError(
                f"version {r.key} of {policy_id!r} no longer matches the text recorded when it was released "
                f"(content hash {next(iter(r.hashes.values()), '?')[:12]}): the released text or the git history "
                "was changed after publication", path=ledger_path, line=r.line or None,
                hint="published versions are frozen; restore the original history, and release corrections as a new version")
        versions.append(found)
    _keep_lagging_translations(versions)
    if memo_key is not None and all(v.commit is not None for v in versions):
        _RESOLVED[(repo.src_abs, policy_id)] = (memo_key, tuple(versions))
    return versions


def _keep_lagging_translations(versions: list[Version]) -> None:
    """A language that lagged when a version was released publishes, in that version, its
    translation of the earlier version it was last in step with (``lagging:`` in the ledger)."""
    by_key = {v.key: v for v in versions}
    for v in versions:
        for lang, key in v.release.lagging.items():
            earlier = by_key.get(key)
            if earlier is not None and earlier.effective < v.effective and lang in earlier.texts:
                v.texts[lang] = earlier.texts[lang]


def uncommitted_releases(src_dir: str, policy_id: str) -> list[str]:
    """The releases of a policy recorded in the work tree but not committed: their text is
    only in the work tree, so nothing may overwrite it before it is committed."""
    from .worktree import DirSource

    worktree = DirSource(src_dir)
    if not read_ledger(worktree, policy_id, []):
        return []
    return [v.key for v in resolve_versions(Repository(src_dir), worktree, policy_id) if v.commit is None]


class LedgerTrail:
    """The history of each release entry across the commits that changed releases.yml
    (oldest first): where it was first recorded, and where it last changed or went."""

    def __init__(self):
        self.first: dict = {}  # key -> (commit, folder, record)
        self.last: dict = {}  # key -> its record at the last commit holding it
        self.changed_in: dict = {}  # key -> the last commit that gave it a different record
        self.removed_in: dict = {}  # key -> the commit that dropped it (while it stays dropped)
        self._before: dict = {}

    def add(self, commit: str, folder: str, entries: dict) -> None:
        for key, record in entries.items():
            if key not in self.first:
                self.first[key] = (commit, folder, record)
            elif self.last.get(key) != record:
                self.changed_in[key] = commit
            self.last[key] = record
            self.removed_in.pop(key, None)
        for key in self._before:
            if key not in entries:
                self.removed_in[key] = commit
        self._before = entries

    def check(self, repo: Repository, policy_id: str, ledger: list[Release], withdrawals: list[Withdrawal],
              ledger_path: str) -> list[Finding]:
        """A finding for each committed entry the ledger now (the work tree) holds differently
        or no longer holds; each names the version and both commits."""
        now = {r.key: r for r in ledger}
        withdrawn = {w.key for w in withdrawals}
        problems = []
        for w in withdrawals:
            got = self.first.get(WITHDRAWN + w.key)
            if got is not None and repo.commit_date(got[0]).date() >= w.effective:
                problems.append(Finding(
                    ledger_path, w.line or None,
                    f"version {w.key} was withdrawn in commit {got[0][:10]} "
                    f"({repo.commit_date(got[0]).date()}), when it was already in force",
                    hint="a version in force is never withdrawn: restore its entry, and release the correction "
                         "as a new version"))
        for key, (commit, folder, record) in self.first.items():
            if key.startswith(WITHDRAWN):
                continue
            r = now.get(key)
            if r is None and key in withdrawn:
                continue
            if r is not None and r.record == record:
                continue
            # Read the entry as first recorded from git itself (not from a memo) before saying so.
            original = next((x for x in read_ledger(repo.source(commit), folder, []) if x.key == key), None)
            if original is None or (r is not None and r.record == original.record):
                continue
            if r is None:
                where = self.removed_in.get(key)
                by = f"removed in commit {where[:10]}" if where else "removed in the work tree (not committed)"
                problems.append(Finding(
                    ledger_path, None, f"version {key} was recorded in commit {commit[:10]} and {by}",
                    hint="released entries are never removed: restore it; a release not yet in force can be "
                         f"withdrawn with 'policygen release --policy {policy_id} --withdraw {key} --justification TEXT'"))
                continue
            where = self.changed_in.get(key) if self.last.get(key) == r.record else None
            by = f"changed in commit {where[:10]}" if where else "changed in the work tree (not committed)"
            what = ", ".join(_changed_fields(original, r))
            problems.append(Finding(
                ledger_path, r.line or None,
                f"version {key} was recorded in commit {commit[:10]} and its {what} {by}",
                hint="a released entry never changes: restore it as recorded, and release the correction "
                     "as a new version"))
        return problems


def _changed_fields(a: Release, b: Release) -> list[str]:
    names = {"level": "level", "computed_level": "computed level", "justification": "justification",
             "backfill": "backfill flag", "hashes": "content hash"}
    return [label for attr, label in names.items() if getattr(a, attr) != getattr(b, attr)] or ["entry"]


# (sources folder, policy) -> (what the result depends on, versions): the last result only.
_RESOLVED: dict = {}


def current_version(versions: list[Version], today: date) -> Version | None:
    in_force = [v for v in versions if v.effective <= today]
    return in_force[-1] if in_force else None


def upcoming_versions(versions: list[Version], today: date) -> list[Version]:
    return [v for v in versions if v.effective > today]


def pick(versions: list[Version], ref: str, today: date) -> Version | None:
    """A version by effective date, 'current' or 'latest' (None if not a version name)."""
    if ref == "current":
        v = current_version(versions, today)
        if v is None:
            raise PolicyError("no version is in force yet", hint="release one with 'policygen release'")
        return v
    if ref == "latest":
        if not versions:
            raise PolicyError("the policy has no release yet", hint="release one with 'policygen release'")
        return versions[-1]
    try:
        d = date.fromisoformat(ref)
    except ValueError:
        return None
    for v in versions:
        if v.effective == d:
            return v
    raise PolicyError(f"no version takes effect on {ref}",
                      hint="list versions with 'policygen versions --policy P'")
