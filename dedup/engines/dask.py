"""The Dask engine: the same stage functions on a dask.distributed cluster.

Without a client or a scheduler address it starts a LocalCluster of worker processes
on this machine. Each ``map`` sends the stage's state once (as a task holding it, so a
worker lost mid-run costs a recomputation, not the run) and one task per partition;
results come back in partition order. Workers read the run's workspace by path: on a
cluster of several machines, ``work_dir`` must be a directory they all see. ``on_task``
follows the tasks themselves: it is called from Dask's task-completion events, as
each partition's task finishes on a worker (in whatever order), not as the stage
takes the results in order.
"""

from __future__ import annotations

import gc
import logging
import math
import operator
import pickle
import shutil
import tempfile
import threading
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import Any, Optional

from ..errors import EngineError
from .base import chunks, fold
from .dask_start import QUIET, local_cluster, probe

CONNECT_TIMEOUT = 10  # seconds to reach a scheduler before giving up with one line
RETRIES = 2  # a task whose worker raised (not died: Dask reschedules those itself)
TASKS = "dask tasks"  # the progress label of the tasks' completion events


def _state(blob: bytes) -> Any:
    return pickle.loads(blob)


def _peak_rss() -> int:
    """This process's peak resident memory in bytes (Linux reports kB, macOS bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _result(future):
    """A task's result; the engine's failure (exit 7, one line) when Dask lost it: its
    workers died running it again and again (out of memory?), or the scheduler is gone.
    An exception the task raised itself is raised as it is."""
    with _lost():
        return future.result()


@contextmanager
def _lost():
    """Dask's ways of losing a run's tasks as the engine's failure (exit 7, one line)."""
    distributed = _distributed()
    try:
        yield
    except distributed.KilledWorker as exc:
        raise EngineError(f"Dask workers died running a task of this run, {exc.args[0] if exc.args else ''} "
                          "(out of memory?)") from None
    except (distributed.comm.CommClosedError, CancelledError) as exc:  # the scheduler gone: its tasks cancelled
        raise EngineError(f"lost the Dask scheduler mid-run: {exc}"[:300]) from None


def _cancel(client, futures: list) -> None:
    """Cancel what a stage left; a client already closed (the output's generator
    finished after the engine, a write that failed) or a scheduler gone has nothing to
    cancel (an error here printed 'Exception ignored in: <generator ...>' and a traceback)."""
    try:
        client.cancel(futures)
    except Exception:  # noqa: BLE001 - nothing left to cancel
        pass


def _distributed():
    try:
        import distributed
    except ImportError:
        raise EngineError("the dask engine needs dask.distributed: pip install 'dedup[dask]'") from None
    return distributed


