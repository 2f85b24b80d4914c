"""Pieces both CLI command groups use: output formats, checked stdout, warnings, signals,
the progress bar, the field flags (writing an ``--output`` file: :mod:`dedup.cli.output`)."""

from __future__ import annotations

import codecs
import os
import re
import shutil
import sys
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from rich.console import Console

from .._controls import BIDI
from ..errors import DedupError

if TYPE_CHECKING:
    from ..models import FieldMap

MIN_WIDTH = 20  # columns of the narrowest console


def console_width() -> Optional[int]:
    """A console's width: None (rich's own: COLUMNS, else the terminal's) unless COLUMNS is
    below :data:`MIN_WIDTH`; 0, with which rich prints nothing at all, is taken as unset."""
    columns = os.environ.get("COLUMNS", "")
    if not columns.isdigit() or int(columns) >= MIN_WIDTH:  # as rich reads it
        return None
    return max(MIN_WIDTH, shutil.get_terminal_size().columns) if int(columns) == 0 else MIN_WIDTH


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal, asked of its descriptor: rich takes FORCE_COLOR or
    TTY_COMPATIBLE for a yes, and would draw the progress bar into a file."""
    try:
        return os.isatty(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's capture): not a terminal
        return False


err_console = Console(stderr=True, highlight=False, width=console_width())


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


class OutputError(DedupError):
    """The output (a file, or stdout) could not be written."""

    exit_code = 4


class OutputRefused(DedupError):
    """The output path names something dedup will not write over (one of the inputs)."""

    exit_code = 2


class ReaderGone(Exception):
    """The reader of stdout (or of an output pipe) has gone, as ``| head`` does.

    Not an OSError on purpose: click turns a broken pipe into exit code 1 itself."""


class CheckedStream:
    """``sys.stdout`` whose write errors become one :class:`OutputError` line (a full
    disk, an I/O error, a stdout the caller closed: ``stream`` None); a closed pipe
    becomes :class:`ReaderGone` (the CLI ends quietly). ``write`` is for text to read
    (tables): what the locale's encoding cannot show is replaced (``?``); ``writelines``
    for data (JSON, CSV, HTML): UTF-8 whatever the locale, as in an ``--output`` file."""

    def __init__(self, stream, name: str = "stdout"):
        self._stream, self._name = stream, name
        self.closed_fd = stream is None
        self._utf8 = codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name == "utf-8"
        # Python's stdout in the C/POSIX locale (no UTF-8 mode) is surrogateescape: as
        # strict for any character it cannot show (a table's "…" was exit 70).
        if (not self._utf8 and getattr(stream, "errors", None) in ("strict", "surrogateescape")
                and hasattr(stream, "reconfigure")):
            stream.reconfigure(errors="replace")

    def _check(self, call, *args):
        if self.closed_fd:
            raise OutputError(f"cannot write to {self._name}: it is closed")
        try:
            return call(*args)
        except BrokenPipeError:
            raise ReaderGone from None
        except OSError as exc:
            raise OutputError(f"{self._name}: cannot write: {exc.strerror or exc}") from None

    def write(self, text: str) -> int:
        return self._check(lambda: self._stream.write(text))

    def writelines(self, pieces: Iterable[str]) -> None:
        raw = None if self._utf8 or self.closed_fd else getattr(self._stream, "buffer", None)
        if raw is not None:
            self._check(self._stream.flush)  # what was written as text comes first
        for piece in pieces:  # errors of the pieces' producer are not output errors
            if raw is None:
                self._check(lambda: self._stream.write(piece))
            else:
                self._check(raw.write, piece.encode("utf-8"))

    def flush(self) -> None:
        if not self.closed_fd:  # nothing was written, or the write said so
            self._check(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class StdoutConsole(Console):
    """A rich console for stdout whose closed pipe (``| head``) ends the CLI quietly
    (rich's own handler exits with code 1), and whose width is :func:`console_width`."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("width") is None:
            kwargs["width"] = console_width()
        super().__init__(*args, **kwargs)

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise ReaderGone


# What the data must not show a terminal (dedup._controls: C0 and C1 controls, DEL, the
# marks that reorder text, as a right-to-left override in a file name), and the line
# separators; a tab stays.
_CONTROLS = re.compile(f"[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f{BIDI}\u2028\u2029]")


# A path's bytes that are not UTF-8 (or not ASCII, in the C locale) as Python decodes
# them from the command line or a directory: surrogates U+DC80..U+DCFF.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def _as_bytes(run: str) -> str:
    """A run of escaped bytes as the file names of ids show them: UTF-8 decoded, the rest
    ``\\xNN`` (not ``\\udcNN``, which stderr's error handler wrote)."""
    return bytes(ord(c) - 0xDC00 for c in run).decode("utf-8", "backslashreplace")


def one_line(text: str) -> str:
    """``text`` kept to one line of a terminal: control characters (a newline in a file
    name, an escape sequence, a right-to-left override) written as Python escapes
    (``\\n``, ``\\x1b``, ``\\u202e``); a path's bytes that are not UTF-8 as ``\\xNN``."""
    text = _ESCAPED_BYTES.sub(lambda m: _as_bytes(m.group()), text)
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def warn(problem) -> None:
    """One line on stderr for a :class:`~dedup.models.Problem` (an input skipped or noted).
    A stderr that cannot be written (a full disk) drops it: the exit code still says so."""
    to_stderr(one_line(f"dedup: warning: {'skipped ' if problem.skipped else ''}{problem}") + "\n")


MAX_WARNINGS = 100  # warning lines a command prints before one line for the rest


def max_warnings_option():
    """The ``--max-warnings`` option of the commands that read a corpus."""
    return typer.Option(MAX_WARNINGS, "--max-warnings", min=0, metavar="N",
                        help="Name at most N skipped or noted inputs on stderr, then count the rest (0: name all).")


def warn_all(problems, limit: int, where: Optional[str] = None) -> None:
    """:func:`warn` for the first ``limit`` problems (0: all), then one line that counts the
    rest (``where``: where every one is listed): a scrape with a bad record in ten names
    them by the ten thousand, and buries the lines that matter."""
    shown = problems if not limit else problems[:limit]
    for problem in shown:
        warn(problem)
    if len(problems) > len(shown):
        rest = len(problems) - len(shown)
        to_stderr(f"dedup: warning: and {rest:,} more skipped or noted input{'s' if rest > 1 else ''} "
                  f"({where + '; ' if where else ''}--max-warnings 0 names them all)\n")


def to_stderr(text: str) -> None:
    """Write ``text`` to stderr; a stderr that cannot be written (a full disk, an I/O
    error) drops it: the exit code still says what happened."""
    try:
        sys.stderr.write(text)
    except OSError:
        pass


_SIGNALS: list[int] = []  # the termination signals received


def terminate(signum, frame) -> None:
    """SIGTERM, SIGINT and SIGHUP: unwind (KeyboardInterrupt), so a killed run still removes its
    workspace. Remembered too: an exception raised while a finalizer runs is printed
    and dropped, and the run would then finish as if never stopped."""
    _SIGNALS.append(signum)
    raise KeyboardInterrupt


def stopped() -> bool:
    """Whether a termination signal has arrived (see :func:`terminate`)."""
    return bool(_SIGNALS)


def quiet_unraisable(unraisable) -> None:
    """``sys.unraisablehook``: the KeyboardInterrupt of a stop that landed in a
    finalizer is not printed (the run stops at its next check); anything else is."""
    if not (_SIGNALS and isinstance(unraisable.exc_value, KeyboardInterrupt)):
        sys.__unraisablehook__(unraisable)


def _check_stopped() -> None:
    if _SIGNALS:
        raise KeyboardInterrupt


class ProgressBar:
    """A rich progress bar on stderr fed by the library's progress callback."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and stderr_is_terminal()
        self.progress = None
        self.tasks: dict[str, int] = {}
        self.last: dict[str, int] = {}  # each stage's last count, also when no bar is drawn

    def __enter__(self):
        if self.enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                                       TextColumn, TimeElapsedColumn, TimeRemainingColumn)
            from rich.text import Text

            class Rate(ProgressColumn):
                def render(self, task):
                    return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="cyan")

            self.progress = Progress(
                TextColumn("{task.description:>11}"), BarColumn(), MofNCompleteColumn(), Rate(),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                console=err_console, transient=True,
            )
            self.progress.__enter__()
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        _check_stopped()  # a stop a finalizer swallowed ends the run at the next report
        self.last[stage] = done
        if self.progress is None:
            return
        total = total or None  # 0: not known (a stream), so no bar length or eta
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def summary(self) -> str | None:
        """A line on what was read but is not a problem (web-archive records that are not articles)."""
        n = self.last.get("not articles", 0)
        if not n:
            return None
        records = "record was" if n == 1 else "records were"
        return (f"dedup: {n:,} web-archive {records} not articles (requests, warcinfo, metadata, "
                "responses that are not HTML or not 2xx); not read\n")


FIELD_HELP = {f: f"Key/column of JSONL, CSV/TSV and Parquet records that holds the {what} (default: {f})."
              for f, what in (("id", "document id"), ("text", "text"), ("title", "title"), ("date", "date"),
                              ("source", "source (site, agency)"), ("url", "URL"), ("author", "author"))}


_FIELDS = ("id", "text", "title", "date", "source", "url", "author")


def _field(name: str):
    return Annotated[Optional[str], typer.Option(f"--{name}-field", metavar="KEY", help=FIELD_HELP[name],
                                                 show_default=False)]


def with_fields(command):
    """Give a command the ``--*-field`` flags, declared once here for every command that
    reads records; it receives them as ``fields``: a FieldMap, or None when none was given."""
    import functools
    import inspect

    sig = inspect.signature(command, eval_str=True)  # typer reads annotations as objects
    own = [p for p in sig.parameters.values() if p.name != "fields"]
    flags = [inspect.Parameter(f"{name}_field", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                               annotation=_field(name)) for name in _FIELDS]

    @functools.wraps(command)
    def with_flags(*args, **kwargs):
        given = {name: kwargs.pop(f"{name}_field", None) for name in _FIELDS}
        return command(*args, fields=field_map(**given), **kwargs)

    with_flags.__signature__ = sig.replace(parameters=own + flags)
    with_flags.__annotations__ = {p.name: p.annotation for p in own + flags}
    return with_flags


def field_map(**given) -> Optional["FieldMap"]:
    """A FieldMap of the ``--*-field`` flags given (None when none was)."""
    from ..models import FieldMap

    given = {k: v for k, v in given.items() if v is not None}
    for name, value in given.items():
        if not value.strip():
            raise typer.BadParameter("is empty; give the key or column name", param_hint=f"'--{name}-field'")
    return FieldMap(**given) if given else None
