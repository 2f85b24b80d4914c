"""The index when its file cannot be written, is damaged, or fills the disk: reads go on,
writes fail with one line and exit 5, and nothing committed is lost or written over."""

import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile

import pytest

import dedup

from index_helpers import made_before_seeds, mixed_docs, seed_docs, small_disk  # noqa: F401 (a fixture)

NOBODY = 65534


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def shared_dir():
    """A directory another user can enter (pytest's tmp_path is private to root)."""
    d = tempfile.mkdtemp(prefix="dedup-ro-")
    os.chmod(d, 0o755)
    yield d
    for root, dirs, _ in os.walk(d):
        for x in dirs:
            os.chmod(os.path.join(root, x), 0o755)
    shutil.rmtree(d)


def _cli_as_other_user(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI in a forked child that cannot override file permissions: as root (CI),
    the child becomes ``nobody`` first; otherwise it is this user, whom chmod binds."""
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 70
        try:
            if os.getuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            sys.stdout = open(out.fileno(), "w", closefd=False)
            sys.stderr = open(err.fileno(), "w", closefd=False)
            from dedup.cli import main

            try:
                main(args)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    err.seek(0)
    return os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode()


def _warm(run_cli, db, seeds_dir, tmp_path):
    """Import everything the commands need before the child loses access to root's files."""
    copy = tmp_path / "warm.db"
    shutil.copy(db, copy)
    for args in (("stats", copy), ("query", copy, seeds_dir / "004_99c5a163f56370de.txt"), ("clusters", copy),
                 ("clusters", copy, "-f", "csv"), ("remove", copy, "000_c09cbecdfc1a8c46.txt"), ("upgrade", copy)):
        run_cli("index", *args)


@pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(os, "setuid"), reason="needs fork and users")
@pytest.mark.parametrize("where", ["file", "directory"])
def test_read_only_index_reads_and_refuses_writes(run_cli, seeds_dir, shared_dir, tmp_path, where):
    d = os.path.join(shared_dir, "idx")
    os.mkdir(d)
    db = os.path.join(d, "i.db")
    assert run_cli("index", "add", db, seeds_dir)[0] == 0
    _warm(run_cli, db, seeds_dir, tmp_path)
    want_csv = run_cli("index", "clusters", db, "-f", "csv")[1]
    made_before_seeds(db)  # as an index made before the rare-bigram seeds: one to upgrade
    os.chmod(db, 0o444)
    if where == "directory":
        os.chmod(d, 0o555)  # not even the WAL's -shm file can be made
    else:
        os.chmod(d, 0o777)
    before = _sha(db)
    code, out, err = _cli_as_other_user(["index", "stats", db, "-f", "json"])
    assert (code, err) == (0, "") and '"documents": 5' in out
    code, out, err = _cli_as_other_user(["index", "query", db, str(seeds_dir / "004_99c5a163f56370de.txt")])
    assert (code, err) == (0, "") and "003_e2e6a14928010906.txt" in out
    code, out, err = _cli_as_other_user(["index", "clusters", db, "-f", "csv"])
    assert (code, err, out) == (0, "", want_csv)
    code, out, err = _cli_as_other_user(["index", "clusters", db])
    assert code == 0 and "origin 003_e2e6a14928010906.txt" in out
    new = os.path.join(shared_dir, "new.txt")
    with open(new, "w") as fh:
        fh.write("A new article about something else entirely.\n")
    os.chmod(new, 0o644)
    for args in (["add", db, new], ["remove", db, "000_c09cbecdfc1a8c46.txt"], ["upgrade", db, "-q"]):
        code, out, err = _cli_as_other_user(["index", *args])
        assert code == 5, err
        assert err.startswith("dedup: error:") and "read-only" in err and err.count("\n") == 1
    assert _sha(db) == before


