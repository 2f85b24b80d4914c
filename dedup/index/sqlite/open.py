"""Opening an index file: read-write in WAL mode, or read-only (also where the directory
cannot be written)."""

from __future__ import annotations

import sqlite3
from urllib.request import pathname2url

from ..errors import IndexFileError
from .errors import kind


def _open(path: str, timeout: float, mode: str, immutable: bool = False) -> sqlite3.Connection:
    uri = f"file:{pathname2url(path)}?mode={mode}" + ("&immutable=1" if immutable else "")
    try:
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.OperationalError as exc:
        raise IndexFileError(f"{path}: cannot open index: {exc}") from None


def _readable(db: sqlite3.Connection, path: str, timeout: float) -> sqlite3.Connection:
    """A read-only connection that can read. Where the WAL's shared-memory file cannot be
    made (a read-only directory), the file is read as immutable: no writer can work there
    either, but the changes of a writer that crashed before its last checkpoint and left
    its -wal file behind are not seen."""
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if kind(exc) not in ("SQLITE_CANTOPEN", "SQLITE_READONLY"):
            raise
    db.close()
    db = _open(path, timeout, "ro", immutable=True)
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return db


def connect(path: str, timeout: float, durable: bool, mode: str) -> sqlite3.Connection:
    """A connection in ``mode`` (``ro``, ``rw``, ``rwc``) set up for the index. Raises
    :class:`IndexFileError`, or the ``sqlite3.DatabaseError`` for the caller to translate."""
    db = _open(path, timeout, mode)
    try:
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if mode == "ro":
            db = _readable(db, path, timeout)
        else:
            got = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if got.lower() != "wal":  # pragma: no cover - e.g. a file system without shared memory
                raise IndexFileError(f"{path}: cannot switch the index to WAL mode (got {got})")
            # NORMAL (WAL): a committed add survives a killed or crashed process, and the file
            # is never damaged; FULL also fsyncs each commit so it survives power loss.
            db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        db.execute("PRAGMA foreign_keys = OFF")
        # The band and word B-trees are updated at random places; a bigger page cache
        # keeps their inner pages in memory (64 MiB per connection).
        db.execute("PRAGMA cache_size = -65536")
        # Read pages through a memory map instead of a read() call each (capped by the
        # SQLite build, 2 GiB by default).
        db.execute("PRAGMA mmap_size = 2147418112")
        # A bulk load's merge grows the WAL to its size; give the space back afterwards.
        db.execute("PRAGMA journal_size_limit = 67108864")
    except BaseException:
        db.close()
        raise
    return db
