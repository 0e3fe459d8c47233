"""Resolve the release ledger against git: which text each version has, and which
version is current or upcoming on a given date.

A release is found by the first commit whose releases.yml holds its entry and whose
text matches the content hash recorded at release time. No such commit means the
released text or the history was changed after publication: the build stops.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from .errors import Finding, PolicyError
from .fragments import decode, load_policy, parse_ledger, parse_releases
from .history import Repository
from .model import PolicyText, Release, Version, Withdrawal, level_rank


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
    candidates: dict[str, list[tuple[str, str]]] = {}
    places: dict = {}
    if repo.available:
        trail = _walk_ledger(repo, policy_id, memo, places, candidates)
        problems = trail.check(repo, policy_id, ledger, withdrawals, ledger_path)
        if problems:
            raise PolicyError(f"the release ledger of {policy_id!r} was rewritten: published versions never change",
                              findings=problems)
    problems = _entry_problems(ledger, ledger_path)
    if problems:
        raise PolicyError(f"the release ledger of {policy_id!r} records what policygen does not accept",
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
                    texts = _texts_at(repo.source(commit, place[1]), folder, shared)
                    if memo is not None:
                        memo.set_texts(place, texts, shared)
                texts_at[(commit, folder)] = texts
            if _matches(r, texts):
                found = Version(release=r, commit=commit, texts={lg: texts[lg] for lg in r.hashes})
                break
        if found is None and candidates.get(r.key):
            # The entry was committed without its text: the text may have been committed after it.
            for commit, prefix, folder in trail.after(candidates[r.key][0][0]):
                texts = _texts_at(repo.source(commit, prefix), folder, shared)
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


def _split_place(ledger_path: str) -> tuple[str, str]:
    """(sources prefix, policy folder) of a ledger's path from the repository root."""
    folder_path = ledger_path.rsplit("/", 1)[0]
    prefix, _, folder = folder_path.rpartition("/")
    return prefix, folder


def _walk_ledger(repo: Repository, policy_id: str, memo, places: dict, candidates: dict) -> "LedgerTrail":
    """Read the ledger at every commit that changed it, on every side of every merge (parents
    before children), following renames of its folder. Fills ``places`` ((commit, folder) ->
    memo place) and ``candidates`` (release key -> [(commit, folder)] holding it, oldest first)."""
    graph = repo.graph()
    held = repo.file_history(f"{policy_id}/releases.yml", graph)
    trail = LedgerTrail(graph, held)
    touched = [c for c in graph.order if c in held and (
        not graph.parents[c] or any(held.get(p, ("", ""))[1] != held[c][1] for p in graph.parents[c]))]
    for commit in touched:
        prefix, folder = _split_place(held[commit][0])
        places[(commit, folder)] = (commit, prefix, folder)
    known = {cf: memo.ledger_keys(place) for cf, place in places.items()} if memo is not None else {}
    # Every version's text is read from these commits: read their folders from git in one go.
    by_prefix: dict = {}
    for (commit, folder), place in places.items():
        if known.get((commit, folder)) is None:
            by_prefix.setdefault(place[1], []).append((commit, folder))
    for prefix, where in by_prefix.items():
        repo.prefetch(where, prefix)
    before = None
    for commit in touched:
        prefix, folder = _split_place(held[commit][0])
        got = known.get((commit, folder))
        if got is None:
            entries, before = _ledger_entries(repo.source(commit, prefix), folder, before)
            if memo is not None:
                memo.set_ledger_keys(places[(commit, folder)], set(entries.items()))
        else:
            entries = dict(got)
            before = None  # the next ledger not in the memo is parsed whole
        trail.add(commit, entries)
        for key in sorted(entries):
            candidates.setdefault(key, []).append((commit, folder))
    return trail


