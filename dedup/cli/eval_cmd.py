"""``dedup eval REPORT.json --truth TRUTH``: score a report against known clusters (and
passages); see :mod:`dedup.evaluate` for the truth formats."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer
from rich.table import Table

from ..errors import InputError
from .common import StdoutConsole
from .lazy import lazy
from .show import load_report

evaluate = lazy("dedup.evaluate", "evaluate")
load_truth = lazy("dedup.evaluate", "load_truth")


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


def eval_cmd(
    report_path: str = typer.Argument(..., metavar="REPORT.json", help="A report from `dedup cluster -f json`."),
    truth_path: str = typer.Option(..., "--truth", "-t", help="{doc: label}, {clusters, passages} or truth.jsonl."),
    fmt: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f", help="Output format."),
) -> int:
    """ARI, pairwise precision/recall/F1 and (when the truth has passages) character P/R/F1."""
    from ..stages.ingest.files import refuse_empty

    refuse_empty([report_path, truth_path])  # as a Path, "" is "."
    report_path, truth_path = Path(report_path), Path(truth_path)
    truth = load_truth(truth_path)
    report = load_report(report_path)
    docs = {d.doc_id for d in report.documents}
    if docs and not docs.intersection(truth.labels):  # every score would be 1.0 of nothing
        raise InputError(f"names none of the report's {len(docs)} documents (the truth of another corpus?)",
                         str(truth_path))
    chars = {d.doc_id: d.chars for d in report.documents}
    for (a, b), spans in sorted(truth.pairs.items()):  # a span past its text's end scores characters that are not there
        for doc, side in ((a, spans[0]), (b, spans[1])):
            end = max((e for _, e in side), default=0)
            if doc in chars and end > chars[doc]:
                raise InputError(f"a span of {doc!r} ends at {end}, past its {chars[doc]} characters "
                                 "(the truth of another corpus?)", str(truth_path))
    scores = {k: round(v, 6) for k, v in evaluate(report.model_dump(), truth).items()}
    if fmt is EvalFormat.json:
        print(json.dumps(scores))
        return 0
    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in scores.items():
        table.add_row(k, f"{v:.4f}")
    StdoutConsole(highlight=False).print(table)
    return 0
