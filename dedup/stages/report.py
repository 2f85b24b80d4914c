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
        for item in value:
            yield (f'  "{name}": [\n' if first else ",\n") + _indented(item.model_dump_json(indent=2), "    ")
            first = False
        yield (f'  "{name}": []' if first else "\n  ]") + end
    yield "}\n"


def _groups(report) -> Iterator:
    """The copy clusters, then the template series (``kind`` ``template``, ids ``t1``...)."""
    fields = _fields(report)
    yield from fields["clusters"]
    yield from fields.get("templates", ())


def iter_jsonl(report) -> Iterator[str]:
    """One cluster per line, compact; template series follow the clusters."""
    for c in _groups(report):
        yield json.dumps(c.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")) + "\n"


def to_jsonl(report) -> str:
    return "".join(iter_jsonl(report))


def iter_csv(report) -> Iterator[str]:
    """One row per cluster member (template series' members after the clusters')."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in _groups(report):
        for m in c.members:
            writer.writerow(
                {
                    "cluster": c.id,
                    "kind": c.kind,
                    "doc_id": m.doc_id,
                    "role": m.role,
                    "origin": c.origin,
                    "date": m.date or "",
                    "source": m.source or "",
                    "title": m.title or "",
                    "coverage": f"{m.coverage:.4f}",
                }
            )
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


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
