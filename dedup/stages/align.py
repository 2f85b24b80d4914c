"""Align: line up the reused passages of two documents with rapidfuzz.

Each document's content is one sequence of words (paragraph breaks play no part, so
split and merged paragraphs align as if they were not there). rapidfuzz's Indel
opcodes give the longest common subsequence as blocks of equal words
(:mod:`dedup.stages.blocks`); blocks close
to each other on both sides chain into a passage. Passages that moved (a paragraph
placed elsewhere) are found in further rounds with the passages already found masked.
Where no chain is significant alone, chains in another order are judged together
(:mod:`dedup.stages.reorder`): a rewrite that moved a story's sentences around.

The LCS is local only when both documents are short. When one is long (a live blog,
a transcript, pages scraped together) it runs only inside windows around exact shared
word 3-grams (:mod:`dedup.stages.anchors`, seed and extend), so a passage is found wherever
it sits instead of losing its words to scattered occurrences elsewhere; documents of
at most ``LONG_DOC`` words are one window, aligned exactly as a whole.

A passage is judged by how the corpus uses its words. Each word weighs its inverse
document frequency, counted over the *other* documents of the corpus: a formula that
hundreds of reports share ("... mln dlr eurobond due ... lead manager ... said") matches
on common words and differs on the rare ones (names, figures), so its weighted
similarity is low, while a copy matches on the rare words too. Words inside quotation
marks count half as evidence of copying: independent reports quote the same speakers
(unless the equal words run on past the quote into the reporter's own words).

Besides the fixed rules (``min_passage_tokens`` words at ``min_passage_score``), a chain
is kept when its best-scoring sub-chain is significant in a corpus of this size
(:mod:`dedup.stages.significance`): a short rewrite's verbatim runs of rare words count even
when they are fewer than the fixed minimum, and a stray block never sinks a chain. There,
names and figures count half, as quotes do: reports of one event share them without
copying each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from .anchors import LONG_DOC, windows
from .blocks import ANCHOR_WORDS, equal_blocks, group_blocks
from .event import QUOTE_EVIDENCE, independent_quote, unlicensed_facts
from ..config import Config
from .significance import COVER_EVALUE, GAP_COST, Lazy, min_score, prefix_sums, significant_subchains

# Rounds go on while each finds passages (each masks what it found): a copy with its
# paragraphs reordered needs one round per paragraph out of order. Three rounds found three
# of ten reversed paragraphs (compare's coverage 0.3). A bound on the work, not a rule.
MAX_ROUNDS = 64
# never equal to each other or to a word: below every word's code point (segment._CP_BASE;
# U+E000 and U+E001, used before, are some words' code points)
_MASK_A, _MASK_B = "\x01", "\x02"


@dataclass(frozen=True, slots=True)
class Side:
    """One document as alignment sees it: its words, and prefix sums of word weight
    and of quoted words (so any span's totals are two lookups)."""

    words: str
    cum_weight: np.ndarray
    cum_quoted: np.ndarray
    sig: Lazy | None = None  # each word's evidence of copying, in nats (dedup.stages.significance)
    facts: Callable[[], np.ndarray] | None = None  # each word's fact flag (names, figures), on demand
    quoted_flags: np.ndarray | None = None  # bool per word: quoted (a block's flags are a view, no diff)
    shared: np.ndarray | None = None  # bool per word: the other document has it (None: not known)
    fact_sums: Callable[[], np.ndarray] | None = None  # prefix sums of the fact flags, on demand

    @classmethod
    def make(cls, words: str, weights: np.ndarray | None = None, quoted: np.ndarray | None = None,
             rarity: np.ndarray | None = None, evidence=None, facts=None,
             cum_quoted: np.ndarray | None = None, shared: np.ndarray | None = None, fact_sums=None) -> "Side":
        """``rarity``: each word's rarity in nats (None without a corpus: nothing is
        significant); ``evidence``: a callable that returns the
        :class:`~dedup.stages.significance.Evidence` of its phrases, called only when a
        chain's rarity could reach a significant score (None: words independent);
        ``facts``: a callable that returns a boolean per word, True for a name or a
        figure (:func:`dedup.stages.facts.fact_mask`), called only then too (None: no facts).
        ``quoted``: a flag per word; ``cum_quoted``: its prefix sums, when already made;
        ``shared``: a flag per word, whether the other document has it; ``fact_sums``: a
        callable returning the prefix sums of ``facts``' flags (None: counted from them)."""
        n = len(words)
        w = np.ones(n) if weights is None else weights
        if quoted is None:
            quoted = np.zeros(n, bool) if cum_quoted is None else np.diff(cum_quoted) > 0
        if cum_quoted is None:
            cum_quoted = prefix_sums(quoted)
        sig = Lazy(rarity, evidence) if rarity is not None else None
        return cls(words, prefix_sums(w), cum_quoted, sig, facts, np.asarray(quoted, bool), shared, fact_sums)

    def weights(self) -> np.ndarray:
        return np.diff(self.cum_weight)

    def weight(self, s: int, e: int) -> float:
        return float(self.cum_weight[e] - self.cum_weight[s])

    def quoted(self, s: int, e: int) -> float:
        return float(self.cum_quoted[e] - self.cum_quoted[s])


@dataclass(frozen=True, slots=True)
class Span:
    """A passage in word positions: words ``a0:a1`` of A match ``b0:b1`` of B.

    ``matched``: equal words; ``evidence``: matched words with quoted ones discounted
    and names and figures beyond the other words left out (``unlicensed``:
    :func:`dedup.stages.event.unlicensed_facts`); ``score``: weighted similarity of the
    two sides (1.0 = the same words).
    """

    a0: int
    a1: int
    b0: int
    b1: int
    matched: int
    evidence: float
    score: float
    blocks: tuple = ()  # the equal blocks (a0, a1, b0, b1) that make the passage
    significant: bool = False  # kept by significance, not by the fixed rules
    unlicensed: float = 0.0  # names and figures left out of the evidence

    def swapped(self) -> "Span":
        return Span(self.b0, self.b1, self.a0, self.a1, self.matched, self.evidence, self.score,
                    tuple((y0, y1, x0, x1) for x0, x1, y0, y1 in self.blocks), self.significant, self.unlicensed)


def _judge(g, A: Side, B: Side, cfg: Config) -> Span | None:
    matched = sum(b[1] - b[0] for b in g)
    if matched < cfg.min_passage_tokens:
        return None
    span = _span(g, A, B)
    return span if span.score >= cfg.min_passage_score else None


def _span(g, A: Side, B: Side, significant: bool = False, bounds: tuple[int, int, int, int] | None = None) -> Span:
    """The passage of the blocks ``g``, over their own extent or over ``bounds``
    ``(a0, a1, b0, b1)`` (a rewritten sentence pair, :mod:`dedup.stages.rewrite`): its
    score is the weighted share of those words that the blocks match."""
    matched = sum(b[1] - b[0] for b in g)
    a0, a1, b0, b1 = bounds or (g[0][0], g[-1][1], g[0][2], g[-1][3])
    same = sum(A.weight(x0, x1) + B.weight(y0, y1) for x0, x1, y0, y1 in g)
    total = A.weight(a0, a1) + B.weight(b0, b1)
    score = same / total if total else 0.0
    # a chain with no quoted word on a side has no block that may be an independent quote
    quoted = sum(independent_quote(A, B, *blk) for blk in g) if A.quoted(a0, a1) and B.quoted(b0, b1) else 0
    # names and figures count no more than the wording beside them (a list of names is not copying)
    unlicensed = unlicensed_facts(g, A, B)
    evidence = matched - (1.0 - QUOTE_EVIDENCE) * quoted - unlicensed
    return Span(a0, a1, b0, b1, matched, evidence, score, tuple(g), significant, unlicensed)


def span_of(g, A: Side, B: Side, bounds: tuple[int, int, int, int]) -> Span:
    """A significant passage over ``bounds`` whose equal words are the blocks ``g`` (:func:`_span`)."""
    return _span(g, A, B, True, bounds)


def _chain(blocks, A: Side, B: Side, cfg: Config, need: float, local: bool = False,
           cover: float | None = None) -> list[Span]:
    """Group consecutive equal blocks separated by small gaps into passages; keep the
    ones with enough matching words and a high enough weighted similarity.

    ``local``: the blocks come from a window of a long pair, where a passage has a long
    document's many chance two-word matches around it: one that fails with two-word
    blocks at its edges is judged again without them.

    Chains the fixed rules reject are judged by significance across wider gaps; a kept
    passage too short to link and not significant alone takes part in those chains (a
    caption or a newsletter blurb left inside a copy cuts one passage in two). ``need``
    and ``cover``: :func:`dedup.stages.significance.significant_subchains`'s scores.
    """
    spans = []
    rejected: list = []  # the cores for significance: rejected by the fixed rules, or weak
    weak: dict[tuple, int] = {}  # kept passages too short to link, not significant alone: blocks -> place
    for g in group_blocks(blocks, cfg.max_gap):
        # Single-word matches at the edges are coincidences ("the", "said"), not reuse;
        # so are two words most documents carry ("it is").
        lo, hi = 0, len(g)
        while lo < hi and _chance(g[lo], A, B):
            lo += 1
        while hi > lo and _chance(g[hi - 1], A, B):
            hi -= 1
        if lo >= hi:
            continue
        core = g[lo:hi]
        span = _judge(core, A, B, cfg)
        if span is None and local:
            # Two-word matches at the edges ("of the") can pull a real passage under
            # the score; judge it again without them.
            while lo < hi and g[lo][1] - g[lo][0] < 3:
                lo += 1
            while hi > lo and g[hi - 1][1] - g[hi - 1][0] < 3:
                hi -= 1
            span = _judge(g[lo:hi], A, B, cfg) if lo < hi else None
        if span is not None:
            if span.evidence < cfg.min_link_tokens and A.sig is not None:
                if significant_subchains(g[lo:hi], A, B, need, cover):
                    span = replace(span, significant=True)  # too short for the fixed rules to link, unlikely by chance
                else:  # too short to link alone: may join a significant chain with its neighbours
                    weak[span.blocks] = len(spans)
                    rejected.append(list(span.blocks))
                    spans.append(span)
                    continue
            spans.append(span)
            rejected.append(None)  # a passage that links on its own: no significant chain reaches across it
            continue
        rejected.append(core)
    # Significance may chain across wider gaps than the fixed rules: each unmatched word
    # costs GAP_COST, so a gap costing more than the score a significant chain needs can
    # join no two chains that are not significant on their own; the score decides.
    wide = int(need / GAP_COST) if A.sig is not None else 0
    runs, run = [], []
    for core in rejected + [None]:
        if core is not None and wide:
            run.extend(core)
            continue
        if run:
            runs.extend(group_blocks(run, wide))
            run = []
        if core is not None:
            runs.append(core)
    joined: set[int] = set()  # weak passages now inside a significant chain
    found = []
    for core in runs:  # the chains the fixed rules rejected, and weak passages with neighbours
        if tuple(core) in weak:
            continue  # a weak passage alone: judged above
        for lo, hi, _ in significant_subchains(core, A, B, need, cover, cfg.max_gap):
            chain = core[lo:hi]
            # a weak passage the chain reaches into becomes part of it, whole
            part = [k for b, k in weak.items() if k not in joined and b[0][0] < chain[-1][1] and chain[0][0] < b[-1][1]]
            if part:
                joined.update(part)
                chain = sorted(set(chain).union(*(spans[k].blocks for k in part)))
            found.append(_span(chain, A, B, True))
    return [s for k, s in enumerate(spans) if k not in joined] + found


def _mask(w: str, spans: list[tuple[int, int]], fill: str) -> str:
    for s, e in spans:  # a few spans a round: slicing beats a list of the characters
        if e > s:
            w = w[:s] + fill * (e - s) + w[e:]
    return w


def align(A: Side, B: Side, cfg: Config, tests: int = 1, known: list[Span] | None = None) -> list[Span]:
    """Reused passages between two documents, sorted by position in A.

    ``tests``: pairs compared in the whole search (the significance's search space).
    ``known``: passages already found, kept as they are and searched around (a linked
    pair searched again as a pair on its own, :meth:`Config.inside_link`).
    Symmetric: ``align(B, A)`` gives the same passages with sides swapped.
    """
    known = known or []
    if B.words < A.words:
        return sorted((s.swapped() for s in align(B, A, cfg, tests, [k.swapped() for k in known])),
                      key=lambda s: (s.a0, s.b0))
    found: list[Span] = []
    need = min_score(len(A.words), len(B.words), tests, cfg.max_evalue)  # what a significant chain scores, once a pair
    # what one that explains much of the shorter document scores (dedup.stages.significance)
    cover = min_score(len(A.words), len(B.words), tests, max(cfg.max_evalue, COVER_EVALUE))
    a = _mask(A.words, [(s.a0, s.a1) for s in known], _MASK_A)
    b = _mask(B.words, [(s.b0, s.b1) for s in known], _MASK_B)
    for _ in range(MAX_ROUNDS):
        if (found or known) and _exhausted(a, b, [*known, *found], A, B, cfg, cover):
            break
        new = _round(a, b, A, B, cfg, need, cover)
        if not new:
            break
        found.extend(new)
        a = _mask(a, [(s.a0, s.a1) for s in new], _MASK_A)
        b = _mask(b, [(s.b0, s.b1) for s in new], _MASK_B)
    if not found and not known and A.sig is not None and B.sig is not None:
        from .reorder import reordered  # (it reads this module's helpers)
        found = reordered(a, b, A, B, cfg, need, cover)
    out = []
    for span in sorted(found, key=lambda s: (s.a0, s.b0)):
        grown = _extend(span, a, b, A, B, cfg)
        a = _mask(a, [(grown.a0, grown.a1)], _MASK_A)  # neighbours may not grow into it
        b = _mask(b, [(grown.b0, grown.b1)], _MASK_B)
        out.append(grown)
    return sorted([*known, *out], key=lambda s: (s.a0, s.b0)) if known else out


def _exhausted(a: str, b: str, found: list[Span], A: Side, B: Side, cfg: Config, least: float) -> bool:
    """Whether the words the passages found so far leave unmasked can hold no passage:
    fewer than ``min_passage_tokens`` on a side (the fixed rules), and rarities that sum
    below ``least``, the least score a significant chain may need (one that explains much
    of the shorter document: an upper bound of any chain's score). A copy's second round,
    over its headline and byline, is skipped so."""
    if min(len(a) - a.count(_MASK_A), len(b) - b.count(_MASK_B)) >= cfg.min_passage_tokens:
        return False
    if A.sig is None or B.sig is None:
        return True
    left = _unmasked(A.sig, len(a), [(s.a0, s.a1) for s in found]) + _unmasked(B.sig, len(b), [(s.b0, s.b1) for s in found])
    return 0.5 * left < least - 1e-6


def _unmasked(sig: Lazy, n: int, masked: list[tuple[int, int]]) -> float:
    """The rarity of the words outside the masked spans (which may overlap: a later
    round's passage can bridge an earlier one)."""
    out, end = 0.0, 0
    for s, e in sorted(masked):
        if s > end:
            out += sig.bound(end, s)
        end = max(end, e)
    return out + sig.bound(end, n) if n > end else out


def _round(a: str, b: str, A: Side, B: Side, cfg: Config, need: float, cover: float | None = None) -> list[Span]:
    """The passages of one round: chained LCS blocks inside each window of the pair.

    Windows may share a stretch of one side (a passage repeated on the other): where
    passages from two windows overlap, the one with more matched words is kept, as one
    global LCS would have it; the other may be found in a later round.
    """
    margin = 2 * cfg.max_gap + 16  # room for the gaps a chain may bridge at each end
    spans: list[Span] = []
    boxes = windows(a, b, ANCHOR_WORDS, cfg.max_gap, margin, LONG_DOC, A.words, B.words)
    for a0, a1, b0, b1 in boxes:
        spans.extend(_chain(equal_blocks(a, b, a0, a1, b0, b1), A, B, cfg, need, max(len(a), len(b)) > LONG_DOC, cover))
    if len(boxes) < 2:
        return spans
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (-s.matched, s.a0, s.b0)):
        if all(s.a1 <= t.a0 or t.a1 <= s.a0 for t in kept) and all(s.b1 <= t.b0 or t.b1 <= s.b0 for t in kept):
            kept.append(s)
    return kept


