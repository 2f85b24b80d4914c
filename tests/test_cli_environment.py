"""The CLI in a hostile environment: resource limits (file descriptors, memory, threads),
closed standard streams, an ASCII locale, COLUMNS=0, FORCE_COLOR, a signal after the
run. Each ends with a documented exit code and at most one line, never a hang."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SEEDS, alive

DEDUP = [sys.executable, "-m", "dedup"]
# What the user's shell may set and these tests set themselves.
_CLEAN = ("DEDUP_DEBUG", "COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "PYTHONIOENCODING")
CLOSED = "dedup: error: cannot write to stdout: it is closed\n"

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux limits, fork and /proc")


def _cli(*args, env=None, preexec=None, timeout=60):
    """Run the CLI; a hang fails the test (TimeoutExpired) instead of blocking it."""
    full = {k: v for k, v in os.environ.items() if k not in _CLEAN}
    full["OPENBLAS_NUM_THREADS"] = "1"  # numpy's BLAS sizes its buffers by the cores: the same on every machine
    full.update(env or {})
    return subprocess.run([*DEDUP, *map(str, args)], capture_output=True, env=full, preexec_fn=preexec,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def _limit(which, soft):
    def preexec():
        resource.setrlimit(which, (soft, resource.getrlimit(which)[1]))
    return preexec


def _one_error_line(run) -> str:
    err = run.stderr.decode()
    assert err.startswith("dedup: error: ") and err.count("\n") == 1, err
    return err


# --- resource limits --------------------------------------------------------------

def _two_chunks(tmp_path) -> str:
    """A corpus of 300 short documents: two of the prepare stage's 256-document chunks, so
    that a 2-job run forks a pool (the seeds' five documents are one chunk, and since
    KeyParts.worth_workers every count of theirs runs in this process: no pool at all)."""
    words = " ".join(p.read_text() for p in sorted(Path(SEEDS).glob("*.txt"))).split()
    path = tmp_path / "two-chunks.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i:03d}", "text": " ".join(words[i * 37 % (len(words) - 60):][:40])})
                            + "\n" for i in range(300)))
    return str(path)


@linux
def test_too_few_file_descriptors_is_exit_6_and_never_a_hang(tmp_path):
    """At some limit the pool's second worker cannot be forked: CPython's Pool then
    SIGTERMs the first and waited for it for ever (6 runs in 8) when that worker still
    had this process's handlers."""
    seen, pool_failed = {}, []
    corpus = _two_chunks(tmp_path)
    for n in range(12, 22):
        run = _cli("cluster", corpus, "--jobs", "2", "-q", "-o", os.devnull, preexec=_limit(resource.RLIMIT_NOFILE, n),
                   timeout=30)
        seen[n] = run.returncode
        assert run.returncode in (0, 6), (n, run.stderr.decode())
        if run.returncode == 6:
            assert "too many open files (ulimit -n)" in _one_error_line(run)
            if "cannot start the worker processes" in run.stderr.decode():
                pool_failed.append(n)
    assert pool_failed and 0 in seen.values(), seen
    for n in pool_failed[-2:] * 2:  # the limits where the pool's start fails, again: the hang was a race
        run = _cli("cluster", corpus, "--jobs", "2", "-q", "-o", os.devnull, preexec=_limit(resource.RLIMIT_NOFILE, n),
                   timeout=30)
        assert run.returncode in (0, 6), (n, run.stderr.decode())


@linux
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_too_little_memory_is_exit_6(jobs):
    codes = []
    for mb in (130, 150, 170):
        run = _cli("cluster", SEEDS, "--jobs", jobs, "-q", "-o", os.devnull,
                   preexec=_limit(resource.RLIMIT_AS, mb << 20), timeout=60)
        if run.returncode == 1 and b"OpenBLAS error" in run.stderr:
            continue  # numpy's BLAS gives up by exit(1) from C, at its import: nothing Python can catch
        assert run.returncode in (0, 6), (mb, run.stderr.decode())
        if run.returncode == 6:
            err = _one_error_line(run)
            assert "out of memory" in err or "cannot start a thread" in err, err
        codes.append(run.returncode)
    assert 6 in codes, codes


