"""Input files read on an engine's workers, each group of files into a workspace file of
its own (a shard), so that the texts never pass through the process that runs the stages.

The documents, their places and the problems are those of reading the files in one
process (:func:`dedup.stages.ingest.iter_sourced`); only where the texts are stored
differs. Text, JSONL (not standard input), CSV/TSV and Parquet files are read this way;
the pages of HTML files and web archives are extracted on the engine already.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from .files import Planned
from ...models import Document, FieldMap, Problem
from ...storage.spill import Records

KINDS = ("text", "jsonl", "table", "parquet")
SHARDS = 8  # shards a corpus is cut into, unless that makes them smaller or larger than:
SHARD_MIN = 2**20  # bytes: below this a shard costs more than reading it here
SHARD_MAX = 64 * 2**20  # bytes (a larger file is a shard of its own)
SHARD_FILES = 256  # files per shard at the most (one text file is one document)


class Shard(NamedTuple):
    """What a worker read: the stored documents (``records``, in reading order) with,
    per document, ``(id, path, line, source, url, author)``; the problems; the files."""

    records: Records
    entries: list[tuple]
    problems: list[Problem]
    files: list[Planned]


def doc_record(doc: Document) -> bytes:
    """A document as the workspace stores it: its fields as a JSON line, then its text."""
    meta = json.dumps([doc.id, doc.title, doc.date, doc.source, doc.url, doc.author], ensure_ascii=False)
    return meta.encode("utf-8") + b"\n" + doc.text.encode("utf-8", "surrogatepass")


def groups(files: list[Planned]) -> list[list[Planned]]:
    """Consecutive files in ``SHARDS`` groups of about equal bytes (each between
    ``SHARD_MIN`` and ``SHARD_MAX``, at most ``SHARD_FILES`` files). Where the texts are
    stored never changes the answer; the groups only spread the reading."""
    target = min(SHARD_MAX, max(SHARD_MIN, sum(p.size for p in files) // SHARDS))
    out: list[list[Planned]] = []
    size = 0
    for p in files:
        if not out or size + p.size > target or len(out[-1]) >= SHARD_FILES:
            out.append([])
            size = 0
        out[-1].append(p)
        size += p.size
    return out


def read_shard(state: None, item: tuple[str, list[Planned], FieldMap]) -> Shard:
    """Read ``files`` into the workspace file ``path`` (``item``: path, files, fields),
    as :func:`dedup.stages.ingest.iter_sourced` reads them."""
    from . import Skip, _Meter, _read_file

    path, files, fields = item
    records = Records(path)
    entries: list[tuple] = []
    problems: list[Problem] = []
    meter = _Meter([], None)
    for p in files:
        try:
            for s in _read_file(p, problems, fields, meter):
                d = s.doc
                records.append(doc_record(d))
                entries.append((d.id, s.path, s.line, d.source, d.url, d.author))
        except Skip as skip:
            problems.append(Problem(path=p.label, line=skip.line, message=skip.message))
        except OSError as exc:
            problems.append(Problem(path=p.label, message=f"cannot read: {exc.strerror or exc}"))
    return Shard(records.handoff(), entries, problems, files)
