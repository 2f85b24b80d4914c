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


class DuplicateIdError(InputError):
    """A document with this id is already in the index."""


class UnknownIdError(InputError):
    """No document with this id is in the index."""
