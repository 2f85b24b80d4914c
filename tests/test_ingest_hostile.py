"""Hostile input (issue 10): nothing damaged, nothing lost, no crash. One test per class."""

import codecs
import gzip
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup import InputError, read_corpus
from dedup.stages.ingest import to_document
MAX_DOCUMENT_BYTES = 10 * 2**20  # the documented cap (README, input section)

TEXT = "The council approved the new budget for the harbour district on Tuesday evening."


def _cli(*args, timeout=60, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "dedup", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def _by_name(problems):
    return {p.path.rsplit("/", 1)[-1]: p for p in problems}


# 1. Special files never hang a run.

def test_a_fifo_in_a_directory_or_given_by_name_is_reported_and_never_opened(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "good.txt").write_text(TEXT)
    os.mkfifo(tmp_path / "c" / "pipe.txt")
    os.mkfifo(tmp_path / "alone.txt")
    code, out, err = _cli("cluster", "c", "alone.txt", "/dev/zero", "-f", "json", cwd=tmp_path, timeout=60)
    assert code == 1, err
    assert [d["doc_id"] for d in json.loads(out)["documents"]] == ["good.txt"]
    assert "skipped c/pipe.txt: a FIFO, not a regular file; not read" in err
    assert "skipped alone.txt: a FIFO, not a regular file; not read" in err
    assert "skipped /dev/zero: a character device, not a regular file; not read" in err


# 2. Nothing silently lost.

def test_one_name_under_two_roots_stays_two_documents(tmp_path):
    for site in ("siteA", "siteB"):
        (tmp_path / site).mkdir()
        (tmp_path / site / "story.txt").write_text(f"{TEXT} ({site})")
    docs, problems = read_corpus([tmp_path / "siteA", tmp_path / "siteB"])
    assert [d.id for d in docs] == ["siteA/story.txt", "siteB/story.txt"] and problems == []


def test_ids_do_not_depend_on_how_a_path_is_spelled(tmp_path, seeds_dir, monkeypatch):
    monkeypatch.chdir(seeds_dir.parent)
    name = sorted(p.name for p in seeds_dir.glob("*.txt"))[3]
    seed_ids = sorted(p.name for p in seeds_dir.glob("*.txt"))
    for spelling in (["seeds"], ["seeds/"], ["./seeds"], [str(seeds_dir)], ["seeds", f"seeds/{name}"],
                     [f"./seeds/{name}", "seeds", f"seeds/{name}"]):
        docs, problems = read_corpus(spelling)
        assert [d.id for d in docs] == seed_ids and problems == [], spelling
    for spelling in ([f"seeds/{name}"], [f"./seeds/{name}"], [str(seeds_dir / name)]):
        assert [d.id for d in read_corpus(spelling)[0]] == [name], spelling
    # A link to a file of the corpus is the same file: read once, under the file's own name.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "real.txt").write_text(TEXT)
    (tmp_path / "c" / "a_link.txt").symlink_to(tmp_path / "c" / "real.txt")
    docs, problems = read_corpus([tmp_path / "c", tmp_path / "c" / "a_link.txt"])
    assert [d.id for d in docs] == ["real.txt"] and problems == []
    # One directory named three ways, and a link loop inside it: walked once, reported once.
    (tmp_path / "c" / "sub").mkdir()
    (tmp_path / "c" / "sub" / "loop").symlink_to(tmp_path / "c")
    (tmp_path / "c" / "broken.txt").symlink_to(tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    docs, problems = read_corpus(["c/sub", "c", "./c/", str(tmp_path / "c")])
    assert [d.id for d in docs] == ["real.txt"]
    assert [str(p) for p in problems] == [f"{(tmp_path / 'c').as_posix()}/broken.txt: not read: broken symbolic link"]
    # A directory given by its own name and by a link to it: walked under its own name,
    # whichever sorts first (`alias real other` named the files alias/...).
    (tmp_path / "d" / "real").mkdir(parents=True)
    (tmp_path / "d" / "other").mkdir()
    (tmp_path / "d" / "real" / "r.txt").write_text(TEXT)
    (tmp_path / "d" / "other" / "o.txt").write_text(TEXT + " More.")
    for link in ("alias", "zlink"):
        (tmp_path / "d" / link).symlink_to(tmp_path / "d" / "real")
        monkeypatch.chdir(tmp_path / "d")
        docs, problems = read_corpus([link, "real", "other"])
        assert [d.id for d in docs] == ["other/o.txt", "real/r.txt"] and problems == [], link


def test_a_repeated_id_names_both_places_and_the_kept_copy_does_not_depend_on_order(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "x", "text": "alpha"}) + "\n"
                                      + json.dumps({"id": "x", "text": "beta"}) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "x", "text": "gamma"}) + "\n")
    a, b = (tmp_path / "a.jsonl").as_posix(), (tmp_path / "b.jsonl").as_posix()
    outputs = []
    for order in ([a, b], [b, a]):
        docs, problems = read_corpus(order)
        assert [d.text for d in docs] == ["alpha"]
        assert [str(p) for p in problems] == [
            f"{a}:2: duplicate document id 'x'; the copy at {a}:1 is kept",
            f"{b}:1: duplicate document id 'x'; the copy at {a}:1 is kept"]
        outputs.append(dedup.cluster(order).model_dump_json())
    assert outputs[0] == outputs[1]
    # Records given in memory: the kept copy is chosen by content, not by position.
    recs = [{"id": "r", "text": "one"}, {"id": "r", "text": "two"}, {"id": "r", "text": "three"}]
    kept = {read_corpus(order)[0][0].text for order in (recs, recs[::-1], recs[1:] + recs[:1])}
    assert len(kept) == 1


