"""The ``dedup`` command: a thin shell over the library.

Exit codes (documented in the README): 0 success (also when a reader of stdout, such
as ``head``, stops early); 1 finished, but some inputs were skipped; 2 bad usage or
option value (including an output path that is one of the inputs); 3 no usable input
(missing path, empty directory, nothing readable); 4 the output (a file, or stdout)
could not be written; 5 the index file cannot be used (``dedup index``); 6 the run's
workspace cannot be written (the disk or quota of TMPDIR is full, or it is not
writable), or the system ran out of memory, file descriptors, processes or threads;
7 the engine cannot run (``--engine dask`` without the ``dask`` extra, or
its scheduler unreachable); 70 internal error.
"""

from __future__ import annotations

import io
import os
import re
import signal
import sys
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from .. import __version__
from ..errors import ConfigError, DedupError, exhausted
from .common import (CheckedStream, Format, ProgressBar, ReaderGone, StdoutConsole, err_console, one_line,
                     max_warnings_option, quiet_unraisable, stopped, terminate, to_stderr, warn, warn_all,
                     with_fields)
from .output import check_output_option, dash_is_stdout, write_output
from .compare_cmd import compare_cmd
from .defaults import config_defaults
from .eval_cmd import eval_cmd
from .index_cmd import index_app
from .lazy import lazy
from .process import closed_std_fds, drop_stdout, finished
from .show import show_cmd

Config = lazy("dedup.config", "Config")
run_pipeline = lazy("dedup.pipeline", "run")
refuse_empty = lazy("dedup.stages.ingest.files", "refuse_empty")
render = lazy("dedup.stages.report", "render")

# Config's defaults and the date orders it accepts, as declared (see defaults.py).
_DEFAULT, _CHOICES = config_defaults()
DateOrder = Enum("DateOrder", {o: o for o in _CHOICES["date_order"]}, type=str)


class ShardFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


class EngineName(str, Enum):
    local = "local"
    dask = "dask"

EXIT_SKIPPED, EXIT_USAGE, EXIT_OUTPUT, EXIT_ENVIRONMENT, EXIT_INTERNAL = 1, 2, 4, 6, 70

# Config settings by the flag that sets them, for messages about a bad value.
FLAGS = {
    "threshold": "--threshold", "shingle_size": "--shingle-size", "num_perm": "--num-perm",
    "min_passage_tokens": "--min-passage", "min_passage_score": "--min-score",
    "min_link_tokens": "--min-link", "seed": "--seed", "story_days": "--story-days",
}
HELP = {"help_option_names": ["-h", "--help"]}  # inherited by every subcommand

