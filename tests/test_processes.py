"""The local engine's process pools: results in order whatever the workers, and this
process's garbage collection left as it was after forking them."""

from __future__ import annotations

import gc
import os

import pytest

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
