"""Reordered chains: a rewrite that tells a story's facts in another order.

One LCS keeps one order of the two texts, so a short rewrite that moved the story's
second sentence to its lead leaves two chains, each too weak alone. Here they are
judged together, as BLAST's sum statistics judge several segment pairs of one sequence
pair (Karlin & Altschul 1993): the best chain left once the ones before are masked, up
to :data:`MAX_PIECES`, at the score :func:`sum_score` gives
them. Only chains in another order are judged so: chains in one order are one chain,
whose gaps :func:`dedup.stages.align._chain` already costs (a series' formula with the
issue's facts between its sentences must stay a formula, judged by its facts).

Measured: benchmarks/RESULTS.md ("Reordered chains").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import align as al
from .anchors import LONG_DOC, windows
from .blocks import ANCHOR_WORDS, equal_blocks, group_blocks
from .event import event_discount, own_wording, unlicensed_fact_evidence
from .significance import GAP_COST, _best, block_values, explains, gap_costs

if TYPE_CHECKING:
    from ..config import Config
    from .align import Side, Span

MAX_PIECES = 4  # chains judged together at most: a bound on the work (each is another LCS)


def reordered(a: str, b: str, A: "Side", B: "Side", cfg: "Config", need: float, cover: float) -> list["Span"]:
    """Significant passages of a pair whose chains, none significant alone, are together
    (``a``, ``b``: the word strings with the rounds' masks; ``need`` and ``cover``: the
    scores :func:`dedup.stages.align.align` asks of one chain)."""
    place = math.log(max(1, len(A.words)) * max(1, len(B.words)))
    least = min(need, cover)
    if A.shared is not None and B.shared is not None:
        # no chains score more than the rarities of the words both sides have (two: the least to judge)
        top = 0.5 * (_shared_rarity(A) + _shared_rarity(B))
        if sum_score([top, 0.0], place) < least:
            return []
    picked = _picked(a, b, A, B, cfg, need, place, least)
    if _best_sum([c[0] for c in picked], place) < least:
        return []  # their rarities bound their scores: the phrases are never looked up
    chains = []
    for _, g in picked:
        best = best_chain(g, A, B)
        if best is not None:
            lo, hi, score, own = best
            chains.append((score, own, g[lo:hi]))
    chains.sort(key=lambda c: -c[0])
    short, n = (A.sig.full(), len(A.words)) if len(A.words) <= len(B.words) else (B.sig.full(), len(B.words))
    for r in range(len(chains), 1, -1):
        starts = sorted((c[2][0][0], c[2][0][2]) for c in chains[:r])
        if all(y0 < y1 for (_, y0), (_, y1) in zip(starts, starts[1:])):
            continue  # in one order: one chain, judged with its gaps' costs
        bar = cover if explains(sum(c[1] for c in chains[:r]), short, n) else need
        if sum_score([c[0] for c in chains[:r]], place) >= bar:
            return [al._span(list(c[2]), A, B, True) for c in chains[:r]]
    return []


def _best_sum(bounds: list[float], place: float) -> float:
    """The most :func:`sum_score` of two or more of these chains' bounds, best first, gives."""
    bounds = sorted(bounds, reverse=True)
    return max((sum_score(bounds[:r], place) for r in range(2, len(bounds) + 1)), default=0.0)


def _best_run(core: list, cum_a: np.ndarray, cum_b: np.ndarray, discount=None) -> tuple[float, int, int]:
    """The best sub-chain ``(score, lo, hi)`` of ``core`` by its words' rarities (less
    ``discount``'s, when given), as :func:`~dedup.stages.significance.best_subchains`
    scores them, on arrays: the maximum-subarray rule, a sub-chain ``lo:hi`` scoring
    ``P[hi] - P[lo] + cost[lo]``, ``P`` the prefix sums of each block's value less the
    gap cost before it."""
    blk = np.asarray(core, dtype=np.int64)
    value = np.asarray(block_values(core, cum_a, cum_b, discount))
    cost = np.zeros(len(blk))  # significance._gap_cost's, every gap at once
    cost[1:] = GAP_COST * (blk[1:, 0] - blk[:-1, 1] + blk[1:, 2] - blk[:-1, 3])
    p = np.concatenate(([0.0], np.cumsum(value - cost)))
    start = p[:-1] - cost  # a sub-chain from block k loses P[k] less the gap cost it does not pay
    hi = int(np.argmax(p[1:] - np.minimum.accumulate(start))) + 1
    lo = int(np.argmin(start[:hi]))
    return float(p[hi] - start[lo]), lo, hi