# Typer has shipped click both as a dependency and vendored; take its classes from Typer.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_ClickAbort = getattr(sys.modules[_ClickException.__module__], "Abort", typer.Abort)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich imports a markdown parser (~80 ms of --help)
    context_settings=HELP,
    help="Find near-duplicate and syndicated news text, the reused passages and the origin.",
)
_err = err_console


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"dedup {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """dedup: provenance clusters for news text."""


app.add_typer(index_app, name="index")
app.command("show")(show_cmd)
app.command("compare")(compare_cmd)
app.command("eval")(eval_cmd)


@app.command("cluster")
@with_fields
def cluster_cmd(
    given: List[str] = typer.Argument(..., metavar="PATHS...",
                                      help="Directories; text, HTML, JSONL, WARC, CSV/TSV, Parquet files; - for JSONL "
                                           "on stdin; URLs and globs (s3://bucket/news/*.jsonl.gz, file://, https://) "
                                           "through fsspec."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", callback=dash_is_stdout,
                                         help="Write here, not to stdout (never over an input; - is stdout)."),
    output_dir: Optional[str] = typer.Option(
        None, "--output-dir", metavar="DIR|URL",
        help="Write sharded JSONL (clusters/, links/, documents/, _manifest.json) here, by the workers; a new or "
             "empty directory, or a URL (s3://..., file://...)."),
    shard_format: ShardFormat = typer.Option(ShardFormat.jsonl, "--shard-format",
                                             help="Format of the --output-dir shards."),
    threshold: float = typer.Option(_DEFAULT.threshold, help="Segment Jaccard similarity LSH is tuned to find (0-1)."),
    shingle_size: int = typer.Option(_DEFAULT.shingle_size, help="Words per shingle."),
    num_perm: int = typer.Option(_DEFAULT.num_perm, help="MinHash permutations."),
    min_passage: int = typer.Option(_DEFAULT.min_passage_tokens, help="Fewest matching words in a reused passage."),
    min_score: float = typer.Option(_DEFAULT.min_passage_score, help="Lowest weighted similarity of a passage (0-1)."),
    min_link: Optional[int] = typer.Option(
        None, show_default=False,
        help=f"Fewest matching words to link two documents, at least --min-passage "
             f"(default: {_DEFAULT.min_link_tokens}, or --min-passage if larger); a passage "
             "unlikely by chance in a corpus this size links with fewer."),
    seed: int = typer.Option(_DEFAULT.seed, help="MinHash seed."),
    date_order: DateOrder = typer.Option(
        _DEFAULT.date_order, "--date-order",
        help="All-numeric dates whose day and month could swap (10/03/2017): DMY reads day first, MDY/YMD month first.",
    ),
    include_templates: bool = typer.Option(
        False, "--include-templates", help="Let template links (a formula with new facts) join clusters like copies."),
    story_days: float = typer.Option(
        _DEFAULT.story_days, "--story-days",
        help="Days apart that two documents of one source may be takes of one running story (0: stories are the "
             "clusters)."),
    jobs: int = typer.Option(0, "--jobs", "-j",
                             help="Worker processes (0: all cores; at most 4 per core). Output does not depend on it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or warnings."),
    max_warnings: int = max_warnings_option(),
    engine: EngineName = typer.Option(EngineName.local, "--engine",
                                      help="What runs the stages: local processes, or Dask (pip install 'dedup[dask]'). "
                                           "Output does not depend on it."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                            help="Dask scheduler (tcp://HOST:8786); default: a LocalCluster of --jobs "
                                                 "processes."),
    partitions: Optional[int] = typer.Option(None, "--partitions", min=1,
                                             help="Partitions per stage on Dask (default: by size). Output does not "
                                                  "depend on it."),
    fields=None,  # the --*-field flags, added by with_fields
) -> int:
    """Cluster documents that share text; name each cluster's origin and the passages."""
    from ..stages.ingest.url import is_url

    refuse_empty(given)  # before the Path(""), which is "."
    paths = [p if is_url(p) else Path(p) for p in given]
    if jobs < 0:
        raise typer.BadParameter("must be 0 (all cores) or more", param_hint="'--jobs'")
    if scheduler is not None and not scheduler.strip():  # (an unset variable) not a local cluster, silently
        raise typer.BadParameter("is empty; give an address (tcp://HOST:8786) or leave it out",
                                 param_hint="'--scheduler'")
    if engine is not EngineName.dask and (scheduler is not None or partitions is not None):
        raise typer.BadParameter("needs --engine dask", param_hint="'--scheduler' / '--partitions'")
    if scheduler is not None and jobs:  # the scheduler's workers are its own: -j would do nothing
        raise typer.BadParameter("sets the processes of a LocalCluster; a scheduler's workers are its own "
                                 "(leave out --jobs or --scheduler)", param_hint="'--jobs'")
    if min_link is None:  # only the default follows --min-passage; a value given is checked
        min_link = max(_DEFAULT.min_link_tokens, min_passage)
    cfg = Config(
        threshold=threshold, shingle_size=shingle_size, num_perm=num_perm,
        min_passage_tokens=min_passage, min_link_tokens=min_link, seed=seed,
        min_passage_score=min_score, date_order=date_order.value, template_links=include_templates,
        story_days=story_days,
    )
    if output_dir is None and shard_format is not ShardFormat.jsonl:  # else silently not used
        raise typer.BadParameter("is the format of --output-dir's shards; give --output-dir",
                                 param_hint="'--shard-format'")
    if output_dir is not None:
        if output is not None:
            raise typer.BadParameter("give --output or --output-dir, not both", param_hint="'--output-dir'")
        if fmt is not Format.table:  # -f csv wrote JSONL shards, and no CSV anywhere
            raise typer.BadParameter("is for stdout or --output; --output-dir writes --shard-format (jsonl or "
                                     "parquet)", param_hint="'--format'")
        from ..stages.shards import check_target

        check_target(output_dir)  # before the run: a wrong target must not cost the run
    check_output_option(output, [p for p in paths if isinstance(p, Path)])
    with ExitStack() as stack:
        runner = _engine(stack, engine.value, jobs or None, scheduler, partitions, quiet)
        with ProgressBar(enabled=not quiet and _err.is_terminal) as bar:
            if hasattr(runner, "on_task"):  # Dask: a bar that follows its tasks as they finish
                runner.on_task = bar
            try:
                outcome = stack.enter_context(run_pipeline(list(paths), cfg, progress=bar, jobs=jobs or None,
                                                                    fields=fields, engine=runner))
            finally:
                if hasattr(runner, "on_task"):
                    runner.on_task = None
        if not quiet:
            warn_all(outcome.problems, max_warnings, _LISTED.get(fmt) if output_dir is None else None)
            if bar.summary():
                to_stderr(bar.summary())
            _memory_line(runner)
        if output_dir is not None:
            from ..stages.shards import write_shards

            write_shards(outcome, output_dir, runner, fmt=shard_format.value)
        elif fmt is Format.table:
            from .table import print_table

            report = outcome.report(keep_texts=True)
            if output is None:
                print_table(report, StdoutConsole(highlight=False))
            else:
                console = Console(record=True, file=io.StringIO(), width=120)
                print_table(report, console)
                write_output(output, console.export_text())
        else:
            # Clusters are built as they are written: the report is never whole in memory.
            data = render(outcome, fmt.value)
            if output is None:
                sys.stdout.writelines(data)
            else:
                write_output(output, data)
    return EXIT_SKIPPED if outcome.problems else 0


