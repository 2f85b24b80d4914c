"""Rewrites: the sentences of a linked pair that restate each other in other words.

A newspaper that takes a wire story keeps a few verbatim runs and rewrites the rest a
phrase at a time ("was jailed for six years" / "received a six-year sentence"): word
alignment finds the runs, not the rewritten sentences around them, so a derived text's
reuse was undercounted. Once a pair is linked (judged against the whole corpus), each
prose sentence with words outside the passages is scored against each such sentence of
the other side by the words both carry in the same order (their LCS): each distinct word
its rarity (document frequencies over the *other* documents, as
:mod:`dedup.stages.significance` counts them), a name or a figure half (reports of one
story name the same people and amounts, :mod:`dedup.stages.event`). The summed rarity of
the distinct words both carry in any order bounds that score, and is computed first for
every pair of sentences at once. A sentence pair is a rewrite when its score is
significant among the pair's sentence pairs: ``E = n_a x n_b x exp(-S) <= max_evalue``
(``n_a``, ``n_b``: the sentences of each side; the same E-value rule and knob as a chain
of words). Pairs are taken best first, each sentence once; one that holds part of a
passage on both sides grows that passage to its sentences, and none may reach into
another passage. Headlines, bylines and datelines (no sentence) take no part. Without a
corpus (fewer than ``MIN_OTHERS`` other documents) no word has a rarity and nothing is
added.

Measured: benchmarks/RESULTS.md ("Rewritten sentences inside a linked pair").
"""

from __future__ import annotations

import numpy as np

from .align import Side, Span, span_of
from .blocks import equal_blocks
from .event import FACT_EVIDENCE
from .significance import LN2, log_over

# Word pairs (a word's sentences on one side times its sentences on the other) a pair
# may weigh: words that stand in many sentences of both (a name the whole story repeats)
# place no sentence, and are left out first (a 200k-character document stays bounded).
MAX_POSTINGS = 200_000
DENSE = 1 << 16  # sentence pairs scored in one array rather than sorted (long documents are sorted)


def with_rewrites(spans: list[Span], A: Side, B: Side, ha: np.ndarray, hb: np.ndarray, sentences,
                  max_evalue: float) -> list[Span]:
    """``spans`` with the pair's rewritten sentences added (module docstring). ``ha``,
    ``hb``: each side's token hashes; ``sentences``: a callable returning each side's
    sentences, the tokens that open them, whether each is prose
    (:func:`dedup.stages.openings.read_sentences`) and their distinct words
    (:func:`sentence_words`), asked only when both sides have words outside the
    passages. Symmetric: the sides swapped give the same passages swapped."""
    if A.sig is None or B.sig is None or not len(ha) or not len(hb):
        return spans
    # only prose sentences with words outside the passages can add anything (a copy has none)
    # (passages never overlap on a side: their lengths add up)
    if sum(s.a1 - s.a0 for s in spans) >= len(ha) or sum(s.b1 - s.b0 for s in spans) >= len(hb):
        return spans
    sentences_a, sentences_b = sentences()
    open_a = _open(spans, len(ha), sentences_a, 0)
    open_b = _open(spans, len(hb), sentences_b, 2) if open_a.any() else open_a
    if not open_b.any():
        return spans
    if B.words < A.words:  # one orientation: the LCS and the ties fall the same way whichever side is A
        out = _rewrites([s.swapped() for s in spans], B, A, hb, ha, sentences_b, sentences_a, open_b, open_a,
                        max_evalue)
        return sorted((s.swapped() for s in out), key=lambda s: (s.a0, s.b0))
    return _rewrites(spans, A, B, ha, hb, sentences_a, sentences_b, open_a, open_b, max_evalue)


