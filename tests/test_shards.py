"""--output-dir: the report as sharded JSONL, the same lines as the single JSON report."""
from __future__ import annotations

import json

import pytest

from conftest import SEEDS

fsspec = pytest.importorskip("fsspec")


def _read(fs, root: str, kind: str) -> list[dict]:
    files = sorted(fs.glob(f"{root}/{kind}/part-*.jsonl"))
    return [json.loads(line) for f in files for line in fs.cat(f).decode("utf-8").splitlines()]


def _expected(seeds_report_json):
    report = json.loads(seeds_report_json.read_text(encoding="utf-8"))
    clusters = report["clusters"] + report["templates"]
    links = [{"cluster": c["id"], **link} for c in clusters for link in c["links"]]
    return [{k: v for k, v in c.items() if k != "links"} for c in clusters], links, report["documents"]


def test_shards_hold_the_reports_lines_in_order(run_cli, tmp_path, seeds_report_json):
    url = f"file://{tmp_path}/out"  # (memory:// is refused: tests/test_shards_hostile.py)
    code, out, err = run_cli("cluster", SEEDS, "--output-dir", url, "-q")
    assert code == 0, err
    assert out == ""
    fs, root = fsspec.core.url_to_fs(url)
    clusters, links, documents = _expected(seeds_report_json)
    assert len(clusters) == 2 and links
    assert _read(fs, root, "clusters") == clusters
    assert _read(fs, root, "links") == links
    assert _read(fs, root, "documents") == documents
    manifest = json.loads(fs.cat(f"{root}/_manifest.json"))
    assert (manifest["clusters"], manifest["links"], manifest["documents"]) == (2, len(links), len(documents))


def test_a_directory_with_files_is_refused_before_the_run(run_cli, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    code, out, err = run_cli("cluster", SEEDS, "--output-dir", tmp_path)
    assert code == 4
    assert "not an empty directory" in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_output_and_output_dir_together_are_usage_error(run_cli, tmp_path):
    code, _, err = run_cli("cluster", SEEDS, "-o", tmp_path / "a.json", "--output-dir", tmp_path / "d")
    assert code == 2 and "not both" in err


def test_parquet_shards_hold_the_same_records(run_cli, tmp_path, seeds_report_json):
    pq = pytest.importorskip("pyarrow.parquet")
    code, _, err = run_cli("cluster", SEEDS, "--output-dir", tmp_path / "out", "--shard-format", "parquet", "-q")
    assert code == 0, err
    clusters, links, documents = _expected(seeds_report_json)
    for kind, expected in (("clusters", clusters), ("links", links), ("documents", documents)):
        files = sorted((tmp_path / "out" / kind).glob("part-*.parquet"))
        assert files
        rows = [r for f in files for r in pq.read_table(f).to_pylist()]
        assert rows == expected


def test_a_file_url_output_dir_is_its_local_path(run_cli, tmp_path):
    """fsspec leaves %20 in a file:// URL as it is: the shards went into a directory named
    'f%202'. A file:// URL is its local path, %20 decoded, as an input's is."""
    code, _, err = run_cli("cluster", SEEDS, "--output-dir", f"file://{tmp_path}/f%202", "-q", "-j", 1)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f 2"]
    assert (tmp_path / "f 2" / "_manifest.json").exists()
    # the target check reads it so too: the directory, now full, is refused by either name
    code, _, err = run_cli("cluster", SEEDS, "--output-dir", f"file://{tmp_path}/f%202", "-q", "-j", 1)
    assert code == 4 and "not an empty directory" in err
