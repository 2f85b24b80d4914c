"""Anchors: where two long sequences can share a passage, found from exact k-grams.

One global LCS over a long document pairs common words with scattered occurrences far
from where a passage really is, and can trade a whole passage for those (a 40-word
passage near the start of a 100k-character page, and a short text with 150 other
words before it). Seed-and-extend, as BLAST and passim do it: exact shared k-grams
(seeds) that lie on one diagonal and close together form runs; runs whose boxes,
widened by a margin, overlap on both sides merge into windows; the caller aligns only
inside each window. A sequence no longer than ``whole`` is one window: the global LCS
of a short pair is already local, and ordinary pairs keep exactly today's alignment.

Sequences are strings of one code point per token (words, or characters); a k-gram of
up to three code points packs into one 64-bit integer exactly (no hash collisions).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

LONG_DOC = 1000  # words (~6,000 characters): a longer document is aligned in windows
MAX_SEED_PAIRS = 16  # a k-gram with more occurrence pairs than this is a repeat (seeds(in_order=...))
MAX_ONE_SIDED = 4096  # occurrences of a k-gram seen once on the other side (seeds(in_order=True))
MIN_SEEDS = 2  # seeds a run needs (one shared k-gram is what any two texts have)

Window = tuple[int, int, int, int]  # a0, a1, b0, b1


def _code_units(s: str) -> np.ndarray:
    """The code points of ``s`` as a view of its UTF-32 bytes (to compare, not to pack)."""
    return np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)


def _codes(s: str) -> np.ndarray:
    return _code_units(s).astype(np.uint64)


def _kgrams(s: str, k: int) -> np.ndarray:
    """Every k-gram of ``s`` as one integer (``k`` <= 3, code points < 2**21)."""
    c = _codes(s)
    n = len(c) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = c[:n].copy()
    for r in range(1, k):
        out = (out << np.uint64(21)) | c[r : r + n]
    return out


@lru_cache(maxsize=8)
def _sorted_kgrams(s: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(order, sorted k-grams)`` of ``s``; kept for the next pairs, as a long document
    is usually aligned with several candidates in a row (sorting it is most of a pair's
    seed cost)."""
    ks = _kgrams(s, k)
    order = np.argsort(ks, kind="stable")
    return order, ks[order]