class LedgerTrail:
    """Every record each release entry had in the history (all commits reachable from HEAD,
    every side of every merge): an entry recorded once never changes, whichever path of the
    history holds the other record and whatever dates the commits claim."""

    def __init__(self, graph, held: dict):
        self.graph = graph
        self.held = held  # commit -> (ledger path from the repository root, blob)
        self.at: dict = {}  # blob -> entries (key -> record)
        self.records: dict = {}  # key -> {record: first commit holding it}
        self._index = {c: i for i, c in enumerate(graph.order)}

    def add(self, commit: str, entries: dict) -> None:
        self.at[self.held[commit][1]] = entries
        for key, record in entries.items():
            self.records.setdefault(key, {}).setdefault(record, commit)

    def entries(self, commit: str) -> dict:
        got = self.held.get(commit)
        return self.at.get(got[1], {}) if got is not None else {}

    def after(self, commit: str):
        """(commit, prefix, folder) of each commit after ``commit`` up to HEAD that holds the
        ledger, oldest first."""
        head = self.graph.order[-1] if self.graph.order else commit
        later = self.graph.ancestors(head) - self.graph.ancestors(commit)
        for c in self.graph.order:
            if c in later and c in self.held:
                yield (c, *_split_place(self.held[c][0]))

    def _date(self, commit: str) -> date:
        return datetime.fromtimestamp(self.graph.trusted_time(commit), tz=timezone.utc).date()

    def _original(self, repo: Repository, commit: str, key: str) -> Release | None:
        """The entry as ``commit`` holds it, read from git itself (not from a memo)."""
        prefix, folder = _split_place(self.held[commit][0])
        return next((x for x in read_ledger(repo.source(commit, prefix), folder, []) if x.key == key), None)

    def _removed_in(self, key: str) -> str | None:
        """The last commit that dropped ``key`` from a ledger that held it."""
        found = None
        for c in self.graph.order:
            if key not in self.entries(c) and any(
                    key in self.entries(p) for p in self.graph.parents[c]):
                found = c
        return found

    def check(self, repo: Repository, policy_id: str, ledger: list[Release], withdrawals: list[Withdrawal],
              ledger_path: str) -> list[Finding]:
        """A finding for each entry that any two commits record differently, and for each
        committed entry that the ledger now (the work tree) holds differently or no longer
        holds; each names the version and both commits."""
        now = {r.key: r for r in ledger}
        withdrawn = {w.key for w in withdrawals}
        problems = []
        for w in withdrawals:
            first = self.records.get(WITHDRAWN + w.key)
            if first:
                commit = min(first.values(), key=self._index.__getitem__)
                when = self._date(commit)
                where = f"in commit {commit[:10]} ({when})"
            else:
                when, where = date.today(), "in the work tree (not committed)"
            if when >= w.effective:
                problems.append(Finding(
                    ledger_path, w.line or None,
                    f"version {w.key} was withdrawn {where}, when it was already in force",
                    hint="a version in force is never withdrawn: restore its entry, and release the correction "
                         "as a new version"))
        for key, recs in self.records.items():
            if key.startswith(WITHDRAWN):
                continue
            ordered = sorted(recs.items(), key=lambda rc: self._index[rc[1]])
            record, commit = ordered[0]
            if len(ordered) > 1:
                other = ordered[1][1]
                a, b = self._original(repo, commit, key), self._original(repo, other, key)
                what = ", ".join(_changed_fields(a, b)) if a and b else "entry"
                how = (f"its {what} changed in commit {other[:10]}" if commit in self.graph.ancestors(other)
                       else f"differently in commit {other[:10]} (its {what}), on another line of history")
                problems.append(Finding(
                    ledger_path, now[key].line or None if key in now else None,
                    f"version {key} was recorded in commit {commit[:10]} and {how}",
                    hint="a released entry never changes, on any branch: restore it as first recorded, and "
                         "release the correction as a new version"))
                continue
            r = now.get(key)
            if r is None and key in withdrawn:
                continue
            if r is not None and r.record == record:
                continue
            original = self._original(repo, commit, key)
            if original is None or (r is not None and r.record == original.record):
                continue
            if r is None:
                where = self._removed_in(key)
                by = f"removed in commit {where[:10]}" if where else "removed in the work tree (not committed)"
                problems.append(Finding(
                    ledger_path, None, f"version {key} was recorded in commit {commit[:10]} and {by}",
                    hint="released entries are never removed: restore it; a release not yet in force can be "
                         f"withdrawn with 'policygen release --policy {policy_id} --withdraw {key} --justification TEXT'"))
                continue
            what = ", ".join(_changed_fields(original, r))
            problems.append(Finding(
                ledger_path, r.line or None,
                f"version {key} was recorded in commit {commit[:10]} and its {what} changed in the work tree "
                "(not committed)",
                hint="a released entry never changes: restore it as recorded, and release the correction "
                     "as a new version"))
        return problems


def _entry_problems(ledger: list[Release], ledger_path: str) -> list[Finding]:
    """Entries no ``policygen release`` writes: a level below the level it recorded as
    computed without a recorded reason, and a backfill (past history) dated in the future."""
    problems = []
    today = date.today()
    for r in ledger:
        if r.computed_level and level_rank(r.level) < level_rank(r.computed_level) and not r.justification:
            problems.append(Finding(
                ledger_path, r.line or None,
                f"version {r.key} is recorded as {r.level}, below its computed level {r.computed_level}, "
                "without a justification",
                hint="a level is lowered only with a recorded reason: withdraw this release if it is not in force "
                     "yet, and release again with --level and --justification"))
        if r.backfill and r.effective > today:
            problems.append(Finding(
                ledger_path, r.line or None,
                f"version {r.key} is marked as backfilled (past history), but it takes effect after today "
                f"({today.isoformat()})",
                hint="a future version is announced, not backfilled: remove 'backfill: true' and release it "
                     "with its notice period"))
    return problems


def _changed_fields(a: Release, b: Release) -> list[str]:
    names = {"level": "level", "computed_level": "computed level", "justification": "justification",
             "backfill": "backfill flag", "hashes": "content hash", "stale": "stale translations",
             "lagging": "lagging translations"}
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
