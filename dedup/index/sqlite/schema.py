"""The SQLite index's tables, and the steps that bring an older file up to date."""

from __future__ import annotations

from . import levels
from . import runs

# 2: level tables bands0..4, words0..4; 3: sorted runs of bulk-loaded band keys;
# 4: content hashes (exact copies are found whatever their LSH buckets hold);
# 5: docs.author (a column added at the end: a file of schema 4 is read as is, author
# NULL, where it cannot be written); 6: grams (documents carrying each counted word
# n-gram, for furniture inside paragraphs; counted from the stored texts on upgrade, read
# as all zero in a file of schema 5 that cannot be written); 7: docs.prepared (each
# document's analysis, dedup.index.analysis.pack_many; NULL for the documents of an older file
# until Index.upgrade, and read as NULL in a file of schema 6 that cannot be written);
# 8: level tables grams0..4 (the n-gram counts as the word counts are kept; a file of
# schema 7 that cannot be written is read from its main table).
# Files of schema 1 to 7 are upgraded on open.
SCHEMA_VERSION = 8
APPLICATION_ID = 0x64647570  # "ddup": tells a dedup index from any other SQLite file

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE docs (
    doc INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL, title TEXT, date TEXT, source TEXT, url TEXT,
    f_date TEXT, f_credits TEXT NOT NULL, ntokens INTEGER NOT NULL,
    paras BLOB NOT NULL, story INTEGER NOT NULL, author TEXT, prepared BLOB
);
CREATE INDEX docs_story ON docs(story);
{bands};
{levels}
CREATE TABLE words (word INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE lines (key INTEGER NOT NULL, source TEXT NOT NULL, n INTEGER NOT NULL,
                    PRIMARY KEY (key, source)) WITHOUT ROWID;
CREATE TABLE sources (source TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE links (a INTEGER NOT NULL, b INTEGER NOT NULL, kind TEXT NOT NULL,
                    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX links_b ON links(b);
CREATE TABLE cache (generation INTEGER PRIMARY KEY, report TEXT NOT NULL);
{hashes};
"""
GRAMS = "CREATE TABLE grams (gram INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
HASHES = "CREATE TABLE hashes (hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (hash, doc)) WITHOUT ROWID"
_SCHEMA = (_SCHEMA.replace("{bands}", levels.BAND_TABLE.format("bands")).replace("{levels}\n", levels.SCHEMA)
           .replace("{hashes}", HASHES) + runs.SCHEMA + GRAMS + ";\n" + levels.GRAM_SCHEMA)

# What turns schema N into N + 1.
# (Schema 4's hashes and schema 6's n-gram counts of the stored documents are computed by
# SqliteStore.upgrade.)
_STEPS = {1: levels.SCHEMA + "INSERT INTO meta VALUES ('sweep', '0');\n", 2: runs.SCHEMA, 3: HASHES + ";\n",
          4: "ALTER TABLE docs ADD COLUMN author TEXT;\n", 5: GRAMS + ";\n",
          6: "ALTER TABLE docs ADD COLUMN prepared BLOB;\n", 7: levels.GRAM_SCHEMA}
ADDITIVE = {4, 5, 6, 7}  # schemas whose file is read as is where it cannot be upgraded (the new column read as NULL)


def _statements(script: str) -> list[str]:
    # executescript() would commit mid-transaction: the statements are run one by one.
    return [stmt for stmt in script.split(";") if stmt.strip()]


def create_statements() -> list[str]:
    """The statements that create a new, empty index (of ``SCHEMA_VERSION``)."""
    return _statements(_SCHEMA)


def upgrade_statements(found: int) -> list[str]:
    """The statements that bring a file of schema ``found`` to ``SCHEMA_VERSION`` (none:
    it cannot be upgraded, or need not be)."""
    if found not in _STEPS:
        return []
    return [stmt for v in range(found, SCHEMA_VERSION) for stmt in _statements(_STEPS[v])]