def _sorted_kgrams_of(s: str, k: int, base: str | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_sorted_kgrams` of ``s``, a copy of ``base`` with some positions masked
    (code points no word has, as alignment masks the passages it found): ``base``'s
    sorted k-grams without those that touch a masked position, in the same stable
    order. A masked k-gram equals nothing on the other side, so seeds do not change;
    but a long document is aligned again with other masks each round and each pair,
    and its sort (a 10 MB page: 1.8 million k-grams) was most of the time of a pair."""
    if base is None or base is s or len(base) != len(s):
        return _sorted_kgrams(s, k)
    order, ks = _sorted_kgrams(base, k)
    changed = _code_units(s) != _code_units(base)
    if not changed.any():
        return order, ks
    n = len(ks)
    touched = np.concatenate(([0], np.cumsum(changed)))
    touched = touched[k : k + n] > touched[:n]  # k-gram i covers positions i .. i+k-1
    keep = ~touched[order]
    return order[keep], ks[keep]


def seeds(a: str, b: str, k: int, base_a: str | None = None, base_b: str | None = None,
          in_order: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where ``a[i:i+k] == b[j:j+k]``, repeats left out (``in_order``:
    a repeat as frequent on both sides has its occurrences paired in order). ``base_a``,
    ``base_b``: the strings ``a`` and ``b`` are masked copies of, if any (their sorted
    k-grams are kept for the next pairs and rounds, :func:`_sorted_kgrams_of`)."""
    oa, sa = _sorted_kgrams_of(a, k, base_a)
    ob, sb = _sorted_kgrams_of(b, k, base_b)
    common = _common_sorted(sa, sb)
    if not len(common):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    la, ra = np.searchsorted(sa, common, "left"), np.searchsorted(sa, common, "right")
    lb, rb = np.searchsorted(sb, common, "left"), np.searchsorted(sb, common, "right")
    na, nb = ra - la, rb - lb
    keep = na * nb <= MAX_SEED_PAIRS
    rep = ~keep & (na == nb)  # as often on both sides: what a copy's repeats are
    # Words: a k-gram once on one side pairs with each of its occurrences on the other too
    # (as many pairs as it has there: linear, however often it repeats). A text found in a
    # longer one that repeats it (a paragraph printed 17 times on a page) had no seed.
    once = in_order & ~keep & ~rep & (np.minimum(na, nb) == 1) & (np.maximum(na, nb) <= MAX_ONE_SIDED)
    every = keep | once  # every occurrence with every other
    ii, jj = [], []
    for x0, x1, y0, y1 in zip(la[every].tolist(), ra[every].tolist(), lb[every].tolist(), rb[every].tolist()):
        for x in oa[x0:x1].tolist():
            ii.extend([x] * (y1 - y0))
            jj.extend(ob[y0:y1].tolist())
    # Words: a repeat as frequent on both sides pairs its occurrences in order (the t-th in
    # a with the t-th in b), not every one with every other: linear in the text however
    # often it repeats, and on one diagonal where a copy holds the same repeats (a long text
    # of one repeated sentence, copied whole, had no seed at all and aligned nothing).
    # Elsewhere they scatter over diagonals and make no run. (Not characters: there most
    # 3-grams repeat, and such pairs would pull a tiling chain off its copy.)
    if in_order and rep.any():
        x0, y0 = la[rep], lb[rep]
        m = ra[rep] - x0
        t = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)  # 0..m-1 within each repeat
        ii.extend(oa[np.repeat(x0, m) + t].tolist())
        jj.extend(ob[np.repeat(y0, m) + t].tolist())
    return np.asarray(ii, dtype=np.int64), np.asarray(jj, dtype=np.int64)


def _common_sorted(sa: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """The distinct values two sorted arrays share, sorted (``np.intersect1d`` without
    its sorting again of what is already sorted: most of a long pair's seed cost)."""
    if not len(sa) or not len(sb):
        return sa[:0]
    if len(sa) > len(sb):
        sa, sb = sb, sa
    ua = sa[np.r_[True, sa[1:] != sa[:-1]]]
    pos = np.minimum(np.searchsorted(sb, ua), len(sb) - 1)
    return ua[sb[pos] == ua]


def windows(a: str, b: str, k: int, gap: int, margin: int, whole: int,
            base_a: str | None = None, base_b: str | None = None) -> list[Window]:
    """Boxes of ``a`` x ``b`` to align, sorted; the whole pair when both are short.

    Seeds on one diagonal at most ``k + gap`` apart form a run (of ``MIN_SEEDS`` or
    more); each run's box, widened
    by ``margin`` on each side of each sequence (a sequence of at most ``whole`` is
    taken whole), merges with the boxes it overlaps on both sequences. ``base_a``,
    ``base_b``: as for :func:`seeds`.
    """
    na, nb = len(a), len(b)
    if na <= whole and nb <= whole:
        return [(0, na, 0, nb)] if na and nb else []
    i, j = seeds(a, b, k, base_a, base_b, in_order=True)
    if not len(i):
        return []
    d = j - i
    order = np.lexsort((i, d))
    i, d = i[order], d[order]
    brk = np.flatnonzero(np.r_[True, (d[1:] != d[:-1]) | (i[1:] - i[:-1] > k + gap)])
    ends = np.r_[brk[1:], len(i)]
    boxes = []
    for s, e in zip(brk.tolist(), ends.tolist()):
        if e - s < MIN_SEEDS:  # a lone shared k-gram is chance; dropping it keeps merging cheap
            continue
        i0, i1, dd = int(i[s]), int(i[e - 1]) + k, int(d[s])
        boxes.append([*_widen(i0, i1, na, margin, whole), *_widen(i0 + dd, i1 + dd, nb, margin, whole), e - s])
    return [(a0, a1, b0, b1) for a0, a1, b0, b1, _ in _merge(boxes)]


def _widen(s: int, e: int, n: int, margin: int, whole: int) -> tuple[int, int]:
    return (0, n) if n <= whole else (max(0, s - margin), min(n, e + margin))


def _merge(boxes: list[list[int]]) -> list[list[int]]:
    """Union boxes that overlap on both sequences, until none do (seed counts summed)."""
    boxes = sorted(boxes)
    changed = True
    while changed:
        changed = False
        out: list[list[int]] = []
        for bx in boxes:
            for m in out:
                if bx[0] < m[1] and m[0] < bx[1] and bx[2] < m[3] and m[2] < bx[3]:
                    m[0], m[1] = min(m[0], bx[0]), max(m[1], bx[1])
                    m[2], m[3] = min(m[2], bx[2]), max(m[3], bx[3])
                    m[4] += bx[4]
                    changed = True
                    break
            else:
                out.append(bx)
        boxes = sorted(out)
    return boxes