@pytest.mark.parametrize("exc, words", [
    (MemoryError(), "out of memory"),
    (OSError(errno.EMFILE, "Too many open files"), "too many open files (ulimit -n)"),
    (OSError(errno.ENFILE, "Too many open files in system"), "too many open files"),
    (OSError(errno.ENOMEM, "Cannot allocate memory"), "out of memory"),
    (BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), "ulimit -u"),
    (RuntimeError("can't start new thread"), "cannot start a thread"),
])
def test_running_out_of_something_is_exit_6_not_an_internal_error(exc, words, monkeypatch, capsys, tmp_path):
    from dedup import cli

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.delenv("DEDUP_DEBUG", raising=False)
    monkeypatch.setattr(cli, "run_pipeline", fail)
    assert cli._run(["cluster", str(SEEDS), "-q", "-o", str(tmp_path / "out.txt")]) == 6
    err = capsys.readouterr().err
    assert err.startswith("dedup: error: ") and words in err and err.count("\n") == 1, err
    assert "internal" not in err


def test_other_errors_are_still_internal(monkeypatch, capsys, tmp_path):
    from dedup import cli

    def fail(*args, **kwargs):
        raise RuntimeError("something else")

    monkeypatch.delenv("DEDUP_DEBUG", raising=False)
    monkeypatch.setattr(cli, "run_pipeline", fail)
    assert cli._run(["cluster", str(SEEDS), "-q", "-o", str(tmp_path / "out.txt")]) == 70
    assert "internal error: RuntimeError: something else" in capsys.readouterr().err


def _square(offset, x):
    return (x + offset) ** 2


def _no_thread(*args, **kwargs):
    raise RuntimeError("can't start new thread")


# what threading.Thread.start calls to make the thread (renamed in Python 3.13)
_THREAD_START = "_start_joinable_thread" if sys.version_info >= (3, 13) else "_start_new_thread"


def _children():
    return {p.pid for p in multiprocessing.active_children()}


@linux
def test_a_pool_without_a_thread_to_stop_it_still_ends_its_workers(monkeypatch):
    """The pool is stopped on a thread, so that a stuck terminate() cannot hang the run:
    at a memory limit that thread cannot start, and the run failed (or waited for ever)."""
    import _thread
    import threading

    from dedup.engines.processes import run

    before = _children()
    results = run(_square, 1, list(range(12)), 2)
    assert next(results) == 1
    workers = _children() - before
    assert len(workers) == 2
    monkeypatch.setattr(_thread, "start_new_thread", _no_thread)
    monkeypatch.setattr(threading, _THREAD_START, _no_thread)
    assert list(results) == [(x + 1) ** 2 for x in range(1, 12)]
    monkeypatch.undo()
    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, workers))


@linux
def test_a_pool_that_cannot_start_its_threads_is_a_resource_error_and_leaves_no_worker(monkeypatch):
    import threading

    from dedup.engines.processes import Workers, run
    from dedup.errors import ResourceError

    before = _children()
    monkeypatch.setattr(threading, _THREAD_START, _no_thread)
    with pytest.raises(ResourceError, match=r"^cannot start the worker processes: cannot start a thread") as exc:
        list(run(_square, 1, list(range(12)), 2))
    assert exc.value.exit_code == 6
    with pytest.raises(ResourceError), Workers(_square, 1, 2) as workers:
        workers.submit([1, 2, 3]).get()
    monkeypatch.undo()
    deadline = time.monotonic() + 10
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _children() - before  # the workers forked before the thread failed are gone


# --- closed standard streams ------------------------------------------------------

