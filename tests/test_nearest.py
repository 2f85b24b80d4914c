"""Nearest: each document's closest earlier candidate and the share of its word trigrams it holds."""

from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.engines import Inline
from dedup.stages.nearest import nearest, seconds, trigrams
from dedup.stages.normalize import tokenize

from textgen import article as story


class _Store:
    """The one method the stage reads of a prepared store."""

    def __init__(self, texts):
        self._hashes = [tokenize(t)[2] for t in texts]

    def hashes(self, k):
        return self._hashes[k]


def _near(texts, dates, pairs):
    return nearest(_Store(texts), np.asarray(pairs, np.int64).reshape(-1, 2),
                   np.asarray([seconds(d) for d in dates], np.int64), engine=Inline())


DAY = datetime(2024, 3, 1)


def test_a_copy_points_to_its_earlier_source_and_the_source_to_nothing_later():
    a = story(1)
    b = a + " " + story(2)  # a's words whole, then as many more
    partner, share = _near([a, b], [DAY, DAY + timedelta(days=1)], [(0, 1)])
    assert partner.tolist() == [-1, 0]
    assert share[1] == len(np.intersect1d(trigrams(_Store([a]).hashes(0)), trigrams(_Store([b]).hashes(0)))) / len(
        trigrams(_Store([b]).hashes(0)))
    assert 0.4 < share[1] < 0.6


def test_undated_documents_are_compared_both_ways_and_ties_go_to_the_first():
    a = story(3)
    partner, share = _near([a, a, a], [None, None, None], [(0, 1), (0, 2), (1, 2)])
    assert partner.tolist() == [1, 0, 0]
    assert share.tolist() == [1.0, 1.0, 1.0]


def test_same_day_and_time_zones():
    a = story(4)
    utc = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    later_elsewhere = datetime(2024, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=1)))  # 12:30 UTC
    partner, _ = _near([a, a], [utc, later_elsewhere], [(0, 1)])
    assert partner.tolist() == [-1, 0]
    partner, _ = _near([a, a], [DAY, DAY], [(0, 1)])  # the same time: either may be first
    assert partner.tolist() == [1, 0]
    # the calendar's ends, with offsets, order without overflowing
    first = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    last = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    assert seconds(first) < seconds(DAY) < seconds(last)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans())
def test_a_report_gives_every_copy_its_source(seed_a, seed_b, swap):
    # a story and its later copy among an unrelated story: the copy's nearest is the
    # source, holding every one of its trigrams; the source has no earlier candidate
    src, other = story(seed_a), story(seed_b + 10**7)
    docs = [{"id": "src", "text": src, "date": "2024-03-01"}, {"id": "copy", "text": src, "date": "2024-03-02"},
            {"id": "other", "text": other, "date": "2024-03-01"}]
    report = dedup.cluster(docs[::-1] if swap else docs, jobs=1)
    near = {d.doc_id: d.nearest for d in report.documents}
    assert near["copy"] is not None and near["copy"].doc_id == "src" and near["copy"].shared == 1.0
    assert near["src"] is None or near["src"].doc_id != "copy"


def test_the_index_answers_with_the_nearest_stored_candidate_as_a_corpus_run_does(tmp_path):
    src, other = story(21), story(22)
    copy = src + "\n\n" + story(23)
    docs = [dedup.Document(id="src", text=src, date="2024-03-01"), dedup.Document(id="other", text=other, date="2024-03-01"),
            dedup.Document(id="copy", text=copy, date="2024-03-02")]
    batch = {d.doc_id: d.nearest for d in dedup.cluster(docs, jobs=1).documents}
    with dedup.Index.open(str(tmp_path / "i.db")) as index:
        index.add_many(docs[:2])
        later = index.query(docs[2])
        earlier = index.query(docs[2].model_copy(update={"date": "2024-02-01"}))
    assert later.nearest == batch["copy"] and later.nearest.doc_id == "src" and 0.3 < later.nearest.shared < 0.7
    assert earlier.nearest is None  # its only candidate is dated after it


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), max_size=40), min_size=2, max_size=7), st.data())
def test_each_pair_share_is_the_containment_of_the_two_trigram_sets(words, data):
    """The stage reads a document's many partners at once: each pair's two shares are
    exactly those of :func:`containment` (empty and one-word texts included), read at
    once or a pair at a time."""
    from unittest import mock

    from dedup.stages import nearest as stage
    from dedup.stages.nearest import _shares_range, containment

    texts = [" ".join(f"w{x}" for x in ws) for ws in words]
    n = len(texts)
    every = [(i, j) for i in range(n) for j in range(i + 1, n)]
    pairs = np.asarray(data.draw(st.lists(st.sampled_from(every), min_size=1, unique=True)), np.int64)
    store = _Store(texts)
    want = [list(containment(trigrams(store.hashes(i)), trigrams(store.hashes(j)))) for i, j in pairs.tolist()]
    for batch in (1, stage.BATCH):
        with mock.patch.object(stage, "BATCH", batch):
            assert _shares_range((store, pairs), (0, len(pairs))).tolist() == want
