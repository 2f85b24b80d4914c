"""What an index path may be: special files, empty and missing files, other programs'
databases are refused without a byte written; ids with lone surrogates; the exit code
of `index add`/`query` when no input document is readable."""

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

import dedup

TEXT = "The council approved the new budget on Tuesday after a long debate about the schools."
OTHER = "Heavy rain closed the coastal road for a second day, and the ferry service was cancelled."


def _fingerprint(path):
    """Bytes and mtime of a file, to see that nothing touched it."""
    st = os.stat(path)
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest(), st.st_size, st.st_mtime_ns


def _jsonl(path, *records):
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _special(tmp_path, kind):
    if kind == "fifo":
        os.mkfifo(tmp_path / "x.db")
    elif kind == "directory":
        (tmp_path / "x.db").mkdir()
    else:  # a symbolic link is followed: its target is what SQLite would open
        os.mkfifo(tmp_path / "target")
        os.symlink(tmp_path / "target", tmp_path / "x.db")
    return tmp_path / "x.db"


@pytest.fixture
def no_sqlite(monkeypatch):
    """Fail the test if a SQLite connection is made."""
    def boom(*args, **kwargs):
        raise AssertionError("SQLite opened the path")

    monkeypatch.setattr("dedup.index.sqlite.open._open", boom)


# -- Bug A: nothing is written to what is not an index ---------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
def test_a_path_that_is_no_regular_file_is_refused_before_sqlite_opens_it(tmp_path, kind, no_sqlite):
    path = _special(tmp_path, kind)
    before = sorted(os.listdir(tmp_path))
    for kwargs in ({}, {"create": False}, {"readonly": True}):
        with pytest.raises(dedup.IndexFileError, match=r"x\.db: not a regular file \(a (FIFO|directory)\)"):
            dedup.Index.open(path, **kwargs)
    assert sorted(os.listdir(tmp_path)) == before  # no -journal, -wal or -shm beside it


def test_the_cli_refuses_a_special_file_as_the_index(run_cli, tmp_path):
    fifo = _special(tmp_path, "fifo")
    docs = _jsonl(tmp_path / "d.jsonl", {"id": "a", "text": TEXT})
    for args in (["stats", fifo], ["add", fifo, docs], ["add", fifo, docs, "--bulk"], ["query", fifo, docs],
                 ["clusters", fifo], ["remove", fifo, "a"], ["vacuum", fifo], ["upgrade", fifo]):
        code, out, err = run_cli("index", *args)
        assert code == 5 and err == f"dedup: error: {fifo}: not a regular file (a FIFO); a dedup index is a file\n", \
            (args, err)
    assert sorted(os.listdir(tmp_path)) == ["d.jsonl", "x.db"]


def test_dev_null_is_refused_and_left_alone(run_cli):
    sidecars = [f"/dev/null-{s}" for s in ("journal", "wal", "shm")]
    before = [os.path.exists(p) for p in sidecars]
    code, out, err = run_cli("index", "stats", "/dev/null")
    assert code == 5 and "/dev/null: not a regular file (a character device)" in err
    with pytest.raises(dedup.IndexFileError, match="not a regular file"):
        dedup.Index.open("/dev/null")
    assert [os.path.exists(p) for p in sidecars] == before  # none made (one left by an older dedup stays)


def test_an_empty_file_opened_without_create_stays_empty(run_cli, tmp_path, no_sqlite):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _fingerprint(path)
    for kwargs in ({"create": False}, {"readonly": True}):
        with pytest.raises(dedup.IndexFileError, match=r"empty\.db: not a dedup index \(empty file\)"):
            dedup.Index.open(path, **kwargs)
    docs = _jsonl(tmp_path / "d.jsonl", {"id": "a", "text": TEXT})
    for args in (["stats", path], ["clusters", path], ["query", path, docs], ["remove", path, "a"]):
        code, out, err = run_cli("index", *args)
        assert code == 5 and err == f"dedup: error: {path}: not a dedup index (empty file)\n", (args, err)
    assert _fingerprint(path) == before
    assert sorted(os.listdir(tmp_path)) == ["d.jsonl", "empty.db"]


def test_a_missing_file_opened_without_create_is_not_created(run_cli, tmp_path, no_sqlite):
    path = tmp_path / "none.db"
    for kwargs in ({"create": False}, {"readonly": True}):
        with pytest.raises(dedup.IndexFileError, match="no such index"):
            dedup.Index.open(path, **kwargs)
    for args in (["stats", path], ["clusters", path], ["remove", path, "a"]):
        code, out, err = run_cli("index", *args)
        assert code == 5 and err == f"dedup: error: {path}: no such index\n"
    assert os.listdir(tmp_path) == []


