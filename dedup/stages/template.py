"""Template: tell a copy from a template series by where the differences fall.

Wire services publish the same formula with new facts every day (a daily market
table, a bond-issue notice, a monthly statistic). Such a pair aligns like a copy:
long passages of equal words. What tells it apart is *which* words differ. In the
aligned passages, the words that differ between the two sides of a template are the
facts (figures, names, dates) and the matched words are the wording around them; a
copy repeats the facts too, and a correction changes one figure among many repeated.

What a fact is (figures and names, by shape) is :mod:`dedup.stages.facts`.

A fact differs when the two sides state different facts at the same place: a gap
between equal blocks that holds a fact on both sides (a new figure, another name),
unless the gap's words are one name spelled two ways (one letter apart, spaces aside:
a typo, light OCR damage; :func:`_misread`) or one figure written two ways ("seven and a
half" / "7½", :func:`_same_figure`), which is a change that is no new fact. In such a
gap, a fact the other side's gap states too is restated, not new, and the gap
substitutes no more facts than its side with fewer holds: a slot takes another name or
figure, while a paragraph of names a rewrite cut (against three words of its own) was
cut, not filled anew (:func:`_substituted`). A
fact only one side has (an added sentence, a byline) is neither repeated nor
different. A differing fact counts 1. A repeated fact counts its rarity in the other
documents of the corpus, ``ln((1+others)/(1+df)) / ln(1+others)`` of its rarest part
(1 when no other document has it, 0 when all do): a name or figure that the formula
repeats in every issue ("Federal Reserve", "Luxembourg") is common and so weak
evidence of copying (a word in 3% of the corpus: 0.37), while one that only a story's
few copies share stays strong (in 5 of 19,000 documents: 0.82). With no other
documents (:func:`dedup.compare`) every repeated fact counts 1. An OCR-damaged
document differs everywhere, facts included, so a pair with one (``noisy``: many
one-off words, which a series' new names also make) is judged only when its changes
are mostly facts, and two or more (:meth:`Evidence.fact_changes`); otherwise it stays a copy. Its
passages may have been found on characters (the new names pull a series' weighted
word similarity down): their words are lined up again to judge them (:func:`on_words`).

Rule (one knob, :data:`TEMPLATE_FACT_SHARE`): a linked pair is a ``template`` when the
facts that differ inside its passages carry at least that share (half) of the fact
weight inside them, both sides counted. A document and itself differ nowhere, so they
are never a template; the measure counts both sides alike, so it is symmetric.

A series small against the corpus (a dozen issues in ten thousand documents) makes
its formula's fixed names rare, so two issues can look like copies by them. Over a
corpus the series tells which facts are its frame: the facts a document repeats with
most documents it is a template of (:func:`frame_facts`). A pair called a copy is judged
again without the frame facts of either document (:func:`without_frame`): issues
then differ in what is left, the facts that vary; a copy of an issue, or its
correction, repeats those.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
from rapidfuzz.distance import Levenshtein

from .align import Side, Span
from .blocks import equal_blocks
from .facts import figure_value
from .significance import prefix_sums

TEMPLATE_FACT_SHARE = 0.5  # share of the passages' fact weight that differs in a template
SERIES_SWAPS = 3  # facts another issue states anew; a correction changes a figure and its time stamp
MISREAD_MIN_LETTERS = 5  # a name one edit from another is the same name misread (shorter: Mark, Mary)


def _sides(n: int, spans: list[Span], side: int):
    """Per token of one side: inside a passage, inside an equal block, and the number of
    the gap between blocks it lies in (-1 outside gaps)."""
    inside = np.zeros(n, dtype=bool)
    equal = np.zeros(n, dtype=bool)
    gap = np.full(n, -1, dtype=np.int64)
    g = 0
    for sp in spans:
        lo, hi = (sp.a0, sp.a1) if side == 0 else (sp.b0, sp.b1)
        inside[lo:hi] = True
        prev = None
        for blk in sp.blocks:
            s, e = (blk[0], blk[1]) if side == 0 else (blk[2], blk[3])
            equal[s:e] = True
            if prev is not None:
                gap[prev:s] = g
            g += 1
            prev = e
    return inside, equal, gap


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


# one set of empty lists for every pair with nothing that differs (most linked pairs: a
# run holds the evidence of each until the frames are judged, and a million articles
# link millions of pairs)
_NO_IDS, _NO_WEIGHTS, _NO_FLAGS = _frozen(np.zeros(0, np.int64)), _frozen(np.zeros(0)), _frozen(np.zeros(0, bool))


def _no_swap(plain: int, swaps: int = 0) -> "Evidence":
    """Evidence with nothing that differs (no fact swapped, or no fact inside the passages)."""
    return Evidence(0.0, _NO_IDS, _NO_WEIGHTS, _NO_IDS, _NO_WEIGHTS, swaps, plain, 0.0, _NO_FLAGS, _NO_FLAGS)


def compact(kind: str, ev: "Evidence | None") -> "Evidence | None":
    """``ev`` as a link of ``kind`` keeps it until the frames are judged
    (:func:`dedup.stages.link.frames_judged`): None when it can change nothing there (no
    fact differs and the pair may not be two issues of a series, so :func:`frame_facts`
    skips it and :func:`without_frame` is 0: most of a corpus's links, and at a million
    articles their evidence was half a gigabyte), else with its empty lists the shared
    ones (as :func:`_no_swap` makes them: a pickled evidence comes back with lists of
    its own)."""
    if ev is None or (ev.distinct == 0 and not new_issue(kind, ev)):
        return None
    if len(ev.ids_a) or len(ev.ids_b) or len(ev.first_a) or len(ev.first_b):
        return ev
    return _no_swap(ev.plain, ev.swaps)._replace(differ=ev.differ, distinct=ev.distinct)


def _plain_only(spans: list[Span], facts_a: np.ndarray, facts_b: np.ndarray) -> int | None:
    """The number of gaps with words on both sides and no fact on either, when no gap
    holds a fact on both sides (else None: judge the facts). Only where the passages do
    not overlap on a side, so that no gap holds another passage's equal words (else None)."""
    gaps = [(p[1], q[0], p[3], q[2]) for sp in spans for p, q in zip(sp.blocks, sp.blocks[1:])]
    if not gaps:
        return 0
    for edges in (sorted((sp.a0, sp.a1) for sp in spans), sorted((sp.b0, sp.b1) for sp in spans)):
        if any(end > start for (_, end), (start, _) in zip(edges, edges[1:])):
            return None
    g = np.asarray(gaps, np.int64).T
    words_a, words_b = g[1] > g[0], g[3] > g[2]
    cum_a, cum_b = prefix_sums(facts_a >= 0), prefix_sums(facts_b >= 0)
    fact_a = cum_a[g[1]] > cum_a[g[0]]  # a fact token inside the gap
    fact_b = cum_b[g[3]] > cum_b[g[2]]
    if (fact_a & fact_b).any():
        return None
    return int((words_a & words_b & ~fact_a & ~fact_b).sum())


