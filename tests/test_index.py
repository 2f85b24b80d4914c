"""The persistent index: answers, storage, settings, bad input, concurrency, CLI."""

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

import dedup
from dedup.index.sqlite.store import SCHEMA_VERSION

from index_helpers import mixed_docs, seed_docs


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "news.db")


def test_add_answers_what_it_copies(db):
    docs = seed_docs()
    with dedup.Index.open(db) as index:
        results = [index.add(d) for d in docs]
        assert len(index) == 5
    by_id = {r.doc_id: r for r in results}
    r4 = by_id["004_99c5a163f56370de.txt"]
    assert [m.doc_id for m in r4.matches] == ["003_e2e6a14928010906.txt"]
    m = r4.matches[0]
    assert m.kind == "duplicate" and m.score > 0.9 and m.coverage_target > 0.5
    assert r4.origin == "003_e2e6a14928010906.txt" and r4.cluster and m.cluster == r4.cluster
    # passages slice both original texts and match the batch run's
    batch = dedup.cluster(docs, jobs=1)
    link = next(l for c in batch.clusters for l in c.links if l.target == "004_99c5a163f56370de.txt")
    assert [(p.source_start, p.source_end, p.target_start, p.target_end) for p in m.passages] == \
        [(p.source_start, p.source_end, p.target_start, p.target_end) for p in link.passages]
    r2 = by_id["002_27885933036f0cc7.txt"]
    assert [x.doc_id for x in r2.matches] == ["001_c66182c4c2cb1c49.txt"] and r2.matches[0].kind == "partial"
    assert by_id["000_c09cbecdfc1a8c46.txt"].matches == [] and by_id["000_c09cbecdfc1a8c46.txt"].cluster is None


def test_query_does_not_store_and_equals_add(db):
    docs = seed_docs()
    with dedup.Index.open(db) as index:
        index.add_many(docs[:4])
        q = index.query(docs[4])
        assert len(index) == 4 and docs[4].id not in index
        a = index.add(docs[4])
    assert q.model_dump(exclude={"stored"}) == a.model_dump(exclude={"stored"})
    assert a.stored and not q.stored


def test_clusters_equal_batch_and_persist(db):
    docs = mixed_docs()
    batch = dedup.cluster(docs, jobs=1).model_dump_json()
    with dedup.Index.open(db, jobs=1) as index:
        index.add_many(docs, batch_size=3)
        assert index.clusters().model_dump_json() == batch
        assert index.stats()["clusters_cached"]
    with dedup.Index.open(db) as index:  # reopened: cached report, same answer
        report = index.clusters()
        assert report.model_dump_json() == batch
        assert report.text_of("w1") == docs[5].text
        assert index.get("w4") == docs[-1]


def test_remove_and_readd(db):
    docs = mixed_docs()
    with dedup.Index.open(db, jobs=1) as index:
        for d in docs:
            index.add(d)
        rows = index.stats()["rows"]
        index.remove("w2")
        assert "w2" not in index and index.get("w2") is None and len(index) == len(docs) - 1
        assert index.clusters().model_dump_json() == dedup.cluster([d for d in docs if d.id != "w2"], jobs=1).model_dump_json()
        index.add(docs[6])
        assert index.stats()["rows"]["words"] == rows["words"] and index.stats()["rows"]["bands"] == rows["bands"]
        assert index.clusters().model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()
        with pytest.raises(dedup.UnknownIdError, match="no document 'zz'"):
            index.remove("zz")


def test_stories_follow_links(db):
    docs = mixed_docs()
    with dedup.Index.open(db) as index:
        index.add(docs[5])
        r2 = index.add(docs[6])
        assert [m.doc_id for m in r2.matches] == ["w1"] and r2.origin == "w1"
        r3 = index.add(docs[7])
        assert r3.cluster == r2.cluster and {m.doc_id for m in r3.matches} <= {"w1", "w2"}
        assert r3.matches and r3.origin == "w1"


@pytest.mark.parametrize("bad, message", [
    ({"id": "x", "text": "   "}, "empty text"),
    ({"text": "some words"}, "no 'id'"),
    ({"id": "x"}, "no 'text'"),
    ({"id": "x", "text": 5}, "bad field 'text'"),
    ({"id": "x", "text": "words here", "title": ["t"]}, "bad field 'title'"),
    (42, "expected a dedup.Document or a dict"),
    ("just text", "expected a dedup.Document or a dict"),
])
def test_bad_input_leaves_index_unchanged(db, bad, message):
    with dedup.Index.open(db) as index:
        index.add_many(seed_docs()[:2])
        before = index.stats()
        with pytest.raises(dedup.InputError, match=message) as exc:
            index.add(bad)
        assert isinstance(exc.value, dedup.DedupError) and "\n" not in str(exc.value)
        with pytest.raises(dedup.InputError):
            index.add_many([seed_docs()[2], bad])
        assert index.stats() == before


