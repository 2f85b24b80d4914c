"""--output-dir at its edges: an empty name, a host that is not there, a target that
cannot be written (found before the run), a write that fails mid-way (nothing left)."""

from __future__ import annotations

import errno
import uuid

import pytest

from conftest import SEEDS

fsspec = pytest.importorskip("fsspec")
from fsspec.implementations.memory import MemoryFileSystem  # noqa: E402

from dedup.errors import OutputDirError  # noqa: E402
from dedup.stages import shards  # noqa: E402


class _ReadOnly(MemoryFileSystem):
    """A file system where directories can be listed and made but no file written (as a
    read-only mount is, even for root, whom a directory's mode does not stop)."""

    protocol = "dedup-readonly"
    store: dict = {}
    pseudo_dirs = [""]

    def _open(self, path, mode="rb", **kwargs):
        if "r" not in mode:
            raise PermissionError(errno.EROFS, "Read-only file system", path)
        return super()._open(path, mode, **kwargs)


fsspec.register_implementation(_ReadOnly.protocol, _ReadOnly, clobber=True)


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_an_empty_output_dir_is_refused_as_an_empty_output_is(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in ("", " "):
        code, out, err = run_cli("cluster", SEEDS, "--output-dir", given, "--jobs", "1")
        assert code == 2 and err == ("dedup: error: Invalid value for '--output-dir': is empty; give a directory "
                                     "or URL (or leave it out)\n")
    assert list(tmp_path.iterdir()) == []  # not written into the current directory


def test_a_host_that_cannot_be_reached_is_one_line(run_cli):
    code, out, err = run_cli("cluster", SEEDS, "--output-dir", "ftp://127.0.0.1:1/out", "--jobs", "1")
    assert code == 4 and err == "dedup: error: ftp://127.0.0.1:1/out: cannot open: Connection refused\n"


def test_a_target_that_cannot_be_written_fails_before_the_run(run_cli, tmp_path):
    url = f"{_ReadOnly.protocol}://out-{uuid.uuid4().hex[:8]}"
    # the missing input would end the run with exit 3: the target is tried first
    code, out, err = run_cli("cluster", SEEDS, tmp_path / "missing", "--output-dir", url, "--jobs", "1")
    assert code == 4 and err == f"dedup: error: {url}: cannot write there: Read-only file system\n"


def test_the_target_check_leaves_a_new_empty_directory(tmp_path):
    shards.check_target(str(tmp_path / "a" / "b"))
    assert _files(tmp_path) == ["a", "a/b"]
    shards.check_target(str(tmp_path / "a" / "b"))  # and accepts it again


@pytest.mark.parametrize("fails", ["links/part-00000", "documents/part-00000", "_manifest.json"])
def test_a_write_that_fails_leaves_nothing_and_the_rerun_works(run_cli, tmp_path, monkeypatch, fails):
    write = shards._write

    def full_disk(url, name, rows, fmt="jsonl"):
        write(url, name, rows[:1], fmt)  # the file is there, cut short, as a full disk leaves it
        if name == fails:
            raise OutputDirError(f"{url}/{name}: cannot write: No space left on device")
        return write(url, name, rows, fmt)

    monkeypatch.setattr(shards, "_write", full_disk)
    code, out, err = run_cli("cluster", SEEDS, "--output-dir", tmp_path / "out", "--jobs", "1", "-q")
    assert code == 4 and err.endswith(f"{fails}: cannot write: No space left on device\n")
    assert _files(tmp_path) == ["out"]  # no shard of the failed run is left to refuse the next
    monkeypatch.setattr(shards, "_write", write)
    code, out, err = run_cli("cluster", SEEDS, "--output-dir", tmp_path / "out", "--jobs", "1", "-q")
    assert code == 0 and "out/_manifest.json" in _files(tmp_path)


def test_files_not_of_the_run_are_not_removed(tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    shards.check_target(str(tmp_path / "out"))
    (tmp_path / "out" / "links").mkdir()
    (tmp_path / "out" / "links" / "theirs.txt").write_text("keep")
    shards._remove(str(tmp_path / "out"), ["links/part-00000", "links/part-00001", "_manifest.json"], "jsonl")
    assert _files(tmp_path) == ["out", "out/links", "out/links/theirs.txt"]


def test_a_dangling_symlink_as_output_dir_is_named(run_cli, seeds_dir, tmp_path):
    """Before: "cannot write there: File exists" (the link exists, its target does not)."""
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    code, out, err = run_cli("cluster", seeds_dir, "--output-dir", link, "-q")
    assert code == 4 and out == "" and err.count("\n") == 1
    assert "a symbolic link to" in err and "which does not exist" in err and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("target, why", [
    ("memory://dedup-shards", "a memory:// directory is each process's own, the workers' shards would be lost"),
    ("https://127.0.0.1:9/shards", "cannot write there: NotImplementedError")])
def test_an_output_dir_no_worker_can_write_to_is_refused(run_cli, target, why):
    """memory:// is each process's own (the CLI said exit 0 and the shards were nowhere);
    a web URL cannot be written (fsspec's NotImplementedError was exit 70)."""
    code, out, err = run_cli("cluster", SEEDS, "-q", "--output-dir", target)
    assert (code, out) == (4, "") and err.strip().startswith(f"dedup: error: {target}: {why}")


def test_an_empty_scheduler_is_refused(run_cli):
    code, _, err = run_cli("cluster", SEEDS, "-q", "--engine", "dask", "--scheduler", "")
    assert code == 2 and "'--scheduler': is empty" in err


def test_a_shard_finished_after_its_run_stopped_removes_itself(tmp_path):
    """Dask does not stop a running task it cancels: a SIGTERM while the last shards were
    written left one behind (and the next run refused the directory). A shard is kept only
    while its run's marker is there; the run removes the marker before its own shards."""
    docs = [{"doc_id": "a", "chars": 1}]
    for running in (True, False):
        target = tmp_path / f"out-{running}"
        target.mkdir()
        if running:
            (target / shards.RUNNING).write_text("")
        shards._document_shard((str(target), "jsonl"), (0, docs))
        assert (target / "documents" / "part-00000.jsonl").exists() is running


def test_a_run_leaves_no_marker(run_cli, tmp_path):
    code, _, err = run_cli("cluster", SEEDS, "-q", "--output-dir", tmp_path / "out")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_manifest.json", "clusters", "documents", "links"]
