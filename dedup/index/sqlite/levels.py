"""Levels in front of the big hashed-key tables of the SQLite index, ``bands``, ``words`` and ``grams``.

Band keys and word hashes are random, so the ~220 band keys and ~200 words of one
document land on as many different pages of a big B-tree, and each ``add`` used to write
all of them (most of its COMMIT, and growing with the index). Instead a single ``add``
writes to level 0, a table of a few pages, and every ``add`` moves one key-range slice of
each level into the next one, ten times bigger and swept ten times more slowly
(``bands0`` -> ... -> ``bands4`` -> ``bands``; likewise ``words`` and ``grams``). A slice's rows are
adjacent in both tables, so each page written carries many rows, and no ``add`` moves more
than one slice per level (no merge spikes). Lookups read every level (band rows: their
union; word and n-gram counts: their sum, a removal adding -1). A bulk load writes its
counts straight to the main tables and its band keys to sorted runs (:mod:`.runs`).
"""

from __future__ import annotations

# Adds per full sweep of each level; the last level sweeps into the main table.
LEVEL_SWEEPS = (10, 100, 1000, 10000, 100000)
BAND_LEVELS = tuple(f"bands{i}" for i in range(len(LEVEL_SWEEPS)))
WORD_LEVELS = tuple(f"words{i}" for i in range(len(LEVEL_SWEEPS)))
GRAM_LEVELS = tuple(f"grams{i}" for i in range(len(LEVEL_SWEEPS)))
BAND_TABLES = ("bands",) + BAND_LEVELS
WORD_TABLES = ("words",) + WORD_LEVELS
GRAM_TABLES = ("grams",) + GRAM_LEVELS
_KEY_MIN, _KEY_SPAN, _KEY_MAX = -(1 << 63), 1 << 64, (1 << 63) - 1
# Every table of band keys (the main one, the levels, the bulk runs) has this shape.
BAND_TABLE = "CREATE TABLE {} (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID"

SCHEMA = "".join(
    [BAND_TABLE.format(t) + ";\n" for t in BAND_LEVELS]
    + [f"CREATE TABLE {t} (word INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n" for t in WORD_LEVELS])
# Schema 8: the n-gram counts (dedup.index.analysis.grams_of, furniture inside paragraphs)
# get levels too: a document's ~130 random n-gram keys each dirtied a page of the big
# table, 3 of the 7 ms an add's commit took at 100k documents.
GRAM_SCHEMA = "".join(f"CREATE TABLE {t} (gram INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n" for t in GRAM_LEVELS)

# One statement each, prepared once: the keys come as one JSON list, are read once
# (MATERIALIZED) and drive the lookups into every table (CROSS JOIN keeps that order).
KEYS = "WITH q(k) AS MATERIALIZED (SELECT value FROM json_each(?)) "


# Word and n-gram counts are tables of one shape, ``(key column, n)``, each summed over its
# levels: these statements serve both.
def counts_of(column: str, tables) -> str:
    """The look-up of ``(key, documents)`` for a JSON list of keys, summed over ``tables``."""
    return (KEYS + f"SELECT {column}, sum(n) FROM (" + " UNION ALL ".join(
        f"SELECT {column}, n FROM q CROSS JOIN {t} ON {column} = k" for t in tables) + f") GROUP BY {column}")


def positive_count(column: str, tables) -> str:
    """The number of keys whose counts over ``tables`` sum above zero."""
    return (f"SELECT count(*) FROM (SELECT {column} FROM (" + " UNION ALL ".join(
        f"SELECT {column}, n FROM {t}" for t in tables) + f") GROUP BY {column} HAVING sum(n) > 0)")


def add_counts(table: str, column: str) -> str:
    """Add ``(key, n)`` rows to a counts table."""
    return f"INSERT INTO {table} ({column}, n) VALUES (?, ?) ON CONFLICT({column}) DO UPDATE SET n = n + excluded.n"


WORD_ROWS_OF = counts_of("word", WORD_TABLES)
WORD_ROWS = positive_count("word", WORD_TABLES)


def band_rows(tables, limited: bool = False) -> str:
    """The lookup of ``(key, doc)`` rows for a JSON list of keys in every one of ``tables``;
    ``limited``: only each key's first rows (by doc) in each table, as many as the
    statement's parameters after the keys say (one a table) (the last doc wanted is found with one seek per key
    and table, and bounds that table's range: a story stored 1,000 times filled a query's
    lookup with 1,000 rows a key)."""
    if not limited:
        return KEYS + " UNION ALL ".join(f"SELECT key, doc FROM q CROSS JOIN {t} ON key = k" for t in tables)
    last = "(SELECT doc FROM {t} AS x WHERE x.key = q.k ORDER BY x.doc LIMIT 1 OFFSET ? - 1)"
    return KEYS + " UNION ALL ".join(
        f"SELECT key, doc FROM q CROSS JOIN {t} ON key = k AND doc <= coalesce({last.format(t=t)}, {_KEY_MAX})"
        for t in tables)


def _slice(t: int, n: int) -> tuple[int, int]:
    """The signed 64-bit key range (inclusive) that sweep number ``t`` moves out of a level swept every ``n``."""
    s = t % n
    return _KEY_MIN + _KEY_SPAN * s // n, _KEY_MIN + _KEY_SPAN * (s + 1) // n - 1


def sweep(db, t: int) -> None:
    """Sweep number ``t``: move one slice of every level down (in the caller's transaction)."""
    for level, n in enumerate(LEVEL_SWEEPS):
        lo, hi = _slice(t, n)
        src, dst = BAND_TABLES[level + 1], BAND_TABLES[(level + 2) % len(BAND_TABLES)]
        db.execute(f"INSERT OR IGNORE INTO {dst} SELECT key, doc FROM {src} WHERE key BETWEEN ? AND ?", (lo, hi))
        db.execute(f"DELETE FROM {src} WHERE key BETWEEN ? AND ?", (lo, hi))
        _sweep_counts(db, WORD_TABLES, "word", level, lo, hi)
        _sweep_counts(db, GRAM_TABLES, "gram", level, lo, hi)


def _sweep_counts(db, tables: tuple[str, ...], column: str, level: int, lo: int, hi: int) -> None:
    """Move the keys ``lo..hi`` of a counts table's ``level`` into the next table down."""
    src, dst = tables[level + 1], tables[(level + 2) % len(tables)]
    # A key added and removed again sums to 0 here: nothing to carry down.
    db.execute(f"INSERT INTO {dst} ({column}, n) SELECT {column}, n FROM {src} WHERE {column} BETWEEN ? AND ? "
               f"AND n != 0 ON CONFLICT({column}) DO UPDATE SET n = n + excluded.n", (lo, hi))
    db.execute(f"DELETE FROM {src} WHERE {column} BETWEEN ? AND ?", (lo, hi))
    if dst == tables[0]:  # a removal's -1 reaches the main table only after its +1
        db.execute(f"DELETE FROM {dst} WHERE {column} BETWEEN ? AND ? AND n = 0", (lo, hi))