def _close(*fds):
    def preexec():
        for fd in fds:
            os.close(fd)
    return preexec


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The seeds' JSON report and a truth file for it."""
    where = tmp_path_factory.mktemp("environment")
    path = where / "seeds.json"
    assert _cli("cluster", SEEDS, "-f", "json", "-o", path, "-q", "--jobs", "1").returncode == 0
    docs = json.loads(path.read_text())["documents"]
    truth = where / "truth.json"
    truth.write_text(json.dumps({d["doc_id"]: d["cluster"] or d["doc_id"] for d in docs}))
    return path, truth


def test_closed_stdout_is_no_matter_when_nothing_is_written_there(tmp_path):
    out = tmp_path / "x.json"
    run = _cli("cluster", SEEDS, "-q", "-f", "json", "-o", out, "--jobs", "1", preexec=_close(1))
    assert (run.returncode, run.stderr) == (0, b"")
    assert json.loads(out.read_text())["clusters"]


@pytest.mark.parametrize("args", [
    ["cluster", SEEDS, "-q", "--jobs", "1"], ["cluster", SEEDS, "-q", "-f", "jsonl", "--jobs", "1"],
    ["cluster", SEEDS, "-q", "-o", "/dev/stdout"], ["--version"], ["show", "REPORT", "c1"],
    ["eval", "REPORT", "--truth", "TRUTH", "-f", "json"], ["eval", "REPORT", "--truth", "TRUTH"],
    ["compare", SEEDS / "003_e2e6a14928010906.txt", SEEDS / "004_99c5a163f56370de.txt"],
    ["compare", SEEDS / "003_e2e6a14928010906.txt", SEEDS / "004_99c5a163f56370de.txt", "-f", "json"],
])
def test_closed_stdout_is_exit_4_when_the_output_goes_there(args, report):
    args = [{"REPORT": report[0], "TRUTH": report[1]}.get(a, a) for a in args]
    run = _cli(*args, preexec=_close(1))
    assert (run.returncode, run.stderr.decode()) == (4, CLOSED)


def test_closed_stderr_drops_the_messages_and_keeps_the_exit_codes(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "latin1.txt").write_bytes("Le café est ouvert à Genève depuis l'été dernier. ".encode("cp1252") * 20)
    out = tmp_path / "x.json"
    run = _cli("cluster", corpus, "-f", "json", "-o", out, "--jobs", "1", preexec=_close(2))
    assert run.returncode == 1  # read with a note
    assert any(not p["skipped"] for p in json.loads(out.read_text())["problems"])
    assert _cli("cluster", tmp_path / "missing", preexec=_close(2)).returncode == 3
    assert _cli("--version", preexec=_close(1, 2)).returncode == 4


# --- an ASCII locale, COLUMNS=0, FORCE_COLOR --------------------------------------

NAME = "Ωmega—ü.txt"


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("named") / "corpus"
    shutil.copytree(SEEDS, corpus)
    os.rename(corpus / "003_e2e6a14928010906.txt", corpus / NAME)
    return corpus


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "html"])
def test_data_on_stdout_is_utf8_whatever_the_locale(fmt, named):
    run = _cli("cluster", named, "-f", fmt, "--jobs", "1", env={"PYTHONIOENCODING": "ascii"})
    assert (run.returncode, run.stderr) == (0, b"")
    assert NAME in run.stdout.decode("utf-8")
    if fmt == "json":
        assert NAME in {d["doc_id"] for d in json.loads(run.stdout)["documents"]}


@pytest.mark.parametrize("locale", [{"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"},  # stdout surrogateescape
                                    {"PYTHONIOENCODING": "ascii:surrogateescape"}])
def test_tables_in_the_c_locale_replace_what_it_cannot_show(named, locale):
    run = _cli("cluster", named, "--jobs", "1", env=locale)
    assert (run.returncode, run.stderr) == (0, b"")
    assert b"?mega" in run.stdout and run.stdout.decode("ascii")


