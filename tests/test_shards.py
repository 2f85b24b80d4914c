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


def _corpus_with_late_metadata(path):
    """The seeds as JSONL, only the last record with an ``author`` and a ``url``: with
    shards of two documents, the first shard has no value in either."""
    with open(path, "w", encoding="utf-8") as fh:
        files = sorted(SEEDS.iterdir())
        for k, f in enumerate(files):
            record = {"id": f.name, "text": f.read_text(encoding="utf-8")}
            if k == len(files) - 1:
                record.update(author="A. Writer", url="https://example.org/last")
            fh.write(json.dumps(record) + "\n")
    return path


def test_parquet_shards_read_back_as_one_dataset(run_cli, tmp_path, monkeypatch):
    """Each Parquet shard's schema was inferred from its own rows: a shard whose ``author``
    and ``url`` were all missing had them as type null, the next as string, and
    pyarrow.dataset / read_table(dir) failed (Unsupported cast from string to null)."""
    ds = pytest.importorskip("pyarrow.dataset")
    pq = pytest.importorskip("pyarrow.parquet")
    from dedup.stages import shards

    monkeypatch.setattr(shards, "SHARD", 2)  # several shards of a small corpus
    corpus = _corpus_with_late_metadata(tmp_path / "corpus.jsonl")
    for fmt in ("jsonl", "parquet"):
        code, _, err = run_cli("cluster", corpus, "--output-dir", tmp_path / fmt, "--shard-format", fmt, "-q", "-j", 1)
        assert code == 0, err
    fs, root = fsspec.core.url_to_fs(str(tmp_path / "jsonl"))
    for kind in shards.KINDS:
        table = ds.dataset(tmp_path / "parquet" / kind, format="parquet").to_table()
        assert table.to_pylist() == _read(fs, root, kind)
        assert pq.read_table(tmp_path / "parquet" / kind).num_rows == table.num_rows
    for kind in shards.KINDS:  # every shard of a table has the one schema
        files = sorted((tmp_path / "parquet" / kind).glob("part-*.parquet"))
        assert [pq.read_schema(f).remove_metadata() for f in files] == [shards.arrow_schema(kind)] * len(files)
    documents = sorted((tmp_path / "parquet" / "documents").glob("part-*.parquet"))
    assert len(documents) == 3
    first = pq.read_table(documents[0])
    assert first.column("author").null_count == first.num_rows  # the case that broke: no value in shard 0
    assert str(first.schema.field("author").type) == "string"


def test_each_tables_schema_is_its_models_fields():
    """The Parquet schema is derived from the models the JSONL lines are dumps of."""
    pytest.importorskip("pyarrow")
    from dedup.models import Cluster, DocumentInfo, Link
    from dedup.stages.shards import arrow_schema

    assert arrow_schema("clusters").names == [f for f in Cluster.model_fields if f != "links"]
    assert arrow_schema("links").names == ["cluster", *Link.model_fields]
    assert arrow_schema("documents").names == list(DocumentInfo.model_fields)
    documents = arrow_schema("documents")
    assert documents.field("author").nullable and not documents.field("doc_id").nullable
    assert str(documents.field("credits").type) == "list<element: string not null>"
    assert str(documents.field("nearest").type) == "struct<doc_id: string not null, shared: double not null>"


def test_a_record_that_is_not_the_schemas_is_refused(tmp_path):
    """from_pylist drops a field the schema lacks: a model's new field must not vanish
    from the Parquet shards without a word."""
    pytest.importorskip("pyarrow")
    from dedup.stages import shards

    (tmp_path / shards.RUNNING).write_text("")
    with pytest.raises(ValueError, match="not the schema's"):
        shards._write(str(tmp_path), "links/part-00000", [{"cluster": "c1", "new": 1}], "parquet")


UNRELATED = ["The council approved a new budget for road repairs in the northern district on Tuesday evening.",
             "A rare orchid was found blooming in the botanical garden, surprising the staff who tend it.",
             "The home side won the cup final on penalties after a goalless draw in heavy rain."]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_run_with_no_clusters_has_every_table(run_cli, tmp_path, fmt):
    """With no cluster there was no clusters/ nor links/ directory (README's layout lists
    them): a consumer globbing clusters/*.jsonl failed. Every table has part-00000, empty."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k, text in enumerate(UNRELATED):
        (corpus / f"a{k}.txt").write_text(text)
    code, _, err = run_cli("cluster", corpus, "--output-dir", tmp_path / "out", "--shard-format", fmt, "-q", "-j", 1)
    assert code == 0, err
    out = tmp_path / "out"
    manifest = json.loads((out / "_manifest.json").read_text())
    assert (manifest["clusters"], manifest["links"], manifest["documents"]) == (0, 0, 3)
    assert manifest["shards"] == {"clusters": 1, "links": 1, "documents": 1}
    for kind in ("clusters", "links", "documents"):
        assert [p.name for p in (out / kind).iterdir()] == [f"part-00000.{fmt}"]
    if fmt == "jsonl":
        assert (out / "clusters" / "part-00000.jsonl").read_bytes() == (out / "links" / "part-00000.jsonl").read_bytes() == b""
    else:
        ds = pytest.importorskip("pyarrow.dataset")
        from dedup.stages.shards import arrow_schema

        for kind, rows in (("clusters", 0), ("links", 0), ("documents", 3)):
            table = ds.dataset(out / kind, format="parquet").to_table()
            assert table.num_rows == rows and table.schema.remove_metadata() == arrow_schema(kind)


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
