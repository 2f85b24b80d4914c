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
``p(w)``, the larger of its share of the corpus's documents and of the same source's,
both counted outside the pair's region (the days from ``story_days`` before the earlier
take to ``story_days`` after the later): a running story's own takes and copies make
its names common on its days, and a name's chance of turning up in an unrelated take
is how often it turns up elsewhere (its background, as burst detection in news streams
measures a word against its usual rate). Each share is pulled towards the next wider
one by ``Config.phrase_prior`` documents of pseudo-count: the source's towards the
corpus's background, that towards the whole corpus's share (``(1 + df - 2) / (1 + N -
2)``, the pair's two left out), so that few documents outside say little and none say
nothing (a corpus of one day is judged by its whole counts). A site's own recurring
names (its columnists, its town) are common among its documents on every day however
rare elsewhere. A document longer than the corpus's mean carries more words by chance:
``p`` grows in proportion. Over the ``C(n, k)`` sets of ``k`` names the one with fewer names (``n``)
could have shared, and the ``tests`` pairs of one source within the window (the search
space), the expected number of pairs sharing ``k`` names as rare is
``tests x C(n, k) x prod p`` (a union bound). The best ``k`` (the rarest names first)
decides; a tie when it is at most ``Config.story_evalue`` (1: fewer than one chance tie
expected in the whole search). Not the passages' ``max_evalue`` (1e-6): that bar is strict
because independent reports share text for reasons other than chance (the same
quotation, the same names), so a link wants far more than chance explains. Two takes of
one source within days of each other that share rare names outside quotations have no
such other explanation: sharing them is what a running story is. Reports of the same
event by other sources share the same names and are never tied: they stay apart, as the
copy clusters keep them.

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
from .partitions import map_ranges
from .segment import unique_sorted
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
    logp = np.asarray(logp, np.float64)
    one = np.array([len(logp)], np.int64)
    return float(log_evalues(logp, np.zeros(len(logp), np.int64), one, np.array([n], np.int64), tests)[0])


def log_evalues(logp: np.ndarray, row: np.ndarray, counts: np.ndarray, fewer: np.ndarray, tests: int) -> np.ndarray:
    """:func:`log_evalue` of many pairs at once (``inf``: none shared), as flat arrays:
    ``logp`` their shared words' ``ln p``, pair after pair (``row``: each one's pair,
    ascending; ``counts``: per pair); ``fewer``: per pair its ``n``. For each ``k``, the
    ``k`` rarest words' ``ln p`` summed against ``ln C(n, k)`` (the ways a document of
    ``n`` words could have shared ``k``). Pairs of one length are the rows of a matrix,
    each summed in order: the same floats as one pair at a time."""
    out = np.full(len(counts), math.inf)
    if not len(logp) or tests <= 0:
        return out
    logp = logp[np.lexsort((logp, row))]  # each pair's words, smallest first
    start = np.r_[0, np.cumsum(counts)[:-1]]
    lf = _log_factorials(int(max(fewer.max(), counts.max())))
    for m in np.unique(counts[counts > 0]).tolist():
        pick = np.flatnonzero(counts == m)
        s = np.cumsum(logp[start[pick, None] + np.arange(m)], axis=1)
        k = np.arange(1, m + 1)
        n = fewer[pick, None]
        log_choose = lf[n] - (lf[k] + lf[np.maximum(n - k, 0)])
        out[pick] = math.log(tests) + np.min(log_choose + s, axis=1)
    return out


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


MAX_CARRIERS = 64  # a name more of the asked documents carry pairs none of them (it is common among them)


def shared_names(prepared, docs: np.ndarray, cache: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``docs`` that share names or figures outside quotations (rows ``(u, v)``,
    ``u < v``) and the ``ln`` of each one's E-value in a search of one pair: another
    document carries a name with its share of the corpus, the pair's two left out (as the
    ties count it); ``prepared``: its word counts still held. ``cache``: documents' names."""
    cache = {} if cache is None else cache
    for k in docs.tolist():
        if k not in cache:
            cache[k] = _words(prepared, k, True)
    words = [cache[k] for k in docs.tolist()]
    w = np.concatenate([np.zeros(0, np.uint64), *words])
    d = np.repeat(docs, [len(x) for x in words])
    order = np.lexsort((d, w))
    w, d = w[order], d[order]
    cuts = np.flatnonzero(np.r_[True, w[1:] != w[:-1], True])
    found = []
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        if 2 <= b - a <= MAX_CARRIERS:
            i, j = np.triu_indices(b - a, 1)
            found.append(np.c_[d[a:b][i], d[a:b][j]])
    if not found:
        return np.zeros((0, 2), np.int64), np.zeros(0)
    pairs = np.unique(np.concatenate(found), axis=0)
    values, counts = prepared.table
    n_docs = len(prepared)
    out = np.empty(len(pairs))
    for r, (u, v) in enumerate(pairs.tolist()):
        shared = np.intersect1d(cache[u], cache[v], assume_unique=True)
        look = np.minimum(np.searchsorted(values, shared), len(values) - 1)
        df = np.where(values[look] == shared, counts[look], 2)
        logp = np.log(np.minimum((1.0 + df - 2) / (n_docs - 1.0), 1.0))
        out[r] = log_evalue(logp, min(len(cache[u]), len(cache[v])), 1)
    return pairs, out


def _shared_range(state, rng: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of the range as flat arrays: the names and figures both documents carry
    (each pair's sorted, one after another), how many each pair shares, and the fewer
    of each pair's two documents' names and figures."""
    prepared, pairs = state
    cache: dict[int, np.ndarray] = {}

    def of(k: int) -> np.ndarray:
        if k not in cache:
            cache[k] = _words(prepared, k, True)
        return cache[k]

    shared, fewer = [], []
    for i, j in pairs[rng[0] : rng[1]].tolist():
        shared.append(np.intersect1d(of(i), of(j), assume_unique=True))
        fewer.append(min(len(of(i)), len(of(j))))
    counts = np.fromiter((len(w) for w in shared), np.int64, len(shared))
    flat = np.concatenate(shared) if shared else np.zeros(0, np.uint64)
    return flat, counts, np.asarray(fewer, np.int64)


def _carried_range(state, rng: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Of the documents ``rng``: how many carry each needed word on each day, as keys
    ``word's place x ndays + day`` (``day``: the document's, ``ndays - 1`` for an undated
    one), and of their own source, as ``(n_words + source x n_words + place) x ndays + day`` for the
    ``needed`` ``(source, word)`` keys (``source x n_words + place``, sorted)."""
    prepared, day, sources, words, needed, ndays = state
    nw, out = len(words), []
    for k in range(rng[0], rng[1]):
        # the document's words looked up among the needed (they grow with the corpus, a document's do not)
        vocab = _words(prepared, k, False)
        at = np.minimum(np.searchsorted(words, vocab), len(words) - 1)
        at = at[words[at] == vocab]
        if not len(at):
            continue
        out.append(at * ndays + day[k])
        if sources[k] >= 0:
            own = int(sources[k]) * nw + at
            own = own[needed[np.minimum(np.searchsorted(needed, own), len(needed) - 1)] == own]
            out.append((nw + own) * ndays + day[k])
    return np.unique(np.concatenate(out) if out else np.zeros(0, np.int64), return_counts=True)


def _carried(prepared, day: np.ndarray, sources: np.ndarray, words: np.ndarray, needed: np.ndarray, ndays: int,
             engine: Engine):
    """The documents carrying each needed word, and each needed ``(source, word)``, day by
    day (:func:`_carried_range`'s keys, sorted, and the cumulative counts after each), read
    where the documents are."""
    parts = list(engine.map(_carried_range, (prepared, day, sources, words, needed, ndays),
                            engine.partitions(len(prepared), CHUNK)))
    keys, counts = _reduce(np.concatenate([k for k, _ in parts]), np.concatenate([c for _, c in parts]))
    return keys, np.cumsum(counts)


def _between(keys: np.ndarray, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per row, the counts of the keys from ``lo`` to ``hi`` (inclusive)."""
    cum = np.r_[0, cum]
    return cum[np.searchsorted(keys, hi, side="right")] - cum[np.searchsorted(keys, lo)]


def _days(dates: np.ndarray) -> tuple[np.ndarray, int]:
    """Per document its day from the corpus's first (the last number, one past the
    latest day, for an undated one), and the number of days so counted."""
    dated = dates != UNDATED
    if not dated.any():
        return np.zeros(len(dates), np.int64), 1
    day = np.zeros(len(dates), np.int64)
    day[dated] = (dates[dated] - dates[dated].min()) // DAY
    ndays = int(day.max()) + 2
    day[~dated] = ndays - 1
    return day, ndays


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
               evalue: float, prior: float, progress=None, *, engine: Engine) -> np.ndarray:
    """The candidate ``pairs`` (rows ``(i, j)``) that are takes of one story, as an
    ``(m, 2)`` array. ``sources``: a number per document (-1: none); ``dates``: seconds
    (:func:`dedup.stages.nearest.seconds`); ``exclude``: pairs never tied (a template
    series' links); ``evalue``: the bar of a tie (``Config.story_evalue``); ``prior``:
    documents of pseudo-count that pull a source's share of a word towards the corpus's,
    and a share outside the pair's days towards the whole (``Config.phrase_prior``);
    ``prepared``: its word counts still held (``prepared.table``); ``progress(stage, done,
    total)``: called per partition."""
    none = np.zeros((0, 2), np.int64)
    if days <= 0 or not len(pairs) or prepared.table is None or not len(prepared.table[0]):
        return none
    window = int(days * DAY)
    same = _same_source(pairs, sources, dates, exclude, window)
    if not len(same):
        return none
    parts = list(map_ranges(engine, _shared_range, (prepared, same), len(same), CHUNK, progress, "stories"))
    flat = np.concatenate([f for f, _, _ in parts])  # every pair's shared names and figures, pair after pair
    counts = np.concatenate([c for _, c, _ in parts])
    fewer = np.concatenate([n for _, _, n in parts])
    del parts
    words = unique_sorted(flat)
    tests = same_source_pairs(sources, dates, window)
    if not len(words) or tests <= 0:
        return none
    x = np.searchsorted(words, flat)
    row = np.repeat(np.arange(len(same)), counts)
    src = sources[same[row, 0]]
    day, ndays = _days(dates)
    nw = len(words)
    if nw * (int(sources.max()) + 3) * ndays >= KEY_LIMIT:  # keys would overflow: one day for all (no background)
        day, ndays = np.where(dates != UNDATED, 0, 1), 2
    own = src * nw + x
    keys, cum = _carried(prepared, day, sources, words, unique_sorted(own), ndays, engine)
    # the pair's region: the days within the window of either take (both dated)
    reach = -(-window // DAY)  # (a window of hours reaches into the next day)
    lo = np.minimum(day[same[row, 0]], day[same[row, 1]]) - reach
    hi = np.minimum(np.maximum(day[same[row, 0]], day[same[row, 1]]) + reach, ndays - 2)
    lo = np.maximum(lo, 0)
    in_source = _between(keys, cum, (nw + own) * ndays, (nw + own) * ndays + ndays - 1)
    values, counts_all = prepared.table  # the corpus's documents carrying each word
    look = np.minimum(np.searchsorted(values, words), len(values) - 1)
    corpus = np.where(values[look] == words, counts_all[look], 2)[x]
    size = np.bincount(sources[sources >= 0])
    n_docs = len(prepared)
    # documents of the corpus, and of each source, day by day (undated ones on the last)
    per_day = np.cumsum(np.bincount(day, minlength=ndays))
    of_source = np.sort(sources[sources >= 0] * ndays + day[sources >= 0])
    ntokens = np.asarray(prepared.ntokens, np.float64)
    mean = max(1.0, float(ntokens.mean()))
    # The chance another document carries the word, in the corpus or among its source's,
    # counted outside the pair's region (its background: a running story's own takes make
    # its names common around it, not elsewhere), pulled towards the whole corpus's share
    # by ``prior`` documents of pseudo-count (all of it when every document is in the
    # region); a document longer than most carries more words by chance, in proportion.
    p_corpus = (1.0 + corpus - 2) / (n_docs - 1.0)
    out_corpus = corpus - _between(keys, cum, x * ndays + lo, x * ndays + hi)
    n_out = n_docs - (per_day[hi] - np.where(lo > 0, per_day[lo - 1], 0))
    p_back = (out_corpus + prior * p_corpus) / (n_out + prior)
    out_source = in_source - _between(keys, cum, (nw + own) * ndays + lo, (nw + own) * ndays + hi)
    s_out = size[src] - (np.searchsorted(of_source, src * ndays + hi, side="right")
                         - np.searchsorted(of_source, src * ndays + lo))
    p_source = (out_source + prior * p_back) / (s_out + prior)  # towards the corpus's when few
    longer = np.maximum(1.0, np.maximum(ntokens[same[:, 0]], ntokens[same[:, 1]]) / mean)
    p = np.maximum(p_back, p_source) * longer[row]
    logp = np.log(np.minimum(p, 1.0))
    tied = log_evalues(logp, row, counts, fewer, tests) <= math.log(evalue)
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