def test_tables_in_an_ascii_locale_replace_what_it_cannot_show(named, tmp_path):
    ascii_ = {"PYTHONIOENCODING": "ascii"}
    run = _cli("cluster", named, "--jobs", "1", env=ascii_)
    assert (run.returncode, run.stderr) == (0, b"")
    assert b"?mega" in run.stdout and run.stdout.decode("ascii")
    report = tmp_path / "named.json"
    assert _cli("cluster", named, "-f", "json", "-o", report, "-q", "--jobs", "1").returncode == 0
    run = _cli("show", report, NAME, "--corpus", named, env=ascii_)
    assert (run.returncode, run.stderr) == (0, b"") and b"?mega" in run.stdout
    pair = (named / NAME, named / "004_99c5a163f56370de.txt")
    run = _cli("compare", *pair, env=ascii_)
    assert (run.returncode, run.stderr) == (0, b"") and b"?mega" in run.stdout
    run = _cli("compare", *pair, "-f", "json", env=ascii_)
    assert (run.returncode, run.stderr) == (0, b"") and json.loads(run.stdout)["a"] == str(pair[0])


@pytest.mark.parametrize("args, shows", [
    (["cluster", SEEDS, "--jobs", "1"], "c1  partial"), (["show", "REPORT", "c1"], "origin"),
    (["eval", "REPORT", "--truth", "TRUTH"], "ari"),
    (["compare", SEEDS / "003_e2e6a14928010906.txt", SEEDS / "004_99c5a163f56370de.txt"], "score"),
])
def test_columns_0_is_as_unset(args, shows, report):
    args = [{"REPORT": report[0], "TRUTH": report[1]}.get(a, a) for a in args]
    run = _cli(*args, env={"COLUMNS": "0"})
    assert run.returncode == 0 and shows in run.stdout.decode(), run.stderr.decode()


