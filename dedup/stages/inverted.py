"""Rare word bigrams: candidates for short rewrites that share no MinHash band.

A newspaper's 45-word rewrite of a 600-word wire story shares a few verbatim runs of
four to fifteen words with it, too few for any 3-gram band of a 40-word segment to
collide. An inverted index over word bigrams finds them, as passim and BLAST seed
from exact k-mers: two documents that share several bigrams rare in this corpus are a
candidate pair.

Bounded so that it scales and so that formulas and furniture never seed: a bigram
seeds only when at most ``max(2, min(MAX_DF, DF_SHARE x corpus))`` documents carry it
(so each bigram yields at most ``MAX_DF^2 / 2`` pairs); a pair needs shared rare
bigrams worth ``MIN_IDF`` nats of inverse document frequency (log(N/df) summed, so
three bigrams in a corpus of hundreds, two in one of thousands) and, in a corpus, as
many as a significant chain between documents of their sizes needs
(:mod:`dedup.stages.significance`: the channel serves chains too short for the fixed
rules, so a pair whose seeds cannot reach that score is not worth aligning); pairs the
MinHash bands propose are left out; and each document keeps its ``PER_DOC`` best
partners from this channel.
"""

from __future__ import annotations

import numpy as np

from .segment import member_sorted, unique_sorted
from .significance import log_over, search_size
from ..storage.keyparts import KeyParts, split_by, split_by_key

MAX_DF = 10  # documents carrying a seeding bigram, at most
DF_SHARE = 0.02  # ... and at most this share of the corpus
MIN_IDF = 15.0  # summed log(N / df) of the shared rare bigrams a pair needs
PER_DOC = 32  # best partners a document keeps from this channel

_MIX = np.uint64(0x9E3779B97F4A7C15)


def seed_cap(sources: int) -> int:
    """Documents a seeding bigram may have, at most, in a corpus of ``sources``."""
    return max(2, min(MAX_DF, int(DF_SHARE * sources)))


def position_bigrams(hashes: np.ndarray) -> np.ndarray:
    """The 64-bit key of each word bigram, in order (one fewer than the words)."""
    if len(hashes) < 2:
        return np.zeros(0, np.uint64)
    with np.errstate(over="ignore"):
        return (hashes[:-1] * _MIX) ^ (hashes[1:] + (hashes[1:] >> np.uint64(17)))


def bigrams(hashes: np.ndarray) -> np.ndarray:
    """A document's distinct word bigrams as 64-bit keys (sorted)."""
    return unique_sorted(position_bigrams(hashes))


def rare_pairs(keys: list[np.ndarray], docs: list[np.ndarray], n_docs: int,
               proposed: np.ndarray | None = None, ntokens: np.ndarray | None = None,
               max_evalue: float | None = None, sources: int | None = None) -> np.ndarray:
    """:func:`rare_pairs_of` every document's distinct bigram ``keys`` and, beside
    each, its document number (``docs``), held in memory."""
    return rare_pairs_of(KeyParts.of(keys, docs), n_docs, proposed, ntokens, max_evalue, sources)