class DaskEngine:
    """Stage functions as Dask tasks.

    ``client``: a ``distributed.Client`` to use (left open); else ``scheduler``
    (``tcp://HOST:8786``) to connect to, else a LocalCluster of ``workers`` processes
    (default: all cores; at most :func:`~dedup.engines.processes.max_jobs`), one thread
    each. ``partitions``: how many partitions each
    stage's work is cut into (default: the stage's own partition size). ``on_task``:
    ``progress(TASKS, done, total)`` as the run's tasks finish on the workers (``total``
    grows as stages submit theirs); it may be called from another thread, one call at
    a time.
    """

    name = "dask"

    def __init__(self, client=None, scheduler: Optional[str] = None, workers: Optional[int] = None,
                 partitions: Optional[int] = None, on_task=None):
        distributed = _distributed()
        if partitions is not None and partitions < 1:
            raise EngineError(f"partitions must be 1 or more, not {partitions}")
        self.npartitions = partitions
        self.on_task = on_task
        self._lock = threading.Lock()
        self._submitted = self._finished = 0
        self._pending: set = set()  # keys of followed tasks not counted yet
        self._owned = []
        self._scratch: Optional[str] = None  # our LocalCluster's scratch directory
        if client is None:
            if scheduler:
                probe(scheduler, CONNECT_TIMEOUT)
                # what fails on the scheduler reaches the run as an exception (one line)
                logging.getLogger("distributed.client").setLevel(QUIET)
                failure = None
                try:
                    client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
                except Exception as exc:  # noqa: BLE001 - a server that is not Dask fails in any way
                    # (an SSH banner read as a frame length is a MemoryError; tls:// without
                    # a context a TypeError): the scheduler cannot be used, not a bug of ours
                    failure = (f"cannot reach the Dask scheduler at {scheduler}: "
                               f"{type(exc).__name__}: {exc}"[:300])
                if failure is not None:
                    # The half-started Client stays in a reference cycle (the exception's
                    # frames), its loop thread running. Its __del__ closes it under
                    # distributed's class-wide LoopRunner lock: run by a collection inside a
                    # later LoopRunner start (which holds that lock while it waits 10 s for
                    # its loop thread), it blocked that start. Collected here instead.
                    gc.collect()
                    raise EngineError(failure)
            else:
                from .processes import usable_jobs

                # Quiet: what fails in our cluster reaches the run as an exception (one
                # line); a stopped run's workers would log each broken connection.
                self._scratch = tempfile.mkdtemp(prefix="dedup-dask-")
                try:
                    cluster = local_cluster(distributed, usable_jobs(workers or None), self._scratch)
                except BaseException:
                    self._remove_scratch()
                    raise
                self._owned.append(cluster)
                client = distributed.Client(cluster)
            self._owned.insert(0, client)
        self.client = client

    @property
    def dashboard_link(self) -> Optional[str]:
        """Where the Dask dashboard is (None when there is none to show)."""
        import importlib.util

        if self._owned and importlib.util.find_spec("bokeh") is None:  # our LocalCluster serves none
            return None
        try:
            return self.client.dashboard_link
        except Exception:  # no dashboard (bokeh not installed): nothing to show
            return None

    def _follow(self, futures: list) -> None:
        """Report ``futures`` to ``on_task`` as each finishes (Dask's done callbacks)."""
        if self.on_task is None or not futures:
            return
        with self._lock:
            self._submitted += len(futures)
            self._pending.update(f.key for f in futures)
            self.on_task(TASKS, self._finished, self._submitted)
        for f in futures:
            f.add_done_callback(self._done)

    def _done(self, future) -> None:
        """Count a finished task once: from its done callback, or when the stage takes
        its result first (the callback runs later, on another thread)."""
        if future.status == "finished":  # not cancelled or failed: work done
            self._count(future.key)

    def _count(self, key) -> None:
        with self._lock:
            if key not in self._pending:
                return
            self._pending.discard(key)
            self._finished += 1
            report = self.on_task  # may have been unset since (the run is over)
            if report is not None:
                report(TASKS, self._finished, self._submitted)

    def _hold(self, key: str, state) -> Any:
        """``state`` as a task of its own (``key``): the stage's tasks take it as their
        first argument. Pickled here, now: the caller may change its objects later."""
        blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        with warnings.catch_warnings():
            # The state is in the graph once, on purpose (a worker lost mid-run costs a
            # recomputation, not the run); distributed warns of any graph past 10 MB,
            # which a user of the CLI would read as a fault.
            warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
            return self.client.submit(_state, blob, key=key, pure=False)

    def partitions(self, n: int, size: int) -> list[tuple[int, int]]:
        if self.npartitions:
            size = max(1, math.ceil(n / self.npartitions))
        return chunks(n, size)

    def map(self, func, state, items) -> Iterator:
        items = list(items)
        if not items:
            return
        run = f"{getattr(func, '__name__', 'stage').strip('_')}-{uuid.uuid4().hex[:8]}"
        held = self._hold(f"{run}-state", state)
        futures = [self.client.submit(func, held, item, key=f"{run}-{k}", retries=RETRIES, pure=False)
                   for k, item in enumerate(items)]
        self._follow(futures)
        try:
            for k in range(len(futures)):
                result = _result(futures[k])
                self._done(futures[k])
                futures[k] = None  # released: the worker may drop it
                yield result
        finally:
            _cancel(self.client, [f for f in futures if f is not None] + [held])

    def map_reduce(self, func, state, items, merge):
        """``func(state, item)`` gives ``(result, part)``: the results come back in order;
        the parts stay on the workers and are folded there by a tree of ``merge`` tasks
        (in order), so only the folded part crosses to the caller (``.value``)."""
        from .base import Reduction

        items = list(items)
        if not items:
            raise ValueError("nothing to reduce")
        run = f"{getattr(func, '__name__', 'stage').strip('_')}-{uuid.uuid4().hex[:8]}"
        held = self._hold(f"{run}-state", state)
        submit = self.client.submit
        mapped = [submit(func, held, item, key=f"{run}-{k}", retries=RETRIES, pure=False) for k, item in enumerate(items)]
        results = [submit(operator.getitem, m, 0, key=f"{run}-result-{k}", pure=False) for k, m in enumerate(mapped)]
        level, depth, merges = [submit(operator.getitem, m, 1, key=f"{run}-part-{k}", pure=False)
                                for k, m in enumerate(mapped)], 0, []
        while len(level) > 1:  # pairwise, in order: fold's grouping
            depth += 1
            level = [submit(merge, level[i], level[i + 1], key=f"{run}-merge-{depth}-{i}", retries=RETRIES, pure=False)
                     if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
            merges += [f for f in level if f.key.startswith(f"{run}-merge-{depth}-")]
        total = [level[0]]
        self._follow(mapped + merges)
        merges = [f.key for f in merges]  # intermediate folds: dropped once merged further
        del level  # the parts are held by the merge tasks that need them, no longer
        # Nothing here is cancelled: the parts are tasks this client does not hold, and
        # cancelling a task cancels its dependents (Dask asserts that someone wants
        # them). Dropping the futures releases them; Dask forgets what nobody needs.

        def stream():
            for k in range(len(results)):
                result = _result(results[k])
                self._done(mapped[k])
                results[k] = mapped[k] = None  # released: the workers may drop them
                yield result

        def value():
            out = _result(total[0])
            for key in merges:  # all finished: the fold is here
                self._count(key)
            total.clear()
            return out

        return Reduction(stream(), value)

    def workers(self) -> int:
        """How many workers the scheduler has now (tasks wait while it has none)."""
        return len(self.client.scheduler_info().get("workers", {}))

    @property
    def buckets(self) -> int:
        """Key partitions per group of a shuffle: one per worker."""
        return max(1, self.workers())

    def shuffle(self, split, state, items, nparts: int, combine, cstate, progress=None) -> list:
        """``split(state, item)`` gives ``nparts`` pieces per item; ``combine(cstate,
        [piece p of every item, in item order])`` for each p, on the workers. The
        pieces move worker to worker; only the combined results come back, in p order.
        ``progress(done, total)``: called as the items' splits finish (in order)."""
        items = list(items)
        if not items:
            return []
        run = f"{getattr(split, '__name__', 'split').strip('_')}-{uuid.uuid4().hex[:8]}"
        held = self._hold(f"{run}-state", state)
        cheld = self._hold(f"{run}-cstate", cstate)
        mapped = [self.client.submit(split, held, item, key=f"{run}-split-{k}", retries=RETRIES, pure=False)
                  for k, item in enumerate(items)]
        pieces = [[self.client.submit(operator.getitem, m, p, key=f"{run}-piece-{p}-{k}", pure=False)
                   for k, m in enumerate(mapped)] for p in range(nparts)]
        parts = [self.client.submit(combine, cheld, ps, key=f"{run}-combine-{p}", retries=RETRIES, pure=False)
                 for p, ps in enumerate(pieces)]
        self._follow(mapped + parts)
        try:
            if progress:
                # wait() takes the default client: in a process with several, this one.
                with self.client.as_current():
                    for k, m in enumerate(mapped):
                        with _lost():
                            _distributed().wait(m)
                        progress(k + 1, len(mapped))
            results = [_result(f) for f in parts]
            for f in mapped + parts:
                self._done(f)
            return results
        finally:
            _cancel(self.client, [held, cheld, *mapped, *(f for ps in pieces for f in ps), *parts])

    def memory(self) -> list[tuple[str, int, int]]:
        """Per worker (by address): peak resident bytes so far and the memory limit Dask
        enforces (0: none). A worker past the limit's thresholds spills, then pauses,
        then is restarted by its nanny; the peak says how near a run came."""
        peaks = self.client.run(_peak_rss)
        info = self.client.scheduler_info().get("workers", {})
        return [(addr, int(peaks[addr]), int(info.get(addr, {}).get("memory_limit") or 0)) for addr in sorted(peaks)]

    def reduce(self, merge, parts):
        return fold(merge, parts)

    def close(self) -> None:
        for thing in self._owned:
            try:
                thing.close()
            except Exception:  # already gone (a cluster whose client closed it)
                pass
        self._owned = []
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> "DaskEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
