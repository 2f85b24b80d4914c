"""Stories: the takes of one running story, with the copies made of them.

An agency files a running story as successive takes and updates: a court case's
opening, the evidence of its second day, the verdict. A later take need not repeat an
earlier one's words, so no link joins them, yet newspapers build one article from
several of them. Two documents are *takes of one story* when they come from one
``source``, were published within ``Config.story_days`` of each other, were proposed as a
candidate pair (they share a band or rare bigrams), are not linked as a template series'
issues, and share the story's names and figures (its people, places, organisations and
amounts: :mod:`dedup.stages.facts`) far beyond chance. Names, not other words: a
template's issues share the formula's words and differ in the facts; takes of one story
share the facts. Names inside quotations are left out on both sides: a statement is
quoted again whole, in stories it has nothing to do with, so its names are one piece of
evidence at most (as in the passages', :mod:`dedup.stages.event`).

The chance is an E-value, as the passages' (:mod:`dedup.stages.significance`), over
distinct words instead of chains. Another document carries a word with probability
``p(w)``, the larger of its share of the corpus's documents (``(1 + df - 2) / (1 + N -
2)``, the pair's two left out) and of the same source's, pulled towards the corpus's by
``Config.phrase_prior`` documents of pseudo-count (a source of few documents says
little): a site's own recurring names (its columnists, its town) are common among its
documents however rare elsewhere. A
document longer than the corpus's mean carries more words by chance: ``p`` grows in
proportion. Over the ``C(n, k)`` sets of ``k`` names the one with fewer names (``n``)
could have shared, and the ``tests`` pairs of one source within the window (the search
space), the expected number of pairs sharing ``k`` names as rare is
``tests x C(n, k) x prod p`` (a union bound). The best ``k`` (the rarest names first)
decides; a tie when it is at most ``Config.max_evalue``. Reports of the same event by
other sources share the same names and are never tied: they stay apart, as the copy
clusters keep them.

A story is a connected group of copy clusters and ties; each document of one with two
or more members gets its id (``DocumentInfo.story``, ``r1``, ``r2``, ... largest first).
Clusters and links are unchanged. The persistent index does not make stories.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np

from .cluster import components
from .nearest import UNDATED
from .segment import member_sorted, unique_sorted
from .words import _reduce

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine

CHUNK = 4096  # pairs (or documents) per task
DAY = 86400
KEY_LIMIT = 1 << 62  # int64 keys below this: source rank x date span (else counted a source at a time)


def source_numbers(facts) -> np.ndarray:
    """A number per document for its source (-1: none), the same number for the same name."""
    names: dict[str, int] = {}
    return np.fromiter((-1 if f.source is None else names.setdefault(f.source, len(names)) for f in facts),
                       np.int64, len(facts))


def same_source_pairs(sources: np.ndarray, dates: np.ndarray, window: int) -> int:
    """The pairs of documents of one source dated within ``window`` seconds of each
    other (``sources``: a number per document, -1 none; ``dates``: seconds, UNDATED none):
    the search space of the ties."""
    ok = (sources >= 0) & (dates != UNDATED)
    if not ok.any():
        return 0
    src, when = np.unique(sources[ok], return_inverse=True)[1], dates[ok] - dates[ok].min()
    window = min(window, int(when.max()))  # a wider window pairs nothing more
    step = int(when.max()) + window + 1
    if (int(src.max()) + 1) * step >= KEY_LIMIT:  # the shifted dates would overflow: one source at a time
        order = np.lexsort((when, src))
        src, when = src[order], when[order]
        edges = np.flatnonzero(np.r_[True, src[1:] != src[:-1], True])
        return sum(int((np.searchsorted(w, w + window, side="right") - np.arange(len(w)) - 1).sum())
                   for w in (when[a:b] for a, b in zip(edges[:-1], edges[1:])))
    # one sorted axis, source then date: each source's dates shifted past the one before's
    key = np.sort(src * step + when)
    within = np.searchsorted(key, key + window, side="right") - np.arange(len(key)) - 1
    return int(within.sum())


def log_evalue(logp: np.ndarray, n: int, tests: int) -> float:
    """``ln`` of the smallest E-value over ``k`` of the rarest shared words: ``logp`` the
    shared words' ``ln p`` (any order), ``n`` the smaller document's distinct words."""
    if not len(logp) or tests <= 0:
        return math.inf
    s = np.cumsum(np.sort(logp))
    k = np.arange(1, len(s) + 1)
    lf = _log_factorials(max(n, len(s)))
    log_choose = lf[n] - (lf[k] + lf[np.maximum(n - k, 0)])
    return float(math.log(tests) + np.min(log_choose + s))


@functools.cache
def _log_factorial_table(size: int) -> np.ndarray:
    return np.array([math.lgamma(x + 1) for x in range(size)])


def _log_factorials(m: int) -> np.ndarray:
    """``ln x!`` for ``x`` in ``0..m`` at least (a table in powers of two, kept)."""
    return _log_factorial_table(1 << max(6, m.bit_length()))


def _words(prepared, k: int, facts: bool) -> np.ndarray:
    """Document ``k``'s distinct words (``facts``: only those of its names and figures
    outside quotations)."""
    if not facts:
        return prepared.vocab(k)  # stored with every document (workspace.pack_prepared)
    hashes, flags, quoted = prepared.facts_quoted(k)
    return hashes[:0] if flags is None else unique_sorted(hashes[(flags >= 0) & ~quoted])


def _shared_range(state, rng: tuple[int, int]) -> list[np.ndarray]:
    """Per pair of the range: the names and figures both documents carry (sorted), and
    the fewer of the two documents' names and figures."""
    prepared, pairs = state
    cache: dict[int, np.ndarray] = {}

    def of(k: int) -> np.ndarray:
        if k not in cache:
            cache[k] = _words(prepared, k, True)
        return cache[k]

    return [(np.intersect1d(of(i), of(j), assume_unique=True), min(len(of(i)), len(of(j))))
            for i, j in pairs[rng[0] : rng[1]].tolist()]