def _extend(span: Span, a: str, b: str, A: Side, B: Side, cfg: Config) -> Span:
    """Grow a passage into the words just before and after it.

    The LCS is global, so near a passage's edges it may have paired common words ("the",
    "China") with far-away occurrences, leaving reworded context ("with the concerted
    efforts of" / "with concerted efforts from") outside. A local alignment of the few
    words on each side recovers it, under the same gap and edge rules.
    """
    width = cfg.max_gap + 8
    blocks = list(span.blocks)
    # before: align the windows, then take blocks backwards while the gaps stay small
    oa, ob = max(0, span.a0 - width), max(0, span.b0 - width)
    before = equal_blocks(a, b, oa, span.a0, ob, span.b0)
    head = []
    for blk in reversed(before):
        first = (head or blocks)[0]
        if first[0] - blk[1] > cfg.max_gap or first[2] - blk[3] > cfg.max_gap:
            break
        head.insert(0, blk)
    while head and _chance(head[0], A, B):
        head.pop(0)
    # after
    ea, eb = min(len(a), span.a1 + width), min(len(b), span.b1 + width)
    after = equal_blocks(a, b, span.a1, ea, span.b1, eb)
    tail = []
    for blk in after:
        last = (tail or blocks)[-1]
        if blk[0] - last[1] > cfg.max_gap or blk[2] - last[3] > cfg.max_gap:
            break
        tail.append(blk)
    while tail and _chance(tail[-1], A, B):
        tail.pop()
    if not head and not tail or span.significant:  # a significant chain is already its best part
        return span
    grown = _judge(head + blocks + tail, A, B, cfg)
    return grown if grown is not None else span


def _chance(blk, A: Side, B: Side) -> bool:
    """An edge block that is likely chance: one word, or, in a corpus, two words that
    most documents carry ("it is", "of the")."""
    x0, x1, y0, y1 = blk
    if x1 - x0 != 2 or A.sig is None or B.sig is None:
        return x1 - x0 < 2
    return A.sig.common_pair(x0) and B.sig.common_pair(y0)