def test_read_only_open_in_the_library(tmp_path):
    db = str(tmp_path / "i.db")
    docs = mixed_docs()
    with dedup.Index.open(db, jobs=1) as index:
        index.add_many(docs)
    before = _sha(db)
    with dedup.Index.open(db, readonly=True, jobs=1) as index:
        assert len(index) == len(docs) and index.get("w1") == docs[5]
        assert index.query(docs[6]).matches
        report = index.clusters()
        assert report.model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()
        assert index.clusters() == report  # kept in memory: computed once
        assert not index.stats()["clusters_cached"]  # and not written to the file
        for write in (lambda: index.add({"id": "x", "text": "some new text here"}), lambda: index.remove("w1"),
                      lambda: index.add_many([{"id": "y", "text": "more new text"}]), index.vacuum):
            with pytest.raises(dedup.IndexReadOnlyError, match="read-only") as exc:
                write()
            assert exc.value.exit_code == 5
    assert _sha(db) == before
    with pytest.raises(dedup.IndexFileError, match="no such index"):
        dedup.Index.open(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()


def _damage(path, pages: range, page_size: int = 4096, at: int = 1000) -> None:
    """Overwrite a few bytes of each page (numbered from 0) ``at`` bytes in (0: its header)."""
    with open(path, "r+b") as fh:
        for pg in pages:
            fh.seek(pg * page_size + at)
            fh.write(b"GARBAGE" * 3)


def test_damaged_page_refuses_writes_and_reads_fail_in_one_line(run_cli, tmp_path, seeds_dir):
    db = tmp_path / "i.db"
    assert run_cli("index", "add", db, seeds_dir)[0] == 0
    con = sqlite3.connect(db)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    _damage(db, range(pages // 2, pages, 7))
    before = _sha(db)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "new.txt").write_text("A new article about something else entirely.\n")
    for args in (("add", db, tmp_path / "in"), ("remove", db, "000_c09cbecdfc1a8c46.txt")):
        code, out, err = run_cli("index", *args)
        assert code == 5 and "damaged" in err and err.count("\n") == 1, err
    assert _sha(db) == before  # not written to
    for args in (("stats", db), ("query", db, seeds_dir / "004_99c5a163f56370de.txt"), ("clusters", db)):
        code, out, err = run_cli("index", *args)
        assert code in (0, 5) and (code == 0 or ("damaged" in err and err.count("\n") == 1)), (args, err)
    with dedup.Index.open(db) as index:
        with pytest.raises(dedup.IndexDamagedError, match="damaged"):
            index.verify()
        with pytest.raises(dedup.IndexDamagedError, match="nothing was written"):
            index.add({"id": "x", "text": "some new text here"})
    assert _sha(db) == before


def test_write_that_meets_a_damaged_page_is_undone_and_not_retried(tmp_path):
    db = str(tmp_path / "i.db")
    with dedup.Index.open(db) as index:
        index.add_many(seed_docs())
    con = sqlite3.connect(db)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    _damage(db, range(pages // 3, pages), at=0)  # the headers of the last two thirds of the pages
    with dedup.Index.open(db) as index:
        with pytest.raises(dedup.IndexDamagedError):
            index.add({"id": "x", "text": "A new article about something else entirely."})
        before = _sha(db)
        with pytest.raises(dedup.IndexDamagedError, match="nothing was written"):
            index.add({"id": "y", "text": "Another article."})
    assert _sha(db) == before


def sixty_articles_and_a_full_index(tmp_path, small_disk):
    """60 articles in a directory and an empty index with room for about 40 more pages."""
    from textgen import article

    src = tmp_path / "in"
    src.mkdir()
    for k in range(60):
        (src / f"a{k:03d}.txt").write_text(article(k, 3) + "\n")
    db = tmp_path / "i.db"
    small_disk[0] = 100000
    dedup.Index.open(db).close()
    small_disk[0] = 40
    return src, db


def test_full_disk_says_what_was_committed(run_cli, tmp_path, small_disk):
    src, db = sixty_articles_and_a_full_index(tmp_path, small_disk)
    code, out, err = run_cli("index", "add", db, src, "--bulk", "--batch", "10", "-q")
    con = sqlite3.connect(db)
    stored = con.execute("SELECT count(*) FROM docs").fetchone()[0]
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    committed = stored
    assert code == 5 and err.count("\n") == 1, err
    assert 0 < committed < 60
    assert f"stopped after {committed} documents were committed" in err and "disk is full" in err
    small_disk[0] = 100000
    code, out, err = run_cli("index", "add", db, src, "--bulk", "--batch", "10")
    assert code == 1 and f"added {60 - committed} documents; the index holds 60" in out
    assert err == f"dedup: warning: {committed} documents already in the index, skipped " \
                  f"(a000.txt, a001.txt, a002.txt and {committed - 3} more)\n"


def test_full_disk_one_document_at_a_time_says_how_far_it_got(run_cli, tmp_path, small_disk):
    src, db = sixty_articles_and_a_full_index(tmp_path, small_disk)
    code, out, err = run_cli("index", "add", db, src, "-q")
    con = sqlite3.connect(db)
    stored = con.execute("SELECT count(*) FROM docs").fetchone()[0]
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert code == 5 and err.count("\n") == 1 and "disk is full" in err, err
    assert 0 < stored < 60 and err.rstrip().endswith(f"stopped after {stored} documents were added")


def test_full_disk_in_the_library_counts_of_a_known_total(tmp_path, small_disk):
    from textgen import article

    db = str(tmp_path / "i.db")
    small_disk[0] = 100000
    dedup.Index.open(db).close()
    small_disk[0] = 40
    docs = [{"id": f"d{k}", "text": article(k, 3)} for k in range(60)]
    with dedup.Index.open(db, jobs=1) as index:
        with pytest.raises(dedup.IndexWriteError) as exc:
            index.add_many(docs, batch_size=10)
        assert exc.value.exit_code == 5 and exc.value.committed == len(index) > 0
        assert f"stopped after {len(index)} of 60 documents were committed" in str(exc.value)


def test_failed_merge_after_a_load_says_everything_was_committed(tmp_path, monkeypatch):
    from textgen import article

    db = str(tmp_path / "i.db")
    docs = [{"id": f"d{k}", "text": article(k, 3)} for k in range(30)]
    with dedup.Index.open(db, jobs=1) as index:
        def full(mark):
            raise dedup.IndexFileError(f"{db}: cannot write the index: database or disk is full")

        monkeypatch.setattr(index._store, "bulk_done", full)
        with pytest.raises(dedup.IndexWriteError, match="all 30 documents were committed, but merging") as exc:
            index.add_many(docs, batch_size=10)
        assert exc.value.committed == 30 and len(index) == 30
        assert index.query({"id": "new", "text": docs[4]["text"]}).matches[0].doc_id == "d4"


def test_every_public_store_method_translates_sqlite_errors():
    """Methods the SQLite store takes from its mixins (counts, stories) are wrapped too:
    an SQLite error in any of them is one line, not a traceback."""
    import inspect

    from dedup.index.sqlite.store import SqliteStore

    public = [n for n, f in inspect.getmembers(SqliteStore, callable)
              if not n.startswith("_") and n not in ("write", "read", "close")]
    assert {"word_counts", "gram_counts", "add_links", "stories_of", "band_rows"} <= set(public)
    assert [n for n in public if not hasattr(getattr(SqliteStore, n), "__wrapped__")] == []


def test_an_index_sqlite_cannot_open_on_a_read_only_mount_is_read_only(tmp_path, monkeypatch):
    """On a read-only mount SQLite cannot make the WAL's -shm file and says CANTOPEN, not
    READONLY (even as root: the mount binds root too); that is the read-only error, so
    `dedup index query|stats|clusters` fall back to reading. Root cannot make such a mount
    here: os.access answers as it does on one (EROFS)."""
    from dedup.index.sqlite.errors import translate

    db = tmp_path / "i.db"
    db.write_bytes(b"")
    cantopen = sqlite3.OperationalError("unable to open database file")
    assert type(translate(cantopen, str(db))) is dedup.IndexFileError  # writable: a real failure to open
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: mode != os.W_OK and real(p, mode, **kw))
    err = translate(cantopen, str(db))
    assert isinstance(err, dedup.IndexReadOnlyError) and "read-only" in str(err) and err.exit_code == 5
    assert type(translate(cantopen, str(tmp_path / "missing.db"))) is dedup.IndexFileError


@pytest.fixture
def no_shm(monkeypatch):
    """SQLite as in a read-only directory: a read-only connection cannot make the WAL's
    -shm file (CANTOPEN), so the index is read as immutable. Root cannot make a read-only
    mount here; the first read of each such connection fails as it does there."""
    import dedup.index.sqlite.open as opening

    class NoShm:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql.startswith("SELECT count(*) FROM sqlite_master"):
                raise sqlite3.OperationalError("unable to open database file")
            return self.db.execute(sql, *args)

        def close(self):
            self.db.close()

    real = opening._open

    def _open(path, timeout, mode, immutable=False):
        db = real(path, timeout, mode, immutable)
        return NoShm(db) if mode == "ro" and not immutable else db

    monkeypatch.setattr(opening, "_open", _open)


def test_a_read_only_directory_refuses_a_write_ahead_log_it_cannot_read(tmp_path, no_shm):
    """Read as immutable, SQLite reads the main file alone: the documents a writer has
    committed into the -wal file were missing, and `stats` counted fewer without a word.
    (Without the -shm file nothing tells which of the log's changes the file holds.)"""
    path = str(tmp_path / "i.db")
    docs = seed_docs()
    with dedup.Index.open(path) as writer:
        writer.add_many(docs)  # committed into the -wal file, which the open writer keeps
        assert os.path.getsize(path + "-wal") > 0
        with pytest.raises(dedup.IndexFileError, match=r"its write-ahead log \(i\.db-wal\) holds changes") as info:
            dedup.Index.open(path, readonly=True)
        assert not isinstance(info.value, dedup.IndexDamagedError)
    with dedup.Index.open(path, readonly=True) as reader:  # the writer closed: its log is in the file
        assert len(reader) == len(docs)


def test_a_file_changed_under_an_immutable_reader_is_not_called_damaged(tmp_path, no_shm):
    """A writer reaching a read-only directory's index by another path (a read-only bind
    mount of a writable one) changes the file under the immutable reader, whose reads
    then fail as on a damaged file: that is the index changing, not damage."""
    path = str(tmp_path / "i.db")
    with dedup.Index.open(path) as writer:
        writer.add_many(seed_docs())
    malformed = sqlite3.DatabaseError("database disk image is malformed")
    with dedup.Index.open(path, readonly=True) as reader:
        store = reader._store
        assert isinstance(store._translate(malformed), dedup.IndexDamagedError)  # the file as opened: damage
        store.damaged = False
        with dedup.Index.open(path) as writer:
            writer.remove(seed_docs()[0].id)
            writer.vacuum()
        err = store._translate(malformed)
        assert type(err) is dedup.IndexFileError and not store.damaged
        assert str(err) == (f"{path}: the index changed while it was read from a read-only directory "
                            "(a writer reaches it by another path); read it again")


def test_an_index_closed_by_a_progress_callback_mid_load_is_one_error(tmp_path):
    """A callback that closes the index while add_many works: the next use of the store
    raised sqlite3.ProgrammingError ("Cannot operate on a closed database")."""
    ix = dedup.Index.open(str(tmp_path / "i.db"))

    def progress(stage, done, total):
        ix.close()

    with pytest.raises(dedup.IndexFileError, match="the index is closed"):
        ix.add_many(seed_docs(), progress=progress)
    with pytest.raises(dedup.IndexFileError, match="the index is closed"):
        len(ix)


@pytest.fixture
def full_disk(tmp_path):
    """A directory on a tmpfs of 2 MiB (root only), to be filled by the test."""
    import subprocess

    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_full_disk_still_reads_the_index_and_refuses_writes_in_one_line(run_cli, tmp_path, seeds_dir, full_disk):
    """On a full disk SQLite cannot make the WAL's -shm file and says only "disk I/O
    error" (SQLITE_IOERR_SHMSIZE): `index stats|query|clusters` failed (exit 5, `disk
    error on the index ... any unfinished change was undone`) though they write nothing."""
    import shutil

    built = tmp_path / "i.db"
    assert run_cli("index", "add", "-q", built, seeds_dir)[0] == 0
    code, expected, _ = run_cli("index", "clusters", built, "-f", "json")
    assert code == 0
    db = full_disk / "i.db"
    shutil.copyfile(built, db)
    fd = os.open(full_disk / "fill", os.O_WRONLY | os.O_CREAT)  # the rest of the disk
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    for f in (str(db) + "-shm", str(db) + "-wal"):
        assert not os.path.exists(f)
    code, out, err = run_cli("index", "stats", db)
    assert (code, err) == (0, ""), err
    assert run_cli("index", "clusters", db, "-f", "json") == (0, expected, "")
    code, out, err = run_cli("index", "query", db, next(seeds_dir.iterdir()), "-f", "json")
    assert code == 0 and json.loads(out)["results"], err
    code, out, err = run_cli("index", "add", db, seeds_dir)
    assert code == 5 and err.count("\n") == 1 and "is the disk full?" in err, err