def test_duplicate_id(db):
    docs = seed_docs()
    with dedup.Index.open(db) as index:
        index.add(docs[0])
        before = index.stats()
        with pytest.raises(dedup.DuplicateIdError, match="already in the index"):
            index.add({"id": docs[0].id, "text": "another text entirely"})
        with pytest.raises(dedup.DuplicateIdError):
            index.add_many(docs[:2])
        with pytest.raises(dedup.DuplicateIdError, match="twice"):
            index.add_many([docs[1], docs[1]])
        assert index.stats() == before
        out = index.add_many(docs + [docs[1]], skip_duplicates=True)
        assert out.added == 4 and sorted(out.skipped) == sorted([docs[0].id, docs[1].id])


def test_settings_stored_and_mismatch_refused(db):
    cfg = dedup.Config(num_perm=64, threshold=0.4)
    with dedup.Index.open(db, cfg) as index:
        index.add(seed_docs()[0])
    with dedup.Index.open(db) as index:  # no config: the stored one
        assert index.config == cfg
    with dedup.Index.open(db, cfg):
        pass
    with pytest.raises(dedup.SettingsMismatchError, match=r"num_perm \(index 64, asked 128\)") as exc:
        dedup.Index.open(db, dedup.Config())
    assert "threshold (index 0.4, asked 0.3)" in str(exc.value) and exc.value.exit_code == 5


@pytest.mark.parametrize("old", [1, 2, 3, 4, 5, 6, 7])
def test_older_schema_file_is_upgraded(db, old):
    """A file of schema 1 (one band table, no levels), 2 (no bulk runs), 3 (no content
    hashes), 4 (no author column), 5 (no n-gram counts), 6 (no stored analysis) or 7 (no
    levels in front of the n-gram counts) opens, is upgraded, and answers alike."""
    from dedup.index import analysis as an
    from dedup.index.sqlite.levels import BAND_LEVELS, GRAM_LEVELS, WORD_LEVELS

    docs = mixed_docs()
    with dedup.Index.open(db, jobs=1) as index:
        for d in docs[:-1]:
            index.add(d)
        want = index.query(docs[-1])
    con = sqlite3.connect(db, isolation_level=None)
    if old == 1:
        for t in BAND_LEVELS:
            con.execute(f"INSERT INTO bands SELECT * FROM {t}")
            con.execute(f"DROP TABLE {t}")
        for t in WORD_LEVELS:
            con.execute(f"INSERT INTO words SELECT * FROM {t} WHERE true ON CONFLICT(word) DO UPDATE SET n = n + excluded.n")
            con.execute(f"DROP TABLE {t}")
        con.execute("DELETE FROM meta WHERE key = 'sweep'")
    if old < 3:
        con.execute("DROP TABLE runs")
        con.execute("DELETE FROM meta WHERE key = 'run_seq'")
    if old < 4:
        con.execute("DROP TABLE hashes")
    if old < 5:
        con.execute("ALTER TABLE docs DROP COLUMN author")
    # the n-gram counts as an older file kept them: one table (schema 8 put levels in front)
    for t in GRAM_LEVELS:
        con.execute(f"INSERT INTO grams SELECT * FROM {t} WHERE true ON CONFLICT(gram) DO UPDATE SET n = n + excluded.n")
        con.execute(f"DROP TABLE {t}")
    con.execute("DELETE FROM grams WHERE n <= 0")
    grams = dict(con.execute("SELECT gram, n FROM grams"))
    if old < 6:
        con.execute("DROP TABLE grams")
        con.execute("DELETE FROM meta WHERE key = 'gram_modulus'")
    if old < 7:
        con.execute("ALTER TABLE docs DROP COLUMN prepared")
    con.execute(f"PRAGMA user_version = {old}")
    con.close()
    if old < 4:
        with pytest.raises(dedup.IndexReadOnlyError, match="must be upgraded"):
            dedup.Index.open(db, readonly=True)
    else:  # additive columns and tables: a file that cannot be written is read as is
        with dedup.Index.open(db, readonly=True) as index:
            assert index.get(docs[0].id) == docs[0] and index.query(docs[-1]) == want
            assert index.clusters().model_dump_json() == dedup.cluster(docs[:-1], jobs=1).model_dump_json()
    with dedup.Index.open(db, jobs=1) as index:
        assert index.stats()["schema"] == SCHEMA_VERSION == 8
        assert index.query(docs[-1]) == want
        # documents stored before schema 7 keep no analysis (prepared from their text, as before)
        prepared = {p is None for (p,) in index._store.db.execute("SELECT prepared FROM docs")}
        assert prepared == ({True} if old < 7 else {False})
        # ... and their n-gram counts, from the stored texts: the same as counted on add
        assert dict(index._store.db.execute("SELECT gram, n FROM grams")) == grams and grams
        assert all(index._store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0 for t in GRAM_LEVELS)
        # the stored documents' content hashes were computed by the upgrade
        assert [index._store.docs_with_hash(an.content_hash(d.text)) for d in docs[:2]] == [[1], [2]]
        index.add(docs[-1])
        assert index.clusters().model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()
        assert index._store.db.execute("SELECT prepared FROM docs WHERE id = ?", (docs[-1].id,)).fetchone()[0]


