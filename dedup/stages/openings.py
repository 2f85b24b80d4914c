"""Openings: where a template series' new facts stand outside the aligned passages.

A series' new facts often open the sentence its formula goes on with ("Raytheon Co has
been awarded a 215.3 mln dlr contract for ..." / "General Dynamics Corp has received a
182.5 mln dlr contract for ..."): the alignment starts after them, so the fact judgement
(:mod:`dedup.stages.template`) would never see them. :func:`with_openings` hands it each
passage with the opening of its first sentence, when both sides state a new fact there.
The same holds at a passage's end: "... sales exceeded four billion dlrs in 1986." /
"... in 1987.", the year the alignment stops before (:func:`with_closings`).
Sentences are read from the text (:func:`sentence_starts`): a headline, a byline, a time
stamp, a dateline or a table row is no sentence, and differs from copy to copy. (Not
the same rule as the fact mask's sentence starts in :mod:`dedup.stages.template`, which
only asks whether a capital opens a sentence.)
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

from .align import Side, Span
from .blocks import equal_blocks
from .facts import char_test, code_points
from .normalize import SENTENCE_TERMINALS


def with_openings(spans: list[Span], side_a: Side, side_b: Side, facts_a: np.ndarray, facts_b: np.ndarray,
                  texts, width: int, sentences=None) -> list[Span]:
    """The passages as judged by their facts: each one with the opening of the sentence
    it starts in taken in as a gap, when both sides open it in their own words with a
    new fact (one with a word the other document never has): a series' new facts stand
    at the same place of the formula although the alignment stops where they begin
    (the module docstring). The opening is at most ``width`` words (``Config.max_gap``,
    the gap a passage may bridge), short of the words of a passage before it, and only
    of a sentence: a byline, a headline, a time stamp or a table row, each on a line of
    its own, differs from copy to copy. Its equal words are lined up as blocks, so only
    what differs is a gap. ``texts``: a callable returning each side's ``(text, starts,
    ends)`` (the tokens' character offsets), asked only when an opening may count;
    ``sentences``: a callable returning each side's :func:`read_sentences`, kept per
    document by the caller (None: read from the texts)."""
    return _taken_in(spans, side_a, side_b, facts_a, facts_b, texts, width, sentences, at_end=False)


def with_sentence_facts(spans: list[Span], side_a: Side, side_b: Side, facts_a: np.ndarray,
                        facts_b: np.ndarray, texts, width: int, sentences=None) -> list[Span]:
    """:func:`with_openings`, then :func:`with_closings`: the passages with the parts of
    their first and last sentences where both sides state new facts."""
    spans = with_openings(spans, side_a, side_b, facts_a, facts_b, texts, width, sentences)
    return with_closings(spans, side_a, side_b, facts_a, facts_b, texts, width, sentences)


def with_closings(spans: list[Span], side_a: Side, side_b: Side, facts_a: np.ndarray, facts_b: np.ndarray,
                  texts, width: int, sentences=None) -> list[Span]:
    """The passages with the rest of the sentence each one ends in taken in as a gap,
    when both sides close it in their own words with a new fact (:func:`with_openings`
    at the other end): at most ``width`` words, short of the next passage, and only of
    a sentence that ends with a sentence mark."""
    return _taken_in(spans, side_a, side_b, facts_a, facts_b, texts, width, sentences, at_end=True)


def _taken_in(spans: list[Span], side_a: Side, side_b: Side, facts_a: np.ndarray, facts_b: np.ndarray,
              texts, width: int, sentences, at_end: bool) -> list[Span]:
    """:func:`with_openings` (``at_end`` False) or :func:`with_closings`: per passage, the
    stretch before its first word (after its last) each side may take in, kept when both
    sides state a new fact in it; the texts are read only when some stretch may."""
    if not spans:
        return spans
    if at_end:
        reach_a = _far([(sp.a0, sp.a1) for sp in spans], width, len(side_a.words))
        reach_b = _far([(sp.b0, sp.b1) for sp in spans], width, len(side_b.words))
        ranges = [((sp.a1, ra), (sp.b1, rb)) for sp, ra, rb in zip(spans, reach_a, reach_b)]
    else:
        reach_a = _near([(sp.a0, sp.a1) for sp in spans], width)
        reach_b = _near([(sp.b0, sp.b1) for sp in spans], width)
        ranges = [((ra, sp.a0), (rb, sp.b0)) for sp, ra, rb in zip(spans, reach_a, reach_b)]
    words = _may_hold_new_facts(ranges, side_a, side_b, facts_a, facts_b)
    if words is None:
        return spans
    doc_a, doc_b = texts()
    sent_a, sent_b = sentences() if sentences is not None else (read_sentences(doc_a), read_sentences(doc_b))
    out = []
    for sp, ra, rb in zip(spans, reach_a, reach_b):
        if at_end:
            ea, eb = closing(doc_a, sp.a1, ra, sent_a), closing(doc_b, sp.b1, rb, sent_b)
            if _both_new((sp.a1, ea), (sp.b1, eb), side_a, side_b, facts_a, facts_b, words, doc_a, doc_b):
                tail = equal_blocks(side_a.words, side_b.words, sp.a1, ea, sp.b1, eb) + [(ea, ea, eb, eb)]
                sp = Span(sp.a0, ea, sp.b0, eb, sp.matched, sp.evidence, sp.score, sp.blocks + tuple(tail),
                          sp.significant)
        else:
            la, lb = opening(doc_a, ra, sp.a0, sent_a), opening(doc_b, rb, sp.b0, sent_b)
            if _both_new((la, sp.a0), (lb, sp.b0), side_a, side_b, facts_a, facts_b, words, doc_a, doc_b):
                head = [(la, la, lb, lb)] + equal_blocks(side_a.words, side_b.words, la, sp.a0, lb, sp.b0)
                sp = Span(la, sp.a1, lb, sp.b1, sp.matched, sp.evidence, sp.score, tuple(head) + sp.blocks,
                          sp.significant)
        out.append(sp)
    return out


def _far(spans: list[tuple[int, int]], width: int, n: int) -> list[int]:
    """Per passage ``(s, e)`` of one side, how far on its closing may reach: ``width``
    words, and not into a passage that starts after it."""
    starts = sorted(s for s, _ in spans)
    out = []
    for _, e in spans:
        k = bisect_left(starts, e)
        out.append(min(e + width, starts[k] if k < len(starts) else n, n))
    return out


def closing(doc: tuple, e: int, hi: int, sentences: tuple | None = None) -> int:
    """Where the sentence of token ``e - 1`` ends (the token after its last), when it is a
    sentence that ends at ``hi`` or before (else ``e``: no closing). ``sentences``: the
    document's :func:`read_sentences` (None: read here)."""
    text, starts, ends = doc
    n = len(starts)
    if e <= 0 or e >= hi or e >= n:
        return e
    first, prose = sentences or read_sentences(doc)
    p = bisect_right(first, e - 1) - 1
    end = first[p + 1] if p + 1 < len(first) else n
    if end > hi or not prose[p]:
        return e
    # its mark right after its last word, on its line (a last sentence's stretch runs to
    # the end of the text, where a furniture line's full stop is no end of it)
    after = text[int(ends[end - 1]) : int(starts[end]) if end < n else len(text)].split("\n", 1)[0]
    return end if any(c in _ENDS for c in after) else e


def _may_hold_new_facts(ranges: list, side_a: Side, side_b: Side, facts_a: np.ndarray, facts_b: np.ndarray):
    """Both documents' words when some ``((a0, a1), (b0, b1))`` of ``ranges`` holds a
    new fact on both sides (else None: nothing to read). Cheapest first: any fact on
    both sides (most copies have none), then a new one; the caller reads the texts
    (from disk) and sentences only after."""
    if not any(_has_fact(facts_a, *ra) and _has_fact(facts_b, *rb) for ra, rb in ranges):
        return None
    # the word strings, one character a word: a few words are looked up, a set of each costs more
    words = side_a.words, side_b.words
    if not any(_both_new(ra, rb, side_a, side_b, facts_a, facts_b, words) for ra, rb in ranges):
        return None
    return words


def _both_new(ra: tuple[int, int], rb: tuple[int, int], side_a: Side, side_b: Side, facts_a: np.ndarray,
              facts_b: np.ndarray, words: tuple[str, str], doc_a=None, doc_b=None) -> bool:
    """Whether words ``ra`` of A and ``rb`` of B both hold a new fact (:func:`_new_fact`)."""
    in_a, in_b = words
    return (_new_fact(side_a.words, facts_a, *ra, in_b, doc_a, doc_b)
            and _new_fact(side_b.words, facts_b, *rb, in_a, doc_b, doc_a))


def _has_fact(facts: np.ndarray, s: int, e: int) -> bool:
    return e > s and bool((facts[s:e] >= 0).any())


def _new_fact(words: str, facts: np.ndarray, s: int, e: int, other: str, doc=None, doc_other=None) -> bool:
    """Whether words ``s:e`` hold a fact with a word the other document never has: a new
    fact, not the same one named again ("Derek Brushett, 55, was jailed" / "A social
    services inspector was jailed", who is named further on). With both documents'
    ``(text, starts, ends)``, an acronym of words the other has ("DfEE" for "Department
    for Education and Employment") is the same name too."""
    for k in range(s, e):
        if facts[k] >= 0 and words[k] not in other:
            if doc is None or not acronym_in(doc[0][doc[1][k] : doc[2][k]], doc_other):
                return True
    return False


def acronym_in(word: str, doc: tuple) -> bool:
    """Whether ``word`` (two or more letters, a capital first) spells the initials of
    consecutive words of ``doc``, from a capitalised one to a capitalised one, lower-case
    words between may be skipped ("Department for Education and Employment": D, F, E, E)."""
    letters = word.upper()
    if len(letters) < 2 or not letters.isalpha() or not word[0].isupper():
        return False
    text, starts, ends = doc
    toks = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    for i, t in enumerate(toks):
        if t[:1] != letters[0] or len(t) < 2:
            continue
        k, j = 1, i + 1
        while k < len(letters) and j < len(toks):
            head = toks[j][:1]
            if head.upper() == letters[k] and len(toks[j]) > 1:
                k += 1
            elif not head.islower():
                break
            j += 1
        if k == len(letters) and toks[j - 1][:1].isupper():
            return True
    return False


def _near(spans: list[tuple[int, int]], width: int) -> list[int]:
    """Per passage ``(s, e)`` of one side, how far back its opening may reach: ``width``
    words, and not into a passage that ends before it."""
    ends = sorted(e for _, e in spans)
    out = []
    for s, _ in spans:
        k = bisect_right(ends, s)
        out.append(max(s - width, ends[k - 1] if k else 0, 0))
    return out


def read_sentences(doc: tuple) -> tuple[list[int], list[bool]]:
    """:func:`sentence_starts` of a whole ``(text, starts, ends)``, as lists (bisected by
    :func:`opening` and :func:`closing`): once per document, kept for its next pairs."""
    first, prose = sentence_starts(*doc)
    return first.tolist(), prose.tolist()


def opening(doc: tuple, lo: int, s: int, sentences: tuple | None = None) -> int:
    """Where the sentence of token ``s`` starts, when it is a sentence that starts at
    ``lo`` or later (else ``s``: no opening). ``doc``: ``(text, starts, ends)``;
    ``sentences``: its :func:`read_sentences` (None: read here)."""
    if s <= lo or s >= len(doc[1]):
        return s
    first, prose = sentences or read_sentences(doc)
    p = bisect_right(first, s) - 1
    return first[p] if first[p] >= lo and prose[p] else s


# Fixed-width text (wire copy, e-mail, plain-text archives) is wrapped at 60-80 columns
# (RFC 5322 asks for at most 78); text whose lines run longer is not hard-wrapped.
WRAP_COLUMNS = 100


def _soft_wraps(cps: np.ndarray, space: np.ndarray) -> np.ndarray:
    """The line breaks of hard-wrapped text that only wrap a line: the next line's first
    word would not have fitted on the line before it, the document's longest line
    taken for the width (at most :data:`WRAP_COLUMNS`). A wrapped line may go on with a
    capital ("... a subsidiary of NYNEX Corp, filed with the Securities and Exchange" /
    "Commission for a shelf offering"), which a headline or a table row on a line of
    its own, shorter than the width, does not. A break before a space or another break
    (an indented or a new paragraph) is never soft, nor one after a line without a space
    (text without spaces between words, as Chinese and Japanese, has no words to fit)."""
    nl = np.flatnonzero(cps == 10)
    if not len(nl):
        return nl
    line_start = np.concatenate(([0], nl + 1))
    length = np.append(nl, len(cps)) - line_start  # every line's, the last too
    width = int(length.max())
    if width > WRAP_COLUMNS:
        return nl[:0]
    nl = nl[nl + 1 < len(cps)]
    nl = nl[~space[nl + 1]]  # a line that starts with a word
    gaps = np.flatnonzero(space)
    word_end = np.append(gaps, len(cps))[np.searchsorted(gaps, nl + 1)]
    line = np.searchsorted(line_start, nl, side="right") - 1  # the line each break ends
    spaced = np.concatenate(([0], np.cumsum(cps == 32)))
    words_on_line = spaced[nl] > spaced[line_start[line]]
    return nl[words_on_line & (length[line] + 1 + (word_end - nl - 1) > width)]


_ENDS = frozenset(SENTENCE_TERMINALS + ";:")
_SPACE = frozenset(" \t\r\n\u00a0")
_DASHES = frozenset("-\u2013\u2014")


def _runs_on(c: str) -> bool:
    return c.islower() or c.isdigit()


def sentence_starts(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tokens that open a sentence or a line (the first, and each one whose gap from
    the token before holds a sentence mark followed by a space, "said. The" but not
    "215.3", a line break, unless the next line goes on in lower case or with a figure
    or hard-wrapped text only wrapped its line there (:func:`_soft_wraps`), or a dash
    between spaces, as after a dateline), and per
    such stretch whether it is a sentence: it ends with a sentence mark, where a
    headline, a byline, a dateline or a table row ends with its line or its dash."""
    n = len(starts)
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    cps = code_points(text)
    is_end, space = char_test(cps, _ENDS.__contains__), char_test(cps, _SPACE.__contains__)
    runs_on, is_dash = char_test(cps, _runs_on), char_test(cps, _DASHES.__contains__)
    brk = np.zeros(len(cps), bool)
    brk[:-1] = (cps[:-1] == 10) & ~runs_on[1:]
    brk[_soft_wraps(cps, space)] = False
    end = is_end.copy()
    end[:-1] &= space[1:]  # a mark before a space, or last
    # a dash between spaces closes a dateline or a heading ("WASHINGTON, Feb 9 (Reuters) - The")
    blank = cps == 32
    dash = np.zeros(len(cps), bool)
    dash[1:-1] = is_dash[1:-1] & blank[:-2] & blank[2:]
    dash[1:-2] |= is_dash[1:-2] & is_dash[2:-1] & blank[:-3] & blank[3:]  # " -- "
    cum_cut = np.concatenate(([0], np.cumsum(brk | end | dash)))
    cum_end = np.concatenate(([0], np.cumsum(end)))
    s, e = np.asarray(starts, np.int64), np.asarray(ends, np.int64)
    first = np.concatenate(([0], np.flatnonzero(cum_cut[s[1:]] > cum_cut[e[:-1]]) + 1))
    # a stretch is a sentence when a sentence mark follows its last token before the next one starts
    last_end = e[np.append(first[1:], n) - 1]
    upto = np.append(s[first[1:]], len(cps))
    return first, cum_end[upto] > cum_end[last_end]
