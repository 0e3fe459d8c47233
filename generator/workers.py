"""Independent pieces of a build, run in forked worker processes.

Once the versions are read, the pages of a site are independent of each other: each worker
makes and writes its share. Workers are forked, so they inherit everything read so far
(nothing is pickled on the way in); where fork is missing (Windows) the caller runs the work
itself. A failure in a worker comes back with its type, message, origin and traceback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import signal
import traceback
from typing import Callable, Hashable, Sequence

from .errors import PolicyError, ReportedError, exception_origin


class WorkerFailure(Exception):
    """An exception raised in a worker process, as the parent sees it."""

    def __init__(self, kind: str, message: str, origin: tuple, trace: str):
        super().__init__(message)
        self.kind = kind
        self.origin = origin
        self.trace = trace


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def split(items: Sequence, jobs: int, group: Callable[[object], Hashable]) -> list[list]:
    """``jobs`` shares of about equal size. Items of one group stay in one share while there
    are at least as many groups as shares (a group's items share work, e.g. diffs)."""
    chunks: dict = {}
    for item in items:
        chunks.setdefault(group(item), []).append(item)
    parts = list(chunks.values())
    while len(parts) < jobs and max(len(p) for p in parts) > 1:
        big = max(range(len(parts)), key=lambda i: len(parts[i]))
        half = len(parts[big]) // 2
        parts[big:big + 1] = [parts[big][:half], parts[big][half:]]
    shares: list[list] = [[] for _ in range(min(jobs, len(parts)))]
    for part in sorted(parts, key=len, reverse=True):  # stable: equal sizes keep their order
        min(shares, key=len).extend(part)
    return [s for s in shares if s]


_TASK: tuple | None = None  # (function, shares, finish, logger) while workers run: forked children read it


class _Keep(logging.Handler):
    """Warnings logged in a worker, to be logged again in the parent (where the handlers
    that show or count them live)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record):
        self.records.append((record.name, record.levelno, record.getMessage()))


def _run_share(index: int):
    fn, shares, finish, logger = _TASK
    kept = _Keep()
    log = logging.getLogger(logger)
    log.addHandler(kept)
    log.propagate = False  # the parent's copies of the handlers would only print them twice
    for h in [h for h in log.handlers if h is not kept]:
        log.removeHandler(h)
    try:
        for item in shares[index]:
            fn(item)
        return ("done", finish() if finish else None, kept.records)
    except PolicyError as exc:
        return ("policy", exc.format(), kept.records)
    except Exception as exc:  # noqa: BLE001 - carried to the parent, which reports it
        return ("error", type(exc).__name__, str(exc), exception_origin(exc), traceback.format_exc(), kept.records)


class Running:
    """Workers started by ``start_forked``: ``wait()`` for their results, or ``stop()`` them."""

    def __init__(self, pool, pending):
        self._pool = pool
        self._pending = pending

    def wait(self) -> list:
        """What ``finish()`` returned in each worker; raises the first failure. Warnings the
        workers logged are logged again here."""
        global _TASK
        try:
            results = self._pending.get()
            self._pool.join()
        finally:
            self._pool.terminate()
            _TASK = None
        for result in results:
            for name, level, message in result[-1]:
                logging.getLogger(name).log(level, message)
        for result in results:
            if result[0] == "policy":
                raise ReportedError(result[1])
            if result[0] == "error":
                _, kind, message, origin, trace, _logged = result
                raise WorkerFailure(kind, message, origin, trace)
        return [result[1] for result in results]

    def stop(self) -> None:
        """The build failed elsewhere: end the workers before their output folder goes."""
        global _TASK
        self._pool.terminate()
        self._pool.join()
        _TASK = None


def _die_with_parent(parent: int) -> None:
    """A worker ends when the build that forked it is killed, instead of writing on into a
    folder nobody will use (Linux; elsewhere the pool's own shutdown is all there is)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1


def start_forked(fn: Callable[[object], None], shares: list[list], finish: Callable[[], object] | None = None,
                 logger: str = "") -> Running:
    """``fn(item)`` for every item, one forked process per share, while the caller goes on.
    ``finish()`` (picklable) is called in each worker once its share is done."""
    global _TASK
    if _TASK is not None:
        raise RuntimeError("workers are already running")
    _TASK = (fn, shares, finish, logger)  # read by the children, forked now (and by any re-forked one)
    # Objects made so far are left out of the children's garbage collections, which would
    # otherwise write to every one of them and so copy all of the parent's memory.
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(len(shares), initializer=_die_with_parent,
                                                        initargs=(os.getpid(),))
        pending = pool.map_async(_run_share, range(len(shares)), chunksize=1)
        pool.close()
    except BaseException:
        _TASK = None
        raise
    finally:
        gc.unfreeze()
    return Running(pool, pending)


def run_forked(fn: Callable[[object], None], shares: list[list], finish: Callable[[], object] | None = None,
               logger: str = "") -> list:
    """``start_forked(...).wait()``: the caller waits for the workers."""
    return start_forked(fn, shares, finish, logger).wait()
