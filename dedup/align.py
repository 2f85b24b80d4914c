"""Align: line up the reused passages of two documents with rapidfuzz.

Each document's content is one sequence of words (paragraph breaks play no part, so
split and merged paragraphs align as if they were not there). rapidfuzz's Indel
opcodes give the longest common subsequence as blocks of equal words; blocks close
to each other on both sides chain into a passage, and a passage counts when it has
enough matching words and its two sides are similar enough. The LCS keeps order, so
passages that moved (a paragraph placed elsewhere) are found in further rounds with
the passages already found masked out.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Indel

from .config import Config

MAX_ROUNDS = 3
_MASK_A, _MASK_B = "\ue000", "\ue001"  # never equal to each other or to a word


@dataclass(frozen=True, slots=True)
class Span:
    """A passage in word positions: words ``a0:a1`` of A match ``b0:b1`` of B."""

    a0: int
    a1: int
    b0: int
    b1: int
    matched: int

    @property
    def score(self) -> float:
        return 2.0 * self.matched / ((self.a1 - self.a0) + (self.b1 - self.b0))

    def swapped(self) -> "Span":
        return Span(self.b0, self.b1, self.a0, self.a1, self.matched)


def _equal_blocks(wa: str, wb: str) -> list[tuple[int, int, int, int]]:
    return [
        (op.src_start, op.src_end, op.dest_start, op.dest_end)
        for op in Indel.opcodes(wa, wb)
        if op.tag == "equal"
    ]


def _chain(blocks, cfg: Config) -> list[Span]:
    """Group consecutive equal blocks separated by small gaps into candidate passages."""
    groups: list[list[tuple[int, int, int, int]]] = []
    for blk in blocks:
        if groups:
            last = groups[-1][-1]
            if blk[0] - last[1] <= cfg.max_gap and blk[2] - last[3] <= cfg.max_gap:
                groups[-1].append(blk)
                continue
        groups.append([blk])
    spans = []
    for g in groups:
        # Single-word matches at the edges are coincidences ("the", "said"), not reuse.
        while g and g[0][1] - g[0][0] < 2:
            g = g[1:]
        while g and g[-1][1] - g[-1][0] < 2:
            g = g[:-1]
        if not g:
            continue
        matched = sum(b[1] - b[0] for b in g)
        span = Span(g[0][0], g[-1][1], g[0][2], g[-1][3], matched)
        if matched >= cfg.min_passage_tokens and span.score >= cfg.min_passage_score:
            spans.append(span)
    return spans


def _mask(w: str, spans: list[tuple[int, int]], fill: str) -> str:
    chars = list(w)
    for s, e in spans:
        chars[s:e] = fill * (e - s)
    return "".join(chars)


def align_words(wa: str, wb: str, cfg: Config) -> list[Span]:
    """Reused passages between two word strings, sorted by position in A.

    Symmetric: ``align_words(b, a)`` gives the same passages with sides swapped.
    """
    if wb < wa:
        return [s.swapped() for s in align_words(wb, wa, cfg)]
    found: list[Span] = []
    a, b = wa, wb
    for _ in range(MAX_ROUNDS):
        new = _chain(_equal_blocks(a, b), cfg)
        if not new:
            break
        found.extend(new)
        a = _mask(a, [(s.a0, s.a1) for s in new], _MASK_A)
        b = _mask(b, [(s.b0, s.b1) for s in new], _MASK_B)
    return sorted(found, key=lambda s: (s.a0, s.b0))


def coverage(spans: list[Span], n_a: int, n_b: int) -> tuple[float, float]:
    """Share of A's and of B's content words that lie inside a passage."""
    cov_a = sum(s.a1 - s.a0 for s in spans) / n_a if n_a else 0.0
    cov_b = sum(s.b1 - s.b0 for s in spans) / n_b if n_b else 0.0
    return min(cov_a, 1.0), min(cov_b, 1.0)


def weighted_score(spans: list[Span]) -> float:
    """Similarity of the aligned text: passage scores weighted by passage length."""
    weight = sum((s.a1 - s.a0) + (s.b1 - s.b0) for s in spans)
    return sum(2.0 * s.matched for s in spans) / weight if weight else 0.0


def link_kind(spans: list[Span], n_a: int, n_b: int, cfg: Config) -> str | None:
    """'duplicate', 'partial' or None (not enough shared text to link the two)."""
    if sum(s.matched for s in spans) < cfg.min_link_tokens:
        return None
    cov_a, cov_b = coverage(spans, n_a, n_b)
    if min(cov_a, cov_b) >= cfg.duplicate_coverage:
        return "duplicate"
    return "partial"
