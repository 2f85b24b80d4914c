"""Exceptions the library raises; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations

import errno


class DedupError(Exception):
    """Base class of every error dedup raises on purpose."""

    exit_code = 1


class ConfigError(DedupError, ValueError):
    """A setting is out of range or settings contradict each other.

    ``setting``: the name of the offending setting when there is one (the CLI shows
    its flag instead); ``problem``: what is wrong with it, without the name.
    """

    exit_code = 2

    def __init__(self, message: str, setting: str | None = None, problem: str | None = None):
        super().__init__(message)
        self.setting = setting
        self.problem = problem or message


class InputError(DedupError):
    """Input that cannot be used at all: a missing path, no documents, a bad record."""

    exit_code = 3

    def __init__(self, message: str, path: str | None = None, line: int | None = None, problems=None):
        self.path = path
        self.line = line
        self.problems = list(problems or [])  # the inputs skipped before it, to show why
        where = path or ""
        if path is not None and line is not None:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message


class WorkspaceError(DedupError):
    """The run's temporary workspace cannot be created or written: the disk (or the
    quota, or the file size limit) is full, or the directory is not writable.

    ``directory``: where the workspace was (the system temporary directory or the
    ``work_dir`` given). Not an OSError on purpose: code that skips unreadable input
    files on OSError must not mistake a full workspace for one bad file.
    """

    exit_code = 6

    def __init__(self, message: str, directory: str | None = None):
        super().__init__(message)
        self.directory = directory


class EngineError(DedupError):
    """The engine asked for cannot run: its extra is not installed (``pip install
    'dedup[dask]'``), its scheduler cannot be reached, it was given bad settings, or a
    local worker process died mid-run (killed by a signal: the out-of-memory killer)."""

    exit_code = 7


class OutputDirError(DedupError):
    """A sharded output directory (or URL) cannot be used: it holds files already, or a
    shard cannot be written there."""

    exit_code = 4


class ResourceError(DedupError):
    """The system cannot give the run what it needs: memory, file descriptors,
    processes or threads (a ``ulimit``, or the machine's own limits). Not an OSError,
    as :class:`WorkspaceError` is not."""

    exit_code = 6


_RAN_OUT = {
    errno.EMFILE: "too many open files (ulimit -n)",
    errno.ENFILE: "too many open files in the system",
    errno.ENOMEM: "out of memory",
    errno.EAGAIN: "resource temporarily unavailable (too many processes or threads? ulimit -u)",
}


def exhausted(exc: BaseException) -> str | None:
    """What ran out, in a few words, when ``exc`` says the system ran out of something
    (memory, file descriptors, processes, threads); None for any other error."""
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, OSError) and exc.errno in _RAN_OUT:
        return _RAN_OUT[exc.errno]
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return "cannot start a thread (out of memory, or too many processes: ulimit -v, ulimit -u)"
    if isinstance(exc, ImportError):  # a C extension's library that did not fit in memory (numpy says it so)
        text = f"{exc} {exc.__cause__ or exc.__context__ or ''}".lower()
        if "failed to map segment" in text or "cannot allocate memory" in text:
            return "out of memory (loading a library)"
    return None


def in_one_line(exc: BaseException, limit: int | None = None) -> str:
    """An exception's text on one line (its kind when it has none), cut to ``limit``
    characters (None: whole): a remote server's or a JVM's may run long."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if limit is None or len(text) <= limit else text[:limit - 3] + "..."
