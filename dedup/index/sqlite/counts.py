"""The SQLite store's corpus statistics: word document frequencies (with their levels),
line recurrence per source, and word n-gram anchor counts (a mixin of
:class:`dedup.index.sqlite.store.SqliteStore`, whose connection it uses)."""

from __future__ import annotations

import json

import numpy as np

from . import levels

# Word counts a store keeps in memory between answers (a dict: about 100 bytes each). A
# query reads the counts of its candidates' whole vocabulary, some 1 to 2 microseconds a
# word from the tables (40 ms for the 20,000 words of a story with 40 stored copies), and
# the common words are read again by every query.
WORD_CACHE = 1 << 18


class Counts:
    """Word, line and n-gram counts (``self.db``: the store's connection)."""

    _word_cache: dict[int, int] | None = None  # counts read in a transaction, while ...
    _word_version: int = -1  # ... no other connection has written (PRAGMA data_version)

    def word_counts(self, words: np.ndarray) -> np.ndarray:
        """Documents carrying each of ``words`` (int64, distinct). In a transaction the
        counts read are kept while no other connection commits (SQLite's
        ``data_version``, which a transaction reads as of its snapshot); this
        connection's own writes update them (:meth:`_words_written`), a rollback drops
        them."""
        self._flush()
        cache = self._kept_words()
        keys = words.tolist()
        out = np.fromiter((cache.get(w, -1) for w in keys), np.int64, len(keys))
        miss = np.flatnonzero(out < 0)
        if len(miss):
            out[miss] = self._word_rows(words[miss])
            if len(cache) + len(miss) > WORD_CACHE:
                cache.clear()
            if len(miss) <= WORD_CACHE:
                cache.update(zip(words[miss].tolist(), out[miss].tolist()))
        return out

    def _word_rows(self, words: np.ndarray) -> np.ndarray:
        rows = self.db.execute(levels.WORD_ROWS_OF, (json.dumps(words.tolist()),)).fetchall()  # summed over levels
        out = np.zeros(len(words), dtype=np.int64)
        if rows:
            found = np.array(rows, dtype=np.int64)
            order = np.argsort(words)  # uint64 order seen as int64 is not sorted
            out[order[np.searchsorted(words[order], found[:, 0])]] = found[:, 1]
        return out

    def _kept_words(self) -> dict[int, int]:
        """The kept counts, emptied when another connection has written since; outside a
        transaction (no snapshot to tie them to) a throwaway one."""
        if not self.db.in_transaction:
            return {}
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._word_cache is None or version != self._word_version:
            self._word_cache, self._word_version = {}, version
        return self._word_cache

    def _words_written(self, words: list[tuple[int, int]]) -> None:
        """This connection wrote these count changes (in its open transaction)."""
        cache = self._word_cache
        if cache:
            for w, n in words:
                if w in cache:
                    cache[w] += n

    def _words_dropped(self) -> None:
        """A rollback: the kept counts may hold what was undone."""
        self._word_cache = None

    def add_words(self, counts: dict[int, int]) -> None:
        """Add to word document frequencies (a count that reaches zero counts as absent)."""
        self._new_words.update(counts)

    def line_stats(self, keys: list[int], sources: list[str]) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
        """For the given line keys: ``{(key, source): documents}`` in the given sources
        only, and ``{key: documents in any source}``. A common line is carried by
        thousands of sources; its rows are summed here, not returned."""
        args = (json.dumps(keys), json.dumps(sources))
        per = {(k, src): n for k, src, n in self.db.execute(
            levels.KEYS + "SELECT key, source, n FROM q CROSS JOIN lines ON key = k "
            "WHERE source IN (SELECT value FROM json_each(?))", args)}
        total = dict(self.db.execute(
            levels.KEYS + "SELECT key, sum(n) FROM q CROSS JOIN lines ON key = k GROUP BY key", args[:1]))
        return per, total

    def gram_counts(self, grams: np.ndarray) -> np.ndarray:
        """Documents carrying each of ``grams`` (int64, distinct); zeros where none are kept."""
        out = np.zeros(len(grams), dtype=np.int64)
        if not self._gram_tables or not len(grams):
            return out
        self._flush()
        with self.read():  # which levels hold rows, and their rows, from one snapshot
            tables = self.with_rows(self._gram_tables)
            if not tables:
                return out
            found = dict(self.db.execute(levels.counts_of("gram", tables), (json.dumps(grams.tolist()),)))
        if found:
            out[:] = [found.get(g, 0) for g in grams.tolist()]
        return out

    def add_grams(self, counts: dict[int, int]) -> None:
        """Add to n-gram document counts, written with the word counts (the store's
        ``_flush``: level 0 for one document, the main table for a batch); a count that
        reaches zero counts as absent."""
        self._new_grams.update(counts)

    def source_count(self, source: str) -> int:
        row = self.db.execute("SELECT n FROM sources WHERE source = ?", (source,)).fetchone()
        return row[0] if row else 0

    def add_lines(self, counts: dict[tuple[int, str], int], sources: dict[str, int]) -> None:
        self.db.executemany(
            "INSERT INTO lines (key, source, n) VALUES (?, ?, ?) "
            "ON CONFLICT(key, source) DO UPDATE SET n = n + excluded.n",
            [(k, s, n) for (k, s), n in counts.items()])
        self.db.executemany(
            "INSERT INTO sources (source, n) VALUES (?, ?) ON CONFLICT(source) DO UPDATE SET n = n + excluded.n",
            list(sources.items()))
        if any(n < 0 for n in counts.values()):
            self.db.execute("DELETE FROM lines WHERE n <= 0")
            self.db.execute("DELETE FROM sources WHERE n <= 0")
