"""One error type for everything a user can get wrong.

Every user-facing failure carries where it happened (file and line, when there is
one), what is wrong, and a hint on what to do; the CLI prints it as
``path:line: message`` and exits with status 2, never with a traceback.
"""

from __future__ import annotations

import errno
import os
import sysconfig
import traceback
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """A problem in the sources: an error blocks a build, a warning does not."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"
    hint: str = ""

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class PolicyError(Exception):
    """A user error: bad input, bad arguments, a repository in the wrong state."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 hint: str = "", findings: list[Finding] | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        self.findings = findings or []

    def format(self) -> str:
        parts = [f.format() for f in self.findings]
        if self.path or not self.findings:
            where = ""
            if self.path:
                where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
            head = f"{where}error: {self.message}"
            if self.hint:
                head += f"\n  hint: {self.hint}"
            parts.append(head)
        elif self.message and self.message not in parts:
            parts.append(f"error: {self.message}")
        return "\n".join(parts)


class ReportedError(PolicyError):
    """An error already formatted where it happened (e.g. relayed from inside MkDocs)."""

    def format(self) -> str:
        return self.message


class GitError(PolicyError):
    """A git operation failed; carries git's own message."""


_OS_HINTS = {
    errno.ENOSPC: "free some disk space, then run the command again",
    errno.EDQUOT: "free some space within your disk quota, then run the command again",
    errno.EROFS: "the file system is mounted read-only: run policygen in a writable clone",
    errno.EACCES: "check that you may write the file and its folder (ls -l), then run the command again",
    errno.EPERM: "check the permissions and attributes of the file and its folder (ls -l, lsattr), "
                 "then run the command again",
}


def os_error(exc: OSError, path: str | None = None, doing: str = "", outcome: str = "") -> PolicyError:
    """A clear error for a file the system refused (a full disk, a read-only project, no
    permission): the file, the system's reason, what it left (``outcome``, e.g. 'nothing was
    recorded') and what to do."""
    reason = exc.strerror or str(exc)
    message = f"{doing} ({reason})" if doing else reason
    hint = _OS_HINTS.get(exc.errno, "check that the folder exists and is writable, then run the command again")
    return PolicyError(message + (f"; {outcome}" if outcome else ""), path=path or exc.filename, hint=hint)


def exception_origin(exc: BaseException) -> tuple[str | None, int | None]:
    """The file and line where an exception was raised: the innermost frame in the user's own
    files (a hook, a template), not in a library; relative to the working directory if inside it."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None, None
    libs = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    own = [f for f in frames if not f.filename.startswith("<")
           and not any(f.filename.startswith(lib + os.sep) for lib in libs)]
    frame = (own or frames)[-1]
    path = frame.filename
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return (rel if not rel.startswith("..") else path), frame.lineno
