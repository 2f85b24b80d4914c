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
from .common import console_width, warn, with_fields
from .output import check_output_option, dash_is_stdout, write_output
from .lazy import lazy
from .show import KIND_STYLE, clean, passage_table

if TYPE_CHECKING:
    from ..models import Document

iter_corpus = lazy("dedup.stages.ingest", "iter_corpus")
printable = lazy("dedup.stages.ingest.files", "printable")
compare = lazy("dedup.pairwise", "compare")
comparison_html = lazy("dedup.stages.report_html", "comparison_html")


class CompareFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


def _one_file(path: Path, fields) -> tuple[Document, list]:
    """The one document of a file, and its notes (read, with a change the user should
    know of: a guessed encoding, a file name that is not UTF-8); a skip refuses it."""
    problems: list = []
    docs = list(iter_corpus([str(path)], problems, fields))
    skipped = [p for p in problems if p.skipped]
    if skipped:
        raise InputError(str(skipped[0]))
    if len(docs) != 1:
        raise InputError(f"holds {len(docs)} documents, not one (to compare two of a corpus: "
                         "dedup compare ID_A ID_B --corpus PATH)", str(path))
    return docs[0], problems


def _from_corpus(corpus: List[Path], ids: tuple[str, str], fields) -> tuple[Document, Document]:
    problems: list = []
    found = {d.id: d for d in iter_corpus([str(p) for p in corpus], problems, fields) if d.id in ids}
    for doc_id in ids:
        if doc_id not in found:
            skipped = sum(p.skipped for p in problems)  # it may be one of them: say so
            raise InputError(f"no document {doc_id!r} in {', '.join(map(str, corpus))}"
                             + (f" ({skipped} skipped: 'dedup cluster' on it names them)" if skipped else ""))
    return found[ids[0]], found[ids[1]]


@with_fields
def compare_cmd(
    a: str = typer.Argument(..., help="A text file (or, with --corpus, a document id)."),
    b: str = typer.Argument(..., help="Another text file (or document id)."),
    corpus: Optional[List[str]] = typer.Option(None, "--corpus", "-c", help="Read A and B as ids of this corpus."),
    fmt: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", callback=dash_is_stdout,
                                         help="Write here, not to stdout (never over an input; - is stdout)."),
    fields=None,  # the --*-field flags, added by with_fields
) -> int:
    """Align two texts on their own: passages side by side, word differences marked."""
    from ..stages.ingest.files import refuse_empty

    refuse_empty(corpus or [a, b])  # as a Path, "" is ".": the working directory was read
    corpus = [Path(p) for p in corpus or []]
    check_output_option(output, corpus or [a, b])  # before the work, and never over A, B or a corpus file
    notes: list = []
    if corpus:
        da, db = _from_corpus(corpus, (a, b), fields)
    else:
        (da, notes_a), (db, notes_b) = _one_file(Path(a), fields), _one_file(Path(b), fields)
        notes = notes_a + notes_b
    for note in notes:
        warn(note)
    code = 1 if notes else 0  # as `cluster`: read with a note is exit 1
    # as given, but printable: a file name that is not UTF-8 cannot be written to stdout
    name_a, name_b = printable(a), printable(b) + (" (2)" if a == b else "")
    result = compare(da, db)
    if fmt is CompareFormat.json:
        data = [json.dumps({"a": name_a, "b": name_b, **result.model_dump(mode="json")}, indent=2,
                           ensure_ascii=False) + "\n"]
    elif fmt is CompareFormat.html:
        data = comparison_html(result, name_a, name_b, da.text, db.text)
    else:
        width = console_width() if output is None else 160
        console = Console(highlight=False, record=output is not None, width=width,
                          file=None if output is None else open("/dev/null", "w"))
        head = Text()
        head.append(result.kind or "unrelated", style=KIND_STYLE.get(result.kind or "", "bold"))
        head.append(f"  score {result.score}  covers {result.coverage_source:.0%} of {clean(name_a)}, "
                    f"{result.coverage_target:.0%} of {clean(name_b)}  {len(result.passages)} passage(s)")
        console.print(Group(head, *(passage_table(p, name_a, name_b, da.text, db.text) for p in result.passages)))
        if output is None:
            return code
        data = [console.export_text()]
    if output is None:
        sys.stdout.writelines(data)
        return code
    write_output(output, data)  # raises OutputError (exit 4)
    return code
