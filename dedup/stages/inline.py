"""Furniture inside paragraphs: passages of any length (a sentence, part of a line)
judged by how they recur across documents that otherwise share nothing.

Share bars run into an article's last sentence, newsletter and app blurbs sit inside
paragraphs: the line-level rule (:mod:`dedup.stages.boilerplate`) cannot see them. Here each
document's content is read as word n-grams (``NGRAM`` tokens) and the corpus counts in
how many documents each occurs. In a document, a run of consecutive n-grams that all
recur in at least ``min_docs`` documents is a *recurring passage*: where a blurb meets
text that differs from document to document, the n-grams straddling the edge recur
less, so the passage is cut out exactly, the same in every document that carries it.
Passages are then judged as lines are (:class:`dedup.stages.recurrence.Recurrence`): in half of
one source's documents, a template; otherwise furniture when the documents carrying it
have little else in common: syndicated copies of one story share the rest of the
story (most of their words are in passages they share, or what they carry besides
recurring passages is alike: MinHash of their less common words); documents that
share only a site's widget share neither. A passage needs ``PASSAGE_DOCS_FACTOR`` times
the carriers a line needs. Furniture passages are cut from the content paragraphs,
so offsets keep referring to the original text.

Cost: one n-gram count over the corpus (sorted arrays, :class:`dedup.stages.words.WordTable`)
and a pass over the documents that carry recurring passages. Past ``BUDGET`` n-grams
only anchors are counted (n-grams whose hash is divisible by a modulus, chosen by
content, so every copy of a blurb has the same anchors): memory stays bounded, edges
of passages are then found to within the anchor spacing.
"""

from __future__ import annotations

import numpy as np
import xxhash

from .fingerprint import signatures
from .segment import Prepared, low_bits_filter, member_filtered, unique_sorted

NGRAM = 8  # tokens per n-gram: long enough that chance repeats are rare
BUDGET = 1 << 25  # n-gram entries counted exactly (~24 bytes each) before anchors are sampled
REST_PERM = 32  # as for lines (dedup.stages.recurrence)
REST_MIN_WORDS = 8  # fewer words outside recurring passages: a pure copy
# A sub-line passage needs twice the carriers a line needs: an 8-word run recurs by
# topic (names, quotations, formulae) far more often than a whole line, and the median
# over a handful of carriers is decided by the two that happen to be related.
PASSAGE_DOCS_FACTOR = 2
# Shorter recurring runs are phrases: a long name or a wire formula ("said it has
# completed the acquisition of") recurs across unrelated stories by language alone.
MIN_TOKENS = 12
_MIX = np.uint64(0x9E3779B97F4A7C15)
_FIN = np.uint64(0xBF58476D1CE4E5B9)


