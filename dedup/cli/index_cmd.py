"""``dedup index ...``: a persistent index on disk (see :class:`dedup.Index`).

Exit codes as for ``dedup cluster`` (3: no input document readable; 1: some skipped), plus
5: the index cannot be used (not an index, not a regular file, newer schema, other settings,
locked by another writer, read-only for a write, damaged, a write that failed, e.g. on a full
disk). Reads work on an index that cannot be written.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import List, Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import InputError
from ..index.errors import DuplicateIdError, IndexFileError, IndexFullError, IndexReadOnlyError
from .common import (Format, OutputError, ProgressBar, ReaderGone, StdoutConsole, max_warnings_option, one_line,
                     to_stderr, warn_all, with_fields)
from .output import check_output_option, dash_is_stdout, write_output
from .lazy import lazy

Config = lazy("dedup.config", "Config")
Index = lazy("dedup.index.index", "Index")
mend_id = lazy("dedup.index.checks", "mend_id")
refuse_empty = lazy("dedup.stages.ingest.files", "refuse_empty")
check_roots = lazy("dedup.stages.ingest.files", "check_roots")
iter_sourced = lazy("dedup.stages.ingest", "iter_sourced")
read_corpus = lazy("dedup.stages.ingest", "read_corpus")
local_inputs = lazy("dedup.stages.ingest.url", "local_inputs")
render = lazy("dedup.stages.report", "render")
line_safe = lazy("dedup.stages.report", "line_safe")

index_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,  # plain help, as the main app's
                        help="A persistent index: add documents over time, query, cluster.")
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
    schema is upgraded and the clustering cache kept), else read-only (also on a full
    disk, where SQLite cannot make the -shm file a writer needs)."""
    try:
        return Index.open(db, create=False)
    except (IndexReadOnlyError, IndexFullError):
        return Index.open(db, readonly=True)


class AddFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"


@index_app.command("add")
@with_fields
def add_cmd(
    db: str = typer.Argument(..., help="Index file (created if missing) or redis:// URL."),
    paths: List[str] = typer.Argument(..., help="Directories; text, HTML, JSONL, WARC, CSV/TSV, Parquet files; "
                                                   "- for JSONL on stdin."),
    fmt: AddFormat = typer.Option(AddFormat.table, "--format", "-f",
                                  help="What each new document matched: a table, or one JSON object a line."),
    bulk: bool = typer.Option(False, "--bulk", help="Load in batches without answering for each document "
                                                    "(fastest; run 'dedup index clusters' for the result)."),
    threshold: Optional[float] = typer.Option(None, help="LSH threshold (only when creating the index)."),
    shingle_size: Optional[int] = typer.Option(None, help="Words per shingle (only when creating)."),
    num_perm: Optional[int] = typer.Option(None, help="MinHash permutations (only when creating)."),
    seed: Optional[int] = typer.Option(None, help="MinHash seed (only when creating)."),
    batch: int = typer.Option(1000, help="Documents per transaction (--bulk)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or warnings."),
    max_warnings: int = max_warnings_option(),
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Check the file is whole before writing (reads it all: ~1 s per 150 MB)."),
    fields=None,  # the --*-field flags, added by with_fields
) -> int:
    """Add documents and say what each new one matched; ids already in the index are
    skipped (one warning line for all)."""

    if bulk and fmt is AddFormat.jsonl:  # a bulk load answers for no document: no JSON line was written
        raise typer.BadParameter("--bulk answers for no document: run 'dedup index query' or 'dedup index "
                                 "clusters' after it", param_hint="'--format jsonl'")
    check_roots(paths)  # a missing input creates no index
    cfg = _settings(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)
    if batch < 1:
        raise typer.BadParameter("must be 1 or more", param_hint="'--batch'")
    problems: list = []
    with Index.open(db, cfg) as index, ProgressBar(enabled=not quiet and _err.is_terminal) as bar, \
            local_inputs(list(paths), problems) as (local, copied):  # URLs' files copied first
        if check:
            index.verify()
        before = len(index)
        # Streamed: a corpus of any size is read as it is added, in input order.
        read = [0]  # documents read: none is exit 3, as for `dedup cluster`
        sourced = _counted(iter_sourced(local, problems, fields, progress=bar, copied=copied), read)
        try:
            if bulk:
                result = index.add_many((s.doc for s in sourced), batch_size=batch, skip_duplicates=True, progress=bar)
                added, stored, repeated = result.added, [i for i in result.skipped if i not in set(result.repeated)], \
                    result.repeated
            else:
                added, stored, repeated = _add_each(index, sourced, fmt, bar, problems)
        except ReaderGone:  # `| head`: the answers' reader gone, the load stops (never quietly: a write command)
            raise OutputError(f"the reader of stdout has gone; {_how_far(index, before)}") from None
        except OutputError as exc:
            exc.args = (f"{exc}; {_how_far(index, before)}",)
            raise
        except KeyboardInterrupt:  # SIGTERM, Ctrl-C: exit 130, and what the index kept
            to_stderr(f"dedup: stopped: {_how_far(index, before)}\n")
            raise
        total = len(index)
    if not read[0]:
        _nothing_read(problems)
    if not quiet:
        warn_all(problems, max_warnings)
        if bar.summary():
            to_stderr(bar.summary())
        for ids, what in ((stored, "already in the index"), (repeated, "repeating an id met earlier in the input")):
            if ids:  # one line, not one per document: a retried load meets thousands
                to_stderr(one_line(f"dedup: warning: {_count(len(ids), 'document')} {what}, skipped "
                                          f"({_some(ids)})") + "\n")
    summary = f"added {_count(added, 'document')}; the index holds {total}\n"
    if fmt is AddFormat.jsonl and not bulk:  # stdout holds the answers
        to_stderr(summary)
    else:
        try:
            sys.stdout.write(summary)
        except OutputError as exc:
            exc.args = (f"{exc}; {summary.strip()}",)
            raise
    return 1 if problems or stored or repeated else 0


