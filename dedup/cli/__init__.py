"""The ``dedup`` command: a thin shell over the library.

Exit codes (documented in the README): 0 success; 1 finished, but some inputs were
skipped; 2 bad usage or option value; 3 no usable input (missing path, empty
directory, nothing readable); 4 the output could not be written; 70 internal error.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from ..config import Config
from ..errors import DedupError
from ..pipeline import run as run_pipeline
from ..report import render
from .common import Format, ProgressBar, err_console, write_atomic
from .compare_cmd import compare_cmd
from .eval_cmd import eval_cmd
from .index_cmd import index_app
from .show import show_cmd

EXIT_SKIPPED, EXIT_USAGE, EXIT_OUTPUT, EXIT_INTERNAL = 1, 2, 4, 70

# Typer has shipped click both as a dependency and vendored; take its classes from Typer.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_ClickAbort = getattr(sys.modules[_ClickException.__module__], "Abort", typer.Abort)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find near-duplicate and syndicated news text, the reused passages and the origin.",
)
_err = err_console


@app.callback()
def _root() -> None:
    """dedup: provenance clusters for news text."""


app.add_typer(index_app, name="index")
app.command("show")(show_cmd)
app.command("compare")(compare_cmd)
app.command("eval")(eval_cmd)


@app.command("cluster")
def cluster_cmd(
    paths: List[Path] = typer.Argument(..., help="Directories, .txt/.md files, .jsonl[.gz] files."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here, not to stdout."),
    threshold: float = typer.Option(Config().threshold, help="Segment Jaccard similarity LSH is tuned to find (0-1)."),
    shingle_size: int = typer.Option(Config().shingle_size, help="Words per shingle."),
    num_perm: int = typer.Option(Config().num_perm, help="MinHash permutations."),
    min_passage: int = typer.Option(Config().min_passage_tokens, help="Fewest matching words in a reused passage."),
    min_score: float = typer.Option(Config().min_passage_score, help="Lowest weighted similarity of a passage (0-1)."),
    min_link: int = typer.Option(Config().min_link_tokens, help="Fewest matching words to link two documents."),
    seed: int = typer.Option(Config().seed, help="MinHash seed."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0: all cores). Output does not depend on it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or warnings."),
) -> int:
    """Cluster documents that share text; name each cluster's origin and the passages."""
    cfg = Config.make(
        threshold=threshold, shingle_size=shingle_size, num_perm=num_perm,
        min_passage_tokens=min_passage, min_link_tokens=max(min_link, min_passage), seed=seed,
        min_passage_score=min_score,
    )
    with ExitStack() as stack:
        with ProgressBar(enabled=not quiet and _err.is_terminal) as bar:
            if jobs < 0:
                raise typer.BadParameter("must be 0 (all cores) or more", param_hint="'--jobs'")
            outcome = stack.enter_context(run_pipeline(list(paths), cfg, progress=bar, jobs=jobs or None))
        if not quiet:
            for problem in outcome.problems:
                sys.stderr.write(f"dedup: warning: skipped {problem}\n")
        if fmt is Format.table:
            from .table import print_table

            report = outcome.report(keep_texts=True)
            if output is None:
                print_table(report, Console(highlight=False))
            else:
                console = Console(record=True, file=open(os.devnull, "w"), width=120)
                print_table(report, console)
                _write(output, console.export_text())
        else:
            # Clusters are built as they are written: the report is never whole in memory.
            data = render(outcome, fmt.value)
            if output is None:
                sys.stdout.writelines(data)
            else:
                _write(output, data)
    return EXIT_SKIPPED if outcome.problems else 0


def _write(path: Path, data) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise _OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


class _OutputError(DedupError):
    exit_code = EXIT_OUTPUT


def _fail(message: str) -> None:
    sys.stderr.write(f"dedup: error: {message}\n")
    sys.stderr.flush()


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app, turning every user mistake into one line on stderr."""
    # SIGTERM unwinds like Ctrl-C does, so a killed run still removes its workspace.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(args=argv, prog_name="dedup", standalone_mode=False)
    except _ClickException as exc:
        message = " ".join(exc.format_message().split())
        if message:  # no-args help has already been shown and carries no message
            _fail(message)
        sys.exit(EXIT_USAGE)
    except (_ClickAbort, typer.Abort):
        _fail("aborted")
        sys.exit(130)
    except DedupError as exc:
        _fail(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug, not a user mistake: one line, and the trace on request
        if os.environ.get("DEDUP_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set DEDUP_DEBUG=1 for the traceback)")
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
