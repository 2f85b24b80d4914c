"""Input files read on an engine's workers, each group of files into a workspace file of
its own (a shard), so that the texts never pass through the process that runs the stages.

The documents, their places and the problems are those of reading the files in one
process (:func:`dedup.stages.ingest.iter_sourced`); only where the texts are stored
differs. Text, JSONL (not standard input), CSV/TSV and Parquet files are read this way;
the pages of HTML files and web archives are extracted on the engine already. A plain
JSONL file larger than a shard is read as pieces of lines, a Parquet file as runs of its
row groups, one a shard (a corpus is often one large file): 34.0 s -> 18.9 s for a
million articles' 2 GB of JSONL on 2 workers (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
from dataclasses import replace
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
    per document, ``(id, path, line, source, url, author)``; the problems; the files;
    per file, the lines read (JSONL; 0 for other kinds) and whether its reading stopped
    before its end."""

    records: Records
    entries: list[tuple]
    problems: list[Problem]
    files: list[Planned]
    read: list[tuple[int, bool]]


def doc_record(doc: Document) -> bytes:
    """A document as the workspace stores it: its fields as a JSON line, then its text."""
    meta = json.dumps([doc.id, doc.title, doc.date, doc.source, doc.url, doc.author], ensure_ascii=False)
    return meta.encode("utf-8") + b"\n" + doc.text.encode("utf-8", "surrogatepass")


def groups(files: list[Planned]) -> list[list[Planned]]:
    """Consecutive files in ``SHARDS`` groups of about equal bytes (each between
    ``SHARD_MIN`` and ``SHARD_MAX``, at most ``SHARD_FILES`` files); a plain JSONL or a
    Parquet file larger than that is cut into pieces (:func:`pieces`), a group each. Where
    the texts are stored never changes the answer; the groups only spread the reading."""
    target = min(SHARD_MAX, max(SHARD_MIN, sum(p.size for p in files) // SHARDS))
    out: list[list[Planned]] = []
    size: int | None = 0  # None: the last group is a piece, the next file starts a new one
    for p in files:
        if p.size > target and splittable(p):
            out += [[piece] for piece in pieces(p, target)]
            size = None
            continue
        if not out or size is None or size + p.size > target or len(out[-1]) >= SHARD_FILES:
            out.append([])
            size = 0
        out[-1].append(p)
        size += p.size
    return out


def splittable(p: Planned) -> bool:
    """A JSONL file whose lines can be found from any byte (not compressed), or a
    Parquet file (its row groups)."""
    if p.span is not None:
        return False
    return p.kind == "parquet" or p.kind == "jsonl" and p.path.name.lower().endswith((".jsonl", ".ndjson"))


def pieces(p: Planned, target: int) -> list[Planned]:
    """``p`` in pieces of about ``target`` bytes, read apart, each a shard. A JSONL file:
    consecutive byte ranges, each read as the lines that start in it
    (:func:`dedup.stages.ingest.read.jsonl_lines`), so every line is read once, by one
    piece, and the file's line numbers follow from the pieces' counts. A Parquet file:
    runs of row groups (:func:`dedup.stages.ingest.table.row_group_pieces`), rows
    numbered in the file by each piece; one row group stays whole."""
    if p.kind == "parquet":
        from .table import row_group_pieces

        runs = row_group_pieces(p.path, target)
        return [replace(p, size=n, span=(a, b)) for a, b, n in runs] if runs else [p]
    n = -(-p.size // target)
    cuts = [p.size * k // n for k in range(n + 1)]
    return [replace(p, size=e - s, span=(s, e)) for s, e in zip(cuts, cuts[1:])]


def read_shard(state: None, item: tuple[str, list[Planned], FieldMap]) -> Shard:
    """Read ``files`` into the workspace file ``path`` (``item``: path, files, fields),
    as :func:`dedup.stages.ingest.iter_sourced` reads them."""
    from . import Skip, _Meter, _read_file

    path, files, fields = item
    records = Records(path)
    entries: list[tuple] = []
    problems: list[Problem] = []
    read: list[tuple[int, bool]] = []
    for p in files:
        meter = _Meter([], None)
        stopped = True
        try:
            for s in _read_file(p, problems, fields, meter):
                d = s.doc
                records.append(doc_record(d))
                entries.append((d.id, s.path, s.line, d.source, d.url, d.author))
            stopped = False
        except Skip as skip:
            problems.append(Problem(path=p.label, line=skip.line, message=skip.message))
        except OSError as exc:
            problems.append(Problem(path=p.label, message=f"cannot read: {exc.strerror or exc}"))
        read.append((meter.lines, stopped))
    return Shard(records.handoff(), entries, problems, files, read)


class Pieces:
    """A file read as pieces (:func:`pieces`), put back together as one reading of the
    file gives it: each piece's line numbers moved past the lines of the pieces before
    (a JSONL piece counts its lines; a Parquet piece numbers its rows in the file already
    and counts none); nothing after a piece whose reading stopped (a
    file given up, or an error); and a file whose first piece held no document (so that
    reading it whole might give up on a later line) read again, whole, in ``again``."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}  # a file's lines in the pieces so far
        self.dropped: set[str] = set()
        self.again: list[Planned] = []

    def placed(self, shard: Shard):
        """``shard`` as one reading gives it, or None when it is left out."""
        p = shard.files[0]
        if p.span is None:
            return shard
        (lines, stopped), label = shard.read[0], p.label
        if label in self.dropped:
            return self._drop(shard)
        if not p.span[0]:
            if not shard.entries and not stopped:
                self.dropped.add(label)
                self.again.append(replace(p, span=None))
                return self._drop(shard)
            self.lines[label] = 0
        offset = self.lines[label]
        self.lines[label] = offset + lines
        if stopped:
            self.dropped.add(label)
        if not offset:
            return shard
        return shard._replace(
            entries=[(i, path, line + offset if line is not None else None, *rest)
                     for i, path, line, *rest in shard.entries],
            problems=[q.model_copy(update={"line": q.line + offset}) if q.line is not None else q
                      for q in shard.problems])

    @staticmethod
    def _drop(shard: Shard) -> None:
        shard.records.discard()
        return None
