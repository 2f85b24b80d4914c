"""Inputs by URL through fsspec: memory:// and file://, globs, the same answer as local paths."""
from __future__ import annotations

import json
import uuid

import pytest

import dedup
from conftest import SEEDS

fsspec = pytest.importorskip("fsspec")


@pytest.fixture
def memory_corpus():
    """The seeds in fsspec's in-memory filesystem, under a fresh root; its URL."""
    fs = fsspec.filesystem("memory")
    root = f"/corpus-{uuid.uuid4().hex[:8]}"
    for f in sorted(SEEDS.glob("*.txt")):
        fs.pipe(f"{root}/news/{f.name}", f.read_bytes())
    yield f"memory://{root}/news"
    fs.rm(root, recursive=True)


def _same(a, b) -> bool:
    return a.model_dump_json() == b.model_dump_json()


def test_memory_directory_and_glob_give_the_local_answer(memory_corpus):
    local = dedup.cluster(SEEDS)
    assert len(local.clusters) == 2
    assert _same(dedup.cluster(memory_corpus), local)
    assert _same(dedup.cluster(memory_corpus + "/*.txt"), local)


def test_file_url_glob_gives_the_local_answer(run_cli, seeds_report_json):
    code, out, err = run_cli("cluster", f"file://{SEEDS}/0*.txt", "-f", "json", "-q")
    assert code == 0, err
    assert out == seeds_report_json.read_text(encoding="utf-8")


def test_a_glob_that_matches_nothing_is_one_line_exit_3(run_cli, memory_corpus):
    code, out, err = run_cli("cluster", memory_corpus + "/*.jsonl")
    assert code == 3 and out == ""
    assert err.strip() == f"dedup: error: {memory_corpus}/*.jsonl: matches no file"


def test_a_protocol_without_its_package_is_one_line_exit_3(run_cli, monkeypatch):
    import fsspec.core

    def missing(url, **kw):
        raise ImportError("Install s3fs to access S3")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    code, _, err = run_cli("cluster", "s3://bucket/news/*.jsonl.gz")
    assert code == 3
    assert err.strip() == "dedup: error: s3://bucket/news/*.jsonl.gz: cannot open: Install s3fs to access S3"


def test_problems_name_the_url_not_the_workspace(memory_corpus):
    fs = fsspec.filesystem("memory")
    path = memory_corpus.split("://", 1)[1]
    fs.pipe(f"{path}/broken.jsonl", b'{"id": "x", "text": "fine words here"}\nnot json\n')
    report = dedup.cluster(memory_corpus)
    assert [p.path for p in report.problems] == [f"memory://{path}/broken.jsonl"]
    assert "x" in [d.doc_id for d in report.documents]


def test_dask_engine_reads_urls_too(memory_corpus):
    pytest.importorskip("distributed")
    from dedup.engines.dask import DaskEngine

    with DaskEngine(workers=1) as engine:
        assert _same(dedup.cluster(memory_corpus, engine=engine), dedup.cluster(SEEDS))


def test_a_file_url_is_its_local_path(run_cli, tmp_path):
    """A file:// URL was copied into the workspace: given beside its own path, the file was
    two documents whose ids held the workspace's random name (and which copy a repeated id
    kept depended on TMPDIR); a FIFO in a file:// directory hung the copy; %20 stayed."""
    import os

    from textgen import article

    corpus = tmp_path / "sp ace"
    corpus.mkdir()
    for k in range(3):
        (corpus / f"a{k}.txt").write_text(article(k, 3))
    os.mkfifo(corpus / "p.jsonl")
    by_path = run_cli("cluster", corpus, "-f", "json", "-q")
    for url in (f"file://{corpus}", f"file://{str(corpus).replace(' ', '%20')}/"):
        code, out, err = run_cli("cluster", url, "-f", "json", "-q")
        assert (code, out) == by_path[:2] and code == 1  # the FIFO skipped, as for the path
    code, out, _ = run_cli("cluster", corpus / "a0.txt", f"file://{corpus}/a0.txt", "-f", "json", "-q")
    assert code == 0 and [d["doc_id"] for d in json.loads(out)["documents"]] == ["a0.txt"]


def test_a_protocol_that_fails_its_own_way_is_one_line_exit_3(run_cli):
    """fsspec's protocols raise their own errors (a TypeError of reference://): exit 70 before."""
    code, out, err = run_cli("cluster", "reference://x", "-q")
    assert code == 3 and out == "" and err.startswith("dedup: error: reference://x: cannot open: ") and err.count("\n") == 1