def test_another_programs_database_is_not_switched_to_wal(run_cli, tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    blank = tmp_path / "blank.db"  # a header and no tables
    con = sqlite3.connect(blank)
    con.execute("PRAGMA user_version = 3")
    con.close()
    before = {p: _fingerprint(p) for p in (other, blank)}
    for kwargs in ({}, {"create": False}, {"readonly": True}):
        with pytest.raises(dedup.IndexFileError, match="a SQLite database of another program"):
            dedup.Index.open(other, **kwargs)
    for kwargs in ({"create": False}, {"readonly": True}):
        with pytest.raises(dedup.IndexFileError, match="not a dedup index"):
            dedup.Index.open(blank, **kwargs)
    code, out, err = run_cli("index", "stats", other)
    assert code == 5 and "another program" in err
    code, out, err = run_cli("index", "stats", blank)
    assert code == 5 and "not a dedup index" in err
    assert {p: _fingerprint(p) for p in (other, blank)} == before
    assert sorted(os.listdir(tmp_path)) == ["blank.db", "other.db"]


def test_add_still_creates_a_new_index_or_one_in_an_empty_file(run_cli, tmp_path):
    docs = _jsonl(tmp_path / "d.jsonl", {"id": "a", "text": TEXT})
    code, out, err = run_cli("index", "add", tmp_path / "new.db", docs)
    assert code == 0 and "added 1 document; the index holds 1" in out
    (tmp_path / "empty.db").write_bytes(b"")
    with dedup.Index.open(tmp_path / "empty.db") as index:
        index.add({"id": "a", "text": TEXT})
        assert index._store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for name in ("new.db", "empty.db"):
        with dedup.Index.open(tmp_path / name, readonly=True) as index:
            assert index.get("a").text == TEXT
        code, out, err = run_cli("index", "stats", tmp_path / name, "--format", "json")
        assert code == 0 and '"documents": 1' in out


# -- Bug B: ids with lone surrogates ----------------------------------------------------------

@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_an_id_with_a_lone_surrogate_is_read_as_the_readers_read_it(tmp_path, request, backend):
    where = tmp_path / "i.db" if backend == "sqlite" else request.getfixturevalue("url")
    with dedup.Index.open(where) as index:
        index.add({"id": "x\ud800", "text": TEXT})  # stored as "x\ufffd", as a JSONL reader keeps it
        assert index.get("x\ud800") == dedup.Document(id="x\ufffd", text=TEXT)
        assert "x\ud800" in index and "x\ufffd" in index
        assert index.get("z\ud800") is None and "z\udc80" not in index
        with pytest.raises(dedup.index.errors.UnknownIdError, match="no document 'z\ufffd' in the index"):
            index.remove("z\ud800")
        assert index.query({"id": "q\ud800", "text": TEXT}).matches[0].doc_id == "x\ufffd"
        assert index.query({"id": "x\ud800", "text": TEXT}).in_index
        index.remove("x\ud800")
        assert len(index) == 0


def test_the_cli_removes_by_an_id_with_a_lone_surrogate(run_cli, tmp_path):
    db = tmp_path / "i.db"
    docs = tmp_path / "d.jsonl"
    docs.write_text('{"id": "x\\ud800", "text": "%s"}\n' % TEXT, encoding="utf-8")
    code, out, err = run_cli("index", "add", db, docs)
    assert code == 1 and "added 1 document" in out and "replaced by U+FFFD" in err
    code, out, err = run_cli("index", "remove", db, "y\ud800")
    assert code == 3 and err == "dedup: error: no document 'y\ufffd' in the index\n"
    code, out, err = run_cli("index", "remove", db, "x\ud800")
    assert code == 0 and out == "removed x\ufffd; the index holds 0\n"


def test_an_argument_that_is_not_utf8_is_an_unknown_id_not_an_internal_error(tmp_path):
    db = tmp_path / "i.db"
    with dedup.Index.open(db) as index:
        index.add({"id": "a", "text": TEXT})
    # the UTF-8-like bytes of U+D800: Python's argv holds them as three lone surrogates
    proc = subprocess.run([sys.executable, "-m", "dedup", "index", "remove", str(db), b"x\xed\xa0\x80"],
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.decode() == "dedup: error: no document 'x\ufffd\ufffd\ufffd' in the index\n"


# -- exit codes: no usable input is 3 ---------------------------------------------------------

def test_index_add_and_query_exit_3_when_nothing_is_readable(run_cli, tmp_path):
    db = tmp_path / "i.db"
    os.mkfifo(tmp_path / "in.fifo")
    good = _jsonl(tmp_path / "d.jsonl", {"id": "a", "text": TEXT}, {"id": "b", "text": OTHER})
    for extra in ([], ["--bulk"], ["-q"]):
        code, out, err = run_cli("index", "add", db, tmp_path / "in.fifo", *extra)
        assert code == 3 and out == "", (extra, out)
        assert err.endswith("dedup: error: no readable documents (1 skipped)\n") and "in.fifo" in err
    code, out, err = run_cli("index", "add", db, good, tmp_path / "in.fifo")
    assert code == 1 and "added 2 documents; the index holds 2" in out and "in.fifo" in err
    code, out, err = run_cli("index", "query", db, tmp_path / "in.fifo")
    assert code == 3 and "no readable documents (1 skipped)" in err and out == ""
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "c", "text": "%s"}\nnot json\n' % TEXT, encoding="utf-8")
    code, out, err = run_cli("index", "query", db, bad, "--format", "json")
    assert code == 1 and '"doc_id": "c"' in out and "bad.jsonl:2" in err
    bad.write_text("not json\n", encoding="utf-8")
    code, out, err = run_cli("index", "query", db, bad)
    assert code == 3 and "bad.jsonl:1" in err and "no readable documents (1 skipped)" in err


def test_the_library_says_what_it_mended_or_ignored_in_a_document(tmp_path):
    """A corpus run reports a replaced surrogate and a date field that reads as no date;
    the index's answers carry the same lines (they were dropped silently)."""
    with dedup.Index.open(tmp_path / "i.db") as index:
        added = index.add({"id": "a", "text": TEXT + "\ud800", "date": "Febuary 31 2020"})
        assert added.stored and added.notes == [
            "field 'text': lone surrogate escape replaced by U+FFFD",
            "field 'date': 'Febuary 31 2020' is no date in any day order; the date is read from the text"]
        assert index.add({"id": "b", "text": TEXT, "date": "2020/3/10"}).notes == []
        assert index.query({"id": "q", "text": TEXT, "date": "31/02/2020"}).notes == [
            "field 'date': '31/02/2020' is no date in any day order; the date is read from the text"]
        bulk = index.add_many([{"id": "c", "text": TEXT, "date": "32/13/2020"}, {"id": "d", "text": TEXT}])
        assert bulk.added == 2 and bulk.notes == [
            "c: field 'date': '32/13/2020' is no date in any day order; the date is read from the text"]


def test_the_cli_answers_carry_the_readers_notes_on_each_record(run_cli, tmp_path):
    """`index add --format jsonl`: each answer's `notes` hold what was mended in its record,
    by the reader (a surrogate) or by the index (a date that reads as no date)."""
    db, docs = tmp_path / "i.db", tmp_path / "d.jsonl"
    docs.write_text('{"id": "x\\ud800", "text": "%s \\udc00", "date": 20200310}\n{"id": "y", "text": "%s"}\n'
                    % (TEXT, TEXT), encoding="utf-8")
    code, out, err = run_cli("index", "add", db, docs, "--format", "jsonl")
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 1 and first["notes"] == [
        "field 'id': lone surrogate escape replaced by U+FFFD", "field 'text': lone surrogate escape replaced by U+FFFD",
        "field 'date': '20200310' is no date in any day order; the date is read from the text"]
    assert second["notes"] == [] and err.count("U+FFFD") == 2


def test_query_never_writes_its_output_over_the_index(run_cli, tmp_path):
    """The index is an input of `query` too: `-o DB` is refused (exit 2), the file untouched."""
    db = tmp_path / "i.db"
    docs = _jsonl(tmp_path / "d.jsonl", {"id": "a", "text": TEXT}, {"id": "b", "text": OTHER})
    assert run_cli("index", "add", db, docs, "--bulk")[0] == 0
    before = _fingerprint(db)
    for target in (db, tmp_path / "alias.db"):
        if target != db:
            target.symlink_to(db)
        code, out, err = run_cli("index", "query", db, docs, "-o", target)
        assert code == 2 and "input file" in err and err.count("\n") == 1, err
        assert _fingerprint(db) == before
    assert run_cli("index", "stats", db)[0] == 0


def test_index_add_with_a_missing_input_creates_no_index(run_cli, tmp_path):
    db = tmp_path / "new.db"
    good = _jsonl(tmp_path / "d.jsonl", {"id": "a", "text": TEXT})
    for inputs, why in (([tmp_path / "missing.jsonl"], "no such file or directory"),
                        ([good, tmp_path / "missing.jsonl"], "no such file or directory"),
                        ([tmp_path / "nowhere" / "*.jsonl"], "no such file or directory (a glob is expanded as a URL")):
        code, out, err = run_cli("index", "add", db, *inputs)
        assert (code, out) == (3, "") and err.startswith(f"dedup: error: {inputs[-1].as_posix()}: {why}")
        assert list(tmp_path.glob("new.db*")) == []


@pytest.mark.parametrize("umask, mode", [(0o002, 0o664), (0o022, 0o644), (0o077, 0o600)])
def test_a_new_index_and_its_wal_take_the_mode_the_umask_gives(tmp_path, umask, mode):
    """As every other output: SQLite made the file 0644 at most, so under umask 002 the
    group a team shares an index with could not add to it."""
    path = tmp_path / "i.db"
    old = os.umask(umask)
    try:
        with dedup.Index.open(path) as index:
            index.add({"id": "a", "text": "The council approved the new budget on Tuesday after a long debate."})
            got = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(old)
    assert got["i.db"] == mode and got["i.db-wal"] == mode, got
