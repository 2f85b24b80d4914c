"""Candidates: LSH banding over segment signatures, grouped by sorting, not by dicts.

Each band's rows are folded into one 64-bit key; segments whose keys agree in any
band are candidates. Keys for all segments are computed at once and each band is
grouped with one stable sort, so memory is a few integers per (segment, band).
"""

from __future__ import annotations

import numpy as np

_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xBF58476D1CE4E5B9)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(nseg, bands) uint64 keys, one per band of ``rows`` signature values."""
    nseg = sig.shape[0]
    keys = np.zeros((nseg, bands), dtype=np.uint64)
    block = sig[:, : bands * rows].reshape(nseg, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            keys = (keys ^ block[:, :, r]) * _K1
            keys ^= keys >> np.uint64(29)
    return keys


def candidate_pairs(keys: np.ndarray, seg_doc: np.ndarray, max_bucket: int) -> np.ndarray:
    """Unique document pairs (i < j) that share a band key, as an (n, 2) int64 array.

    A bucket with more than ``max_bucket`` documents (left-over boilerplate, or one
    story copied very many times) links each member to its first few members only:
    enough to keep the cluster connected without enumerating every pair.
    """
    found = []
    for band in range(keys.shape[1]):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        sorted_keys = col[order]
        same = sorted_keys[1:] == sorted_keys[:-1]
        if not same.any():
            continue
        edges = np.flatnonzero(np.r_[True, ~same, True])
        lengths = np.diff(edges)
        # Buckets of two are nearly all of them: handle those as arrays.
        two = edges[:-1][lengths == 2]
        if len(two):
            a, b = seg_doc[order[two]], seg_doc[order[two + 1]]
            keep = a != b
            found.append(np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]], axis=1))
        for start, length in zip(edges[:-1][lengths > 2].tolist(), lengths[lengths > 2].tolist()):
            docs = np.unique(seg_doc[order[start : start + length]])
            if len(docs) >= 2:
                found.append(_bucket_pairs(docs, max_bucket))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    n = int(seg_doc.max()) + 1
    pairs = np.concatenate(found)
    codes = np.sort(pairs[:, 0] * n + pairs[:, 1])
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return np.stack([codes // n, codes % n], axis=1)


def _bucket_pairs(docs: np.ndarray, max_bucket: int) -> np.ndarray:
    k = len(docs)
    if k > max_bucket:
        hubs = docs[:4]
        i = np.repeat(hubs, k)
        j = np.tile(docs, len(hubs))
    else:
        i, j = np.triu_indices(k, 1)
        i, j = docs[i], docs[j]
    keep = i < j
    return np.stack([i[keep], j[keep]], axis=1)
