"""Hostile CSV/TSV/Parquet tables: repeated columns, records over the size cap, wide
encodings. Nothing read wrong, nothing held whole, each problem at its own line."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import FieldMap, read_corpus
from dedup.stages.ingest import table

TEXT = "The council approved the new budget for the harbour district on Tuesday evening."
TOO_LONG = "row longer than 10 MiB, the most one document may hold"


@pytest.fixture(autouse=True)
def _field_limit():
    limit = csv.field_size_limit()  # a process-wide setting, which the reader sets to the cap
    yield
    csv.field_size_limit(limit)


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 1,000 bytes read in chunks of 64, so that small files cross both."""
    monkeypatch.setattr(table, "MAX_DOCUMENT_BYTES", 1000)
    monkeypatch.setattr(table, "_CHUNK", 64)


def _problems(problems):
    return [(p.path.rsplit("/", 1)[-1], p.line, p.message) for p in problems]


def _parquet(path, names, columns):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_arrays([pa.array(c) for c in columns], names=names), path)


# 1. A column dedup reads, named twice: which one holds the field is anyone's guess.

@pytest.mark.parametrize("header, column", [("id,text,text", "text"), ("id,text,id", "id"),
                                            ("id,body,body,title", "body"), ("id,text,title,title", "title")])
def test_a_csv_header_naming_a_read_column_twice_is_one_problem(tmp_path, header, column):
    rows = "".join(f"d{k},{TEXT} {k},other,more\n" for k in range(5))
    (tmp_path / "dup.csv").write_text(f"{header}\n{rows}")
    fields = FieldMap(text="body") if "body" in header else None
    docs, problems = read_corpus(tmp_path / "dup.csv", fields=fields)
    assert docs == []
    assert _problems(problems) == [("dup.csv", 1, f"column {column!r} appears 2 times in the header; not read")]


def test_columns_not_read_may_repeat(tmp_path):
    (tmp_path / "t.csv").write_text(f"x,id,x,text,x\n1,d1,2,{TEXT},3\n")
    _parquet(tmp_path / "t.parquet", ["id", "x", "text", "x"], [["p1"], ["a"], [TEXT], ["b"]])
    docs, problems = read_corpus(tmp_path)
    assert problems == [] and [(d.id, d.text) for d in docs] == [("d1", TEXT), ("p1", TEXT)]


def test_a_parquet_schema_naming_a_read_column_twice_is_one_problem(tmp_path):
    _parquet(tmp_path / "dupcols.parquet", ["id", "text", "text"], [["a", "b"], [TEXT, TEXT], ["x", "x"]])
    docs, problems = read_corpus(tmp_path / "dupcols.parquet")
    assert docs == []
    assert _problems(problems) == [("dupcols.parquet", None, "column 'text' appears 2 times in the schema; not read")]


def test_one_parquet_column_may_hold_two_fields(tmp_path):
    _parquet(tmp_path / "t.parquet", ["id", "text"], [["a"], [TEXT]])
    docs, problems = read_corpus(tmp_path / "t.parquet", fields=FieldMap(title="text"))
    assert problems == [] and [(d.id, d.title) for d in docs] == [("a", TEXT)]


def test_exit_codes_of_a_table_with_a_repeated_column(tmp_path, run_cli):
    _parquet(tmp_path / "dupcols.parquet", ["id", "text", "text"], [["a"], [TEXT], ["x"]])
    code, out, err = run_cli("cluster", tmp_path / "dupcols.parquet", "--jobs", "1")
    assert code == 3 and "dupcols.parquet: column 'text' appears 2 times in the schema" in err
    (tmp_path / "ok.csv").write_text(f"id,text\nk,{TEXT}\n")
    code, out, err = run_cli("cluster", tmp_path / "dupcols.parquet", tmp_path / "ok.csv", "--jobs", "1", "-f", "json")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


# 2. The size cap: a record over it is one problem at the line where it starts, is never
# held whole, and the records after it are read as they are.

