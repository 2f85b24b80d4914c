import gzip
import json

import pytest

from dedup import Document, InputError, read_corpus


def test_directory_is_read_recursively_with_relative_ids(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("First text.")
    (tmp_path / "two.md").write_text("Second text.")
    (tmp_path / "skip.bin").write_bytes(b"\x00\x01")  # not a corpus file type: not read, said so
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["a/one.txt", "two.md"]
    assert [(p.path, p.message.split(" (")[0]) for p in problems] == [(tmp_path.as_posix(), "1 .bin file")]


def test_jsonl_records_and_metadata(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps({"id": 7, "text": "Body.", "title": "T", "date": "2020-01-02", "source": "S"}) + "\n")
        fh.write("\n")
        fh.write(json.dumps({"id": "b", "text": "More."}) + "\n")
    docs, problems = read_corpus(path)
    assert [(d.id, d.title, d.source) for d in docs] == [("7", "T", "S"), ("b", None, None)]
    assert problems == []


def test_bad_jsonl_lines_are_reported_with_line_numbers_and_skipped(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"id": "ok", "text": "fine"}),
        "{not json",
        json.dumps({"text": "no id"}),
        json.dumps({"id": "x", "text": 5}),
        json.dumps(["a list"]),
        json.dumps({"id": "empty", "text": "  "}),
        json.dumps({"id": "ok", "text": "duplicate id"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == ["ok"]
    by_line = {p.line: p.message for p in problems if p.line}
    assert by_line[2].startswith("malformed JSON")
    assert by_line[3] == "record has no 'id'"
    assert "text" in by_line[4]
    assert "expected an object" in by_line[5]
    assert by_line[6] == "empty document"
    assert any("duplicate document id" in p.message for p in problems)
    assert str(problems[0]).startswith(f"{path.as_posix()}:2: ")


def test_binary_and_empty_files_are_skipped_not_fatal(tmp_path):
    (tmp_path / "good.txt").write_text("A real article.")
    (tmp_path / "bin.txt").write_bytes(b"abc\x00def")
    (tmp_path / "latin1.txt").write_bytes("line one\ncaf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("   \n")
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["good.txt", "latin1.txt"]  # Latin-1 is read, its encoding guessed
    msgs = {p.path.rsplit("/", 1)[-1]: (p.line, p.message, p.skipped) for p in problems}
    assert msgs["bin.txt"][1].startswith("binary file")
    assert msgs["latin1.txt"][1].startswith("not UTF-8 (first bad byte at line 2, byte 12); read as ")
    assert msgs["latin1.txt"][2] is False  # a note, not a skip
    assert msgs["empty.txt"][1] == "empty document"


def test_missing_path_and_empty_directory_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"directory has no corpus files \(text, HTML, JSONL"):
        read_corpus(tmp_path / "empty")


def test_records_and_documents_in_memory():
    docs, problems = read_corpus([Document(id="b", text="x"), {"id": "a", "text": "y"}, {"text": "z"}])
    assert [d.id for d in docs] == ["a", "b"]
    assert problems[0].message == "record has no 'id'"


def test_a_document_with_a_lone_surrogate_dumps_itself_as_json():
    """JSON is UTF-8: a lone surrogate is written as U+FFFD, one for one (the model keeps
    the text as given; the readers mend and note it); a record handed over is noted as before."""
    doc = Document(id="a", text="x\ud800y \udc80", title="t\udfff")
    assert json.loads(doc.model_dump_json()) == {"id": "a", "text": "x\ufffdy \ufffd", "title": "t\ufffd", "date": None,
                                                 "source": None, "url": None, "author": None}
    assert doc.model_dump(mode="json")["text"] == "x\ufffdy \ufffd" and doc.text == "x\ud800y \udc80"
    docs, problems = read_corpus([doc])
    assert docs[0].text == "x\ufffdy \ufffd"
    assert [p.message for p in problems] == [f"field '{k}': lone surrogate escape replaced by U+FFFD (record id 'a')"
                                             for k in ("text", "title")]
