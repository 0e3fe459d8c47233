"""File-system access to the work tree (the draft), behind the same Source interface as git."""

from __future__ import annotations

import os


class DirSource:
    """Reads a directory tree; paths are '/'-separated and relative to ``base``."""

    def __init__(self, base: str):
        self.base = os.path.abspath(base)

    def _abs(self, relpath: str) -> str:
        return os.path.join(self.base, *[p for p in relpath.split("/") if p])

    def read(self, relpath: str) -> bytes | None:
        try:
            with open(self._abs(relpath), "rb") as fh:
                return fh.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def is_link(self, relpath: str) -> bool:
        return os.path.islink(self._abs(relpath))

    def listdir(self, relpath: str) -> list[str]:
        try:
            return sorted(os.listdir(self._abs(relpath)))
        except (FileNotFoundError, NotADirectoryError):
            return []


def write_atomic(path: str, text: str | bytes) -> None:
    """Write a file (text as UTF-8 with LF, or bytes) so a crash never leaves it half-written."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with (open(tmp, "wb") if isinstance(text, bytes) else open(tmp, "w", encoding="utf-8", newline="\n")) as fh:
        fh.write(text)
    os.replace(tmp, path)