def modulus(total_tokens: int) -> int:
    """Anchor spacing that keeps the n-gram count within ``BUDGET`` (1: every n-gram)."""
    return max(1, -(-int(total_tokens) // BUDGET))


def ngrams(hashes: np.ndarray, n: int = NGRAM) -> np.ndarray:
    """64-bit hash of each n-gram of a token-hash sequence (position i: tokens i..i+n-1)."""
    m = len(hashes) - n + 1
    if m <= 0:
        return np.zeros(0, np.uint64)
    h = np.asarray(hashes, np.uint64)
    x = h[:m].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):  # in place: no temporary array per step
            x *= _MIX
            x += h[k : k + m]
        x ^= x >> np.uint64(31)
        x *= _FIN
        x ^= x >> np.uint64(29)
    return x


def anchors(grams: np.ndarray, mod: int) -> np.ndarray:
    """Positions of the n-grams that are counted."""
    if mod <= 1:
        return np.arange(len(grams))
    return np.flatnonzero(grams % np.uint64(mod) == 0)


def _anchored(hash_lists: list[np.ndarray], mod: int, n: int):
    """The counted n-grams of several documents at once (their tokens laid end to end,
    n-grams across two documents left out): positions in the joined tokens, documents,
    n-gram hashes, and each document's first token plus the end."""
    lens = np.fromiter((len(h) for h in hash_lists), np.int64, len(hash_lists))
    off = np.concatenate(([0], np.cumsum(lens)))
    joined = np.concatenate([np.asarray(h, np.uint64) for h in hash_lists]) if off[-1] else np.zeros(0, np.uint64)
    g = ngrams(joined, n)
    doc = np.repeat(np.arange(len(lens)), lens)[: len(g)]
    keep = np.ones(len(g), dtype=bool)  # inside one document: not in its last n - 1 positions
    last = (off[1:, None] - np.arange(1, n)).ravel()
    keep[last[(last >= np.repeat(off[:-1], n - 1)) & (last < len(g))]] = False
    if mod > 1:
        keep &= g % np.uint64(mod) == 0
    pos = np.flatnonzero(keep)
    return pos, doc[pos], g[pos], off


def gram_pairs(hash_lists: list[np.ndarray], mod: int, n: int = NGRAM) -> tuple[np.ndarray, np.ndarray]:
    """The counted n-grams of several documents as ``(document, n-gram)`` pairs, repeats
    included, from one pass over their joined tokens (documents numbered from 0)."""
    _, doc, g, _ = _anchored(hash_lists, mod, n)
    return doc, g


def counted(hashes: np.ndarray, mod: int) -> np.ndarray:
    """A document's distinct counted n-grams, sorted (what the corpus count adds)."""
    return counted_many([hashes], mod)[0]


def counted_many(hash_lists: list[np.ndarray], mod: int) -> list[np.ndarray]:
    """:func:`counted` for several documents, in one pass over their joined tokens."""
    _, doc, g, _ = _anchored(hash_lists, mod, NGRAM)
    order = np.lexsort((g, doc))
    g, doc = g[order], doc[order]
    if len(g):
        first = np.concatenate(([True], (g[1:] != g[:-1]) | (doc[1:] != doc[:-1])))
        g, doc = g[first], doc[first]
    bounds = np.searchsorted(doc, np.arange(len(hash_lists) + 1)).tolist()
    return [g[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def passages(hashes: np.ndarray, recurring: np.ndarray, mod: int, n: int = NGRAM) -> list[tuple[int, int]]:
    """Token spans ``[start, end)`` of recurring passages: runs of counted n-grams in
    ``recurring`` (sorted), broken by any counted n-gram that is not and by gaps wider
    than an n-gram plus the anchor spacing."""
    return passages_many([hashes], recurring, mod, n)[0]


def passages_many(hash_lists: list[np.ndarray], recurring: np.ndarray, mod: int,
                  n: int = NGRAM) -> list[list[tuple[int, int]]]:
    """:func:`passages` for several documents, in one pass over their joined tokens."""
    out: list[list[tuple[int, int]]] = [[] for _ in hash_lists]
    if not len(recurring):
        return out
    pos, doc, g, off = _anchored(hash_lists, mod, n)
    if not len(pos):
        return out
    rec = _recurring(g, recurring)
    if not rec.any():
        return out
    # Between two anchors there is no evidence either way: they chain while close enough
    # for sampling to explain the gap (any n-gram when every one is counted).
    near = (np.diff(pos) <= n + mod - 1) & (doc[1:] == doc[:-1])
    prev_ok = np.concatenate(([False], rec[:-1] & near))
    starts = np.flatnonzero(rec & ~prev_ok)
    nxt_ok = np.concatenate((rec[1:] & near, [False]))
    ends = np.flatnonzero(rec & ~nxt_ok)
    local = pos - off[doc]
    for d, s, e in zip(doc[starts].tolist(), local[starts].tolist(), local[ends].tolist()):
        out[d].append((s, e + n))
    return out


FILTER_BITS = 24  # the bitmap below: at most 16 MB


def _recurring(grams: np.ndarray, recurring: np.ndarray) -> np.ndarray:
    """:func:`member_sorted` of ``grams`` in ``recurring`` (sorted), most of them ruled
    out first by a bitmap of the recurring n-grams' low bits: a binary search per n-gram
    costs a cache miss per step, and most n-grams do not recur."""
    bits = min(FILTER_BITS, max(16, (16 * len(recurring)).bit_length()))
    return member_filtered(grams, recurring, low_bits_filter(recurring, bits))


def passage_keys(hashes: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """Identity of each passage: a hash of its tokens."""
    h = np.asarray(hashes, np.uint64)
    return np.fromiter((xxhash.xxh3_64_intdigest(h[s:e].tobytes()) for s, e in spans), np.uint64, len(spans))


def residual_key(index: int) -> int:
    """A key no other document has, standing for a document's words outside passages
    (so that shares are taken of the whole document)."""
    return xxhash.xxh3_64_intdigest(b"rest:" + int(index).to_bytes(8, "little"))


def rest_signature(p: Prepared, spans: list[tuple[int, int]], keys: np.ndarray, recurring: set,
                   n_docs: int, seed: int):
    """MinHash of the distinct words a document carries outside its recurring passages,
    leaving out words in more than half of the corpus's documents (None when too few).

    Words rather than shingles: independent reports of one event share its names and
    terms but few word sequences, and they must count as related (a quotation they
    share is not furniture); documents that share only a widget share neither."""
    return rest_signatures([(p, spans, keys)], recurring, n_docs, seed)[0]


def rest_signatures(docs: list, recurring: set, n_docs: int, seed: int) -> list:
    """:func:`rest_signature` of many documents, ``(p, spans, keys)`` each, MinHashed in
    one call."""
    words = []
    for p, spans, keys in docs:
        keep = np.ones(p.ntokens, dtype=bool)
        for (s, e), k in zip(spans, keys.tolist()):
            if k in recurring:
                keep[s:e] = False
        if p.df is not None:
            keep &= p.df * 2 <= n_docs
        words.append(unique_sorted(np.asarray(p.hashes, np.uint64)[keep]))
    kept = [k for k, w in enumerate(words) if len(w) >= REST_MIN_WORDS]
    out = [None] * len(docs)
    if kept:
        flat = np.concatenate([words[k] for k in kept])
        owner = np.repeat(np.arange(len(kept), dtype=np.int64), [len(words[k]) for k in kept])
        w32 = ((flat >> np.uint64(32)) ^ flat).astype(np.uint32)
        for k, row in zip(kept, signatures(w32, owner, len(kept), REST_PERM, seed)):
            out[k] = row
    return out


def cut(paras: list, p: Prepared, drop: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Content paragraphs with the character spans of dropped token runs cut out
    (with the punctuation attached to their last word; white space at the cuts trimmed)."""
    chars = sorted((int(p.starts[s]), _attached(text, int(p.ends[e - 1]))) for s, e in drop)
    out = []
    for ps, pe in paras:
        cur = ps
        for ds, de in chars:
            if de <= cur or ds >= pe:
                continue
            _trimmed(text, cur, min(ds, pe), out)
            cur = max(cur, de)
        _trimmed(text, cur, pe, out)
    return out


def _attached(text: str, end: int) -> int:
    while end < len(text) and not text[end].isspace() and not text[end].isalnum():
        end += 1
    return end


def _trimmed(text: str, s: int, e: int, out: list) -> None:
    piece = text[s:e]
    stripped = piece.strip()
    if stripped:
        s2 = s + piece.find(stripped[0])
        out.append((s2, s2 + len(stripped)))
