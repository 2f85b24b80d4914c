"""Fingerprint: MinHash signatures of segments, computed for a whole batch in NumPy.

The signatures are bit-identical to ``datasketch.MinHash(num_perm, seed,
hashfunc=shingle_hash32)`` fed the same shingles (datasketch's default ``affine32``
scheme: MurmurHash3 finalizer, then ``a * h + b mod 2**32``), so dedup's arrays and
datasketch objects stay interchangeable. Shingles are word n-grams whose hash is
combined from the tokens' 64-bit hashes, so each token is hashed once, not n times.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: the combine is a bijection in each input
_BLOCK_CELLS = 1 << 20  # (perms x shingles) per block: 4 MB stays in cache (1 << 22 took 2x as long)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own permutation parameters (a, b) for ``num_perm`` and ``seed``
    (``MinHash(num_perm, seed, scheme="affine32").permutations``: an odd ``a`` and any
    ``b`` drawn from NumPy's ``RandomState(seed)``), drawn here as datasketch draws them:
    importing datasketch pulls in SciPy, a second of CPU for every run."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def combine(hashes: np.ndarray, n: int) -> np.ndarray:
    """32-bit hashes of the n-grams of a token-hash sequence (uint64 in, uint32 out)."""
    m = len(hashes) - n + 1
    x = hashes[:m].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):  # in place: no temporary array per step
            x *= _MIX
            x += hashes[k : k + m]
    return ((x >> np.uint64(32)) ^ x).astype(np.uint32)


def shingle_hash32(shingle: tuple[int, ...]) -> int:
    """The same hash as :func:`combine` for one shingle of token hashes (for datasketch)."""
    x = shingle[0]
    for h in shingle[1:]:
        x = (x * int(_MIX) + h) & 0xFFFFFFFFFFFFFFFF
    return ((x >> 32) ^ x) & 0xFFFFFFFF


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def segment_shingles(hashes: np.ndarray, bounds: np.ndarray, n: int, starts: bool = False):
    """Shingle hashes of every segment, and each shingle's segment number (and, with
    ``starts``, each one's first token).

    ``bounds`` (non-decreasing, from 0 to ``len(hashes)``) cut ``hashes`` into segments; a segment shorter than
    ``n`` tokens gives one shingle of all its tokens, an empty one none. Segments never
    share a shingle, so the segments of many documents, their token hashes concatenated
    (CSR-style), are shingled in one call as well as one document's.
    """
    nseg = len(bounds) - 1
    if nseg <= 0:
        empty = (np.zeros(0, np.uint32), np.zeros(0, np.int64))
        return (*empty, np.zeros(0, np.int64)) if starts else empty
    lens = np.diff(bounds)
    if lens.min() >= n:
        # All n-grams at once; keep those that end inside their segment.
        sh = combine(hashes, n)
        owner = np.repeat(np.arange(nseg, dtype=np.int64), lens)[: len(sh)]
        valid = np.arange(len(sh)) + n <= bounds[1:][owner]
        if starts:
            return sh[valid], owner[valid], np.flatnonzero(valid)
        return sh[valid], owner[valid]
    # Some segments shorter than n (one shorter shingle each) or empty (none).
    count = np.where(lens >= n, lens - n + 1, np.minimum(lens, 1))
    total = int(count.sum())
    owner = np.repeat(np.arange(nseg, dtype=np.int64), count)
    first = np.cumsum(count) - count  # each segment's first shingle in the output
    start = np.repeat(bounds[:-1] - first, count) + np.arange(total, dtype=np.int64)
    x = hashes[start]
    width = np.minimum(lens, n)[owner]
    with np.errstate(over="ignore"):
        for k in range(1, n):
            more = np.flatnonzero(width > k)  # shingles with a k-th token
            x[more] = x[more] * _MIX + hashes[start[more] + k]
    sh = ((x >> np.uint64(32)) ^ x).astype(np.uint32)
    return (sh, owner, start) if starts else (sh, owner)


def signatures(shingles: np.ndarray, owner: np.ndarray, nseg: int, num_perm: int, seed: int):
    """MinHash signature per segment: shape (nseg, num_perm), uint32.

    ``owner`` gives each shingle's segment (0..nseg-1) and must be non-decreasing.
    """
    a, b = permutations(num_perm, seed)
    sig = np.full((nseg, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    hv = _fmix32(shingles.astype(np.uint32, copy=False))
    chunk = max(1, _BLOCK_CELLS // num_perm)
    for lo in range(0, len(hv), chunk):
        block_h = hv[lo : lo + chunk]
        block_o = owner[lo : lo + chunk]
        # Permutation-major: each permutation's row is contiguous, so reduceat runs along
        # memory (4-5x faster than shingle-major on 10k documents).
        phv = np.multiply.outer(a, block_h)  # uint32 wraps: that is the mod
        phv += b[:, None]
        first = np.flatnonzero(np.concatenate(([True], block_o[1:] != block_o[:-1])))
        mins = np.minimum.reduceat(phv, first, axis=1).T
        segs = block_o[first]
        sig[segs] = np.minimum(sig[segs], mins)
    return sig
