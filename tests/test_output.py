"""``--output``: what is at the path is written, never replaced by something else, and
never one of the run's own inputs (issue 10)."""

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest


@pytest.fixture
def dev_guard():
    """These tests run as root in CI: if the code under test replaces /dev/null or the
    /dev/stdout link (as it once did), put them back before failing."""
    yield
    broken = []
    if not stat.S_ISCHR(os.lstat(os.devnull).st_mode) and os.geteuid() == 0:
        os.unlink(os.devnull)
        os.mknod(os.devnull, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(os.devnull, 0o666)
        broken.append(os.devnull)
    if os.path.lexists("/dev/stdout") and not os.path.islink("/dev/stdout") and os.geteuid() == 0:
        os.unlink("/dev/stdout")
        os.symlink("/proc/self/fd/1", "/dev/stdout")
        broken.append("/dev/stdout")
    assert not broken, f"replaced {broken} (restored)"


@pytest.fixture
def corpus(seeds_dir, tmp_path) -> Path:
    """A copy of the seeds (tests may try to write over them)."""
    d = tmp_path / "corpus"
    shutil.copytree(seeds_dir, d)
    return d


def _expected(run_cli, corpus) -> str:
    code, out, _ = run_cli("cluster", corpus, "-f", "json")
    assert code == 0
    return out


def test_a_symlink_is_followed_and_stays_a_link(run_cli, corpus, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert run_cli("cluster", corpus, "-f", "json", "-o", link)[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == _expected(run_cli, corpus)


def test_a_dangling_symlink_creates_its_target(run_cli, corpus, tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    assert run_cli("cluster", corpus, "-f", "json", "-o", link)[0] == 0
    assert link.is_symlink() and json.loads((tmp_path / "made.json").read_text())["clusters"]


def test_a_fifo_is_written_to_not_replaced(run_cli, corpus, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    code = run_cli("cluster", corpus, "-f", "json", "-o", fifo)[0]
    reader.join(30)
    if reader.is_alive() and stat.S_ISFIFO(os.lstat(fifo).st_mode):  # nobody wrote: let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert code == 0
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got == [_expected(run_cli, corpus)]


def test_dev_null_stays_a_device(run_cli, corpus, dev_guard):
    assert run_cli("cluster", corpus, "-f", "json", "-o", os.devnull)[0] == 0
    assert stat.S_ISCHR(os.lstat(os.devnull).st_mode)


def test_dev_stdout_writes_to_the_descriptor(corpus, tmp_path, dev_guard):
    """/dev/stdout is descriptor 1 wherever it leads: a pipe gets the output, a file
    opened for appending keeps what it had (the file is neither replaced nor truncated)."""
    cmd = [sys.executable, "-m", "dedup", "cluster", str(corpus), "-f", "jsonl", "-q", "-j", "1", "-o", "/dev/stdout"]
    piped = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""
    assert [json.loads(line)["id"] for line in piped.stdout.splitlines()] == ["c1", "c2"]
    log = tmp_path / "log.txt"
    log.write_text("kept\n")
    with open(log, "a") as fh:
        appended = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, text=True, timeout=120)
    assert appended.returncode == 0, appended.stderr
    assert log.read_text() == "kept\n" + piped.stdout


def test_dev_fd_of_a_pipe_is_written(corpus, dev_guard):
    """``-o >(wc -c)``: the shell passes /dev/fd/N of a pipe."""
    r, w = os.pipe()
    cmd = [sys.executable, "-m", "dedup", "cluster", str(corpus), "-f", "json", "-q", "-j", "1", "-o", f"/dev/fd/{w}"]
    proc = subprocess.Popen(cmd, pass_fds=(w,), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads(data)["clusters"]


def test_an_existing_file_keeps_its_mode(run_cli, corpus, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    out.chmod(0o640)
    assert run_cli("cluster", corpus, "-f", "json", "-o", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text() == _expected(run_cli, corpus)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(run_cli, corpus, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        assert run_cli("cluster", corpus, "-f", "json", "-o", tmp_path / "new.json")[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_input_file_is_never_written_over(run_cli, corpus, tmp_path):
    victim = sorted(corpus.glob("001_*.txt"))[0]
    before = victim.read_bytes()
    alias = tmp_path / "alias.txt"
    alias.symlink_to(victim)
    hard = tmp_path / "hard.txt"
    os.link(victim, hard)
    for args in ([corpus, "-o", victim],            # inside an input directory
                 [victim, "-o", victim],            # given itself
                 [corpus, "-o", alias],             # through a symlink
                 [corpus, "-o", hard]):             # another name of the same file
        code, out, err = run_cli("cluster", *args)
        assert code == 2, err
        assert err.startswith("dedup: error: --output ") and "input file" in err and err.count("\n") == 1
        assert victim.read_bytes() == before and alias.is_symlink()


def test_a_file_beside_the_inputs_that_is_not_read_may_be_written(run_cli, corpus):
    notes = corpus / "report.json"  # in the input directory, but not a corpus file
    notes.write_text("old")
    code, _, err = run_cli("cluster", corpus, "-f", "json", "-o", notes)
    # exit 1: the .json file in the directory is reported as not read (ingest says why)
    assert code == 1 and "report.json" not in err.replace(".json files", "")
    assert json.loads(notes.read_text())["clusters"]


@pytest.mark.parametrize("path", ["", "   "])
def test_an_empty_output_path_is_a_usage_error(run_cli, corpus, path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("cluster", corpus, "-o", path)
    assert code == 2 and "'--output'" in err and "empty" in err and "busy" not in err


def test_a_directory_is_not_an_output(run_cli, corpus, tmp_path):
    code, _, err = run_cli("cluster", corpus, "-o", tmp_path)
    assert code == 4 and err.strip() == f"dedup: error: {tmp_path}: cannot write: is a directory"
    assert tmp_path.is_dir()


def test_a_path_ending_in_a_slash_names_a_directory_never_a_file(run_cli, corpus, tmp_path):
    """`-o out.json/` is refused as the shell and open() refuse it: not written as `out.json`."""
    existing = tmp_path / "existing.json"
    existing.write_text("keep")
    for given, why in ((f"{existing}/", "not a directory"), (f"{tmp_path}/new.json/", "no such directory")):
        code, out, err = run_cli("cluster", corpus, "-f", "json", "-o", given)
        assert code == 4 and err.startswith(f"dedup: error: {given}: cannot write: {why}"), err
    assert existing.read_text() == "keep" and not (tmp_path / "new.json").exists()


def test_resolve_output_names_the_process_descriptors():
    from dedup.cli.output import resolve_output

    assert resolve_output("/dev/stdout").kind == "fd" and resolve_output("/dev/stdout").fd == 1
    assert resolve_output("/dev/fd/2").fd == 2
    assert resolve_output(f"/proc/{os.getpid()}/fd/0").fd == 0
    assert resolve_output(os.devnull).kind == "direct"


_KILLED_MIDWAY = """
import os, signal, sys
from dedup.cli.output import write_output
def pieces():
    yield "new text, "
    os.kill(os.getpid(), signal.SIGKILL)  # killed outright halfway through the write
    yield "never written"
write_output(sys.argv[1], pieces())
"""


@pytest.mark.parametrize("existing", [True, False])
def test_a_run_killed_while_writing_leaves_nothing_behind(tmp_path, existing):
    from dedup.cli.output import _unnamed

    fd = _unnamed(str(tmp_path))
    if fd is None:
        pytest.skip("this file system has no unnamed files (O_TMPFILE): a SIGKILL leaves a hidden temporary file")
    os.close(fd)
    out = tmp_path / "out.json"
    if existing:
        out.write_text("the old report")
    proc = subprocess.run([sys.executable, "-c", _KILLED_MIDWAY, str(out)], capture_output=True)
    assert proc.returncode == -9
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out.json"] if existing else [])
    if existing:
        assert out.read_text() == "the old report"


@pytest.mark.parametrize("unnamed", [True, False])
def test_the_written_file_replaces_the_old_one_and_no_temporary_stays(tmp_path, monkeypatch, unnamed):
    from dedup.cli import output

    if not unnamed:  # a file system without O_TMPFILE: a named temporary file, renamed
        monkeypatch.setattr(output, "_unnamed", lambda directory: None)
    out = tmp_path / "out.json"
    out.write_text("old")
    os.chmod(out, 0o640)
    output.write_output(out, iter(["a", "b", "c"]))
    assert out.read_text() == "abc" and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_an_unnamed_file_that_cannot_be_linked_is_copied_into_place(tmp_path, monkeypatch):
    from dedup.cli import output

    fd = output._unnamed(str(tmp_path))
    if fd is None:
        pytest.skip("this file system has no unnamed files (O_TMPFILE)")
    os.close(fd)

    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(output.os, "link", refused)  # a /proc that will not name it
    out = tmp_path / "out.json"
    out.write_text("old")
    os.chmod(out, 0o604)
    output.write_output(out, iter(["x" * 3_000_000, "end"]))
    assert out.read_text() == "x" * 3_000_000 + "end" and stat.S_IMODE(out.stat().st_mode) == 0o604
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_dash_is_stdout_and_dot_slash_dash_a_file(run_cli, corpus, tmp_path, monkeypatch):
    """``-o -`` writes to stdout, as ``-`` reads stdin; a file called ``-`` is ``./-``."""
    monkeypatch.chdir(tmp_path)
    expected = _expected(run_cli, corpus)
    code, out, _ = run_cli("cluster", corpus, "-f", "json", "-o", "-")
    assert (code, out) == (0, expected)
    assert not (tmp_path / "-").exists()
    code, out, _ = run_cli("compare", corpus / sorted(os.listdir(corpus))[3], corpus / sorted(os.listdir(corpus))[4],
                           "-f", "json", "-o", "-")
    assert code == 0 and json.loads(out)["kind"] and not (tmp_path / "-").exists()
    assert run_cli("cluster", corpus, "-f", "json", "-o", "./-")[0] == 0
    assert (tmp_path / "-").read_text() == expected