def _rarity(side: Side, others: int, at: np.ndarray) -> np.ndarray:
    """Per token at the positions ``at``, 0..1: how rare it is in the other documents of the
    corpus (1: no other document has it; every token is 1 when there are no other documents)."""
    w = side.cum_weight[at + 1] - side.cum_weight[at]  # side.weights()[at], without the whole diff
    if others < 1:
        return np.ones(len(w))
    return np.clip((w - 1.0) / np.log(1.0 + others), 0.0, 1.0)


def _misread(gap: int, sides: list, texts) -> bool:
    """Whether a gap that swaps facts holds one name spelled two ways: its changed
    words on each side, spaces dropped, letters only, at least
    :data:`MISREAD_MIN_LETTERS` of them, one edit apart ("Stafement" / "Statement",
    "S tandards" / "Standards"). OCR damage and typos misread a letter; another issue
    names another issuer, city or month. Figures always count: one digit is the whole
    of a new figure."""
    a, b = ("".join(text[starts[k] : ends[k]] for k in _changed(gap, side).tolist())
            for side, (text, starts, ends) in zip(sides, texts))
    if min(len(a), len(b)) < MISREAD_MIN_LETTERS or not (a.isalpha() and b.isalpha()):
        return False
    return Levenshtein.distance(a.casefold(), b.casefold(), score_cutoff=1) <= 1


