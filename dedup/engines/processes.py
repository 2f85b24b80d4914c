"""Spread per-item work over processes, results in input order (so output never
depends on the number of workers).

Workers are forked after the caller has set up the data they read, so documents are
shared copy-on-write instead of being pickled to every worker; only the items (usually
index ranges) and the results cross process boundaries. Where fork is unavailable the
work runs in this process.
"""

from __future__ import annotations

import _thread
import atexit
import multiprocessing as mp
import multiprocessing.pool
import os
import signal
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any

from ..errors import EngineError, ResourceError, exhausted
from .forking import STOPS, forked, quiet_worker

WINDOW = 4  # tasks in flight per worker

_STATE: Any = None
_FUNC: Callable | None = None


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


JOBS_PER_CORE = 4  # the work is CPU-bound: more workers than this per core only cost memory


def max_jobs() -> int:
    """The most worker processes started: :data:`JOBS_PER_CORE` per core this process may use."""
    return JOBS_PER_CORE * default_jobs()


def usable_jobs(jobs: int | None) -> int:
    """The workers ``jobs`` asks for: None all cores, at least 1, at most :func:`max_jobs`
    (``--jobs 1000`` on two cores forked a thousand copies of the run's memory)."""
    return default_jobs() if jobs is None else min(max(1, jobs), max_jobs())


STOP_WAIT = 2.0  # seconds a stopping pool is waited for; its workers are killed at once
POLL = 0.5  # seconds between looks at the workers while a result is awaited


def _result(pending, workers: list, pool: "_Pool"):
    """``pending.get()``, watching ``workers`` (the pool's first) meanwhile: a worker that
    ends before the pool is stopped was killed (the out-of-memory killer, a signal), and
    the task it held would never finish; ``multiprocessing.Pool`` starts another worker
    and waits on for ever (a 10k run here hung after a ``kill -9`` of one worker; a bulk
    index load, whose worker died reading a task, left half of it in the pipe the workers
    share and hung on its next batch). Raises :class:`~dedup.errors.EngineError` instead,
    for every result asked for after the death. (The first workers suffice: a pool gets
    others only after one of them died.)

    ``pool``'s result thread is watched too: a result it could not read (out of memory
    while unpickling it, at a ``ulimit -v``) ended that thread with a traceback on
    stderr, and every result was then awaited for ever. That is a
    :class:`~dedup.errors.ResourceError` (out of memory) or an
    :class:`~dedup.errors.EngineError`."""
    while True:
        if pool.unread:
            exc = pool.unread[0]
            why = exhausted(exc)
            if why:
                raise ResourceError(f"cannot read a worker process's result: {why}")
            raise EngineError(f"cannot read a worker process's result ({type(exc).__name__}: {exc}): the run is stopped")
        for w in workers:
            if w.exitcode is not None:
                how = f"killed by signal {-w.exitcode}" if w.exitcode < 0 else f"exit code {w.exitcode}"
                raise EngineError(f"a worker process died ({how}; out of memory?): the run is stopped")
        try:
            return pending.get(POLL)
        except mp.TimeoutError:
            continue


class _Pool(multiprocessing.pool.Pool):
    """A pool whose failed start leaves no worker behind and never waits on one, and
    whose result thread ends quietly, saying why in ``unread``, when a result cannot be
    read (:func:`_result`)."""

    def _setup_queues(self):
        super()._setup_queues()
        self.unread: list[BaseException] = []
        get, unread = self._quick_get, self.unread

        def quick_get():
            try:
                return get()
            except (OSError, EOFError):  # the pool's own end: the thread ends as it would
                raise
            except Exception as exc:  # e.g. MemoryError unpickling a result
                unread.append(exc)
                raise EOFError from exc  # the thread ends without a traceback

        self._quick_get = quick_get

    def __init__(self, *args, **kwargs):
        try:
            super().__init__(*args, **kwargs)
        except BaseException:  # e.g. a thread start, after the forks: Pool would leave the workers running
            _abandon(self)
            raise

    def _repopulate_pool(self):
        try:
            return super()._repopulate_pool()
        except BaseException:
            # Pool.__init__ then SIGTERMs the workers started and joins them without a
            # timeout: a SIGKILL first, so that no worker can make that join wait.
            _kill(self._pool)
            raise


