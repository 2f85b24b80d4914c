"""Clustering: links join documents, but one document must not chain stories together."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.cluster import components, supported


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


def test_a_hub_that_uses_a_real_part_of_both_groups_joins_them():
    # A wire update (7) that reuses a fifth of itself from each of two earlier groups of
    # texts on one event: not a compilation, so the event stays one cluster.
    edges = _clique([0, 1, 2]) + _clique([3, 4, 5, 6]) + [(7, x) for x in range(7)]
    covered = [(1.0, 1.0)] * 9 + [(0.2, 0.5)] * 7
    assert components(8, [e for e, ok in zip(edges, supported(8, edges, covered)) if ok]) == [list(range(8))]
    tiny = [(1.0, 1.0)] * 9 + [(0.01, 0.5)] * 7
    assert components(8, [e for e, ok in zip(edges, supported(8, edges, tiny)) if ok]) == [[0, 1, 2], [3, 4, 5, 6, 7]]
