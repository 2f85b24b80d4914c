"""The local engine: this machine's cores, workers forked after the run's workspace
is set up so they read it copy-on-write (see :mod:`dedup.engines.processes`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

from . import processes as parallel
from .base import chunks, fold, map_then_fold


class LocalEngine:
    """Forked worker processes on this machine (``jobs``: default all cores; at most
    :func:`~dedup.engines.processes.max_jobs`, and no more than a stage has partitions)."""

    name = "local"

    def __init__(self, jobs: Optional[int] = None):
        self.jobs = parallel.usable_jobs(jobs)

    def partitions(self, n: int, size: int) -> list[tuple[int, int]]:
        return chunks(n, size)

    def map(self, func, state, items) -> Iterator:
        return parallel.run(func, state, items, self.jobs)  # a stream stays streamed

    def reduce(self, merge, parts):
        return fold(merge, parts)

    def map_reduce(self, func, state, items, merge):
        return map_then_fold(self, func, state, items, merge)

    def close(self) -> None:
        pass
