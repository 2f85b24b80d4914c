"""`dedup show`, `eval` and `compare` on hostile inputs, and a TMPDIR that cannot be
used: each is one line and the README's exit code, never a hang, a crash or a silent
fallback."""

import json
import os
import resource
import subprocess
import sys

import pytest

import dedup
from dedup.evaluate import load_truth

DEDUP = [sys.executable, "-m", "dedup"]
S1, S2 = "003_e2e6a14928010906.txt", "004_99c5a163f56370de.txt"


def _one_error(err: str, name) -> None:
    assert err.startswith("dedup: error: ") and err.count("\n") == 1 and str(name) in err, err


# --- show and eval read regular files only -----------------------------------------

@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "rep.fifo"
    os.mkfifo(path)
    return path


def _run(args, cwd, limit_memory: bool = False):
    """The CLI in a process of its own: a reader blocked on a FIFO times out (the test
    fails) instead of hanging the suite; /dev/zero hits a memory limit, not the machine's."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    return subprocess.run(DEDUP + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=30,
                          preexec_fn=limit if limit_memory else None)


def test_show_refuses_a_fifo_without_opening_it(fifo, tmp_path):
    proc = _run(["show", fifo, "c1"], tmp_path)
    assert proc.returncode == 3 and proc.stdout == ""
    _one_error(proc.stderr, fifo)
    assert "a FIFO, not a regular file" in proc.stderr


def test_eval_refuses_a_fifo_as_truth_or_report(fifo, tmp_path, seeds_report_json):
    truth = tmp_path / "truth.json"
    truth.write_text('{"a": "1"}')
    for args in (["eval", seeds_report_json, "--truth", fifo], ["eval", fifo, "--truth", truth]):
        proc = _run(args, tmp_path)
        assert proc.returncode == 3 and proc.stdout == "", args
        _one_error(proc.stderr, fifo)


def test_show_refuses_dev_zero_without_reading_it(tmp_path):
    proc = _run(["show", "/dev/zero", "c1"], tmp_path, limit_memory=True)
    assert proc.returncode == 3 and "a character device, not a regular file" in proc.stderr
    _one_error(proc.stderr, "/dev/zero")


@pytest.mark.parametrize("which", ["report", "truth"])
def test_a_device_is_refused_naming_it(run_cli, seeds_report_json, tmp_path, which):
    truth = tmp_path / "truth.json"
    truth.write_text('{"a": "1"}')
    report, truth = ("/dev/null", truth) if which == "report" else (seeds_report_json, "/dev/null")
    code, out, err = run_cli("eval", report, "--truth", truth)
    assert code == 3 and out == "" and "not a regular file" in err
    _one_error(err, "/dev/null")


def test_symlinks_are_followed_to_regular_files_and_refused_to_fifos(run_cli, seeds_report_json, fifo, tmp_path):
    (tmp_path / "rep.json").symlink_to(seeds_report_json)
    (tmp_path / "truth.json").write_text('{"001_c66182c4c2cb1c49.txt": "1", "002_27885933036f0cc7.txt": "1"}')
    (tmp_path / "truth-link.json").symlink_to(tmp_path / "truth.json")
    code, out, _ = run_cli("show", tmp_path / "rep.json", "c1")
    assert code == 0 and "origin" in out
    code, out, _ = run_cli("eval", tmp_path / "rep.json", "--truth", tmp_path / "truth-link.json", "-f", "json")
    assert code == 0 and json.loads(out)["pair_recall"] == 1.0
    (tmp_path / "fifo-link.json").symlink_to(fifo)
    proc = _run(["eval", tmp_path / "rep.json", "--truth", tmp_path / "fifo-link.json"], tmp_path)
    assert proc.returncode == 3 and "a FIFO" in proc.stderr
    _one_error(proc.stderr, tmp_path / "fifo-link.json")


def test_a_missing_truth_is_one_line(run_cli, seeds_report_json, tmp_path):
    code, _, err = run_cli("eval", seeds_report_json, "--truth", tmp_path / "nope.json")
    assert code == 3 and "cannot read" in err
    _one_error(err, tmp_path / "nope.json")


# --- eval: truth files nested too deeply, numbers past the digit limit --------------

HOSTILE = {
    "deep.json": "[" * 100_000 + "]" * 100_000 + "\n",
    "bignum.json": '{"a": ' + "9" * 5000 + "}\n",
    "deep.jsonl": '{"type": "doc", "id": "a", "cluster": "1"}\n' + "[" * 100_000 + "]" * 100_000 + "\n",
    "bignum.jsonl": '{"type": "doc", "id": "a", "cluster": "1"}\n{"type": "doc", "id": "b", "cluster": '
                    + "9" * 5000 + "}\n",
    "inf.json": '{"clusters": {"a": "1"}, "passages": [{"a": "a", "b": "b", "a_spans": [[0, 1e999]], "b_spans": []}]}',
    # a truth that labels nothing scored every report perfect; a span that ends before it starts
    "empty.json": "",
    "emptyobj.json": "{}",
    "nolabels.json": '{"clusters": {}, "passages": []}',
    "reversed.json": '{"clusters": {"a": "1"}, "passages": [{"a": "a", "b": "b", "a_spans": [[5, 2]], "b_spans": [[0, 1]]}]}',
    "negative.jsonl": '{"type": "doc", "id": "a", "cluster": "1"}\n{"type": "pair", "a": "a", "b": "b", '
                      '"a_spans": [[-3, 2]], "b_spans": [[0, 1]]}\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_eval_refuses_hostile_truth_naming_the_file(run_cli, seeds_report_json, tmp_path, name):
    path = tmp_path / name
    path.write_text(HOSTILE[name])
    code, out, err = run_cli("eval", seeds_report_json, "--truth", path)
    assert code == 3 and out == ""
    _one_error(err, path)
    if name.endswith(".jsonl"):
        assert f"{path}:2:" in err
    with pytest.raises(dedup.InputError):
        load_truth(path)


# --- compare: notes are warnings, only skips refuse ----------------------------------

def test_compare_reads_a_file_with_a_note_and_exits_1(tmp_path, seeds_dir):
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_bytes((seeds_dir / S1).read_bytes())
    proc = _run(["compare", name, seeds_dir / S2], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "dedup: warning: caf\\xe9.txt: file name is not UTF-8; its id is caf\\xe9.txt\n"
    assert "duplicate" in proc.stdout and "passage(s)" in proc.stdout


def test_compare_reads_a_guessed_encoding_with_a_warning(run_cli, tmp_path, seeds_dir):
    text = (seeds_dir / S1).read_text(encoding="utf-8").replace("’", "'").replace("“", '"').replace("”", '"')
    latin = tmp_path / "latin.txt"
    latin.write_bytes(("Caf\u00e9 r\u00e9sum\u00e9 na\u00efve.\n\n" + text).encode("latin-1", "replace"))
    code, out, err = run_cli("compare", latin, seeds_dir / S1, "-f", "json")
    assert code == 1
    assert err.startswith(f"dedup: warning: {latin}: not UTF-8 (") and "; read as " in err and err.count("\n") == 1
    assert json.loads(out)["passages"]


def test_compare_still_refuses_a_skipped_file(run_cli, tmp_path, seeds_dir):
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"abc\x00def")
    code, out, err = run_cli("compare", binary, seeds_dir / S1)
    assert code == 3 and out == "" and "binary file" in err
    _one_error(err, binary)


# --- TMPDIR that cannot hold the workspace -------------------------------------------

@pytest.mark.parametrize("kind", ["missing", "file"])
def test_an_unusable_tmpdir_is_exit_6_naming_it(run_cli, seeds_dir, tmp_path, monkeypatch, kind):
    tmpdir = tmp_path / "missing" if kind == "missing" else tmp_path / "a-file"
    if kind == "file":
        tmpdir.write_text("x")
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    code, out, err = run_cli("cluster", seeds_dir, "-j", "1", "-q")
    assert code == 6 and out == ""
    _one_error(err, tmpdir)
    with pytest.raises(dedup.WorkspaceError, match=str(tmpdir)):
        dedup.compare("one text", "another text")


def test_a_usable_tmpdir_holds_the_workspace_and_is_left_clean(run_cli, seeds_dir, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))
    code, out, err = run_cli("cluster", seeds_dir, "-j", "1", "-q", "-f", "json")
    assert code == 0 and err == "" and len(json.loads(out)["clusters"]) == 2
    assert os.listdir(work) == []


def test_a_warning_shows_a_names_reordering_marks_as_escapes(tmp_path, seeds_dir):
    """A right-to-left override in a file name reordered the warning's line on a
    terminal ("evil\\u202egpj.txt" shows as "eviltxt.jpg"); C1 controls were raw too."""
    name = os.fsdecode(b"evil\xe2\x80\xae\xc2\x9bgpj\xe9.txt")
    (tmp_path / name).write_bytes((seeds_dir / S1).read_bytes())
    proc = _run(["compare", name, seeds_dir / S2], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("dedup: warning: evil\\u202e\\x9bgpj\\xe9.txt: file name is not UTF-8")
