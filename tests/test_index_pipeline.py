"""The index as a news pipeline uses it: re-asking about stored documents, feeds that
fail part way, paths of any type."""

import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup

from index_helpers import mixed_docs


def _answer(result: dedup.AddResult) -> dict:
    """An answer without its story labels (rowid-based) and the query-only fields."""
    out = result.model_dump(exclude={"in_index", "stored_cluster", "cluster", "origin"})
    for m in out["matches"]:
        del m["cluster"], m["origin"]
    return out


def test_query_of_a_stored_id_answers_as_without_it(tmp_path):
    """A query of a stored document's id leaves that document out of everything the
    answer counts (documents, words, lines, n-gram anchors, buckets): it equals the
    answer of the same index with the document removed."""
    docs = mixed_docs()
    path = tmp_path / "i.db"
    with dedup.Index.open(path, jobs=1) as index:
        for d in docs:
            index.add(d)
        asked = {d.id: _answer(index.query(d)) for d in docs}
    for d in docs:
        shutil.copy(path, tmp_path / "less.db")
        with dedup.Index.open(tmp_path / "less.db", jobs=1) as less:
            less.remove(d.id)
            assert asked[d.id] == _answer(less.query(d)), d.id


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(good=st.integers(0, 7), batch=st.integers(1, 4))
def test_a_feed_that_fails_keeps_the_batches_read_before(tmp_path_factory, good, batch):
    """A generator that raises after ``good`` documents: every whole batch read before the
    failure is committed (the failing read happens while the batch before it is being
    written, and used to undo it), the error is the feed's own."""
    docs = mixed_docs()[:good]

    def feed():
        yield from docs
        raise RuntimeError("feed broke")

    with dedup.Index.open(tmp_path_factory.mktemp("ix") / "i.db", jobs=1) as index:
        with pytest.raises(RuntimeError, match="feed broke"):
            index.add_many(feed(), batch_size=batch)
        kept = good // batch * batch
        assert [d.id for d in docs if d.id in index] == [d.id for d in docs[:kept]]


@pytest.mark.parametrize("name", [b"news.db", b"caf\xe9 news.db"])
def test_an_index_path_may_be_bytes_or_a_name_that_is_not_utf8(tmp_path, name):
    """As the corpus readers take them: bytes (decoded as the file system does), and a
    name that is not UTF-8, as bytes or as the str os.fsdecode gives."""
    as_bytes = os.fsencode(tmp_path) + b"/" + name
    with dedup.Index.open(as_bytes, jobs=1) as index:
        index.add({"id": "a", "text": "Some words of a story that is stored here."})
    for again in (as_bytes, os.fsdecode(as_bytes)):
        with dedup.Index.open(again, jobs=1, readonly=True) as index:
            assert "a" in index
    assert name in os.listdir(os.fsencode(tmp_path))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_an_index_used_across_fork_refuses_and_a_new_one_works(tmp_path):
    """SQLite's locks belong to the process that took them: a connection used in a forked
    child (a multiprocessing pool started after the index was opened) may damage the
    file. The child gets IndexFileError and opens its own."""
    docs = mixed_docs()
    path = tmp_path / "i.db"
    with dedup.Index.open(path, jobs=1) as index:
        index.add(docs[0])
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 1
            try:
                try:
                    index.add(docs[1])
                except dedup.IndexFileError as exc:
                    if "opened by the parent of this process" in str(exc):
                        with dedup.Index.open(path, jobs=1) as own:
                            own.add(docs[2])
                        code = 0
            finally:
                os._exit(code)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        index.add(docs[3])  # the parent's goes on
        assert [d.id in index for d in docs[:4]] == [True, False, True, True]


def test_an_integer_id_is_found_as_add_stored_it(tmp_path):
    """add() takes {"id": 5} as "5" (as the readers take a numeric id); get, in, remove
    and query find it under 5 too (``5 in index`` was False while ``get(5)`` found it)."""
    text = "Some words of a story that is stored here."
    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        assert index.add({"id": 5, "text": text}).doc_id == "5"
        assert 5 in index and "5" in index and True not in index
        assert index.get(5).id == "5" and index.query({"id": 5, "text": text}).in_index
        index.remove(5)
        assert 5 not in index and len(index) == 0


def test_a_float_id_from_a_table_with_gaps_is_its_digits(tmp_path):
    """A table whose id column has a gap holds its ids as floats (pandas writes 5.0):
    they are the same names as 5 (before: every such record was refused)."""
    text = "Some words of a story that is stored here."
    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        assert index.add({"id": 5.0, "text": text}).doc_id == "5"
        assert 5 in index and 5.0 in index and index.get(5.0).id == "5"
        assert index.add({"id": 2.5, "text": text + " More."}).doc_id == "2.5"
        with pytest.raises(dedup.InputError):
            index.add({"id": float("nan"), "text": text})