def _same_figure(gap: int, sides: list, texts) -> bool:
    """Whether a gap that swaps facts states one figure two ways: spelled out on one
    side, in digits on the other ("seven and a half" / "7½", "two billion" / "2
    billion"), each side's changed words read as a number (:func:`dedup.stages.facts.figure_value`)."""
    values = []
    for side, (text, starts, ends) in zip(sides, texts):
        at = _changed(gap, side)
        if not len(at):
            return False
        values.append(figure_value(text[starts[at[0]] : ends[at[-1]]]))
    return values[0] is not None and values[0] == values[1]


def _changed(gap: int, side: tuple) -> np.ndarray:
    """The tokens of one side's gap that differ (``side``: its equal flags and gap numbers)."""
    equal, gaps = side
    return np.flatnonzero((gaps == gap) & ~equal)


def fact_evidence(spans: list[Span], side_a: Side, side_b: Side, facts_a: np.ndarray, facts_b: np.ndarray,
                  others: int = 0, texts=None) -> "Evidence":
    """The :class:`Evidence` of a linked pair, in array operations: its fact tokens (both
    sides laid end to end, side B's facts numbered after side A's) in one pass. A pair
    with no gap where both sides state a fact (most copies) has nothing that differs and
    says nothing of a series: its gaps alone are counted. ``texts()``: the two sides'
    ``(text, token starts, token ends)``, read only when a gap swaps facts: a name
    misread (:func:`_misread`) is a change that is no new fact."""
    plain = _plain_only(spans, facts_a, facts_b)
    if plain is not None:
        return _no_swap(plain)
    sides = []
    for side, unit in enumerate((facts_a, facts_b)):
        inside, equal, gap = _sides(len(unit), spans, side)
        changed = (gap >= 0) & ~equal  # the tokens between the blocks of a passage that differ
        # the gaps that hold changed words, changed facts
        words, facts = set(gap[changed].tolist()), set(gap[changed & (unit >= 0)].tolist())
        sides.append((np.flatnonzero((unit >= 0) & inside), equal, gap, facts, words))
    # gaps where both sides state a fact: a substitution (a new figure, another name)
    swapped = sides[0][3] & sides[1][3]
    # gaps with words on both sides and no fact on either: a change that is no new fact
    plain = len((sides[0][4] & sides[1][4]) - sides[0][3] - sides[1][3])
    if swapped and texts is not None:
        pair = texts()
        same = {g for g in swapped if _misread(g, [sides[0][1:3], sides[1][1:3]], pair)
                or _same_figure(g, [sides[0][1:3], sides[1][1:3]], pair)}
        swapped -= same
        plain += len(same)
    (at_a, equal_a, gap_a, _, _), (at_b, equal_b, gap_b, _, _) = sides
    # the fact tokens inside passages; a fact's tokens are adjacent
    units = np.concatenate([facts_a[at_a], facts_b[at_b] + (len(facts_a) + 1)])
    if not swapped or not len(units):
        return _no_swap(plain, len(swapped))
    heads = np.flatnonzero(np.concatenate(([True], units[1:] != units[:-1])))
    rare = np.maximum.reduceat(np.concatenate([_rarity(side_a, others, at_a), _rarity(side_b, others, at_b)]), heads)
    kept = np.add.reduceat(np.concatenate([equal_a[at_a], equal_b[at_b]]).astype(np.int64), heads)
    whole = kept == np.diff(np.append(heads, len(units)))  # every part of the fact repeated
    gaps = np.concatenate([gap_a[at_a], gap_b[at_b]])
    in_swap = np.isin(gaps, list(swapped)) if swapped else np.zeros(len(gaps), dtype=bool)
    in_swap = np.logical_or.reduceat(in_swap, heads)
    b = np.searchsorted(heads, len(at_a))  # facts of side A, then of side B
    said = _fact_words(heads, b, np.concatenate([at_a, at_b]), side_a.words, side_b.words)
    first = _first_mentions(said, b, whole)
    ids = units[heads]
    differs = _substituted(~whole & in_swap, heads, b, gaps, said)
    return Evidence(float(differs.sum()), ids[:b][whole[:b]].astype(np.int64), rare[:b][whole[:b]],
                    (ids[b:] - (len(facts_a) + 1))[whole[b:]].astype(np.int64), rare[b:][whole[b:]], len(swapped),
                    plain, float((differs & first).sum()), first[:b][whole[:b]], first[b:][whole[b:]])


