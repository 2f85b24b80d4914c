"""An Index after close(), and one Index shared by two threads: one clear error each,
on SQLite and on Redis."""

from __future__ import annotations

import threading

import pytest

import dedup
from dedup.index.errors import IndexFileError

from index_helpers import seed_docs

ONE_THREAD = "an Index is used by one thread at a time; open one per thread"


@pytest.fixture(params=["sqlite", "redis"])
def where(request, tmp_path):
    """An index location: a new SQLite file, or an empty Redis database (the test server)."""
    if request.param == "sqlite":
        return str(tmp_path / "x.db")
    return request.getfixturevalue("url")


def _calls(doc):
    return {
        "add": lambda ix: ix.add(doc), "add_many": lambda ix: ix.add_many([doc]), "query": lambda ix: ix.query(doc),
        "clusters": lambda ix: ix.clusters(), "get": lambda ix: ix.get("x"), "remove": lambda ix: ix.remove("x"),
        "len": len, "in": lambda ix: "x" in ix, "stats": lambda ix: ix.stats(), "verify": lambda ix: ix.verify(),
        "vacuum": lambda ix: ix.vacuum(), "disk_bytes": lambda ix: ix.disk_bytes(),
        "upgrade": lambda ix: ix.upgrade(), "with": lambda ix: ix.__enter__(),
    }


def test_every_method_of_a_closed_index_says_it_is_closed(where):
    docs = seed_docs()
    ix = dedup.Index.open(where, jobs=1)
    ix.add(docs[0])
    ix.close()
    ix.close()  # again: nothing happens
    for name, call in _calls(docs[1]).items():
        with pytest.raises(IndexFileError) as exc:
            call(ix)
        assert str(exc.value).endswith(": the index is closed"), name
    with dedup.Index.open(where, jobs=1) as again:  # the index itself is as it was
        assert len(again) == 1 and docs[0].id in again


def test_an_index_closed_by_its_with_block(where):
    with dedup.Index.open(where, jobs=1) as ix:
        ix.add(seed_docs()[0])
    with pytest.raises(IndexFileError, match="the index is closed"):
        ix.query(seed_docs()[1])
    ix.close()


def test_one_index_used_by_two_threads_at_once_says_so(where):
    docs = seed_docs()
    ix = dedup.Index.open(where, jobs=1)
    ix.add(docs[0])
    begun, done = threading.Event(), threading.Event()

    def writer():  # a write held open in another thread, as a long add_many holds one
        with ix._store.write():
            begun.set()
            done.wait(30)

    other = threading.Thread(target=writer)
    other.start()
    try:
        assert begun.wait(30)
        for call in (lambda: ix.add(docs[1]), lambda: ix.query(docs[1]), lambda: ix.clusters()):
            with pytest.raises(IndexFileError, match=ONE_THREAD):
                call()
    finally:
        done.set()
        other.join(30)
    # one thread after the other is fine
    ix.add(docs[1])
    assert len(ix) == 2 and ix.query(docs[1]).in_index
    ix.close()


def test_one_index_per_thread_on_one_file(where):
    docs = seed_docs()
    errors = []

    def load(part):
        try:
            with dedup.Index.open(where, jobs=1, timeout=30) as ix:
                for d in part:
                    ix.add(d)
                    ix.query(d)
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)

    dedup.Index.open(where, jobs=1).close()  # created before the threads race to create it
    threads = [threading.Thread(target=load, args=(docs[k::2],)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with dedup.Index.open(where, jobs=1) as ix:
        assert sorted(d.id for d in docs if d.id in ix) == sorted(d.id for d in docs)


def test_add_many_refuses_a_batch_size_under_one(tmp_path):
    """0 or -1 made each document its own transaction (a repeated id then left the
    documents before it stored, where a batch is refused whole)."""
    import dedup

    with dedup.Index.open(str(tmp_path / "i.db")) as index:
        for bad in (0, -1, 1.5, "5", True):  # a value out of range, or not a whole number at all
            with pytest.raises(ValueError if isinstance(bad, int) and not isinstance(bad, bool) else TypeError,
                               match="batch_size"):
                index.add_many([{"id": "a", "text": "one two three"}], batch_size=bad)
        assert len(index) == 0


def test_a_unix_socket_redis_url_reaches_redis_py_as_given():
    """urlunsplit wrote unix:///path as unix:/path, which redis-py refuses: unix:// URLs
    never worked though the schemes list names them."""
    from dedup.index.redis.store import _parse

    assert _parse("unix:///tmp/r.sock?db=2&prefix=x:&lock_ttl=5")[::2] == ("unix:///tmp/r.sock?db=2", "x:")
    assert _parse("redis://h:6379/3?prefix=p:")[0] == "redis://h:6379/3"
