"""Inputs read on an engine's workers into shards of the workspace give the same
documents, places and problems as reading every file in one process."""
from __future__ import annotations

import csv
import gzip
import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.engines.base import Inline
from dedup.engines.local import LocalEngine
from dedup.stages.ingest import iter_sourced, problem_order
from dedup.stages.ingest import read as read_mod
from dedup.stages.ingest import shard as shard_mod
from dedup.storage.workspace import DocStore
from textgen import article


def _write_corpus(root) -> None:
    """JSONL shards (one gzipped) with a repeated id across shards, a malformed line, an
    empty text, a lone-surrogate escape and a URL; a CSV file; text files."""
    docs = [{"id": f"d{k:03d}", "text": article(k, 2), "source": f"s{k % 3}"} for k in range(120)]
    docs[7]["url"] = "https://example.org/7"
    for part in range(4):
        lines = [json.dumps(d) for d in docs[part * 30 : (part + 1) * 30]]
        if part == 1:
            lines.insert(3, "{not json")
            lines.append(json.dumps({"id": "d005", "text": "an earlier copy? " + article(5, 2)}))
        if part == 2:
            lines.append(json.dumps({"id": "blank", "text": "  "}))
            lines.append(json.dumps({"id": "sur", "text": "lone SUR surrogate " + article(200, 2)}).replace("SUR", "\\ud800"))
        data = ("\n".join(lines) + "\n").encode()
        if part == 3:
            (root / f"part-{part}.jsonl.gz").write_bytes(gzip.compress(data))
        else:
            (root / f"part-{part}.jsonl").write_bytes(data)
    with open(root / "table.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for k in range(300, 310):
            w.writerow([f"c{k}", article(k, 2)])
    for k in range(5):
        (root / f"note-{k}.txt").write_text(article(400 + k, 2), encoding="utf-8")


def _read(tmp_path, root, name, engine, shards: bool):
    store_dir = tmp_path / name
    shutil.rmtree(store_dir, ignore_errors=True)  # (Hypothesis runs examples in one tmp_path)
    store_dir.mkdir()
    store, problems = DocStore(str(store_dir)), []
    store.add_all(iter_sourced([str(root)], problems, engine=engine,
                               shards=store.shard_path if shards else None), problems)
    problems.sort(key=problem_order)
    return store, problems


def _facts(store: DocStore) -> list:
    return [(store.doc(k).model_dump(), store.sources[k], store.links.get(k)) for k in range(len(store))]


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_read_the_same_documents_places_and_problems(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(shard_mod, "SHARD_MIN", 1)  # small files: a shard each, so workers read them
    root = tmp_path / "in"
    root.mkdir()
    _write_corpus(root)
    here, here_problems = _read(tmp_path, root, "here", None, shards=False)
    engine = Inline() if jobs == 1 else LocalEngine(jobs)
    there, there_problems = _read(tmp_path, root, "there", engine, shards=True)
    assert len(there._shards) >= 3  # the files were read into shards, not here
    assert len(here) == len(there) == 120 + 10 + 5 + 1  # the surrogate record is kept, mended
    assert there.ids == here.ids
    assert _facts(there) == _facts(here)
    assert there_problems == here_problems
    messages = " | ".join(p.message for p in there_problems)
    assert "duplicate document id 'd005'" in messages and "malformed JSON" in messages
    assert "empty document" in messages and "lone surrogate" in messages


def test_a_corpus_too_small_to_share_out_is_read_here(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    _write_corpus(root)  # well under SHARD_MIN bytes per shard
    store, _ = _read(tmp_path, root, "small", LocalEngine(2), shards=True)
    assert store._shards == [] and len(store) == 136


def test_shards_cover_the_files_in_order_within_their_bounds():
    from pathlib import Path

    from dedup.stages.ingest.files import Planned

    files = [Planned(Path(f"f{k}"), f"f{k}", "jsonl", None, size) for k, size in
             enumerate([5 * 2**20, 70 * 2**20, 2**20, 2**20, 3 * 2**20, 100, 200])]
    got = shard_mod.groups(files)
    assert [p for g in got for p in g] == files  # every file once, in order
    total = sum(p.size for p in files)
    target = min(shard_mod.SHARD_MAX, max(shard_mod.SHARD_MIN, total // shard_mod.SHARDS))
    for g in got:  # a shard passes the target only when it is one file
        assert len(g) == 1 or sum(p.size for p in g) <= target


# -- one large JSONL file read as pieces of lines -----------------------------------------

_LINE = st.one_of(
    st.integers(0, 40).map(lambda k: json.dumps({"id": f"d{k}", "text": f"story {k} " + "word " * (k % 7)})),
    st.just(""), st.just("   "), st.just("{not json"), st.just(json.dumps({"id": "e", "text": " "})),
    st.just(json.dumps({"title": "no id or text"})), st.just("x" * 90),  # over-long at the 64-byte cap below
    st.just(json.dumps({"id": "s", "text": "lone \\ud800 surrogate"})),
    st.just("\ufeff" + json.dumps({"id": "m", "text": "a byte-order mark inside the file"})),
    st.just(json.dumps({"id": "r", "text": "a line ended by CR LF"}) + "\r"),
).map(str.encode) | st.just(b'{"id": "x", "text": "\xff not UTF-8"}')


def _sequential_and_pieces(tmp_path, monkeypatch, data: bytes, piece: int):
    """The same file read in one piece here and in pieces of about ``piece`` bytes."""
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    return _whole_and_pieces(tmp_path, monkeypatch, path, piece)


def _whole_and_pieces(tmp_path, monkeypatch, path, piece: int, engine=None):
    """``path`` read whole here, and in pieces of about ``piece`` bytes by ``engine``'s workers."""
    here, here_problems = _read(tmp_path, path, "here", None, shards=False)
    monkeypatch.setattr(shard_mod, "SHARD_MIN", 1)
    monkeypatch.setattr(shard_mod, "SHARD_MAX", piece)
    there, there_problems = _read(tmp_path, path, "there", engine or Inline(), shards=True)
    return (here, here_problems), (there, there_problems)


def _assert_same(here, here_problems, there, there_problems) -> None:
    assert there.ids == here.ids
    assert _facts(there) == _facts(here)
    assert there_problems == here_problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, min_size=0, max_size=60), piece=st.integers(16, 400), bom=st.booleans(),
       end_newline=st.booleans())
def test_a_file_read_in_pieces_gives_what_one_reading_gives(tmp_path, monkeypatch, lines, piece, bom, end_newline):
    """Documents, the copy of a repeated id kept, and every problem with its line number,
    whatever the byte offsets the pieces are cut at (inside a line, at its end, in an
    over-long one); a file whose first piece holds no document is read again whole."""
    monkeypatch.setattr(read_mod, "MAX_DOCUMENT_BYTES", 64)
    data = b"\n".join(lines) + (b"\n" if end_newline else b"")
    data = (b"\xef\xbb\xbf" if bom else b"") + data
    (here, here_problems), (there, there_problems) = _sequential_and_pieces(tmp_path, monkeypatch, data, piece)
    _assert_same(here, here_problems, there, there_problems)


def test_a_large_file_is_cut_into_pieces_read_by_the_workers(tmp_path, monkeypatch):
    docs = [json.dumps({"id": f"d{k:04d}", "text": article(k, 2)}) for k in range(300)]
    docs.insert(150, "{broken")
    docs.append(json.dumps({"id": "d0007", "text": "a later copy " + article(7, 2)}))
    data = ("\n".join(docs) + "\n").encode()
    (here, here_problems), (there, there_problems) = _sequential_and_pieces(tmp_path, monkeypatch, data, len(data) // 5)
    assert len(there._shards) >= 5  # pieces, not one reading here
    assert _facts(there) == _facts(here) and len(here) == 300
    assert there_problems == here_problems
    assert [p.line for p in there_problems] == [151, 302]  # numbered as in the whole file
    assert there_problems[0].message.startswith("malformed JSON")
    assert there_problems[1].message.startswith("duplicate document id 'd0007'")
    assert there_problems[1].message.endswith("big.jsonl:8 is kept")


def test_a_file_of_no_records_gives_up_once_when_read_in_pieces(tmp_path, monkeypatch):
    data = b"".join(b"not a record %d\n" % k for k in range(500))
    (here, here_problems), (there, there_problems) = _sequential_and_pieces(tmp_path, monkeypatch, data, 200)  # 13 lines a piece
    assert len(here) == len(there) == 0
    assert there_problems == here_problems and len(there_problems) == 1
    assert "not read past line 20" in there_problems[0].message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(0, 30), min_size=1, max_size=80), group=st.integers(1, 12), piece=st.integers(1, 3000))
def test_a_parquet_file_read_in_row_groups_gives_what_one_reading_gives(tmp_path, monkeypatch, ids, group, piece):
    """Runs of row groups read apart: the same documents, the copy of a repeated id
    kept, and every problem with its row, as reading the file whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": f"p{k}", "text": None if k % 11 == 3 else ("  " if k % 13 == 5 else f"row {n} story {k}"),
             "source": f"s{k % 3}"} for n, k in enumerate(ids)]
    path = tmp_path / "big.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=group)
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, piece)
    _assert_same(here, here_problems, there, there_problems)


def test_a_large_parquet_file_is_read_in_pieces(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": f"d{k:04d}", "text": article(k, 2)} for k in range(400)]
    rows[390] = {"id": "d0007", "text": "a later copy " + article(7, 2)}
    path = tmp_path / "big.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=50)
    monkeypatch.setattr(shard_mod, "SHARD_MIN", 1)
    monkeypatch.setattr(shard_mod, "SHARD_MAX", path.stat().st_size // 6)
    store, problems = _read(tmp_path, path, "there", Inline(), shards=True)
    assert len(store._shards) >= 4 and len(store) == 399
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [(391, "duplicate document id 'd0007'")]


# -- one large compressed JSONL file, decompressed by the driver into pieces ---------------

def _compress(data: bytes, codec: str, members: int) -> bytes:
    """``data`` as gzip or zstd, in ``members`` gzip members or zstd frames one after another."""
    import zstandard

    cuts = [len(data) * k // members for k in range(members + 1)]
    parts = [data[a:b] for a, b in zip(cuts, cuts[1:])]
    if codec == "gz":
        return b"".join(gzip.compress(p) for p in parts)
    return b"".join(zstandard.ZstdCompressor().compress(p) for p in parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, min_size=0, max_size=60), piece=st.integers(16, 400), bom=st.booleans(),
       codec=st.sampled_from(["gz", "zst"]), members=st.integers(1, 3),
       damage=st.sampled_from(["none", "cut", "flip"]), where=st.floats(0.05, 0.95))
def test_a_compressed_file_read_in_pieces_gives_what_one_reading_gives(tmp_path, monkeypatch, lines, piece, bom,
                                                                        codec, members, damage, where):
    """Decompressed here into pieces the workers read: the same documents, problems and
    line numbers as one reading, a stream cut short or damaged included (the same error,
    after the same line; nothing after it)."""
    monkeypatch.setattr(read_mod, "MAX_DOCUMENT_BYTES", 64)
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + b"\n"
    packed = bytearray(_compress(data, codec, members))
    at = max(1, int(len(packed) * where))
    if damage == "cut":
        packed = packed[:at]
    elif damage == "flip":
        packed[at] ^= 0x55
    path = tmp_path / f"big.jsonl.{codec}"
    path.write_bytes(bytes(packed))
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, piece)
    _assert_same(here, here_problems, there, there_problems)
    assert not list((tmp_path / "there").glob("*.jsonl"))  # every decompressed piece removed once read


@pytest.mark.parametrize("codec", ["gz", "zst"])
def test_a_large_compressed_file_is_read_by_the_workers_in_pieces(tmp_path, monkeypatch, codec):
    docs = [json.dumps({"id": f"d{k:04d}", "text": article(k, 2)}) for k in range(300)]
    docs.insert(150, "{broken")
    docs.append(json.dumps({"id": "d0007", "text": "a later copy " + article(7, 2)}))
    data = ("\n".join(docs) + "\n").encode()
    path = tmp_path / f"big.jsonl.{codec}"
    path.write_bytes(_compress(data, codec, 1))
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, len(data) // 5,
                                                                       LocalEngine(2))
    assert len(there._shards) >= 5  # pieces read by the workers, not one reading here
    assert _facts(there) == _facts(here) and len(here) == 300
    assert there_problems == here_problems
    assert [p.line for p in there_problems] == [151, 302]  # numbered as in the whole file
    assert there_problems[1].message.endswith(f"big.jsonl.{codec}:8 is kept")


def _count_pieces(monkeypatch) -> list:
    """The decompressed pieces the driver makes, as ``[path, bytes copied]`` (the driver's
    own record files: the pieces; the workers' shards are not counted)."""
    made = []

    class Counted(shard_mod.Records):
        def __init__(self, path):
            super().__init__(path)
            self._made = [path, 0] if path.endswith(".jsonl") else None
            if self._made is not None:
                made.append(self._made)

        def append(self, record):
            if self._made is not None:
                self._made[1] += len(record)
            return super().append(record)

    monkeypatch.setattr(shard_mod, "Records", Counted)
    return made


@pytest.mark.parametrize("lines", [
    [b"not a record %d" % k for k in range(5000)],
    [json.dumps({"newid": k, "text": f"story {k}"}).encode() for k in range(5000)],  # records under other names
], ids=["not-records", "other-names"])
def test_a_compressed_file_one_reading_gives_up_on_is_not_decompressed_into_pieces(tmp_path, monkeypatch, lines):
    made = _count_pieces(monkeypatch)
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, 200)
    assert len(here) == len(there) == 0
    assert there_problems == here_problems and len(there_problems) == 1
    assert "not read past line 20" in there_problems[0].message
    assert made == []  # read whole by a worker, which gives up at line 20: not 5,000 lines decompressed


@pytest.mark.parametrize("codec", ["gz", "zst"])
def test_a_stream_that_breaks_inside_an_over_long_line_loses_that_line_only(tmp_path, monkeypatch, codec):
    import random

    monkeypatch.setattr(read_mod, "MAX_DOCUMENT_BYTES", 64)
    rng = random.Random(7)
    good = [json.dumps({"id": f"d{k}", "text": f"story {k}"}).encode() for k in range(6)]
    long = "".join(rng.choice("abcdefghij0123456789") for _ in range(200_000)).encode()
    packed = _compress(b"\n".join(good + [long] + good[:1]) + b"\n", codec, 1)
    path = tmp_path / f"big.jsonl.{codec}"
    path.write_bytes(packed[: len(packed) * 3 // 4])  # cut inside the long line's bytes
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, 100)
    assert len(here) == 6 and _facts(there) == _facts(here)
    assert there_problems == here_problems
    assert [p.message.split(":")[0] for p in there_problems] == [f"corrupt or not {'gzip' if codec == 'gz' else 'zstandard'} data after line 7"]


def test_an_over_long_line_is_read_past_not_copied_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(read_mod, "MAX_DOCUMENT_BYTES", 64)
    made = _count_pieces(monkeypatch)
    good = [json.dumps({"id": f"d{k}", "text": f"story {k}"}).encode() for k in range(40)]
    lines = good[:20] + [b"x" * 100_000] + good[20:] + [b"y" * 100_000]  # the last without a line end
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines)))
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, 300)
    _assert_same(here, here_problems, there, there_problems)
    assert [p.line for p in there_problems] == [21, 42] and len(there) == 40
    assert sum(size for _, size in made) < 4_000  # the 200 kB of over-long lines were not copied