def test_a_cell_over_the_real_cap_is_skipped_at_its_own_line(tmp_path):
    big = "a" * (10 * 2**20 + 10)
    (tmp_path / "big.csv").write_text(f'id,text\nd1,"{big}"\nd2,{TEXT}\n')
    docs, problems = read_corpus(tmp_path / "big.csv")
    assert [d.id for d in docs] == ["d2"] and _problems(problems) == [("big.csv", 2, TOO_LONG)]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_a_long_quoted_cell_of_many_lines_leaves_the_next_records_whole(tmp_path, small_cap, eol):
    # paragraphs with commas and quotes: read as records after the cut, they would be documents
    para = f'In Paris, officials said ""no"", again{eol}{eol}'
    body = [f"id,text,title{eol}", f"d0,{TEXT},t{eol}",  # lines 1-2
            f'd1,"{para * 60}",t{eol}',  # lines 3-123 (two line ends a paragraph)
            f'd2,"{TEXT}{eol}second paragraph",t{eol}',  # lines 124-125
            f'd3,"{"b" * 3000}",t{eol}',  # line 126: one line over the cap
            f"d4{eol}", f'd5,"{TEXT}"{eol}']  # lines 127, 128
    (tmp_path / "t.csv").write_bytes("".join(body).encode())
    docs, problems = read_corpus(tmp_path / "t.csv")
    assert [(d.id, d.text) for d in docs] == [("d0", TEXT), ("d2", f"{TEXT}{eol}second paragraph"), ("d5", TEXT)]
    assert _problems(problems) == [("t.csv", 3, TOO_LONG), ("t.csv", 126, TOO_LONG),
                                   ("t.csv", 127, "record has no 'text'")]


def test_a_line_over_the_cap_is_never_held_whole(tmp_path, small_cap):
    (tmp_path / "t.csv").write_text(f'id,text\nd1,"{"word, " * 400_000}"\r\nd2,{TEXT}\n')  # a 2.4 MB line
    tracemalloc.start()
    try:
        docs, problems = read_corpus(tmp_path / "t.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.id for d in docs] == ["d2"] and _problems(problems) == [("t.csv", 2, TOO_LONG)]
    assert peak < 500_000


def test_a_gzip_line_over_the_cap_ending_at_every_place_of_a_chunk(tmp_path, small_cap):
    for n in range(1900, 1964):  # the "\r\n" after the long cell falls on each byte of a 64-byte read
        with gzip.open(tmp_path / "t.csv.gz", "wt", newline="") as fh:
            fh.write(f'id,text\r\nd1,"{"b" * n}"\r\nd2,{TEXT}\r\n\r\nd3,"x\r\ny"\r\nd4\r\n')
        docs, problems = read_corpus(tmp_path / "t.csv.gz")
        assert [(d.id, d.text) for d in docs] == [("d2", TEXT), ("d3", "x\r\ny")]
        assert _problems(problems) == [("t.csv.gz", 2, TOO_LONG), ("t.csv.gz", 7, "record has no 'text'")]


def test_a_quoted_field_opening_across_reads_of_a_long_line(tmp_path, small_cap):
    for n in range(1100, 1164):  # the ',"' that opens a quoted field falls on each byte of a 64-byte read
        (tmp_path / "t.csv").write_text(f'id,text\nd1,{"a" * n},"x, ""y""\nd2,z"\nd3,{TEXT}\nd4,"{"b" * n}')
        docs, problems = read_corpus(tmp_path / "t.csv")
        assert [d.id for d in docs] == ["d3"]  # and d4, unfinished past the cap, ends with the file
        assert _problems(problems) == [("t.csv", 2, TOO_LONG), ("t.csv", 5, TOO_LONG)]


def test_a_header_over_the_cap(tmp_path, small_cap):
    (tmp_path / "t.csv").write_text("id,text," + "x" * 2000 + f"\nd1,{TEXT}\n")
    assert _problems(read_corpus(tmp_path / "t.csv")[1]) == [("t.csv", 1, "header longer than 10 MiB")]


# 3. Encodings: UTF-8 only, said plainly, at the line that is not.

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
@pytest.mark.parametrize("name", ["t.csv", "t.tsv"])
def test_a_wide_encoding_is_named(tmp_path, encoding, name):
    bom = {"utf-16-be": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    (tmp_path / name).write_bytes(f"{bom}id,text\nd1,{TEXT}\n".encode(encoding))
    kind = "TSV" if name.endswith(".tsv") else "CSV"
    assert _problems(read_corpus(tmp_path / name)[1]) == [
        (name, None, f"{kind} must be UTF-8; this file is UTF-16 or UTF-32")]


def test_bytes_that_are_not_utf8_are_named_by_their_line(tmp_path):
    (tmp_path / "t.csv").write_bytes(f"\ufeffid,text\nd1,{TEXT}\nd2,caf\xe9\n".encode("utf-8").replace(b"\xc3\xa9", b"\xe9"))
    docs, problems = read_corpus(tmp_path / "t.csv")
    assert [d.id for d in docs] == ["d1"]
    assert _problems(problems) == [("t.csv", 3, "not UTF-8 at line 3 (byte 6 of the line); CSV/TSV must be UTF-8")]


# 4. Whatever the quoting and line ends, the records are the csv module's, at the lines where they start.

@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.csv.gz"])
def test_a_quote_never_closed_is_one_problem_not_the_rest_of_the_file_in_one_cell(tmp_path, name):
    sep = "\t" if ".tsv" in name else ","
    rows = [f"a{sep}{TEXT}", f'b{sep}"{TEXT} (the quote is never closed)', f"c{sep}{TEXT}", f"d{sep}{TEXT}"]
    data = f"id{sep}text\n" + "\n".join(rows) + "\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data.encode()) if name.endswith(".gz") else data.encode())
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == ["a"] and TEXT == docs[0].text
    assert [(p.line, p.skipped) for p in problems] == [(3, True)]
    assert "ends inside a quoted cell" in problems[0].message


@pytest.mark.parametrize("name", ["t.csv", "t.tsv"])
def test_a_cell_going_on_after_its_closing_quote_is_one_problem_naming_its_lines(tmp_path, name):
    """An unclosed quote closed by a later row's quote (``b,"never closed`` ... ``d,"x"``):
    the csv module's non-strict mode made one cell of the rows between, silently."""
    sep = "\t" if ".tsv" in name else ","
    rows = [f"a{sep}{TEXT}", f'b{sep}"{TEXT} (never closed', f"c{sep}{TEXT}", f'd{sep}"x"y', f"e{sep}{TEXT}"]
    path = tmp_path / name
    path.write_text(f"id{sep}text\n" + "\n".join(rows) + "\n")
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == ["a", "e"]
    assert [(p.line, p.skipped) for p in problems] == [(3, True)]
    assert "(the record runs to line 5)" in problems[0].message and "expected after" in problems[0].message


_cell = st.text(st.sampled_from('ab ,"\r\n\t\u00e9'), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=3), max_size=6),
       eol=st.sampled_from(["\n", "\r\n", "\r"]), chunk=st.integers(1, 9), tsv=st.booleans())