def test_the_index_keeps_the_author(db):
    docs = [d.model_copy(update={"author": f"Writer {k}"}) if k % 2 else d for k, d in enumerate(mixed_docs())]
    with dedup.Index.open(db, jobs=1) as index:
        for d in docs:
            index.add(d)
        assert [index.get(d.id) for d in docs] == docs
    with dedup.Index.open(db, readonly=True) as index:
        report = index.clusters()
    assert [d.author for d in report.documents] == [d.author for d in sorted(docs, key=lambda d: d.id)]
    assert report.model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()


def test_newer_and_foreign_files_refused(db, tmp_path):
    with dedup.Index.open(db) as index:
        index.add(seed_docs()[0])
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(dedup.IndexFileError, match="newer dedup .* upgrade dedup"):
        dedup.Index.open(db)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(dedup.IndexFileError, match="not a dedup index"):
        dedup.Index.open(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(dedup.IndexFileError, match="not a dedup index"):
        dedup.Index.open(junk)
    with pytest.raises(dedup.IndexFileError, match="no such index"):
        dedup.Index.open(tmp_path / "missing.db", create=False)


def test_readers_while_writing_and_second_writer_waits_or_fails(db):
    docs = seed_docs()
    with dedup.Index.open(db) as index:
        index.add_many(docs[:2])
    writer = dedup.Index.open(db, timeout=0.2)
    reader = dedup.Index.open(db)
    other = dedup.Index.open(db, timeout=0.2)
    try:
        with writer._store.write():  # hold the write lock, as a long add would
            writer._store.db.execute("UPDATE meta SET value = value WHERE key = 'generation'")
            assert len(reader) == 2 and reader.get(docs[0].id) == docs[0]
            assert reader.query(docs[2]).doc_id == docs[2].id  # reads go on during a write
            t = time.perf_counter()
            with pytest.raises(dedup.IndexLockedError, match="another process is writing"):
                other.add(docs[2])
            assert time.perf_counter() - t >= 0.15  # it waited for the busy timeout
        other.add(docs[2])  # the lock is free again
        assert len(reader) == 3
    finally:
        for x in (writer, reader, other):
            x.close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_concurrent_writer_processes(db):
    """Two processes adding at once: both finish (one waits), nothing lost or corrupted."""
    code = (
        "import sys, dedup\n"
        "from textgen import article\n"
        "k = int(sys.argv[1])\n"
        "with dedup.Index.open(sys.argv[2], timeout=30) as ix:\n"
        "    for i in range(15):\n"
        "        ix.add({'id': f'p{k}-{i}', 'text': article(100 * k + i, 3)})\n"
    )
    env = {**os.environ, "PYTHONPATH": os.path.dirname(__file__)}
    dedup.Index.open(db).close()
    procs = [subprocess.Popen([sys.executable, "-c", code, str(k), db], env=env) for k in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with dedup.Index.open(db) as index:
        assert len(index) == 30


def test_cli_index(run_cli, tmp_path, seeds_dir):
    db = tmp_path / "i.db"
    code, out, err = run_cli("index", "add", db, seeds_dir)
    assert code == 0 and "added 5 documents" in out
    code, out, err = run_cli("index", "add", db, seeds_dir)
    assert code == 1 and "already in the index" in err and "added 0 documents; the index holds 5" in out
    code, out, err = run_cli("index", "query", db, seeds_dir / "004_99c5a163f56370de.txt", "--format", "json")
    assert code == 0
    res = json.loads(out)["results"][0]
    assert {m["doc_id"] for m in res["matches"]} >= {"003_e2e6a14928010906.txt"}
    code, out, err = run_cli("index", "query", db, seeds_dir / "002_27885933036f0cc7.txt")
    assert code == 0 and "001_c66182c4c2cb1c49.txt" in out
    code, out, err = run_cli("index", "clusters", db, "--format", "json")
    assert code == 0
    # the same as `dedup cluster` on the same documents (ids are the file names in both)
    code2, out2, _ = run_cli("cluster", seeds_dir, "--format", "json")
    assert json.loads(out) == json.loads(out2)
    code, out, err = run_cli("index", "clusters", db)
    assert code == 0 and "origin 003_e2e6a14928010906.txt" in out
    code, out, err = run_cli("index", "clusters", db, "--format", "csv")
    assert out.startswith("cluster,kind,doc_id")
    code, out, err = run_cli("index", "stats", db, "--format", "json")
    assert code == 0 and json.loads(out)["documents"] == 5
    code, out, err = run_cli("index", "remove", db, "000_c09cbecdfc1a8c46.txt")
    assert code == 0 and "holds 4" in out
    code, out, err = run_cli("index", "remove", db, "000_c09cbecdfc1a8c46.txt")
    assert code == 3 and err.startswith("dedup: error: no document") and err.count("\n") == 1
    code, out, err = run_cli("index", "add", db, seeds_dir, "--num-perm", "64")
    assert code == 5 and "other settings" in err and err.count("\n") == 1
    code, out, err = run_cli("index", "stats", tmp_path / "none.db")
    assert code == 5 and "no such index" in err


def test_level_sweeps_keep_answers(tmp_path, monkeypatch):
    """Rows swept through every level (fast sweeps here) give the answers of rows that stay
    in the first level; removals' negative word counts meet their positives on the way."""
    from dedup.index.sqlite import levels as lv

    docs = mixed_docs()

    def answers(path):
        with dedup.Index.open(path, jobs=1) as index:
            out = [index.add(d).model_dump() for d in docs[:-1]]
            index.remove(docs[1].id)
            out.append(index.query(docs[-1]).model_dump())
            index.add(docs[1])
            out.append(index.add(docs[-1]).model_dump())
            out.append(index.stats()["rows"])
            con = index._store.db
            main = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("bands", "words")}
            negative = con.execute("SELECT count(*) FROM words WHERE n <= 0").fetchone()[0]
            out.append(index.clusters().model_dump_json())
        return out, main, negative

    slow, _, _ = answers(str(tmp_path / "slow.db"))
    monkeypatch.setattr(lv, "LEVEL_SWEEPS", (1, 2, 3, 2, 1))  # every add sweeps levels 0 and 4 whole
    fast, fast_main, negative = answers(str(tmp_path / "fast.db"))
    assert fast == slow
    assert fast_main["bands"] > 0 and fast_main["words"] > 0  # rows did reach the main tables
    assert negative == 0


def test_cli_index_query_takes_quiet_as_add_does(run_cli, tmp_path, seeds_dir):
    """`-q` on every index command that reads articles: warnings go, the answer and the
    exit code (1: something was skipped) stay."""
    db = tmp_path / "i.db"
    assert run_cli("index", "add", db, seeds_dir, "-q")[0] == 0
    articles = tmp_path / "q.jsonl"
    text = (seeds_dir / "002_27885933036f0cc7.txt").read_text()
    articles.write_text(json.dumps({"id": "x", "text": text}) + "\nnot json\n")
    code, out, err = run_cli("index", "query", db, articles)
    assert code == 1 and "dedup: warning: skipped" in err and "001_c66182c4c2cb1c49.txt" in out
    code, out_q, err_q = run_cli("index", "query", db, articles, "-q")
    assert code == 1 and err_q == "" and out_q == out


def test_sql_placeholders_are_plain_question_marks():
    """Numbered placeholders ("?1") with a sequence of arguments warn on Python 3.12 and 3.13
    (a DeprecationWarning in every index call) and are an error from 3.14: none are used."""
    import pathlib
    import re

    sources = pathlib.Path(dedup.__file__).parent.glob("index/**/*.py")
    assert not [(p.name, m.group()) for p in sources for m in re.finditer(r"\?\d", p.read_text())]


def test_a_single_add_counts_its_ngrams_in_the_level_tables(db):
    """Schema 8: one document's n-gram counts go to level 0, as its word counts do (each of
    its ~130 random keys would dirty a page of the big table at every commit); the
    counts read are the sum over the levels, and a removal takes them back."""
    from dedup.index import analysis as an
    from dedup.index.sqlite.levels import GRAM_LEVELS, GRAM_TABLES

    docs = seed_docs()
    with dedup.Index.open(db, jobs=1) as index:
        index.add(docs[0])
        con = index._store.db
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in GRAM_TABLES}
        assert rows["grams"] == 0 and rows[GRAM_LEVELS[0]] > 0
        assert index.stats()["rows"]["grams"] == sum(rows.values())
        grams = an.signed(an.text_grams(docs[0].text, index._mod))
        assert index._store.gram_counts(grams).tolist() == [1] * len(grams)
        index.add(docs[1])
        index.remove(docs[0].id)
        index.remove(docs[1].id)
        assert index.stats()["rows"]["grams"] == 0
        assert index._store.gram_counts(grams).tolist() == [0] * len(grams)
