"""The Redis index against a server that is not as dedup left it: other programs' keys
under its prefix, a server that evicts or is full, a user who may only read, values
dedup did not write, a database path that is not a number. One line each, nothing
written over."""

import pytest

import dedup

from index_helpers import seed_docs
from redis_helpers import client


def test_an_index_is_not_created_over_another_programs_keys(url):
    c = client(url)
    c.set("dedup:next", 42)
    c.hset("dedup:doc:43", mapping={"owner": "x", "balance": 100})
    with pytest.raises(dedup.IndexFileError, match=r"the key dedup:(next|doc:43) is under its prefix 'dedup:'"):
        with dedup.Index.open(url) as ix:
            ix.add(seed_docs()[0])
    assert c.get("dedup:next") == b"42" and c.hgetall("dedup:doc:43") == {b"owner": b"x", b"balance": b"100"}
    assert not c.exists("dedup:meta") and not c.exists("dedup:lock")
    with dedup.Index.open(url + "?prefix=news:") as ix:  # another prefix: created
        ix.add(seed_docs()[0])
        assert len(ix) == 1


@pytest.fixture
def settings(url):
    """The server's memory settings, restored after the test (the server is the session's)."""
    c = client(url)
    before = {k: c.config_get(k)[k] for k in ("maxmemory", "maxmemory-policy")}
    yield c
    for k, v in before.items():
        c.config_set(k, v)


def test_a_server_that_evicts_keys_is_refused_for_writing(url, settings):
    with dedup.Index.open(url) as ix:
        ix.add_many(seed_docs())
    settings.config_set("maxmemory", 512 * 2**20)
    settings.config_set("maxmemory-policy", "allkeys-lru")
    with pytest.raises(dedup.IndexFileError, match="maxmemory-policy allkeys-lru.*lose documents without a word"):
        dedup.Index.open(url)
    with dedup.Index.open(url, readonly=True) as ix:  # reading is no harm
        assert len(ix) == len(seed_docs())
    settings.config_set("maxmemory-policy", "noeviction")
    with dedup.Index.open(url) as ix:
        assert len(ix) == len(seed_docs())


def test_a_full_server_is_a_full_index(url, settings):
    docs = seed_docs()
    with dedup.Index.open(url, jobs=1) as ix:
        ix.add_many(docs[:3])
        used = int(settings.info("memory")["used_memory"])
        settings.config_set("maxmemory", used + 1024)  # noeviction: writes refused once over
        with pytest.raises(dedup.IndexFullError, match="out of memory.*nothing was written"):
            ix.add_many(docs[3:])
        assert len(ix) == 3
        report = ix.clusters()  # its cache cannot be written: the result is kept in memory
        assert report.model_dump_json() == dedup.cluster(docs[:3], jobs=1).model_dump_json()


def test_a_user_who_may_only_read(url):
    with dedup.Index.open(url) as ix:
        ix.add_many(seed_docs()[:3])
    c = client(url)
    c.acl_setuser("reader", enabled=True, passwords=["+pw"], keys=["*"], commands=["+@read", "+ping", "+@connection"])
    try:
        reader = url.replace("redis://", "redis://reader:pw@")
        with dedup.Index.open(reader, jobs=1) as ix:
            with pytest.raises(dedup.IndexReadOnlyError, match="may not run this command"):
                ix.add(seed_docs()[3])
            assert len(ix) == 3 and ix.clusters().clusters is not None  # kept in memory
    finally:
        c.acl_deluser("reader")


def test_a_value_dedup_did_not_write_is_damage_and_the_lock_is_let_go(url):
    with dedup.Index.open(url) as ix:
        ix.add(seed_docs()[0])
    c = client(url)
    c.set("dedup:next", "abc")
    for _ in range(2):  # the second time too: not "another process is writing"
        with dedup.Index.open(url) as ix, pytest.raises(dedup.IndexDamagedError, match="holds what dedup did not write"):
            ix.add(seed_docs()[1])
    assert not c.exists("dedup:lock")


@pytest.mark.parametrize("path", ["/1O", "/x", "/1/2"])
def test_a_database_path_that_is_no_number_is_refused(url, path):
    bad = url.rsplit("/", 1)[0] + path
    with pytest.raises(dedup.IndexFileError, match=r"the path of a redis:// URL is a database number"):
        dedup.Index.open(bad)


def test_another_programs_meta_key_is_named_as_keys(url):
    c = client(url)
    c.hset("dedup:meta", mapping={"application_id": 7, "layout": "redis-1"})
    with pytest.raises(dedup.IndexFileError, match=r": not a dedup index \(keys of another program\)$"):
        dedup.Index.open(url)
