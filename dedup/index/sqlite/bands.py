"""The SQLite store's band keys: LSH band key -> document rows in the main table, its
levels and the bulk runs, and the writing of what a transaction added (a mixin of
:class:`dedup.index.sqlite.store.SqliteStore`, whose connection and transactions it uses;
see :mod:`.levels` and :mod:`.runs`)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from . import levels
from . import runs


class Bands:
    """Band keys, and the flush of a transaction's pending keys and counts (``self.db``:
    the store's connection; ``self._new_bands``, ``_new_words``, ``_new_grams``: what
    waits to be written; ``self._band_sql``, ``_any_sql``: statements by table set;
    ``self._words_written``: :class:`.counts.Counts`' word-count cache told of the writes)."""

    def band_tables(self) -> tuple[str, ...]:
        """Every table holding band keys: the main one, its levels, the bulk runs."""
        return levels.BAND_TABLES + tuple(runs.names(self.db))

    def band_rows(self, keys: np.ndarray, limit: int | None = None) -> list[tuple[int, int]]:
        """``(key, doc)`` rows of ``keys``; ``limit``: at least each key's ``limit`` first
        docs, and all of them when it has fewer (each table gives its first ``limit``)."""
        self._flush()
        with self.read():  # the run list and the rows from one snapshot
            tables = self.with_rows(self.band_tables())
            if not tables:
                return []
            statements = self._band_sql.get(tables)
            if statements is None:
                if len(self._band_sql) > 64:  # the levels fill and empty: a few sets recur
                    self._band_sql.clear()
                statements = self._band_sql[tables] = (levels.band_rows(tables), levels.band_rows(tables, limited=True))
            if limit is None:
                return self.db.execute(statements[0], (json.dumps(keys.tolist()),)).fetchall()
            limits = (max(1, int(limit)),) * len(tables)  # one a table: plain ? placeholders
            return self.db.execute(statements[1], (json.dumps(keys.tolist()), *limits)).fetchall()

    def with_rows(self, tables: tuple[str, ...]) -> tuple[str, ...]:
        """Those of ``tables`` holding a row now (in the caller's transaction): a look-up
        seeks every table once a key, and the levels of an index that takes no single
        adds (a bulk load's) are empty."""
        sql = self._any_sql.get(tables)
        if sql is None:
            sql = self._any_sql[tables] = "SELECT " + ", ".join(f"EXISTS (SELECT 1 FROM {t})" for t in tables)
        return tuple(t for t, x in zip(tables, self.db.execute(sql).fetchone()) if x)

    def add_bands(self, rowid: int, keys: np.ndarray) -> None:
        self._new_bands.append((rowid, keys))

    def delete_bands(self, rowid: int, keys: np.ndarray) -> None:
        self._flush()
        rows = [(k, rowid) for k in keys.tolist()]
        for t in self.band_tables():
            self.db.executemany(f"DELETE FROM {t} WHERE key = ? AND doc = ?", rows)

    def _flush(self) -> None:
        """Write the pending band keys, word and n-gram counts: one document's (or a
        removal's) to level 0, then one sweep; a batch's band keys to a new sorted run
        (then runs of one size are merged), its counts to the main tables, sorted."""
        if not self._new_bands and not self._new_words and not self._new_grams:
            return
        new, self._new_bands = self._new_bands, []
        words, self._new_words = sorted(self._new_words.items()), Counter()
        grams, self._new_grams = sorted(self._new_grams.items()), Counter()
        self._words_written(words)
        if len(new) > 1:
            keys = np.concatenate([k for _, k in new])
            docs = np.repeat(np.array([r for r, _ in new], dtype=np.int64), [len(k) for _, k in new])
            order = np.lexsort((docs, keys))
            runs.write(self.db, zip(keys[order].tolist(), docs[order].tolist()))
            runs.compact(self.db)
            self.db.executemany(levels.add_counts("words", "word"), words)
            self.db.executemany(levels.add_counts("grams", "gram"), grams)
            return
        for rowid, keys in new:
            self.db.executemany(f"INSERT OR IGNORE INTO {levels.BAND_LEVELS[0]} VALUES (?, ?)", ((k, rowid) for k in keys.tolist()))
        self.db.executemany(levels.add_counts(levels.WORD_LEVELS[0], "word"), words)
        self.db.executemany(levels.add_counts(levels.GRAM_LEVELS[0], "gram"), grams)
        t = int(self.db.execute("SELECT value FROM meta WHERE key='sweep'").fetchone()[0])
        levels.sweep(self.db, t)
        self.db.execute("UPDATE meta SET value = ? WHERE key='sweep'", (str(t + 1),))

    def bulk_mark(self) -> int:
        """A mark for :meth:`bulk_done`: runs made after it belong to one bulk load."""
        return runs.next_seq(self.db)

    def bulk_done(self, mark: int) -> None:
        """Merge the runs made since ``mark`` into one, so lookups read few tables."""
        with self.write():
            runs.compact(self.db, since=mark)