def test_the_kept_copy_does_not_depend_on_how_a_path_is_spelled(tmp_path, monkeypatch):
    """`a.jsonl b.jsonl` kept a's copy, `a.jsonl $PWD/b.jsonl` b's: the paths sorted as typed."""
    (tmp_path / "min").mkdir()
    (tmp_path / "min" / "a.jsonl").write_text(json.dumps({"id": "x", "text": "the harbour story"}) + "\n")
    (tmp_path / "min" / "b.jsonl").write_text(json.dumps({"id": "x", "text": "the airport story"}) + "\n")
    monkeypatch.chdir(tmp_path / "min")
    spellings = (["a.jsonl", "b.jsonl"], ["a.jsonl", str(tmp_path / "min" / "b.jsonl")],
                 [str(tmp_path / "min" / "b.jsonl"), "../min/a.jsonl"], ["./b.jsonl", "../min/a.jsonl"])
    kept = {read_corpus(paths)[0][0].text for paths in spellings}
    assert kept == {"the harbour story"}
    for paths in spellings:  # the workspace's chooser (shards read by workers) as well
        assert dedup.cluster(paths, jobs=2).documents[0].chars == len("the harbour story")


def test_an_unreadable_subdirectory_is_reported(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text(TEXT)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text(TEXT)
    real_scandir = os.scandir

    def scandir(path="."):  # tests run as root, where chmod 000 does not lock anything
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["ok/a.txt"]
    assert [str(p) for p in problems] == [f"{(tmp_path / 'locked').as_posix()}: directory not read: Permission denied"]


def test_files_of_other_types_in_a_directory_are_reported_per_extension(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    for name in ("x.html", "y.HTML", "z.htm", "d.json", "notes.text", "README", ".hidden", "pic.jpg"):
        (tmp_path / name).write_text(f"<html><body><article><p>{TEXT}</p></article></body></html>")
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["a.txt", "x.html", "y.HTML", "z.htm"]  # HTML is read now
    msgs = sorted(p.message for p in problems)
    assert msgs[:2] == ["1 .jpg file (not a corpus file type; read are .txt, .md, .html, .htm, .jsonl[.gz|.zst], "
                        ".ndjson[.gz|.zst], .warc[.gz], .arc[.gz], .csv[.gz], .tsv[.gz], .parquet)",
                        "1 .json file (a .json file is not read; JSONL (one object a line) is, as .jsonl)"]
    assert any(m.startswith("1 .text file (") for m in msgs)
    assert any(m.startswith("1 file without an extension (") for m in msgs)
    assert len(problems) == 4 and all(p.path == tmp_path.as_posix() for p in problems)  # .hidden: silent


# 3. One bad record is one problem; the rest is read.

def test_hostile_jsonl_records_are_one_problem_each(tmp_path):
    lines = [
        '{"id": "big", "text": "t", "n": ' + "9" * 5000 + "}",
        '{"id": ' + "1" * 5000 + ', "text": "t"}',
        "[" * 5000 + "]" * 5000,
        '{"id": "deep", "text": "t", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"id": "sur", "text": "bad \\ud800 text", "title": "T\\udfff"}',
        '{"id": "ok", "text": "fine text"}',
        # one limit whatever the Python version (3.11 parses 300 levels, 3.13 5,000 too)
        '{"id": "deep300", "text": "t", "x": ' + "[" * 300 + "]" * 300 + "}",
        '{"id": "deep150", "text": "t", "x": ' + "[" * 150 + "]" * 150 + "}",
    ]
    (tmp_path / "h.jsonl").write_text("\n".join(lines) + "\n")
    docs, problems = read_corpus(tmp_path / "h.jsonl")
    assert [(d.id, d.text, d.title) for d in docs] == [("deep150", "t", None), ("ok", "fine text", None),
                                                       ("sur", "bad \ufffd text", "T\ufffd")]
    by_line = {}
    for p in problems:
        by_line.setdefault(p.line, []).append((p.skipped, p.message))
    assert [m for _, m in by_line[1]] == [by_line[2][0][1]] and "4300" in by_line[1][0][1]  # (3.10 and 3.11 word it differently)
    assert by_line[3] == by_line[4] == by_line[7] == [(True, "malformed JSON: nested too deeply")]
    assert by_line[5] == [(False, "field 'text': lone surrogate escape replaced by U+FFFD"),
                          (False, "field 'title': lone surrogate escape replaced by U+FFFD")]
    # The same records in memory, and through the whole run (JSON written as UTF-8).
    recs = [{"id": "s", "text": "x \ud800 y"}, {"id": 10 ** 5000, "text": "t"}]
    docs, problems = read_corpus(recs)
    assert [d.text for d in docs] == ["x \ufffd y"]
    assert "id is an integer too long to be a name" in " ".join(p.message for p in problems)
    dedup.cluster(recs).model_dump_json()


def test_a_lone_surrogate_does_not_stop_index_add(tmp_path):
    (tmp_path / "s.jsonl").write_text('{"id": "s", "text": "bad \\ud800 text of an article"}\n'
                                      '{"id": "t", "text": "another article text"}\n')
    code, out, err = _cli("index", "add", tmp_path / "i.db", tmp_path / "s.jsonl")
    assert code == 1 and "added 2 documents" in out and "replaced by U+FFFD" in err, err


def test_a_file_name_that_is_not_utf8_gets_a_printable_id(tmp_path):
    (tmp_path / "ok.txt").write_text(TEXT)
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "w") as fh:
        fh.write(TEXT + " Again.")
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["caf\\xe9.txt", "ok.txt"]
    assert [(p.path.rsplit("/", 1)[-1], p.message, p.skipped) for p in problems] == [
        ("caf\\xe9.txt", "file name is not UTF-8; its id is caf\\xe9.txt", False)]
    dedup.cluster(tmp_path).model_dump_json()


def test_a_non_utf8_name_spelled_like_another_file_keeps_both(tmp_path):
    """``caf\\xe9.txt`` is a real name and also the printable spelling of ``caf<E9>.txt``;
    two non-UTF-8 names can spell alike too. No file is dropped as a repeated id."""
    (tmp_path / "caf\\xe9.txt").write_text(TEXT)
    for raw in (b"caf\xe9.txt", b"a\\xe9\xff.txt", b"a\xe9\\xff.txt"):
        with open(os.path.join(os.fsencode(tmp_path), raw), "w") as fh:
            fh.write(TEXT + " Again.")
    docs, problems = read_corpus(tmp_path)
    assert sorted(d.id for d in docs) == ["a\\xe9\\xff.txt", "a\\xe9\\xff~2.txt", "caf\\xe9.txt", "caf\\xe9~2.txt"]
    assert all(not p.skipped for p in problems) and len(problems) == 3
    assert {p.message.rsplit(" ", 1)[-1] for p in problems} == {d.id for d in docs} - {"caf\\xe9.txt"}


def test_corrupt_or_foreign_compressed_files_are_reported(tmp_path):
    (tmp_path / "a.jsonl.zst").write_bytes(b"not zstandard data\n")
    (tmp_path / "b.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "c.jsonl.gz").write_bytes(b"plain text, not gzip\n")
    good = gzip.compress("".join(json.dumps({"id": f"g{k}", "text": f"text {k}"}) + "\n" for k in range(3)).encode())
    (tmp_path / "d.jsonl.gz").write_bytes(good + b"trailing garbage")
    import zstandard
    (tmp_path / "e.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(b'{"id": "z", "text": "zst text"}\n'))
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["g0", "g1", "g2", "z"]
    msgs = {n: p.message for n, p in _by_name(problems).items()}
    assert msgs["a.jsonl.zst"].startswith("corrupt or not zstandard data")
    assert msgs["b.jsonl.gz"].startswith("corrupt or not gzip data")
    assert msgs["c.jsonl.gz"].startswith("corrupt or not gzip data")
    assert msgs["d.jsonl.gz"].startswith("corrupt or not gzip data after line 3")
    assert msgs["a.jsonl.zst"].endswith("(the file is not compressed: name it without the suffix)")
    assert msgs["c.jsonl.gz"].endswith("(the file is not compressed: name it without the suffix)")
    assert "name it" not in msgs["b.jsonl.gz"]  # gzip data, damaged: its name is right
    assert len(problems) == 4


@pytest.mark.parametrize("name", ["t.jsonl.gz", "t.csv.gz", "t.jsonl.zst"])
def test_a_file_compressed_otherwise_than_its_name_says_is_named_so(tmp_path, name):
    """zstandard data named .gz (and gzip named .zst): the problem says what the data is."""
    import zstandard

    data = b"id,text\na,some text\n" if ".csv" in name else b'{"id": "a", "text": "some text"}\n'
    other = gzip.compress(data) if name.endswith(".zst") else zstandard.ZstdCompressor().compress(data)
    (tmp_path / name).write_bytes(other * 50)
    docs, problems = read_corpus(tmp_path / name)
    want = "(the file holds gzip data: name it .gz)" if name.endswith(".zst") else \
        "(the file holds zstandard data: name it .zst)"
    assert not docs and [p.message.endswith(want) for p in problems] == [True]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 1.0), checksum=st.booleans())
def test_a_zstd_file_cut_anywhere_keeps_what_came_before_and_says_so(tmp_path, cut, checksum):
    """zstandard's stream reader ends quietly where a cut file ends (the cut frame's records
    were lost without a word): a file of two frames cut at any byte keeps a prefix of the
    records and is reported, unless the cut falls between the frames."""
    import zstandard

    rows = [json.dumps({"id": f"r{k:02d}", "text": f"{TEXT} Item {k}."}) + "\n" for k in range(40)]
    c = zstandard.ZstdCompressor(write_checksum=checksum)
    frames = [c.compress("".join(rows[:20]).encode()), c.compress("".join(rows[20:]).encode())]
    data = b"".join(frames)
    at = int(cut * len(data))
    (tmp_path / "c.jsonl.zst").write_bytes(data[:at])
    docs, problems = read_corpus(tmp_path / "c.jsonl.zst") if at else ([], [])
    ids = [d.id for d in docs]
    assert ids == [f"r{k:02d}" for k in range(len(ids))]
    if at in (len(frames[0]), len(data)):
        assert problems == [] and len(ids) == (20 if at < len(data) else 40)
    elif at:
        assert [p.message.split(":")[-1].strip() for p in problems] == ["the file ends inside a frame (cut short)"]


@pytest.mark.parametrize("damage", ["flip", "garbage", "header"])
def test_damage_in_a_zstd_frame_keeps_every_record_of_the_frames_before(tmp_path, damage):
    """As for gzip: a reader across frames ran on into the damaged frame and lost what it
    had decompressed of the whole frame before it."""
    import zstandard

    rows = [json.dumps({"id": f"r{k:02d}", "text": f"{TEXT} Item {k}."}) + "\n" for k in range(40)]
    c = zstandard.ZstdCompressor(write_checksum=True)  # a flipped byte of text is then seen
    first, second = c.compress("".join(rows[:20]).encode()), bytearray(c.compress("".join(rows[20:]).encode()))
    if damage == "flip":
        second[len(second) // 2] ^= 0xFF
    elif damage == "header":
        second[4] ^= 0xFF
    (tmp_path / "c.jsonl.zst").write_bytes(first + (b"GARBAGE" if damage == "garbage" else bytes(second)))
    docs, problems = read_corpus(tmp_path / "c.jsonl.zst")
    ids = [d.id for d in docs]
    assert ids[:20] == [f"r{k:02d}" for k in range(20)] and ids == [f"r{k:02d}" for k in range(len(ids))]
    assert len(problems) == 1 and "corrupt or not zstandard data" in problems[0].message


def test_a_thousand_nested_directories_are_walked(tmp_path):
    path = os.fspath(tmp_path / "deep")
    os.mkdir(path)
    cwd = os.getcwd()
    try:
        os.chdir(path)
        for _ in range(1000):
            os.mkdir("d")
            os.chdir("d")
        with open("x.txt", "w") as fh:
            fh.write(TEXT)
        os.chdir(cwd)
        docs, problems = read_corpus(path)
        assert [d.id for d in docs] == ["d/" * 1000 + "x.txt"] and problems == []
    finally:  # removed here, bottom up: pytest's own clean-up (shutil.rmtree) recurses
        os.chdir(path)
        for _ in range(1000):
            os.chdir("d")
        if os.path.exists("x.txt"):
            os.remove("x.txt")
        for _ in range(1000):
            os.chdir("..")
            os.rmdir("d")
        os.chdir(cwd)


def test_a_document_over_the_size_cap_is_reported_and_never_read_whole(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"word " * (MAX_DOCUMENT_BYTES // 5 + 1))
    (tmp_path / "ok.txt").write_text(TEXT)
    with open(tmp_path / "c.jsonl", "w") as fh:
        fh.write(json.dumps({"id": "huge", "text": "x" * (MAX_DOCUMENT_BYTES + 1)}) + "\n")
        fh.write(json.dumps({"id": "after", "text": "still read"}) + "\n")
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["after", "ok.txt"]
    assert [(n, p.line, p.message) for n, p in sorted(_by_name(problems).items())] == [
        ("big.txt", None, "larger than 10 MiB, the most one document may hold; not read"),
        ("c.jsonl", 1, "line longer than 10 MiB, the most one document may hold")]
    docs, problems = read_corpus([{"id": "m", "text": "y" * (MAX_DOCUMENT_BYTES + 1)}])
    assert docs == [] and "text longer than" in problems[0].message


# 4. Nothing readable: the reasons are shown.

def test_when_nothing_is_readable_the_reasons_are_printed_up_to_a_limit(tmp_path):
    for k in range(25):
        (tmp_path / f"{k:02d}.txt").write_bytes(b"\x00binary")
    with pytest.raises(InputError) as info:
        dedup.cluster(tmp_path)
    assert len(info.value.problems) == 25
    code, _, err = _cli("cluster", tmp_path)
    lines = err.splitlines()
    assert code == 3 and len(lines) == 22
    assert lines[0] == f"dedup: warning: skipped {(tmp_path / '00.txt').as_posix()}: binary file (contains NUL bytes), not text"
    assert lines[-2:] == ["dedup: warning: and 5 more", "dedup: error: no readable documents (25 skipped)"]


# 5. Encodings.

def test_bom_marked_utf16_and_utf32_are_text_and_other_encodings_are_guessed(tmp_path):
    body = "Le président a déclaré mercredi que la réforme serait adoptée avant l'été."
    (tmp_path / "u16le.txt").write_bytes(codecs.BOM_UTF16_LE + body.encode("utf-16-le"))
    (tmp_path / "u16be.txt").write_bytes(codecs.BOM_UTF16_BE + body.encode("utf-16-be"))
    (tmp_path / "u32.txt").write_bytes(body.encode("utf-32"))
    (tmp_path / "u8bom.txt").write_bytes(codecs.BOM_UTF8 + body.encode())
    ru = "Правительство России объявило сегодня о новых мерах поддержки экономики страны.\n" * 3
    (tmp_path / "ru.txt").write_bytes(ru.encode("cp1251"))
    (tmp_path / "nul.txt").write_bytes(body.encode("utf-16-le"))  # no BOM: NUL bytes, binary
    (tmp_path / "noise.txt").write_bytes(b"\x01\x02\x03\xff\xfe" * 100)
    docs, problems = read_corpus(tmp_path)
    texts = {d.id: d.text for d in docs}
    assert texts == {"u16le.txt": body, "u16be.txt": body, "u32.txt": body, "u8bom.txt": body, "ru.txt": ru}
    msgs = {n: (p.skipped, p.message) for n, p in _by_name(problems).items()}
    assert msgs["ru.txt"] == (False, "not UTF-8 (first bad byte at line 1, byte 0); read as cp1251, "
                                     "guessed by charset-normalizer")
    assert msgs["nul.txt"] == (True, "binary file (contains NUL bytes), not text")
    assert msgs["noise.txt"][0] and msgs["noise.txt"][1].startswith("binary file: not UTF-8")
    assert len(problems) == 3


def test_problems_do_not_depend_on_input_order(tmp_path):
    for name, data in (("a.txt", TEXT.encode()), ("b.txt", b"\x00"), ("c.jsonl", b"{bad\n"), ("d.html", b"")):
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / n for n in ("a.txt", "b.txt", "c.jsonl")]
    first = dedup.cluster(paths).model_dump_json()
    assert dedup.cluster(paths[::-1]).model_dump_json() == first


def test_a_binary_file_named_jsonl_gives_a_bounded_report(tmp_path):
    (tmp_path / "bin.jsonl").write_bytes(bytes(range(256)) * 400)  # ~100 "lines" of binary
    (tmp_path / "ok.txt").write_text(TEXT)
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["ok.txt"]
    [problem] = problems  # one line for the file, not one per bad line before it
    assert problem.line is None and problem.message.startswith("not read past line 20: no line so far is a record")


def test_metadata_that_is_not_text_never_costs_the_document(tmp_path):
    """A number in a metadata field is its digits (epoch dates, numeric titles, as ids
    are), NaN (a table's missing number) none; another value that is not text is left
    out with a note, the record kept. One
    record handed to the library has nowhere for a note: there it is an InputError."""
    words = " ".join(TEXT for _ in range(3))
    lines = [{"id": "epoch", "text": words, "date": 1489154400, "title": 1984},
             {"id": "float", "text": words, "date": 1489154400.0, "source": 2.5},
             {"id": "odd", "text": words, "date": {"y": 2017}, "title": True, "url": ["u"]}]
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + '\n{"id": "nan", "text": "t", "date": NaN, "title": -Infinity}\n')
    docs, problems = read_corpus(tmp_path / "m.jsonl")
    got = {d.id: (d.date, d.title, d.source, d.url) for d in docs}
    assert got == {"epoch": ("1489154400", "1984", None, None), "float": ("1489154400", None, "2.5", None),
                   "odd": (None, None, None, None), "nan": (None, None, None, None)}
    assert sorted((p.line, p.message, p.skipped) for p in problems) == [
        (3, "field 'date': an object, not text; left out", False),
        (3, "field 'title': true, not text; left out", False),
        (3, "field 'url': a list, not text; left out", False),
        (4, "field 'title': -Infinity, not text; left out", False)]
    report = dedup.cluster(tmp_path / "m.jsonl")
    assert {d.doc_id: d.date for d in report.documents}["epoch"] == "2017-03-10T14:00:00+00:00"
    with pytest.raises(InputError, match="bad field 'url': a list, not text"):
        to_document(lines[2] | {"title": None, "date": None})


def test_a_file_name_with_a_newline_or_an_escape_is_one_warning_line(tmp_path):
    (tmp_path / "ok.txt").write_text(TEXT)
    (tmp_path / "bad\nname.txt").write_bytes(b"a\x00b")
    (tmp_path / "red\x1b[31m.txt").write_bytes(b"c\x00d")
    code, out, err = _cli("cluster", ".", "-f", "json", cwd=tmp_path)
    assert code == 1
    assert sorted(err.splitlines()) == [
        "dedup: warning: skipped ./bad\\nname.txt: binary file (contains NUL bytes), not text",
        "dedup: warning: skipped ./red\\x1b[31m.txt: binary file (contains NUL bytes), not text"], err


def test_float_ids_are_their_digits_and_nan_skips_one_record(tmp_path):
    # pandas writes an id column with a gap as floats: 7.0, then NaN where the id is missing
    f = tmp_path / "t.jsonl"
    f.write_text('{"id": 7.0, "text": "one"}\n{"id": 2.5, "text": "two"}\n{"id": NaN, "text": "three"}\n'
                 '{"id": 8, "text": "four"}\n', encoding="utf-8")
    docs, problems = read_corpus([f])
    assert sorted(d.id for d in docs) == ["2.5", "7", "8"]
    assert [(p.line, "NaN" in p.message) for p in problems] == [(3, True)]


def test_a_blank_metadata_value_is_no_value_in_jsonl_as_in_csv(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "a", "text": "one", "source": "", "url": " \\t", "author": "", '
                                      '"title": "T", "date": ""}\n', encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,text,source,url\nb,two,,\n", encoding="utf-8")
    docs, problems = read_corpus([tmp_path / "a.jsonl", tmp_path / "b.csv"])
    assert problems == []
    assert [(d.id, d.source, d.url, d.author, d.date, d.title) for d in docs] == [
        ("a", None, None, None, None, "T"), ("b", None, None, None, None, None)]
    assert dedup.Document(id="c", text="x", source=" Reuters ").source == " Reuters "  # not blank: as given


def test_a_compressed_html_page_and_a_quoted_glob_say_what_they_are(tmp_path, run_cli):
    """A .html.gz was a "binary file (contains NUL bytes)"; a glob the shell left quoted was
    "no such file or directory", though the help names globs."""
    (tmp_path / "p.html.gz").write_bytes(gzip.compress(b"<html><body><p>" + b"A page of words. " * 40 + b"</p></body></html>"))
    docs, problems = read_corpus(tmp_path / "p.html.gz")
    assert not docs and [p.message for p in problems] == [
        "gzip-compressed, of a kind read only uncompressed (compressed: JSONL, CSV/TSV, WARC); decompress it"]
    code, _, err = run_cli("cluster", f"{tmp_path}/*.txt")
    assert code == 3 and f"(a glob is expanded as a URL: file://{tmp_path}/*.txt)" in err
