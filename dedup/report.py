"""Report: the machine-readable forms of a :class:`Report` (JSON, JSONL, CSV).

Formatting only; nothing here computes. Every form is deterministic: the same report
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json

from .models import Report

FORMATS = ("table", "json", "jsonl", "csv")
CSV_FIELDS = ("cluster", "kind", "doc_id", "role", "origin", "date", "source", "title", "coverage")


def to_json(report: Report) -> str:
    """The whole report, pretty-printed (the documented format)."""
    return report.model_dump_json(indent=2) + "\n"


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


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "jsonl":
        return to_jsonl(report)
    if fmt == "csv":
        return to_csv(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of json, jsonl, csv")
