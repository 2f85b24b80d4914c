"""Cluster: documents joined by links form clusters (connected components).

Plain single linkage lets one stray link chain two whole stories together. So a link
whose two ends both have other links is a bridge between two groups, and does not merge
them, when nothing else ties its two ends together nearby: no path of two, three or
four other links joins them. Copies of one story link to each other densely (a
common neighbour: a triangle); a running story's texts often do not, yet stay tied: two
full write-throughs each take paragraphs from the same earlier pieces, which never link
to each other (each link then lies on a cycle of four), or an update takes from one
piece that took from another (five). A stray link between two stories has no such
second tie. One weaker tie counts too: a text linked to one end and a text linked to the
other that the candidate stage proposed as a pair (they share an LSH band or rare word
bigrams) without linking them. Reports of one running story name the same people and
places; a newspaper text built from two wire takes of a court case ties the takes' own
copies so, where two unrelated stories a digest quotes share no rare phrase. A pair the
template stage linked (a series' formula: the same prime-rate sentence with another bank)
is no such tie.

A hub defeats that test: a long compilation (a live blog, a transcript, a digest of
pages) carries a passage of one story and a passage of another, and links to every copy
of both. Each of its links then shares neighbours (the other copies of the same story)
although the two stories share nothing but the hub. So a document's neighbours are
grouped by the links among themselves; when they fall into two or more groups of
linked documents that no link joins except through it, it joins only the largest group
(ties: the group with the smallest document number): its links to another group do not
merge clusters when that group's passages are a small part (under
``COMPILATION_SHARE``) of the hub, as one item of a compilation is. A report that uses a
real part of two groups' text (a wire update following two earlier texts of one event)
still joins them. A lone neighbour (a
partial copy linked to nothing else) is no group and keeps its link.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

import numpy as np

# A group whose passages are under this share of a hub is one item of a compilation (a
# live blog holds dozens); a wire update that reuses a tenth of another is a follow-up.
COMPILATION_SHARE = 0.05
RELATED_BLOCK = 1 << 18  # pairs asked of ``related`` at once (a few MB)


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size (no recursion)."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def roots(self) -> np.ndarray:
        """Every node's root, at once: the parents followed by pointer jumping over an
        array (a find() per node was a second of a 100k-article run's driver)."""
        root = np.asarray(self.parent, np.int64)
        while True:
            up = root[root]
            if np.array_equal(up, root):
                return root
            root = up

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb] or (self.size[ra] == self.size[rb] and rb < ra):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Groups of two or more nodes connected by ``edges``, each sorted, sorted by first node."""
    uf = UnionFind(n)
    for a, b in edges:
        uf.union(a, b)
    root = uf.roots()
    order = np.argsort(root, kind="stable")  # each group's nodes in order
    cut = np.flatnonzero(np.diff(root[order])) + 1
    groups = [g.tolist() for g in np.split(order, cut) if len(g) > 1]
    return sorted(groups, key=lambda g: g[0])


def supported(n: int, edges: list[tuple[int, int]], covered: Sequence[tuple[float, float]] | None = None,
              related: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
              cut: set[tuple[int, int]] = frozenset()) -> list[bool]:
    """For each edge, whether it may merge clusters (see the module docstring).
    ``covered``: per edge, the share of each end's words in its passages (without it,
    every hub link counts as a small part); ``related``: given two arrays of documents,
    whether each pair of them is a candidate pair that is not a template series (the
    weaker tie; None: not used); ``cut``: links ``(hub, x)`` that merge nothing
    (:func:`dedup.stages.compilation.compilation_cuts`)."""
    nbrs: dict[int, set[int]] = {}  # the linked documents only (a set each: 216 bytes empty)
    for a, b in edges:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    out = []
    for a, b in edges:
        if len(nbrs[a]) < 2 or len(nbrs[b]) < 2:
            out.append(True)
        else:
            small, large = (nbrs[a], nbrs[b]) if len(nbrs[a]) <= len(nbrs[b]) else (nbrs[b], nbrs[a])
            # a common neighbour first (copies of one story: nearly every link), then the
            # longer ties, searched only for the links without one
            out.append(any(x in large for x in small if x != a and x != b) or _tied(nbrs, a, b)
                       or (related is not None and _related(nbrs, a, b, related)))
    split = _hub_splits(nbrs)
    # Only the links of a hub to a group it may not join are judged by their share: those
    # few are looked up (a share per end of every link took half a gigabyte of dict
    # entries at a million articles).
    share = dict.fromkeys(((h, x) for h, groups in split for g in groups for x in g), 0.0)
    if share and covered is not None:
        for (a, b), (ca, cb) in zip(edges, covered):
            if (a, b) in share:
                share[(a, b)] = max(share[(a, b)], ca)
            if (b, a) in share:
                share[(b, a)] = max(share[(b, a)], cb)
    cut = set(cut)
    for h, groups in split:
        for g in groups:
            if max(share[(h, x)] for x in g) < COMPILATION_SHARE:
                cut.update((h, x) for x in g)
    return [ok and (a, b) not in cut and (b, a) not in cut for (a, b), ok in zip(edges, out)]


def _tied(nbrs: dict[int, set[int]], a: int, b: int) -> bool:
    """Whether ``a`` and ``b`` are joined by a path of three or four links (two: a
    common neighbour, tested first), never the link between them."""
    near_a, near_b = nbrs[a] - {b}, nbrs[b] - {a}
    if len(near_a) > len(near_b):
        near_a, near_b = near_b, near_a
    # a-x-y-b; isdisjoint stops at the first hit: quick where links are dense
    if any(not nbrs[y].isdisjoint(near_a) for y in near_b):
        return True
    far_a = set().union(*(nbrs[x] for x in near_a)) - {a, b}  # a-x-m-y-b
    return any(not nbrs[y].isdisjoint(far_a) for y in near_b)


def pair_lookup(n: int, pairs: np.ndarray, without: Iterable[tuple[int, int]] = ()):
    """``related`` for :func:`supported`: whether each ``(u[k], v[k])`` is one of ``pairs``
    (either order) and not one of ``without``. The pairs are kept as sorted keys
    ``i * n + j`` (i < j, as the candidate stage codes them; a million articles' pairs are
    tens of MB, a set of tuples hundreds), made on the first question: most corpora's
    links never ask one."""
    def key(a, b):
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        return np.minimum(a, b) * n + np.maximum(a, b)

    drop = np.array(list(without), np.int64).reshape(-1, 2)

    @functools.cache
    def keys() -> np.ndarray:
        out = np.unique(key(pairs[:, 0], pairs[:, 1]))
        return out[~np.isin(out, key(drop[:, 0], drop[:, 1]))]

    def related(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        k, known = key(u, v), keys()
        if not len(known):
            return np.zeros(len(k), bool)
        return known[np.minimum(np.searchsorted(known, k), len(known) - 1)] == k

    return related


def _related(nbrs: dict[int, set[int]], a: int, b: int, related) -> bool:
    """Whether a neighbour of ``a`` and a neighbour of ``b`` (other than ``a`` and ``b``)
    are a related pair: asked a block of pairs at a time (two stories' thousands of
    copies would make tens of millions of pairs at once)."""
    near_a = np.fromiter(sorted(nbrs[a] - {b}), np.int64)
    near_b = np.fromiter(sorted(nbrs[b] - {a}), np.int64)
    step = max(1, RELATED_BLOCK // max(1, len(near_b)))
    for s in range(0, len(near_a), step):
        part = near_a[s : s + step]
        u, v = np.repeat(part, len(near_b)), np.tile(near_b, len(part))
        keep = u != v
        if related(u[keep], v[keep]).any():
            return True
    return False


def _hub_splits(nbrs: dict[int, set[int]]) -> list[tuple[int, list[list[int]]]]:
    """Per hub whose neighbours fall into two or more groups of linked documents, the
    groups other than the one it joins (the largest; ties: the smallest document)."""
    out = []
    for h, around in nbrs.items():
        if len(around) < 4:  # two groups need two documents each
            continue
        linked = [g for g in groups_among(around, nbrs.__getitem__) if len(g) > 1]
        if len(linked) < 2:
            continue
        keep = min(linked, key=lambda g: (-len(g), min(g)))
        out.append((h, [g for g in linked if g is not keep]))
    return out


def groups_among(around: Iterable[int], nbrs: Callable[[int], Iterable[int]]) -> list[list[int]]:
    """The groups of ``around`` that links among themselves join (``nbrs(x)``: the
    documents linked to ``x``; a search from each node not yet reached, set operations
    in C: a story's copies, all linked to each other, are one step)."""
    left, groups = set(around), []
    while left:
        start = min(left)
        left.discard(start)
        group, todo = [start], [start]
        while todo:
            new = left.intersection(nbrs(todo.pop()))
            if new:
                left -= new
                group.extend(new)
                todo.extend(new)
        groups.append(group)
    return groups


def connected(nodes: list[int], edges: Iterable[tuple[int, int]]) -> bool:
    """Whether ``edges`` alone connect every node of ``nodes``."""
    index = {x: i for i, x in enumerate(nodes)}
    uf = UnionFind(len(nodes))
    for a, b in edges:
        uf.union(index[a], index[b])
    return len({uf.find(i) for i in range(len(nodes))}) == 1
