"""Input files read on an engine's workers, each group of files into a workspace file of
its own (a shard), so that the texts never pass through the process that runs the stages.

The documents, their places and the problems are those of reading the files in one
process (:func:`dedup.stages.ingest.iter_sourced`); only where the texts are stored
differs. Text, JSONL (not standard input), CSV/TSV and Parquet files are read this way;
the pages of HTML files and web archives are extracted on the engine already. A plain
JSONL file larger than a shard is read as pieces of lines, a Parquet file as runs of its
row groups, one a shard (a corpus is often one large file): 34.0 s -> 18.9 s for a
million articles' 2 GB of JSONL on 2 workers (benchmarks/RESULTS.md). A compressed
(.gz, .zst) JSONL file cannot be cut where it lies: the process that plans the shards
decompresses it into pieces in the workspace while the workers read the pieces before
(:func:`inflated`): 46 s -> 24 s (.gz), 36 s -> 18 s (.zst) for the same million. As one
reading keeps its file open, the pieces of a file read where it lies share one
descriptor the driver opened (:func:`hold`), so a file removed mid-run is still read whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from .files import Planned
from ...models import Document, FieldMap, Problem
from ...storage.spill import Records

KINDS = ("text", "jsonl", "table", "parquet")
SHARDS = 8  # shards a corpus is cut into, unless that makes them smaller or larger than:
SHARD_MIN = 2**20  # bytes: below this a shard costs more than reading it here
SHARD_MAX = 64 * 2**20  # bytes (a larger file is a shard of its own)
SHARD_FILES = 256  # files per shard at the most (one text file is one document)
_FLUSH = 2**20  # bytes of a decompressed piece held before they are written


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
        if p.size > target and inflatable(p):
            out.append([replace(p, cut=target)])  # pieces made as the shards are read (shard_items)
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


def inflatable(p: Planned) -> bool:
    """A compressed JSONL file (read in pieces decompressed by the driver, :func:`inflated`)."""
    return p.span is None and not p.cut and p.kind == "jsonl" and p.path.name.lower().endswith((".gz", ".zst"))


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


def hold(todo: list[list[Planned]], engine, held: list[int]) -> list[list[Planned]]:
    """``todo`` with each file read in pieces opened here once (its descriptor appended
    to ``held``, closed by the caller) and its pieces reading it through that descriptor
    (``/proc/self/fd/N``), as one reading keeps the file open: a file deleted or replaced
    after planning is still read whole. Only where the workers are this process or its
    forks (they inherit the descriptor) and ``/proc`` names them; elsewhere by path."""
    if getattr(engine, "name", None) not in ("local", "inline") or not os.path.isdir("/proc/self/fd"):
        return todo
    from .read import Skip, open_regular

    opened: dict[Path, Path] = {}
    out = []
    for g in todo:
        p = g[0]
        if len(g) == 1 and p.span is not None and not p.copy:
            if p.path not in opened:
                try:
                    fh = open_regular(p.path)
                except (OSError, Skip):  # gone, or no longer a regular file: the pieces report it
                    opened[p.path] = p.path
                else:
                    held.append(os.dup(fh.fileno()))
                    fh.close()
                    opened[p.path] = Path(f"/proc/self/fd/{held[-1]}")
            g = [replace(p, path=opened[p.path])]
        out.append(g)
    return out


def shard_items(todo: list[list[Planned]], shards: Callable[[int], str], fields: FieldMap) -> Iterator[tuple]:
    """The items of :func:`read_shard` for the groups ``todo`` (:func:`groups`): the k-th
    shard's path ``shards(k)``; a compressed file's pieces are decompressed here as the
    items are taken (:func:`inflated`), so the workers read while the next is made."""
    k = 0
    for g in todo:
        if not g[0].cut:
            yield shards(k), g, fields, None
            k += 1
            continue
        first = k
        for piece, error in inflated(g[0], lambda j: f"{shards(first + j)}.jsonl", fields):
            yield shards(k), [piece], fields, error
            k += 1


def read_shard(state: None, item: tuple[str, list[Planned], FieldMap, Exception | None]) -> Shard:
    """Read ``files`` into the workspace file ``path`` (``item``: path, files, fields, and
    the error that ended the reading after the last file's lines, :func:`inflated`),
    as :func:`dedup.stages.ingest.iter_sourced` reads them."""
    from . import Skip, _Meter, _read_file

    path, files, fields, error = item
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
            if error is not None:
                raise error
            stopped = False
        except Skip as skip:
            problems.append(Problem(path=p.label, line=skip.line, message=skip.message))
        except OSError as exc:
            problems.append(Problem(path=p.label, message=f"cannot read: {exc.strerror or exc}"))
        finally:
            if p.copy is not None:
                _remove(p.copy)
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
                self.again.append(replace(p, span=None, cut=0, copy=None))
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


def _remove(path) -> None:
    try:
        os.unlink(path)
    except OSError:  # gone already; the workspace's removal takes what is left
        pass


def inflated(p: Planned, where: Callable[[int], str], fields: FieldMap) -> Iterator[tuple[Planned, Exception | None]]:
    """A compressed JSONL file in pieces: its data decompressed here, in order, into
    workspace files (``where(k)``, the k-th) of about ``p.cut`` bytes that end at a line's
    end, each a piece a worker reads as a plain file (``Planned.copy``; ``span``: its
    bytes of the decompressed data; ``size``: the compressed bytes it came from, for
    progress). The lines are read as :func:`~dedup.stages.ingest.read.jsonl_lines` reads
    them (the same calls), so a damaged stream breaks after the same line; the error goes
    with the last piece, raised after its lines. An over-long line is read past and copied
    as its first bytes only. A file with no document under ``fields`` before one reading
    would give up (no record in its first lines, or records under other names) is not
    decompressed further: it is one piece, read whole by a worker."""
    from .read import STREAM_ERRORS, RawLines, damage, open_stream, over_long

    whole = replace(p, cut=0)
    first = _first_document(whole, fields)
    if first is None:
        yield whole, None  # read whole by a worker, which gives up (or reports it) as one reading does
        return
    try:
        stream, raw = open_stream(p.path)
    except OSError:
        yield whole, None
        return
    k = data_at = raw_at = 0  # pieces made; decompressed, compressed bytes before
    lines = RawLines(stream)
    each = iter(lines)
    ends = False
    with raw, stream:
        while not ends:
            out, size, flushed, error = Records(where(k)), 0, 0, None
            try:
                # the first piece holds the first document, so that it is never read again
                while size < p.cut or lines.count < first:
                    got = next(each, None)
                    if got is None:
                        ends = True
                        break
                    # an over-long line's first bytes and a line end: the worker skips it as one reading does
                    line = got[0] + b"\n" if over_long(got[0]) else got[0]
                    out.append(line)
                    size += len(line)
                    if size - flushed >= _FLUSH:  # (Records flushes by count; lines may be megabytes)
                        out.flush()
                        flushed = size
                if not ends and not stream.peek(1):  # the end: this piece is the last, not an empty one after it
                    ends = True
            except STREAM_ERRORS as exc:  # the line it broke in is left out, as one reading leaves it
                error, ends = damage(exc, lines.count, raw), True
            except BaseException:
                out.discard()
                raise
            try:
                out.flush()
            except BaseException:
                out.discard()
                raise
            out.close()
            at = p.size if ends else min(p.size, max(raw_at, raw.tell()))
            yield replace(p, size=at - raw_at, span=(data_at, data_at + size), cut=0, copy=Path(out.path)), error
            k, data_at, raw_at = k + 1, data_at + size, at


def _first_document(p: Planned, fields: FieldMap) -> int | None:
    """The line of the first document one reading of ``p`` yields, None when it stops
    before one (its first lines all bad, damage, an unreadable file): read here only as
    far as that line."""
    from . import Skip, _Meter, _read_file

    try:
        found = next(_read_file(p, [], fields, _Meter([], None)), None)
    except (Skip, OSError):
        return None
    return None if found is None else found.line
