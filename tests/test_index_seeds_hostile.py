"""An index with rare-bigram seeds against hostile input and accidents: documents with
no bigram, a writer killed mid-load, a full disk. Its bigram rows always follow the
rules of :mod:`dedup.index.seeds`."""

import os
import random
import sqlite3

import numpy as np
import pytest

import dedup
from dedup.index import analysis as an, seeds
from dedup.index.sqlite.levels import BAND_TABLES, WORD_TABLES

from index_helpers import READY, check_bigram_rows, kill_writer_after, small_disk, stored_state  # noqa: F401
from textgen import article

ROOM = 3  # pages a full disk leaves: some batches of two of _doc fit, not all 25
BUFFALO = [f"b{k:02d}" for k in range(seeds.FULL + 2)]  # more copies of one bigram than it keeps rows for


def _edge_docs() -> list[dedup.Document]:
    """Documents with no word, one word, one word repeated (one bigram, soon full), and a
    story that ends with that bigram."""
    docs = [dedup.Document(id="none", text="— ... !"), dedup.Document(id="one", text="Hello."),
            dedup.Document(id="one2", text="Hello."), dedup.Document(id="rep", text=" ".join(["buffalo"] * 60))]
    docs += [dedup.Document(id=b, text=" ".join(["buffalo"] * (30 + k)) + ".") for k, b in enumerate(BUFFALO)]
    story = "The council voted on Tuesday to close the old bridge for repairs over the summer. "
    return docs + [dedup.Document(id="story", text=story * 3 + "buffalo buffalo buffalo")]


def _sound(path: str) -> set[str]:
    """Check the index's band tables against its documents (band rows exactly theirs,
    bigram rows by the seeds' rules); its document ids."""
    with dedup.Index.open(path, readonly=True, jobs=1) as index:  # it opens
        cfg = index.config
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    bands: dict[int, set] = {}
    carriers: dict[int, set] = {}
    ids = {}
    for rowid, doc_id, text, paras in con.execute("SELECT doc, id, text, paras FROM docs"):
        p = an.from_paragraphs(text, np.frombuffer(paras, "<i8").reshape(-1, 2).tolist(), cfg)
        for k in an.doc_band_keys([p], cfg)[0].tolist():
            bands.setdefault(k, set()).add(rowid)
        for k in seeds.bigram_keys(p).tolist():
            carriers.setdefault(k, set()).add(rowid)
        ids[doc_id] = rowid
    stored: dict[int, set] = {}
    for t in BAND_TABLES + tuple(n for (n,) in con.execute("SELECT name FROM runs")):
        for k, d in con.execute(f"SELECT key, doc FROM {t}"):
            stored.setdefault(k, set()).add(d)
    con.close()
    check_bigram_rows(stored, bands, carriers, set(ids.values()))
    assert stored == bands
    return set(ids)


def _same(a: str, b: str) -> bool:
    """The two indexes store the same documents, rows and word counts."""
    keep = ("docs", "bands", "lines", "grams")
    return [stored_state(a)[k] for k in keep] + [_words(a)] == [stored_state(b)[k] for k in keep] + [_words(b)]


def _words(path: str) -> dict:
    """Word counts summed over their levels (single adds write a level, bulk loads the main table)."""
    con = sqlite3.connect(path)
    levels = " UNION ALL ".join(f"SELECT word, n FROM {t}" for t in WORD_TABLES)
    out = dict(con.execute(f"SELECT word, sum(n) FROM ({levels}) GROUP BY word HAVING sum(n) != 0"))
    con.close()
    return out


def test_documents_with_no_bigram_or_one(tmp_path):
    """Added one at a time or in bulk, queried and removed, documents of no word, one word
    and one word repeated are stored alike and answered sanely; the repeated word's
    bigram fills up and then stays full."""
    docs = _edge_docs()
    one, bulk = str(tmp_path / "one.db"), str(tmp_path / "bulk.db")
    with dedup.Index.open(one, jobs=1) as index:
        added = {d.id: index.add(d) for d in docs}
    with dedup.Index.open(bulk, jobs=1) as index:
        assert index.add_many(docs, batch_size=4).added == len(docs)
    assert _same(one, bulk)
    assert _sound(one) == _sound(bulk) == {d.id for d in docs}
    assert added["one"].matches == [] and added["rep"].matches == [] and added["story"].matches == []
    assert [m.doc_id for m in added["one2"].matches] == ["one"]  # the same word: a whole copy
    assert {m.doc_id for m in added[BUFFALO[-1]].matches} == {"rep", *BUFFALO[:-1]}
    for path in (one, bulk):
        with dedup.Index.open(path, jobs=1) as index:
            got = {d.id: index.query(d) for d in docs}
            assert all(r.in_index for r in got.values())
            assert {m.doc_id for m in got["rep"].matches} == set(BUFFALO)
            assert got["story"].matches == [] and [m.doc_id for m in got["one"].matches] == ["one2"]
            order = [d.id for d in docs]
            random.Random(len(path)).shuffle(order)
            for k, doc_id in enumerate(order):
                index.remove(doc_id)
                if k % 5 == 0:
                    assert _sound(path) == set(order[k + 1 :])
            assert len(index) == 0 and index.query(docs[3]).matches == []
            # all that is left: the full bigram's rows, so that it never seeds
            assert index.stats()["rows"] == {"bands": seeds.FULL, "words": 0, "lines": 0, "links": 0, "grams": 0}
    assert _same(one, bulk) and _sound(one) == set()


