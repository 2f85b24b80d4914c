"""Smoke test for the quality benchmark runner (tiny corpus, fast peers only, no sweep or plot)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))  # benchmarks/ is not part of the installed package

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data directory not found at {DATA}")

METRICS = ("ari", "pair_precision", "pair_recall", "pair_f1", "char_precision", "char_recall", "char_f1")


def test_quality_runner(tmp_path):
    from benchmarks.quality import START_END, run

    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nkept before\n\n<!-- quality:start -->\nSTALE-SECTION\n<!-- quality:end -->\n\nkept after\n")
    res = run(size=80, seed=3, out=tmp_path / "work", data=DATA, peers=("exact_hash", "datasketch_recipe"),
              sweep=(), plot=False, strengths=(), results=results, plot_path=tmp_path / "p.png",
              command="smoke", log=lambda *a: None, real=False)
    assert (tmp_path / "work" / "n80-s3-default" / "corpus.jsonl").exists()
    keys = [r["key"] for r in res["rows"]]
    assert keys == ["dedup", "datasketch_recipe", "exact_hash"]
    for r in res["rows"]:
        assert -1 <= r["ari"] <= 1
        for m in METRICS[1:]:
            assert 0 <= r[m] <= 1, (r["key"], m, r[m])
        assert r["seconds"] >= 0
    assert res["sweep"] == [] and res["strengths"] == []
    assert not (tmp_path / "p.png").exists()

    md = results.read_text()
    assert md.startswith("# Results\n\nkept before\n") and md.rstrip().endswith("kept after")
    assert "STALE-SECTION" not in md
    assert md.count(START_END[0]) == 1 and md.count(START_END[1]) == 1
    assert "| method | ARI | pair P | pair R | pair F1 | char P | char R | char F1 | seconds |" in md
    assert "| **dedup** (defaults) |" in md and "| datasketch recipe" in md and "| exact hash" in md
    assert "Margin of dedup" in md and "Command: `smoke`" in md

    cs = res["clough_stevenson"]
    if (DATA / "clough_stevenson" / "clough_stevenson.jsonl").exists():
        assert cs is not None and "Clough & Stevenson" in md
        assert 0 <= cs["all"]["f1"] <= 1 and cs["all"]["n"] == 95

    # A second run reuses the generated corpus and replaces the section rather than appending.
    run(size=80, seed=3, out=tmp_path / "work", data=DATA, peers=("exact_hash",), sweep=(), plot=False,
        strengths=(), clough=False, results=results, command="smoke2", log=lambda *a: None, real=False)
    md2 = results.read_text()
    assert md2.count(START_END[0]) == 1 and "Command: `smoke2`" in md2 and "kept after" in md2


def test_real_data_report(tmp_path):
    """The real-data part on a cut of each corpus: every row is there, every count in range."""
    from benchmarks.quality_real import markdown, run

    res = run(DATA, jobs=1, planted_cases=2, fixture=40, limit=1500, log=lambda *a: None)
    r = res["reuters"]
    assert r["documents"] == 1500 and sum(r["link kinds after"].values()) == r["links"]
    assert {f["family"] for f in r["families"]} >= {"eurobond issue notices", "grain futures"}
    assert all(0 <= f["called copy after"] <= f["template pairs"] for f in r["families"])
    for p in res["planted"]:
        assert p["cases"] == 2 and 0 <= p["compare_found"] <= 2 and 0 <= p["cluster_found"] <= 2
    d = res["dates"]
    assert d["record_dates_fixture"]["records"] == 40 and d["text_dates_reuters"]["crash"] == 0
    md = markdown(res)
    assert md.startswith("| measure | result |") and "planted in 100,000–200,000-character hosts" in md
    assert "records' own dates used, METER" in md and "origin is a wire text" in md
