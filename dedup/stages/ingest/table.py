"""Reading tables of records: CSV and TSV (plain or .gz) with the standard ``csv``
module, Parquet with pyarrow in batches; both streamed. Columns are named by a
:class:`~dedup.models.FieldMap`; the record number is the CSV line (the header is line
1) or the Parquet row (from 1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from .read import MAX_DOCUMENT_BYTES, STREAM_ERRORS, Skip, open_stream
from ...models import FieldMap

BATCH = 1024  # Parquet rows per batch: memory stays at one batch of the columns read


def _missing(fields: FieldMap, names) -> str | None:
    lacking = [getattr(fields, f) for f in ("id", "text") if getattr(fields, f) not in names]
    if not lacking:
        return None
    shown = ", ".join(list(names)[:8]) + (", ..." if len(names) > 8 else "")
    return (f"no column {' or '.join(repr(c) for c in lacking)} (columns: {shown}); "
            "name them with --id-field/--text-field (FieldMap in the library)")


def csv_records(path: Path, fields: FieldMap, at: Callable[[int], None]) -> Iterator[tuple[int, dict | Skip]]:
    """(line, record) of each row of a CSV (comma) or TSV (tab) file with a header row.

    An empty cell of an optional field is no value. A damaged row is a :class:`Skip`."""
    csv.field_size_limit(MAX_DOCUMENT_BYTES)  # a longer cell is a reported row, not a document
    delimiter = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz")) else ","
    stream, raw = open_stream(path)
    with raw, stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.DictReader(text, delimiter=delimiter)
        try:
            names = reader.fieldnames or []
            why = _missing(fields, names)
            if why:
                raise Skip(why, 1)
            pairs = [(f, c) for f, c in fields if c in names]
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield reader.line_num, Skip(f"bad CSV row: {exc}")
                    continue
                yield reader.line_num, {f: row[c] for f, c in pairs if row.get(c) or f in ("id", "text")}
                at(raw.tell())
        except UnicodeDecodeError as exc:
            raise Skip(f"not UTF-8 after line {reader.line_num} (byte {exc.start} of a block); CSV/TSV must be "
                       "UTF-8", reader.line_num) from None
        except STREAM_ERRORS as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise
            raise Skip(f"corrupt or not gzip data after line {reader.line_num}: {exc}") from None


def _value(v):
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return v


def parquet_records(path: Path, fields: FieldMap, at: Callable[[int], None]) -> Iterator[tuple[int, dict | Skip]]:
    """(row, record) of each row of a Parquet file, read in batches of the mapped columns only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise Skip(f"not a readable Parquet file: {exc}") from None
    why = _missing(fields, names)
    if why:
        raise Skip(why)
    pairs = [(f, c) for f, c in fields if c in names]
    row, size, rows = 0, path.stat().st_size, max(1, pf.metadata.num_rows)
    try:
        for batch in pf.iter_batches(batch_size=BATCH, columns=[c for _, c in pairs]):
            cols = [batch.column(c).to_pylist() for _, c in pairs]
            for values in zip(*cols):
                row += 1
                yield row, {f: _value(v) for (f, _), v in zip(pairs, values) if v is not None or f in ("id", "text")}
            at(size * row // rows)  # bytes in proportion to rows: a batch's columns are read together
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise Skip(f"damaged Parquet data after row {row}: {exc}") from None