def _how_far(index: Index, before: int) -> str:
    """How many documents a stopped load added, and what the index now holds."""
    try:
        now = len(index)
    except Exception:  # the index itself failing too: say what is known
        return "the documents added so far are kept"
    return f"{_count(now - before, 'document')} added, kept; the index holds {now}"


def _counted(docs, read: list[int]):
    """``docs``, counting them in ``read[0]`` as they are read."""
    for doc in docs:
        read[0] += 1
        yield doc


def _nothing_read(problems: list) -> None:
    """No input document was readable: exit 3 as ``dedup cluster`` does, with the reasons."""
    raise InputError("no readable documents" + (f" ({len(problems)} skipped)" if problems else ""),
                     problems=problems)


def _add_each(index: Index, sourced, fmt: AddFormat, bar, problems: list) -> tuple[int, list[str], list[str]]:
    """Add one document at a time, writing what each matched as it is stored: (added,
    ids already stored, ids repeated in the input). ``sourced``: the documents with their
    places; ``problems``: the reader's, whose notes on a document's record join the
    answer's ``notes`` (the reader mended the record before the index saw it)."""
    from .table import print_results

    console = StdoutConsole(highlight=False)
    added, stored, repeated, seen = 0, [], [], set()
    known = 0
    for doc, path, line in sourced:
        mine = [p.message for p in problems[known:] if not p.skipped and (p.path, p.line) == (path, line)]
        known = len(problems)
        try:
            result = index.add(doc)
            if mine:
                result = result.model_copy(update={"notes": [*mine, *(n for n in result.notes if n not in mine)]})
        except DuplicateIdError:
            (repeated if doc.id in seen else stored).append(doc.id)
            continue
        except IndexFileError as exc:  # a full disk, a lock lost: say how far the load got
            exc.args = (f"{exc}; stopped after {_count(added, 'document')} were added",)
            raise
        seen.add(doc.id)
        added += 1
        bar("index", added, 0)
        if fmt is AddFormat.jsonl:
            # UTF-8 whatever the locale; one record a line
            sys.stdout.writelines([line_safe(result.model_dump_json()) + "\n"])
        elif result.matches:  # a document that matches nothing is only counted
            print_results([result], {}, {}, console, passages=False)
    return added, stored, repeated


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _some(ids: list[str], k: int = 3) -> str:
    shown = ", ".join(ids[:k])
    return shown + (f" and {len(ids) - k} more" if len(ids) > k else "")


