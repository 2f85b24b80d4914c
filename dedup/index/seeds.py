"""Rare word bigrams in the index: candidates for short rewrites that share no band.

The batch pipeline seeds pairs from word bigrams that few documents carry
(:mod:`dedup.stages.inverted`); the index does the same for each arriving document,
against what is stored. A bigram's documents are kept in the band tables (its key
salted apart from band keys), but only while it may still seed: once ``MAX_DF + 1``
documents carry it, no later document stores it, so a formula's or furniture's bigram
costs ``MAX_DF + 1`` rows however common it grows, and a look-up reads at most that
many per bigram. A removed document's rows are deleted from bigrams that are not full;
a full one keeps them, so that it stays full (it never seeds again; a removed rowid
names no document and is skipped).

The same rows count the phrases a pair's matched words sit in: the batch discounts a
word by how many other documents carry its bigram and trigram (``phrase_prior``), and the
index does so with bigrams (its carriers, at most ``FULL``; trigrams are not counted), so a
recurring phrase (a banner, a formula) carries little evidence of copying here too.

The same rows count the new document's shingles for its band keys: the batch leaves
common shingles out of every signature; the index, whose stored keys stay as written,
treats a bucket that only such shingles make as over-full (:func:`shingle_df`,
:func:`dedup.index.analysis.common_keys`).

A stored document is a candidate when the bigrams it shares with the new one, each
carried by at most ``max(2, min(MAX_DF, DF_SHARE x corpus))`` documents, are worth
``MIN_IDF`` nats and the score a significant chain between documents of their sizes
needs, as in the batch; each document keeps its ``PER_DOC`` best from this channel,
besides its band candidates.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .analysis import buckets
from ..stages.inverted import MAX_DF, MIN_IDF, PER_DOC, position_bigrams, seed_cap
from ..stages.segment import Prepared, unique_sorted
from ..stages.significance import min_score, search_size

# Salt of bigram keys in the band tables (no band key is salted so: see analysis._BAND_SALT).
_SALT = np.uint64(0x5BD1E9955BD1E995)
FULL = MAX_DF + 1  # documents a bigram's rows stop at: one more than may seed


def bigram_keys(p: Prepared) -> np.ndarray:
    """A document's distinct content bigrams as band-table keys (int64, sorted)."""
    return unique_sorted(_in_order(p)[1:])


def _in_order(p: Prepared) -> np.ndarray:
    """Each position's bigram as a band-table key, the bigram ending there (position 0
    ends none: 0)."""
    bi = np.zeros(p.ntokens, np.int64)
    if p.ntokens > 1:
        bi[1:] = (position_bigrams(p.hashes) ^ _SALT).view(np.int64)
    return bi


def stored_carriers(store, keys: list[np.ndarray]) -> dict[int, list[int]]:
    """The stored carriers of some documents' bigram keys (:func:`bigram_keys` each), read
    at once from ``store``'s band tables, by key."""
    every = np.unique(np.concatenate([np.zeros(0, np.int64), *keys]))
    return buckets(store.band_rows(every)) if len(every) else {}


def candidates(by_key: dict[int, list[int]], ntokens: int, n_docs: int, max_evalue: float, ntokens_of,
               skip: set[int]) -> set[int]:
    """Stored documents (rowids) the new document's rare bigrams seed. ``by_key``: the
    stored carriers of its bigrams; ``n_docs``: the corpus with it; ``ntokens_of``: rowids
    -> their token counts (asked only for those worth ``MIN_IDF``); ``skip``: rowids
    already candidates (they take no place among the ``PER_DOC``)."""
    cap = seed_cap(n_docs)
    score: Counter = Counter()
    for docs in by_key.values():
        df = len(docs) + 1  # the new document carries it too
        if df > cap:
            continue
        w = math.log(n_docs / df)
        for d in docs:
            score[d] += w
    worth = sorted(d for d, s in score.items() if s >= MIN_IDF and d not in skip)
    if not worth:
        return set()
    tests = search_size(n_docs)  # as the batch counts its search
    sizes = ntokens_of(worth)
    kept = [(-score[d], d) for d in worth
            if d in sizes and score[d] >= min_score(ntokens, sizes[d], tests, max_evalue)]
    return {d for _, d in sorted(kept)[:PER_DOC]}


