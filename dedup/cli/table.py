"""The terminal table for ``dedup cluster`` (rich)."""

from __future__ import annotations

import re

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..models import Report

SNIPPETS_PER_CLUSTER = 2
SNIPPET_CHARS = 160
MEMBER_WIDTH = 32


def _snippet(text: str | None, start: int, end: int) -> str:
    if text is None:
        return ""
    s = re.sub(r"\s+", " ", text[start:end]).strip()
    return s if len(s) <= SNIPPET_CHARS else s[: SNIPPET_CHARS - 1] + "\u2026"


def _fit(label: str, cells: int) -> Text:
    text = Text(label)
    text.truncate(cells, overflow="ellipsis")
    return text


def _short_date(date: str | None) -> str:
    return date[:16].replace("T", " ") if date else "-"


def print_table(report: Report, console: Console) -> None:
    """Per cluster (then per template series): members with role, date and coverage,
    then a few shared passages."""
    for c in list(report.clusters) + list(report.templates):
        table = Table(
            title=f"{c.id}  {c.kind}  {c.size} documents  origin {c.origin}",
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        id_width = min(max(len(m.doc_id) for m in c.members), MEMBER_WIDTH)
        table.add_column("member", min_width=id_width, overflow="fold")
        table.add_column("role")
        table.add_column("date")
        table.add_column("cover", justify="right")
        table.add_column("title / source")
        room = max(12, console.width - id_width - 48)
        for m in c.members:
            label = m.title or ""
            if m.source:
                label = f"{label} ({m.source})" if label else m.source
            table.add_row(
                m.doc_id,
                Text(m.role, style="bold" if m.role == "origin" else ""),
                _short_date(m.date),
                f"{m.coverage:.0%}",
                _fit(label, room),
            )
        console.print(table)
        shown = 0
        for link in c.links:
            for p in link.passages:
                if shown >= SNIPPETS_PER_CLUSTER:
                    break
                src = _snippet(report.text_of(link.source), p.source_start, p.source_end)
                console.print(
                    f"  {link.source} [{p.source_start}:{p.source_end}] -> "
                    f"{link.target} [{p.target_start}:{p.target_end}]  score {p.score:.2f}",
                    highlight=False,
                    soft_wrap=True,
                )
                room = max(20, console.width - 8)
                if len(src) > room:
                    src = src[: room - 1] + "\u2026"
                console.print(Text(f"    \u201c{src}\u201d", style="dim"), soft_wrap=True)
                shown += 1
        console.print()
    alone = sum(1 for d in report.documents if d.cluster is None)
    console.print(
        f"{len(report.documents)} documents, {len(report.clusters)} clusters, "
        f"{alone} alone, {len(report.problems)} skipped"
        + (f", {len(report.templates)} template series" if report.templates else ""),
        highlight=False,
    )