_LIVE: "weakref.WeakSet[_Pool]" = weakref.WeakSet()  # every pool started, until collected


def _stop_live() -> None:
    """At exit, every pool not stopped yet, stopped as :func:`_stop` does (bounded).

    A run stopped by a signal can leave a pool behind: a ``run()`` generator suspended at a
    result when the stop was raised in its caller is not closed before the interpreter
    exits. multiprocessing's own exit handler then terminates the pool without a timeout,
    and its first step takes the task pipe's lock, held for ever by a worker killed while
    it waited for a task (a ``kill`` of the process group: the SIGHUP of a closed terminal
    hung 3 runs in 40 here, under load). Registered after multiprocessing's handler, so
    it runs first (atexit runs handlers last registered first)."""
    for pool in list(_LIVE):
        finalizer = getattr(pool, "_terminate", None)
        if finalizer is not None and finalizer.still_active():
            _stop(pool)


atexit.register(_stop_live)


def _start(processes: int, initializer, initargs) -> _Pool:
    """A pool of ``processes`` workers forked now (:func:`~dedup.engines.forking.forked`); a pool that cannot
    be started (no file descriptors, memory, processes or threads to spare) is a
    :class:`~dedup.errors.ResourceError`, with nothing of it left running.

    SIGINT, SIGTERM and SIGHUP are blocked meanwhile, and stay blocked in a new worker until its
    initializer has reset their handlers (:func:`~dedup.engines.forking.quiet_worker`): a worker forked with
    this process's handlers (the CLI's raise KeyboardInterrupt) lost a SIGTERM in a
    finalizer, then waited for tasks for ever while the failed Pool joined it."""
    ctx = mp.get_context("fork")
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    pool = None
    try:
        pool = forked(lambda: _Pool(processes, initializer, initargs, context=ctx))
        _LIVE.add(pool)
    except (OSError, RuntimeError, MemoryError) as exc:
        raise ResourceError(f"cannot start the worker processes: {exhausted(exc) or exc}") from exc
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a stop that came meanwhile is raised here
        except BaseException:
            if pool is not None:
                _stop(pool)
            raise
    return pool


def _kill(workers: list) -> None:
    for w in workers:
        if w.exitcode is None:
            w.kill()
    for w in workers:
        w.join(STOP_WAIT)


def _abandon(pool) -> None:
    """Stop ``pool`` without its terminate(): no worker is forked to replace the ones
    killed, every one is killed, and terminate() is not left to run at exit either."""
    finalizer = getattr(pool, "_terminate", None)
    if finalizer is not None:
        finalizer.cancel()  # it could hang the interpreter's exit as it could hang _stop
    handler = getattr(pool, "_worker_handler", None)
    if handler is not None and handler.ident is not None:  # it runs: it would replace the killed workers
        handler._state = multiprocessing.pool.TERMINATE
        try:
            pool._change_notifier.put(None)  # wakes it to see that
        except (OSError, ValueError):
            pass
        handler.join(STOP_WAIT)
    _kill(list(pool._pool))


def _stop(pool) -> None:
    """``pool.terminate()``, waited for at most :data:`STOP_WAIT` seconds; then any worker
    still alive is killed.

    A worker killed while it was sending a large result leaves half a message in the
    result pipe; the pool's result thread then waits for the rest for ever, and
    ``terminate()``, which joins that thread, never returns (CPython gh-78178; about one
    SIGTERM in 75 hung a 4,000-article run here). A worker killed while it waited for a
    task holds the task pipe's lock for ever, and ``terminate()`` waits for that lock
    before it stops the workers (a test hung there). Either way the stuck thread is left
    behind instead of hanging the run, and no worker outlives it.

    A bare thread (``_thread``): ``Thread.start()`` waits, without a timeout, for the new
    thread to report that it runs, and at a memory limit a run waited there for ever.
    No thread to spare at all (out of memory, ``ulimit -u``): the workers are killed."""
    done = _thread.allocate_lock()
    done.acquire()

    def stop():
        try:
            pool.terminate()
        finally:
            done.release()

    if getattr(pool, "unread", None):  # its result thread is gone: terminate() would fail an assertion
        _abandon(pool)
        return
    try:
        _thread.start_new_thread(stop, ())
    except (RuntimeError, MemoryError):
        _abandon(pool)
        return
    if not done.acquire(timeout=STOP_WAIT):
        _abandon(pool)