def _fact_words(heads: np.ndarray, b: int, at: np.ndarray, words_a: str, words_b: str) -> list[str]:
    """Per fact (``heads`` into the fact tokens ``at``, side A's first ``b`` of them), its
    words (one code point a word, as :meth:`Prepared.word_string` gives them)."""
    ends = np.append(heads[1:], len(at)).tolist()
    return ["".join((words_a if k < b else words_b)[t] for t in at[h:e].tolist())
            for k, (h, e) in enumerate(zip(heads.tolist(), ends))]


def _substituted(differs: np.ndarray, heads: np.ndarray, b: int, gaps: np.ndarray, said: list[str]) -> np.ndarray:
    """Per fact (``heads`` into the fact tokens, side A's first ``b`` of them; ``gaps``:
    each token's gap; ``said``: each fact's words), whether it differs as a slot's new
    fact: of the facts in a gap that swaps facts (``differs``), those the other side's gap
    states too are restated, and of the rest only as many on each side as the side with
    fewer has."""
    if not differs.any():
        return differs
    by_gap: dict[int, tuple[list, list]] = {}
    for k in np.flatnonzero(differs).tolist():
        by_gap.setdefault(int(gaps[heads[k]]), ([], []))[int(k >= b)].append(k)
    out = np.zeros_like(differs)
    for side_a, side_b in by_gap.values():
        said_a, said_b = {said[k] for k in side_a}, {said[k] for k in side_b}
        new_a = [k for k in side_a if said[k] not in said_b]
        new_b = [k for k in side_b if said[k] not in said_a]
        n = min(len(new_a), len(new_b))
        out[new_a[:n] + new_b[:n]] = True
    return out


def _first_mentions(said: list[str], b: int, whole: np.ndarray) -> np.ndarray:
    """Per fact (side A's first ``b`` of them; ``said``: each one's words): whether it is
    the first on its side with its words and its judgement (repeated whole, or not)."""
    first = np.zeros(len(said), dtype=bool)
    seen: set = set()
    for k, words in enumerate(said):
        key = (k < b, bool(whole[k]), words)
        if key not in seen:
            seen.add(key)
            first[k] = True
    return first


class Evidence(NamedTuple):
    """What a linked pair's facts say: ``differ``, the facts inside its passages that
    the two sides state differently (both sides counted); per side the repeated facts
    (``ids_*``, the index of each one's first token) and their weight (``weight_*``,
    their rarity), listed only when ``swaps`` > 0 (a pair that swaps no fact differs
    in none and is no issue of a series: nothing reads them); ``swaps``, the gaps where
    both sides state a fact, and ``plain``, the gaps where both sides hold words and
    neither a fact. ``distinct`` is ``differ`` with each fact counted once however
    often a side names it, and ``first_*`` marks the repeated facts that are the first
    with their words on their side: a series' slots (:func:`without_frame`)."""

    differ: float
    ids_a: np.ndarray
    weight_a: np.ndarray
    ids_b: np.ndarray
    weight_b: np.ndarray
    swaps: int
    plain: int
    distinct: float
    first_a: np.ndarray
    first_b: np.ndarray

    def share(self) -> float:
        return share_of(self.differ, float(self.weight_a.sum() + self.weight_b.sum()))

    def fact_changes(self) -> bool:
        """Whether the changes are facts, as a template's are: OCR damage misreads any
        word, so most of its changed gaps hold no fact; and one changed fact alone in
        such a pair is as likely a misread (or a chance word at a passage's edge) as a
        new one."""
        return self.swaps > max(self.plain, 1)


