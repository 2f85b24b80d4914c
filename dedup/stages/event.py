"""What independent reports of one event share without copying each other: the same
quotes (they quote the same testimony) and the same names and figures (they name the
same people, companies, places and amounts). Such words are weak evidence of copying
(:mod:`dedup.stages.align`, :mod:`dedup.stages.significance`); the writers' own wording,
and framing copied with a quote, are not. And facts count only as far as wording stands
beside them (:func:`unlicensed_facts`): a list of names or a table is the facts in the
order the facts dictate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .align import Side

QUOTE_EVIDENCE = 0.5  # a quoted word is half the evidence of copying an unquoted one
FACT_EVIDENCE = 0.5  # so is a name or a figure, in significance (reports of one event share them)
FRAMING_WORDS = 3  # unquoted words in a block with a quote that show its framing was copied


def independent_quote(A: Side, B: Side, x0: int, x1: int, y0: int, y1: int) -> int:
    """Words of an equal block that may be an independent quote. Reports that quote a
    speaker each put the same words in quotation marks and frame them in their own
    words; so only a word quoted on both sides counts, and none does when the block
    carries ``FRAMING_WORDS`` or more framing words (an attribution, the sentence
    around the quote) — it copied the framing too. A framing word is quoted on neither
    side, or on one side only but outside the other's quote: one writer's framing
    inside the other's quotation marks was copied into them. (A word left out of one
    side's quote between two quoted pieces is that writer's paraphrase: "said it was 'a
    sorry state of affairs' when Mr Blunkett 'has to explain ...'".) In a corpus, a
    framing word that most documents carry (rarity at most ln 2: "the", "said") is no
    sign of a copied framing: every report writes it. A block that joins two quotes on
    both sides (:func:`joins_quotes`) was copied, framing and all."""
    flags = _quote_flags(A, B, x0, x1, y0, y1)
    if flags is None:
        return 0
    qa, qb = flags
    framing = ~(qa | qb) | (qa & ~qb & ~_between(qb)) | (qb & ~qa & ~_between(qa))
    if A.sig is not None and B.sig is not None:
        # in a corpus, a word most documents carry ("the", "said") frames any quote
        framing &= ~A.sig.common(x0, x1) & ~B.sig.common(y0, y1)
    if int(framing.sum()) >= FRAMING_WORDS:
        return 0
    return int((qa & qb).sum())


def _between(q: np.ndarray) -> np.ndarray:
    """Each word has a quoted word before it and one after it (in the block)."""
    n = len(q)
    if not n:
        return q
    # slices into preset arrays: np.r_ costs more than the accumulations (once per quoted block)
    before, after = np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    before[1:] = np.logical_or.accumulate(q)[:-1]
    after[:-1] = np.logical_or.accumulate(q[::-1])[::-1][1:]
    return before & after


def _quote_flags(A: Side, B: Side, x0: int, x1: int, y0: int, y1: int):
    """Each side's quoted-word flags of an equal block, or None when it holds no quote
    that may be independent: unquoted on a side, or two quotes joined on both
    (:func:`joins_quotes`)."""
    if not A.quoted(x0, x1) or not B.quoted(y0, y1):
        return None
    qa, qb = A.quoted_flags[x0:x1], B.quoted_flags[y0:y1]
    return None if joins_quotes(qa) and joins_quotes(qb) else (qa, qb)


def joins_quotes(q: np.ndarray) -> bool:
    """Whether a block's quoted-word flags hold two quotes with words between them.
    Reports that quote one speaker each pick their own excerpts and frame them in their
    own words; two excerpts joined by the same framing are one writer's text, copied."""
    return int(np.count_nonzero(q[1:] & ~q[:-1]) + (len(q) > 0 and q[0])) >= 2


