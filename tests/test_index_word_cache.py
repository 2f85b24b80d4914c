"""The word counts an index keeps in memory between answers always equal its tables:
after its own adds and removals, another writer's commits, and a write that fails."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.index import analysis as an

from index_helpers import small_disk  # noqa: F401 (a fixture)
from textgen import article


def _words() -> np.ndarray:
    """Every word of the documents the test uses, stored or not (int64 keys)."""
    return an.signed(np.unique(np.concatenate([an.word_hashes(article(k, 3)) for k in range(12)])))


def _same_as_tables(index) -> None:
    store, words = index._store, _words()
    with store.read():
        kept = store.word_counts(words)  # filled from the cache where it holds them
        assert store._word_cache  # (so the comparison reads the cache)
        assert kept.tolist() == store._word_rows(words).tolist()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["add", "remove", "other adds", "other removes", "query"]),
                          st.integers(0, 11)), min_size=1, max_size=8))
def test_kept_counts_equal_the_tables_whoever_writes(tmp_path_factory, steps):
    path = str(tmp_path_factory.mktemp("cache") / "i.db")
    with dedup.Index.open(path, jobs=1) as index, dedup.Index.open(path, jobs=1) as other:
        for what, k in steps:
            writer = other if what.startswith("other") else index
            doc = {"id": f"d{k}", "text": article(k, 3)}
            if what.endswith("add") or what.endswith("adds"):
                if doc["id"] not in writer:
                    writer.add(doc)
            elif what.endswith("remove") or what.endswith("removes"):
                if doc["id"] in writer:
                    writer.remove(doc["id"])
            else:
                index.query(doc)
            _same_as_tables(index)
            _same_as_tables(other)


def test_a_failed_write_leaves_no_count_behind(tmp_path, small_disk):
    path = str(tmp_path / "i.db")
    small_disk[0] = 100000
    dedup.Index.open(path).close()
    small_disk[0] = 30
    with dedup.Index.open(path, jobs=1) as index:
        index.query({"id": "q", "text": article(0, 3)})  # fills the cache
        failed = False
        for k in range(40):
            try:
                index.add({"id": f"d{k}", "text": article(k % 12, 3) + f" word{k}"})
            except dedup.IndexFileError:
                failed = True
                break
        assert failed  # the disk filled (so the test can fail)
        _same_as_tables(index)
