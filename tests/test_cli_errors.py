"""Exit codes, checked writes and option handling (issue 10): nothing damaged, nothing
lost, no crash."""

import errno
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import dedup
from dedup.storage import spill
from dedup.config import Config
from conftest import alive
from textgen import article

DEDUP = [sys.executable, "-m", "dedup"]


def _big_corpus(path: Path, n: int = 4000) -> Path:
    with open(path, "w") as fh:
        for k in range(n):
            fh.write(json.dumps({"id": f"d{k}", "text": article(k % 500, paragraphs=8)}) + "\n")
    return path


# --- settings ---------------------------------------------------------------------

@pytest.mark.parametrize("settings", [{"threshold": 2}, {"threshold": math.nan}, {"min_passage_score": math.inf},
                                      {"num_perm": 8}, {"min_link_tokens": 10}, {"bogus": 1}])
def test_the_constructor_raises_config_error(settings):
    with pytest.raises(dedup.ConfigError) as exc:
        Config(**settings)
    assert isinstance(exc.value, ValueError)
    assert "\n" not in str(exc.value)
    name = next(iter(settings))
    assert name in str(exc.value)


def test_config_error_names_the_setting_and_the_problem():
    with pytest.raises(dedup.ConfigError) as exc:
        Config.make(threshold=math.nan)
    assert exc.value.setting == "threshold" and "finite" in exc.value.problem
    with pytest.raises(dedup.ConfigError):
        Config.model_validate({"threshold": 5})
    with pytest.raises(dedup.ConfigError):
        dedup.compare("a b c", "a b c", config=Config.pairwise(threshold=-1))
    assert Config.make(threshold=0.5).threshold == 0.5


@pytest.mark.parametrize("args, flag", [
    (["--min-link", "0"], "--min-link"), (["--min-link", "-1"], "--min-link"),
    (["--min-link", "10"], "--min-link"), (["--threshold", "nan"], "--threshold"),
    (["--threshold", "inf"], "--threshold"), (["--min-score", "nan"], "--min-score"),
    (["--min-passage", "2"], "--min-passage"),
])
def test_bad_option_values_name_the_flag(run_cli, seeds_dir, args, flag):
    code, out, err = run_cli("cluster", seeds_dir, *args)
    assert code == 2 and out == ""
    assert err.startswith("dedup: error: ") and flag in err and err.count("\n") == 1, err
    for field in ("min_link_tokens", "min_passage_tokens", "min_passage_score"):
        assert field not in err
    if "nan" in args or "inf" in args:
        assert "finite" in err and "less than" not in err


def test_min_link_below_min_passage_says_both_flags(run_cli, seeds_dir):
    _, _, err = run_cli("cluster", seeds_dir, "--min-link", "10")
    assert "invalid value for --min-link: must be at least --min-passage (10 < 15)" in err


def test_min_link_given_is_used_as_given_and_the_default_follows_min_passage(run_cli, seeds_dir):
    code, out, _ = run_cli("cluster", seeds_dir, "-f", "json", "--min-link", "40")
    assert code == 0 and json.loads(out)["config"]["min_link_tokens"] == 40
    code, out, _ = run_cli("cluster", seeds_dir, "-f", "json", "--min-passage", "45")
    assert code == 0 and json.loads(out)["config"]["min_link_tokens"] == 45


# --- version and help -------------------------------------------------------------

def test_version(run_cli):
    code, out, err = run_cli("--version")
    assert code == 0 and out == f"dedup {dedup.__version__}\n" and err == ""


@pytest.mark.parametrize("args", [["-h"], ["cluster", "-h"], ["index", "-h"], ["index", "add", "-h"]])
def test_dash_h_is_help_everywhere(run_cli, args):
    code, out, err = run_cli(*args)
    long = run_cli(*args[:-1], "--help")
    assert code == 0 and err == "" and "Usage: dedup" in out and out == long[1]


