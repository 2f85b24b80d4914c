"""Errors of the persistent index; each is a :class:`dedup.DedupError` with a one-line message."""

from __future__ import annotations

from ..errors import DedupError, InputError


class IndexFileError(DedupError):
    """The index file cannot be used: not an index, written by a newer dedup, damaged."""

    exit_code = 5


class SettingsMismatchError(IndexFileError):
    """The settings asked for differ from the ones the index was built with."""


class IndexLockedError(IndexFileError):
    """Another process held the write lock for longer than the busy timeout."""


class IndexReadOnlyError(IndexFileError):
    """A write to an index opened read-only, or whose file or directory cannot be written."""


class IndexDamagedError(IndexFileError):
    """The index file is damaged (SQLite finds a malformed page); it is not written to."""


class IndexFullError(IndexFileError):
    """The disk (or quota) holding the index is full: the write was undone."""


class IndexWriteError(IndexFileError):
    """A bulk load stopped part way: ``committed`` documents were stored before the error."""

    def __init__(self, message: str, committed: int = 0):
        super().__init__(message)
        self.committed = committed


def reason_of(exc: Exception, path: str) -> str:
    """``exc``'s message without the index path it starts with (for a message that names it first)."""
    reason = str(exc)
    return reason[len(path) + 2 :] if path and reason.startswith(path + ": ") else reason


class DuplicateIdError(InputError):
    """A document with this id is already in the index."""


class UnknownIdError(InputError):
    """No document with this id is in the index."""
