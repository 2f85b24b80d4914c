"""Corpus-wide (key, document) entries kept by key range (dedup.storage.keyparts)."""

import errno
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dedup.errors import WorkspaceError
from dedup.storage import keyparts, spill
from dedup.storage.keyparts import KeyParts, split_by, split_by_key

DEFAULT_BUFFER = keyparts.BUFFER  # 5000 entries are far below it
_ENTRIES = st.lists(st.tuples(st.integers(0, 2 ** 64 - 1), st.integers(0, 2 ** 31 - 1)), max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ENTRIES, max_size=4), st.integers(0, 8))
def test_each_key_is_in_the_range_of_its_top_bits_in_the_order_added(batches, bits):
    parts = KeyParts(None, "", bits)
    for batch in batches:
        keys = np.array([k for k, _ in batch], np.uint64)
        docs = np.array([d for _, d in batch], np.int32)
        parts.add(split_by_key(keys, docs, bits))
    everything = [e for batch in batches for e in batch]
    for p in range(len(parts)):
        keys, docs = parts.part(p)
        assert list(zip(keys.tolist(), docs.tolist())) == [(k, d) for k, d in everything if (k >> (64 - bits) if bits else 0) == p]


@pytest.mark.parametrize("buffer", [1, 20_000, keyparts.BUFFER])
def test_on_disk_as_in_memory_and_cleared(tmp_path, monkeypatch, buffer):
    # written at every batch, every few batches, or only when a part is read
    monkeypatch.setattr(keyparts, "BUFFER", buffer)
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2 ** 63, 5000, dtype=np.uint64) * np.uint64(2)
    docs = rng.integers(0, 1000, 5000).astype(np.int32)
    disk, memory = KeyParts(str(tmp_path), "grams"), KeyParts(None, "grams")
    for part in (disk, memory):
        for lo in range(0, 5000, 700):
            part.add(split_by_key(keys[lo : lo + 700], docs[lo : lo + 700]))
    assert bool(os.listdir(tmp_path)) == (buffer < DEFAULT_BUFFER)
    for p in range(len(disk)):
        assert [x.tolist() for x in disk.part(p)] == [x.tolist() for x in memory.part(p)]
    disk.add(split_by_key(keys[:10], docs[:10]))  # more after a read: appended in order
    memory.add(split_by_key(keys[:10], docs[:10]))
    for p in range(len(disk)):
        assert [x.tolist() for x in disk.part(p)] == [x.tolist() for x in memory.part(p)]
    disk.clear()
    assert os.listdir(tmp_path) == [] and all(len(disk.part(p)[0]) == 0 for p in range(len(disk)))


@pytest.mark.parametrize("buffer", [1, keyparts.BUFFER])
def test_a_full_disk_is_a_workspace_error_naming_the_directory(tmp_path, monkeypatch, buffer):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(keyparts, "BUFFER", buffer)
    parts = KeyParts(str(tmp_path), "grams")
    monkeypatch.setattr(spill.os, "pwrite", full)
    with pytest.raises(WorkspaceError, match=f"cannot write the workspace {tmp_path}: disk full"):
        # the write fails when the held entries are written: at once, or when flushed for
        # the workers to read (a part held whole in memory is read from there)
        parts.add(split_by_key(np.array([1, 2 ** 63], np.uint64), np.array([0, 1], np.int32)))
        assert parts.part(0)[0].tolist() == [1]
        parts.flush()


def test_keys_alone_by_a_given_part(tmp_path):
    codes = np.array([7, 3, 9, 1, 8], np.uint64)
    parts = KeyParts(str(tmp_path), "pairs", 2, docs=False)
    parts.add(split_by(np.array([1, 0, 1, 3, 1]), 4, codes))
    assert [(parts.part(p)[0].tolist(), parts.part(p)[1]) for p in range(4)] == [([3], None), ([7, 9, 8], None),
                                                                                 ([], None), ([1], None)]
    parts.clear()
    assert os.listdir(tmp_path) == []


def test_a_small_corpus_writes_no_files_and_a_workers_file_is_read(tmp_path):
    keys, docs = np.array([5, 2 ** 63 + 1], np.uint64), np.array([0, 1], np.int32)
    parts = KeyParts(str(tmp_path), "grams", 1)
    parts.add(split_by_key(keys, docs, 1))
    assert [parts.part(p)[0].tolist() for p in range(2)] == [[5], [2 ** 63 + 1]]
    assert os.listdir(tmp_path) == []  # held in memory: no file made for a read
    worker = KeyParts(str(tmp_path), "grams", 1)  # another process's copy writes part 1's file
    worker.add(split_by_key(keys[1:] + np.uint64(1), docs[1:], 1))
    worker.flush()
    fresh = KeyParts(str(tmp_path), "grams", 1)  # as a worker's copy of the driver's object
    assert fresh.part(1)[0].tolist() == [2 ** 63 + 2] and fresh.part(0)[0].tolist() == []


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), max_size=30), min_size=1, max_size=12), st.integers(1, 3))
def test_phrase_counts_on_workers_as_in_this_process(tmp_path_factory, docs, min_docs):
    """shared_counts read by an engine's workers (the ranges flushed first, each read whole
    by one worker) gives the counts this process gives, and those of a plain count; the
    files hold each entry once after it."""
    from collections import Counter

    from dedup.engines.local import LocalEngine
    from dedup.stages.words import shared_counts

    d = str(tmp_path_factory.mktemp("parts"))
    keys = [np.array([(k * 0x9E3779B97F4A7C15) % (1 << 64) for k in doc], np.uint64) for doc in docs]
    parts = KeyParts(d, "phrases", bits=2)
    for i, k in enumerate(keys):
        parts.add(split_by_key(k, np.full(len(k), i, np.int32), 2))  # held in memory: not yet written
    there = shared_counts(parts, min_docs, LocalEngine(2))
    entries = sorted((int(k), i) for i, ks in enumerate(keys) for k in ks.tolist())
    assert sorted((k, d) for p in range(len(parts)) for k, d in zip(*(x.tolist() for x in parts.part(p)))) == entries
    here = shared_counts(parts, min_docs)
    counted = Counter(x for k in keys for x in set(k.tolist()))
    want = sorted(k for k, c in counted.items() if c >= min_docs)
    for values, counts in (here, there):
        assert values.tolist() == want
        assert counts.tolist() == [counted[k] for k in want]

