"""The index keeps each document's analysis (tokens, segments, facts) beside its text: a
stored candidate is read back instead of prepared again, and answers do not change."""

import shutil
import sqlite3

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.index import analysis as an

from index_helpers import mixed_docs, small_disk  # noqa: F401 (a fixture)
from textgen import article

FIELDS = ("hashes", "starts", "ends", "seg_bounds", "quoted", "vocab", "fact_flags")


def _from_text(index, rows):
    """What a stored document's row gives when prepared from its text (as before the
    analysis was kept)."""
    return an.from_rows(rows, index.config, True)


def _assert_same(a, b) -> None:
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype and np.array_equal(x, y), f
    assert [tuple(p) for p in a.paragraphs] == [tuple(p) for p in b.paragraphs]
    assert (a.text, a.nchars, a.ntokens) == (b.text, b.nchars, b.ntokens)


def test_a_stored_analysis_is_what_the_text_gives(tmp_path):
    """One by one (``add``, furniture cut inside paragraphs) and in a batch (``add_many``,
    on worker processes): every document's stored analysis equals its text prepared again."""
    docs = mixed_docs()
    with dedup.Index.open(str(tmp_path / "one.db"), jobs=1) as one, \
            dedup.Index.open(str(tmp_path / "many.db"), jobs=2) as many:
        for d in docs:
            one.add(d)
        many.add_many(docs, batch_size=4)
        for index in (one, many):
            rows = index._store.docs_by_rowid(index._store.rowids())
            assert len(rows) == len(docs) and all(r[an.PREPARED] for r in rows)
            for r, want in zip(rows, _from_text(index, rows)):
                _assert_same(an.unpack(r[2], r[an.PREPARED]), want)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 30), min_size=2, max_size=8, unique=True), st.integers(0, 30))
def test_answers_are_the_same_with_the_analysis_or_the_text(tmp_path_factory, stored, asked):
    """The same file with its analyses kept and with them dropped (a file written before
    they were kept) answers alike, on a fresh process's cold cache each time."""
    path = str(tmp_path_factory.mktemp("prep") / "i.db")
    texts = {k: article(k, 4) + ("\n\n" + article(k // 2, 2) if k % 3 else "") for k in range(31)}
    with dedup.Index.open(path, jobs=1) as index:
        for k in stored:
            index.add({"id": f"d{k}", "text": texts[k]})
    asks = [{"id": "new", "text": texts[asked]}, {"id": f"d{stored[0]}", "text": texts[stored[0]]}]
    with dedup.Index.open(path, jobs=1) as index:
        kept = [index.query(d) for d in asks]
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE docs SET prepared = NULL")
    con.close()
    with dedup.Index.open(path, jobs=1) as index:
        assert [index.query(d) for d in asks] == kept


def _dropped(index) -> None:
    """The analyses taken out, as in a file stored by a dedup that did not keep them."""
    store = index._store
    if hasattr(store, "db"):
        with store.write():
            store.db.execute("UPDATE docs SET prepared = NULL")
    else:
        store.r.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('HDEL', k, 'prepared') end",
                     0, store._k("doc:*"))


def _upgrade_keeps_every_analysis(where: str, run_cli) -> None:
    docs = mixed_docs()
    with dedup.Index.open(where, jobs=1) as index:
        index.add_many(docs[:-1], batch_size=4)
        want = index.query(docs[-1])
        _dropped(index)
        assert all(r[an.PREPARED] is None for r in index._store.docs_by_rowid(index._store.rowids()))
    code, out, err = run_cli("index", "upgrade", where, "--batch", "3", "-q")
    assert code == 0 and f"upgraded: {len(docs) - 1} documents" in out, (out, err)
    with dedup.Index.open(where, jobs=1) as index:
        rows = index._store.docs_by_rowid(index._store.rowids())
        for r, made in zip(rows, _from_text(index, rows)):
            _assert_same(an.unpack(r[2], r[an.PREPARED]), made)
        assert index.query(docs[-1]) == want and index.upgrade() == 0


def test_the_upgrade_keeps_the_analysis_of_documents_stored_without_it(tmp_path, run_cli):
    _upgrade_keeps_every_analysis(str(tmp_path / "old.db"), run_cli)


def test_the_upgrade_keeps_the_analysis_in_redis(url, run_cli):
    _upgrade_keeps_every_analysis(url, run_cli)


def test_a_damaged_analysis_is_made_again_from_the_text(tmp_path):
    """A stored analysis that does not read back whole (bytes changed or cut on disk, or
    another document's) is not trusted: the document is prepared from its text, and
    answers do not change."""
    path = str(tmp_path / "i.db")
    docs = mixed_docs()
    with dedup.Index.open(path, jobs=1) as index:
        for d in docs:
            index.add(d)
    asks = [{"id": "new", "text": d.text} for d in docs]
    with dedup.Index.open(path, jobs=1) as index:
        want = [index.query(d) for d in asks]
    assert sum(len(w.matches) for w in want) >= len(docs)
    con = sqlite3.connect(path)
    with con:
        blobs = con.execute("SELECT doc, prepared FROM docs ORDER BY doc").fetchall()
        n = len(blobs)
        damaged = [blobs[0][1][:-7], bytes(x ^ 0x5A for x in blobs[1][1]), b""]  # cut; flipped; empty
        damaged += [blobs[(k + 1) % n][1] for k in range(3, n)]  # another document's
        con.executemany("UPDATE docs SET prepared = ? WHERE doc = ?", [(b, blobs[k][0]) for k, b in enumerate(damaged)])
    con.close()
    assert an.unpack("x", blobs[0][1][:-7]) is None and an.unpack("x", b"") is None
    with dedup.Index.open(path, jobs=1) as index:
        assert [index.query(d) for d in asks] == want


def test_a_full_disk_stops_the_upgrade_with_the_analyses_it_kept(tmp_path, run_cli, small_disk):
    """On a full disk the upgrade says in one line (exit code 5) how many documents it gave
    their analysis; those stay, and run again with room it finishes."""
    path = str(tmp_path / "old.db")
    docs = [{"id": f"d{k}", "text": article(k, 6)} for k in range(40)]
    small_disk[0] = 100000
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(docs, batch_size=10)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("UPDATE docs SET prepared = NULL")
    con.execute("VACUUM")  # the room the analyses took is given back: the upgrade must grow the file
    con.close()
    probe = str(tmp_path / "probe.db")
    shutil.copy(path, probe)
    pages = lambda p: sqlite3.connect(p).execute("PRAGMA page_count").fetchone()[0]  # noqa: E731
    before = pages(probe)
    with dedup.Index.open(probe, jobs=1) as index:
        assert index.upgrade(batch_size=10) == 40
    small_disk[0] = (pages(probe) - before) // 2  # room for about half of them
    code, out, err = run_cli("index", "upgrade", path, "--batch", "10", "-q")
    assert code == 5 and err.count("\n") == 1 and "disk is full" in err, (code, out, err)
    assert "the upgrade stopped after " in err and "documents were given their analysis" in err
    kept = int(err.split("the upgrade stopped after ")[1].split()[0])
    assert 0 < kept < 40 and kept % 10 == 0
    small_disk[0] = 100000
    code, out, err = run_cli("index", "upgrade", path, "--batch", "10", "-q")
    assert code == 0 and f"upgraded: {40 - kept} documents" in out, (out, err)
    with dedup.Index.open(path, jobs=1) as index:
        assert all(r[an.PREPARED] for r in index._store.docs_by_rowid(index._store.rowids()))
