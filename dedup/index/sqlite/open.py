"""Opening an index file: read-write in WAL mode, or read-only (also where the directory
cannot be written)."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from urllib.parse import quote

from ..errors import IndexFileError
from .errors import kind, no_room_for_shm
from .schema import APPLICATION_ID

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISBLK, "a block device"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))


def check_path(path: str, mode: str) -> None:
    """Refuse, before SQLite opens it, a path it would write to though it holds no index:
    a device or FIFO reports size 0, so SQLite takes it for an empty database and writes
    a header into it (and creates ``-journal``/``-wal`` files beside it); a 0-byte file
    opened without ``rwc`` is not an index and must stay untouched. A missing path
    (whatever ``os.stat`` cannot reach) is left to ``rwc`` to create, in a directory that
    exists. An empty name or one holding a NUL is refused (SQLite would open a temporary
    database, or the name cut at the NUL)."""
    if not path or "\0" in path:
        raise IndexFileError(f"{path!r}: not a file name" + (" (it holds a NUL character)" if path else ""))
    try:
        st = os.stat(path)  # follows symlinks: the target is what SQLite would open
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IndexFileError(f"{path}: too many levels of symbolic links") from None
        if mode != "rwc":
            raise IndexFileError(f"{path}: no such index") from None
        where = os.path.dirname(os.path.realpath(path))  # a dangling symlink: where its target would be
        if not os.path.isdir(where):
            raise IndexFileError(f"{path}: cannot create the index: no such directory {where}") from None
        return
    if not stat.S_ISREG(st.st_mode):
        what = next((name for test, name in _KINDS if test(st.st_mode)), "a special file")
        raise IndexFileError(f"{path}: not a regular file ({what}); a dedup index is a file")
    if st.st_size == 0 and mode != "rwc":
        raise IndexFileError(f"{path}: not a dedup index (empty file)")


def _create(path: str) -> None:
    """A new index file made here, with the mode the umask gives (0664 under 002: a
    team's shared index), as every other output: SQLite makes it 0644 at most, whatever
    the umask, and its -wal and -shm files take the index file's mode. An existing path
    (a file, or a symlink, dangling or not) is left to SQLite as before."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError:
        pass  # there already, or not creatable: SQLite says what it can do


def _open(path: str, timeout: float, mode: str, immutable: bool = False) -> sqlite3.Connection:
    # quoted as bytes: a file name that is not UTF-8 (its bytes kept as surrogates by
    # os.fsdecode) reaches SQLite as the same bytes, not as a UnicodeEncodeError
    uri = f"file:{quote(os.fsencode(path))}?mode={mode}" + ("&immutable=1" if immutable else "")
    try:
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.OperationalError as exc:
        raise IndexFileError(f"{path}: cannot open index: {exc}") from None


def _readable(db: sqlite3.Connection, path: str, timeout: float) -> tuple[sqlite3.Connection, bool]:
    """A read-only connection that can read, and whether it reads the file as immutable:
    where the WAL's shared-memory file cannot be made (a read-only directory; a full disk,
    where SQLite says only "disk I/O error" and every command failed so). SQLite then
    reads the main file alone, so a -wal file with changes in it is refused (its
    committed documents would be missing without a word), and a writer reaching the file
    by another path (a read-only mount of a writable directory) is the caller's to notice
    (:func:`signature`)."""
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db, False
    except sqlite3.OperationalError as exc:
        if kind(exc) not in ("SQLITE_CANTOPEN", "SQLITE_READONLY") and not no_room_for_shm(exc):
            raise
    db.close()
    try:
        pending = os.path.getsize(path + "-wal") > 0
    except OSError:
        pending = False
    if pending:
        raise IndexFileError(f"{path}: its write-ahead log ({os.path.basename(path)}-wal) holds changes that a "
                             "reader in a read-only directory or on a full disk cannot apply (SQLite must create "
                             "the -shm file beside it): read the index where its directory can be written, or once "
                             "its writer has closed it")
    db = _open(path, timeout, "ro", immutable=True)
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return db, True


def signature(path: str) -> tuple[int, int] | None:
    """What changes when a file is written: its size and modification time (None: gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _wal_allowed(db: sqlite3.Connection, mode: str) -> bool:
    """Switching to WAL writes the file's header: only into an index, or a file being
    created (no schema yet). Another program's database is left as it is, for the
    caller's check to refuse (these reads write nothing)."""
    if db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
        return True
    return mode == "rwc" and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def connect(path: str, timeout: float, durable: bool, mode: str) -> tuple[sqlite3.Connection, bool]:
    """A connection in ``mode`` (``ro``, ``rw``, ``rwc``) set up for the index, and whether
    it reads the file as immutable (:func:`_readable`). Raises
    :class:`IndexFileError` (also for a path that is no regular file, or is missing or
    empty without ``rwc``: see :func:`check_path`), or the ``sqlite3.DatabaseError`` for
    the caller to translate."""
    check_path(path, mode)
    if mode == "rwc":
        _create(path)
    db, immutable = _open(path, timeout, mode), False
    try:
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if mode == "ro":
            db, immutable = _readable(db, path, timeout)
        elif _wal_allowed(db, mode):
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
    return db, immutable
