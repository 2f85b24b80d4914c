"""`Index.upgrade` / `dedup index upgrade`: an index made before the rare-bigram seeds
gets, for every stored document, the rows an index created with them holds, and then
finds the short rewrites such an index finds."""

import shutil
import sqlite3

import numpy as np
import pytest

import dedup
from dedup.index import seeds, upgrade
from dedup.index.errors import IndexReadOnlyError

from index_helpers import made_before_seeds, small_disk  # noqa: F401 (a fixture)
from test_index_seeds import _corpus
from test_index_seeds_hostile import _sound


def _fill(path: str, docs, wire) -> None:
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(docs, batch_size=9)
        index.add(wire)


def _bigram_rows(index, docs) -> list:
    """Every (key, rowid) bigram row of ``docs``' bigrams, sorted."""
    store = index._store
    keys = [seeds.bigram_keys(index._stored_prepared(store.doc_by_id(d.id))) for d in docs]
    every = np.unique(np.concatenate(keys))
    return sorted(store.band_rows(every))


def _linked_seed() -> int:
    """A corpus whose rewrite the batch links (most of them): the index should find it too."""
    for seed in range(1, 6):
        stories, wire, paper = _corpus(seed)
        report = dedup.cluster([*stories, wire, paper], jobs=1)
        if any({m.doc_id for m in c.members} == {"wire", "paper"} for c in report.clusters):
            return seed
    raise AssertionError("no corpus with a linked rewrite")


def test_an_upgraded_index_holds_what_a_new_one_holds_and_finds_the_rewrite(tmp_path, run_cli):
    stories, wire, paper = _corpus(_linked_seed())
    old, new = str(tmp_path / "old.db"), str(tmp_path / "new.db")
    made_before_seeds(old)
    _fill(old, stories, wire)
    _fill(new, stories, wire)
    with dedup.Index.open(old, jobs=1) as index:
        assert index.stats()["bigram_seeds"] is False
        assert index.query(paper).matches == []  # no rows: the rewrite is not proposed
        assert not _bigram_rows(index, [wire])
    code, out, err = run_cli("index", "upgrade", old, "-q")
    assert code == 0 and "41 documents" in out, (out, err)
    with dedup.Index.open(old, jobs=1) as upgraded, dedup.Index.open(new, jobs=1) as fresh:
        assert upgraded.stats()["bigram_seeds"] is True
        rows = _bigram_rows(upgraded, [*stories, wire])
        assert rows and rows == _bigram_rows(fresh, [*stories, wire])
        assert {m.doc_id for m in upgraded.query(paper).matches} == {"wire"}
        assert upgraded.upgrade() == 0  # up to date: nothing done
    code, out, _ = run_cli("index", "upgrade", old, "-q")
    assert code == 0 and out.startswith("nothing to upgrade")


def test_a_stopped_upgrade_goes_on_where_it_stopped(tmp_path, monkeypatch):
    stories, wire, _ = _corpus(1)
    old, new = str(tmp_path / "old.db"), str(tmp_path / "new.db")
    made_before_seeds(old)
    _fill(old, stories, wire)
    _fill(new, stories, wire)
    real, calls = seeds.to_store, []

    def failing(keys, stored):
        calls.append(len(keys))
        if len(calls) == 3:
            raise OSError("disk full")
        return real(keys, stored)

    monkeypatch.setattr(seeds, "to_store", failing)
    with dedup.Index.open(old, jobs=1) as index:
        with pytest.raises(OSError):
            upgrade.add_seeds(index, batch_size=10)
        assert not index._seeds
    with dedup.Index.open(old, jobs=1) as index:
        meta = index._store.meta()
        assert "bigram_seeds" not in meta and meta[upgrade.DONE_UPTO] == 20  # two batches kept, the third undone
        assert index.stats()["bigram_seeds"] is False
        monkeypatch.setattr(seeds, "to_store", real)
        assert upgrade.add_seeds(index, batch_size=10) == 21  # the rest
    with dedup.Index.open(old, jobs=1) as upgraded, dedup.Index.open(new, jobs=1) as fresh:
        assert _bigram_rows(upgraded, [*stories, wire]) == _bigram_rows(fresh, [*stories, wire])


