"""Reading tables of records: CSV and TSV (plain or .gz) with the standard ``csv``
module, Parquet with pyarrow in batches; both streamed. Columns are named by a
:class:`~dedup.models.FieldMap`; the record number is the CSV line where the record
starts (the header is line 1) or the Parquet row (from 1)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from .read import _CHUNK, _MIB, MAX_DOCUMENT_BYTES, STREAM_ERRORS, Skip, damage, open_stream
from ...models import FieldMap

BATCH = 1024  # Parquet rows per batch: memory stays at one batch of the columns read

_EOL = re.compile(rb"\r\n?|\n")  # where csv.reader ends a physical line (newline="")
_WIDE = (codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32-LE starts as UTF-16-LE


def _missing(fields: FieldMap, names) -> str | None:
    lacking = [getattr(fields, f) for f in ("id", "text") if getattr(fields, f) not in names]
    if not lacking:
        return None
    shown = ", ".join(list(names)[:8]) + (", ..." if len(names) > 8 else "")
    return (f"no column {' or '.join(repr(c) for c in lacking)} (columns: {shown}); "
            "name them with --id-field/--text-field (FieldMap in the library)")


def _unusable(fields: FieldMap, names, where: str) -> str | None:
    """Why a table's columns cannot be read: id/text missing, or a column read named twice
    (which of them holds the field is anyone's guess; other columns may repeat)."""
    why = _missing(fields, names)
    if why:
        return why
    counts = Counter(names)
    repeated = next((c for _, c in fields if counts[c] > 1), None)
    if repeated is not None:
        return f"column {repeated!r} appears {counts[repeated]} times in the {where}; not read"
    return None


class _Cut(Exception):
    """The record being read went over the size cap; its lines have been read past."""


_UNCLOSED = ("bad CSV row: the file ends inside a quoted cell of it (a '\"' never closed); this row and the "
             "lines after it are not read")
_LONG = object()  # what _Lines._take gives for a line over the cap (left unread)
# The states of the csv module's parser (strict, doubled quotes) that decide where a record
# ends: start of a field, in an unquoted field, in a quoted one, a quote in a quoted one.
_S, _U, _Q, _QQ, _E = range(5)  # _E: an error (more after a closing quote), the record ends with its line


class _Lines:
    """The physical lines of a CSV/TSV stream, decoded, for ``csv.reader``.

    A record is never held past :data:`MAX_DOCUMENT_BYTES`: at the line that takes it
    over, the rest of the record is read past by following the parser's states alone
    (a chunk at a time for a line over the cap) and :class:`_Cut` is raised, so that the
    reader goes on at the next record, not inside a long quoted cell."""

    def __init__(self, stream, delimiter: str, kind: str):
        self._stream, self._tail, self._pieces, self._eof = stream, b"", [], False
        self._delim = delimiter.encode()
        self.line = 0  # physical lines read
        self.begin()
        head = stream.read(4)
        if head.startswith(_WIDE):
            raise Skip(f"{kind} must be UTF-8; this file is UTF-16 or UTF-32")
        self._tail = head[len(codecs.BOM_UTF8):] if head.startswith(codecs.BOM_UTF8) else head

    def begin(self) -> None:
        """The next line starts a record."""
        self.start, self.size, self._record = self.line + 1, 0, []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._take()
        if line is None:
            raise StopIteration
        self.line += 1
        if line is not _LONG:
            self.size += len(line)
            if self.size <= MAX_DOCUMENT_BYTES:
                self._record.append(line)
                try:
                    return line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise Skip(f"not UTF-8 at line {self.line} (byte {exc.start} of the line); "
                               "CSV/TSV must be UTF-8", self.line) from None
        self._skip_record(line)
        raise _Cut

    def ends_quoted(self) -> bool:
        """Whether the stream ended inside a quoted cell of the record just read (the csv
        module then returns it, every line after the unclosed quote in that one cell)."""
        if not self._eof or self._pieces or self._tail:
            return False
        state = _S
        for line in self._record:
            state = self._follow(state, line)
        return state == _Q

    def _skip_record(self, line) -> None:
        """Read past the rest of the record that ``line`` (or the _LONG line) took over the cap."""
        state = _S
        for before in self._record:
            state = self._follow(state, before)
        while True:
            state = self._drain(state) if line is _LONG else self._follow(state, line)
            if state != _Q:  # only a quoted field goes on past a line's end
                return
            line = self._take()
            if line is None:
                return
            self.line += 1

    def _follow(self, state: int, data: bytes) -> int:
        """The parser's state after ``data`` (a line, or part of one) from ``state``; in a
        quoted field it jumps from quote to quote, so that a long cell takes few steps."""
        data = data.rstrip(b"\r\n")  # a line's end: the caller knows
        delim, opening = self._delim, self._delim + b'"'
        pos, end = 0, len(data)
        while pos < end and state != _E:
            if state == _Q:
                pos = data.find(b'"', pos) + 1
                if not pos:
                    return _Q
                state = _QQ
            elif state == _U:  # only a delimiter then a quote opens a quoted field
                pos = data.find(opening, pos) + 2
                if pos == 1:
                    return _S if data.endswith(delim) else _U
                state = _Q
            else:  # at a field's start, or after a quote in a quoted field: the next byte decides
                c = data[pos]
                pos += 1
                if state == _QQ and c != 34 and c != delim[0]:
                    return _E  # more after a closing quote: the (strict) parser's error ends the record at this line
                state = _Q if c == 34 else _S if c == delim[0] else _U
        return state

    def _take(self):
        """The next line's bytes; None at the end; _LONG for a line over the cap, left in ``_tail``."""
        while not self._pieces:
            if len(self._tail) > MAX_DOCUMENT_BYTES:
                return _LONG
            if self._eof:
                return None
            chunk = self._stream.read(_CHUNK)
            self._eof = not chunk
            # bytes.splitlines ends lines where csv.reader does under newline="": \r\n, \r, \n
            self._pieces = (self._tail + chunk).splitlines(keepends=True)
            # the last piece may go on in the next chunk (a "\r" too: "\r\n" split in two)
            self._tail = self._pieces.pop() if self._pieces and not self._eof and self._pieces[-1][-1] != 10 else b""
            self._pieces.reverse()
        return self._pieces.pop()

    def _drain(self, state: int) -> int:
        """Read the line over the cap in ``_tail`` to its end, a chunk at a time; the state there."""
        data, self._tail = self._tail, b""
        while True:
            m = _EOL.search(data)
            if m:
                state, rest = self._follow(state, data[:m.start()]), data[m.end():]
                if m[0] == b"\r" and not rest:  # "\r\n" split across chunks
                    rest = self._stream.read(_CHUNK)
                    self._eof = not rest
                    rest = rest[1:] if rest.startswith(b"\n") else rest
                self._tail = rest
                return state
            state = self._follow(state, data)
            data = self._stream.read(_CHUNK)
            if not data:
                self._eof = True
                return state


def csv_records(path: Path, fields: FieldMap, at: Callable[[int], None]) -> Iterator[tuple[int, dict | Skip]]:
    """(line, record) of each row of a CSV (comma) or TSV (tab) file with a header row.

    An empty cell of an optional field is no value. A damaged row, or one over the size
    cap, is a :class:`Skip` at the line where it starts."""
    csv.field_size_limit(MAX_DOCUMENT_BYTES)  # not reached: :class:`_Lines` cuts a record first
    tsv = path.name.lower().endswith((".tsv", ".tsv.gz"))
    stream, raw = open_stream(path)
    lines = None
    with raw, stream:
        try:
            lines = _Lines(stream, "\t" if tsv else ",", "TSV" if tsv else "CSV")
            # strict: a quote that closes a cell with more after it is an error, not a cell
            # the parser mends quietly (an unclosed quote then swallows the rows after it)
            reader = csv.reader(lines, delimiter="\t" if tsv else ",", strict=True)
            try:
                names = next(reader, [])
            except csv.Error as exc:
                raise Skip(f"bad CSV header: {exc}", 1) from None
            except _Cut:
                raise Skip(f"header longer than {_MIB} MiB", 1) from None
            why = _unusable(fields, names, "header")
            if why:
                raise Skip(why, 1)
            pairs = [(f, names.index(c)) for f, c in fields if c in names]
            while True:
                lines.begin()
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    # a quoted cell that runs over line ends took the rows of those lines with it
                    over = f" (the record runs to line {lines.line})" if lines.line > lines.start else ""
                    yield lines.start, Skip(_UNCLOSED if lines.ends_quoted() else f"bad CSV row{over}: {exc}")
                    continue
                except _Cut:
                    yield lines.start, Skip(f"row longer than {_MIB} MiB, the most one document may hold")
                    continue
                if row:  # a blank line is no row (the end inside a quote is a csv.Error, strict)
                    cells = [(f, row[i] if i < len(row) else None) for f, i in pairs]
                    yield lines.start, {f: v for f, v in cells if v or f in ("id", "text")}
                at(raw.tell())
        except STREAM_ERRORS as exc:
            raise damage(exc, lines.line if lines else 0, raw) from None


def _value(v):
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return v


def parquet_records(path: Path, fields: FieldMap, at: Callable[[int], None],
                    span: tuple[int, int] | None = None) -> Iterator[tuple[int, dict | Skip]]:
    """(row, record) of each row of a Parquet file, read in batches of the mapped columns
    only; ``span``: its row groups ``start:end`` alone (rows still numbered in the file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise Skip(f"not a readable Parquet file: {exc}") from None
    why = _unusable(fields, names, "schema")
    if why:
        raise Skip(why)
    pairs = [(f, c) for f, c in fields if c in names]
    columns = list(dict.fromkeys(c for _, c in pairs))  # one column may hold two fields (--title-field text)
    row, size, rows = 0, path.stat().st_size, max(1, pf.metadata.num_rows)
    groups = None
    if span is not None:
        groups = list(range(*span))
        row = sum(pf.metadata.row_group(k).num_rows for k in range(span[0]))
    try:
        for batch in pf.iter_batches(batch_size=BATCH, columns=columns, row_groups=groups):
            values_of = {c: batch.column(c).to_pylist() for c in columns}
            for values in zip(*(values_of[c] for _, c in pairs)):
                row += 1
                yield row, {f: _value(v) for (f, _), v in zip(pairs, values) if v is not None or f in ("id", "text")}
            at(size * row // rows)  # bytes in proportion to rows: a batch's columns are read together
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise Skip(f"damaged Parquet data after row {row}: {exc}") from None


def row_group_pieces(path: Path, target: int) -> list[tuple[int, int, int]] | None:
    """A Parquet file's row groups in consecutive runs of about ``target`` bytes (as
    stored): ``(first, end, bytes)`` each; None when it has one row group or its footer
    cannot be read (the file is then read whole, and any damage reported there)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as pf:
            meta = pf.metadata
        sizes = [sum(meta.row_group(k).column(c).total_compressed_size for c in range(meta.num_columns))
                 for k in range(meta.num_row_groups)]
    except (pa.ArrowException, OSError):
        return None
    out: list[list[int]] = []
    for k, n in enumerate(sizes):
        if not out or out[-1][2] + n > target:
            out.append([k, k, 0])
        out[-1][1], out[-1][2] = k + 1, out[-1][2] + n
    return [tuple(x) for x in out] if len(out) > 1 else None
