"""The carriers of recurring text in the index: whether a match shares only furniture.

The new document's own judgement (:func:`dedup.index.analysis.inline_furniture`) reads a
page made mostly of widgets as their copy: its shared words are theirs. The stored
documents it meets are carriers of that text too, and are asked as the batch asks the
carriers of a recurring passage (``dedup.stages.recurrence.furniture``): text that pages
carry beside stories of their own is furniture, text that copies of a story are made of
is the story's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..config import Config
from ..stages import inline
from ..stages.segment import Prepared
from .analysis import COPY_SHARE, FAMILY_FACTOR, content_anchors

if TYPE_CHECKING:
    from .analysis import PairResult


CAPTIONED = "captioned"  # shared_beyond: the text's copy with words of its own, if its fellows agree


def recurring_anchors(p: Prepared, grams: np.ndarray, counts: np.ndarray, mod: int,
                      cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``p``'s content anchors: the token each starts at, the documents carrying it,
    whether it is recurring (carried by :func:`inline_furniture`'s passage threshold of
    documents), and per token of ``p`` whether it is recurring text: inside a recurring
    n-gram or within the anchor spacing (``mod - 1`` tokens) of one, where sampling leaves
    nothing known; ``grams``, ``counts`` as there."""
    g, at = content_anchors(p, grams, mod)
    mine = counts[np.searchsorted(grams, g)]
    recurring = mine >= inline.PASSAGE_DOCS_FACTOR * cfg.boilerplate_min_docs
    return at, mine, recurring, _recurring_words(at[recurring], p.ntokens, mod)


def _recurring_words(at: np.ndarray, ntokens: int, mod: int) -> np.ndarray:
    """Per token, whether it lies in an n-gram starting at ``at`` or within ``mod - 1``
    tokens of one (between counted n-grams sampling knows nothing)."""
    cover = np.zeros(ntokens + 1, np.int32)
    np.add.at(cover, np.maximum(at - (mod - 1), 0), 1)
    np.add.at(cover, np.minimum(at + inline.NGRAM + mod - 1, ntokens), -1)
    return np.cumsum(cover)[:-1] > 0


def _ngram_words(at: np.ndarray) -> np.ndarray:
    """The words of the n-grams starting at ``at`` (distinct, sorted)."""
    return np.unique((at[:, None] + np.arange(inline.NGRAM)).ravel())


def _own_words(at: np.ndarray, words: np.ndarray) -> int:
    """Words of the n-grams starting at ``at`` that are not recurring text (``words``)."""
    return int((~words[_ngram_words(at)]).sum())


def _matched(spans, n: int, side: int) -> np.ndarray | None:
    """Per word of one side (``side`` 0: A, 2: B) of ``n`` words, whether it lies in one
    of the passages' equal blocks: the words the two share, not a rewrite or each side's
    own words between two runs. None when a passage has no blocks (a character
    alignment's): its words are all taken as shared."""
    out = np.zeros(n, bool)
    for s in spans:
        if not s.blocks:
            return None
        for b in s.blocks:
            out[b[side]:b[side + 1]] = True
    return out