def to_store(keys: list[np.ndarray], by_key: dict[int, list[int]]) -> list[np.ndarray]:
    """Per new document (in order), its bigram keys to store (each document's distinct,
    :func:`bigram_keys`): those fewer than ``FULL`` documents carry, counting the stored
    (``by_key``) and the new ones before it."""
    if not keys:
        return []
    flat = np.concatenate([np.asarray(k, np.int64) for k in keys])
    # a document stores a bigram while the stored carriers and the batch's carriers before
    # it number fewer than FULL: each earlier carrier stored it until then
    order = np.argsort(flat, kind="stable")  # stable: each key's carriers stay in batch order
    k = flat[order]
    first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.zeros(0, np.int64)
    size = np.diff(np.r_[first, len(k)])
    earlier = np.arange(len(k)) - np.repeat(first, size)
    keep = np.empty(len(k), bool)
    keep[order] = np.repeat(_stored(k[first], by_key), size) + earlier < FULL
    ends = np.cumsum([len(x) for x in keys])[:-1]
    return [x[m] for x, m in zip(np.split(flat, ends), np.split(keep, ends))]


def to_delete(keys: np.ndarray, by_key: dict[int, list[int]]) -> np.ndarray:
    """A removed document's bigram keys whose rows go: those not full (a full bigram
    keeps its rows, so that it stays full)."""
    keys = np.asarray(keys, np.int64)
    return keys[_stored(keys, by_key) < FULL]


def _stored(keys: np.ndarray, by_key: dict[int, list[int]]) -> np.ndarray:
    """How many stored documents carry each of ``keys`` (its rows in ``by_key``)."""
    if not by_key or not len(keys):
        return np.zeros(len(keys), np.int64)
    known = np.fromiter(by_key, np.int64, len(by_key))
    n = np.fromiter(map(len, by_key.values()), np.int64, len(by_key))
    order = np.argsort(known)
    known, n = known[order], n[order]
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.where(known[at] == keys, n[at], 0)


def phrase_table(keys: np.ndarray, by_key: dict[int, list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The new document's bigram keys (:func:`bigram_keys`) and the documents carrying
    each, itself included (stored carriers counted up to ``FULL``)."""
    return keys, (_stored(keys, by_key) + 1).astype(np.int32)


def shingle_df(p: Prepared, size: int) -> np.ndarray | None:
    """For each token of the new document, the documents carrying the shingle of ``size``
    words that starts there, from its phrases (:func:`with_phrases`): a bigram's carriers,
    a trigram's the fewer of its two bigrams' (an upper bound; carriers counted up to
    ``FULL``). None without phrases or for other sizes (not estimated)."""
    if size not in (2, 3) or p.phrases is None:
        return None
    df = p.phrases[2]  # the bigram ending at each position
    out = np.ones(p.ntokens, np.int32)
    n = p.ntokens - size + 1  # shingles that start inside the document
    if n > 0:
        out[:n] = df[1 : n + 1] if size == 2 else np.minimum(df[1 : n + 1], df[2 : n + 2])
    return out


def with_phrases(x: Prepared, table: tuple[np.ndarray, np.ndarray], keys: np.ndarray | None = None) -> None:
    """Give ``x`` (the new document or a stored one) its phrases as alignment reads them
    (:func:`dedup.stages.words.phrases_of`'s ``(bi, tri, bi_df, tri_df, distinct)``, no
    trigrams): each position's bigram and the documents carrying it, from ``table``
    (:func:`phrase_table`). A bigram the new document lacks counts one, ``x`` alone: no
    passage the pair shares reads it. ``keys``: ``x``'s :func:`bigram_keys` when known
    (else found from its positions' keys, not hashed again)."""
    table_keys, counts = table
    bi = _in_order(x)
    df = np.ones(x.ntokens, np.int32)
    if len(table_keys) and x.ntokens:
        at = np.minimum(np.searchsorted(table_keys, bi), len(table_keys) - 1)
        hit = table_keys[at] == bi
        df[hit] = counts[at[hit]]
    x.phrases = (bi, None, df, None, unique_sorted(bi[1:]) if keys is None else keys)
