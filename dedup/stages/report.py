"""Report: the machine-readable forms of a :class:`Report` (JSON, JSONL, CSV; HTML in
:mod:`dedup.stages.report_html`).

Formatting only; nothing here computes. Every form is deterministic: the same report
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from pydantic_core import to_json as _to_json

from ..models import Report

FORMATS = ("table", "json", "jsonl", "csv", "html")
CSV_FIELDS = ("cluster", "kind", "doc_id", "role", "origin", "date", "source", "title", "coverage")


def _fields(report) -> dict:
    """A :class:`Report`'s fields, or a :class:`dedup.pipeline.Outcome`'s (lists as iterators)."""
    if isinstance(report, Report):
        return {name: getattr(report, name) for name in Report.model_fields}
    return report.fields()


def to_json(report) -> str:
    """The whole report, pretty-printed (the documented format)."""
    return "".join(iter_json(report))


def _indented(text: str, pad: str) -> str:
    return pad + text.replace("\n", "\n" + pad)


def _item_json(item) -> str:
    return _indented(item.model_dump_json(indent=2), "    ")


def _dumped(report, name: str, value, dump) -> Iterator[str]:
    """The items of a report's list field as ``dump`` makes them: a run's clusters and
    documents are built and dumped on its engine's workers (:meth:`dedup.pipeline.Outcome.dumped`)."""
    if name in ("clusters", "templates", "documents") and hasattr(report, "dumped"):
        return report.dumped(name, dump)
    return map(dump, value)


def iter_json(report) -> Iterator[str]:
    """:func:`to_json` piece by piece (the same bytes as ``model_dump_json(indent=2)``),
    so that a report of millions of documents is never one string in memory."""
    yield "{\n"
    fields = list(_fields(report).items())
    for n, (name, value) in enumerate(fields):
        end = ",\n" if n < len(fields) - 1 else "\n"
        if isinstance(value, dict):
            body = _to_json(value, indent=2).decode("utf-8")
            yield f'  "{name}": ' + body.replace("\n", "\n  ") + end
            continue
        first = True
        for text in _dumped(report, name, value, _item_json):
            yield (f'  "{name}": [\n' if first else ",\n") + text
            first = False
        yield (f'  "{name}": []' if first else "\n  ]") + end
    yield "}\n"


# Characters str.splitlines() (and JavaScript before ES2019) end a line at, which JSON
# leaves raw in strings: in a JSON line they are escaped, so one line is one record.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def line_safe(text: str) -> str:
    """JSON text with the line breaks JSON leaves raw escaped (:data:`_LINE_BREAKS`)."""
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        return text.translate(_LINE_BREAKS)
    return text


def _jsonl_line(cluster) -> str:
    return line_safe(json.dumps(cluster.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))) + "\n"


def iter_jsonl(report) -> Iterator[str]:
    """One cluster per line, compact; template series follow the clusters."""
    fields = _fields(report)
    for name in ("clusters", "templates"):
        yield from _dumped(report, name, fields.get(name, ()), _jsonl_line)


def to_jsonl(report) -> str:
    return "".join(iter_jsonl(report))


# A cell a spreadsheet would read as a formula (=, +, -, @; tab and CR before one):
# a title "=HYPERLINK(...)" ran when the CSV was opened (OWASP's CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text for a CSV cell, a leading formula character behind a ``'`` (shown, not run)."""
    return "'" + text if text.startswith(_FORMULA) else text


def _csv_rows(cluster) -> str:
    """A cluster's members as CSV rows."""
    buf, rows = io.StringIO(), []
    # The csv module quotes the characters of its line terminator: "\r\n", so that a lone
    # "\r" (a line's end to CSV readers) is quoted too; each row then ends in "\n".
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    for m in cluster.members:
        buf.seek(0)
        buf.truncate()
        writer.writerow(
            {
                "cluster": cluster.id,
                "kind": cluster.kind,
                "doc_id": _cell(m.doc_id),
                "role": m.role,
                "origin": _cell(cluster.origin),
                "date": _cell(m.date or ""),
                "source": _cell(m.source or ""),
                "title": _cell(m.title or ""),
                "coverage": f"{m.coverage:.4f}",
            }
        )
        rows.append(buf.getvalue()[:-2] + "\n")
    return "".join(rows)


def iter_csv(report) -> Iterator[str]:
    """One row per cluster member (template series' members after the clusters')."""
    yield ",".join(CSV_FIELDS) + "\n"
    fields = _fields(report)
    for name in ("clusters", "templates"):
        yield from _dumped(report, name, fields.get(name, ()), _csv_rows)


def to_csv(report) -> str:
    return "".join(iter_csv(report))


def render(report, fmt: str) -> Iterator[str]:
    """``report`` (a :class:`Report`, or a run's ``Outcome``) in ``fmt``, as pieces of
    text to write in order."""
    if fmt == "json":
        return iter_json(report)
    if fmt == "jsonl":
        return iter_jsonl(report)
    if fmt == "csv":
        return iter_csv(report)
    if fmt == "html":
        from .report_html import iter_html

        return iter_html(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of json, jsonl, csv, html")
