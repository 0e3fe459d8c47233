"""The only module that talks to git (GitPython).

It answers three questions: which commit recorded each release, what a policy folder
held at a commit (as a ``Source`` the pure parsers read), and whether the clone has
the full history. Every git failure becomes a ``GitError`` carrying git's message.
"""

from __future__ import annotations

import os

import git

from .errors import GitError, PolicyError

SHALLOW_HINT = ("run 'git fetch --unshallow' (or, in CI, check out with full history: "
                "actions/checkout 'fetch-depth: 0')")


class Repository:
    """A git repository and the path of the policy sources inside it."""

    def __init__(self, src_dir: str):
        self.src_abs = os.path.abspath(src_dir)
        try:
            self.repo = git.Repo(self.src_abs, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            self.repo = None
        self._blobs: dict[str, bytes] = {}
        self._trees: dict[tuple[str, str], list[str]] = {}

    @property
    def available(self) -> bool:
        return self.repo is not None and self._has_head()

    def _has_head(self) -> bool:
        try:
            self.repo.head.commit
            return True
        except (ValueError, git.BadName):
            return False

    @property
    def prefix(self) -> str:
        """Path of the sources relative to the repository root, '/'-separated."""
        rel = os.path.relpath(self.src_abs, self.repo.working_tree_dir)
        return "" if rel == "." else rel.replace(os.sep, "/")

    def require_full_history(self) -> None:
        if self.repo is None:
            return
        try:
            shallow = self.repo.git.rev_parse("--is-shallow-repository").strip() == "true"
        except git.GitCommandError as exc:
            raise GitError(f"git failed: {exc.stderr.strip()}") from None
        if shallow:
            raise GitError("this is a shallow clone: published versions are read from the full git history",
                           hint=SHALLOW_HINT)

    def commits_touching(self, relpath: str) -> list[tuple[str, str]]:
        """(commit, path at that commit relative to the sources), oldest first, for each
        commit that changed ``relpath``; follows renames, so a renamed policy folder keeps
        its history."""
        path = f"{self.prefix}/{relpath}" if self.prefix else relpath
        try:
            out = self.repo.git.log("--format=%x00%H", "--name-only", "--follow", "--", path)
        except git.GitCommandError as exc:
            raise GitError(f"git log failed: {exc.stderr.strip()}") from None
        found = []
        for chunk in out.split("\x00")[1:]:
            lines = [ln for ln in chunk.splitlines() if ln.strip()]
            if not lines:
                continue
            at = lines[1] if len(lines) > 1 else path
            if self.prefix and at.startswith(self.prefix + "/"):
                at = at[len(self.prefix) + 1:]
            found.append((lines[0], at))
        found.reverse()
        return found

    def resolve(self, rev: str) -> str:
        try:
            return self.repo.commit(rev).hexsha
        except (git.BadName, ValueError, git.GitCommandError):
            raise PolicyError(f"unknown version or git revision {rev!r}",
                              hint="use a date YYYY-MM-DD, 'current', 'latest', 'draft' or a git revision") from None

    def source(self, commit: str) -> "CommitSource":
        return CommitSource(self, commit)

    def commit_date(self, commit: str):
        return self.repo.commit(commit).committed_datetime

    def _blob(self, binsha: bytes, hexsha: str) -> bytes:
        data = self._blobs.get(hexsha)
        if data is None:
            data = self.repo.odb.stream(binsha).read()
            self._blobs[hexsha] = data
        return data


class CommitSource:
    """The policy sources as committed at one commit; blobs are read once per repository."""

    def __init__(self, repository: Repository, commit: str):
        self.r = repository
        self.commit = commit
        self.tree = repository.repo.commit(commit).tree

    def _full(self, relpath: str) -> str:
        p = "/".join(x for x in relpath.split("/") if x)
        return f"{self.r.prefix}/{p}" if self.r.prefix and p else (p or self.r.prefix)

    def _obj(self, relpath: str):
        full = self._full(relpath)
        if not full:
            return self.tree
        try:
            return self.tree / full
        except KeyError:
            return None

    def read(self, relpath: str) -> bytes | None:
        obj = self._obj(relpath)
        if obj is None or obj.type != "blob":
            return None
        return self.r._blob(obj.binsha, obj.hexsha)

    def listdir(self, relpath: str) -> list[str]:
        obj = self._obj(relpath)
        if obj is None or obj.type != "tree":
            return []
        key = (obj.hexsha, "")
        names = self.r._trees.get(key)
        if names is None:
            names = sorted(item.name for item in obj)
            self.r._trees[key] = names
        return names
