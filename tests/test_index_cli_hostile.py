"""`dedup index` used as a hostile user would: a load whose answers' reader goes, outputs
over the files SQLite keeps beside the index, a full stderr, damaged stored settings, a
full disk under `clusters`, a signal mid-load, control characters in an id."""

import json
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

import dedup
from index_helpers import small_disk  # noqa: F401 (a fixture)
from textgen import article

DEDUP = [sys.executable, "-m", "dedup"]
FULL = "/dev/full"


def _corpus(path, n: int) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            fh.write(json.dumps({"id": f"d{k:04d}", "text": article(k, 2)}) + "\n")
    return str(path)


def _docs(n: int) -> str:
    return f"{n} document" + ("" if n == 1 else "s")


def _count(db) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        con.close()


def test_a_load_whose_reader_goes_stops_and_says_how_far_it_got(tmp_path):
    """``index add -f jsonl | head -1``: adding is the command's work, not its answers; it
    stops, exit 4, and names what the index kept (before: exit 0, nothing said)."""
    src, db = _corpus(tmp_path / "c.jsonl", 300), str(tmp_path / "i.db")
    proc = subprocess.Popen(DEDUP + ["index", "add", db, src, "-f", "jsonl", "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 4 and json.loads(first)["doc_id"] == "d0000"
    kept = _count(db)
    assert 0 < kept < 300
    assert err == f"dedup: error: the reader of stdout has gone; {_docs(kept)} added, kept; the index holds {kept}\n"


@pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full")
def test_answers_to_a_full_device_say_what_was_added(tmp_path):
    src, db = _corpus(tmp_path / "c.jsonl", 20), str(tmp_path / "i.db")
    with open(FULL, "w") as full:
        proc = subprocess.run(DEDUP + ["index", "add", db, src, "-f", "jsonl", "-q"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    kept = _count(db)
    assert proc.returncode == 4 and kept >= 1
    assert proc.stderr == (f"dedup: error: stdout: cannot write: No space left on device; {_docs(kept)} "
                           f"added, kept; the index holds {kept}\n")


@pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["cluster", "index add", "index query"])
def test_warnings_to_a_full_stderr_keep_the_exit_code(tmp_path, command):
    """A warning that cannot be written is dropped; the exit code still says "skipped or
    noted" (1), never "internal error" (70)."""
    bad = tmp_path / "b.jsonl"  # a lone surrogate: read with a note (U+FFFD), a warning line
    bad.write_text('{"id": "s\\ud800", "text": "' + " ".join(f"w{k}" for k in range(40)) + '"}\n')
    db = str(tmp_path / "i.db")
    args = {"cluster": ["cluster", str(bad), "-f", "json"], "index add": ["index", "add", db, str(bad)],
            "index query": ["index", "query", db, str(bad)]}[command]
    if command == "index query":
        subprocess.run(DEDUP + ["index", "add", db, str(bad), "-q"], capture_output=True, timeout=120)
    with open(FULL, "w") as full:
        proc = subprocess.run(DEDUP + args, stdout=subprocess.DEVNULL, stderr=full, timeout=120)
    assert proc.returncode == 1


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal", "link"])
@pytest.mark.parametrize("command", ["clusters", "query"])
def test_no_output_over_the_files_beside_the_index(run_cli, tmp_path, seeds_dir, suffix, command):
    db = tmp_path / "i.db"
    assert run_cli("index", "add", db, seeds_dir, "-q")[0] == 0
    out = tmp_path / f"i.db{suffix}"
    if suffix == "link":  # a symlink to the write-ahead log, which does not exist yet
        os.symlink(tmp_path / "i.db-wal", out)
    args = ["clusters", db] if command == "clusters" else ["query", db, next(seeds_dir.glob("001_*"))]
    code, _, err = run_cli("index", *args, "-f", "json", "-o", out)
    assert code == 2 and err.startswith(f"dedup: error: --output {out} is the index's ") and err.count("\n") == 1
    assert not os.path.exists(tmp_path / "i.db-journal") and not os.path.exists(tmp_path / "i.db-wal")
    assert run_cli("index", "stats", db)[0] == 0  # the index is as it was


@pytest.mark.parametrize("statement", [
    "UPDATE meta SET value = '{bad' WHERE key = 'config'",
    "UPDATE meta SET value = '[1, 2]' WHERE key = 'config'",
    "UPDATE meta SET value = '\"x\"' WHERE key = 'generation'",
    "UPDATE meta SET value = '{\"num_perm\": 0}' WHERE key = 'config'",
])
def test_damaged_stored_settings_are_a_damaged_index(run_cli, tmp_path, seeds_dir, statement):
    """Before: exit 70 (a JSON or type error) or exit 2 blaming --num-perm, a flag never given."""
    db = tmp_path / "i.db"
    assert run_cli("index", "add", db, seeds_dir, "-q")[0] == 0
    con = sqlite3.connect(db)
    con.execute(statement)
    con.commit()
    con.close()
    for args in (["stats", db], ["add", db, seeds_dir], ["query", db, next(seeds_dir.glob("001_*"))], ["clusters", db]):
        code, _, err = run_cli("index", *args)
        assert code == 5 and err.startswith(f"dedup: error: {db}: index damaged: ") and err.count("\n") == 1, err
    with pytest.raises(dedup.IndexDamagedError):
        dedup.Index.open(db)


def test_clusters_on_a_full_disk_answer_from_memory(tmp_path, small_disk):
    """The cache of ``clusters()`` is no write the user asked for: a full disk keeps it in
    memory, as a read-only file does (before: exit 5, no answer)."""
    db = tmp_path / "i.db"
    docs = [dedup.Document(id=f"d{k}-{c}", text=article(k, 4) + (f" Copy {c}." if c else ""))
            for k in range(40) for c in range(3)]  # a report too large for the pages' free room
    small_disk[0] = 100000
    with dedup.Index.open(db) as index:
        index.add_many(docs)
    con = sqlite3.connect(db)
    con.execute("VACUUM")  # no free page left: the cache needs new ones
    con.close()
    small_disk[0] = 0
    with dedup.Index.open(db) as index:
        got = index.clusters()
        again = index.clusters()  # from memory
    small_disk[0] = 100000
    want = dedup.cluster(docs, jobs=1)
    assert got.model_dump_json() == want.model_dump_json() == again.model_dump_json()


def test_a_signal_mid_load_says_what_was_kept(tmp_path):
    src, db = _corpus(tmp_path / "c.jsonl", 600), str(tmp_path / "i.db")
    proc = subprocess.Popen(DEDUP + ["index", "add", db, src, "-f", "jsonl", "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()  # one document stored and answered
    proc.send_signal(signal.SIGTERM)
    proc.stdout.read()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 130
    kept = _count(db)
    assert 0 < kept < 600
    assert err == f"dedup: stopped: {_docs(kept)} added, kept; the index holds {kept}\n"


def test_remove_names_the_id_on_one_line(run_cli, tmp_path):
    src = tmp_path / "e.jsonl"
    src.write_text(json.dumps({"id": "o\n\x1b[31mRED", "text": article(1, 2)}) + "\n")
    db = tmp_path / "i.db"
    assert run_cli("index", "add", db, src, "-q")[0] == 0
    code, out, _ = run_cli("index", "remove", db, "o\n\x1b[31mRED")
    assert code == 0 and out == "removed o\\n\\x1b[31mRED; the index holds 0\n"


@pytest.mark.parametrize("case", ["empty", "nul", "loop", "no directory", "dangling link"])
def test_index_paths_that_name_no_file_are_one_clear_line(run_cli, tmp_path, seeds_dir, case):
    """Before: an empty name was "cannot switch the index to WAL mode" (SQLite's temporary
    database), a NUL cut the name there and opened another file, a symlink loop and a
    missing directory were SQLite's "unable to open database file"."""
    if case == "loop":
        os.symlink(tmp_path / "l2", tmp_path / "l1")
        os.symlink(tmp_path / "l1", tmp_path / "l2")
    elif case == "dangling link":
        os.symlink(tmp_path / "nowhere" / "x.db", tmp_path / "l1")
    path = {"empty": "", "nul": str(tmp_path / "m.db\0x"), "loop": str(tmp_path / "l1"),
            "no directory": str(tmp_path / "nowhere" / "x.db"), "dangling link": str(tmp_path / "l1")}[case]
    why = {"empty": "not a file name", "nul": "it holds a NUL character", "loop": "too many levels of symbolic links",
           "no directory": f"no such directory {tmp_path / 'nowhere'}",
           "dangling link": f"no such directory {tmp_path / 'nowhere'}"}[case]
    with pytest.raises(dedup.IndexFileError, match=why):
        dedup.Index.open(path)
    if case != "nul":  # (no command line holds a NUL)
        code, _, err = run_cli("index", "add", path, seeds_dir, "-q")
        assert code == 5 and why in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == (["l1", "l2"] if case == "loop" else ["l1"] if "link" in case else [])


@pytest.mark.parametrize("args", [
    ["cluster", ""], ["index", "add", "{db}", ""], ["index", "query", "{db}", ""],
    ["compare", "", "here.txt"], ["compare", "here.txt", "here.txt", "--corpus", ""],
    ["show", "", "c1"], ["show", "{report}", "c1", "--corpus", ""], ["eval", "", "-t", "{report}"],
    ["eval", "{report}", "-t", ""]])
def test_an_empty_path_argument_reads_nothing(run_cli, tmp_path, monkeypatch, args):
    """"" (an unset variable) became Path("."): the working directory was read."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.txt").write_text(article(3, 2))
    (tmp_path / "r.json").write_text('{"clusters": [], "documents": []}')
    args = [a.replace("{db}", str(tmp_path / "i.db")).replace("{report}", str(tmp_path / "r.json")) for a in args]
    code, out, err = run_cli(*args)
    assert code == 3 and out == "" and err == "dedup: error: '': an empty path names no file; give a file or " \
                                              "directory ('.' for this one)\n"