def _call(item):
    return _FUNC(_STATE, item)


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges covering ``range(n)``."""
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def run(func: Callable[[Any, Any], Any], state: Any, items: Iterable, jobs: int) -> Iterator:
    """``func(state, item)`` for every item, in order, on ``jobs`` processes.

    ``items`` may be a stream (a generator): it is read only as far as the window of
    tasks in flight needs, so a stream larger than memory stays streamed."""
    global _STATE, _FUNC
    rest = iter(items)
    # no more workers than items (a stream is read that far ahead: the window of tasks
    # in flight reads further); one item alone is not worth a pool
    first = list(islice(rest, max(2, jobs)))
    workers = min(jobs, len(first))
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for item in chain(first, rest):
            yield func(state, item)
        return
    _STATE, _FUNC = state, func
    try:
        pool = _start(workers, quiet_worker, (os.getpid(),))
        try:
            # A bounded window of tasks in flight: results the caller has not taken yet
            # wait in this process's memory, so a slow consumer must slow the workers.
            rest = chain(first, rest)
            started = list(pool._pool)  # the workers forked now (Pool replaces a dead one in _pool)
            flight = deque(pool.apply_async(_call, (item,)) for item in islice(rest, WINDOW * workers))
            while flight:
                result = _result(flight.popleft(), started, pool)
                for item in islice(rest, 1):
                    flight.append(pool.apply_async(_call, (item,)))
                yield result
        except BaseException:  # stopped, or the caller failed: tasks may be in flight
            _stop(pool)
            raise
        _stop(pool)  # every result taken: the workers are idle (or one died: see _stop)
    finally:
        _STATE, _FUNC = None, None


def _init_kept(state, func, parent: int) -> None:
    global _STATE, _FUNC
    quiet_worker(parent)
    _STATE, _FUNC = state, func


class _Watched:
    """A pool's pending result whose ``get()`` notices a killed worker (:func:`_result`)."""

    def __init__(self, pending, workers: list, pool: _Pool):
        self._pending, self._workers, self._pool = pending, workers, pool

    def get(self):
        return _result(self._pending, self._workers, self._pool)


class _Done:
    def __init__(self, value):
        self._value = value

    def get(self):
        return self._value


class Workers:
    """Processes kept across many calls of one ``func(state, item)``, for work that
    arrives in batches (forking per batch would cost more than pickling the items and
    results, which this does). ``submit`` returns a handle whose ``get()`` gives the
    results in order; without fork or with one job the work runs in this process."""

    def __init__(self, func: Callable[[Any, Any], Any], state: Any, jobs: int):
        self._func, self._state, self._jobs = func, state, jobs
        self._pool = None
        self._started: list = []

    def submit(self, items: Sequence):
        if self._pool is None:
            # Started at the first call with more than one item: small loads stay in-process.
            if len(items) <= 1 or self._jobs <= 1 or "fork" not in mp.get_all_start_methods():
                return _Done([self._func(self._state, item) for item in items])
            # no more workers than the first batch's items (a caller's batches are of one size)
            self._pool = _start(min(self._jobs, len(items)), _init_kept, (self._state, self._func, os.getpid()))
            # The first workers: a death among them breaks the pool for every later batch
            # too (a worker killed while it read a task leaves half of it in the shared pipe).
            self._started = list(self._pool._pool)
        return _Watched(self._pool.map_async(_call, items, chunksize=1), self._started, self._pool)

    def close(self) -> None:
        """Stop the workers, tasks in flight or not (:func:`_stop`)."""
        if self._pool is not None:
            _stop(self._pool)
            self._pool = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
