"""What an SQLite error means for the user of the index: one line, and its class."""

from __future__ import annotations

import functools
import os
import sqlite3

from ..errors import IndexDamagedError, IndexFileError, IndexFullError, IndexLockedError, IndexReadOnlyError


def kind(exc: sqlite3.DatabaseError) -> str:
    """The SQLite error's primary code name (``SQLITE_FULL``...), from the message on old Pythons."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name:
        return "_".join(name.split("_")[:2])  # SQLITE_READONLY_DIRECTORY -> SQLITE_READONLY
    msg = str(exc)
    for needle, name in (("locked", "SQLITE_BUSY"), ("busy", "SQLITE_BUSY"), ("not a database", "SQLITE_NOTADB"),
                         ("malformed", "SQLITE_CORRUPT"), ("readonly", "SQLITE_READONLY"), ("disk is full", "SQLITE_FULL"),
                         ("disk I/O", "SQLITE_IOERR"), ("unable to open", "SQLITE_CANTOPEN")):
        if needle in msg:
            return name
    return ""


def no_room_for_shm(exc: sqlite3.DatabaseError) -> bool:
    """SQLite could not grow the WAL's shared-memory (-shm) file: the disk is full. It
    says only "disk I/O error" (SQLITE_IOERR_SHMSIZE), at the first read of a connection."""
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_IOERR_SHMSIZE"


def translate(exc: sqlite3.DatabaseError, path: str) -> IndexFileError:
    """One line saying what an SQLite error means for the user."""
    msg, code = str(exc), kind(exc)
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in msg:  # closed while a call was under way
        return IndexFileError(f"{path}: the index is closed")
    if code in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return IndexLockedError(f"{path}: another process is writing to the index (waited for the lock; try again)")
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return IndexDamagedError(f"{path}: not a dedup index or damaged ({msg}); nothing was written to it")
    if code == "SQLITE_READONLY" or code == "SQLITE_CANTOPEN" and _unwritable(path):
        return IndexReadOnlyError(f"{path}: the index is read-only (the file or its directory cannot be "
                                  f"written); nothing was written to it")
    if no_room_for_shm(exc):
        return IndexFullError(f"{path}: no room for the index's -shm file beside it (is the disk full?): {msg}; "
                              "nothing was written to it")
    if code == "SQLITE_FULL":
        return IndexFullError(f"{path}: cannot write the index: {msg}; the unfinished change was undone")
    if code == "SQLITE_IOERR":
        return IndexFileError(f"{path}: disk error on the index: {msg}; any unfinished change was undone")
    if code == "SQLITE_CANTOPEN":
        return IndexFileError(f"{path}: cannot open the index or its -wal/-shm files ({msg})")
    return IndexFileError(f"{path}: {msg}")


def _unwritable(path: str) -> bool:
    """An existing index file that cannot be written, or in a directory that cannot (a
    read-only mount too: SQLite then cannot make the WAL's -shm file and says CANTOPEN)."""
    where = os.path.dirname(os.path.abspath(path))
    return os.path.exists(path) and not (os.access(path, os.W_OK) and os.access(where, os.W_OK))


def errors_translated(cls):
    """Wrap every public method: SQLite errors become one-line IndexFileErrors."""

    def wrap(fn):
        @functools.wraps(fn)
        def call(self, *args, **kwargs):
            try:
                return fn(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise self._translate(exc) from None

        return call

    def wrap_gen(fn):
        @functools.wraps(fn)
        def call(self, *args, **kwargs):
            try:
                yield from fn(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise self._translate(exc) from None

        return call

    seen: set[str] = set()
    for klass in cls.__mro__[:-1]:  # the mixins' methods too (the nearest definition wins)
        for name, fn in list(vars(klass).items()):
            if name in seen:
                continue
            seen.add(name)
            if callable(fn) and not name.startswith("_") and name not in ("write", "read", "close"):
                setattr(cls, name, (wrap_gen if name.startswith("iter_") else wrap)(fn))
    return cls