def event_discount(A: Side, B: Side) -> "Discount":
    """The nats an equal block loses to words that independent reports of one event
    share without copying each other: a word quoted on both sides loses
    ``1 - QUOTE_EVIDENCE`` of its evidence (they quote the same testimony), a name or a
    figure (on either side: a name to one writer is a name) ``1 - FACT_EVIDENCE`` (they
    name the same people, companies, places and amounts). What is left at full weight
    is the writers' own wording, the sign of copying. Unlike :func:`independent_quote`,
    framing words around a quote do not lift the discount: here each framing word
    scores its own evidence; two quotes joined in one block do (:func:`joins_quotes`).
    Fact masks are asked for only once a chain is scored."""
    return Discount(A, B)


class Discount:
    """:func:`event_discount` of one pair: called with a block and the two sides'
    evidence; :meth:`many` for a chain's blocks at once, by their rarities."""

    __slots__ = ("A", "B", "sums")

    def __init__(self, A: Side, B: Side):
        self.A, self.B = A, B
        self.sums = A.fact_sums is not None and B.fact_sums is not None

    def __call__(self, blk, sig_a, sig_b) -> float:
        A, B = self.A, self.B
        x0, x1, y0, y1 = blk
        if self.sums and not (A.quoted(x0, x1) and B.quoted(y0, y1)):
            ca, cb = A.fact_sums(), B.fact_sums()
            if ca[x1] == ca[x0] and cb[y1] == cb[y0]:
                return 0.0  # no quote on a side and no name or figure on either: most blocks
        keep, _ = _kept(A, B, *blk)
        if keep is None:
            return 0.0
        return 0.5 * float((1.0 - keep) @ (_words(sig_a, x0, x1) + _words(sig_b, y0, y1)))

    def many(self, blocks, cum_a: np.ndarray, cum_b: np.ndarray) -> np.ndarray:
        """What each block loses (as :meth:`__call__`), its words' evidence given as
        prefix sums: per word arrays, not a few array operations a block."""
        A, B = self.A, self.B
        blk = np.asarray(blocks, dtype=np.int64).reshape(-1, 4)
        x0, x1, y0, y1 = blk.T
        size = x1 - x0
        first = np.cumsum(size) - size  # each block's first word among all the blocks' words
        off = np.arange(int(size.sum())) - np.repeat(first, size)
        ia, ib = np.repeat(x0, size) + off, np.repeat(y0, size) + off
        keep = np.ones(len(ia))
        both = (A.cum_quoted[x1] > A.cum_quoted[x0]) & (B.cum_quoted[y1] > B.cum_quoted[y0])
        if both.any():
            qa, qb = A.quoted_flags[ia], B.quoted_flags[ib]
            lead = off == 0  # (a quote that opens the block starts there)
            opened_a = np.add.reduceat((qa & (lead | ~A.quoted_flags[np.maximum(ia - 1, 0)])).astype(np.int64), first)
            opened_b = np.add.reduceat((qb & (lead | ~B.quoted_flags[np.maximum(ib - 1, 0)])).astype(np.int64), first)
            judged = both & ~((opened_a >= 2) & (opened_b >= 2))  # two quotes joined on both sides: copied
            keep[qa & qb & np.repeat(judged, size)] = QUOTE_EVIDENCE
        if A.facts is not None and B.facts is not None:
            fact = A.facts()[ia] | B.facts()[ib]
            keep[fact] = np.minimum(keep[fact], FACT_EVIDENCE)
        lost = (1.0 - keep) * (cum_a[ia + 1] - cum_a[ia] + cum_b[ib + 1] - cum_b[ib])
        return 0.5 * np.add.reduceat(lost, first) if len(lost) else np.zeros(len(blk))


def _words(sig, s: int, e: int) -> np.ndarray:
    """Each word's evidence in ``s:e`` from an :class:`~dedup.stages.significance.Evidence`
    or from prefix sums of per-word evidence (the rarities that bound it)."""
    return np.diff(sig[s : e + 1]) if isinstance(sig, np.ndarray) else sig.words(s, e)