def _shared_rarity(side: "Side") -> float:
    rarity = side.sig.cum_rarity[1:] - side.sig.cum_rarity[:-1]
    return float(rarity[side.shared].sum())


def _picked(a: str, b: str, A: "Side", B: "Side", cfg: "Config", need: float, place: float, least: float) -> list[tuple]:
    """The chains, best first, each by its rarities (an upper bound of its score, cheap)
    once the ones before are masked: ``(bound, blocks)``; a chain whose bound cannot pay
    for its place ends the search, and so does a first chain that could not reach
    ``least`` with a second as good (the chains come best first: masking one leaves the
    LCS the rest of the pair, which it had taken where it could)."""
    discount = event_discount(A, B)
    wide = max(cfg.max_gap, int(need / GAP_COST))  # as the rounds chain what the fixed rules reject
    margin = 2 * cfg.max_gap + 16
    cum_a, cum_b = A.sig.cum_rarity, B.sig.cum_rarity
    picked: list[tuple] = []
    for _ in range(MAX_PIECES):
        cores = []
        for a0, a1, b0, b1 in windows(a, b, ANCHOR_WORDS, cfg.max_gap, margin, LONG_DOC, A.words, B.words):
            for g in group_blocks(equal_blocks(a, b, a0, a1, b0, b1), wide):
                lo, hi = 0, len(g)
                while lo < hi and al._chance(g[lo], A, B):
                    lo += 1
                while hi > lo and al._chance(g[hi - 1], A, B):
                    hi -= 1
                if lo < hi:
                    cores.append((_best_run(g[lo:hi], cum_a, cum_b)[0], g[lo:hi]))
        if not picked and sum_score([max((c[0] for c in cores), default=0.0)] * 2, place) < least:
            return []  # (the same test below, by each chain's words' rarities alone: no discount to work out)
        best = None
        for total, core in sorted(cores, key=lambda c: (-c[0], c[1][0])):
            if best is not None and total <= best[0]:
                break  # none left can beat the best (the discount of its quotes and facts is the costly part)
            score, x, y = _best_run(core, cum_a, cum_b, discount)
            if best is None or score > best[0]:
                best = (score, core[x:y])
        if best is None or best[0] <= place - math.log(len(picked) + 1):
            break
        if not picked and sum_score([best[0], best[0]], place) < least:
            return []
        picked.append(best)
        g = best[1]
        a = al._mask(a, [(g[0][0], g[-1][1])], al._MASK_A)
        b = al._mask(b, [(g[0][2], g[-1][3])], al._MASK_B)
    return picked


def sum_score(scores: list[float], place: float) -> float:
    """The score one chain would need to be as unlikely as these ``r`` chains of one pair
    together, in any order (BLAST's sum statistics, Karlin & Altschul 1993): with ``x``
    their sum less ``r`` times ``place`` (the log of the places a chain could sit in the
    pair), the best ``r`` chance chains of a pair reach ``x`` with probability
    ``e^-x x^(r-1) / (r! (r-1)!)`` (for ``x`` under ``r - 1``, where that is no bound,
    as ``r - 1``: the score stays monotone, and lower)."""
    r = len(scores)
    x = sum(scores) - r * place
    return x - (r - 1) * math.log(max(x, r - 1, 1.0)) + math.lgamma(r + 1) + math.lgamma(r) + place


def best_chain(g, A: "Side", B: "Side") -> tuple[int, int, float, float] | None:
    """The best sub-chain of ``g`` by the full score, not held to any bar: ``(lo, hi,
    score, own wording)`` (None: no corpus, or nothing scores)."""
    if A.sig is None or B.sig is None:
        return None
    full_a, full_b = A.sig.full(), B.sig.full()
    values = block_values(g, full_a, full_b, event_discount(A, B))
    best = None
    for lo, hi, score in _best(values, gap_costs(g)):
        score -= unlicensed_fact_evidence(g[lo:hi], A, B, full_a, full_b)
        if best is None or score > best[2]:
            best = (lo, hi, score)
    if best is None:
        return None
    lo, hi, score = best
    return lo, hi, score, own_wording(g[lo:hi], A, B, full_a, full_b)