def test_documents_without_words_copy_nothing(tmp_path):
    """Two texts without a word share the content hash of no words: no copy, as in the batch."""
    docs = [dedup.Document(id="a", text="— ... !"), dedup.Document(id="b", text="?? ...")]
    assert dedup.cluster(docs, jobs=1).clusters == []
    with dedup.Index.open(str(tmp_path / "w.db"), jobs=1) as index:
        index.add(docs[0])
        assert index.add(docs[1]).matches == [] and index.query(docs[0]).matches == []
    with dedup.Index.open(str(tmp_path / "m.db"), jobs=1) as index:
        index.add_many(docs)
        assert index.query(dedup.Document(id="c", text="!!")).matches == []


def _doc(prefix: str, k: int) -> dict:
    """Seven stories told over and over (their bigrams fill up), each copy with a line of its own."""
    return {"id": f"{prefix}-{k}", "text": article(k % 7, 2) + f"\n\nItem {prefix} {k}.", "source": "s"}


def _bulk_writer(path: str, prefix: str, fd: int) -> None:
    """Child: bulk-load documents forever (three transactions a call), reporting each
    call's ids once it returned."""
    try:
        with dedup.Index.open(path, jobs=1) as index:  # one process: no workers left behind by the kill
            os.write(fd, READY)
            k = 0
            while True:
                index.add_many([_doc(prefix, k + i) for i in range(6)], batch_size=2)
                os.write(fd, "".join(f"{prefix}-{k + i}\n" for i in range(6)).encode())
                k += 6
    finally:
        os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a writer cheaply")
def test_sigkill_during_bulk_loads_keeps_bigram_rows_sound(tmp_path):
    path = str(tmp_path / "kill.db")
    with dedup.Index.open(path, jobs=1) as index:  # warm caches before forking
        index.query(_doc("warm", 0))
    rng = random.Random(3)
    returned: set[str] = set()
    kills = 8
    for n in range(kills):
        returned |= kill_writer_after(rng.uniform(0.05, 0.8), _bulk_writer, path, f"k{n}", ready=True)
        stored = _sound(path)
        assert returned <= stored, f"lost after kill {n}: {sorted(returned - stored)[:3]}"
    assert len(stored) > 6 * kills // 2  # the writer got somewhere between kills
    # each writer's last call, cut short (some of its batches may be stored), again: it completes
    again = [_doc(f"k{n}", k) for n in range(kills)
             for start in [sum(x.startswith(f"k{n}-") for x in returned)] for k in range(start, start + 6)]
    with dedup.Index.open(path, jobs=1) as index:
        result = index.add_many(again, batch_size=2, skip_duplicates=True)
        assert result.added + len(result.skipped) == len(again) and set(result.skipped) == stored - returned
        found = {m.doc_id for m in index.query(_doc("new", 7)).matches}
        assert found and all(int(x.split("-")[1]) % 7 == 0 for x in found)  # copies of its story, only
    assert _sound(path) == returned | {d["id"] for d in again}


def test_full_disk_during_a_bulk_load_leaves_the_index_as_it_was(tmp_path, small_disk):
    """A load that fails on a full disk writes nothing (its one batch) or only whole
    batches; the same load then, with room, stores what a load that never failed stores."""
    docs = [_doc("d", k) for k in range(40)]
    path, clean = str(tmp_path / "full.db"), str(tmp_path / "clean.db")
    small_disk[0] = 100000
    for p in (path, clean):
        with dedup.Index.open(p, jobs=1) as index:
            index.add_many(docs[:15], batch_size=5)
    before = stored_state(path)
    small_disk[0] = 0
    with dedup.Index.open(path, jobs=1) as index:
        with pytest.raises(dedup.IndexFileError, match="disk is full"):
            index.add_many(docs[15:], batch_size=100)
        assert len(index) == 15
    assert stored_state(path) == before
    small_disk[0] = ROOM  # room for a few batches of two
    with dedup.Index.open(path, jobs=1) as index:
        with pytest.raises(dedup.IndexWriteError, match="disk is full") as exc:
            index.add_many(docs[15:], batch_size=2)
        n = len(index)
        assert 15 < 15 + exc.value.committed == n < 40
    assert _sound(path) == {d["id"] for d in docs[:n]}
    small_disk[0] = 100000
    for p in (path, clean):
        with dedup.Index.open(p, jobs=1) as index:
            index.add_many(docs[15:], batch_size=2, skip_duplicates=True)
    assert _sound(path) == {d["id"] for d in docs}
    assert _same(path, clean)