def test_records_and_lines_match_the_csv_module(tmp_path_factory, monkeypatch, rows, eol, chunk, tsv):
    monkeypatch.setattr(table, "_CHUNK", chunk)  # lines and "\r\n" split across reads
    out = io.StringIO(newline="")
    csv.writer(out, delimiter="\t" if tsv else ",", lineterminator=eol).writerows([["id", "text"], *rows])
    text = out.getvalue()
    path = tmp_path_factory.mktemp("t") / ("t.tsv" if tsv else "t.csv")
    path.write_bytes(text.encode())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tsv else ",")
    expected, start = [], 1
    for row in reader:
        if row and reader.line_num > 1:
            expected.append((start, row[0], row[1] if len(row) > 1 else None))
        start = reader.line_num + 1
    got = [(line, r.get("id"), r.get("text")) for line, r in table.csv_records(path, FieldMap(), lambda n: None)]
    assert got == expected


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.sampled_from(["a", "\u00e9", ",", '"', '""', "\n", "\r", "\r\n", "\t", "xyz" * 5]),
                     max_size=120).map("".join),
       cap=st.integers(8, 60), chunk=st.integers(1, 9))
def test_any_text_past_the_cap_skips_exactly_the_records_over_it(tmp_path_factory, monkeypatch, body, cap, chunk):
    # raw text, stray quotes and all: the records kept are the csv module's, the others one problem each
    monkeypatch.setattr(table, "MAX_DOCUMENT_BYTES", cap)
    monkeypatch.setattr(table, "_CHUNK", chunk)
    csv.field_size_limit(10 * 2**20)  # for the csv module's reading below; the reader sets the cap
    text = "id,text\n" + body
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_bytes(text.encode())
    sizes = [len(line.encode()) for line in _LINES.findall(text)]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    expected, start = [], 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # more after a closing quote, or the end inside a quote: the record is one problem
            if reader.line_num > 1:
                expected.append((start, "skip"))
            start = reader.line_num + 1
            continue
        if reader.line_num > 1:
            if sum(sizes[start - 1:reader.line_num]) > cap:  # (strict: the end inside a quote is a csv.Error)
                expected.append((start, "skip"))
            elif row:
                expected.append((start, row[0], row[1] if len(row) > 1 else None))
        start = reader.line_num + 1
    got = [(line, "skip") if isinstance(r, Exception) else (line, r.get("id"), r.get("text"))
           for line, r in table.csv_records(path, FieldMap(), lambda n: None)]
    assert got == expected
