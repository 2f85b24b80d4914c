"""Report: the machine-readable forms of a :class:`Report` (JSON, JSONL, CSV).

Formatting only; nothing here computes. Every form is deterministic: the same report
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from pydantic_core import to_json as _to_json

from .models import Report

FORMATS = ("table", "json", "jsonl", "csv")
CSV_FIELDS = ("cluster", "kind", "doc_id", "role", "origin", "date", "source", "title", "coverage")


def to_json(report: Report) -> str:
    """The whole report, pretty-printed (the documented format)."""
    return "".join(iter_json(report))


def _indented(text: str, pad: str) -> str:
    return pad + text.replace("\n", "\n" + pad)


def iter_json(report: Report) -> Iterator[str]:
    """:func:`to_json` piece by piece (the same bytes as ``model_dump_json(indent=2)``),
    so that a report of millions of documents is never one string in memory."""
    yield "{\n"
    fields = [(name, getattr(report, name)) for name in Report.model_fields]
    for n, (name, value) in enumerate(fields):
        end = ",\n" if n < len(fields) - 1 else "\n"
        if isinstance(value, list) and value:
            yield f'  "{name}": [\n'
            for i, item in enumerate(value):
                yield _indented(item.model_dump_json(indent=2), "    ") + (",\n" if i < len(value) - 1 else "\n")
            yield "  ]" + end
        else:
            body = _to_json(value, indent=2).decode("utf-8")
            yield f'  "{name}": ' + body.replace("\n", "\n  ") + end
    yield "}\n"


def to_jsonl(report: Report) -> str:
    """One cluster per line, compact."""
    return "".join(
        json.dumps(c.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")) + "\n"
        for c in report.clusters
    )


def to_csv(report: Report) -> str:
    """One row per cluster member."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in report.clusters:
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
    return buf.getvalue()


def render(report: Report, fmt: str) -> Iterator[str]:
    """The report in ``fmt``, as pieces of text to write in order."""
    if fmt == "json":
        return iter_json(report)
    if fmt == "jsonl":
        return iter([to_jsonl(report)])
    if fmt == "csv":
        return iter([to_csv(report)])
    raise ValueError(f"unknown format {fmt!r}; expected one of json, jsonl, csv")