def rare_pairs_of(parts: KeyParts, n_docs: int, proposed: np.ndarray | None = None,
                  ntokens: np.ndarray | None = None, max_evalue: float | None = None,
                  sources: int | None = None, group: np.ndarray | None = None, engine=None) -> np.ndarray:
    """Document pairs (i < j) sharing enough rare bigrams; ``parts``: every document's
    distinct bigram keys and their documents, one key range at a time.
    ``proposed``: pairs (i < j) the MinHash bands already propose, left out here (they
    take no place among a document's ``PER_DOC`` partners). ``ntokens`` and
    ``max_evalue``: a pair's shared rare bigrams must also be worth the score a
    significant chain needs between documents of these sizes in a search of the
    proposed pairs (:func:`dedup.stages.significance.min_score`): a pair that cannot
    reach it links only by the fixed length rules, which the MinHash bands serve.
    ``sources``: the corpus size the statistics count (document frequencies are then of
    sources, :mod:`dedup.stages.sources`; default ``n_docs``); ``group``: each
    document's group of copies, a group carrying a bigram counted once, by its first
    member. ``engine``: its workers tag and score the key ranges when ``parts`` is on
    disk (in the driver, 6 s of a 100k run's serial time)."""
    if n_docs < 3:
        return np.zeros((0, 2), np.int64)
    sources = sources or n_docs
    cap = seed_cap(sources)
    bits = cap.bit_length()  # a pair code tagged with its bigram's df: (n_docs ** 2) << bits fits 63 bits
    # each key range's pair codes go to the part of their first document's range, so that
    # every code of a pair is summed in one part (on disk beside the keys: a million
    # articles' rare bigrams make hundreds of millions of codes); on workers, one set of
    # parts per key range (each written by one process), a part's codes read from them all
    on_workers = parts.worth_workers(engine)
    tagged = [KeyParts(parts.dir, f"{parts.name}-pairs-{p}" if on_workers else parts.name + "-pairs", parts.bits,
                       docs=False) for p in range(len(parts) if on_workers else 1)]
    count = len(tagged[0])
    try:
        state = (parts, tagged, n_docs, cap, bits, group)
        if on_workers:
            parts.flush()  # a worker reads each range's file whole, and never writes it
            for _ in engine.map(_tag_range, state, range(len(parts))):
                pass
        else:
            for p in range(len(parts)):
                _tag_range(state, p, tagged[0])
        weights = np.zeros(1 << bits)
        weights[2 : cap + 1] = [np.log(sources / size) for size in range(2, cap + 1)]
        # the proposed pairs of each part: a slice of them sorted (a search of all of them
        # per part cost 64 sorts of millions of codes at a million articles)
        known = np.sort(proposed[:, 0].astype(np.int64) * n_docs + proposed[:, 1]) if proposed is not None \
            else np.zeros(0, np.int64)
        cut = np.searchsorted(known // n_docs * count // n_docs, np.arange(count + 1)).tolist()
        state = (tagged, weights, bits, n_docs, known, cut, ntokens, max_evalue)
        kept = list(engine.map(_score_part, state, range(count)) if on_workers
                    else (_score_part(state, p) for p in range(count)))
    finally:
        for t in tagged:
            t.clear()
    codes, score = np.concatenate([c for c, _ in kept]), np.concatenate([x for _, x in kept])
    i, j = codes // n_docs, codes % n_docs
    return _best_per_doc(i, j, score, n_docs)


def _tag_range(state, p: int, into: KeyParts | None = None) -> None:
    """Key range ``p``'s pair codes (:func:`_tagged_codes`), each put in the part of its
    first document's range of ``into`` (default: range ``p``'s own parts, written here)."""
    parts, tagged, n_docs, cap, bits, group = state
    out = into if into is not None else tagged[p]
    count = len(out)
    k, d = parts.part(p)
    if group is not None:
        k, d = _one_per_group(k, d, group)
    for t in _tagged_codes(k, d, n_docs, cap, bits):
        out.add(split_by((t >> bits) // n_docs * count // n_docs, count, t.view(np.uint64)))
    if into is None:
        out.flush()  # the files are the answer: the driver reads none of this process's memory


def _score_part(state, q: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_scored` of part ``q`` of the pair codes (of every key range's parts)."""
    tagged, weights, bits, n_docs, known, cut, ntokens, max_evalue = state
    codes = np.concatenate([t.part(q)[0] for t in tagged]).view(np.int64)
    return _scored(np.sort(codes), weights, bits, n_docs, known[cut[q] : cut[q + 1]], ntokens, max_evalue)


def _scored(tagged: np.ndarray, weights: np.ndarray, bits: int, n_docs: int, proposed: np.ndarray,
            ntokens: np.ndarray | None, max_evalue: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``tagged`` (sorted: by pair, then by df, the order their weights are
    summed in) whose shared rare bigrams are worth a seed, and their scores; ``proposed``:
    pair codes left out (sorted)."""
    codes = tagged >> bits
    w = weights[tagged & ((1 << bits) - 1)]
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, np.int64)
    codes, score = codes[first], (np.add.reduceat(w, first) if len(first) else np.zeros(0))
    keep = score >= MIN_IDF
    if ntokens is not None and max_evalue is not None:
        i, j = codes // n_docs, codes % n_docs
        tests = search_size(n_docs)  # the documents compared, as the alignment counts them
        need = log_over(tests * np.maximum(ntokens[i], 1) * np.maximum(ntokens[j], 1), max_evalue)
        keep &= score >= need
    keep &= ~member_sorted(codes, proposed)  # sorted: a search, not np.isin's sort of both
    return codes[keep], score[keep]


def _tagged_codes(k: np.ndarray, d: np.ndarray, n_docs: int, cap: int, bits: int) -> list[np.ndarray]:
    """The pair codes of the bigrams in ``k`` that 2 to ``cap`` documents carry, each
    tagged with that number (one key range: every occurrence of its keys)."""
    if not len(k):
        return []
    order = np.argsort(k)  # not stable (several times faster): a group's pairs are a set
    k, d = k[order], d[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    lengths = np.diff(np.r_[starts, len(k)])
    found = []
    for size in range(2, cap + 1):
        first = starts[lengths == size]
        if not len(first):
            continue
        rows = d[first[:, None] + np.arange(size)].astype(np.int64)  # pair codes reach n_docs squared
        a, b = np.triu_indices(size, 1)
        i, j = rows[:, a].ravel(), rows[:, b].ravel()
        found.append(((np.minimum(i, j) * n_docs + np.maximum(i, j)) << bits) | size)
    return found


def _one_per_group(keys: np.ndarray, docs: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's carriers with one document per group (its first): a story copied
    more times than a seed may have carriers still seeds its trimmed copies."""
    # a bigram one document carries seeds nothing: dropped before the three-key sort
    order = np.argsort(keys)
    keys, docs = keys[order], docs[order]
    shared = np.zeros(len(keys), bool)
    if len(keys) > 1:
        same = keys[1:] == keys[:-1]
        shared[1:] |= same
        shared[:-1] |= same
    keys, docs = keys[shared], docs[shared]
    if not len(keys):
        return keys, docs
    # keys sorted: one sort of (key's rank, group) as one integer (rank x documents fits 63
    # bits), not a lexsort of three columns (five times slower); the set, not its order, is the answer
    rank = np.cumsum(np.r_[True, keys[1:] != keys[:-1]]) - 1
    cell = rank * np.int64(len(group)) + group[docs]
    order = np.argsort(cell)
    cell = cell[order]
    first = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    return keys[order[first]], np.minimum.reduceat(docs[order], first)


def _best_per_doc(i: np.ndarray, j: np.ndarray, score: np.ndarray, n_docs: int) -> np.ndarray:
    """Pairs among the ``PER_DOC`` best (by score, then by partner) of either member."""
    if not len(i):
        return np.zeros((0, 2), np.int64)
    keep = np.zeros(len(i), bool)
    for own, other in ((i, j), (j, i)):
        order = np.lexsort((other, -score, own))
        o = own[order]
        first = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
        rank = np.arange(len(o)) - np.repeat(first, np.diff(np.r_[first, len(o)]))
        keep[order[rank < PER_DOC]] = True
    pairs = np.stack([i[keep], j[keep]], axis=1).astype(np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def bigrams_range(prepared, rng: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`bigrams_of` documents ``rng`` of ``prepared`` (a store's tokens read alone)."""
    hashes = getattr(prepared, "hashes", None)
    return bigrams_of([hashes(k) if hashes else prepared[k].hashes for k in range(*rng)], rng[0])


def bigrams_of(hash_lists: list[np.ndarray], first: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The distinct word bigrams of documents' tokens (numbered from ``first``) and,
    beside each, its document, cut by key range (:func:`dedup.storage.keyparts.split_by_key`)."""
    grams = [bigrams(h) for h in hash_lists]
    if not grams:
        return split_by_key(np.zeros(0, np.uint64), np.zeros(0, np.int32))
    # int32: one per bigram of the corpus (30M at 100k articles), kept on disk by key range
    owners = np.repeat(np.arange(first, first + len(grams), dtype=np.int32), [len(g) for g in grams])
    return split_by_key(np.concatenate(grams), owners)
