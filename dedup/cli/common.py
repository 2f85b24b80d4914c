"""Pieces both CLI command groups use: output formats, checked output, the progress bar."""

from __future__ import annotations

import codecs
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Optional, Union

import typer

from rich.console import Console

from ..errors import DedupError

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
        if not self._utf8 and getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
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


# The process's own descriptors: /dev/stdout, /dev/fd/N and /proc/self/fd/N end here.
_FD_PATH = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd/(\d+)")


@dataclass
class Target:
    """Where an output path leads: ``fd`` (one of this process's descriptors), ``direct``
    (not a regular file: a device, a FIFO; written in place) or ``file`` (a regular
    file, new or existing, written atomically); ``path`` with every symlink followed."""

    kind: str
    path: str
    fd: Optional[int] = None
    existing: Optional[os.stat_result] = None


def resolve_output(path: Union[str, os.PathLike]) -> Target:
    """Follow ``path``'s symlinks (one at a time, so that /dev/stdout is seen to be
    descriptor 1 rather than whatever file or pipe that descriptor is) to what it names."""
    p = os.path.abspath(os.fspath(path))
    for _ in range(64):
        head, tail = os.path.split(p)
        p = os.path.join(os.path.realpath(head), tail)
        m = _FD_PATH.fullmatch(p)
        if m:
            if int(m.group(1)) == os.getpid():
                if int(m.group(2)) == 1 and getattr(sys.stdout, "closed_fd", False):
                    raise OutputError("cannot write to stdout: it is closed")
                return Target("fd", p, fd=int(m.group(2)))
            return Target("direct", p)  # another process's descriptor: open it by name
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            if not os.path.isdir(os.path.dirname(p)):
                raise OutputError(f"{path}: cannot write: no such directory {os.path.dirname(p)}") from None
            return Target("file", p)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        if stat.S_ISLNK(st.st_mode):
            p = os.path.join(os.path.dirname(p), os.readlink(p))
            continue
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path}: cannot write: is a directory")
        if stat.S_ISREG(st.st_mode):
            return Target("file", p, existing=st)
        return Target("direct", p)
    raise OutputError(f"{path}: cannot write: too many levels of symbolic links")


def check_output(path: Union[str, os.PathLike], inputs: Sequence[Union[str, os.PathLike]],
                 suffixes: tuple[str, ...] = ()) -> None:
    """Before a run: refuse an output path that cannot be written, or that is one of the
    run's own input files (given, or under a given directory with one of ``suffixes``)."""
    target = resolve_output(path)
    if target.kind == "file" and not os.access(os.path.dirname(target.path), os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write: no permission to create files in {os.path.dirname(target.path)}")
    if target.kind != "file" or target.existing is None:
        return  # a new file, a device, a pipe: nothing of the user's to overwrite
    me = (target.existing.st_dev, target.existing.st_ino)
    for item in inputs:
        item = os.fspath(item)
        if not os.path.isdir(item):
            if _same(item, me):
                raise OutputRefused(f"--output {path} is the input file {item}; not writing over it")
            continue
        for root, _, files in os.walk(item):  # as ingest walks: into no directory symlinks (no cycles)
            for name in files:
                if (not suffixes or name.lower().endswith(suffixes)) and _same(os.path.join(root, name), me):
                    raise OutputRefused(f"--output {path} is the input file {os.path.join(root, name)}; not writing over it")


def _same(path: str, key: tuple[int, int]) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == key


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the only portable way, and put it back
    os.umask(mask)
    return mask


_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")  # a tab stays


def one_line(text: str) -> str:
    """``text`` kept to one line of a terminal: control characters (a newline in a file
    name, an escape sequence) written as Python escapes (``\\n``, ``\\x1b``)."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def warn(problem) -> None:
    """One line on stderr for a :class:`~dedup.models.Problem` (an input skipped or noted)."""
    sys.stderr.write(one_line(f"dedup: warning: {'skipped ' if problem.skipped else ''}{problem}") + "\n")


_SIGNALS: list[int] = []  # the termination signals received


def terminate(signum, frame) -> None:
    """SIGTERM and SIGINT: unwind (KeyboardInterrupt), so a killed run still removes its
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


def write_output(path: Union[str, os.PathLike], data: Union[str, Iterable[str]]) -> None:
    """Write ``data`` (text, or pieces of text) to ``path`` without damaging what is there.

    A regular file (new, existing, or at the end of symlinks, which stay) is written
    atomically: readers never see half of it, an existing file keeps its mode and owner,
    a new one gets the mode the umask gives. Anything else (a device like /dev/null, a
    FIFO, /dev/stdout, /dev/fd/N) is written in place, never renamed over.
    Raises :class:`OutputError` when it cannot be written.
    """
    _check_stopped()  # a stopped run writes nothing
    target = resolve_output(path)
    try:
        if target.kind == "fd":
            sys.stdout.flush()  # what was printed before comes first
            fh = os.fdopen(os.dup(target.fd), "w", encoding="utf-8", newline="")
        elif target.kind == "direct":
            fh = open(target.path, "w", encoding="utf-8", newline="")
        else:
            _write_atomic(target, data)
            return
        with fh:
            _put(fh, data)
    except BrokenPipeError:  # a pipe whose reader stopped early, like stdout's
        raise ReaderGone from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _put(fh, data) -> None:
    if isinstance(data, str):
        fh.write(data)
    else:
        fh.writelines(data)
    fh.flush()


def _write_atomic(target: Target, data) -> None:
    directory = os.path.dirname(target.path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target.path)}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _put(fh, data)
            old = target.existing
            if old is not None:
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    try:  # root writing a user's file: it stays theirs (before chmod, which it would clear)
                        os.fchown(fh.fileno(), old.st_uid, old.st_gid)
                    except PermissionError:
                        pass
                os.fchmod(fh.fileno(), stat.S_IMODE(old.st_mode))
            else:
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        _check_stopped()  # stopped while writing: the old file stays
        os.replace(tmp, target.path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


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