def test_a_removal_while_an_upgrade_is_unfinished_takes_the_rows_it_gave(tmp_path, monkeypatch):
    """A document the stopped upgrade reached has rows, one it did not reach has none: a
    removal meanwhile deletes what is there, and the finished upgrade leaves the rows the
    seeds' rules ask for (no row of a removed document in a bigram that is not full)."""
    stories, wire, _ = _corpus(1)
    path = str(tmp_path / "old.db")
    made_before_seeds(path)
    _fill(path, stories, wire)
    real, calls = seeds.to_store, []
    monkeypatch.setattr(seeds, "to_store", lambda keys, stored: (calls.append(1), len(calls) == 3 and 1 / 0,
                                                                  real(keys, stored))[-1])
    with dedup.Index.open(path, jobs=1) as index:
        with pytest.raises(ZeroDivisionError):
            index.upgrade(batch_size=10)
        monkeypatch.setattr(seeds, "to_store", real)
        assert index._store.meta()[upgrade.DONE_UPTO] == 20
        index.remove("s05")  # reached: its rows go
        index.remove("s30")  # not reached yet: none to take
        assert index.upgrade(batch_size=10) == 20  # the 21 it had not reached, less s30
    assert _sound(path) == {d.id for d in [*stories, wire]} - {"s05", "s30"}


def test_a_writer_opened_before_the_upgrade_keeps_rows_after_it(tmp_path):
    """A process that opened the index before another upgraded it stores the rows of
    what it adds from then on (in one add, and in a bulk load)."""
    stories, wire, paper = _corpus(_linked_seed())
    path = str(tmp_path / "old.db")
    made_before_seeds(path)
    with dedup.Index.open(path, jobs=1) as early:
        early.add_many(stories[:20], batch_size=9)
        with dedup.Index.open(path, jobs=1) as other:
            assert other.upgrade() == 20
        early.add_many(stories[20:], batch_size=9)
        early.add(wire)
        assert early._seeds and _bigram_rows(early, [wire])
        assert {m.doc_id for m in early.query(paper).matches} == {"wire"}


def test_a_read_only_index_is_not_upgraded(tmp_path):
    """(The CLI's exit code on a read-only file: tests/test_index_faults.py.)"""
    stories, wire, _ = _corpus(1)
    path = str(tmp_path / "old.db")
    made_before_seeds(path)
    _fill(path, stories[:5], wire)
    with dedup.Index.open(path, readonly=True) as index:
        with pytest.raises(IndexReadOnlyError):
            index.upgrade()
        assert index.stats()["bigram_seeds"] is False


def test_a_full_disk_stops_the_upgrade_with_what_it_kept(tmp_path, run_cli, small_disk):
    """On a full disk the upgrade says, in one line with exit code 5, how far it got; the
    batches it committed stay, and run again with room it finishes as a new index would."""
    stories, wire, _ = _corpus(1)
    old, new, probe = (str(tmp_path / n) for n in ("old.db", "new.db", "probe.db"))
    small_disk[0] = 100000
    made_before_seeds(old)
    _fill(old, stories, wire)
    _fill(new, stories, wire)
    shutil.copy(old, probe)
    pages = lambda path: sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]  # noqa: E731
    before = pages(probe)
    with dedup.Index.open(probe, jobs=1) as index:
        index.upgrade(batch_size=10)
    small_disk[0] = (pages(probe) - before) // 2  # room for about half of it
    code, out, err = run_cli("index", "upgrade", old, "--batch", "10", "-q")
    with dedup.Index.open(old, jobs=1) as index:
        kept = index._store.meta().get(upgrade.DONE_UPTO, 0)
        assert not index.stats()["bigram_seeds"]
    assert code == 5 and err.count("\n") == 1 and "disk is full" in err, err
    assert 0 < kept < 41 and f"stopped after {kept} of 41 documents were given their rows" in err
    small_disk[0] = 100000
    code, out, err = run_cli("index", "upgrade", old, "--batch", "10", "-q")
    assert code == 0 and f"{41 - kept:,} documents given" in out, (out, err)
    with dedup.Index.open(old, jobs=1) as upgraded, dedup.Index.open(new, jobs=1) as fresh:
        assert upgraded.stats()["bigram_seeds"]
        assert _bigram_rows(upgraded, [*stories, wire]) == _bigram_rows(fresh, [*stories, wire])
