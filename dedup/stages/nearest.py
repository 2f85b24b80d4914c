"""Nearest: each document's closest earlier candidate, by the word trigrams they share.

A link says a document copies another; an unlinked document says nothing. To grade every
document, linked or not (a rewrite whose verbatim runs are too short to link, an
independent report of the same event), each one is given the candidate it shares most
with: of the documents it was compared with (its candidate pairs), the one dated no later
than it (either date unknown: any) that holds the largest share of its distinct word
trigrams, and that share (containment, the measure of Broder's resemblance work and of
the METER corpus's studies). A copy's source holds most of its trigrams; an independent
report of the same event holds the quotations and names it shares, a small share.
Counted on content words (furniture left out); ties go to the document first in id order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from .inline import ngrams
from .partitions import map_ranges
from .segment import member_sorted, unique_sorted

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine

CHUNK = 4096  # pairs per task
BATCH = 8  # partners of one document from which their shares are counted at once
UNDATED = np.iinfo(np.int64).min  # no date: compared with any document
_EPOCH = datetime(1970, 1, 1)


def trigrams(hashes: np.ndarray) -> np.ndarray:
    """A token sequence's distinct word trigrams (sorted keys: those the phrase counts use,
    :func:`dedup.stages.words.phrase_keys`, made without its bigrams)."""
    return unique_sorted(ngrams(hashes, 3)) if len(hashes) >= 3 else np.zeros(0, np.uint64)


def _shares_range(state, rng: tuple[int, int]) -> np.ndarray:
    """Per pair of the range: the share of each side's trigrams the other holds."""
    prepared, pairs = state
    grams: dict[int, np.ndarray] = {}  # pairs sorted by their first document: its repeats are consecutive

    def of(k: int) -> np.ndarray:
        if k not in grams:
            grams[k] = trigrams(prepared.hashes(k))
        return grams[k]

    part = pairs[rng[0] : rng[1]]
    out = np.zeros((len(part), 2))
    if not len(part):
        return out
    # each first document's partners at once: their trigrams looked up in its own (one
    # searchsorted a document, not an intersection a pair)
    firsts = np.flatnonzero(np.r_[True, part[1:, 0] != part[:-1, 0]])
    for lo, hi in zip(firsts.tolist(), np.r_[firsts[1:], len(part)].tolist()):
        a = of(int(part[lo, 0]))
        if hi - lo < BATCH:  # a few partners: an intersection each costs less than the batch's set-up
            for row in range(lo, hi):
                out[row] = containment(a, of(int(part[row, 1])))
            continue
        bs = [of(j) for j in part[lo:hi, 1].tolist()]
        sizes = np.fromiter(map(len, bs), np.int64, len(bs))
        if len(a) and sizes.any():  # else every share is 0, as containment's
            hit = member_sorted(np.concatenate(bs), a)
            common = np.bincount(np.repeat(np.arange(len(bs)), sizes), weights=hit, minlength=len(bs))
            out[lo:hi, 0] = common / len(a)
            out[lo:hi, 1] = common / np.maximum(sizes, 1)  # an empty partner holds 0 of 0
    return out


def containment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The share of ``a``'s trigrams that ``b`` holds, and of ``b``'s that ``a`` holds
    (:func:`trigrams`; 0 for a side without any)."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / len(a), common / len(b)


def seconds(date: datetime | None) -> int:
    """A publication date as seconds, for ordering (naive dates read as UTC; the offset
    subtracted as seconds, so a date at the calendar's ends cannot overflow)."""
    if date is None:
        return UNDATED
    offset = date.utcoffset() or timedelta(0)
    return int((date.replace(tzinfo=None) - _EPOCH).total_seconds() - offset.total_seconds())


def may_precede(other, mine):
    """Whether a document dated ``other`` may be the source of one dated ``mine``
    (:func:`seconds`): no later, or either date unknown. Numbers or arrays of them."""
    return (other == UNDATED) | (mine == UNDATED) | (other <= mine)


def nearest(prepared, pairs: np.ndarray, dates: np.ndarray, progress=None, *,
            engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    """Per document: its nearest earlier candidate (-1: none) and the share of its
    trigrams that one holds. ``pairs``: the candidate pairs ``(i, j)``; ``dates``: per
    document :func:`seconds`; ``progress(stage, done, total)``: called per partition."""
    n = len(dates)
    partner, share = np.full(n, -1, np.int64), np.zeros(n)
    if not len(pairs):
        return partner, share
    shares = np.concatenate(list(map_ranges(engine, _shares_range, (prepared, pairs), len(pairs), CHUNK, progress,
                                            "nearest")))
    # each pair read both ways: (document, candidate, share of the document's trigrams)
    doc = np.concatenate([pairs[:, 0], pairs[:, 1]])
    other = np.concatenate([pairs[:, 1], pairs[:, 0]])
    held = np.concatenate([shares[:, 0], shares[:, 1]])
    ok = may_precede(dates[other], dates[doc])
    doc, other, held = doc[ok], other[ok], held[ok]
    order = np.lexsort((other, -held, doc))  # per document: largest share, then first candidate
    doc, other, held = doc[order], other[order], held[order]
    first = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]]) if len(doc) else np.zeros(0, np.int64)
    partner[doc[first]], share[doc[first]] = other[first], held[first]
    return partner, share
