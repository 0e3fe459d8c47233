"""Resolve the release ledger against git: which text each version has, and which
version is current or upcoming on a given date.

A release is found by the first commit whose releases.yml holds its entry and whose
text matches the content hash recorded at release time. No such commit means the
released text or the history was changed after publication: the build stops.
"""

from __future__ import annotations

from datetime import date

from .errors import Finding, PolicyError
from .fragments import decode, load_policy, parse_releases
from .history import Repository
from .model import PolicyText, Release, Version


def read_ledger(src, policy_id: str, findings: list[Finding]) -> list[Release]:
    path = f"{policy_id}/releases.yml"
    data = src.read(path)
    if data is None:
        return []
    text = decode(data, path, findings)
    return parse_releases(text, path, findings) if text is not None else []


def _ledger_keys(src, policy_id: str, before: tuple | None) -> tuple[set, tuple | None]:
    """The keys of the releases a commit's ledger holds, and what the next call needs.

    A ledger mostly differs from the one before it by entries appended to its list: then only
    those are parsed (parsing each whole ledger would be quadratic in the number of releases).
    Anything else is parsed whole."""
    path = f"{policy_id}/releases.yml"
    data = src.read(path)
    text = None if data is None else decode(data, path, [])
    if text is None:
        return set(), None
    if before is not None and text.startswith(before[0]) and _appends_entries(before[0], text[len(before[0]):]):
        findings: list[Finding] = []
        added = parse_releases("releases:\n" + text[len(before[0]):], path, findings)
        if not findings:
            keys = before[1] | {r.key for r in added}
            return keys, (text, keys)
    keys = {r.key for r in parse_releases(text, path, [])}
    return keys, (text, keys)


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
    """Every release of one policy with its text, oldest first; raises on tampering.
    ``memo`` (a ``historycache.CommitMemo``) holds what earlier builds read at each commit."""
    findings: list[Finding] = []
    ledger_bytes = worktree.read(f"{policy_id}/releases.yml")
    ledger = read_ledger(worktree, policy_id, findings)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PolicyError("the release ledger is invalid", findings=errors)
    if not ledger:
        return []
    memo_key = None
    if repo is not None and repo.available:
        repo.require_full_history()
        # The result is a function of the commit checked out, the ledger in the work tree and
        # where the sources are: a rebuild (``policygen serve``) that changed neither reuses it.
        memo_key = (repo.repo.git_dir, repo.src_abs, repo.repo.head.commit.hexsha, policy_id, ledger_bytes,
                    display_root)
        got = _RESOLVED.get((repo.src_abs, policy_id))
        if got is not None and got[0] == memo_key:
            return list(got[1])
    candidates: dict[str, list[str]] = {}
    if repo is not None and repo.available:
        touched = [(commit, path.rsplit("/", 1)[0] if "/" in path else policy_id)  # the folder's name then
                   for commit, path in repo.commits_touching(f"{policy_id}/releases.yml")]
        places = {(commit, folder): (commit, repo.prefix, folder) for commit, folder in touched}
        known = {cf: memo.ledger_keys(place) for cf, place in places.items()} if memo is not None else {}
        # Every version's text is read from these commits: read their folders from git in one go.
        repo.prefetch([cf for cf in touched if known.get(cf) is None])
        before = None
        for commit, folder in touched:
            keys = known.get((commit, folder))
            if keys is None:
                keys, before = _ledger_keys(repo.source(commit), folder, before)
                if memo is not None:
                    memo.set_ledger_keys(places[(commit, folder)], keys)
            else:
                before = None  # the next ledger not in the memo is parsed whole
            for key in sorted(keys):
                candidates.setdefault(key, []).append((commit, folder))
    versions = []
    ledger_path = f"{display_root}/{policy_id}/releases.yml"
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
        if found is None and not candidates.get(r.key):
            # Recorded but not committed yet: the work tree must hold exactly that text.
            texts = _texts_at(worktree, policy_id)
            if _matches(r, texts):
                found = Version(release=r, commit=None, texts={lg: texts[lg] for lg in r.hashes})
            else:
                raise PolicyError(
                    f"version {r.key} of {policy_id!r} is recorded but its text is not committed, "
                    "and the work tree no longer matches it", path=ledger_path, line=r.line or None,
                    hint="commit the release together with the text it records, or run 'policygen release' again")
        if found is None:
            raise PolicyError(
                f"version {r.key} of {policy_id!r} no longer matches the text recorded when it was released "
                f"(content hash {next(iter(r.hashes.values()), '?')[:12]}): the released text or the git history "
                "was changed after publication", path=ledger_path, line=r.line or None,
                hint="published versions are frozen; restore the original history, and release corrections as a new version")
        versions.append(found)
    if memo_key is not None and all(v.commit is not None for v in versions):
        _RESOLVED[(repo.src_abs, policy_id)] = (memo_key, tuple(versions))
    return versions


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
