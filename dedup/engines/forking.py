"""What a forked worker and its fork need: the worker's signals and its death with the
parent, and a parent whose heap is trimmed and objects frozen while it forks, so that
the workers share its pages copy-on-write (see :mod:`dedup.engines.processes`)."""

from __future__ import annotations

import gc
import os
import signal
from typing import Any


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with(parent: int) -> None:
    """Have the kernel kill this worker when the process that forked it dies (Linux).

    A parent killed outright (SIGKILL) cannot stop its pool; orphaned workers would
    run on and print tracebacks when their results have nowhere to go."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: workers end when the pool's pipe closes
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def quiet_worker(parent: int | None = None) -> None:
    """A worker's signals: the parent handles Ctrl-C and SIGTERM and stops the pool; a
    worker just ends (and dies with ``parent``, when given)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:  # ignored under nohup: stays so
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    # blocked since the fork (dedup.engines.processes._start): a SIGTERM then ends us now
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
    if parent is not None:
        die_with(parent)


_TRIM: Any = None  # glibc's malloc_trim once looked up; False where there is none


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Freed arrays leave free chunks that glibc keeps: at the last fork of a
    100k-article run 40% of this process's resident memory was free heap (574 MB
    resident, 342 MB after the trim). Forked workers would map those pages too, and the
    fork is where a run's memory peaks: this process's pages plus what its workers add."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL(None).malloc_trim
            _TRIM.argtypes, _TRIM.restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError, TypeError):  # not glibc
            _TRIM = False
    if _TRIM:
        _TRIM(0)


def forked(make):
    """``make()`` (a pool, its workers forked now) with this process's objects frozen
    meanwhile (:func:`gc.freeze`): the workers' collections then skip what they inherit
    and never write to those objects' pages, which stay shared instead of being copied
    into every worker page by page. The heap's free pages are handed back first
    (:func:`trim_heap`)."""
    trim_heap()
    gc.freeze()
    try:
        return make()
    finally:
        gc.unfreeze()
