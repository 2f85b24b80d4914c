"""The local engine's process pools: results in order whatever the workers, and this
process's garbage collection left as it was after forking them."""

from __future__ import annotations

import gc
import multiprocessing
import os
import struct
import sys
import threading
import time

import pytest

from conftest import alive
from dedup.engines import forking, processes
from dedup.engines.processes import Workers, run


def _square(offset, x):
    return (x + offset) ** 2, os.getpid()


def _frozen(_, x):
    return gc.get_freeze_count()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_run_gives_results_in_order_from_workers_and_leaves_nothing_frozen():
    before = gc.get_freeze_count()
    out = list(run(_square, 1, list(range(20)), 2))
    assert [v for v, _ in out] == [(x + 1) ** 2 for x in range(20)]
    assert any(pid != os.getpid() for _, pid in out)  # the work ran in forked workers
    assert gc.get_freeze_count() == before  # frozen only while the workers were forked


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_kept_workers_leave_nothing_frozen():
    before = gc.get_freeze_count()
    with Workers(_square, 2, 2) as workers:
        got = workers.submit([1, 2, 3]).get()
    assert [v for v, _ in got] == [9, 16, 25]
    assert gc.get_freeze_count() == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_workers_collections_skip_what_they_inherit():
    """A worker's collections never touch (and so never copy) the pages of the objects it
    inherited: they are frozen in the worker, as this process had them at the fork."""
    keep = [[] for _ in range(1000)]  # objects this process holds when the workers fork
    assert min(run(_frozen, None, list(range(4)), 2)) >= len(keep)


def _half_sent(_, x):
    """Item 0 at once; item 1: half a result message in the pool's result pipe, as a
    worker killed while sending a large result leaves it, then nothing more."""
    if x == 0:
        return x
    time.sleep(0.3)
    frame = sys._getframe()
    while "outqueue" not in frame.f_locals:  # the pool's worker loop, which called us
        frame = frame.f_back
    os.write(frame.f_locals["outqueue"]._writer.fileno(), struct.pack("!i", 1 << 20) + b"half")
    time.sleep(120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork and /proc")
def test_a_stopped_run_returns_though_the_pool_cannot_finish_stopping(monkeypatch):
    """The caller stops early while a result is half sent: the pool's own terminate()
    would wait for the rest for ever (CPython gh-78178); the run gives up on it after a
    while and the workers are gone."""
    monkeypatch.setattr(processes, "STOP_WAIT", 0.5)
    results = run(_half_sent, None, [0, 1], 2)
    assert next(results) == 0
    time.sleep(0.8)  # item 1's half message is in the pipe
    pids = [p.pid for p in multiprocessing.active_children()]
    assert len(pids) == 2
    closing = threading.Thread(target=results.close, daemon=True)
    closing.start()
    closing.join(20)
    assert not closing.is_alive()
    deadline = time.time() + 10
    while any(map(alive, pids)) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, pids))  # the workers were killed all the same


