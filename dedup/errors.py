"""Exceptions the library raises; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class DedupError(Exception):
    """Base class of every error dedup raises on purpose."""

    exit_code = 1


class ConfigError(DedupError, ValueError):
    """A setting is out of range or settings contradict each other."""

    exit_code = 2


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
