"""Exceptions the library raises; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


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
