"""Sources, not copies: a story's own copies do not make its sentences a formula
(dedup.stages.sources)."""

import random

import numpy as np

from dedup import cluster
from hypothesis import given, settings, strategies as st

from dedup.stages.sources import excess, groups_of, lowered
from dedup.storage.keyparts import KeyParts, split_by_key
from dedup.stages.words import table_of_pairs


def _words(rng: random.Random, n: int, vocab: list[str]) -> str:
    return " ".join(rng.choice(vocab) for _ in range(n))


def _corpus(copies: int, shared: int) -> tuple[list[dict], str]:
    """Background documents, a story and ``copies`` copies of it, and a short text that
    kept ``shared`` words of the story's first sentence among new words of its own."""
    rng = random.Random(7)
    vocab = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(4000)]
    docs = [{"id": f"bg{k:03d}", "text": _words(rng, 90, vocab) + "."} for k in range(80)]
    lead = _words(rng, 30, vocab)
    body = "\n\n".join(_words(rng, 40, vocab) + "." for _ in range(3))
    story = lead + ".\n\n" + body
    docs.append({"id": "origin", "text": story, "date": "2024-01-01"})
    for k in range(copies):
        docs.append({"id": f"copy{k:02d}", "text": f"{_words(rng, 6, vocab)}.\n\n" + story, "date": f"2024-01-0{2 + k % 7}"})
    trimmed = _words(rng, 40, vocab) + ".\n\n" + " ".join(lead.split()[:shared]) + ".\n\n" + _words(rng, 30, vocab) + "."
    docs.append({"id": "trimmed", "text": trimmed, "date": "2024-01-09"})
    return docs, trimmed


def _cluster_of(report, doc_id):
    return next((c.id for c in report.clusters if any(m.doc_id == doc_id for m in c.members)), None)


def test_a_sentence_kept_from_a_much_copied_story_links_as_it_would_from_a_rare_one():
    # the kept sentence links the trimmed text when the story has two copies ...
    docs, _ = _corpus(copies=2, shared=16)
    report = cluster(docs)
    assert _cluster_of(report, "trimmed") == _cluster_of(report, "origin") is not None
    # ... and when it has twelve, whose carrying the sentence is one source, not twelve
    docs, _ = _corpus(copies=12, shared=16)
    report = cluster(docs)
    assert _cluster_of(report, "trimmed") == _cluster_of(report, "origin") is not None


def test_background_documents_stay_alone_when_a_story_is_copied_many_times():
    docs, _ = _corpus(copies=12, shared=16)
    report = cluster(docs)
    assert not any(m.doc_id.startswith("bg") for c in report.clusters for m in c.members)


def test_groups_are_the_components_of_the_links():
    g = groups_of(6, [(0, 1), (1, 2), (4, 5)])
    assert g[0] == g[1] == g[2] != g[3] and g[4] == g[5] != g[0]


def test_recount_counts_each_group_once():
    # key 5: documents 0, 1, 2 (one group) and 3; key 9: documents 0 and 3
    table = (np.array([5, 9], np.uint64), np.array([4, 2], np.int64))
    docs = np.array([0, 1, 2, 0], np.int32)
    keys = np.array([5, 5, 5, 9], np.uint64)
    group = np.array([0, 0, 0, 3])
    values, counts = lowered(table, excess(KeyParts.of([keys], [docs]), group))
    assert values.tolist() == [5, 9] and counts.tolist() == [2, 2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 40)), min_size=1, max_size=120, unique=True),
       st.lists(st.integers(0, 4), min_size=12, max_size=12), st.integers(0, 6), st.integers(0, 2 ** 64 - 1))
def test_recount_range_by_range_is_the_recount_of_the_whole(entries, groups, bits, salt):
    # the keys spread over the whole 64-bit range, so that every key range gets some
    docs = np.array([d for d, _ in entries], np.int32)
    keys = np.array([(k * 0x9E3779B97F4A7C15 + salt) % 2 ** 64 for _, k in entries], np.uint64)
    group = np.array(groups)
    per_doc, per_group = table_of_pairs(docs, keys), table_of_pairs(group[docs], keys)
    expected = per_doc[1] - (per_doc[1] - per_group[1])  # each key: its groups
    parts = KeyParts(None, "", bits)
    half = len(keys) // 2  # added in two batches, as workers do
    parts.add(split_by_key(keys[:half], docs[:half], bits))
    parts.add(split_by_key(keys[half:], docs[half:], bits))
    values, counts = lowered(per_doc, excess(parts, group))
    assert values.tolist() == per_doc[0].tolist() and counts.tolist() == expected.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 40)), max_size=120, unique=True),
       st.lists(st.integers(0, 11), min_size=12, max_size=12))
def test_a_group_carrying_a_key_stands_for_it_by_its_first_member(entries, groups):
    from dedup.stages.inverted import _one_per_group

    docs = np.array([d for d, _ in entries], np.int32)
    keys = np.array([k for _, k in entries], np.uint64)
    group = np.array(groups)
    got_k, got_d = _one_per_group(keys, docs, group)
    # the definition: for each key two or more documents carry, each group's first carrier
    carriers: dict = {}
    for d, k in entries:
        carriers.setdefault(k, []).append(d)
    want = {(k, min(d for d in ds if group[d] == g)) for k, ds in carriers.items() if len(ds) > 1
            for g in {group[d] for d in ds}}
    assert sorted(zip(got_k.tolist(), got_d.tolist())) == sorted(want)
    assert got_d.dtype == docs.dtype


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 9), st.integers(0, 3)), max_size=80))
def test_keys_sorted_once_count_each_owner_as_a_table_each(entries):
    from dedup.stages.words import tables_of_pairs

    keys = np.array([k for k, _, _ in entries], np.uint64)
    docs, groups = (np.array([e[c] for e in entries], np.int64) for c in (1, 2))
    values, (per_doc, per_group) = tables_of_pairs(keys, docs, groups)
    for owners, counts in ((docs, per_doc), (groups, per_group)):
        want = table_of_pairs(owners, keys)
        assert values.tolist() == want[0].tolist() and counts.tolist() == want[1].tolist()
        assert counts.tolist() == [len({o for k, o in zip(keys.tolist(), owners.tolist()) if k == v}) for v in values.tolist()]
