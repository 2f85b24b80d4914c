"""A writer killed with SIGKILL at random moments never leaves a damaged or half-written index."""

import os
import random
import sqlite3
from collections import Counter

import numpy as np
import pytest

import dedup
from dedup.index import analysis as an
from dedup.index.sqlite.levels import BAND_TABLES, WORD_TABLES

from index_helpers import kill_writer_after
from textgen import article

KILLS = 60


def _writer(path: str, prefix: str, fd: int) -> None:
    """Child: add documents (single and bulk) forever, reporting each id once its call returned."""
    try:
        with dedup.Index.open(path) as index:
            k = 0
            while True:
                if k % 3 == 2:
                    ids = [f"{prefix}-{k}", f"{prefix}-{k + 1}"]
                    index.add_many([{"id": i, "text": article(hash(i) % 10**6, 2), "source": "s"} for i in ids])
                    k += 2
                else:
                    ids = [f"{prefix}-{k}"]
                    index.add({"id": ids[0], "text": article(k % 7, 2) + f"\n\nItem {prefix} {k}.", "source": "s"})
                    k += 1
                os.write(fd, ("\n".join(ids) + "\n").encode())
    finally:
        os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a writer cheaply")
def test_sigkill_at_random_points(tmp_path):
    path = str(tmp_path / "crash.db")
    with dedup.Index.open(path) as index:  # warm caches (LSH banding, permutations) before forking
        index.query({"id": "warm", "text": article(0, 2)})
    rng = random.Random(5)
    returned: set[str] = set()
    for n in range(KILLS):
        returned |= kill_writer_after(rng.uniform(0.0, 0.15), _writer, path, f"k{n}")
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {x for (x,) in con.execute("SELECT id FROM docs")}
        assert returned <= stored, f"lost after kill {n}: {sorted(returned - stored)[:3]}"
        # every stored document is whole: counted in the statistics, with band keys
        ndocs = len(stored)
        assert con.execute("SELECT coalesce(sum(n), 0) FROM sources").fetchone()[0] == ndocs
        tables = BAND_TABLES + tuple(n for (n,) in con.execute("SELECT name FROM runs"))  # levels and bulk runs
        bands = " UNION ".join(f"SELECT doc FROM {t}" for t in tables)
        assert con.execute(f"SELECT count(DISTINCT doc) FROM ({bands})").fetchone()[0] == ndocs
        con.close()
    assert len(returned) > KILLS // 2  # the writer got somewhere between kills (timing-robust under load)
    with dedup.Index.open(path) as index:
        assert len(index) >= len(returned)
        index.add({"id": "after", "text": article(1, 2)})  # still writable
        cfg = index.config
        con = index._store.db
        words: Counter = Counter()
        for text, paras in con.execute("SELECT text, paras FROM docs"):
            p = an.from_paragraphs(text, np.frombuffer(paras, "<i8").reshape(-1, 2).tolist(), cfg)
            words.update(an.signed(p.vocab).tolist())
        stored = " UNION ALL ".join(f"SELECT word, n FROM {t}" for t in WORD_TABLES)  # summed over the levels
        assert dict(con.execute(f"SELECT word, sum(n) FROM ({stored}) GROUP BY word HAVING sum(n) != 0")) == dict(words)
