"""Compilation: a digest whose items are stories of their own does not join them.

A digest of a day's news, a live blog or a round-up carries a passage of each story it
lists, so it links to a text of each. Clustering (:mod:`dedup.stages.cluster`) keeps a
hub's links to groups of linked copies apart when each is a small part of it; but a
digest's items are often single texts (a wire story without copies), linked to nothing
but the digest, and each may be a tenth of it. So those links chained unrelated stories
into one cluster through the digest.

A hub is a compilation when its neighbours fall into ``MIN_ITEMS`` or more *parts* that
share nothing but the hub: no link among them, no candidate pair between them (no LSH
band, no rare bigrams), no word of the hub (each took its own stretch of it), and no
names beyond chance. The last is an E-value as the takes of a story are tied
(:mod:`dedup.stages.stories`): over the names and figures two texts share outside
quotations, the expected number of pairs sharing as many as rare, among the pairs
this stage asks, must be at least one. A newspaper text written from three takes of one
court case has each take's passage in its own stretch too, but the takes name the same
people; a digest's items do not. The hub joins the largest part (ties: the smallest
document); its links to the others merge no clusters (as a bridge's do not).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .cluster import RELATED_BLOCK, UnionFind, groups_among

MIN_ITEMS = 3  # parts that share nothing but the hub: a follow-up of two earlier texts is not a digest
NAMES_EVALUE = 1.0  # texts sharing names more than chance (fewer than one such pair expected) are one part

Spans = list[tuple[int, int]]


def compilation_cuts(edges: np.ndarray, related: Callable[[np.ndarray, np.ndarray], np.ndarray],
                     hub_spans: Callable[[list[tuple[int, int]]], dict[tuple[int, int], Spans]],
                     names: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> set[tuple[int, int]]:
    """The links ``(hub, x)`` of compilations to the parts they do not join. ``edges``:
    the links, rows ``(i, j)``; ``related(u, v)``: whether each pair is a candidate pair
    (not a template series'); ``hub_spans(links)``: per link ``(h, x)`` asked, the word
    spans its passages cover in ``h``; ``names(docs)``: the pairs of ``docs`` that share
    names (rows ``(u, v)``) and the ``ln`` of each one's E-value in a search of one pair
    (:func:`dedup.stages.stories.shared_names`)."""
    found = _hubs(edges)
    found = [(h, parts) for h, parts in ((h, _joined_by_pairs(g, related)) for h, g in found) if len(parts) >= MIN_ITEMS]
    if not found:
        return set()
    spans = hub_spans([(h, x) for h, parts in found for part in parts for x in part])
    apart = ((h, _overlapping(parts, [[sp for x in part for sp in spans.get((h, x), [])] for part in parts]))
             for h, parts in found)
    found = [(h, parts) for h, parts in apart if len(parts) >= MIN_ITEMS]
    # the search space: every pair of documents of two parts of a hub, all hubs counted
    tests = sum(math.comb(sum(map(len, parts)), 2) - sum(math.comb(len(p), 2) for p in parts) for _, parts in found)
    cut: set[tuple[int, int]] = set()
    for h, parts in found:
        part_of = {x: k for k, p in enumerate(parts) for x in p}
        pairs, log_e = names(np.fromiter(sorted(part_of), np.int64))
        uf = UnionFind(len(parts))
        for (u, v), e in zip(pairs.tolist(), log_e.tolist()):
            if e + math.log(tests) <= math.log(NAMES_EVALUE):
                uf.union(part_of[u], part_of[v])
        parts = _merged(parts, uf)
        if len(parts) >= MIN_ITEMS:
            keep = min(parts, key=lambda p: (-len(p), p[0]))
            cut.update((h, x) for p in parts if p is not keep for x in p)
    return cut


def _hubs(edges: np.ndarray) -> list[tuple[int, list[list[int]]]]:
    """The documents whose neighbours fall into ``MIN_ITEMS`` or more groups that no link
    among them joins, with the groups. The links are held as sorted arrays (CSR), not a
    set per document: this runs while the corpus counts are still in memory."""
    if not len(edges):
        return []
    e = np.asarray(edges, np.int64).reshape(-1, 2)
    ends = np.concatenate([e, e[:, ::-1]])
    ends = ends[np.lexsort((ends[:, 1], ends[:, 0]))]
    first = np.searchsorted(ends[:, 0], np.arange(int(ends.max()) + 2)).tolist()
    other = ends[:, 1]

    def nbrs(x: int) -> list[int]:
        return other[first[x] : first[x + 1]].tolist()

    found = []
    for h in np.flatnonzero(np.diff(first) >= MIN_ITEMS).tolist():
        groups = groups_among(nbrs(h), nbrs)
        if len(groups) >= MIN_ITEMS:
            found.append((h, groups))
    return found


def _merged(parts: list[list[int]], uf: UnionFind) -> list[list[int]]:
    root = uf.roots()
    by_root: dict[int, list[int]] = {}
    for k, p in enumerate(parts):
        by_root.setdefault(int(root[k]), []).extend(p)
    return [sorted(p) for p in by_root.values()]


def _joined_by_pairs(groups: list[list[int]], related) -> list[list[int]]:
    """``groups`` joined where a document of one and one of another are a related pair."""
    doc = np.fromiter((x for g in groups for x in g), np.int64)
    grp = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    uf = UnionFind(len(groups))
    step = max(1, RELATED_BLOCK // max(1, len(doc)))
    for s in range(0, len(doc), step):
        u = np.repeat(np.arange(s, min(s + step, len(doc))), len(doc))
        v = np.tile(np.arange(len(doc)), min(step, len(doc) - s))
        keep = grp[u] < grp[v]
        u, v = u[keep], v[keep]
        for i in np.flatnonzero(related(doc[u], doc[v])).tolist():
            uf.union(int(grp[u[i]]), int(grp[v[i]]))
    return _merged(groups, uf)


def _overlapping(parts: list[list[int]], covered: list[Spans]) -> list[list[int]]:
    """``parts`` joined where their passages' spans in the hub (``covered``, per part)
    share a word."""
    uf = UnionFind(len(parts))
    for k in range(len(parts)):
        for m in range(k + 1, len(parts)):
            if any(s < f and r < e for s, e in covered[k] for r, f in covered[m]):
                uf.union(k, m)
    return _merged(parts, uf)
