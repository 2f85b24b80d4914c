"""``dedup index ...``: a persistent index on disk (see :class:`dedup.Index`).

Exit codes as for ``dedup cluster``, plus 5: the index cannot be used (not an index,
newer schema, other settings, locked by another writer, read-only for a write, damaged,
a write that failed, e.g. on a full disk). Reads work on an index that cannot be written.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..index.errors import IndexReadOnlyError
from .common import Format, ProgressBar, StdoutConsole
from .lazy import lazy

Config = lazy("dedup.config", "Config")
Index = lazy("dedup.index.index", "Index")
iter_corpus = lazy("dedup.ingest", "iter_corpus")
read_corpus = lazy("dedup.ingest", "read_corpus")
render = lazy("dedup.report", "render")

index_app = typer.Typer(no_args_is_help=True, help="A persistent index: add documents over time, query, cluster.")
_err = Console(stderr=True, highlight=False)


class QueryFormat(str, Enum):
    table = "table"
    json = "json"


def _settings(**given) -> Optional[Config]:
    """A Config when any setting was given on the command line, else None (the index's own)."""
    given = {k: v for k, v in given.items() if v is not None}
    return Config.make(**given) if given else None


def _open_to_read(db: str) -> Index:
    """Open for reading: writable when the file and its directory allow (so an older
    schema is upgraded and the clustering cache kept), else read-only."""
    try:
        return Index.open(db, create=False)
    except IndexReadOnlyError:
        return Index.open(db, readonly=True)


@index_app.command("add")
def add_cmd(
    db: str = typer.Argument(..., help="Index file (created if missing) or redis:// URL."),
    paths: List[Path] = typer.Argument(..., help="Directories, .txt/.md files, .jsonl[.gz] files."),
    threshold: Optional[float] = typer.Option(None, help="LSH threshold (only when creating the index)."),
    shingle_size: Optional[int] = typer.Option(None, help="Words per shingle (only when creating)."),
    num_perm: Optional[int] = typer.Option(None, help="MinHash permutations (only when creating)."),
    seed: Optional[int] = typer.Option(None, help="MinHash seed (only when creating)."),
    batch: int = typer.Option(1000, help="Documents per transaction."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or warnings."),
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Check the file is whole before writing (reads it all: ~1 s per 150 MB)."),
) -> int:
    """Add documents; ids already in the index are skipped (one warning line for all)."""

    cfg = _settings(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)
    if batch < 1:
        raise typer.BadParameter("must be 1 or more", param_hint="'--batch'")
    problems: list = []
    with Index.open(db, cfg) as index, ProgressBar(enabled=not quiet and _err.is_terminal) as bar:
        if check:
            index.verify()
        # Streamed: a corpus of any size is read as it is added, in input order.
        docs = iter_corpus(list(paths), problems)
        result = index.add_many(docs, batch_size=batch, skip_duplicates=True, progress=bar)
        total = len(index)
    if not quiet:
        for problem in problems:
            sys.stderr.write(f"dedup: warning: skipped {problem}\n")
        again = set(result.repeated)
        stored = [i for i in result.skipped if i not in again]
        for ids, what in ((stored, "already in the index"), (result.repeated, "repeating an id met earlier in the input")):
            if ids:  # one line, not one per document: a retried load meets thousands
                sys.stderr.write(f"dedup: warning: {_count(len(ids), 'document')} {what}, skipped "
                                 f"({_some(ids)})\n")
    sys.stdout.write(f"added {_count(result.added, 'document')}; the index holds {total}\n")
    return 1 if problems or result.skipped else 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _some(ids: list[str], k: int = 3) -> str:
    shown = ", ".join(ids[:k])
    return shown + (f" and {len(ids) - k} more" if len(ids) > k else "")


@index_app.command("query")
def query_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    file: Path = typer.Argument(..., help="A .txt/.md article or a .jsonl file of articles."),
    fmt: QueryFormat = typer.Option(QueryFormat.table, "--format", "-f", help="Output format."),
) -> int:
    """What the article(s) in FILE copy from the indexed documents (nothing is stored)."""
    docs, problems = read_corpus([file])
    for problem in problems:
        sys.stderr.write(f"dedup: warning: skipped {problem}\n")
    with _open_to_read(db) as index:
        results = [index.query(d) for d in docs]
        texts = {m.doc_id: index.get(m.doc_id).text for r in results for m in r.matches}
    if fmt is QueryFormat.json:
        data = {"results": [r.model_dump(mode="json") for r in results]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        from .table import print_results

        print_results(results, {d.id: d.text for d in docs}, texts, StdoutConsole(highlight=False))
    return 1 if problems else 0


@index_app.command("remove")
def remove_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    doc_id: str = typer.Argument(..., metavar="ID", help="Document id."),
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Check the file is whole before writing (reads it all: ~1 s per 150 MB)."),
) -> int:
    """Remove one document."""
    with Index.open(db, create=False) as index:
        if check:
            index.verify()
        index.remove(doc_id)
        left = len(index)
    sys.stdout.write(f"removed {doc_id}; the index holds {left}\n")
    return 0


@index_app.command("vacuum")
def vacuum_cmd(db: str = typer.Argument(..., help="Index file.")) -> int:
    """Give the file's free pages (left by bulk loads and removals) back to the disk."""
    with Index.open(db, create=False) as index:
        freed = index.vacuum()
        size = index.disk_bytes()
    sys.stdout.write(f"freed {freed:,} bytes; the index takes {size:,}\n")
    return 0


@index_app.command("stats")
def stats_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    fmt: QueryFormat = typer.Option(QueryFormat.table, "--format", "-f", help="Output format."),
) -> int:
    """Documents, rows, bytes on disk and settings of the index."""
    with _open_to_read(db) as index:
        stats = index.stats()
    if fmt is QueryFormat.json:
        sys.stdout.write(json.dumps(stats, indent=2) + "\n")
        return 0
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_header=False)
    table.add_column("key")
    table.add_column("value")
    for k in ("path", "documents", "bytes", "free_bytes", "schema", "clusters_cached"):
        table.add_row(k, str(stats[k]))
    for k, v in stats["rows"].items():
        table.add_row(f"rows.{k}", str(v))
    for k, v in stats["config"].items():
        table.add_row(f"config.{k}", str(v))
    StdoutConsole(highlight=False).print(table)
    return 0


@index_app.command("clusters")
def clusters_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> int:
    """The clusters of every indexed document: the same as ``dedup cluster`` on them."""

    with _open_to_read(db) as index, ProgressBar(enabled=not quiet and _err.is_terminal) as bar:
        report = index.clusters(progress=bar)
    if fmt is Format.table:
        from .table import print_table

        print_table(report, StdoutConsole(highlight=False))
    else:
        sys.stdout.writelines(render(report, fmt.value))
    return 0
