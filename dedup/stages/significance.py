"""Significance: how unlikely a chain of matching words is between unrelated documents.

As in sequence alignment (BLAST's E-value, Karlin & Altschul), a chain of equal word
blocks scores the evidence of its matched words minus a cost for the words in its gaps,
and the expected number of chains scoring that well by chance in a search of this size
is ``E = tests x n_a x n_b x exp(-S)``: ``tests`` pairs of documents compared,
``n_a x n_b`` places a chain could sit in one pair, and ``exp(-S)`` the chance of the
score at one place. A chain is significant when ``E <= cfg.max_evalue``. The same rule
serves one pair (``tests`` = 1) and a corpus (``tests`` = every pair of its documents,
:func:`search_size`): a larger search asks for a higher score. Without a corpus (fewer than ``MIN_OTHERS``
other documents) no word has a rarity and nothing is significant: the fixed length
rules of :class:`dedup.config.Config` decide.

The evidence is calibrated on the corpus itself, from document frequencies counted
over the *other* documents (the pair's own two left out). A block of matched words
``w1..wL`` scores ``-log`` of the chance that another document carries it, in the
chain-rule form of a trigram model: ``p(w1) p(w2|w1) p(w3|w1 w2) ...`` where
``p(w) = (1 + df(w)) / (1 + others)`` (the word's rarity) and each conditional is the
share of the other documents carrying the context that carry it followed by the word,
interpolated towards the shorter context with ``Config.phrase_prior`` documents of
pseudo-count (Dirichlet smoothing). So a passage that recurs across the corpus (a
reworded wire formula, a caption, furniture that survived the boilerplate stage)
scores its first word or two and then ~nothing, however rare each of its words is,
while a run whose phrases no other document has scores its words' rarities; context
only discounts (a word never scores above its rarity: document counts of unseen
phrases are too sparse to say more). With ``phrase_prior`` 20 a phrase that only a
story's few copies share keeps much of its evidence, while a formula in many more
documents loses it. Words that independent reports of one event share without
copying count half (:func:`dedup.stages.event.event_discount`): words quoted on both
sides (the same testimony) and names and figures (the same people, companies and
amounts); the writers' own wording counts in full. Each unmatched word inside the chain
costs ``GAP_COST`` nats (a rewritten phrase is weaker evidence than a verbatim one),
and chains are searched across gaps up to the needed score over ``GAP_COST`` words (a
wider gap costs more than a significant chain is worth).
Where the corpus's phrases were not counted (the persistent index) words are scored
independently, by rarity alone.

A chain that explains much of the shorter document is judged at a looser E-value:
independent reports of one event share rare words in absolute terms (a long report shares
more), a copy in proportion to its length, so a short rewrite of a long story never
reaches the score a search of every pair asks of a chain anywhere. A chain of two or more
blocks whose own wording (its words quoted on neither side and no name or figure:
:func:`dedup.stages.event.own_wording`) carries at least ``COVER_SHARE`` of the evidence of
all the shorter document's words (its information: how unlikely the whole text is, by the
same model) is significant at ``E <= COVER_EVALUE``, fewer than one such chain expected by
chance in the whole search, instead of ``max_evalue`` (:func:`explains`). Quotes, names
and figures are what short independent reports are made of; one block alone is a
sentence two reports may both quote; a formula's words, which its series repeat, carry
little evidence, so a series' issue is little explained by them. In such a chain a gap
on the longer side is a stretch the shorter document skipped (a paragraph cut, or moved
elsewhere): it costs the log of the places the next block could have started in it (the
search's freedom there), when that is less than its words'; the shorter document's own
words in a gap cost in full. The chain is reported as
its pieces between skips of more than ``cut`` words (:func:`_pieces`).

Chains in another order (a rewrite that moved the story's sentences) are judged together
by :func:`dedup.stages.reorder.sum_score`.

The best-scoring contiguous sub-chain is found with the maximum-subarray rule (block
gains minus the gap costs before them), so one stray block at the edge of a chain never
sinks the rest; what lies either side of it is searched again.

The words' rarities bound the evidence from above (:class:`Lazy`): a chain whose
rarities cannot reach the score it needs is rejected before any phrase is looked up.

Measured: benchmarks/RESULTS.md ("Names and figures as weak evidence").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .event import event_discount, own_wording, unlicensed_fact_evidence

if TYPE_CHECKING:
    from .align import Side

LN2 = math.log(2.0)
GAP_COST = 0.5  # nats per unmatched word inside a chain (both sides counted)
MIN_OTHERS = 8  # other documents the corpus needs before rarity means anything
COVER_SHARE = 0.3  # share of the shorter document's evidence a chain explains to be judged at COVER_EVALUE
COVER_EVALUE = 1.0  # chance chains expected in the whole search, for a chain that explains that share

Block = tuple[int, int, int, int]


def word_evidence(df1: np.ndarray, df2: np.ndarray, df3: np.ndarray | None, others: int, prior: float):
    """Per word position, its evidence in nats with no, one and two words of context:
    ``(e1, e2, e3)``. ``df1[i]``: other documents carrying word ``i``; ``df2[i]``, ``df3[i]``:
    other documents carrying the bigram / trigram that ends at word ``i`` (0 before the
    document has that many words). Interpolated (Dirichlet) estimates from document
    frequencies, ``prior`` documents of pseudo-count each level::

        p1 = (1 + df1) / (1 + others)
        p2 = (df2 + prior p1) / (df1[i-1] + prior)      e_k = -log p_k
        p3 = (df3 + prior p2) / (df2[i-1] + prior)

    A context no other document has leaves a word its rarity; a phrase that recurs in
    many documents leaves its later words ~no evidence; context never raises a word's
    evidence above its rarity (``e2, e3 <= e1``)."""
    n = len(df1)
    p1 = (1.0 + df1) / (1.0 + others)
    p2, p3 = p1.copy(), p1.copy()
    if n > 1:
        p2[1:] = (df2[1:] + prior * p1[1:]) / (df1[:-1] + prior)
    p3[:] = p2
    if n > 2 and df3 is not None:  # None: trigrams not counted (the index), a word's context is one word
        p3[2:] = (df3[2:] + prior * p2[2:]) / (df2[1:-1] + prior)
    e1 = -np.log(p1)
    # Context only discounts: an unseen continuation's document-level estimate backs off
    # to counts too sparse to say a phrase is rarer than its rarest word.
    return e1, np.minimum(-np.log(np.clip(p2, 1e-300, 1.0)), e1), np.minimum(-np.log(np.clip(p3, 1e-300, 1.0)), e1)


class Evidence:
    """One document's evidence with prefix sums: a block ``s:e`` of matched words scores
    ``e1[s] + e2[s+1] + e3[s+2:e]`` (context only from inside the block: the other
    document's words before it differ)."""

    __slots__ = ("e1", "e2", "cum3")

    def __init__(self, e1: np.ndarray, e2: np.ndarray, e3: np.ndarray):
        self.e1, self.e2 = e1, e2
        self.cum3 = prefix_sums(e3)

    @classmethod
    def independent(cls, rarity: np.ndarray) -> "Evidence":
        """Every word its rarity, whatever its context (no n-gram counts)."""
        return cls(rarity, rarity, rarity)

    def span(self, s: int, e: int) -> float:
        if e - s <= 0:
            return 0.0
        out = float(self.e1[s])
        if e - s > 1:
            out += float(self.e2[s + 1])
        if e - s > 2:
            out += float(self.cum3[e] - self.cum3[s + 2])
        return out

    def words(self, s: int, e: int) -> np.ndarray:
        """Each word's evidence inside the block ``s:e`` (what :meth:`span` sums)."""
        out = np.diff(self.cum3[s : e + 1])
        if e - s > 0:
            out[0] = self.e1[s]
        if e - s > 1:
            out[1] = self.e2[s + 1]
        return out


def prefix_sums(x: np.ndarray) -> np.ndarray:
    """``[0, x0, x0+x1, ...]`` in float64: the same sums as concatenating a 0 to
    ``np.cumsum``, without the copy (once per document and pair)."""
    out = np.empty(len(x) + 1, np.float64)
    out[0] = 0.0
    np.cumsum(x, dtype=np.float64, out=out[1:])
    return out


class Lazy:
    """A document's evidence for one pair, computed only when needed: the words' rarity
    (prefix sums) bounds it from above (context only discounts), so a chain whose
    rarity cannot reach the score it needs never pays for the phrase look-ups.
    ``make``: returns the :class:`Evidence` (None, or returning None: words independent)."""

    __slots__ = ("cum_rarity", "_make", "_full", "_common")

    def __init__(self, rarity: np.ndarray, make=None):
        self.cum_rarity = prefix_sums(rarity)
        self._make, self._full, self._common = make, None, None

    def bound(self, s: int, e: int) -> float:
        return float(self.cum_rarity[e] - self.cum_rarity[s])

    def _flags(self) -> bytes:
        """One flag per word, made on first use: :meth:`common`."""
        if self._common is None:
            self._common = (np.diff(self.cum_rarity) <= LN2).tobytes()
        return self._common

    def common(self, s: int, e: int) -> np.ndarray:
        """Per word of ``s:e``: one that most of the other documents carry (rarity at
        most ln 2: "the", "said", "it is"), no sign of copying wherever it stands."""
        return np.frombuffer(self._flags(), dtype=np.bool_, count=e - s, offset=s)

    def common_pair(self, s: int) -> bool:
        """:meth:`common` of the two words ``s, s+1`` as one bool (alignment asks it of
        every two-word block at a passage's edge: bytes index faster than an array)."""
        flags = self._flags()
        return bool(flags[s] and flags[s + 1])

    def full(self) -> Evidence:
        if self._full is None:
            made = self._make() if self._make is not None else None
            self._full = made if made is not None else Evidence.independent(np.diff(self.cum_rarity))
        return self._full


def _ev(sig, s: int, e: int) -> float:
    """A block's evidence from an :class:`Evidence` or from plain prefix sums."""
    return sig.span(s, e) if isinstance(sig, Evidence) else float(sig[e] - sig[s])


def block_values(blocks: list[Block], sig_a, sig_b, discount=None) -> list[float]:
    """Each block's evidence (mean of both sides'). ``sig_a``/``sig_b``: :class:`Evidence`,
    or prefix sums of per-word evidence (words independent). ``discount(block, sig_a,
    sig_b)``: nats to take off a block (its independent quotes; None: nothing)."""
    if isinstance(sig_a, np.ndarray) and isinstance(sig_b, np.ndarray) and len(blocks) > 1:
        blk = np.asarray(blocks, dtype=np.int64)  # prefix sums (the rarities): the chain at once
        v = 0.5 * (sig_a[blk[:, 1]] - sig_a[blk[:, 0]] + sig_b[blk[:, 3]] - sig_b[blk[:, 2]])
        if discount is not None:
            v -= discount.many(blocks, sig_a, sig_b) if hasattr(discount, "many") else [discount(b, sig_a, sig_b) for b in blocks]
        return v.tolist()
    out = []
    for blk in blocks:
        x0, x1, y0, y1 = blk
        v = 0.5 * (_ev(sig_a, x0, x1) + _ev(sig_b, y0, y1))
        out.append(v - discount(blk, sig_a, sig_b) if discount is not None else v)
    return out


def gap_costs(blocks: list[Block], skip: int | None = None) -> list[float]:
    """The cost of the gap before each block (none before the first): :func:`_gap_cost`."""
    return [0.0] + [_gap_cost(blocks, k, skip) for k in range(1, len(blocks))]


def best_subchains(blocks: list[Block], sig_a, sig_b, discount=None, skip: int | None = None) -> list[tuple[int, int, float]]:
    """Disjoint sub-chains ``(lo, hi, score)`` of ``blocks``, best first found, by the
    maximum-subarray rule applied again to what lies either side of each: a block's
    value (:func:`block_values`) minus the cost of the gap before it (:func:`gap_costs`)."""
    return _best(block_values(blocks, sig_a, sig_b, discount), gap_costs(blocks, skip))


def _best(values: list[float], costs: list[float]) -> list[tuple[int, int, float]]:
    out: list[tuple[int, int, float]] = []
    todo = [(0, len(values))]
    while todo:
        lo, hi = todo.pop()
        if lo >= hi:
            continue
        best, cur, cur_start, best_lo, best_hi = -math.inf, 0.0, lo, lo, lo
        for k in range(lo, hi):
            first = values[k]  # the first block of a sub-chain pays no gap cost before it
            if cur <= 0.0 or k == lo:
                cur, cur_start = first, k
            else:
                cur += first - costs[k]
                if first > cur:
                    cur, cur_start = first, k
            if cur > best:
                best, best_lo, best_hi = cur, cur_start, k + 1
        if best <= 0.0:
            continue
        out.append((best_lo, best_hi, best))
        todo += [(lo, best_lo), (best_hi, hi)]
    return sorted(out)


def significant_subchains(g, A: "Side", B: "Side", need: float, cover: float | None = None,
                          cut: int | None = None) -> list[tuple[int, int, float]]:
    """The significant sub-chains ``(lo, hi, score)`` of a chain (``need``: the score a
    significant chain needs in this pair, :func:`min_score`; ``cover``: the lower score
    that a sub-chain of two or more blocks needs when it explains much of the shorter
    document, :func:`dedup.stages.significance.explains`; None: no such rule). The
    words' rarities bound every sub-chain's score: below the score needed, the phrase
    evidence is never computed. (First without gap costs, a sum; then the best sub-chain
    of the rarities with them, which rejects a further quarter of the chains on the 10k
    corpus; then with the discount of quotes, names and figures too.) ``cut``: a chain
    accepted with the longer side's skips at their cheaper cost is returned as its pieces
    between skips longer than this (:func:`_pieces`)."""
    if A.sig is None or B.sig is None:
        return []
    rarity = block_values(g, A.sig.cum_rarity, B.sig.cum_rarity)
    bound = sum(rarity)  # no sub-chain scores more (rarities, no gap cost)
    bar = cover if cover is not None and cover < need and len(g) >= 2 else need  # the least a sub-chain needs
    if bound < bar:
        return []
    # the shorter document (A on a tie: align() puts the pair in one order, so it is symmetric)
    short_a = len(A.words) <= len(B.words)
    skip = (1 if short_a else 0) if bar < need else None
    costs = gap_costs(g, skip)
    # (a slack for rounding: the evidence is -log of the ratio the rarity is the log of)
    if all(score < bar - 1e-6 for _, _, score in _best(rarity, costs)):
        return []
    discount = event_discount(A, B)
    # the same with quotes and facts discounted: a word keeps the same share of its rarity as
    # of its evidence, so this bounds the score too; of the chains the rarities let through,
    # it rejects 44% on the 10k corpus and 77% on METER before their phrases are looked up
    discounted = block_values(g, A.sig.cum_rarity, B.sig.cum_rarity, discount)
    if all(score < bar - 1e-6 for _, _, score in _best(discounted, costs)):
        return []
    linear = gap_costs(g) if skip is not None else costs
    n = len(A.words) if short_a else len(B.words)
    # a sub-chain's own wording scores no more than the chain's rarities (+ a slack for
    # rounding): when they explain too little of the shorter document, the full score it is
    if bar < need and not explains(bound + 1e-6, (A if short_a else B).sig.full(), n):
        bar, skip = need, None
        if bound < need or all(score < need - 1e-6 for _, _, score in _best(discounted, linear)):
            return []
    full_a, full_b = A.sig.full(), B.sig.full()
    short = full_a if short_a else full_b
    values = block_values(g, full_a, full_b, discount)
    out = []
    for lo, hi, score in _best(values, linear):
        if score >= bar:  # names and figures count no more than the wording beside them
            score -= unlicensed_fact_evidence(g[lo:hi], A, B, full_a, full_b)
            if score >= need or (score >= bar and hi - lo >= 2
                                 and explains(own_wording(g[lo:hi], A, B, full_a, full_b), short, n)):
                out.append((lo, hi, score))
    if skip is None:
        return out
    # a chain that explains much of the shorter document, the longer one's skipped stretches
    # at their cheaper cost (a short rewrite takes a sentence here and a phrase there),
    # reported as the pieces between them: what was skipped was not reused
    for lo, hi, score in _best(values, costs):
        if score >= bar and hi - lo >= 2:
            score -= unlicensed_fact_evidence(g[lo:hi], A, B, full_a, full_b)
            if score >= bar and explains(own_wording(g[lo:hi], A, B, full_a, full_b), short, n):
                out.extend((a, b, score) for a, b in _pieces(g, lo, hi, skip, cut))
    return _disjoint(out)


def _pieces(g: list[Block], lo: int, hi: int, skip: int, cut: int | None) -> list[tuple[int, int]]:
    """``g[lo:hi]`` cut where the longer side (``skip``) holds more than ``cut`` words the
    shorter one does not (None: not cut)."""
    if cut is None:
        return [(lo, hi)]
    out, start = [], lo
    for k in range(lo + 1, hi):
        own, skipped = _gaps(g, k, skip)
        if skipped - own > cut:
            out.append((start, k))
            start = k
    return [*out, (start, hi)]


def _disjoint(chains: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Sub-chains that overlap merged into one (the widest reach, the best score)."""
    out: list[tuple[int, int, float]] = []
    for lo, hi, score in sorted(chains):
        if out and lo < out[-1][1]:
            plo, phi, ps = out[-1]
            out[-1] = (plo, max(phi, hi), max(ps, score))
        else:
            out.append((lo, hi, score))
    return out


def _gap_cost(blocks: list[Block], k: int, skip: int | None = None) -> float:
    """The cost of the gap before block ``k``; ``skip`` (0: A, 1: B) names the longer side,
    whose gap is a stretch the shorter one skipped: it costs the log of the places the
    block could have ended in it, if less than its words'."""
    own, skipped = _gaps(blocks, k, skip)
    if skip is None:
        return GAP_COST * (own + skipped)
    return GAP_COST * own + min(GAP_COST * skipped, math.log1p(skipped))


def _gaps(blocks: list[Block], k: int, skip: int | None = None) -> tuple[int, int]:
    """The words between blocks ``k - 1`` and ``k``: A's and B's, or with ``skip`` (the
    longer side, 0: A, 1: B) the shorter side's and the longer side's."""
    (_, px1, _, py1), (x0, _, y0, _) = blocks[k - 1], blocks[k]
    ga, gb = x0 - px1, y0 - py1
    return (gb, ga) if skip == 0 else (ga, gb)


def search_size(n_docs: int) -> int:
    """The pairs a corpus search tests: every pair of its documents. The candidates are
    not the search space: they were chosen because they share text, so counting only
    them would make the chance matches among them look rarer than they are."""
    return max(1, n_docs * (n_docs - 1) // 2)


def evalue(score: float, n_a: int, n_b: int, tests: int) -> float:
    """Expected chance chains scoring ``score`` or more in ``tests`` pairs of this size."""
    return max(1, tests) * max(1, n_a) * max(1, n_b) * math.exp(-score)


def min_score(n_a: int, n_b: int, tests: int, max_evalue: float) -> float:
    """The lowest score with ``E <= max_evalue``."""
    return log_over(max(1, tests) * max(1, n_a) * max(1, n_b), max_evalue)


def explains(score: float, short: Evidence, n: int) -> bool:
    """Whether a chain whose own wording scores ``score`` explains :data:`COVER_SHARE` of
    the shorter document's evidence (``short`` its :class:`Evidence`, ``n`` its words)."""
    return score >= COVER_SHARE * short.span(0, n)


def log_over(x, max_evalue: float):
    """``ln(x / max_evalue)`` (``x`` a number or an array): as one quotient, and as a
    difference of logs where the quotient overflows, for a ``max_evalue`` as small as
    the settings allow (1e-300 made it inf, and an OverflowError of the gap width)."""
    if not isinstance(x, np.ndarray):  # a Python number: its division overflows to inf, silently
        q = x / max_evalue
        return math.log(q) if q < math.inf else math.log(x) - math.log(max_evalue)
    with np.errstate(over="ignore"):  # numpy would warn on stderr (the library never prints)
        q = x / max_evalue
    out = np.log(q)
    big = ~np.isfinite(q)
    if big.any():
        out[big] = np.log(np.asarray(x, dtype=np.float64)[big]) - math.log(max_evalue)
    return out
