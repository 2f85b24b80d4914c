"""Bulk loads: band keys in sorted runs merged by size, tokenizing on kept workers."""

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.index import analysis as an, seeds
from dedup.index.sqlite import runs as sqlite_runs

from index_helpers import mixed_docs, stored_state
from textgen import article


def corpus(n: int) -> list[dedup.Document]:
    """``n`` documents: stories copied whole or in part, some with a footer."""
    docs = []
    for k in range(n):
        story = article(k % 17, 4)
        text = story if k % 3 else story.split("\n\n", 1)[-1] + "\n\nShare this story"
        docs.append(dedup.Document(id=f"d{k:03d}", text=text, source=f"s{k % 4}"))
    return docs


def band_keys_of(index, doc: dedup.Document, bigrams: bool = False):
    row = index._store.doc_by_id(doc.id)
    p = an.from_paragraphs(row[2], np.frombuffer(row[10], "<i8").reshape(-1, 2).tolist(), index.config)
    keys = an.doc_band_keys([p], index.config)[0]
    return (keys, seeds.bigram_keys(p), row[0]) if bigrams else (keys, row[0])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(1, 40), min_size=1, max_size=6), batch=st.integers(2, 30))
def test_runs_hold_every_key_once(tmp_path_factory, cuts, batch):
    """However the load is split into calls and batches, every stored document's band keys
    are found, each row once, and the number of runs stays bounded."""
    docs = corpus(60)
    path = str(tmp_path_factory.mktemp("runs") / "r.db")
    with dedup.Index.open(path, jobs=1) as index:
        start = 0
        for c in cuts + [len(docs)]:
            index.add_many(docs[start : start + c], batch_size=batch)
            start = min(len(docs), start + c)
        want = set()
        carriers: Counter = Counter()
        for d in docs:  # in the order they were stored
            keys, grams, rowid = band_keys_of(index, d, bigrams=True)
            found = {(k, r) for k, r in index._store.band_rows(keys)}
            assert {(k, rowid) for k in keys.tolist()} <= found
            want |= {(k, rowid) for k in keys.tolist()}
            # a bigram's first FULL carriers, whichever call and batch stored them
            want |= {(k, rowid) for k in grams.tolist() if carriers[k] < seeds.FULL}
            carriers.update(grams.tolist())
    state = stored_state(path)
    assert sorted(want) == state["bands"]  # nothing extra, nothing twice
    assert state["runs"] <= sqlite_runs.FANOUT - 1  # all small: one tier


def test_workers_store_what_one_process_stores(tmp_path):
    """Two worker processes (the pool starts once a batch has several parts) write exactly
    what one process writes."""
    docs = corpus(150)
    states = []
    for jobs in (1, 2):
        path = str(tmp_path / f"j{jobs}.db")
        with dedup.Index.open(path, jobs=jobs) as index:
            index.add_many(docs, batch_size=140)
        states.append(stored_state(path))
    assert states[0] == states[1]
    assert states[0]["runs"] == 1  # the call's two runs merged at its end


def test_remove_reaches_runs_and_answers_stay(tmp_path):
    docs = mixed_docs()
    with dedup.Index.open(str(tmp_path / "a.db"), jobs=1) as bulk, dedup.Index.open(str(tmp_path / "b.db"), jobs=1) as one:
        for k in range(0, len(docs) - 1, 2):  # several calls: several runs, merged by tier
            bulk.add_many(docs[k : k + 2], batch_size=1 if k == 0 else 2)
        one.add_many(docs[:-1])
        assert bulk.query(docs[-1]) == one.query(docs[-1])
        keys, rowid = band_keys_of(bulk, docs[0])
        bulk.remove(docs[0].id)
        assert all(r != rowid for _, r in bulk._store.band_rows(keys))
        assert bulk.clusters().model_dump_json() == dedup.cluster(docs[1:-1], jobs=1).model_dump_json()


def test_tiers():
    assert sqlite_runs.tier(0) == sqlite_runs.tier(sqlite_runs.TIER_BASE - 1) == 0
    assert sqlite_runs.tier(sqlite_runs.TIER_BASE) == 1
    assert sqlite_runs.tier(sqlite_runs.TIER_BASE * sqlite_runs.FANOUT) == 2


def test_vacuum_frees_merged_runs_and_keeps_answers(tmp_path):
    from dedup.cli import main as cli_main

    docs = corpus(40)
    path = str(tmp_path / "v.db")
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(docs[:-1], batch_size=5)  # runs merged: their pages left free
        want = index.query(docs[-1])
        assert index.stats()["free_bytes"] > 0
    before = stored_state(path)
    try:
        cli_main(["index", "vacuum", path])
    except SystemExit as exc:
        assert exc.code in (0, None)
    with dedup.Index.open(path, jobs=1) as index:
        assert index.stats()["free_bytes"] == 0 and index.query(docs[-1]) == want
        assert index._store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert stored_state(path) == before


def test_pipelined_batches_store_what_separate_calls_store(tmp_path):
    """A batch is planned (furniture judged) before the one before it is written; it must
    see the same statistics as when each batch is its own call, written before the next."""
    # Every source signs off with a line of its own; whether it is furniture depends on
    # how many earlier documents of the source carried it, across batches.
    docs = [d.model_copy(update={"text": d.text + f"\n\nReporting by the {d.source} desk for readers across the county"})
            for d in corpus(90)]
    for size in (2, 7):
        states = []
        for mode in ("one call", "a call per batch"):
            path = str(tmp_path / f"{size}-{mode}.db")
            with dedup.Index.open(path, jobs=2) as index:
                if mode == "one call":
                    index.add_many(docs, batch_size=size)
                else:
                    for k in range(0, len(docs), size):
                        index.add_many(docs[k : k + size], batch_size=size)
            states.append({k: v for k, v in stored_state(path).items() if k != "runs"})
        assert states[0] == states[1]
        # the sign-off was judged furniture once it had recurred, and not before
        text = {d.id: d.text for d in docs}
        cut = [np.frombuffer(row[3], "<i8").max() < text[row[1]].rindex("\n\nReporting by") for row in states[0]["docs"]]
        assert any(cut) and not all(cut)