def test_the_first_piece_holds_the_first_document_and_none_is_empty(tmp_path, monkeypatch):
    """A file opening with blank lines: no piece is read again by name in the driver (a
    file deleted or replaced meanwhile would be read wrong), and no empty piece is made."""
    made = _count_pieces(monkeypatch)
    docs = [json.dumps({"id": f"d{k}", "text": f"story {k} " + "word " * k}) for k in range(200)]
    data = b"\n" * 5000 + ("\n".join(docs) + "\n").encode()
    path = tmp_path / "big.ndjson.gz"
    path.write_bytes(gzip.compress(data))
    again = []
    monkeypatch.setattr(shard_mod.Pieces, "_drop", staticmethod(lambda shard: again.append(shard)))
    (here, here_problems), (there, there_problems) = _whole_and_pieces(tmp_path, monkeypatch, path, 500)
    _assert_same(here, here_problems, there, there_problems)
    assert len(here) == 200 and len(made) >= 5
    assert again == []  # no piece left out, so nothing read again
    assert all(size for _, size in made)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_a_file_deleted_after_planning_is_read_whole_in_pieces(tmp_path, monkeypatch, jobs, kind):
    """One reading keeps its file open; the pieces read it through the descriptor the
    driver keeps, so a file removed once the pieces are planned is still read whole."""
    docs = [{"id": f"d{k:04d}", "text": article(k, 2)} for k in range(300)]
    path = tmp_path / f"big.{kind}"
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(docs), path, row_group_size=50)
    else:
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    here, here_problems = _read(tmp_path, path, "here", None, shards=False)
    real = shard_mod.shard_items

    def removed_first(*args):
        path.unlink()  # after planning, before any piece is read
        yield from real(*args)

    monkeypatch.setattr(shard_mod, "shard_items", removed_first)
    monkeypatch.setattr(shard_mod, "SHARD_MIN", 1)
    monkeypatch.setattr(shard_mod, "SHARD_MAX", path.stat().st_size // 5)
    there, there_problems = _read(tmp_path, path, "there", Inline() if jobs == 1 else LocalEngine(jobs), shards=True)
    assert not path.exists() and len(there._shards) >= 4
    _assert_same(here, here_problems, there, there_problems)
    assert len(there) == 300
