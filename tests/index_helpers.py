"""Small corpora for the index tests, a writer killed mid-work, a full disk, and what an
index stores."""

import os
import select
import signal
import sqlite3
import time
from pathlib import Path

import pytest

import dedup
from dedup.index import seeds
from dedup.index.sqlite.store import SqliteStore
from dedup.index.sqlite.levels import GRAM_TABLES

from textgen import article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_docs() -> list[dedup.Document]:
    return [dedup.Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


def mixed_docs() -> list[dedup.Document]:
    """The seeds plus a syndicated story (trimmed copy, partial reuse) and furniture."""
    base = article(11, paragraphs=6)
    paras = base.split("\n\n")
    foot = "\n\nShare this story\nCopyright 2024 Example News. All rights reserved."
    extra = [
        dedup.Document(id="w1", text=base + foot, source="wire", date="2024-03-01T10:00:00"),
        dedup.Document(id="w2", text="\n\n".join(paras[1:]) + foot, source="paper", date="2024-03-01T12:00:00"),
        dedup.Document(id="w3", text=article(12, 4) + "\n\n" + paras[2] + " " + paras[3] + foot,
                       title="Other story", date="2024-03-02"),
        dedup.Document(id="w4", text=article(13, 5), url="https://example.org/x"),
    ]
    return seed_docs() + extra


READY = b"+\n"


def kill_writer_after(delay: float, writer, *args, ready: bool = False) -> set[str]:
    """Fork ``writer(*args, fd)`` (it writes each id whose call returned, a line each, to
    ``fd``), SIGKILL it after ``delay`` seconds, and return the ids it reported. With
    ``ready`` the delay starts once the writer has written :data:`READY` (its index is
    open), so that a loaded machine's slow start does not eat every kill window."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(rd)
        writer(*args, wr)
    os.close(wr)
    if ready:
        assert select.select([rd], [], [], 60)[0], "the writer did not open its index within 60 s"
        assert os.read(rd, len(READY)) == READY
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with os.fdopen(rd, "rb") as fh:
        return {x for x in fh.read().decode().split("\n") if x}


def stored_state(path: str) -> dict:
    """Everything a bulk load writes, independent of how band keys are split into tables."""
    con = sqlite3.connect(path)
    runs = [n for (n,) in con.execute("SELECT name FROM runs")]
    tables = ["bands"] + [f"bands{i}" for i in range(5)] + runs
    bands = sorted(r for t in tables for r in con.execute(f"SELECT key, doc FROM {t}"))
    out = {
        "docs": con.execute("SELECT doc, id, ntokens, paras, f_date, f_credits FROM docs ORDER BY doc").fetchall(),
        "bands": bands,
        "words": con.execute("SELECT word, n FROM words ORDER BY word").fetchall(),
        "lines": con.execute("SELECT key, source, n FROM lines ORDER BY key, source").fetchall(),
        # summed over their levels (a single add writes level 0, a bulk load the main table)
        "grams": con.execute("SELECT gram, sum(n) FROM (" + " UNION ALL ".join(
            f"SELECT gram, n FROM {t}" for t in GRAM_TABLES) + ") GROUP BY gram HAVING sum(n) != 0 ORDER BY gram").fetchall(),
        "runs": len(runs),
    }
    con.close()
    return out


@pytest.fixture
def small_disk(monkeypatch):
    """Every index file opened may grow by ``room[0]`` pages only: SQLite then fails
    with SQLITE_FULL ("database or disk is full"), as on a full disk."""
    room = [0]
    real = SqliteStore.__init__

    def init(self, *args, **kwargs):
        real(self, *args, **kwargs)
        n = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {n + room[0]}")

    monkeypatch.setattr(SqliteStore, "__init__", init)
    return room


def check_bigram_rows(stored: dict, bands: dict, carriers: dict, live: set) -> tuple[dict, dict]:
    """Check a store's rare-bigram rows against the rules of :mod:`dedup.index.seeds` and
    take them out of ``stored`` (key -> rowids of every band-table row; left with the band
    rows, to compare with ``bands``). ``carriers``: every live document's bigram keys ->
    the live documents carrying them. A bigram's rows are all its carriers while fewer than
    FULL; once full, FULL rows for good (a removed carrier's row stays: a full bigram never
    seeds again). The carried bigrams' rows and those of full bigrams whose carriers were
    all removed."""
    gram_rows = {k: stored.pop(k, set()) for k in carriers}
    for k, docs in carriers.items():
        got = gram_rows[k]
        assert got == docs if len(got) < seeds.FULL else (len(got) == seeds.FULL and got & live <= docs), k
    gone = {k: stored.pop(k) for k in list(stored) if k not in bands}
    assert all(len(v) == seeds.FULL and not v & live for v in gone.values())
    return gram_rows, gone


def made_before_seeds(path: str) -> None:
    """Make the SQLite index at ``path`` (created empty when missing) as a dedup before the
    rare-bigram seeds made it: no ``bigram_seeds`` in its meta."""
    import sqlite3

    with dedup.Index.open(path, jobs=1):
        pass
    con = sqlite3.connect(path)
    con.execute("DELETE FROM meta WHERE key = 'bigram_seeds'")
    con.commit()
    con.close()
