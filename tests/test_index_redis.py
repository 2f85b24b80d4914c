"""The index on Redis: the same answers as on SQLite, atomic adds, locking, settings, CLI.

The tests start their own redis-server on loopback; they are skipped (with the reason)
only where redis-server or the redis package is not installed.
"""

import json
import os
import random
import shutil
import socket
import subprocess
import time
from collections import Counter

import numpy as np
import pytest

import dedup
from dedup.index import analysis as an, seeds
from dedup.index.redis import store as redis_store, tx as redis_tx

from index_helpers import READY, check_bigram_rows, kill_writer_after, mixed_docs, seed_docs
from textgen import article

redis = redis_store.redis
NO_PACKAGE = "the redis package is not installed (pip install 'dedup[redis]')"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A redis-server of our own on a free loopback port, without persistence."""
    if redis is None:
        pytest.skip(NO_PACKAGE)
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    with open(workdir / "log", "wb") as log:
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(workdir)], stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server did not start: {(workdir / 'log').read_text()[-500:]}")
            time.sleep(0.02)
    yield url
    client.close()
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def url(server):
    """An empty database on the test server."""
    client = redis.Redis.from_url(server)
    client.flushdb()
    client.close()
    return server


def _client(url):
    return redis.Redis.from_url(url.split("?")[0])


def _hashes(r, pattern):
    """Every field of the hashes matching ``pattern``, merged."""
    out = {}
    for key in r.scan_iter(match=pattern, count=1000):
        out.update(r.hgetall(key))
    return out


def _check_sound(url, prefix="dedup:"):
    """Recompute every statistic from the stored documents and compare with what is stored:
    a half-written add would leave a document without its bands, words or lines, or
    statistics without their document."""
    r = _client(url)
    ids = {k.decode(): int(v) for k, v in r.hgetall(prefix + "ids").items()}
    with dedup.Index.open(url + ("&" if "?" in url else "?") + f"prefix={prefix}", create=False) as ix:
        cfg = ix.config
    bands, words, lines, sources, grams = {}, Counter(), {}, Counter(), Counter()
    carriers: dict[int, set] = {}  # rare-bigram keys (dedup.index.seeds) -> the stored documents carrying them
    stories = {}
    for doc_id, rowid in ids.items():
        text, paras, source, story, stored_id = r.hmget(f"{prefix}doc:{rowid}", "text", "paras", "source", "story", "id")
        assert stored_id.decode() == doc_id
        p = an.from_paragraphs(text.decode(), np.frombuffer(paras, "<i8").reshape(-1, 2).tolist(), cfg)
        for k in an.doc_band_keys([p], cfg)[0].tolist():
            bands.setdefault(k, set()).add(rowid)
        for k in seeds.bigram_keys(p).tolist():
            carriers.setdefault(k, set()).add(rowid)
        words.update(an.signed(p.vocab).tolist())
        grams.update(an.signed(an.text_grams(text.decode(), an.GRAM_MODULUS)).tolist())
        src = source.decode() if source else ""
        sources[src] += 1
        for k in an.Lines.of(text.decode()).unique_keys().tolist():
            lines.setdefault(k, Counter())[src] += 1
        stories.setdefault(int(story), set()).add(rowid)

    def key(field):
        return int.from_bytes(field, "little", signed=True)

    stored = {key(f): set(np.frombuffer(v, "<i8").tolist()) for f, v in _hashes(r, prefix + "b:*").items()}
    gram_rows, gone = check_bigram_rows(stored, bands, carriers, set(ids.values()))
    assert stored == bands
    assert {key(f): int(v) for f, v in _hashes(r, prefix + "w:*").items()} == dict(words)
    assert {key(f): int(v) for f, v in _hashes(r, prefix + "g:*").items()} == dict(grams)
    assert {key(f): json.loads(v) for f, v in _hashes(r, prefix + "l:*").items()} == {k: dict(c) for k, c in lines.items()}
    assert {k.decode(): int(v) for k, v in r.hgetall(prefix + "sources").items()} == dict(sources)
    rows = {k.decode(): int(v) for k, v in r.hgetall(prefix + "meta").items() if k.startswith(b"rows:")}
    assert rows["rows:b"] == sum(map(len, bands.values())) + sum(map(len, gram_rows.values())) + sum(map(len, gone.values()))
    assert rows["rows:w"] == len(words)
    assert rows["rows:l"] == sum(map(len, lines.values())) and rows.get("rows:g", 0) == len(grams)
    assert {int(k.split(b":")[-1]): {int(x) for x in r.smembers(k)} for k in r.scan_iter(match=prefix + "story:*")} == stories
    if ids:
        assert int(r.get(prefix + "next")) >= max(ids.values())
    r.close()
    return set(ids)


def _run_all(path, docs, tmp_path):
    """Everything the index answers, on one backend."""
    out = []
    with dedup.Index.open(path, jobs=1) as ix:
        out.append([ix.add(d).model_dump() for d in docs[:6]])
        out.append(ix.add_many(docs[6:], batch_size=2).model_dump())
        out.append([ix.query(d).model_dump() for d in docs[::3]])
        out.append((len(ix), ix.get("w4"), "w1" in ix, ix.stats()["rows"]))
        out.append(ix.clusters().model_dump_json())
        ix.remove("w2")
        ix.remove(docs[2].id)
        out.append((len(ix), ix.get("w2"), ix.stats()["rows"], ix.clusters().model_dump_json()))
        out.append(ix.add(docs[6]).model_dump())
        out.append((ix.stats()["rows"], ix.stats()["clusters_cached"]))
    return out


def test_same_answers_as_sqlite(url, tmp_path):
    docs = mixed_docs()
    on_sqlite = _run_all(str(tmp_path / "x.db"), docs, tmp_path)
    on_redis = _run_all(url, docs, tmp_path)
    for a, b in zip(on_sqlite, on_redis):
        assert a == b
    assert on_redis[4] == dedup.cluster(docs, jobs=1).model_dump_json()
    _check_sound(url)
    with dedup.Index.open(url) as ix:  # reopened: the cached clustering, the texts
        report = ix.clusters()
        assert ix.stats()["clusters_cached"] and report.text_of("w1") == docs[5].text
        assert ix.stats()["bytes"] > sum(len(d.text) for d in docs) // 2


@pytest.mark.parametrize("seed", [1, 2])
def test_any_order_gives_batch_clusters(url, seed):
    docs = mixed_docs()
    random.Random(seed).shuffle(docs)
    with dedup.Index.open(url, jobs=1) as ix:
        ix.add_many(docs[:seed])
        for d in docs[seed:]:
            ix.add(d)
        assert ix.clusters().model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()
        gone = docs[3 + seed].id
        ix.remove(gone)
        assert ix.clusters().model_dump_json() == dedup.cluster([d for d in docs if d.id != gone], jobs=1).model_dump_json()
    _check_sound(url)


def test_prefixes_keep_indexes_apart(url):
    docs = seed_docs()
    with dedup.Index.open(url + "?prefix=a:") as a, dedup.Index.open(url + "?prefix=b:", dedup.Config(num_perm=64)) as b:
        a.add_many(docs[:3])
        b.add(docs[4])
        assert len(a) == 3 and len(b) == 1 and docs[4].id not in a and b.config.num_perm == 64
    assert _check_sound(url, "a:") == {d.id for d in docs[:3]}
    assert not list(_client(url).scan_iter(match="dedup:*"))


def test_settings_stored_and_mismatch_refused(url):
    cfg = dedup.Config(num_perm=64, threshold=0.4)
    with dedup.Index.open(url, cfg) as ix:
        ix.add(seed_docs()[0])
    with dedup.Index.open(url) as ix:
        assert ix.config == cfg
    with pytest.raises(dedup.SettingsMismatchError, match=r"num_perm \(index 64, asked 128\)") as exc:
        dedup.Index.open(url, dedup.Config())
    assert "threshold (index 0.4, asked 0.3)" in str(exc.value) and exc.value.exit_code == 5
    r = _client(url)
    r.hset("dedup:meta", "schema", 99)
    with pytest.raises(dedup.IndexFileError, match="schema 99 was written by a newer dedup"):
        dedup.Index.open(url)
    r.set("other:meta", "not ours")
    with pytest.raises(dedup.IndexFileError, match="not a dedup index"):
        dedup.Index.open(url + "?prefix=other:")
    with pytest.raises(dedup.IndexFileError, match="no such index"):
        dedup.Index.open(url + "?prefix=none:", create=False)
    with pytest.raises(dedup.IndexFileError, match="lock_ttl"):
        dedup.Index.open(url + "?lock_ttl=0")


@pytest.mark.parametrize("bad", [{"id": "x", "text": "   "}, {"text": "words"}, {"id": "x", "text": 5}, 42])
def test_bad_input_and_duplicates_leave_index_unchanged(url, bad):
    docs = seed_docs()
    with dedup.Index.open(url) as ix:
        ix.add_many(docs[:2])
        before = ix.stats()
        with pytest.raises(dedup.InputError):
            ix.add(bad)
        with pytest.raises(dedup.InputError):
            ix.add_many([docs[2], bad])
        with pytest.raises(dedup.DuplicateIdError, match="already in the index"):
            ix.add({"id": docs[0].id, "text": "another text entirely"})
        with pytest.raises(dedup.DuplicateIdError):
            ix.add_many([docs[3], docs[1]])
        with pytest.raises(dedup.UnknownIdError):
            ix.remove("nope")
        assert ix.stats() == before
        assert ix.add_many(docs, skip_duplicates=True).added == 3
    _check_sound(url)


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
    _check_sound(url)


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
    assert _check_sound(url) == {d.id for d in docs[:3]}


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
    assert len(_check_sound(url)) == 16


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
    r = _client(url)
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
    stored = _check_sound(url)
    assert returned | {"after"} <= stored


def test_cli_index_on_redis(run_cli, url, seeds_dir):
    code, out, err = run_cli("index", "add", url, seeds_dir)
    assert code == 0 and "added 5 documents; the index holds 5" in out
    code, out, err = run_cli("index", "add", url, seeds_dir)
    assert code == 1 and "already in the index" in err
    code, out, err = run_cli("index", "stats", url, "--format", "json")
    stats = json.loads(out)
    assert code == 0 and stats["documents"] == 5 and stats["path"] == url and stats["bytes"] > 0
    code, out, err = run_cli("index", "query", url, seeds_dir / "002_27885933036f0cc7.txt", "--format", "json")
    assert code == 0 and "001_c66182c4c2cb1c49.txt" in {m["doc_id"] for m in json.loads(out)["results"][0]["matches"]}
    code, out, err = run_cli("index", "clusters", url, "--format", "json")
    code2, out2, _ = run_cli("cluster", seeds_dir, "--format", "json")
    assert code == 0 and json.loads(out) == json.loads(out2)
    code, out, err = run_cli("index", "remove", url, "000_c09cbecdfc1a8c46.txt")
    assert code == 0 and "holds 4" in out
    code, out, err = run_cli("index", "stats", url + "?prefix=none:")
    assert code == 5 and "no such index" in err and err.count("\n") == 1


def test_unreachable_server_is_one_line_error(run_cli):
    if redis is None:
        pytest.skip(NO_PACKAGE)
    dead = f"redis://user:secret@127.0.0.1:{_free_port()}/0"
    with pytest.raises(dedup.IndexFileError, match="cannot connect to Redis") as exc:
        dedup.Index.open(dead)
    assert "127.0.0.1" in str(exc.value) and "secret" not in str(exc.value) and "\n" not in str(exc.value)
    for args in (("index", "stats", dead), ("index", "add", dead, "seeds")):
        code, out, err = run_cli(*args)
        assert code == 5 and err.startswith("dedup: error: redis://user:***@127.0.0.1:") and err.count("\n") == 1


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(redis_store, "redis", None)
    with pytest.raises(dedup.IndexFileError, match=r"pip install 'dedup\[redis\]'") as exc:
        dedup.Index.open("redis://localhost:6379/0")
    assert "\n" not in str(exc.value)


def test_exact_copy_always_found_and_schema_1_upgraded(url):
    from test_index_exact import check_exact_copies_found, exact_cases

    docs = exact_cases()
    with dedup.Index.open(url, dedup.Config.make(max_bucket=4), jobs=1) as index:
        index.add_many(docs[:20], batch_size=7)
        for d in docs[20:]:
            index.add(d)
        check_exact_copies_found(index, docs)
        assert index.query(docs[3]).in_index
    r = _client(url)
    for key in r.scan_iter(match="dedup:x:*"):  # an index written before content hashes
        r.delete(key)
    for key in r.scan_iter(match="dedup:g:*"):  # ... and n-gram counts
        r.delete(key)
    r.hdel("dedup:meta", "gram_modulus", "rows:g")
    r.hset("dedup:meta", "schema", 1)
    with pytest.raises(dedup.IndexReadOnlyError, match="must be upgraded"):
        dedup.Index.open(url, readonly=True)
    with dedup.Index.open(url, jobs=1) as index:
        assert index.stats()["schema"] == 3
        check_exact_copies_found(index, docs)
        index.remove("r5")
        assert not any(m.doc_id == "r5" for m in index.query({"id": "x", "text": docs[5].text}).matches)
    _check_sound(url)


def test_redis_keeps_the_author_and_reads_documents_stored_without_one(url):
    docs = [d.model_copy(update={"author": f"Writer {k}"}) if k % 2 else d for k, d in enumerate(mixed_docs())]
    with dedup.Index.open(url, jobs=1) as index:
        for d in docs[:-1]:
            index.add(d)
        assert [index.get(d.id) for d in docs[:-1]] == docs[:-1]
        index.add(docs[-1])
        report = index.clusters()
    assert report.model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()
    r = _client(url)
    for key in r.keys("*doc:*"):  # as stored before the author was kept: the field absent
        r.hdel(key, "author")
    with dedup.Index.open(url, jobs=1) as index:
        assert index.get(docs[1].id) == docs[1].model_copy(update={"author": None})


def test_an_index_made_before_the_seeds_is_upgraded(url):
    """`Index.upgrade` on Redis: every document gets the bigram rows an index created with
    the seeds holds (checked by recomputing them), and the short rewrite is found."""
    from test_index_upgrade import _corpus, _linked_seed

    stories, wire, paper = _corpus(_linked_seed())
    with dedup.Index.open(url, jobs=1):
        pass
    r = _client(url)
    r.hdel("dedup:meta", "bigram_seeds")  # as a dedup before the seeds created it
    r.close()
    with dedup.Index.open(url, jobs=1) as ix:
        ix.add_many(stories, batch_size=9)
        ix.add(wire)
        assert ix.query(paper).matches == [] and not ix.stats()["bigram_seeds"]
        assert ix.upgrade() == 41
    _check_sound(url)
    with dedup.Index.open(url, jobs=1) as ix:
        assert ix.stats()["bigram_seeds"] and ix.upgrade() == 0
        assert {m.doc_id for m in ix.query(paper).matches} == {"wire"}
