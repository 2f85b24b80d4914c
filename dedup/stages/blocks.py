"""Blocks: the equal words of two word strings (their longest common subsequence,
rapidfuzz's Indel opcodes) as blocks ``(x0, x1, y0, y1)``, the raw material that
:mod:`dedup.stages.align` chains into passages.

One LCS keeps a bit per cell to trace it back, so a box too large to run at once (a long
document copied whole) is cut into tiles at exact shared k-grams that rise on both
sides (seed and extend): the same equal words, in bounded memory.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from rapidfuzz.distance import Indel

from .anchors import seeds

# Words x words one LCS runs on at once: rapidfuzz keeps a bit per cell to trace it back
# (32 MiB here); a longer box is cut at shared k-grams (:func:`_tiled`). Two copies of a
# 200k-word document would otherwise take 5 GB, of a 10 MiB one hundreds.
MAX_CELLS = 1 << 28
ANCHOR_WORDS = 3  # words per seed k-gram


def equal_blocks(a: str, b: str, a0: int, a1: int, b0: int, b1: int,
                 cells: int | None = None) -> list[tuple[int, int, int, int]]:
    """The equal words of ``a[a0:a1]`` and ``b[b0:b1]`` (their LCS, rapidfuzz's Indel) as
    blocks ``(x0, x1, y0, y1)`` in positions of ``a`` and ``b``; a box over ``cells``
    (default :data:`MAX_CELLS`) is cut into tiles (:func:`_tiled`)."""
    sa, sb = a[a0:a1], b[b0:b1]
    if not sa or not sb:  # a side without words (a passage at an edge: a quarter of the calls)
        return []
    if sa == sb:  # the same words (a copy's window: a tenth of the calls): one block, as the LCS has it
        return [(a0, a0 + len(sa), b0, b0 + len(sb))]
    cells = MAX_CELLS if cells is None else cells
    if len(sa) * len(sb) > cells:
        return _tiled(sa, sb, a0, b0, cells)
    # as_list() hands over plain tuples: a third of the cost of reading Opcode objects
    return [(x0 + a0, x1 + a0, y0 + b0, y1 + b0)
            for tag, x0, x1, y0, y1 in Indel.opcodes(sa, sb).as_list() if tag == "equal"]


def _tiled(sa: str, sb: str, a0: int, b0: int, cells: int) -> list[tuple[int, int, int, int]]:
    """:func:`equal_blocks` of a box larger than ``cells``: cut at exact shared
    k-grams on the longest chain of them that rises on both sides (seed and extend, as
    for long documents), each tile's LCS on its own, blocks that meet at a cut joined.
    A stretch between cuts still over the limit has no shared k-gram in it (thousands of
    words on both sides): nothing there could be a passage, and it is not aligned."""
    i, j = seeds(sa, sb, ANCHOR_WORDS)
    chain = _rising(i, j)
    if chain:  # the end of the last shared k-gram: the words after it have none
        chain.append((chain[-1][0] + ANCHOR_WORDS, chain[-1][1] + ANCHOR_WORDS))
    cuts: list[tuple[int, int]] = []
    p, last = (0, 0), None

    def area(u, v):
        return (v[0] - u[0]) * (v[1] - u[1])

    for c in [*chain, (len(sa), len(sb))]:
        if area(p, c) > cells and last is not None and last != p:
            cuts.append(last)  # the farthest point within reach
            p = last
        if area(p, c) > cells and c != (len(sa), len(sb)):
            cuts.append(c)  # no shared k-gram between: the tile before is left out
            p = c
        last = c
    out: list[tuple[int, int, int, int]] = []
    for (x0, y0), (x1, y1) in zip([(0, 0), *cuts], [*cuts, (len(sa), len(sb))]):
        if (x1 - x0) * (y1 - y0) > cells:
            continue
        for blk in equal_blocks(sa, sb, x0, x1, y0, y1, cells):
            if out and out[-1][1] == blk[0] and out[-1][3] == blk[2]:  # one run, cut in two
                out[-1] = (out[-1][0], blk[1], out[-1][2], blk[3])
            else:
                out.append(blk)
    return [(x0 + a0, x1 + a0, y0 + b0, y1 + b0) for x0, x1, y0, y1 in out]


def _rising(i: np.ndarray, j: np.ndarray) -> list[tuple[int, int]]:
    """The longest chain of points ``(i, j)`` rising strictly on both sides (patience
    sorting), first in ``i``."""
    order = np.lexsort((-j, i))  # by i; within one i, j falling, so that one i is taken once
    xs, ys = i[order].tolist(), j[order].tolist()
    tails: list[int] = []  # the smallest last j of a chain of each length
    at: list[int] = []  # the point ending it
    back = [-1] * len(xs)
    for k, y in enumerate(ys):
        n = bisect_left(tails, y)
        if n == len(tails):
            tails.append(y)
            at.append(k)
        else:
            tails[n], at[n] = y, k
        back[k] = at[n - 1] if n else -1
    chain, k = [], at[-1] if at else -1
    while k >= 0:
        chain.append((xs[k], ys[k]))
        k = back[k]
    return chain[::-1]


def group_blocks(blocks, gap: int) -> list[list[tuple[int, int, int, int]]]:
    """Consecutive equal blocks whose gaps on both sides are at most ``gap``, grouped."""
    groups: list[list[tuple[int, int, int, int]]] = []
    for blk in blocks:
        if groups and blk[0] - groups[-1][-1][1] <= gap and blk[2] - groups[-1][-1][3] <= gap:
            groups[-1].append(blk)
        else:
            groups.append([blk])
    return groups
