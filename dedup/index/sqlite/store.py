"""The index's storage in one SQLite file (stdlib ``sqlite3``), WAL mode.

Every change is one transaction taken with ``BEGIN IMMEDIATE``, so a crash at any moment
leaves the committed documents and nothing half-written; readers see a consistent
snapshot while one writer works, and a second writer waits ``timeout`` seconds for the
lock and then gets :class:`IndexLockedError`.

Tables: ``docs`` (the documents, their provenance facts, content paragraphs, story),
``bands`` (LSH band key -> document), ``words`` (word document frequencies), ``lines``
and ``sources`` (line recurrence per source, for furniture), ``grams`` (documents carrying
each counted word n-gram anchor, for furniture inside paragraphs), ``links`` (documents known
to share text), ``cache`` (the last batch clustering), ``meta`` (settings, versions).

``bands``, ``words`` and ``grams`` have small level tables in front (see :mod:`.levels`);
bulk loads write band keys to sorted runs (``bands_r<n>``, listed in ``runs``; see
:mod:`.runs`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np

from . import levels
from .schema import ADDITIVE, APPLICATION_ID, SCHEMA_VERSION, create_statements, upgrade_statements
from ..errors import IndexDamagedError, IndexFileError, IndexReadOnlyError
from .errors import errors_translated, translate
from .open import connect, signature
from .counts import Counts
from .stories import Stories, in_chunks, placeholders
from .bands import Bands

DOC_COLUMNS = "doc, id, text, title, date, source, url, f_date, f_credits, ntokens, paras, story, author, prepared"
# older files read where they cannot be upgraded: schema 4 has neither column, 5 and 6 no prepared arrays
_NO_PREPARED = DOC_COLUMNS.replace(", prepared", ", NULL")
_NO_AUTHOR = _NO_PREPARED.replace(", author", ", NULL")
ONE_THREAD = "an Index is used by one thread at a time; open one per thread (several may share the file)"


class SqliteStore(Bands, Counts, Stories):
    """Low-level access to one index file; :class:`dedup.Index` holds the logic.

    Every SQLite error of its methods becomes an :class:`IndexFileError` (one line; read-only,
    damaged, disk full, locked each said plainly). Once the file is seen damaged, this
    store refuses to write to it."""

    SCHEMA = SCHEMA_VERSION

    def __init__(self, path: str, timeout: float = 5.0, durable: bool = False, create: bool = True,
                 readonly: bool = False):
        self.path = path
        self.timeout = timeout
        self.readonly = readonly
        self.damaged = False
        try:
            self.db, immutable = connect(path, timeout, durable, "ro" if readonly else "rwc" if create else "rw")
        except sqlite3.DatabaseError as exc:
            raise self._translate(exc) from None
        # read as immutable (a read-only directory): the file as it was, to tell a writer's change from damage
        self._as_opened = signature(path) if immutable else None
        # Band keys and word counts are written when the transaction ends (see _flush).
        self._new_bands: list[tuple[int, np.ndarray]] = []
        self._band_sql: dict[tuple, tuple[str, str]] = {}  # tables: (all rows, first rows)
        self._any_sql: dict[tuple, str] = {}  # tables: which of them hold a row (with_rows)
        self._new_words: Counter = Counter()
        self._new_grams: Counter = Counter()
        self._columns = DOC_COLUMNS  # the columns of a document row (see upgrade)
        # the tables of n-gram counts: none in a schema-5 file read as is, the main one
        # alone in a file of schema 6 or 7 read as is
        self._gram_tables = levels.GRAM_TABLES
        self._owner: int | None = None  # the thread that began the open transaction

    def close(self) -> None:
        self.db.close()

    # -- transactions -------------------------------------------------------------

    def _begin(self, statement: str) -> None:
        try:
            busy = self.db.in_transaction  # a connection closed meanwhile raises here
        except sqlite3.DatabaseError as exc:
            raise self._translate(exc) from None
        if busy and self._owner != threading.get_ident():
            raise IndexFileError(f"{self.path}: {ONE_THREAD}")
        try:
            self.db.execute(statement)
        except sqlite3.DatabaseError as exc:
            if self.db.in_transaction and self._owner != threading.get_ident():  # begun by another just now
                raise IndexFileError(f"{self.path}: {ONE_THREAD}") from None
            raise self._translate(exc) from None
        self._owner = threading.get_ident()

    def _rollback(self) -> None:
        self._new_bands.clear()
        self._new_words.clear()
        self._new_grams.clear()
        self._words_dropped()
        if self.db.in_transaction:  # SQLite rolls back by itself after some errors (disk full)
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.DatabaseError:  # the connection is unusable; closing it undoes the rest
                pass

    @contextmanager
    def write(self):
        """One write transaction: all of it is committed, or none of it."""
        if self.readonly:
            raise IndexReadOnlyError(f"{self.path}: the index was opened read-only; cannot write to it")
        if self.damaged:
            raise IndexDamagedError(f"{self.path}: the index is damaged; nothing was written to it")
        self._begin("BEGIN IMMEDIATE")
        try:
            yield self
            self._flush()
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise self._translate(exc) from None
        except BaseException:
            self._rollback()
            raise

    @contextmanager
    def read(self):
        """A consistent snapshot for several reads (nested in a write: that write's view)."""
        if self.db.in_transaction:
            if self._owner != threading.get_ident():  # not this thread's view to share
                raise IndexFileError(f"{self.path}: {ONE_THREAD}")
            yield self
            return
        self._begin("BEGIN")
        try:
            yield self
        except BaseException:
            self._rollback()
            raise
        if self.db.in_transaction:
            try:
                self.db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise self._translate(exc) from None

    def quick_check(self) -> None:
        """Raise :class:`IndexDamagedError` unless SQLite's ``quick_check`` finds the file
        whole (reads every page: about a second per 150 MB)."""
        with self.read():
            problems = [r[0] for r in self.db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            self.damaged = True
            first = " ".join(problems[0].replace("*** in database main ***", "").split())
            raise IndexDamagedError(f"{self.path}: the index is damaged ({first}); nothing was written to it")

    def _translate(self, exc: sqlite3.DatabaseError) -> IndexFileError:
        if getattr(self, "_as_opened", None) is not None and signature(self.path) != self._as_opened:
            # SQLite reads an immutable file without locks: a change under it reads as damage
            return IndexFileError(f"{self.path}: the index changed while it was read from a read-only directory "
                                  "(a writer reaches it by another path); read it again")
        err = translate(exc, self.path)
        if isinstance(err, IndexDamagedError):
            self.damaged = True
        return err

    # -- meta ---------------------------------------------------------------------

    def is_empty_file(self) -> bool:
        return self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0

    def application_id(self) -> int:
        return self.db.execute("PRAGMA application_id").fetchone()[0]

    def create(self, meta: dict) -> None:
        with self.write():
            if not self.is_empty_file():  # another process created it meanwhile
                return
            for stmt in create_statements():
                self.db.execute(stmt)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            self.db.execute("INSERT INTO meta VALUES ('generation', '0')")
            self.db.execute("INSERT INTO meta VALUES ('sweep', '0')")

    def upgrade(self, schema: int) -> bool:
        """Bring an older file to this schema; False if it is too old to upgrade."""
        if not upgrade_statements(schema):
            return False
        if self.readonly and schema in ADDITIVE:
            if schema < 7:
                self._columns = _NO_AUTHOR if schema < 5 else _NO_PREPARED
            self._gram_tables = () if schema < 6 else ("grams",)
            return True
        if self.readonly:
            raise IndexReadOnlyError(f"{self.path}: index schema {schema} must be upgraded to {SCHEMA_VERSION} "
                                     "before it can be read; open it once where it can be written")
        with self.write():
            found = self.schema_version()  # another process may have upgraded it meanwhile
            for stmt in upgrade_statements(found):
                self.db.execute(stmt)
            if 0 < found < 4:
                from ..analysis import content_hash

                self.db.executemany("INSERT OR IGNORE INTO hashes VALUES (?, ?)",
                                    ((content_hash(text), doc) for doc, text in
                                     self.db.execute("SELECT doc, text FROM docs").fetchall()))
            if 0 < found < 6:
                self._count_grams()
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return True

    def _count_grams(self) -> None:
        """The n-gram counts of the stored documents (an upgrade; one tokenizing pass, as
        the content hashes of schema 4 took)."""
        from ..analysis import GRAM_MODULUS, signed, text_grams

        counts: Counter = Counter()
        for (text,) in self.db.execute("SELECT text FROM docs"):
            counts.update(signed(text_grams(text, GRAM_MODULUS)).tolist())
        self.db.executemany("INSERT INTO grams VALUES (?, ?)", sorted(counts.items()))
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('gram_modulus', ?)", (json.dumps(GRAM_MODULUS),))

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def set_meta(self, key: str, value) -> None:
        """Set one meta value (in the caller's write transaction)."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def generation(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def bump_generation(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='generation'")

    # -- documents ----------------------------------------------------------------

    def count(self) -> int:
        # count(*) scans the table; per-source counts are kept anyway and sum to it.
        return self.db.execute("SELECT coalesce(sum(n), 0) FROM sources").fetchone()[0]

    def doc_by_id(self, doc_id: str):
        return self.db.execute(f"SELECT {self._columns} FROM docs WHERE id = ?", (doc_id,)).fetchone()

    def existing_ids(self, ids: list[str]) -> set[str]:
        out: set[str] = set()
        for part in in_chunks(ids):
            out.update(r[0] for r in self.db.execute(f"SELECT id FROM docs WHERE id IN ({placeholders(len(part))})", part))
        return out

    def docs_by_rowid(self, rowids: Iterable[int]) -> list:
        rowids = sorted(set(rowids))
        rows = []
        for part in in_chunks(rowids):
            rows.extend(self.db.execute(f"SELECT {self._columns} FROM docs WHERE doc IN ({placeholders(len(part))})",
                                        part))
        return rows

    def set_analysis(self, rowid: int, blob: bytes) -> None:
        """Keep a stored document's analysis (:func:`dedup.index.analysis.pack_many`; an upgrade)."""
        self.db.execute("UPDATE docs SET prepared = ? WHERE doc = ?", (blob, rowid))

    def rowids(self) -> list[int]:
        """Every stored document's rowid, in the order they were added."""
        return [r for (r,) in self.db.execute("SELECT doc FROM docs ORDER BY doc")]

    def iter_docs(self) -> Iterator[tuple]:
        author = "NULL" if self._columns == _NO_AUTHOR else "author"
        yield from self.db.execute(f"SELECT id, text, title, date, source, url, {author} FROM docs ORDER BY id")

    def insert_doc(self, row: tuple) -> int:
        """Insert one document (columns after ``doc`` but ``story``, which is set to its own rowid)."""
        cur = self.db.execute(
            "INSERT INTO docs (id, text, title, date, source, url, f_date, f_credits, ntokens, paras, author, prepared, "
            "story) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1)", row)
        rowid = cur.lastrowid
        self.db.execute("UPDATE docs SET story = doc WHERE doc = ?", (rowid,))
        return rowid

    def docs_with_hash(self, content: int) -> list[int]:
        """Rowids of the stored documents whose content hash is ``content``."""
        return [r for (r,) in self.db.execute("SELECT doc FROM hashes WHERE hash = ?", (content,))]

    def add_hash(self, content: int, rowid: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO hashes VALUES (?, ?)", (content, rowid))

    def delete_hash(self, content: int, rowid: int) -> None:
        self.db.execute("DELETE FROM hashes WHERE hash = ? AND doc = ?", (content, rowid))

    def delete_doc(self, rowid: int) -> None:
        self.db.execute("DELETE FROM docs WHERE doc = ?", (rowid,))
        self.db.execute("DELETE FROM links WHERE a = ? OR b = ?", (rowid, rowid))

    # -- clustering cache ----------------------------------------------------------------

    def cached_report(self, generation: int) -> str | None:
        row = self.db.execute("SELECT report FROM cache WHERE generation = ?", (generation,)).fetchone()
        return row[0] if row else None

    def put_report(self, generation: int, report: str) -> None:
        self.db.execute("DELETE FROM cache")
        self.db.execute("INSERT INTO cache VALUES (?, ?)", (generation, report))

    # -- health ----------------------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        def count(t: str) -> int:
            return self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]

        return {"docs": count("docs"), "bands": sum(count(t) for t in self.band_tables()),
                "words": self.db.execute(levels.WORD_ROWS).fetchone()[0], "lines": count("lines"), "links": count("links"),
                "grams": self.db.execute(levels.positive_count("gram", self._gram_tables)).fetchone()[0]
                if self._gram_tables else 0}

    def free_bytes(self) -> int:
        """Bytes of the file on its free list (left by merged runs and removals; reused by
        later writes)."""
        pages = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        return pages * self.db.execute("PRAGMA page_size").fetchone()[0]

    def vacuum(self) -> None:
        """Rewrite the file without its free pages (needs as much free disk as the file
        and waits for the write lock like any writer)."""
        if self.readonly or self.damaged:
            with self.write():  # raises the reason
                pass
        self.db.execute("VACUUM")
        self.checkpoint()

    def checkpoint(self) -> None:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


SqliteStore = errors_translated(SqliteStore)
