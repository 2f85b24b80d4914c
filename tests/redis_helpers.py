"""The Redis index tests' shared checks: a client, every stored hash, the index's
statistics recomputed from its documents, and everything the index answers.
The server fixtures are in conftest.py."""

import json
import socket
from collections import Counter

import numpy as np

import dedup
from dedup.index import analysis as an, seeds
from dedup.index.redis import store as redis_store

from index_helpers import check_bigram_rows

redis = redis_store.redis
NO_PACKAGE = "the redis package is not installed (pip install 'dedup[redis]')"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(url):
    return redis.Redis.from_url(url.split("?")[0])


def hashes(r, pattern):
    """Every field of the hashes matching ``pattern``, merged."""
    out = {}
    for key in r.scan_iter(match=pattern, count=1000):
        out.update(r.hgetall(key))
    return out


def check_sound(url, prefix="dedup:"):
    """Recompute every statistic from the stored documents and compare with what is stored:
    a half-written add would leave a document without its bands, words or lines, or
    statistics without their document."""
    r = client(url)
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

    stored = {key(f): set(np.frombuffer(v, "<i8").tolist()) for f, v in hashes(r, prefix + "b:*").items()}
    gram_rows, gone = check_bigram_rows(stored, bands, carriers, set(ids.values()))
    assert stored == bands
    assert {key(f): int(v) for f, v in hashes(r, prefix + "w:*").items()} == dict(words)
    assert {key(f): int(v) for f, v in hashes(r, prefix + "g:*").items()} == dict(grams)
    assert {key(f): json.loads(v) for f, v in hashes(r, prefix + "l:*").items()} == {k: dict(c) for k, c in lines.items()}
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


def run_all(path, docs, tmp_path):
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