def _kept(A: Side, B: Side, x0: int, x1: int, y0: int, y1: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Per word of an equal block, the share of its evidence that counts (1; a quote
    both sides quote ``QUOTE_EVIDENCE``; a name or a figure ``FACT_EVIDENCE``, or the
    smaller), None when every word counts whole; and the block's fact flags (None
    without fact masks)."""
    flags = _quote_flags(A, B, x0, x1, y0, y1)
    quoted = flags[0] & flags[1] if flags is not None else None
    fact = _fact_flags(A, B, x0, x1, y0, y1) if A.facts is not None and B.facts is not None else None
    # most blocks hold neither: nothing to discount, no per-word weights to make
    if (quoted is None or not quoted.any()) and (fact is None or not fact.any()):
        return None, fact
    keep = np.ones(x1 - x0)
    if quoted is not None:
        keep[quoted] = QUOTE_EVIDENCE
    if fact is not None:
        keep[fact] = np.minimum(keep[fact], FACT_EVIDENCE)
    return keep, fact


def _fact_flags(A: Side, B: Side, x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    """Per word of an equal block: a name or a figure on either side."""
    return A.facts()[x0:x1] | B.facts()[y0:y1]


def unlicensed_facts(blocks, A: Side, B: Side) -> int:
    """Matched names and figures beyond the matched wording around them (0 without fact
    masks). A team sheet, a results table or a list of names is what reports of one
    event share without copying each other: the facts, in the order the facts dictate.
    The sign of copying is the writers' wording; so a fact counts as evidence only as
    far as wording stands beside it: a passage's facts count no more than its other
    words (a copied sentence that names people keeps all its evidence; a list of names
    between two reports of different matches has almost none)."""
    if A.facts is None or B.facts is None:
        return 0
    matched = sum(b[1] - b[0] for b in blocks)
    if A.fact_sums is not None and B.fact_sums is not None:
        ca, cb = A.fact_sums(), B.fact_sums()
        # both sides' counts bound the facts from above: most passages are far from half facts
        if 2 * sum(int(ca[x1] - ca[x0] + cb[y1] - cb[y0]) for x0, x1, y0, y1 in blocks) <= matched:
            return 0
    facts = sum(int(np.count_nonzero(_fact_flags(A, B, *blk))) for blk in blocks)
    return max(0, 2 * facts - matched)


def unlicensed_fact_evidence(blocks, A: Side, B: Side, sig_a, sig_b) -> float:
    """:func:`unlicensed_facts` in nats, for a chain scored by significance: the evidence
    its names and figures carry (weighed as :func:`event_discount` weighs them) beyond
    what its other words carry."""
    if A.facts is None or B.facts is None:
        return 0.0
    facts = wording = 0.0
    for x0, x1, y0, y1 in blocks:
        keep, fact = _kept(A, B, x0, x1, y0, y1)
        if keep is None:  # every word whole, none a fact
            wording += 0.5 * (sig_a.span(x0, x1) + sig_b.span(y0, y1))
            continue
        if not fact.any():  # quotes only
            wording += 0.5 * float(keep @ (sig_a.words(x0, x1) + sig_b.words(y0, y1)))
            continue
        each = 0.5 * (sig_a.words(x0, x1) + sig_b.words(y0, y1))
        facts += float((keep[fact] * each[fact]).sum())
        wording += float((keep[~fact] * each[~fact]).sum())
    return max(0.0, facts - wording)


def own_wording(blocks, A: Side, B: Side, sig_a, sig_b) -> float:
    """The evidence (nats, the mean of both sides') of a chain's words that are neither
    quoted on both sides nor a name or a figure: the writers' own wording, which
    independent reports of one event do not share (:func:`_kept`; a gap costs nothing
    here)."""
    total = 0.0
    for x0, x1, y0, y1 in blocks:
        keep, _ = _kept(A, B, x0, x1, y0, y1)
        if keep is None:  # every word whole
            total += 0.5 * (sig_a.span(x0, x1) + sig_b.span(y0, y1))
        else:
            total += 0.5 * float((keep == 1.0) @ (sig_a.words(x0, x1) + sig_b.words(y0, y1)))
    return total