def sentence_words(h: np.ndarray, first: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A document's distinct ``(sentence, word)`` pairs, sorted so, with the token where
    each first stands (``first``: the tokens that open the sentences). Made once a
    document; a pair keeps those its rarities and open sentences allow (:func:`_postings`)."""
    sizes = np.diff(np.append(np.asarray(first, np.int64), len(h)))
    sent = np.repeat(np.arange(len(first), dtype=np.int64), sizes)
    order = np.lexsort((h, sent))  # stable: a word's first token in its sentence first
    sent, word = sent[order], h[order]
    distinct = np.ones(len(sent), bool)
    distinct[1:] = (sent[1:] != sent[:-1]) | (word[1:] != word[:-1])
    return sent[distinct], word[distinct], order[distinct]


def _rewrites(spans, A: Side, B: Side, ha, hb, sentences_a, sentences_b, open_a, open_b, max_evalue):
    (first_a, _, words_a), (first_b, _, words_b) = sentences_a, sentences_b
    ra, rb = np.diff(A.sig.cum_rarity), np.diff(B.sig.cum_rarity)
    post_a, post_b = _postings(words_a, ra, open_a, A.shared), _postings(words_b, rb, open_b, B.shared)
    need = log_over(len(first_a) * len(first_b), max_evalue)
    # no pair of sentences can score more than the best sentence of each side alone
    if 0.5 * (_best(post_a, len(first_a)) + _best(post_b, len(first_b))) < need:
        return spans
    pairs = _bag_scores(post_a, post_b, len(first_a), len(first_b))
    if pairs is None:
        return spans
    sa, sb, bound = pairs
    keep = np.flatnonzero(bound >= need)  # the bag of shared words bounds the score from above
    if not len(keep):
        return spans
    bounds_a, bounds_b = [*first_a, len(ha)], [*first_b, len(hb)]
    wa, wb = _weights(A, ra), _weights(B, rb)
    found = []
    for i, j in zip(sa[keep].tolist(), sb[keep].tolist()):
        x0, x1, y0, y1 = bounds_a[i], bounds_a[i + 1], bounds_b[j], bounds_b[j + 1]
        blocks = equal_blocks(A.words, B.words, x0, x1, y0, y1)
        score = _in_order(blocks, ha, wa, wb)
        if score >= need:
            found.append((-score, i, j, blocks))
    out = sorted(spans, key=lambda s: (s.a0, s.b0))
    used_a, used_b = set(), set()
    for _, i, j, blocks in sorted(found, key=lambda t: t[:3]):  # best first, each sentence once
        if i in used_a or j in used_b:
            continue
        x0, x1, y0, y1 = bounds_a[i], bounds_a[i + 1], bounds_b[j], bounds_b[j + 1]
        on_a = [k for k, s in enumerate(out) if s.a0 < x1 and x0 < s.a1]
        on_b = [k for k, s in enumerate(out) if s.b0 < y1 and y0 < s.b1]
        if on_a != on_b:
            continue  # the sentences hold parts of different passages: a moved sentence, left alone
        inside = [out[k] for k in on_a]
        if inside:  # the passages they hold grow to both sentences, one passage
            x0, x1 = min([x0, *(p.a0 for p in inside)]), max([x1, *(p.a1 for p in inside)])
            y0, y1 = min([y0, *(p.b0 for p in inside)]), max([y1, *(p.b1 for p in inside)])
        rest = [s for k, s in enumerate(out) if k not in on_a]
        if any(s.a0 < x1 and x0 < s.a1 or s.b0 < y1 and y0 < s.b1 for s in rest):
            continue  # growing would reach into another passage
        if inside:
            blocks = equal_blocks(A.words, B.words, x0, x1, y0, y1)
        out = sorted([*rest, span_of(blocks, A, B, (x0, x1, y0, y1))], key=lambda s: (s.a0, s.b0))
        used_a.add(i), used_b.add(j)
    return out


def _open(spans: list[Span], n: int, sentences: tuple, side: int) -> np.ndarray:
    """Per sentence: whether it is prose with a word outside every passage (``side`` 0: A, 2: B)."""
    first, prose = sentences[:2]
    covered = np.zeros(n + 1, np.int64)
    for s in spans:
        lo, hi = (s.a0, s.a1) if side == 0 else (s.b0, s.b1)
        covered[lo] += 1
        covered[hi] -= 1
    outside = (np.cumsum(covered[:n]) == 0).astype(np.int64)
    return (np.add.reduceat(outside, np.asarray(first, np.int64)) > 0) & np.asarray(prose, bool)


def _weights(side: Side, rarity: np.ndarray) -> np.ndarray:
    """Each word's evidence in a rewritten sentence: its rarity, half for a name or a
    figure (reports of one story name the same people and amounts, as in
    :func:`dedup.stages.event.event_discount`)."""
    if side.facts is None:
        return rarity
    return np.where(side.facts(), FACT_EVIDENCE * rarity, rarity)


def _in_order(blocks, ha: np.ndarray, wa: np.ndarray, wb: np.ndarray) -> float:
    """The evidence of the distinct words two sentences share in the same order (their
    LCS blocks), the mean of both sides' weights."""
    if not blocks:
        return 0.0
    xs = np.concatenate([np.arange(x0, x1) for x0, x1, _, _ in blocks])
    ys = np.concatenate([np.arange(y0, y1) for _, _, y0, y1 in blocks])
    _, first = np.unique(ha[xs], return_index=True)
    return float(0.5 * (wa[xs[first]].sum() + wb[ys[first]].sum()))


def _best(postings, n: int) -> float:
    """The largest summed rarity of one sentence's postings."""
    sent, _, rarity = postings
    return float(np.bincount(sent, rarity, minlength=n).max()) if len(sent) else 0.0


def _bag_scores(post_a, post_b, n_a: int, n_b: int):
    """``(sentence of A, sentence of B, score)`` of every pair of sentences whose
    postings (:func:`_postings`) share a word, the score the summed mean rarity of the
    distinct words both carry; None when no word is shared."""
    sent_a, word_a, w_ra = post_a
    sent_b, word_b, w_rb = post_b
    shared = np.intersect1d(word_a, word_b)
    if not len(shared):
        return None
    wa, pa = _member(shared, word_a)
    wb, pb = _member(shared, word_b)
    ca, cb = np.bincount(wa, minlength=len(shared)), np.bincount(wb, minlength=len(shared))
    rarity = np.zeros(len(shared))
    rarity[wa] = 0.5 * w_ra[pa]
    half_b = np.zeros(len(shared))
    half_b[wb] = 0.5 * w_rb[pb]
    rarity += half_b
    cost = ca * cb
    if cost.sum() > MAX_POSTINGS:  # words that place fewest sentence pairs first (ties by the word)
        by_cost = np.lexsort((shared, cost))
        allowed = np.zeros(len(shared), bool)
        allowed[by_cost[np.cumsum(cost[by_cost]) <= MAX_POSTINGS]] = True
        keep_a, keep_b = allowed[wa], allowed[wb]
        wa, pa, wb, pb = wa[keep_a], pa[keep_a], wb[keep_b], pb[keep_b]
        cb = np.bincount(wb, minlength=len(shared))
        if not len(pa):
            return None
    # each A posting meets every B posting of its word
    gb = np.argsort(wb, kind="stable")
    b_sent = sent_b[pb][gb]
    start_b = np.cumsum(cb) - cb
    n = cb[wa]
    rep = np.repeat(np.arange(len(pa)), n)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    key = sent_a[pa][rep] * n_b + b_sent[start_b[wa][rep] + offset]
    weight = rarity[wa][rep]
    if n_a * n_b <= DENSE:  # a count per sentence pair: no sort (the sums add in the same order)
        keys = np.flatnonzero(np.bincount(key, minlength=n_a * n_b))
        score = np.bincount(key, weights=weight, minlength=n_a * n_b)[keys]
    else:
        keys, inv = np.unique(key, return_inverse=True)
        score = np.bincount(inv, weights=weight, minlength=len(keys))
    return keys // n_b, keys % n_b, score


def _member(values: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the items of ``x`` found in sorted ``values``: their places in ``values`` and in ``x``."""
    pos = np.minimum(np.searchsorted(values, x), len(values) - 1)
    at = np.flatnonzero(values[pos] == x)
    return pos[at], at


def _postings(words: tuple, rarity: np.ndarray, open_: np.ndarray, shared):
    """The distinct ``(sentence, word)`` of a side's open sentences' words that are not
    common (and that the other side has, where ``shared`` says), and each one's rarity
    (``words``: :func:`sentence_words`; a word's rarity and whether the other side has
    it are the same at each of its tokens, so its first token stands for it)."""
    sent, word, tok = words
    rar = rarity[tok]
    keep = (rar > LN2) & open_[sent]
    if shared is not None:
        keep &= shared[tok]
    return sent[keep], word[keep], rar[keep]