@index_app.command("query")
@with_fields
def query_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    file: str = typer.Argument(..., help="An article (.txt, .md, .html) or a file or directory of articles (JSONL, WARC, CSV/TSV, Parquet), as cluster reads them; - for JSONL on stdin."),
    fmt: QueryFormat = typer.Option(QueryFormat.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", callback=dash_is_stdout,
                                         help="Write here, not to stdout (never over an input; - is stdout)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No warnings (as `index add -q`)."),
    max_warnings: int = max_warnings_option(),
    fields=None,  # the --*-field flags, added by with_fields
) -> int:
    """What the article(s) in FILE copy from the indexed documents (nothing is stored)."""
    refuse_empty([file])
    check_output_option(output, [file] + ([db] if "://" not in db else []), _companions(db))  # the index is read too
    docs, problems = read_corpus([file], fields)
    if not docs:
        _nothing_read(problems)
    if not quiet:
        warn_all(problems, max_warnings)
    with _open_to_read(db) as index:
        results = [index.query(d) for d in docs]
        texts = {m.doc_id: index.get(m.doc_id).text for r in results for m in r.matches}
    if fmt is QueryFormat.json:
        data = {"results": [r.model_dump(mode="json") for r in results]}
        _emit(output, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        from .table import print_results

        _emit_table(output, lambda console: print_results(results, {d.id: d.text for d in docs}, texts, console))
    return 1 if problems else 0


def _emit(output: Optional[str], data) -> None:
    """Text (or pieces of it) to stdout, or to ``output`` by :func:`write_output`."""
    if output is None:
        sys.stdout.writelines([data] if isinstance(data, str) else data)
    else:
        write_output(output, data)


def _emit_table(output: Optional[str], draw) -> None:
    if output is None:
        draw(StdoutConsole(highlight=False))
        return
    import io

    console = Console(record=True, file=io.StringIO(), width=120)
    draw(console)
    write_output(output, console.export_text())


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
    # the id as it was looked up: one with a lone surrogate could not be written to stdout
    sys.stdout.write(one_line(f"removed {mend_id(doc_id)}; the index holds {left}") + "\n")
    return 0


@index_app.command("vacuum")
def vacuum_cmd(db: str = typer.Argument(..., help="Index file.")) -> int:
    """Give the file's free pages (left by bulk loads and removals) back to the disk."""
    with Index.open(db, create=False) as index:
        freed = index.vacuum()
        size = index.disk_bytes()
    sys.stdout.write(f"freed {freed:,} bytes; the index takes {size:,}\n")
    return 0


@index_app.command("upgrade")
def upgrade_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    batch: int = typer.Option(1000, "--batch", min=1, help="Documents per transaction."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> int:
    """Give an index made by an older dedup what this one keeps of each document (rare-bigram rows, its analysis)."""
    with Index.open(db, create=False) as index, ProgressBar(enabled=not quiet and _err.is_terminal) as bar:
        done = index.upgrade(progress=bar, batch_size=batch)
        left = len(index)
    if done:
        sys.stdout.write(f"upgraded: {done:,} documents given what this dedup keeps of each (rare-bigram rows, "
                         f"analysis); the index holds {left:,}\n")
    else:
        sys.stdout.write(f"nothing to upgrade; the index holds {left:,}\n")
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
    for k in ("path", "documents", "bytes", "free_bytes", "schema", "clusters_cached", "bigram_seeds"):
        table.add_row(k, str(stats[k]))
    for k, v in stats["rows"].items():
        table.add_row(f"rows.{k}", str(v))
    for k, v in stats["config"].items():
        table.add_row(f"config.{k}", str(v))
    StdoutConsole(highlight=False).print(table)
    return 0


def _companions(db: str) -> list[tuple[str, str]]:
    """The files SQLite keeps beside an index file, named after the file the path leads
    to: an output written there would be taken for the index's own (or deleted with it)."""
    if "://" in db:
        return []
    real = os.path.realpath(db)
    return [(real + "-wal", "the index's write-ahead log"), (real + "-shm", "the index's shared-memory file"),
            (real + "-journal", "the index's rollback journal")]


@index_app.command("clusters")
def clusters_cmd(
    db: str = typer.Argument(..., help="Index file or redis:// URL."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", callback=dash_is_stdout,
                                         help="Write here, not to stdout (- is stdout)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> int:
    """The clusters of every indexed document: the same as ``dedup cluster`` on them."""

    check_output_option(output, [db] if "://" not in db else [], _companions(db))
    with _open_to_read(db) as index, ProgressBar(enabled=not quiet and _err.is_terminal) as bar:
        report = index.clusters(progress=bar)
    if fmt is Format.table:
        from .table import print_table

        _emit_table(output, lambda console: print_table(report, console))
    else:
        _emit(output, render(report, fmt.value))
    return 0
