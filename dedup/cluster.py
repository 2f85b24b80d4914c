"""Cluster: documents joined by links form clusters (connected components)."""

from __future__ import annotations

from collections.abc import Iterable


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
    groups: dict[int, list[int]] = {}
    for x in range(n):
        groups.setdefault(uf.find(x), []).append(x)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def connected(nodes: list[int], edges: Iterable[tuple[int, int]]) -> bool:
    """Whether ``edges`` alone connect every node of ``nodes``."""
    index = {x: i for i, x in enumerate(nodes)}
    uf = UnionFind(len(nodes))
    for a, b in edges:
        uf.union(index[a], index[b])
    return len({uf.find(i) for i in range(len(nodes))}) == 1
