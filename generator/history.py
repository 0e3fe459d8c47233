"""The only module that talks to git (GitPython).

It answers three questions: which commit recorded each release, what a policy folder
held at a commit (as a ``Source`` the pure parsers read), and whether the clone has
the full history. Every git failure becomes a ``GitError`` carrying git's message.
"""

from __future__ import annotations

import os
import subprocess

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
            # Released text is what the commits hold: `git replace` refs (which a clone may
            # carry, or anyone with the repository may add) must not substitute other objects.
            self.repo.git.update_environment(GIT_NO_REPLACE_OBJECTS="1")
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            self.repo = None
        self._blobs: dict[str, bytes] = {}  # hexsha -> content
        self._trees: dict[str, dict] = {}  # hexsha -> {name: (type, hexsha)}
        self._roots: dict[tuple, tuple[str, str] | None] = {}  # (commit, prefix) -> the sources folder at it

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

    def graph(self) -> "Graph":
        """Every commit reachable from HEAD with its parents, parents before children."""
        try:
            out = self._git().log("--topo-order", "--reverse", "--format=%H %ct %P", "HEAD")
        except git.GitCommandError as exc:
            raise GitError(f"git log failed: {exc.stderr.strip()}") from None
        order, parents, times = [], {}, {}
        for line in out.splitlines():
            commit, when, *ps = line.split()
            order.append(commit)
            parents[commit] = ps
            times[commit] = int(when)
        return Graph(order, parents, times)

    def file_history(self, relpath: str, graph: "Graph") -> dict[str, tuple[str, str]]:
        """{commit: (path from the repository root, blob)} of the file ``relpath`` (relative to
        the sources) at every commit of ``graph`` that holds it. Renames are followed back
        (``git diff-tree -M`` where the file appears): the file keeps its history when its
        folder or the sources folder is renamed. Every side of every merge is read: no history
        simplification, no ``--follow`` (which walks one line of history)."""
        full = f"{self.prefix}/{relpath}" if self.prefix else relpath
        path_at = dict.fromkeys(graph.order, full)
        found: dict[str, tuple[str, str]] = {}
        looked: set = set()  # (parent, commit) pairs whose diff was read
        todo = list(graph.order)
        for _round in range(64):  # each round follows one more rename back
            for commit, got in zip(todo, self._check_batch([f"{c}:{path_at[c]}" for c in todo])):
                if got is not None and got[1] == "blob":
                    found[commit] = (path_at[commit], got[0])
            todo = []
            for commit in reversed(graph.order):
                if commit not in found:
                    continue
                path = found[commit][0]
                for parent in graph.parents[commit]:
                    if parent in found or path_at[parent] != path or (parent, commit) in looked:
                        continue
                    looked.add((parent, commit))
                    old = self._renamed_from(parent, commit, path)
                    if old is not None:
                        for above in graph.ancestors(parent):
                            if above not in found and path_at[above] == path:
                                path_at[above] = old
                                todo.append(above)
            if not todo:
                break
        return found

    def _renamed_from(self, parent: str, commit: str, path: str) -> str | None:
        try:
            out = self._git().diff_tree("-M", "-r", "--name-status", "-z", parent, commit)
        except git.GitCommandError as exc:
            raise GitError(f"git diff-tree failed: {exc.stderr.strip()}") from None
        fields = out.split("\x00")
        i = 0
        while i < len(fields):
            status = fields[i]
            if status.startswith(("R", "C")) and i + 2 < len(fields):
                if fields[i + 2] == path and status.startswith("R"):
                    return fields[i + 1]
                i += 3
            else:
                i += 2
        return None

    def _git(self):
        return self.repo.git(c="core.quotePath=false")

    def resolve(self, rev: str) -> str:
        try:
            return self.repo.commit(rev).hexsha
        except (git.BadName, ValueError, git.GitCommandError):
            raise PolicyError(f"unknown version or git revision {rev!r}",
                              hint="use a date YYYY-MM-DD, 'current', 'latest', 'draft' or a git revision") from None

    def source(self, commit: str, prefix: str | None = None) -> "CommitSource":
        """The sources as committed at ``commit``; ``prefix``: where they were then, if not
        where they are now (a renamed sources folder)."""
        return CommitSource(self, commit, self.prefix if prefix is None else prefix)

    # --- object store ------------------------------------------------------------------
    # Trees and blobs are immutable and named by their hash: each is read from git once per
    # Repository, however many commits share it. ``prefetch`` reads whole folders at many
    # commits with a few ``git cat-file --batch`` calls (one per tree level), instead of one
    # round trip per object; anything not prefetched is read on demand.

    def _cat_batch(self, specs: list[str]) -> list[tuple[str, str, bytes] | None]:
        """(hexsha, type, data) for each object name, None where git has no such object."""
        if not specs:
            return []
        try:
            proc = subprocess.run([self.repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git", "--no-replace-objects",
                                   f"--git-dir={self.repo.git_dir}", "cat-file", "--batch"], input=("\n".join(specs) + "\n").encode("utf-8"),
                                  capture_output=True, check=False)
        except OSError as exc:
            raise GitError(f"git cat-file failed: {exc}") from None
        if proc.returncode != 0:
            raise GitError(f"git cat-file failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
        out, pos, found = proc.stdout, 0, []
        for _spec in specs:
            eol = out.index(b"\n", pos)
            header = out[pos:eol].split(b" ")
            pos = eol + 1
            if len(header) != 3 or not header[2].isdigit():  # "<name> missing" / "ambiguous"
                found.append(None)
                continue
            size = int(header[2])
            found.append((header[0].decode("ascii"), header[1].decode("ascii"), out[pos:pos + size]))
            pos += size + 1
        return found

    def _check_batch(self, specs: list[str]) -> list[tuple[str, str] | None]:
        """(hexsha, type) for each object name, None where git has no such object."""
        if not specs:
            return []
        try:
            proc = subprocess.run([self.repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git", "--no-replace-objects",
                                   f"--git-dir={self.repo.git_dir}", "cat-file", "--batch-check"],
                                  input=("\n".join(specs) + "\n").encode("utf-8"), capture_output=True, check=False)
        except OSError as exc:
            raise GitError(f"git cat-file failed: {exc}") from None
        if proc.returncode != 0:
            raise GitError(f"git cat-file failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
        found = []
        for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines()[:len(specs)]:
            parts = line.split(" ")
            found.append((parts[0], parts[1]) if len(parts) == 3 and parts[2].isdigit() else None)
        return found

    def _store(self, hexsha: str, kind: str, data: bytes) -> None:
        if kind == "tree":
            self._trees[hexsha] = {name: (_KINDS.get(mode >> 12, "blob"), binsha.hex())
                                   for mode, name, binsha in _tree_entries(data)}
        elif kind == "blob":
            self._blobs[hexsha] = data

    def _fetch(self, shas) -> None:
        """Read the trees and blobs not read yet, in one batch."""
        todo = sorted({s for s in shas if s not in self._trees and s not in self._blobs})
        for got in self._cat_batch(todo):
            if got is not None:
                self._store(*got)

    def _root(self, commit: str, prefix: str | None = None) -> tuple[str, str] | None:
        """(type, hexsha) of the sources folder (``prefix``, default: where it is now) at
        ``commit``; None if it did not exist."""
        prefix = self.prefix if prefix is None else prefix
        if (commit, prefix) not in self._roots:
            try:
                tree = self.repo.commit(commit).tree
                obj = tree / prefix if prefix else tree
                self._roots[(commit, prefix)] = (obj.type, obj.hexsha)
            except KeyError:
                self._roots[(commit, prefix)] = None
        return self._roots[(commit, prefix)]

    def _tree(self, hexsha: str) -> dict:
        entries = self._trees.get(hexsha)
        if entries is None:
            self._store(hexsha, "tree", self.repo.odb.stream(bytes.fromhex(hexsha)).read())
            entries = self._trees[hexsha]
        return entries

    def _blob(self, hexsha: str) -> bytes:
        data = self._blobs.get(hexsha)
        if data is None:
            data = self.repo.odb.stream(bytes.fromhex(hexsha)).read()
            self._blobs[hexsha] = data
        return data

    def _lookup(self, commit: str, relpath: str, prefix: str | None = None) -> tuple[str, str] | None:
        """(type, hexsha) of ``relpath`` (relative to the sources, at ``prefix``) at ``commit``."""
        node = self._root(commit, prefix)
        for part in (x for x in relpath.split("/") if x):
            if node is None or node[0] != "tree":
                return None
            node = self._tree(node[1]).get(part)
        return node

    def prefetch(self, places, prefix: str | None = None) -> None:
        """Read everything under each (commit, relpath) (relative to the sources at ``prefix``)
        with a few batched git calls.

        Only a speed-up: ``CommitSource`` reads the same objects on demand without it.
        """
        places = list(places)
        prefix = self.prefix if prefix is None else prefix
        todo = list(dict.fromkeys(c for c, _ in places if (c, prefix) not in self._roots))
        if todo and "\n" not in prefix:
            suffix = f":{prefix}" if prefix else "^{tree}"
            for commit, got in zip(todo, self._cat_batch([c + suffix for c in todo])):
                self._roots[(commit, prefix)] = None if got is None else (got[1], got[0])
                if got is not None:
                    self._store(got[0], got[1], got[2])
        # Walk down to each folder, one batch per level.
        frontier = [(self._root(c, prefix), [x for x in rp.split("/") if x]) for c, rp in places]
        targets = set()
        while frontier:
            self._fetch(node[1] for node, _ in frontier if node is not None and node[0] == "tree")
            nxt = []
            for node, parts in frontier:
                if node is None:
                    continue
                if not parts:
                    targets.add(node)
                elif node[0] == "tree":
                    nxt.append((self._tree(node[1]).get(parts[0]), parts[1:]))
            frontier = nxt
        # Then everything below them, one batch per level.
        level = {sha for kind, sha in targets if kind == "tree"}
        blobs = {sha for kind, sha in targets if kind == "blob"}
        while level or blobs:
            self._fetch(level | blobs)
            blobs, below = set(), set()
            for sha in level:
                for kind, child in self._tree(sha).values():
                    if kind == "tree":
                        below.add(child)
                    elif kind == "blob":
                        blobs.add(child)
            level = below


_KINDS = {4: "tree", 8: "blob", 10: "link", 14: "commit"}  # tree entry mode >> 12; a link is never read as text


def _tree_entries(data: bytes):
    """(mode, name, binary sha) of each entry of a raw tree object: '<octal mode> <name>NUL<20
    bytes>' repeated. Read directly (GitPython's parser checks each name for checkouts, a
    third of reading the history); names that could climb out of a folder are skipped."""
    pos, end = 0, len(data)
    while pos < end:
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        name = data[space + 1:nul].decode("utf-8", "surrogateescape")
        if name not in (".", "..") and "/" not in name:
            yield int(data[pos:space], 8), name, data[nul + 1:nul + 21]
        pos = nul + 21


class CommitSource:
    """The policy sources as committed at one commit; objects are read once per repository."""

    def __init__(self, repository: Repository, commit: str, prefix: str):
        self.r = repository
        self.commit = commit
        self.prefix = prefix

    def read(self, relpath: str) -> bytes | None:
        node = self.r._lookup(self.commit, relpath, self.prefix)
        if node is None or node[0] != "blob":
            return None
        return self.r._blob(node[1])

    def is_link(self, relpath: str) -> bool:
        node = self.r._lookup(self.commit, relpath, self.prefix)
        return node is not None and node[0] == "link"

    def object_id(self, relpath: str) -> str | None:
        """The blob hash of a file at this commit (None if there is no such file)."""
        node = self.r._lookup(self.commit, relpath, self.prefix)
        return node[1] if node is not None and node[0] == "blob" else None

    def listdir(self, relpath: str) -> list[str]:
        node = self.r._lookup(self.commit, relpath, self.prefix)
        if node is None or node[0] != "tree":
            return []
        return sorted(self.r._tree(node[1]))


class Graph:
    """The commits reachable from HEAD: ``order`` (parents before children), each commit's
    ``parents`` and committer time (seconds)."""

    def __init__(self, order: list[str], parents: dict, times: dict):
        self.order = order
        self.parents = parents
        self.times = times
        self._trusted: dict | None = None

    def trusted_time(self, commit: str) -> int:
        """A commit's date for the ledger's purposes: the latest committer date among it and
        all its ancestors. Commit dates are free text; a commit back-dated on top of newer
        history still gets the newer date."""
        if self._trusted is None:
            trusted: dict = {}
            for c in self.order:
                trusted[c] = max([self.times[c], *(trusted[p] for p in self.parents[c] if p in trusted)])
            self._trusted = trusted
        return self._trusted[commit]

    def ancestors(self, commit: str) -> set[str]:
        """``commit`` and every commit before it."""
        seen, stack = set(), [commit]
        while stack:
            c = stack.pop()
            if c not in seen and c in self.parents:
                seen.add(c)
                stack.extend(self.parents[c])
        return seen
