"""``dedup compare A B``: two texts side by side, passages aligned, differences marked.

``A`` and ``B`` are two text files; with ``--corpus PATH`` they are two document ids of
that corpus (any input ``dedup cluster`` reads).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.console import Console, Group
from rich.text import Text

from ..errors import InputError
from .common import with_fields, write_output
from .lazy import lazy
from .show import KIND_STYLE, passage_table

if TYPE_CHECKING:
    from ..models import Document

iter_corpus = lazy("dedup.stages.ingest", "iter_corpus")
compare = lazy("dedup.pipeline", "compare")
comparison_html = lazy("dedup.stages.report_html", "comparison_html")


class CompareFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


def _one_file(path: Path, fields) -> Document:
    problems: list = []
    docs = list(iter_corpus([str(path)], problems, fields))
    if problems:
        raise InputError(str(problems[0]))
    if len(docs) != 1:
        raise InputError(f"holds {len(docs)} documents, not one (to compare two of a corpus: "
                         "dedup compare ID_A ID_B --corpus PATH)", str(path))
    return docs[0]


def _from_corpus(corpus: List[Path], ids: tuple[str, str], fields) -> tuple[Document, Document]:
    problems: list = []
    found = {d.id: d for d in iter_corpus([str(p) for p in corpus], problems, fields) if d.id in ids}
    for doc_id in ids:
        if doc_id not in found:
            raise InputError(f"no document {doc_id!r} in {', '.join(map(str, corpus))}")
    return found[ids[0]], found[ids[1]]


@with_fields
def compare_cmd(
    a: str = typer.Argument(..., help="A text file (or, with --corpus, a document id)."),
    b: str = typer.Argument(..., help="Another text file (or document id)."),
    corpus: Optional[List[Path]] = typer.Option(None, "--corpus", "-c", help="Read A and B as ids of this corpus."),
    fmt: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here, not to stdout."),
    fields=None,  # the --*-field flags, added by with_fields
) -> int:
    """Align two texts on their own: passages side by side, word differences marked."""
    da, db = (_from_corpus(corpus, (a, b), fields) if corpus
              else (_one_file(Path(a), fields), _one_file(Path(b), fields)))
    name_a, name_b = (a, b) if a != b else (a, b + " (2)")
    result = compare(da, db)
    if fmt is CompareFormat.json:
        data = [json.dumps({"a": name_a, "b": name_b, **result.model_dump(mode="json")}, indent=2,
                           ensure_ascii=False) + "\n"]
    elif fmt is CompareFormat.html:
        data = comparison_html(result, name_a, name_b, da.text, db.text)
    else:
        width = None if output is None else 160
        console = Console(highlight=False, record=output is not None, width=width,
                          file=None if output is None else open("/dev/null", "w"))
        head = Text()
        head.append(result.kind or "unrelated", style=KIND_STYLE.get(result.kind or "", "bold"))
        head.append(f"  score {result.score}  covers {result.coverage_source:.0%} of {name_a}, "
                    f"{result.coverage_target:.0%} of {name_b}  {len(result.passages)} passage(s)")
        console.print(Group(head, *(passage_table(p, name_a, name_b, da.text, db.text) for p in result.passages)))
        if output is None:
            return 0
        data = [console.export_text()]
    if output is None:
        sys.stdout.writelines(data)
        return 0
    write_output(output, data)  # raises OutputError (exit 4)
    return 0
