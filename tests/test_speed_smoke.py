"""Smoke test for the speed benchmark harness (tiny corpus; no timing thresholds)."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DEDUP_DATA") or REPO.parent / "shared" / "data")
sys.path.insert(0, str(REPO))  # benchmarks/ is not part of the installed package

pytestmark = pytest.mark.skipif(not (DATA / "reuters21578.jsonl.gz").exists(),
                                reason=f"source corpora not found at {DATA}")


def _numbers(row: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", row)]


def test_speed_harness_tiny(tmp_path):
    from benchmarks import speed

    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nquality text kept\n\n<!-- speed:start -->\nOLD-SPEED-TEXT\n<!-- speed:end -->\ntail\n")
    res = speed.run(["--sizes", "100", "--runs", "1", "--peer-docs", "50", "--data", str(DATA),
                     "--out", str(tmp_path / "work"), "--results", str(results)])
    size = res["sizes"][0]
    assert size["status"] == "ok", size
    assert size["docs_per_s"] > 0 and size["paras_per_s"] > 0 and size["rss_mb"] > 0
    assert all(sec >= 0 for _, sec in size["stages"])
    # each poll's time and the tree's CPU go to the stage running then: the stages' walls add
    # up to the run's (bar its last quarter second), and the CPU is the CPU the run used
    by_stage = size["memory_by_stage"]
    walls, cpus = [row[4] for row in by_stage], [row[5] for row in by_stage]
    assert all(w > 0 for w in walls) and all(c >= 0 for c in cpus)
    assert size["wall_s"] - 0.5 <= sum(walls) <= size["wall_s"]
    assert sum(cpus) == pytest.approx(size["cpu_main_s"] + size["cpu_workers_s"], abs=0.5)
    for name in ("naive", "batch", "rensa", "fp_dedup", "fp_dedup_batched"):
        assert "error" not in res["peers"][name], res["peers"][name]
        assert res["peers"][name]["total_s"] > 0

    text = results.read_text()
    assert text.startswith("# Results\n\nquality text kept\n") and text.endswith("<!-- speed:end -->\ntail\n")
    assert "OLD-SPEED-TEXT" not in text and text.count("<!-- speed:start -->") == 1
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for key in ("100", "dedup CLI end to end", "datasketch naive `update()` loop", "datasketch `MinHash.bulk`",
                "dedup, one `signatures` call per document", "startup (interpreter, imports)",
                "provenance + render + write JSON (clusters built as written)", "align candidate pairs"):
        assert key in rows, key
    assert all(x > 0 for x in _numbers(rows["100"])[1:4])  # runs, wall, docs/s... all positive
    cpu_main, cpu_workers = _numbers(rows["100"].split("|")[-2])  # the last column: CPU s, main / workers
    assert cpu_main > 0 and cpu_workers >= 0 and size["cpu_main_s"] == pytest.approx(cpu_main, abs=0.06)
    assert any(k.startswith("naive: `update()`") for k in rows)
    assert any(k.startswith("batch: `MinHash.bulk`") for k in rows)
    assert any(k.startswith("rensa: `RMinHash.update`") for k in rows)
    assert "1M articles" in text and "fingerprinting" in text
    # the cores-busy table: a row per stage the JSON holds, its CPU over its wall as printed
    assert "cores busy" in text
    for label, _rss, _pss, _main, wall, used in by_stage:
        cells = [c.strip() for c in rows[label].split("|")[2:5]]
        assert cells == [f"{wall:,.1f}", f"{used:,.1f}", f"{used / wall:,.2f}"], (label, cells)


def test_speed_harness_reuters(tmp_path):
    """``--reuters``: dedup and the peers on a Reuters-21578 file (here its first 60 records)."""
    import gzip
    import itertools

    from benchmarks import speed

    small = tmp_path / "reuters_small.jsonl.gz"
    with gzip.open(DATA / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as src, \
            gzip.open(small, "wt", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, 60))
    res = speed.run(["--sizes", "30", "--runs", "1", "--peer-docs", "20", "--data", str(DATA), "--no-write",
                     "--out", str(tmp_path / "work"), "--reuters", str(small)])
    rt = res["reuters"]
    assert 0 < rt["docs"] <= 60 and rt["dedup"]["status"] == "ok", rt["dedup"]
    for name in ("batch", "rensa", "fp_dedup"):
        assert "error" not in rt["peers"][name] and rt["peers"][name]["docs"] == rt["docs"]
    assert "Reuters-21578" in res["markdown"]
