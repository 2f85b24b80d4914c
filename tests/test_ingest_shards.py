"""Inputs read on an engine's workers into shards of the workspace give the same
documents, places and problems as reading every file in one process."""
from __future__ import annotations

import csv
import gzip
import json

import pytest

from dedup.engines.base import Inline
from dedup.engines.local import LocalEngine
from dedup.stages.ingest import iter_sourced, problem_order
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