@pytest.mark.parametrize("env", [{"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}])
def test_no_progress_bar_into_a_file_whatever_the_environment_says(env):
    run = _cli("cluster", SEEDS, "--jobs", "1", "-f", "json", env=env)
    assert (run.returncode, run.stderr) == (0, b"")


# --- a signal after the run -------------------------------------------------------

_AFTER = """
import os, signal, sys, time
from dedup.cli import main
sys.argv = ["dedup", *sys.argv[1:]]
try:
    main()
finally:  # the interpreter's exit: nothing left to stop
    os.kill(os.getpid(), signal.%s)
    time.sleep(0.3)
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_after_the_run_does_not_change_its_exit_code(sig, tmp_path):
    out = tmp_path / "x.json"
    run = subprocess.run([sys.executable, "-c", _AFTER % sig, "cluster", str(SEEDS), "-q", "--jobs", "1",
                          "-f", "json", "-o", str(out)], capture_output=True, timeout=60)
    assert (run.returncode, run.stderr) == (0, b"")
    assert json.loads(out.read_text())["clusters"]


# --- a hangup (the terminal or ssh session closed) ----------------------------------

def _hangup_run(tmp_path, preexec=None, engine="local"):
    """A 2-job run on 2,000 articles, its process group sent SIGHUP once its workspace
    exists (as when the terminal closes): the exit code, stderr, what TMPDIR keeps,
    and the output path."""
    from textgen import write_articles

    corpus = tmp_path / "big.jsonl"
    write_articles(corpus, 2000, 400)
    work = tmp_path / "tmp"
    work.mkdir()
    out = tmp_path / "out.json"
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN}
    env["TMPDIR"] = str(work)
    proc = subprocess.Popen([*DEDUP, "cluster", str(corpus), "-f", "json", "-q", "-j", "2", "-o", str(out),
                             "--engine", engine],
                            env=env, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            start_new_session=True, preexec_fn=preexec)
    deadline = time.time() + 60
    # the run's workspace (with Dask: once the cluster is up; its scratch comes first)
    while not any(p.name.startswith("dedup-") and not p.name.startswith("dedup-dask-") for p in work.iterdir()) \
            and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err, [p.name for p in work.iterdir() if p.name.startswith("dedup-")], out


@linux
def test_a_hangup_stops_the_run_as_sigterm_does(tmp_path):
    """SIGHUP's default ended the run at once: exit 129 and its workspace (15 MB for
    2,000 articles) left in TMPDIR until a later run there."""
    code, err, left, out = _hangup_run(tmp_path)
    assert code == 130, (code, err)
    assert "Traceback" not in err
    assert left == []
    assert not out.exists()


@linux
def test_a_hangup_ignored_as_under_nohup_lets_the_run_finish(tmp_path):
    code, err, left, out = _hangup_run(tmp_path, preexec=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    assert (code, err, left) == (0, "", [])
    assert json.loads(out.read_text())["documents"]


@linux
def test_a_hangup_stops_a_dask_run_without_a_traceback(tmp_path):
    """The hangup reached the Dask cluster's processes too: with this process handling
    it, multiprocessing's resource tracker died of it and its successor printed a
    KeyError traceback for each name it was told of (a screenful)."""
    pytest.importorskip("distributed")
    code, err, left, out = _hangup_run(tmp_path, engine="dask")
    assert code == 130, (code, err)
    assert "Traceback" not in err and "resource_tracker" not in err, err
    assert left == []
    assert not out.exists()


_IN_CLUSTER_START = """
import os, signal, sys
import distributed

class Stopped(distributed.LocalCluster):
    def __init__(self, *args, **kwargs):
        os.kill(os.getpid(), signal.%s)  # as a Ctrl-C or hangup in the cluster's start
        super().__init__(*args, **kwargs)

distributed.LocalCluster = Stopped

if __name__ == "__main__":
    from dedup.cli import main
    sys.argv = ["dedup", *sys.argv[1:]]
    main()
"""


@linux
@pytest.mark.parametrize("sig", ["SIGINT", "SIGHUP"])
def test_a_stop_while_the_dask_cluster_starts_stops_the_run(sig, tmp_path):
    """The cluster started with SIGINT ignored in this process (for its workers to
    inherit): a Ctrl-C then was lost, and the run went on to exit 0 (the kernel gave it
    to a thread that did not block it, numpy's BLAS, or the resource tracker's start
    unblocked it)."""
    pytest.importorskip("distributed")
    script = tmp_path / "stopped.py"
    script.write_text(_IN_CLUSTER_START % sig)
    out = tmp_path / "out.json"
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN}
    env["TMPDIR"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))
    run = subprocess.run([sys.executable, str(script), "cluster", str(SEEDS), "--engine", "dask", "-j", "2", "-q",
                          "-f", "json", "-o", str(out)], capture_output=True, env=env, stdin=subprocess.DEVNULL,
                         timeout=120)
    err = run.stderr.decode()
    assert run.returncode == 130, (run.returncode, err)
    assert "Traceback" not in err, err
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("dedup-")]


@linux
@pytest.mark.parametrize("locale", [{}, {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}])
def test_a_path_not_utf8_is_named_with_its_bytes_in_every_message(locale, tmp_path):
    """An input's name showed its bad byte as ``\\xff``, but an --output path or an index
    path as ``\\udcff`` (the surrogate Python decodes it to, written by stderr's error
    handler); in the C locale every non-ASCII byte of those was a ``\\udcNN``."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN}
    env.pop("LANG", None)
    env.update(locale)
    base = os.fsencode(tmp_path)
    for args, code in [([b"cluster", base + b"/nope_\xff_\xc3\xa9"], 3),
                       ([b"cluster", os.fsencode(SEEDS), b"-q", b"-o", base + b"/nodir_\xff_\xc3\xa9/x.json"], 4),
                       ([b"index", b"stats", base + b"/ix_\xff_\xc3\xa9.db"], 5)]:
        run = subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, env=env,
                             stdin=subprocess.DEVNULL, timeout=60)
        err = run.stderr.decode("ascii", "replace")
        assert run.returncode == code, err
        assert err.count("\n") == 1 and "\\udc" not in err, err
        assert "_\\xff_" in err, err
