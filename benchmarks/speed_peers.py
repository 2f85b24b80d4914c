"""Peers for the speed benchmark: datasketch and rensa pipelines and fingerprint-only loops.

Every function takes a list of texts and returns a dict of timings (seconds) and counts;
all run single-process in the calling process. See ``benchmarks.speed``.
"""
from __future__ import annotations

import re
import time

import numpy as np

from dedup.stages.cluster import UnionFind

NUM_PERM = 128
THRESHOLD = 0.5
_WORD = re.compile(r"\w+")


def word_shingles(text: str, n: int = 3) -> list[bytes]:
    """Distinct lowercased word n-grams of ``text`` (``\\w+`` tokens), UTF-8 encoded."""
    toks = _WORD.findall(text.lower())
    if len(toks) < n:
        return [" ".join(toks).encode("utf-8")] if toks else []
    return list({" ".join(toks[i:i + n]).encode("utf-8") for i in range(len(toks) - n + 1)})


def _query_and_cluster(lsh, sketches: list, n: int) -> tuple[int, int]:
    """Query every document's sketch, union the hits; return (candidate pairs, clusters>1)."""
    uf = UnionFind(n)
    pairs = 0
    for i, m in enumerate(sketches):
        if m is None:
            continue
        for j in lsh.query(m):
            if j != i:
                pairs += 1
                uf.union(i, j)
    roots = [uf.find(i) for i in range(n)]
    sizes: dict[int, int] = {}
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    return pairs // 2, sum(1 for s in sizes.values() if s > 1)


def _finish(lsh, sketches: list, t0: float, t1: float, **extra) -> dict:
    """Query and cluster with the filled ``lsh``; the timings and counts every peer reports."""
    pairs, clusters = _query_and_cluster(lsh, sketches, len(sketches))
    t2 = time.perf_counter()
    return {"docs": len(sketches), "fingerprint_s": t1 - t0, "lsh_s": t2 - t1, "total_s": t2 - t0,
            "pairs": pairs, "clusters": clusters, **extra}


def naive_pipeline(texts: list[str]) -> dict:
    """Per document: shingles, ``MinHash(128)`` + one ``update()`` per shingle (sha1),
    ``MinHashLSH(0.5).insert``; then query every document and union-find the hits."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    sketches = []
    for text in texts:
        sh = word_shingles(text)
        if not sh:
            sketches.append(None)  # an empty MinHash would collide with every other empty one
            continue
        m = MinHash(num_perm=NUM_PERM)
        for s in sh:
            m.update(s)
        sketches.append(m)
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for i, m in enumerate(sketches):
        if m is not None:
            lsh.insert(i, m)
    return _finish(lsh, sketches, t0, t1)


def batch_pipeline(texts: list[str]) -> dict:
    """The same with ``MinHash.bulk`` and ``MinHashLSH.insertion_session``."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    shingled = [word_shingles(t) for t in texts]
    keep = [i for i, sh in enumerate(shingled) if sh]
    bulk = MinHash.bulk([shingled[i] for i in keep], num_perm=NUM_PERM)
    sketches: list = [None] * len(texts)
    for i, m in zip(keep, bulk):
        sketches[i] = m
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i in keep:
            session.insert(i, sketches[i])
    return _finish(lsh, sketches, t0, t1)


def rensa_pipeline(texts: list[str]) -> dict:
    """rensa (Rust MinHash, ``pip install rensa``): the same Python tokenize + shingle, then
    ``RMinHash(128).update`` per document and ``RMinHashLSH``; query every document.
    rensa needs bands dividing ``num_perm``: the divisor whose S-curve midpoint
    ``(1/b)**(1/r)`` is nearest the threshold (32 x 4 for 0.5; datasketch takes 25 x 5)."""
    from rensa import RMinHash, RMinHashLSH

    bands = min((b for b in range(1, NUM_PERM + 1) if NUM_PERM % b == 0),
                key=lambda b: abs((1 / b) ** (b / NUM_PERM) - THRESHOLD))
    t0 = time.perf_counter()
    sketches: list = [None] * len(texts)
    for i, text in enumerate(texts):
        sh = word_shingles(text)
        if sh:
            m = RMinHash(num_perm=NUM_PERM, seed=1)
            m.update([s.decode("utf-8") for s in sh])
            sketches[i] = m
    t1 = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=bands)
    for i, m in enumerate(sketches):
        if m is not None:
            lsh.insert(i, m)
    return _finish(lsh, sketches, t0, t1, bands=bands)


def _shingled(texts: list[str], shingle_size: int):
    """dedup's tokenize -> shingle path per document (the whole text as one segment)."""
    from dedup.stages.fingerprint import segment_shingles
    from dedup.stages.normalize import tokenize

    for text in texts:
        hashes = tokenize(text)[2]
        if len(hashes):
            yield segment_shingles(hashes, np.array([0, len(hashes)], dtype=np.int64), shingle_size)


def dedup_fingerprint_per_doc(texts: list[str], shingle_size: int = 3, seed: int = 1) -> dict:
    """dedup's fingerprint path one document at a time: ``normalize.tokenize`` ->
    ``fingerprint.segment_shingles`` (the whole text as one segment) -> ``signatures``."""
    from dedup.stages.fingerprint import signatures

    signatures(np.zeros(1, np.uint32), np.zeros(1, np.int64), 1, NUM_PERM, seed)  # warm caches
    t0 = time.perf_counter()
    done = 0
    for sh, own in _shingled(texts, shingle_size):
        signatures(sh, own, 1, NUM_PERM, seed)
        done += 1
    return {"docs": len(texts), "signed": done, "total_s": time.perf_counter() - t0}


def dedup_fingerprint_batched(texts: list[str], shingle_size: int = 3, seed: int = 1) -> dict:
    """The same work as a batch: every document's token hashes concatenated (CSR bounds),
    one ``segment_shingles`` and one ``signatures`` call for all documents."""
    from dedup.stages.fingerprint import segment_shingles, signatures
    from dedup.stages.normalize import tokenize

    signatures(np.zeros(1, np.uint32), np.zeros(1, np.int64), 1, NUM_PERM, seed)
    t0 = time.perf_counter()
    hashes = [h for h in (tokenize(t)[2] for t in texts) if len(h)]
    if hashes:
        bounds = np.cumsum([0] + [len(h) for h in hashes])
        sh, own = segment_shingles(np.concatenate(hashes), bounds, shingle_size)
        signatures(sh, own, len(hashes), NUM_PERM, seed)
    return {"docs": len(texts), "signed": len(hashes), "total_s": time.perf_counter() - t0}


def run_peers(texts: list[str], naive_texts: list[str], log=print) -> dict:
    """All peers; a peer that fails is reported with its error instead of a timing."""
    out = {}
    jobs = (("naive", naive_pipeline, naive_texts), ("batch", batch_pipeline, texts),
            ("rensa", rensa_pipeline, texts),
            ("fp_dedup", dedup_fingerprint_per_doc, texts),
            ("fp_dedup_batched", dedup_fingerprint_batched, texts))
    for name, fn, data in jobs:
        log(f"speed: peer {name} on {len(data)} docs ...")
        try:
            out[name] = fn(data)
        except Exception as exc:  # report, do not abort the benchmark
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        r = out[name]
        log(f"speed: peer {name}: {r['total_s']:.2f} s ({r['docs'] / r['total_s']:.0f} docs/s)")
    return out
