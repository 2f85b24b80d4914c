"""The index on Redis: the same answers as on SQLite, atomic adds, locking, settings, CLI.

The tests start their own redis-server on loopback; they are skipped (with the reason)
only where redis-server or the redis package is not installed.
"""

import json
import random

import pytest

import dedup

from index_helpers import mixed_docs, seed_docs
from dedup.index.redis import store as redis_store
from redis_helpers import NO_PACKAGE, check_sound, client, free_port, redis, run_all


def test_same_answers_as_sqlite(url, tmp_path):
    docs = mixed_docs()
    on_sqlite = run_all(str(tmp_path / "x.db"), docs, tmp_path)
    on_redis = run_all(url, docs, tmp_path)
    for a, b in zip(on_sqlite, on_redis):
        assert a == b
    assert on_redis[4] == dedup.cluster(docs, jobs=1).model_dump_json()
    check_sound(url)
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
    check_sound(url)


def test_prefixes_keep_indexes_apart(url):
    docs = seed_docs()
    with dedup.Index.open(url + "?prefix=a:") as a, dedup.Index.open(url + "?prefix=b:", dedup.Config(num_perm=64)) as b:
        a.add_many(docs[:3])
        b.add(docs[4])
        assert len(a) == 3 and len(b) == 1 and docs[4].id not in a and b.config.num_perm == 64
    assert check_sound(url, "a:") == {d.id for d in docs[:3]}
    assert not list(client(url).scan_iter(match="dedup:*"))


def test_settings_stored_and_mismatch_refused(url):
    cfg = dedup.Config(num_perm=64, threshold=0.4)
    with dedup.Index.open(url, cfg) as ix:
        ix.add(seed_docs()[0])
    with dedup.Index.open(url) as ix:
        assert ix.config == cfg
    with pytest.raises(dedup.SettingsMismatchError, match=r"num_perm \(index 64, asked 128\)") as exc:
        dedup.Index.open(url, dedup.Config())
    assert "threshold (index 0.4, asked 0.3)" in str(exc.value) and exc.value.exit_code == 5
    r = client(url)
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
    check_sound(url)


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
    dead = f"redis://user:secret@127.0.0.1:{free_port()}/0"
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
    r = client(url)
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
    check_sound(url)


def test_redis_keeps_the_author_and_reads_documents_stored_without_one(url):
    docs = [d.model_copy(update={"author": f"Writer {k}"}) if k % 2 else d for k, d in enumerate(mixed_docs())]
    with dedup.Index.open(url, jobs=1) as index:
        for d in docs[:-1]:
            index.add(d)
        assert [index.get(d.id) for d in docs[:-1]] == docs[:-1]
        index.add(docs[-1])
        report = index.clusters()
    assert report.model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()
    r = client(url)
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
    r = client(url)
    r.hdel("dedup:meta", "bigram_seeds")  # as a dedup before the seeds created it
    r.close()
    with dedup.Index.open(url, jobs=1) as ix:
        ix.add_many(stories, batch_size=9)
        ix.add(wire)
        assert ix.query(paper).matches == [] and not ix.stats()["bigram_seeds"]
        assert ix.upgrade() == 41
    check_sound(url)
    with dedup.Index.open(url, jobs=1) as ix:
        assert ix.stats()["bigram_seeds"] and ix.upgrade() == 0
        assert {m.doc_id for m in ix.query(paper).matches} == {"wire"}


def test_stats_bytes_count_the_index_own_keys_not_a_nested_prefix(url):
    """``p:x:`` begins with ``p:`` (and ``p:``'s content keys, ``p:x:<hash>``, with
    ``p:x:``): each index's bytes are those of its own keys, whatever the other holds."""
    docs = mixed_docs()
    r = client(url)

    def used(keys):
        return sum(r.memory_usage(k, samples=0) for k in keys)

    with dedup.Index.open(url + "?prefix=p:") as outer, dedup.Index.open(url + "?prefix=p:x:") as inner:
        made = set(r.scan_iter(match="*"))  # each one's meta
        outer.add_many(docs[:4])
        outer.clusters()
        outer_keys = {k for k in r.scan_iter(match="*") if k not in made or not k.startswith(b"p:x:")}
        assert all(redis_store.OWN_KEY.fullmatch(k, 2) for k in outer_keys)  # every key is one of its names
        assert any(k.startswith(b"p:x:") for k in outer_keys)  # its content keys
        inner.add_many(docs[4:])
        inner.clusters()
        inner_keys = set(r.scan_iter(match="*")) - outer_keys
        assert all(redis_store.OWN_KEY.fullmatch(k, 4) for k in inner_keys)
        assert outer.stats()["bytes"] == used(outer_keys)
        assert inner.stats()["bytes"] == used(inner_keys)