def share_of(differ: float, same: float) -> float:
    """The template evidence: differing facts against all the facts judged (0.0 without)."""
    total = differ + same
    return differ / total if total else 0.0


def on_words(spans: list[Span], words_a: str, words_b: str) -> list[Span]:
    """Passages found on characters with the equal blocks of their words (one code
    point per word, as :meth:`Prepared.word_string` gives them), so their facts can
    be judged like a word alignment's."""
    return [replace(sp, blocks=tuple(equal_blocks(words_a, words_b, sp.a0, sp.a1, sp.b0, sp.b1))) for sp in spans]


def judged(spans: list[Span]) -> bool:
    """Whether a pair's passages can be judged by their facts: found on words (passages
    found on characters, OCR damage, differ everywhere: they stay copies)."""
    return bool(spans) and all(sp.blocks for sp in spans)


def new_issue(kind: str | None, ev: "Evidence | None") -> bool:
    """Whether a linked pair may be two issues of one series: judged a ``template``, or
    stating at least :data:`SERIES_SWAPS` facts differently with every change a fact. A
    new issue restates the formula word for word around new facts; a story's copies
    differ in edited words too (a rewrite, OCR damage), and a corrected re-publication
    in a figure and its time stamp."""
    return kind == "template" or (ev is not None and ev.swaps >= SERIES_SWAPS and ev.plain == 0)


def frame_facts(pairs: list[tuple[int, int, bool, tuple]]) -> dict[int, set[int]]:
    """Per document, its facts that a template series repeats in every issue (the
    formula's fixed names: an exchange, an issuer's agent, a ministry): the facts it
    repeats with at least half, and at least two, of the documents it may be another
    issue of (:func:`new_issue`; a figure that two issues share by chance is repeated
    with one). A series whose fixed names outweigh its new facts has no pair judged a
    template at first, yet each issue states its facts anew against every other,
    and nothing else; a story's copies differ from each other in more than facts, or
    in a corrected figure.
    ``pairs``: ``(i, j, may_be_issues, evidence)`` with :class:`Evidence` (or None)."""
    seen: dict[int, list[np.ndarray]] = {}
    for i, j, tpl, ev in pairs:
        if tpl and ev is not None:
            seen.setdefault(i, []).append(ev.ids_a)
            seen.setdefault(j, []).append(ev.ids_b)
    frame: dict[int, set[int]] = {}
    for d, lists in seen.items():
        if len(lists) < 2:
            continue
        ids, n = np.unique(np.concatenate(lists), return_counts=True)
        common = ids[n >= max(2, (len(lists) + 1) // 2)]
        if len(common):
            frame[d] = set(common.tolist())
    return frame


def without_frame(ev: "Evidence", frame_i: set[int], frame_j: set[int]) -> float:
    """:func:`share_of` a pair's evidence with the repeated facts that are the frame of
    a series either document belongs to left out: two issues of one formula agree on
    the formula's fixed names and say nothing by that; a copy repeats the facts that
    vary from issue to issue too (and a correction changes one of them). Each fact
    left counts once however often a side names it: a formula's slots (an issuer, a
    figure) are what issues fill anew, and an issuer named in three of its sentences
    is one slot the two documents agree on."""
    keep_a = ev.first_a & ~np.isin(ev.ids_a, list(frame_i)) if frame_i else ev.first_a
    keep_b = ev.first_b & ~np.isin(ev.ids_b, list(frame_j)) if frame_j else ev.first_b
    return share_of(ev.distinct, float(ev.weight_a[keep_a].sum() + ev.weight_b[keep_b].sum()))