def _engine(stack: ExitStack, name: str, jobs: Optional[int], scheduler: Optional[str],
            partitions: Optional[int], quiet: bool):
    """The engine to run on (closed with ``stack``); Dask's dashboard link on stderr."""
    from ..engines import make_engine
    from ..engines.processes import JOBS_PER_CORE, usable_jobs

    engine = make_engine(name, jobs, scheduler=scheduler, partitions=partitions)
    stack.callback(engine.close)
    if jobs and (capped := usable_jobs(jobs)) < jobs and not quiet:  # the engines cap it; the library says nothing
        to_stderr(f"dedup: warning: --jobs {jobs}: {capped} worker processes at most "
                  f"({JOBS_PER_CORE} per core this process may use)\n")
    link = getattr(engine, "dashboard_link", None)
    if link and not quiet:
        to_stderr(f"dedup: dask dashboard: {link}\n")
    if scheduler and not quiet and engine.workers() == 0:  # else the run would wait without a word
        to_stderr(f"dedup: the Dask scheduler at {scheduler} has no workers yet; waiting for one\n")
    return engine


def _memory_line(engine) -> None:
    """The Dask workers' peak memory against their limit, one line on stderr."""
    report = getattr(engine, "memory", None)
    if report is None:
        return
    mib = 1 << 20
    parts = [f"{peak / mib:,.0f} MiB" + (f" of {limit / mib:,.0f}" if limit else "") for _, peak, limit in report()]
    to_stderr(f"dedup: dask workers' peak memory: {', '.join(parts)}\n")


