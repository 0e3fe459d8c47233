"""Replacing a folder atomically: build the new one beside it, then swap.

Temporary folders are named with the process id of the run that made them, so a later run
can tell a killed run's leftovers (the process is gone) from a build going on beside it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
import time

RENAME_EXCHANGE = 2
AT_FDCWD = -100
STALE_AFTER = 86400  # a leftover whose process id was taken again by another process


def exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the
    system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def temp_dir(parent: str, prefix: str) -> str:
    """A new folder ``<prefix><pid>-<random>`` in ``parent``."""
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)


def replace_dir(new: str, target: str) -> None:
    """Put folder ``new`` at ``target``: one exchange where the system has it (readers see the
    old folder or the new one, never none), else two renames. The old folder is removed."""
    if os.path.exists(target) and exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # now the old one
        return
    old = None
    if os.path.exists(target):
        old = temp_dir(os.path.dirname(target), ".site-old-")
        os.rmdir(old)
        os.replace(target, old)
    os.replace(new, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(parent: str, prefixes: tuple[str, ...], keep: str | None = None, now: float | None = None) -> int:
    """Remove folders named ``<prefix><pid>-...`` in ``parent`` that a killed run left: their
    process is gone (or they are older than a day). ``keep`` (a path in use, such as the
    folder a web root's link points to) stays. Returns how many went."""
    now = time.time() if now is None else now
    removed = 0
    try:
        names = os.listdir(parent)
    except OSError:
        return 0
    for name in names:
        prefix = next((p for p in prefixes if name.startswith(p)), None)
        if prefix is None:
            continue
        path = os.path.join(parent, name)
        if keep and os.path.realpath(path) == os.path.realpath(keep):
            continue
        pid = name[len(prefix):].split("-", 1)[0]
        try:
            old = now - os.lstat(path).st_mtime > STALE_AFTER
        except OSError:
            continue
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)) and not old:
            continue
        if not pid.isdigit() and not old:
            continue  # not named by this scheme (an older policygen's): only once it is old
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.remove(path)
            except OSError:
                continue
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