_HEAP_SCRIPT = r"""
import os
from dedup.engines.processes import run

def anon_mb(_=None, __=None):
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("RssAnon")) // 1024

blocks = [b"\1" * 65536 for _ in range(3200)]  # 200 MB in chunks malloc keeps on its heap (under the mmap threshold)
last = blocks.pop()  # the heap's top stays in use, so free() cannot shrink the heap by itself
del blocks
before = anon_mb()
print(before, max(run(anon_mb, None, [0, 1, 2, 3], 2)))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(os, "fork"), reason="reads /proc; workers are forked")
def test_workers_are_forked_from_a_trimmed_heap():
    import subprocess

    forking.trim_heap()
    if forking._TRIM is False:
        pytest.skip("not glibc: no malloc_trim")
    out = subprocess.run([sys.executable, "-c", _HEAP_SCRIPT], capture_output=True, text=True, check=True)
    before, in_worker = map(int, out.stdout.split())
    assert before >= 200  # the freed chunks are still this process's before the fork
    assert in_worker < before - 150  # handed back before forking: the workers do not map them


def _dies_at(bad, x):
    if x == bad:
        os.kill(os.getpid(), 9)  # as the out-of-memory killer does
    time.sleep(0.01)
    return x


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_killed_worker_stops_the_run_with_an_engine_error():
    """multiprocessing.Pool replaces a dead worker and waits on for ever for the task it
    held: the run must raise instead (a 10k run hung after a kill -9 of one worker)."""
    from dedup.errors import EngineError

    t = time.monotonic()
    with pytest.raises(EngineError, match=r"a worker process died \(killed by signal 9; out of memory\?\)"):
        list(run(_dies_at, 5, range(40), 2))
    assert time.monotonic() - t < 30
    assert [x for x in run(_dies_at, -1, range(40), 2)] == list(range(40))  # the next run is unharmed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_killed_kept_worker_stops_the_batch_with_an_engine_error():
    from dedup.errors import EngineError

    with Workers(_dies_at, 3, 2) as workers:
        assert workers.submit([0, 1]).get() == [0, 1]
        with pytest.raises(EngineError, match="a worker process died"):
            workers.submit([2, 3, 4]).get()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_kept_pool_that_lost_a_worker_fails_its_later_batches_too():
    """A batch submitted after the death (its tasks may sit behind half a task in the
    shared pipe) must not wait for ever either."""
    from dedup.errors import EngineError

    t = time.monotonic()
    with Workers(_dies_at, 2, 2) as workers:
        first = workers.submit([0, 1, 2, 3])
        time.sleep(1.0)  # the worker has died and Pool has started another
        later = workers.submit([4, 5])
        with pytest.raises(EngineError):
            first.get()
        with pytest.raises(EngineError):
            later.get()
        kept = list(workers._pool._pool)
    # ended, though a dead worker may hold the task pipe's lock (terminate() waits for it)
    assert time.monotonic() - t < 30
    assert all(not w.is_alive() for w in kept)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_no_more_workers_than_four_per_core_nor_than_the_work_has_items(one_core):
    """--jobs 1000 on two cores started 1000 workers, each a copy of the run's memory."""
    from dedup.engines.local import LocalEngine

    engine = LocalEngine(1000)
    assert [v for v, _ in engine.map(_square, 0, list(range(12)))] == [x * x for x in range(12)]
    assert [v for v, _ in run(_square, 0, iter(range(3)), 40)] == [0, 1, 4]  # a stream of three
    with Workers(_square, 0, 40) as workers:
        assert [v for v, _ in workers.submit([1, 2, 3]).get()] == [1, 4, 9]
    assert (engine.jobs, one_core) == (4, [4, 3, 3])


def _no_room():
    raise MemoryError


class _Unreadable:
    """A result the parent cannot unpickle: as at a ``ulimit -v``, where unpickling a
    worker's result in the pool's result thread raised MemoryError."""

    def __reduce__(self):
        return (_no_room, ())


def _unreadable_at(n, x):
    return _Unreadable() if x == n else x


def _within(seconds, work):
    """``work()``'s exception or value, in a thread: a hang fails the test instead of
    blocking it (the thread is left behind)."""
    out: list = []

    def go():
        try:
            out.append(work())
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung"
    return out[0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_result_that_cannot_be_read_stops_the_run_not_hangs_it(capfd):
    """The pool's result thread died of the MemoryError (a traceback on stderr) and the
    run then waited for ever for results no thread would read (`ulimit -v 400000`,
    300 articles, 2 jobs: 2 hangs in 3 runs)."""
    from dedup.errors import ResourceError

    got = _within(30, lambda: list(run(_unreadable_at, 5, range(40), 2)))
    assert isinstance(got, ResourceError) and "cannot read a worker process's result: out of memory" in str(got), got
    with Workers(_unreadable_at, 2, 2) as workers:
        got = _within(30, lambda: workers.submit([0, 1, 2, 3]).get())
        kept = list(workers._pool._pool)
    assert isinstance(got, ResourceError), got
    assert all(not w.is_alive() for w in kept)  # stopped, though terminate() cannot run without its result thread
    assert "Traceback" not in capfd.readouterr().err
    assert list(run(_unreadable_at, -1, range(40), 2)) == list(range(40))  # the next run is unharmed


_LEFT_POOL_SCRIPT = r"""
import multiprocessing, os, signal, sys, time
from dedup.engines import processes

results = processes.run(lambda state, x: x, None, range(100), 2)
print(next(results), flush=True)  # suspended at a result, as when a stop is raised in the caller
time.sleep(1)  # the tasks in flight are done: a worker waits for the next one, holding the task pipe's lock
for p in multiprocessing.active_children():  # killed there, as by a signal to the process group
    os.kill(p.pid, signal.SIGKILL)
time.sleep(0.5)
sys.exit(0)  # the generator is not closed before the interpreter's exit handlers run
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork")
def test_the_interpreter_exits_though_a_pool_left_running_cannot_be_terminated():
    """A run stopped by a signal can leave a pool unstopped at exit, its task pipe's lock held
    by a worker killed while waiting: multiprocessing's own exit handler waited for that lock
    for ever (a SIGHUP of the process group hung 3 runs in 40 under load). The pool is
    stopped first, bounded."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", _LEFT_POOL_SCRIPT], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout.strip()) == (0, "0"), done.stderr
