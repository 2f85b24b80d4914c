"""Candidates on an engine that spreads data (Dask): the band keys shuffled by key among
its workers, so that no process holds every segment's keys; the same pairs as
:func:`dedup.stages.candidates.find_candidates` (a bucket's members meet in one
partition, in the same order)."""

from __future__ import annotations

import numpy as np

from ..config import Config
from ..storage.keyparts import KeyParts
from .buckets import candidate_pairs, merge_pairs as _merge_pairs
from .candidates import BANDS_PER_GROUP, CHUNK, _keys_range, _ntokens
from .inverted import bigrams_range, rare_pairs_of


def _split_keys(state, rng: tuple[int, int]) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """One partition's band keys cut for the shuffle: piece ``g * buckets + h`` holds,
    for each band of group ``g``, the (keys, documents) of the segments whose key in
    that band is ``h`` modulo ``buckets`` (a bucket of LSH is never cut in two); the
    last piece, when asked for, the documents' rare-word keys (the OCR channel)."""
    prepared, cfg, rare, buckets = state
    keys, seg_of, rare_keys, _ = _keys_range((prepared, cfg, rare, False), rng)
    mod = np.uint64(buckets)
    pieces = []
    for b0 in range(0, cfg.bands, BANDS_PER_GROUP):
        hashed = [keys[:, b] % mod for b in range(b0, min(cfg.bands, b0 + BANDS_PER_GROUP))]
        for h in range(buckets):
            pieces.append([(keys[m, b0 + i : b0 + i + 1], seg_of[m]) for i, m in enumerate(x == np.uint64(h) for x in hashed)])
    if rare:
        pieces.append([(rare_keys, np.arange(rng[0], rng[1], dtype=np.int64))])
    return pieces


def _pairs_of(max_bucket: int, pieces: list) -> np.ndarray:
    """The candidate pairs of one shuffled partition (every partition's piece, in order)."""
    pairs = np.zeros((0, 2), dtype=np.int64)
    for t in range(len(pieces[0]) if pieces else 0):
        keys = np.concatenate([p[t][0] for p in pieces])
        docs = np.concatenate([p[t][1] for p in pieces])
        if len(docs):
            pairs = _merge_pairs(pairs, candidate_pairs(keys, docs, max_bucket))
    return pairs


def shuffled_candidates(prepared, cfg: Config, progress, engine, noisy: np.ndarray,
                         grams: KeyParts | None) -> np.ndarray:
    """:func:`find_candidates` with the band keys shuffled by key among the engine's
    workers: the same pairs (a bucket's members meet in one partition, in the same order)."""
    rare = bool(noisy.any())
    buckets = max(1, engine.buckets)
    ranges = engine.partitions(len(prepared), CHUNK)
    nparts = len(range(0, cfg.bands, BANDS_PER_GROUP)) * buckets + rare

    def mapped(done: int, total: int) -> None:
        if progress:
            progress("fingerprint", ranges[done - 1][1], len(prepared))

    found = engine.shuffle(_split_keys, (prepared, cfg, rare, buckets), ranges, nparts, _pairs_of, cfg.max_bucket,
                           mapped)
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    if rare:
        pairs = found.pop()
        found.append(pairs[noisy[pairs[:, 0]] | noisy[pairs[:, 1]]])
    pairs = engine.reduce(_merge_pairs, found)
    if grams is None:
        return pairs
    for g in engine.map(bigrams_range, prepared, ranges):
        grams.add(g)
    grams.filled = True
    return _merge_pairs(pairs, rare_pairs_of(grams, len(prepared), pairs, _ntokens(prepared), cfg.max_evalue))
