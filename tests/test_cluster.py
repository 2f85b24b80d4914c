"""Clustering: links join documents, but one document must not chain stories together."""

from hypothesis import given, settings
from hypothesis import strategies as st

import numpy as np

from dedup.stages.cluster import components, pair_lookup, supported


def _clusters(n, edges):
    return components(n, [e for e, ok in zip(edges, supported(n, edges)) if ok])


def _clique(nodes):
    return [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]]


def test_a_hub_linked_to_two_stories_joins_only_the_larger():
    # Stories 0-2 and 3-6 copy each other; document 7 (a long live blog) carries a
    # passage of each and links to every copy of both.
    edges = _clique([0, 1, 2]) + _clique([3, 4, 5, 6]) + [(7, x) for x in range(7)]
    assert _clusters(8, edges) == [[0, 1, 2], [3, 4, 5, 6, 7]]


def test_a_story_with_partial_copies_stays_whole():
    # An origin (0), its copies (1-3) and two partial copies that link only to it.
    edges = _clique([0, 1, 2, 3]) + [(0, 4), (0, 5)]
    assert _clusters(6, edges) == [[0, 1, 2, 3, 4, 5]]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40), st.randoms())
def test_clusters_do_not_depend_on_link_order(raw, rnd):
    edges = sorted({(min(a, b), max(a, b)) for a, b in raw if a != b})
    shuffled = [(b, a) if rnd.random() < 0.5 else (a, b) for a, b in edges]
    rnd.shuffle(shuffled)
    assert _clusters(12, edges) == _clusters(12, shuffled)


def test_a_running_story_without_triangles_stays_whole():
    # Two write-throughs (0, 1) each take paragraphs from three earlier pieces (2-4) of
    # one running story; the pieces never link to each other, nor the write-throughs
    # (they differ in what they add): no link has a common neighbour, every one lies on
    # a cycle of four.
    edges = [(w, p) for w in (0, 1) for p in (2, 3, 4)]
    assert _clusters(5, edges) == [[0, 1, 2, 3, 4]]
    # updates that each take from the one before (2 -> 3 -> 4 -> 5), the last from the
    # first write-through (0) as well: its links lie on a cycle of five; 6 and 7 lead from
    # 1 to 3 the same way
    edges = _clique([0, 1, 2]) + [(2, 3), (3, 4), (4, 5), (5, 0), (1, 6), (6, 7), (7, 3)]
    assert _clusters(8, edges) == [list(range(8))]


def test_a_stray_link_between_two_stories_stays_a_bridge():
    # One link between two stories' copies; and a ring of three stray links among three
    # stories, whose second tie is five links long: each is still a bridge.
    assert _clusters(8, _clique([0, 1, 2, 3]) + _clique([4, 5, 6, 7]) + [(3, 4)]) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    ring = _clique([0, 1, 2]) + _clique([3, 4, 5]) + _clique([6, 7, 8]) + [(0, 3), (4, 6), (7, 1)]
    assert _clusters(9, ring) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_a_hub_that_uses_a_real_part_of_both_groups_joins_them():
    # A wire update (7) that reuses a fifth of itself from each of two earlier groups of
    # texts on one event: not a compilation, so the event stays one cluster.
    edges = _clique([0, 1, 2]) + _clique([3, 4, 5, 6]) + [(7, x) for x in range(7)]
    covered = [(1.0, 1.0)] * 9 + [(0.2, 0.5)] * 7
    assert components(8, [e for e, ok in zip(edges, supported(8, edges, covered)) if ok]) == [list(range(8))]
    tiny = [(1.0, 1.0)] * 9 + [(0.01, 0.5)] * 7
    assert components(8, [e for e, ok in zip(edges, supported(8, edges, tiny)) if ok]) == [[0, 1, 2], [3, 4, 5, 6, 7]]


def test_a_text_from_two_takes_of_one_story_joins_them():
    # Two wire takes of one court case (0 and 3), each with its copies (1, 2 and 4, 5);
    # a newspaper text (6) took a paragraph from each. The takes share no passage, so
    # no link ties them; but their copies name the same people and places, and the
    # candidate stage proposed them as pairs (unlinked): a second, weaker tie.
    edges = _clique([0, 1, 2]) + _clique([3, 4, 5]) + [(6, 0), (6, 3)]
    alone = [[0, 1, 2], [3, 4, 5]]
    assert components(7, [e for e, ok in zip(edges, supported(7, edges)) if ok]) == alone
    named = np.array([(a, b) for a in (0, 1, 2) for b in (3, 4, 5)])
    related = pair_lookup(7, named)
    assert components(7, [e for e, ok in zip(edges, supported(7, edges, None, related)) if ok]) == [list(range(7))]
    # the same pairs linked as a template series (a formula with other facts) tie nothing
    series = pair_lookup(7, named, [tuple(p) for p in named.tolist()])
    assert components(7, [e for e, ok in zip(edges, supported(7, edges, None, series)) if ok]) == alone
    # nor does a candidate pair of the link's own end (the passage itself, seen again)
    own = pair_lookup(7, np.array([(6, 4), (0, 6)]))
    assert components(7, [e for e, ok in zip(edges, supported(7, edges, None, own)) if ok]) == alone


