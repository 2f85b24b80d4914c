"""Smoke test for the benchmark corpus generator, scorer and fast peers (< 10 s)."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))  # benchmarks/ is not part of the installed package

pytestmark = pytest.mark.skipif(not (DATA / "reuters21578.jsonl.gz").exists(),
                                reason=f"source corpora not found at {DATA}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from benchmarks.synth import build

    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    build(DATA, a, size=60, seed=7)
    build(DATA, b, size=60, seed=7)
    return a, b


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_deterministic(corpus, tmp_path):
    from benchmarks.synth import build

    a, b = corpus
    for name in ("corpus.jsonl", "truth.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    build(DATA, tmp_path, size=60, seed=8)
    assert (tmp_path / "corpus.jsonl").read_bytes() != (a / "corpus.jsonl").read_bytes()


def test_truth_consistent(corpus):
    from benchmarks.score import load_truth

    d = corpus[0]
    docs = {r["id"]: r for r in _read(d / "corpus.jsonl")}
    assert len(docs) == 60
    for r in docs.values():
        assert set(r) == {"id", "text", "title", "date", "source"}
        assert len(r["date"]) == 19 and r["date"][10] == "T"
    truth = load_truth(d / "truth.jsonl")
    assert set(truth.labels) == set(docs)
    assert truth.pairs
    for (a, b), (sa, sb) in truth.pairs.items():
        assert truth.labels[a] == truth.labels[b]
        for doc, spans in ((a, sa), (b, sb)):
            assert spans
            for s, e in spans:
                assert 0 <= s < e <= len(docs[doc]["text"])
    sizes = Counter(truth.labels.values())
    roles = Counter(truth.roles.values())
    assert max(sizes.values()) >= 2
    assert roles["background"] > 0 and roles["negative"] > 0 and roles["origin"] > 0
    for i, role in truth.roles.items():
        if role in ("background", "negative"):
            assert sizes[truth.labels[i]] == 1
    for i, role in truth.roles.items():  # copies come after their origin
        if role == "copy":
            origin = next(j for j, r in truth.roles.items() if r == "origin" and truth.labels[j] == truth.labels[i])
            assert docs[i]["date"] > docs[origin]["date"]


def test_scorer(corpus):
    from benchmarks.score import cluster_metrics, load_truth, passage_metrics

    d = corpus[0]
    truth = load_truth(d / "truth.jsonl")
    lengths = {r["id"]: len(r["text"]) for r in _read(d / "corpus.jsonl")}
    perfect = cluster_metrics(truth.labels, truth.labels)
    assert perfect["ari"] == pytest.approx(1) and perfect["pair_f1"] == pytest.approx(1)
    assert passage_metrics(truth.pairs, truth.pairs, lengths)["char_f1"] == pytest.approx(1)
    merged = cluster_metrics({i: "all" for i in truth.labels}, truth.labels)
    split = cluster_metrics({i: i for i in truth.labels}, truth.labels)
    assert merged["ari"] < 1 and merged["pair_precision"] < 1
    assert split["ari"] < 1 and split["pair_recall"] == 0
    half = {k: (v[0][:1], v[1]) for k, v in truth.pairs.items()}
    extra = dict(truth.pairs)
    extra[("zz-a", "zz-b")] = ([[0, 10]], [[0, 10]])
    assert passage_metrics(half, truth.pairs, lengths)["char_recall"] <= 1
    assert passage_metrics(extra, truth.pairs, {**lengths, "zz-a": 50, "zz-b": 50})["char_precision"] < 1


def test_peers(corpus):
    from benchmarks.peers import datasketch_recipe, exact_hash
    from benchmarks.score import cluster_metrics, load_truth

    d = corpus[0]
    records = _read(d / "corpus.jsonl")
    truth = load_truth(d / "truth.jsonl")
    for peer in (exact_hash, datasketch_recipe):
        labels, seconds = peer(records)
        assert set(labels) == set(truth.labels) and seconds >= 0
        m = cluster_metrics(labels, truth.labels)
        assert -1 <= m["ari"] <= 1


def test_index_bench_load_then_reuse(corpus, tmp_path):
    """The index benchmark loads, keeps, probes a copy of the kept index, and reports both."""
    from benchmarks import index_bench

    path = str(corpus[0] / "corpus.jsonl")
    kept = str(tmp_path / "kept.db")
    assert index_bench.main(["--corpus", path, "--size", "40", "--probes", "0", "--keep", kept, "--jobs", "1"]) == 0
    args = index_bench.argparse.Namespace(corpus=path, size=0, probes=10, batch_size=0, jobs=1, durable=False,
                                          clusters=False, tmp=None, keep=None, reuse=kept, no_batch=True, runs=2)
    r = index_bench.run(args)
    assert r["size"] == 40 and r["build"]["size"] == 40 and r["build"]["add_many_docs_per_s"] > 0
    assert set(r["query_ms"]) == {"p50", "p99", "max"} and len(r["runs"]) == 2
    text = index_bench.markdown(r, "cmd")
    assert "**Bulk load.**" in text and "**Latency.**" in text and "40 documents" in text
    import dedup

    with dedup.Index.open(kept, create=False) as index:  # the probes went to the copy only
        assert len(index) == 40


def test_startup_benchmark_times_each_command(capsys):
    """The start-up benchmark times the three commands and prints one row each."""
    from benchmarks import startup

    assert startup.main(["--runs", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == ["dedup --help", "dedup cluster --help", 'python -c "import dedup"']
    assert all(float(r.split("|")[3]) > 0 for r in rows)


def test_the_dates_benchmark_loads_the_code_before_the_change():
    """``benchmarks.dates`` runs the metadata and origin rules of an old commit on today's
    package: they must still load (a name moved between stages once broke it unseen)."""
    import subprocess

    from benchmarks.dates import old_modules

    if subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", "2503fb1"], capture_output=True).returncode:
        pytest.fail("the old commit the dates benchmark compares with is not in this clone")
    meta, rank_key = old_modules("2503fb1")
    assert callable(rank_key) and hasattr(meta, "__name__")


def test_paired_benchmark_runs_two_versions_at_once_and_compares_their_reports(capsys, tmp_path):
    """``benchmarks.paired`` on the seeds: this checkout against itself as a directory and
    as a commit unpacked from git: a row per round, ratios near 1, identical reports."""
    import subprocess

    from benchmarks import paired
    from benchmarks.machine import git_state

    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        pytest.fail("the paired benchmark needs this clone's git history")
    dirty = "uncommitted" in git_state()
    assert paired.main([str(REPO / "seeds"), "--base", head.stdout.strip(), "--rounds", "2"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")]
    assert [r.split("|")[2].strip() for r in rows] == ["base", "new"]  # who is launched first alternates
    assert all(0.2 < float(r.split("|")[5]) < 5 for r in rows)
    if not dirty:  # the commit's package is this checkout's: the same report
        assert "reports byte-identical" in out
    with pytest.raises(SystemExit, match="neither a directory nor a commit"):
        paired.main([str(REPO / "seeds"), "--base", "no-such-ref-anywhere", "--rounds", "1"])
    with pytest.raises(SystemExit, match="holds no dedup package"):  # it would time the installed one
        paired.main([str(REPO / "seeds"), "--base", str(tmp_path), "--rounds", "1"])
    with pytest.raises(SystemExit) as no_rounds:  # no round: an argument error, not a traceback
        paired.main([str(REPO / "seeds"), "--base", "HEAD", "--rounds", "0"])
    assert no_rounds.value.code == 2


def test_stage_cost_switches_stages_off_that_exist(capsys):
    """``benchmarks.stage_cost``: every switch replaces a name that dedup still has (a
    renamed stage would otherwise be timed as if switched off); ``nearest`` off leaves
    every document without one where the normal run has some; a round prints a row."""
    import importlib
    import json
    import re
    import subprocess
    import sys
    import tempfile

    from benchmarks import stage_cost

    for name, code in stage_cost.SWITCHES.items():
        for module, attr in re.findall(r"^(\w+)\.(\w+) = ", code, re.M):
            path = {"link": "dedup.stages.link", "pipeline": "dedup.pipeline",
                    "prepare_inline": "dedup.stages.prepare_inline"}[module]
            assert hasattr(importlib.import_module(path), attr), (name, module, attr)
    with pytest.raises(SystemExit, match="no switch for nothing"):
        stage_cost.driver(["nothing"])
    with tempfile.TemporaryDirectory() as tmp:
        def nearest_of(off):
            out = f"{tmp}/{'-'.join(off) or 'none'}.json"
            code = "import sys\n" + stage_cost.driver(off)
            subprocess.run([sys.executable, "-c", code, "cluster", str(REPO / "seeds"), "-f", "json", "-q", "-o", out],
                           cwd=REPO, check=True)
            with open(out, encoding="utf-8") as fh:
                return [d["nearest"] for d in json.load(fh)["documents"]]
        assert any(nearest_of([]))
        assert not any(nearest_of(["nearest"]))
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        pytest.fail("the stage-cost benchmark needs this clone's git history")
    assert stage_cost.main([str(REPO / "seeds"), "--base", head.stdout.strip(), "--rounds", "1", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\| 1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", out, re.M)
    sizes = re.search(r"Reports \(clusters / links\): base (\d+ / \d+), now (\d+ / \d+), off (\d+ / \d+)", out)
    assert sizes and sizes[1] == sizes[2] and sizes[1] != "0 / 0"  # the same code as the base: the same report


def test_ingest_benchmark_reads_every_format_alike(corpus, tmp_path, capsys):
    from benchmarks.ingest import main

    main([str(corpus[0] / "corpus.jsonl"), "--tmp", str(tmp_path / "tmp"), "--runs", "1", "--out", str(tmp_path)])
    rows = json.loads((tmp_path / "ingest.json").read_text())["rows"]
    assert [r["format"] for r in rows] == ["jsonl", "jsonl.gz", "jsonl.zst", "parquet"]
    assert {r["docs"] for r in rows} == {60}  # (it stops when the formats' digests differ)
    assert all(r["median_s"] > 0 for r in rows) and rows[0]["pyarrow_median_s"] > 0
    assert "| jsonl.gz |" in capsys.readouterr().out
