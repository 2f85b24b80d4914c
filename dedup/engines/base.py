"""The Engine protocol: what a stage asks of whatever runs it.

A stage splits its work into partitions (``partitions``), has a function of plain data
run over them (``map``, results in partition order, so the answer never depends on
where or in what order they ran) and folds the results itself, in order: corpus
statistics are reductions over the mapped results (``reduce``). An engine that spreads
data over workers also offers ``shuffle(split, state, items, nparts, combine, cstate,
progress)``: each item split into ``nparts`` pieces, piece ``p`` of every item combined
where the data is, only the combined results returned (candidates use it to group band
keys by key). ``map_reduce(func, state, items, merge)``: ``func`` gives a result and
a part of a corpus statistic per item; the results come back in order and the parts
are folded where the engine has them (on Dask, by merge tasks on the workers), so
only the folded statistic reaches the caller. A stage is handed an engine and imports this protocol only for its type (under
``TYPE_CHECKING``), never an engine; an engine knows no
stage's internals, only ``func(state, item)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges covering ``range(n)``."""
    size = max(1, size)
    return [(s, min(n, s + size)) for s in range(0, n, size)]


@runtime_checkable
class Engine(Protocol):
    """Runs stage functions ``func(state, item)`` over partitions."""

    name: str

    def partitions(self, n: int, size: int) -> list[tuple[int, int]]:
        """``[start, end)`` ranges of ``range(n)``; ``size`` is the stage's preferred
        partition size (an engine may cut coarser or finer; results do not change)."""
        ...

    def map(self, func: Callable[[Any, Any], Any], state: Any, items: Sequence) -> Iterator:
        """``func(state, item)`` for every item, yielded in the order of ``items``."""
        ...

    def reduce(self, merge: Callable[[Any, Any], Any], parts: Sequence) -> Any:
        """Fold ``parts`` with the associative ``merge`` (in order: left to right)."""
        ...

    def map_reduce(self, func: Callable[[Any, Any], tuple], state: Any, items: Sequence,
                   merge: Callable[[Any, Any], Any]) -> "Reduction":
        """``func(state, item)`` gives ``(result, part)``: iterate the returned
        :class:`Reduction` for the results in item order; then its ``value`` is the
        parts folded in order with the associative ``merge`` (wherever the engine
        keeps them: the answer does not depend on where)."""
        ...

    def close(self) -> None:
        ...


class Inline:
    """The protocol in this process, one partition after another (no workers)."""

    name = "inline"

    def partitions(self, n: int, size: int) -> list[tuple[int, int]]:
        return chunks(n, size)

    def map(self, func, state, items) -> Iterator:
        for item in items:
            yield func(state, item)

    def reduce(self, merge, parts):
        return fold(merge, parts)

    def map_reduce(self, func, state, items, merge) -> "Reduction":
        return map_then_fold(self, func, state, items, merge)

    def close(self) -> None:
        pass


def fold(merge, parts):
    """Pairwise tree fold, in order (the same grouping whoever runs it)."""
    parts = list(parts)
    if not parts:
        raise ValueError("nothing to reduce")
    while len(parts) > 1:
        parts = [merge(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    return parts[0]


class Folding:
    """An in-order fold fed one part at a time, holding O(log n) partial folds (parts
    of equal count merged as they arrive, like a binary counter). For an associative
    ``merge`` the answer is :func:`fold`'s."""

    def __init__(self, merge):
        self.merge = merge
        self._stack: list[tuple[int, Any]] = []

    def add(self, part) -> None:
        count = 1
        while self._stack and self._stack[-1][0] == count:
            count, part = count * 2, self.merge(self._stack.pop()[1], part)
        self._stack.append((count, part))

    def result(self):
        if not self._stack:
            raise ValueError("nothing to reduce")
        out = self._stack[0][1]
        for _, part in self._stack[1:]:
            out = self.merge(out, part)
        return out


class Reduction:
    """What an engine's ``map_reduce`` returns: iterate for the results (in order); then
    ``value`` is the folded statistic."""

    def __init__(self, results: Iterator, value: Callable[[], Any]):
        self._results, self._value = results, value

    def __iter__(self) -> Iterator:
        return self._results

    @property
    def value(self):
        return self._value()


def map_then_fold(engine: "Engine", func: Callable[[Any, Any], tuple], state: Any, items: Sequence,
                  merge: Callable[[Any, Any], Any]) -> Reduction:
    """``map_reduce`` for an engine whose results all come back here: the parts come
    back with them and are folded in this process as they arrive."""
    folding = Folding(merge)

    def results():
        for result, part in engine.map(func, state, items):
            folding.add(part)
            yield result

    return Reduction(results(), folding.result)


def as_engine(engine: "Engine | int | None") -> Engine:
    """An engine for a stage called the old way: ``None`` or a number of jobs."""
    if engine is None or isinstance(engine, int):
        if engine is None or engine <= 1:
            return Inline()
        from .local import LocalEngine

        return LocalEngine(engine)
    return engine