def _fail(message: str) -> None:
    try:
        sys.stderr.write(one_line(f"dedup: error: {message}") + "\n")
        sys.stderr.flush()
    except OSError:  # stderr itself is gone: nowhere left to say it
        pass


def _flagged(exc: ConfigError) -> str:
    """A setting's message in the words of the command line (its flag, not its field)."""
    def named(text: str) -> str:
        return re.sub(r"\b(" + "|".join(FLAGS) + r")\b", lambda m: FLAGS[m.group(1)], text)

    if exc.setting in FLAGS:
        return f"invalid value for {FLAGS[exc.setting]}: {named(exc.problem)}"
    return named(str(exc))


# Where a run's problems are all listed, by output format (-f json and html hold them).
_LISTED = {Format.json: "every one is in the report's problems", Format.html: "every one is in the report"}


def _show_problems(problems, limit: int = 20) -> None:
    """Why inputs were skipped, when that left nothing to do (the first ``limit``)."""
    for problem in problems[:limit]:
        warn(problem)
    if len(problems) > limit:
        to_stderr(f"dedup: warning: and {len(problems) - limit} more\n")


def _run(argv: Optional[list[str]]) -> int:
    """The app's exit code; every user mistake is one line on stderr."""
    try:
        code = app(args=argv, prog_name="dedup", standalone_mode=False)
    except _ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `dedup`, `dedup index`: the help, as --help shows it
            to_stderr(exc.format_message().rstrip("\n") + "\n")
            return EXIT_USAGE
        message = " ".join(exc.format_message().split())
        if message:  # (click before 8.2 showed no-args help itself, with no message)
            _fail(message)
        return EXIT_USAGE
    except (_ClickAbort, typer.Abort):
        _fail("aborted")
        return 130
    except ConfigError as exc:
        _fail(_flagged(exc))
        return exc.exit_code
    except DedupError as exc:
        _show_problems(getattr(exc, "problems", []))
        _fail(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except ReaderGone:
        raise
    except Exception as exc:  # a bug, not a user mistake: one line, and the trace on request
        if (cause := exhausted(exc)) is not None:  # no memory, file descriptors, threads: the machine's limits
            _fail(cause)
            return EXIT_ENVIRONMENT
        if os.environ.get("DEDUP_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set DEDUP_DEBUG=1 for the traceback)")
        return EXIT_INTERNAL
    sys.stdout.flush()  # a full disk or a closed pipe behind stdout shows here for small outputs
    if stopped():  # the signal's KeyboardInterrupt was swallowed by a finalizer
        return 130
    return code if isinstance(code, int) else 0


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app and exit with its code (``argv`` None: this process's
    command line, and the process ends with the run)."""
    # SIGTERM unwinds like Ctrl-C does, so a killed run still removes its workspace;
    # both are remembered, in case a finalizer swallows the KeyboardInterrupt. SIGHUP
    # too (the terminal or ssh session closed), unless it is ignored (`nohup dedup ...`):
    # its default ended the run at once, leaving the workspace in TMPDIR, exit 129.
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    if signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:
        signal.signal(signal.SIGHUP, terminate)
    sys.unraisablehook = quiet_unraisable
    closed_std_fds()
    stdout = sys.stdout
    sys.stdout = CheckedStream(stdout)
    try:
        try:
            code = _run(argv)
        except DedupError as exc:  # stdout failed in the final flush
            _fail(str(exc))
            code = exc.exit_code
    except (ReaderGone, BrokenPipeError):  # e.g. `dedup cluster ... | head -1`: not an error
        sys.stdout = stdout
        drop_stdout()
        code = 0
    except KeyboardInterrupt:  # a stop just as the run returned
        code = 130
    finally:
        sys.stdout = stdout
    try:
        if stdout is not None:
            stdout.flush()
    except (OSError, ValueError):  # already reported (exit 4): drop it, no second complaint at exit
        drop_stdout()
    except KeyboardInterrupt:
        code = 130
    if argv is None:
        finished()
    sys.exit(code)
