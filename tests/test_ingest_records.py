"""Records under other names (field mapping), CSV/TSV/Parquet, JSONL on stdin, and the
index CLI's per-document answers and --output."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dedup import FieldMap, read_corpus

REUTERS = Path("/work/shared/data/reuters21578.jsonl.gz")
DEDUP = [sys.executable, "-m", "dedup"]
ROWS = [
    {"key": "r1", "body": "The harbour board agreed on Monday to dredge the northern channel.", "headline": "Dredging",
     "when": "2019-05-04", "site": "Port News", "link": "https://port.example/1", "by": "A. Writer"},
    {"key": "r2", "body": "Rain is expected across the coast\tall week, forecasters said.", "headline": "",
     "when": "", "site": "", "link": "", "by": ""},
]
MAP = FieldMap(id="key", text="body", title="headline", date="when", source="site", url="link", author="by")


def _fields(doc):
    return (doc.id, doc.text, doc.title, doc.date, doc.source, doc.url, doc.author)


EXPECTED = [("r1", ROWS[0]["body"], "Dredging", "2019-05-04", "Port News", "https://port.example/1", "A. Writer"),
            ("r2", ROWS[1]["body"], None, None, None, None, None)]


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.csv.gz"])
def test_csv_and_tsv_with_a_field_map(tmp_path, name):
    path = tmp_path / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ROWS[0]), delimiter="\t" if ".tsv" in name else ",")
        writer.writeheader()
        writer.writerows(ROWS)
    docs, problems = read_corpus(path, fields=MAP)
    assert problems == [] and [_fields(d) for d in docs] == EXPECTED


def test_parquet_with_a_field_map_in_batches(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dedup.stages.ingest import table as ingest_table

    monkeypatch.setattr(ingest_table, "BATCH", 1)  # one row a batch: the batches are joined right
    pq.write_table(pa.Table.from_pylist([{**r, "key": k + 1} for k, r in enumerate(ROWS)]), tmp_path / "t.parquet")
    docs, problems = read_corpus(tmp_path, fields=MAP)
    assert problems == []
    # Parquet keeps the empty strings a CSV cannot tell from a missing value: both are none
    assert [_fields(d) for d in docs] == [("1", *EXPECTED[0][1:]), ("2", *EXPECTED[1][1:])]


def test_a_table_without_the_id_column_names_the_columns(tmp_path):
    (tmp_path / "t.csv").write_text("newid,text\n1,some text\n")
    (tmp_path / "ok.txt").write_text("An article.")
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["ok.txt"]
    assert [p.message for p in problems] == [
        "no column 'id' (columns: newid, text); name them with --id-field/--text-field (FieldMap in the library)"]


def test_jsonl_with_a_field_map(tmp_path):
    (tmp_path / "c.jsonl").write_text(json.dumps({"newid": 7, "body": "text", "id": "not this"}) + "\n"
                                      + json.dumps({"newid": 8}) + "\n")
    docs, problems = read_corpus(tmp_path / "c.jsonl", fields=FieldMap(id="newid", text="body"))
    assert [(d.id, d.text) for d in docs] == [("7", "text")]
    assert [(p.line, p.message) for p in problems] == [(2, "record has no 'body'")]


def test_lines_without_the_id_field_say_so_and_name_the_flags(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"newid": k, "text": f"article {k}"}) + "\n" for k in range(40)))
    docs, problems = read_corpus(path)
    [give_up] = [p.message for p in problems]  # one line for the file, not one per line before it
    assert docs == []
    assert give_up == ("not read past line 20: the lines are JSON objects without the 'id'/'text' fields (their "
                       "keys: newid, text); name the fields with --id-field/--text-field (FieldMap in the library)")


def test_reuters_as_shipped_reads_with_newid():
    assert REUTERS.exists(), "the shared Reuters corpus is part of the environment"
    docs, problems = read_corpus(REUTERS, fields=FieldMap(id="newid"))
    assert len(docs) > 18000 and docs[0].id == "1" and docs[0].title == "BAHIA COCOA REVIEW"
    assert all(p.message == "record has no 'text'" or p.message == "empty document" for p in problems)


def test_reuters_on_stdin_with_the_cli_flag(tmp_path):
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        head = "".join(next(fh) for _ in range(60))
    proc = subprocess.run(DEDUP + ["cluster", "-", "--id-field", "newid", "-f", "json", "-q"], input=head.encode(),
                          capture_output=True, timeout=300)
    report = json.loads(proc.stdout)
    ids = {d["doc_id"] for d in report["documents"]}
    assert proc.returncode in (0, 1) and "1" in ids and len(ids) > 40
    assert all(p["path"] == "<stdin>" for p in report["problems"])
    bad = subprocess.run(DEDUP + ["cluster", "-"], input=head.encode(), capture_output=True, timeout=300)
    assert bad.returncode == 3 and b"--id-field/--text-field" in bad.stderr and b"Traceback" not in bad.stderr


def test_stdin_and_files_together(tmp_path, seeds_dir):
    lines = "".join(json.dumps({"id": f"in-{p.stem}", "text": p.read_text()}) + "\n"
                    for p in sorted(seeds_dir.glob("00[34]*.txt")))
    proc = subprocess.run(DEDUP + ["cluster", "-", str(seeds_dir / "000_c09cbecdfc1a8c46.txt"), "-f", "jsonl", "-q"],
                          input=lines.encode(), capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [cluster] = [json.loads(x) for x in proc.stdout.splitlines()]
    assert {m["doc_id"] for m in cluster["members"]} == {"in-003_e2e6a14928010906", "in-004_99c5a163f56370de"}


def test_cli_field_flags_on_cluster_and_index_add(tmp_path, run_cli):
    text = (Path(__file__).resolve().parent.parent / "seeds" / "003_e2e6a14928010906.txt").read_text()
    (tmp_path / "c.jsonl").write_text("".join(json.dumps({"k": k, "t": text, "u": f"https://x.example/{k}"}) + "\n"
                                              for k in ("a", "b")))
    code, out, err = run_cli("cluster", tmp_path / "c.jsonl", "--id-field", "k", "--text-field", "t",
                             "--url-field", "u", "-f", "json")
    report = json.loads(out)
    assert code == 0 and [d["url"] for d in report["documents"]] == ["https://x.example/a", "https://x.example/b"]
    assert report["clusters"][0]["kind"] == "duplicate"
    code, out, err = run_cli("index", "add", tmp_path / "i.db", tmp_path / "c.jsonl", "--id-field", "k",
                             "--text-field", "t", "-f", "jsonl")
    results = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["doc_id"] for r in results] == ["a", "b"] and "added 2 documents" in err
    assert results[0]["matches"] == [] and results[1]["matches"][0]["doc_id"] == "a"
    assert results[1]["matches"][0]["kind"] == "duplicate"
    code, out, err = run_cli("cluster", tmp_path / "c.jsonl", "--id-field", " ")
    assert code == 2 and "--id-field" in err


def test_index_add_table_says_what_each_new_document_matched(tmp_path, run_cli, seeds_dir):
    db = tmp_path / "i.db"
    code, out, err = run_cli("index", "add", db, seeds_dir)
    assert code == 0 and out.endswith("added 5 documents; the index holds 5\n")
    blocks = {b.split()[0]: b for b in out.split("\n\n") if b.strip() and not b.startswith("added")}
    assert set(blocks) == {"002_27885933036f0cc7.txt", "004_99c5a163f56370de.txt"}  # the later of each pair
    assert "001_c66182c4c2cb1c49.txt  partial" in blocks["002_27885933036f0cc7.txt"]
    assert "003_e2e6a14928010906.txt  duplicate" in blocks["004_99c5a163f56370de.txt"]
    code, out, err = run_cli("index", "add", tmp_path / "b.db", seeds_dir, "--bulk")
    assert code == 0 and out == "added 5 documents; the index holds 5\n"


def test_index_query_and_clusters_write_to_output(tmp_path, run_cli, seeds_dir):
    db = tmp_path / "i.db"
    run_cli("index", "add", db, seeds_dir, "--bulk", "-q")
    code, out, err = run_cli("index", "clusters", db, "-f", "json", "-o", tmp_path / "c.json")
    assert code == 0 and out == ""
    code, direct, _ = run_cli("index", "clusters", db, "-f", "json")
    assert (tmp_path / "c.json").read_text() == direct
    code, out, err = run_cli("index", "query", db, seeds_dir / "004_99c5a163f56370de.txt", "-f", "json",
                             "--output", tmp_path / "q.json")
    assert code == 0 and out == ""
    assert json.loads((tmp_path / "q.json").read_text())["results"][0]["doc_id"] == "004_99c5a163f56370de.txt"
    code, out, err = run_cli("index", "clusters", db, "-o", tmp_path / "c.txt")
    assert code == 0 and "origin 003_e2e6a14928010906.txt" in (tmp_path / "c.txt").read_text()
    query = seeds_dir / "004_99c5a163f56370de.txt"
    code, out, err = run_cli("index", "query", db, query, "-o", query)
    assert code == 2 and "not writing over it" in err and query.read_text().strip()
    code, out, err = run_cli("index", "clusters", db, "-o", tmp_path / "no" / "dir.txt")
    assert code == 4 and err.count("\n") == 1


from hypothesis import HealthCheck, given, settings, strategies as st

_cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cell, _cell.filter(str.strip)), min_size=1, max_size=5, unique_by=lambda r: r[0]),
       tsv=st.booleans())
def test_any_text_survives_a_csv_or_tsv_round_trip(tmp_path_factory, rows, tsv):
    path = tmp_path_factory.mktemp("csv") / ("t.tsv" if tsv else "t.csv")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t" if tsv else ",")
        writer.writerow(["id", "text"])
        writer.writerows(rows)
    docs, problems = read_corpus(path)
    assert problems == [] and sorted((d.id, d.text) for d in docs) == sorted(rows)