# --- stdout -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_reader_that_stops_early_is_not_an_error(seeds_dir, fmt):
    """``dedup cluster ... | head -1``: exit 0, nothing on stderr (no traceback, no
    'Exception ignored' at shutdown)."""
    proc = subprocess.Popen(DEDUP + ["cluster", str(seeds_dir), "-f", fmt, "-j", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first write
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and err == ""


@pytest.mark.parametrize("command", [["clusters"], ["query", "001"]])
def test_an_index_reader_that_stops_early_is_not_an_error(seeds_dir, tmp_path, command):
    """``dedup index clusters|query ... | head -1``: exit 0, nothing on stderr."""
    db = str(tmp_path / "idx.db")
    subprocess.run(DEDUP + ["index", "add", db, str(seeds_dir), "-q"], check=True, capture_output=True, timeout=120)
    if command[0] == "query":
        command = ["query", db, str(next(seeds_dir.glob("001_*")))]
    else:
        command = ["clusters", db]
    proc = subprocess.Popen(DEDUP + ["index", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and err == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_stdout_on_a_full_device_is_an_output_error(seeds_dir, fmt):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(DEDUP + ["cluster", str(seeds_dir), "-f", fmt, "-j", "1"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 4
    assert proc.stderr == "dedup: error: stdout: cannot write: No space left on device\n"


# --- the workspace ----------------------------------------------------------------

def test_records_survive_short_writes(tmp_path, monkeypatch):
    real = os.pwrite
    monkeypatch.setattr(spill.os, "pwrite", lambda fd, data, off: real(fd, bytes(data[: max(1, len(data) // 3)]), off))
    records = spill.Records(str(tmp_path / "r"))
    items = [bytes([k % 256]) * (k * 7 + 1) for k in range(300)]
    for item in items:
        records.append(item)
    records.replace(5, b"again")
    assert [records.get(k) for k in range(len(items))] == items[:5] + [b"again"] + items[6:]


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=5000), offset=st.integers(0, 100), sizes=st.lists(st.integers(1, 700), min_size=1))
def test_write_all_writes_everything_whatever_the_short_writes(tmp_path_factory, data, offset, sizes):
    path = tmp_path_factory.mktemp("w") / "f"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    calls = iter(sizes * (len(data) + 1))
    real = os.pwrite

    def short(fd, view, off):
        return real(fd, bytes(view[: next(calls)]), off)

    try:
        os.pwrite = short  # spill.os is os (no monkeypatch: hypothesis runs many examples per test)
        try:
            spill.write_all(fd, data, offset, str(path.parent))
        finally:
            os.pwrite = real
        assert os.pread(fd, len(data) + 10, offset) == data
    finally:
        os.close(fd)


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EDQUOT, errno.EFBIG, None])
def test_a_full_workspace_is_one_line_and_exit_6(run_cli, seeds_dir, tmp_path, monkeypatch, err):
    def full(fd, data, offset):
        if err is None:
            return 0  # nothing written, no error: must not loop forever or lose data
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(spill.os, "pwrite", full)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # read as given, whatever tempfile has cached
    code, out, msg = run_cli("cluster", seeds_dir, "-f", "json", "-j", "1")
    assert code == 6 and out == ""
    assert msg.startswith(f"dedup: error: cannot write the workspace {tmp_path}/dedup-") and msg.count("\n") == 1
    assert "TMPDIR" in msg
    assert os.listdir(tmp_path) == []  # and it is cleaned up


def test_a_file_size_limit_in_the_workspace_is_exit_6(tmp_path):
    """A real short write, then EFBIG: RLIMIT_FSIZE (Python ignores SIGXFSZ)."""
    corpus = _big_corpus(tmp_path / "big.jsonl", 300)
    work = tmp_path / "tmp"
    work.mkdir()

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    proc = subprocess.run(DEDUP + ["cluster", str(corpus), "-f", "json", "-q", "-j", "1"], preexec_fn=limit,
                          env={**os.environ, "TMPDIR": str(work)}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 6, proc.stderr
    assert proc.stderr.startswith(f"dedup: error: cannot write the workspace {work}/dedup-")
    assert "file size limit" in proc.stderr and proc.stderr.count("\n") == 1 and proc.stdout == ""
    assert os.listdir(work) == []


def test_an_unwritable_work_dir_is_exit_6(tmp_path):
    with pytest.raises(dedup.WorkspaceError) as exc:
        dedup.cluster(["x"], work_dir=str(tmp_path / "missing"))
    assert exc.value.exit_code == 6 and str(tmp_path / "missing") in str(exc.value)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_a_killed_run_leaves_no_workers_and_the_next_run_removes_its_workspace(tmp_path, seeds_dir):
    corpus = _big_corpus(tmp_path / "big.jsonl")
    work = tmp_path / "tmp"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(work)}
    proc = subprocess.Popen(DEDUP + ["cluster", str(corpus), "-f", "json", "-q", "-j", "2", "-o", str(tmp_path / "o.json")],
                            env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    workers = []
    while len(workers) < 2 and time.time() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the run never started its workers"
    time.sleep(0.3)
    proc.kill()
    _, err = proc.communicate(timeout=60)  # until every holder of stderr has gone
    deadline = time.time() + 5
    while any(alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers)
    assert "Traceback" not in err and "Error" not in err, err
    left = [p for p in work.iterdir() if p.name.startswith(f"dedup-{proc.pid}-")]
    assert left, "a SIGKILLed run cannot remove its workspace; the next run must"
    code = subprocess.run(DEDUP + ["cluster", str(seeds_dir), "-q", "-j", "1"], env=env,
                          capture_output=True, timeout=120).returncode
    assert code == 0
    assert list(work.iterdir()) == []


def test_only_stale_marked_workspaces_are_removed(tmp_path):
    parent = str(tmp_path)
    with spill.workdir(parent) as live:
        dead = tmp_path / "dedup-999999999-x"  # no such pid
        dead.mkdir()
        marker = json.loads(Path(live, spill.MARKER).read_text())
        (dead / spill.MARKER).write_text(json.dumps({**marker, "pid": 999999999, "started": "1"}))
        unmarked = tmp_path / "dedup-999999998-y"
        unmarked.mkdir()
        elsewhere = tmp_path / "dedup-999999997-z"  # another machine's: its pids mean nothing here
        elsewhere.mkdir()
        (elsewhere / spill.MARKER).write_text(json.dumps({**marker, "pid": 999999997, "host": "other"}))
        spill._CLEANED.discard(parent)
        assert spill.remove_stale(parent) == [str(dead)]
        assert os.path.isdir(live) and unmarked.is_dir() and elsewhere.is_dir()
    assert not os.path.exists(live)



def test_summary_counts_skipped_inputs_apart_from_those_read_with_a_note(run_cli, tmp_path):
    """A record read with a note (a lone surrogate replaced) is not a skipped one."""
    f = tmp_path / "c.jsonl"
    f.write_text('{"id": "a", "text": "bad \\ud800 surrogate, and words enough to read"}\n'
                 '{"id": "b", "text": "fine words"}\n{"id": "c", "text": ' + "[" * 5000 + "]" * 5000 + "}\n")
    code, out, err = run_cli("cluster", str(f))
    assert code == 1
    assert "2 documents, 0 clusters, 2 alone, 1 skipped, 1 read with a note" in out, out


def test_a_stop_that_a_finalizer_swallowed_still_stops_the_run(tmp_path, seeds_dir, monkeypatch):
    """SIGTERM's KeyboardInterrupt raised while a finalizer runs is printed and dropped by
    Python; the stop is remembered, so the run ends at its next progress report, writes
    no output, and exits 130 (CI saw such a run finish with 0)."""
    import signal

    from dedup.cli import _run, common, output

    monkeypatch.setattr(common, "_SIGNALS", [])
    monkeypatch.setattr(sys, "unraisablehook", common.quiet_unraisable)

    class Finalized:
        def __del__(self):
            common.terminate(signal.SIGTERM, None)

    Finalized()  # the interrupt raised in __del__ goes to the unraisable hook, not here
    assert common.stopped()
    out = tmp_path / "out.json"
    with pytest.raises(KeyboardInterrupt):
        output.write_output(out, "{}")
    with pytest.raises(KeyboardInterrupt):
        common.ProgressBar(enabled=False)("align", 1, 2)
    assert _run(["cluster", str(seeds_dir), "-f", "json", "-q", "-o", str(out)]) == 130
    assert not out.exists()


@pytest.mark.parametrize("args, flag", [
    (["cluster", "SEEDS", "-f", "csv", "--output-dir", "OUT"], "'--format'"),
    (["cluster", "SEEDS", "--shard-format", "parquet"], "'--shard-format'"),
    (["index", "add", "DB", "SEEDS", "--bulk", "-f", "jsonl"], "'--format jsonl'"),
])
def test_an_option_that_would_do_nothing_is_a_usage_error(run_cli, tmp_path, args, flag):
    """-f csv with --output-dir wrote JSONL shards and no CSV; --shard-format without
    --output-dir and -f jsonl with --bulk wrote nothing of the kind; all exited 0."""
    from conftest import SEEDS

    args = [{"SEEDS": SEEDS, "OUT": tmp_path / "out", "DB": tmp_path / "i.db"}.get(a, a) for a in args]
    code, out, err = run_cli(*args)
    assert code == 2 and out == "" and flag in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing made
