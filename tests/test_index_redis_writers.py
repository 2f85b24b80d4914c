"""The index on Redis with several writers: readers while one writes, a stalled writer,
concurrent writer processes, and writers killed at random points (the index stays sound)."""

import os
import random
import time

import pytest

import dedup
from dedup.index.redis import store as redis_store, tx as redis_tx

from index_helpers import READY, kill_writer_after, seed_docs
from redis_helpers import check_sound, client
from textgen import article


def test_readers_while_writing_and_second_writer_waits_or_fails(url):
    docs = seed_docs()
    with dedup.Index.open(url) as ix:
        ix.add_many(docs[:2])
    writer, reader, other = (dedup.Index.open(url, timeout=0.2) for _ in range(3))
    try:
        with writer._store.write():  # hold the write lock, as a long add would
            writer._store.bump_generation()
            assert len(reader) == 2 and reader.get(docs[0].id) == docs[0]
            assert reader.query(docs[2]).doc_id == docs[2].id
            t = time.perf_counter()
            with pytest.raises(dedup.IndexLockedError, match="another process is writing") as exc:
                other.add(docs[2])
            assert time.perf_counter() - t >= 0.15 and url in str(exc.value)
        other.add(docs[2])  # the lock is free again
        assert len(reader) == 3
    finally:
        for x in (writer, reader, other):
            x.close()
    check_sound(url)


def test_a_stalled_writer_commits_only_if_nobody_wrote_meanwhile(url, monkeypatch):
    docs = seed_docs()
    with dedup.Index.open(url + "?lock_ttl=0.05") as slow, dedup.Index.open(url) as fast:
        store = slow._store
        bump = type(store).bump_generation

        def stall(meanwhile):  # the last step of an add, after the lock lapsed
            time.sleep(0.2)
            meanwhile()
            bump(store)

        monkeypatch.setattr(store, "bump_generation", lambda: stall(lambda: None))
        slow.add(docs[0])  # nobody wrote meanwhile: committed
        monkeypatch.setattr(store, "bump_generation", lambda: stall(lambda: fast.add(docs[1])))
        with pytest.raises(dedup.IndexLockedError, match="lost the write lock"):
            slow.add(docs[2])
        monkeypatch.undo()
        assert len(slow) == 2 and docs[2].id not in slow
        slow.add(docs[2])  # and it can write again
    assert check_sound(url) == {d.id for d in docs[:3]}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_concurrent_writer_processes(url):
    """Two processes adding at once: both finish (each waits for the other's lock), nothing lost."""
    dedup.Index.open(url).close()
    pids = []
    for k in (1, 2):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 1
            try:
                with dedup.Index.open(url, timeout=30) as ix:
                    for i in range(8):
                        ix.add({"id": f"p{k}-{i}", "text": article(100 * k + i, 3)})
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    assert [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids] == [0, 0]
    assert len(check_sound(url)) == 16


def _writer(url: str, prefix: str, fd: int) -> None:
    """Child: add documents (single and bulk) forever, reporting each id once its call returned."""
    # Commits in many small parts, so that a kill can fall between two parts of one commit.
    redis_store.BLOB_KEYS = redis_tx.BLOB_KEYS = 64
    try:
        with dedup.Index.open(url, timeout=20) as index:
            os.write(fd, READY)
            k = 0
            while True:
                ids = [f"{prefix}-{k}", f"{prefix}-{k + 1}"] if k % 3 == 2 else [f"{prefix}-{k}"]
                try:
                    if len(ids) == 2:
                        index.add_many([{"id": i, "text": article(hash(i) % 10**6, 2), "source": "s"} for i in ids])
                    else:
                        index.add({"id": ids[0], "text": article(k % 7, 2) + f"\n\nItem {prefix} {k}.", "source": "s"})
                except dedup.IndexLockedError:  # stalled past lock_ttl on a busy machine: nothing was written
                    continue
                k += len(ids)
                os.write(fd, ("\n".join(ids) + "\n").encode())
    finally:
        os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a writer cheaply")
def test_sigkill_at_random_points(url):
    url = url + "?lock_ttl=0.3"  # a killed writer's lock lapses quickly
    with dedup.Index.open(url) as index:  # warm caches (LSH banding, permutations) before forking
        index.query({"id": "warm", "text": article(0, 2)})
    rng = random.Random(7)
    returned: set[str] = set()
    r = client(url)
    for n in range(10):
        returned |= kill_writer_after(rng.uniform(0.01, 0.25), _writer, url, f"k{n}", ready=True)
        ids = {k.decode() for k in r.hkeys("dedup:ids")}
        assert returned <= ids, f"lost after kill {n}: {sorted(returned - ids)[:3]}"
        assert sum(int(v) for v in r.hvals("dedup:sources")) == len(ids)
        deadline = time.monotonic() + 3
        while r.exists("dedup:lock"):  # a killed writer's lock lapses (so the next one works at once)
            assert time.monotonic() < deadline, "the lock of a killed writer did not lapse"
            time.sleep(0.01)
    assert len(returned) > 10  # the writers got somewhere between kills
    with dedup.Index.open(url, timeout=5) as index:
        index.add({"id": "after", "text": article(1, 2)})  # still writable once the lock lapsed
    stored = check_sound(url)
    assert returned | {"after"} <= stored
