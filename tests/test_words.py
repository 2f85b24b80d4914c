"""Corpus tables (dedup.stages.words): parts folded with ``merge`` in document order
equal the table of all the documents at once, for word tables (with each singleton's
document and occurrences) and for count tables alike."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from dedup.engines.base import fold
from dedup.stages.words import merge, table_of, table_of_pairs, totals

docs_st = st.lists(st.lists(st.integers(0, 40), max_size=12), min_size=1, max_size=25)


def _vocab(words: list[int]) -> tuple[np.ndarray, np.ndarray]:
    v, occ = np.unique(np.asarray(words, np.uint64), return_counts=True)
    return v, occ


@settings(max_examples=200, deadline=None)
@given(docs_st, st.integers(1, 6))
def test_word_tables_folded_in_parts_equal_the_whole(docs, size):
    entries = [(k, *_vocab(w)) for k, w in enumerate(docs)]
    whole = table_of(entries)
    parts = [table_of(entries[i : i + size]) for i in range(0, len(entries), size)]
    folded = fold(merge, parts)
    for x, y in zip(whole, folded):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    values, counts, single = totals(folded, len(docs))
    # brute force: documents per word, and per document the tokens of words no other has
    df = {w: sum(w in set(d) for d in docs) for d in docs for w in d}
    assert values.tolist() == sorted(df) and counts.tolist() == [df[w] for w in sorted(df)]
    assert single.tolist() == [sum(1 for w in d if df[w] == 1) for d in docs]


@settings(max_examples=200, deadline=None)
@given(docs_st, st.integers(1, 6))
def test_count_tables_folded_in_parts_equal_the_whole(docs, size):
    pairs = [(np.full(len(w), k), np.asarray(w, np.uint64)) for k, w in enumerate(docs)]  # repeats allowed
    parts = [table_of_pairs(np.concatenate([d for d, _ in pairs[i : i + size]]).astype(np.int64),
                            np.concatenate([w for _, w in pairs[i : i + size]]))
             for i in range(0, len(pairs), size)]
    values, counts, single = totals(fold(merge, parts), len(docs))
    df = {w: sum(w in set(d) for d in docs) for d in docs for w in d}
    assert values.tolist() == sorted(df) and counts.tolist() == [df[w] for w in sorted(df)]
    assert counts.dtype == np.int64 and single is None
