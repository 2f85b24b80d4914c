"""Partitions: a stage's work over its engine's partitions, with the stage's progress.

A stage is handed an engine (:mod:`dedup.engines.base`, the protocol) and never imports
one; this is the loop most stages run over it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine


def map_ranges(engine: Engine, func: Callable[[Any, tuple[int, int]], Any], state: Any, n: int, size: int,
               progress: Callable[[str, int, int], None] | None = None, stage: str = "") -> Iterator:
    """``func(state, (start, end))`` over the engine's partitions of ``range(n)``
    (``size``: the stage's preferred size), yielded in order; ``progress(stage, end, n)``
    is called as each one arrives."""
    ranges = engine.partitions(n, size)
    for (_, end), part in zip(ranges, engine.map(func, state, ranges)):
        yield part
        if progress:
            progress(stage, end, n)