def _within(at: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Whether each n-gram starting at ``at`` (inside the document) lies wholly in
    ``matched`` words."""
    cum = np.concatenate([[0], np.cumsum(matched)])
    return cum[at + inline.NGRAM] - cum[at] == inline.NGRAM


def _recurring_chain(at: np.ndarray, words: np.ndarray, matched: np.ndarray | None) -> bool:
    """Whether the words the two sides share (``matched``) in the n-grams starting at
    ``at`` are recurring text, bar fewer than an n-gram's worth, and at least an
    n-gram's worth of them are: a widget twice with each page's own sentence between,
    which the alignment bridges, shares the widget, not the sentences."""
    if matched is None or not len(at):
        return False
    w = _ngram_words(at)
    shared = matched[w]
    recurring = int((shared & words[w]).sum())
    return int(shared.sum()) - recurring < inline.NGRAM <= recurring


def stored_passages(q: Prepared, spans, counts_of, mod: int, cfg: Config) -> tuple[bool, float]:
    """Whether stored document ``q``'s side of ``spans`` (``a0:a1``) is recurring text
    (fewer words of its own than an n-gram), and the median count of its counted n-grams
    there; ``counts_of``: documents carrying each of some distinct n-grams."""
    if not spans:
        return False, 0.0
    lo = min(s.a0 for s in spans)
    g = inline.ngrams(q.hashes[lo:max(s.a1 for s in spans)])  # only the passages' n-grams are read
    at = inline.anchors(g, mod)
    inside = np.zeros(len(at), bool)
    for s in spans:
        inside |= (at + lo >= s.a0) & (at + lo + inline.NGRAM <= s.a1)
    if not inside.any():
        return False, 0.0
    keys, each = np.unique(g[at[inside]], return_inverse=True)  # the stores count distinct n-grams
    carried = counts_of(keys)[each]
    at = at[inside] + lo
    words = _recurring_words(at[carried >= inline.PASSAGE_DOCS_FACTOR * cfg.boilerplate_min_docs], q.ntokens, mod)
    rec = _own_words(at, words) < inline.NGRAM or _recurring_chain(at, words, _matched(spans, q.ntokens, 0))
    return rec, float(np.median(carried))


def furniture_matches(results: list["PairResult | None"],
                      anchors: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], beyond,
                      stored: list[tuple[bool, float] | None] = ()) -> list[bool]:
    """Per match of the new document (None: an exact copy), whether it is furniture:
    all it shares is recurring text, and no match shares that text as a copy does.

    A match shares only recurring text when the words of the counted n-grams inside its
    passages are recurring text (``anchors``: :func:`recurring_anchors`) bar fewer than an
    n-gram's worth (a rare n-gram that only joins a widget and the share bar after it has
    no word of its own; a permalink's slug at a widget's end is too little to share a
    text); or when the words the two sides share there (the passages' equal blocks) are
    so, the rest each page's own words between two runs of a widget that the alignment
    bridged; or when the stored side's passages are so (``stored``:
    :func:`stored_passages`, per match), where a gap of the new side's own words or its
    misread ones break its n-grams.

    A match shares text as a copy does in a passage with text that is not recurring, or
    in a recurring passage beside one and carried by about as many documents (at most
    ``FAMILY_FACTOR`` times), for its n-grams carried by about as many documents as its
    own text or as there are matches holding them here (a story's copies are found
    here, the hundreds of pages of a widget between two of its paragraphs are not); or
    as a stored document that is a copy beyond the match, or its copy with a caption of
    its own where most of the text's carriers among the matches are not pages of their
    own (``beyond(k, carriers)``, :func:`shared_beyond`), and then only for its n-grams
    carried about as widely as that text (a widget glued to the story is not the
    story's). A template match (a series' issue: the formula with new facts) is no copy
    and holds nothing.

    As the batch judges a recurring passage (``recurrence.furniture``), by its carriers:
    text that pages carry beside stories of their own is their furniture, text that
    copies of a story are made of is the story's. (The new document's own family rule,
    :func:`inline_furniture`, misses such text in a page made mostly of widgets: its
    shared words are theirs, so it reads as their copy.)"""
    at, carried, _, words = anchors
    ends = at + inline.NGRAM

    def inside(span) -> np.ndarray:  # the n-grams wholly inside a passage
        return (at >= span.b0) & (ends <= span.b1)

    per = [[inside(s) for s in r.spans] if r is not None else None for r in results]
    none = np.zeros(len(at), bool)
    ins = [None if x is None else np.logical_or.reduce([none, *x]) for x in per]

    def own_words(x: np.ndarray) -> int:  # words of x's n-grams that are not recurring text
        return _own_words(at[x], words)

    def all_recurring(x: np.ndarray) -> bool:
        return own_words(x) == 0

    # fewer words of its own than an n-gram: a permalink's slug, a word at a widget's edge;
    # or fewer such words shared, the rest each side's own between two runs of a widget
    rec = [x is not None and bool(x.any()) and own_words(x) < inline.NGRAM for x in ins]
    for k, (x, r) in enumerate(zip(ins, results)):
        if x is not None and x.any() and not rec[k]:
            matched = _matched(r.spans, len(words), 2)
            if _recurring_chain(at[x], words, matched):  # what it shares is its n-grams in the runs
                runs = x & _within(at, matched)
                if runs.any():
                    rec[k], ins[k] = True, runs
    med = {k: float(np.median(carried[ins[k]])) for k in range(len(results)) if rec[k]}
    for k, side in enumerate(stored):
        if side is not None and not rec[k] and side[0]:
            rec[k], med[k] = True, side[1]
    if not any(rec):
        return rec
    # The new document's text that some match shares as a copy does: the passages of a
    # copy beyond the match; a passage with text that is not recurring; and a recurring
    # passage beside one, carried by at most FAMILY_FACTOR times as many documents (a
    # story's paragraph that its copies carry). A widget beside a shared headline is
    # carried by far more pages than the headline: not held by it.
    shared = np.zeros(len(at), bool)
    # per n-gram, the matches whose passages hold it: a story's copies are found here, a
    # widget's hundreds of pages are not
    among = np.sum([x for x in ins if x is not None], axis=0)  # (a match is recurring: some x is)
    verdict = {k: beyond(k, med[k]) for k in range(len(results)) if rec[k]}
    for k, r in enumerate(results):
        if r is None:
            continue
        if rec[k]:
            held = verdict[k]
            if held == CAPTIONED:  # unless most of the text's carriers here are pages of their own
                others = [v for j, v in verdict.items() if (ins[j] & ins[k]).any()]
                held = 2 * sum(v is False for v in others) <= len(others)
            if held and ins[k].any():  # its text, not what is carried far more widely beside it (a widget)
                shared |= ins[k] & (carried <= FAMILY_FACTOR * np.median(carried[ins[k]]))
            continue
        if not ins[k].any() or r.kind == "template":  # a series' issue is no copy: it holds nothing
            continue
        own = [x for x in per[k] if not all_recurring(x)]
        family = float(np.median(carried[np.logical_or.reduce(own)]))
        for x in per[k]:
            if x.any() and (not all_recurring(x) or float(np.median(carried[x])) <= FAMILY_FACTOR * family):
                shared |= x & (carried <= FAMILY_FACTOR * np.maximum(family, among + 1))
    # A furniture match is kept when a copy shares its recurring text: an n-gram of it
    # wholly inside a copy's passage. Touching one is not sharing it: a widget's passage
    # takes in the word before it ("said. Download our app ..."), which a copy of the
    # story beside it shares too.
    return [w and not bool(shared[x].any()) for x, w in zip(ins, rec)]


def shared_beyond(q: Prepared, grams: np.ndarray, counts: np.ndarray, mod: int, spans, carriers: float) -> bool | str:
    """Whether stored document ``q`` is a copy beyond its side of ``spans`` (token spans
    ``a0:a1``) and the text they share is its story's: most of its content anchors outside
    them are carried by other documents too (``COPY_SHARE``), by about as many as carry
    that text (``carriers``: at most ``FAMILY_FACTOR`` times as many), or it has no
    anchor outside them. A page's furniture is carried far more widely than its story.
    When most of its anchors outside are its own (carried by no other document) and the
    shared text is most of it, it may be that text's copy with a caption of its own, or a
    brief with a widget: ``CAPTIONED``, for :func:`furniture_matches` to ask the other
    carriers; when its own words are most of it, a page of its own: False. ``grams``: its text's anchors
    (sorted); ``counts``: documents carrying each, itself included."""
    g, at = content_anchors(q, grams, mod)
    outside = np.ones(len(at), bool)
    for s in spans:
        outside &= (at < s.a0) | (at >= s.a1)
    mine = counts[np.searchsorted(grams, g[outside])]
    if not len(mine):
        return True
    shared = mine[mine >= 2]
    if len(shared) < COPY_SHARE * len(mine):
        return CAPTIONED if len(mine) <= COPY_SHARE * len(at) else False
    return FAMILY_FACTOR * float(np.median(shared)) >= carriers