def test_candidate_ties_asked_in_small_blocks_give_the_same(monkeypatch):
    import dedup.stages.cluster as cluster
    # the ties lie in the last block of each link's pairs
    edges = _clique([0, 1, 2, 3]) + _clique([4, 5, 6, 7]) + [(0, 8), (4, 8)]
    related = pair_lookup(9, np.array([(3, 4), (7, 0)]))
    want = supported(9, edges, None, related)
    monkeypatch.setattr(cluster, "RELATED_BLOCK", 2)
    assert supported(9, edges, None, related) == want and all(want)


def test_pair_lookup_reads_either_order():
    related = pair_lookup(10, np.array([(1, 2), (7, 3)]), [(3, 7)])
    assert related(np.array([2, 1, 3, 7, 1]), np.array([1, 2, 7, 3, 3])).tolist() == [True, True, False, False, False]
    assert not pair_lookup(10, np.zeros((0, 2), np.int64))(np.array([1]), np.array([2])).any()


def _reference(n, edges, covered, related=frozenset()):
    """supported() written plainly from the module docstring: per hub, its neighbours'
    groups by breadth-first search over the links among them."""
    nbrs = [set() for _ in range(n)]
    for a, b in edges:
        nbrs[a].add(b)
        nbrs[b].add(a)
    share = {}
    for (a, b), (ca, cb) in zip(edges, covered):
        share[(a, b)] = max(share.get((a, b), 0.0), ca)
        share[(b, a)] = max(share.get((b, a), 0.0), cb)
    cut = set()
    for h in range(n):
        left, groups = set(nbrs[h]), []
        while left:
            todo, seen = [min(left)], set()
            while todo:
                x = todo.pop()
                if x in seen:
                    continue
                seen.add(x)
                todo.extend(nbrs[x] & left)
            left -= seen
            groups.append(sorted(seen))
        linked = [g for g in groups if len(g) > 1]
        if len(linked) < 2:
            continue
        keep = min(linked, key=lambda g: (-len(g), g[0]))
        for g in linked:
            if g is not keep and max(share.get((h, x), 0.0) for x in g) < 0.05:
                cut.update((h, x) for x in g)
    out = []
    for a, b in edges:
        ok = (len(nbrs[a]) < 2 or len(nbrs[b]) < 2 or _distance_without(nbrs, a, b) <= 4
              or any((u, v) in related or (v, u) in related for u in nbrs[a] - {b} for v in nbrs[b] - {a} if u != v))
        out.append(ok and (a, b) not in cut and (b, a) not in cut)
    return out


def _distance_without(nbrs, a, b):
    """Links on the shortest path from a to b once the link a-b is taken away."""
    dist, todo = {a: 0}, [a]
    while todo:
        x = todo.pop(0)
        for y in nbrs[x]:
            if {x, y} != {a, b} and y not in dist:
                dist[y] = dist[x] + 1
                todo.append(y)
    return dist.get(b, 10**9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.sampled_from([0.0, 0.01, 0.2, 1.0]),
                          st.sampled_from([0.0, 0.01, 0.2, 1.0])), max_size=45))
def test_supported_matches_the_rule_written_plainly(raw):
    # dense stories, hubs and lone partial copies alike: the quick paths change nothing
    seen, edges, covered = set(), [], []
    for a, b, ca, cb in raw:
        if a != b and (min(a, b), max(a, b)) not in seen:
            seen.add((min(a, b), max(a, b)))
            edges.append((a, b))
            covered.append((ca, cb))
    assert supported(10, edges, covered) == _reference(10, edges, covered)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30),
       st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=12))
def test_supported_with_candidate_ties_matches_the_rule_written_plainly(raw, cands):
    edges = sorted({(min(a, b), max(a, b)) for a, b in raw if a != b})
    pairs = sorted({(min(a, b), max(a, b)) for a, b in cands if a != b})
    covered = [(1.0, 1.0)] * len(edges)
    related = pair_lookup(10, np.array(pairs, np.int64).reshape(-1, 2))
    assert supported(10, edges, covered, related) == _reference(10, edges, covered, set(pairs))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))), max_size=60 if n else 0))))
def test_components_are_the_connected_groups(graph):
    """components (roots found by pointer jumping over the union-find's parents) gives
    the groups a search from each node finds: two or more nodes, each sorted, in order."""
    n, edges = graph
    nbrs = {x: set() for x in range(n)}
    for a, b in edges:
        nbrs[a].add(b)
        nbrs[b].add(a)
    seen, expected = set(), []
    for x in range(n):
        if x in seen:
            continue
        group, todo = {x}, [x]
        while todo:
            for y in nbrs[todo.pop()] - group:
                group.add(y)
                todo.append(y)
        seen |= group
        if len(group) > 1:
            expected.append(sorted(group))
    assert components(n, edges) == expected
