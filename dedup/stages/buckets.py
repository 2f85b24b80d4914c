"""Buckets: the document pairs whose segments share an LSH band key (the candidates
stage's grouping, :mod:`dedup.stages.candidates`), each band's buckets made into unique
pairs and merged band by band."""

from __future__ import annotations

import numpy as np

from .segment import unique_sorted

MERGE_AT = 1 << 20  # band pairs waiting before they are merged (at least)

_K1 = np.uint64(0x9E3779B97F4A7C15)


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


def candidate_pairs(keys: np.ndarray, seg_doc: np.ndarray, max_bucket: int,
                    only: np.ndarray | None = None) -> np.ndarray:
    """Unique document pairs (i < j) that share a band key, as an (n, 2) int64 array.

    A bucket with more than ``max_bucket`` segments (left-over boilerplate, or one
    story copied very many times) links each member to its first few members only:
    enough to keep the cluster connected without enumerating every pair. ``only``:
    per document, whether a pair with it is wanted (None: all pairs).
    """
    if len(seg_doc) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    n = int(seg_doc.max()) + 1
    # Each band's pairs are made unique as they are made, and merged with the last
    # bands' whenever the waiting ones outnumber the merged: a copied story's segments
    # meet in every band, so the raw rows of all bands are over ten times the unique
    # pairs (about 25 million rows a group of bands at a million articles), and the
    # bands' own unique pairs several times (42 bands of one signature per document).
    merged, waiting, size = np.zeros(0, np.int64), [], 0
    for band in range(keys.shape[1]):
        codes = _band_codes(keys[:, band], seg_doc, max_bucket, n)
        if only is not None:
            codes = codes[only[codes // n] | only[codes % n]]
        waiting.append(codes)
        size += len(codes)
        if size > max(len(merged), MERGE_AT):
            merged, waiting, size = unique_sorted(np.concatenate([merged, *waiting])), [], 0
    codes = unique_sorted(np.concatenate([merged, *waiting]))
    return np.stack([codes // n, codes % n], axis=1)


def _band_codes(col: np.ndarray, seg_doc: np.ndarray, max_bucket: int, n: int) -> np.ndarray:
    """The unique pairs of one band's buckets, each as ``i * n + j`` (i < j)."""
    order = np.argsort(col)  # unstable (several times faster): the pairs are a set, sorted below
    sorted_keys = col[order]
    same = sorted_keys[1:] == sorted_keys[:-1]
    if not same.any():
        return np.zeros(0, np.int64)
    edges = np.flatnonzero(np.r_[True, ~same, True])
    lengths = np.diff(edges)
    # Buckets of one size are handled together as a matrix (one row per bucket);
    # only oversized buckets, which are rare, go one by one.
    starts = edges[:-1]
    found = []
    for size in np.unique(lengths[(lengths > 1) & (lengths <= max_bucket)]).tolist():
        rows = seg_doc[order[starts[lengths == size][:, None] + np.arange(size)]]
        a, b = np.triu_indices(size, 1)
        i, j = rows[:, a].ravel(), rows[:, b].ravel()
        keep = i != j
        found.append(np.minimum(i, j)[keep] * n + np.maximum(i, j)[keep])
    for start, length in zip(starts[lengths > max_bucket].tolist(), lengths[lengths > max_bucket].tolist()):
        docs = np.unique(seg_doc[order[start : start + length]])
        if len(docs) >= 2:
            pairs = _bucket_pairs(docs, max_bucket)
            found.append(pairs[:, 0] * n + pairs[:, 1])
    return unique_sorted(np.concatenate(found)) if found else np.zeros(0, np.int64)


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


def merge_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both = np.concatenate([a, b])
    if len(both) == 0:
        return both
    order = np.lexsort((both[:, 1], both[:, 0]))
    both = both[order]
    keep = np.r_[True, (both[1:] != both[:-1]).any(axis=1)]
    return both[keep]