def _carried_range(state, rng: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Of the documents ``docs[rng]``: how many carry each ``(source, word)`` key of
    ``needed`` (``source x len(words) + word's place``, sorted) of their own source."""
    prepared, docs, sources, words, needed = state
    nw, out = len(words), []
    for k in docs[rng[0] : rng[1]].tolist():
        lo, hi = np.searchsorted(needed, [sources[k] * nw, (sources[k] + 1) * nw])
        if hi > lo:
            mine = needed[lo:hi]
            out.append(mine[member_sorted(words[mine - sources[k] * nw], _words(prepared, k, False))])
    return np.unique(np.concatenate(out) if out else np.zeros(0, np.int64), return_counts=True)


def _source_counts(prepared, sources: np.ndarray, words: np.ndarray, needed: np.ndarray, engine: Engine):
    """The documents of each key's source that carry its word: ``needed``'s keys (see
    :func:`_carried_range`) and their counts, read where the documents are."""
    members = np.flatnonzero(np.isin(sources, np.unique(needed // len(words))))
    parts = list(engine.map(_carried_range, (prepared, members, sources, words, needed),
                            engine.partitions(len(members), CHUNK)))
    return _reduce(np.concatenate([k for k, _ in parts]), np.concatenate([c for _, c in parts]))


def _same_source(pairs: np.ndarray, sources: np.ndarray, dates: np.ndarray, exclude, window: int) -> np.ndarray:
    """The pairs of one source, both dated, within ``window`` seconds, not in ``exclude``."""
    i, j = pairs[:, 0], pairs[:, 1]
    keep = (sources[i] >= 0) & (sources[i] == sources[j]) & (dates[i] != UNDATED) & (dates[j] != UNDATED)
    keep &= np.abs(dates[i] - dates[j]) <= window
    skip = np.asarray(list(exclude), np.int64).reshape(-1, 2)
    if len(skip):  # as one int64 key per unordered pair, as realign_sources keys its pairs
        n = len(sources)
        code = np.minimum(i, j) * n + np.maximum(i, j)
        keep &= ~np.isin(code, skip.min(axis=1) * n + skip.max(axis=1))
    return pairs[keep]


def story_ties(prepared, pairs: np.ndarray, sources: np.ndarray, dates: np.ndarray, exclude, days: float,
               max_evalue: float, prior: float, progress=None, *, engine: Engine) -> np.ndarray:
    """The candidate ``pairs`` (rows ``(i, j)``) that are takes of one story, as an
    ``(m, 2)`` array. ``sources``: a number per document (-1: none); ``dates``: seconds
    (:func:`dedup.stages.nearest.seconds`); ``exclude``: pairs never tied (a template
    series' links); ``prior``: documents of pseudo-count that pull a source's share of
    a word towards the corpus's (``Config.phrase_prior``); ``prepared``: its word counts
    still held (``prepared.table``); ``progress(stage, done, total)``: called per partition."""
    none = np.zeros((0, 2), np.int64)
    if days <= 0 or not len(pairs) or prepared.table is None or not len(prepared.table[0]):
        return none
    window = int(days * DAY)
    same = _same_source(pairs, sources, dates, exclude, window)
    if not len(same):
        return none
    ranges = engine.partitions(len(same), CHUNK)
    found = []
    for (_, end), part in zip(ranges, engine.map(_shared_range, (prepared, same), ranges)):
        found.extend(part)
        if progress:
            progress("stories", end, len(same))
    words = unique_sorted(np.concatenate([w for w, _ in found]))
    if not len(words):
        return none
    at = [np.searchsorted(words, w) for w, _ in found]
    src = sources[same[:, 0]]
    key, carried = _source_counts(prepared, sources, words, unique_sorted(np.concatenate(
        [s * len(words) + x for s, x in zip(src.tolist(), at)])), engine)
    values, counts = prepared.table  # the corpus's documents carrying each word
    look = np.minimum(np.searchsorted(values, words), len(values) - 1)
    corpus = np.where(values[look] == words, counts[look], 2)
    size = np.bincount(sources[sources >= 0])
    tests, limit, n_docs = same_source_pairs(sources, dates, window), math.log(max_evalue), len(prepared)
    ntokens = np.asarray(prepared.ntokens, np.float64)
    mean = max(1.0, float(ntokens.mean()))
    tied = np.zeros(len(same), bool)
    for row, ((a, b), (_, n), x, s) in enumerate(zip(same.tolist(), found, at, src.tolist())):
        if not len(x):
            continue
        in_source = carried[np.searchsorted(key, s * len(words) + x)]
        # the chance another document carries the word: in the corpus, or among its source's;
        # a document longer than most carries more words by chance, in proportion
        p_corpus = (1.0 + corpus[x] - 2) / (n_docs - 1.0)
        p_source = (in_source - 2 + prior * p_corpus) / (size[s] - 2 + prior)  # towards the corpus's when few
        p = np.maximum(p_corpus, p_source) * max(1.0, max(ntokens[a], ntokens[b]) / mean)
        tied[row] = log_evalue(np.log(np.minimum(p, 1.0)), n, tests) <= limit
    return same[tied]


def stories(n: int, groups: list[list[int]], ties: np.ndarray) -> np.ndarray:
    """Per document its story's number (-1: alone), numbered by size (largest first),
    then by first member. ``groups``: the copy clusters' members."""
    edges = [(g[0], x) for g in groups for x in g[1:]] + [tuple(e) for e in ties.tolist()]
    found = [g for g in components(n, edges) if len(g) >= 2]
    found.sort(key=lambda g: (-len(g), min(g)))
    story = np.full(n, -1, np.int64)
    for k, g in enumerate(found):
        story[list(g)] = k
    return story
