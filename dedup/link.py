"""Align every candidate pair (the align stage over a corpus), on ``jobs`` processes.

Words weigh their rarity in the *other* documents of the corpus; pairs with an
OCR-damaged document that words cannot link are aligned again on characters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .align import Side, align, link_kind
from .align_chars import CharView, align_chars
from .config import Config
from .parallel import chunks, run
from .provenance import PairAlignment
from .segment import Prepared

CHUNK = 512  # pairs per task


def _member(x: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted vocabulary, without re-sorting it on every call."""
    if len(sorted_unique) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_unique, x), len(sorted_unique) - 1)
    return sorted_unique[pos] == x


def pair_sides(pa: Prepared, pb: Prepared, words_a: str, words_b: str, n_docs: int) -> tuple[Side, Side]:
    """Both documents' alignment views, words weighted by their rarity in the *other*
    documents of the corpus (smoothed IDF: uniform when there are no others)."""
    others = n_docs - 2
    in_b = _member(pa.hashes, pb.vocab)
    in_a = _member(pb.hashes, pa.vocab)
    df_a = pa.df - 1 - in_b
    df_b = pb.df - 1 - in_a
    w_a = np.log((1.0 + others) / (1.0 + df_a)) + 1.0
    w_b = np.log((1.0 + others) / (1.0 + df_b)) + 1.0
    return Side.make(words_a, w_a, pa.quoted), Side.make(words_b, w_b, pb.quoted)


def align_one(pa: Prepared, pb: Prepared, n_docs: int, cfg: Config, words=None, chars=None):
    """``(kind, spans)`` for one pair: words first, then characters when one document is
    OCR-damaged and words found no link. ``words``/``chars``: optional callables that
    return a document's (cached) word string / :class:`CharView`."""
    words = words or (lambda p: p.word_string())
    chars = chars or (lambda p: CharView.of(p.text, p.starts, p.ends))
    side_a, side_b = pair_sides(pa, pb, words(pa), words(pb), n_docs)
    spans = align(side_a, side_b, cfg)
    kind = link_kind(spans, pa.ntokens, pb.ntokens, cfg)
    if kind is None and (pa.noisy or pb.noisy):
        spans = align_chars(chars(pa), chars(pb), cfg, side_a.weights(), side_b.weights())
        kind = link_kind(spans, pa.ntokens, pb.ntokens, cfg)
    return kind, spans


def _cached(cache: dict, make):
    def get(p: Prepared):
        if p.index not in cache:
            cache[p.index] = make(p)
        return cache[p.index]

    return get


def _align_range(state, rng: tuple[int, int]) -> list[PairAlignment]:
    prepared, pairs, cfg = state
    words = _cached({}, lambda p: p.word_string())
    chars = _cached({}, lambda p: CharView.of(p.text, p.starts, p.ends))
    out = []
    for i, j in pairs[rng[0] : rng[1]].tolist():
        kind, spans = align_one(prepared[i], prepared[j], len(prepared), cfg, words, chars)
        if kind is not None:
            out.append(PairAlignment(i, j, kind, tuple(spans)))
    return out


def align_pairs(prepared: Sequence[Prepared], pairs: np.ndarray, cfg: Config, progress=None, jobs: int = 1):
    """Align every candidate pair; keep those with enough shared text to link."""
    out: list[PairAlignment] = []
    ranges = chunks(len(pairs), CHUNK)
    for (s, e), part in zip(ranges, run(_align_range, (prepared, pairs, cfg), ranges, jobs)):
        out.extend(part)
        if progress:
            progress("align", e, len(pairs))
    return out
