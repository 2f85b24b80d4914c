"""Subjects: a formula filled anew with another subject is a template, not a copy.

Notices of one kind (a bank's new prime rate, an oil company's crude postings, a debt
offering) are written to one formula, and on one day several issuers' notices repeat
the same figures: the fact judgement (:mod:`dedup.stages.template`) sees those repeated
and calls the pair a copy. What differs is who the notice is about, and it stands where
the first sentence opens, before the words the two share. A copy keeps its subject,
however its lede is edited ("Jonathan Aitken" / "the former minister Jonathan Aitken");
another issue names another one that the first document never mentions.
:func:`new_subjects` reads that opening; it adds no knob (its width is the gap a passage
may bridge, ``Config.max_gap``), and names weigh by their words' rarity in the corpus.

Measured: benchmarks/RESULTS.md ("Formula notices of different issuers").
"""

from __future__ import annotations

import re

import numpy as np
from rapidfuzz.distance import Indel

from .align import Side, Span
from .openings import acronym_in, opening, read_sentences

_DIGITS = re.compile(r"\d")
# Two spellings of one name: at most a letter in five differs (of both words' letters,
# kept or dropped: "Fieldcor" / "Fidelcor", "Braodacasting" / "Broadacasting"), as
# :data:`dedup.stages.template.MISREAD_MIN_LETTERS` allows one letter in five-letter words.
MISSPELT = 0.2


def new_subjects(spans: list[Span], side_a: Side, side_b: Side, facts_a: np.ndarray, facts_b: np.ndarray,
                 texts, width: int, sentences=None) -> bool:
    """Whether a linked pair names a new subject on both sides where its first passage's
    sentence opens: the words before that passage's first equal block, back to the start
    of the sentence (a prose sentence on both sides), hold names on both sides and every
    one is new to the other document (:func:`_new_name`). A copy keeps who the story is
    about, however its lede is edited; a formula filled anew ("Murphy Oil said it
    increased its crude oil posted prices by 50 cts a barrel, effective June 17" /
    "[Southland Corp's subsidiary Citgo] Petroleum said it raised its posted prices for
    crude oil across the board by 50 cts a barrel, effective June 17") puts another
    issuer in the same place, and repeats what the day's issues share (the new price),
    which the fact judgement counts as repeated. The opening is at most ``width`` words on
    each side (``Config.max_gap``): a subject, not a sentence of its own.
    ``texts``/``sentences``: as :func:`dedup.stages.openings.with_openings`."""
    first = min(spans, key=lambda sp: (sp.a0, sp.b0), default=None)
    if first is None or first is not min(spans, key=lambda sp: (sp.b0, sp.a0)):
        return False
    equal = [blk for blk in first.blocks if blk[1] > blk[0]]
    if not equal:
        return False
    a1, b1 = equal[0][0], equal[0][2]
    lo_a, lo_b = max(a1 - width, 0), max(b1 - width, 0)
    # cheapest first, before the texts are read: on both sides a fact before the first equal
    # word, or that word one (a name's opener before it), and a word the other never has
    # (a new name has one)
    if not ((facts_a[lo_a : a1 + 1] >= 0).any() and (facts_b[lo_b : b1 + 1] >= 0).any()
            and _unshared(side_a, lo_a, a1) and _unshared(side_b, lo_b, b1)):
        return False
    doc_a, doc_b = texts()
    sent_a, sent_b = sentences() if sentences is not None else (read_sentences(doc_a), read_sentences(doc_b))
    # the prose sentence the first equal word stands in, if it starts at most width words
    # before it (else the opening is that word itself: no names)
    la, lb = opening(doc_a, lo_a, a1, sent_a), opening(doc_b, lo_b, b1, sent_b)
    names_a = _rare(side_a, _names(doc_a, facts_a, la, a1))
    names_b = _rare(side_b, _names(doc_b, facts_b, lb, b1))
    if not names_a or not names_b:
        return False
    return (all(_new_name(side_a, doc_a, doc_b, nm, names_b) for nm in names_a)
            and all(_new_name(side_b, doc_b, doc_a, nm, names_a) for nm in names_b))


def _unshared(side: Side, s: int, e: int) -> bool:
    """Whether words ``s:e`` hold one the other document never has (True when not known)."""
    return side.shared is None or not bool(side.shared[s:e].all())


def _names(doc: tuple, facts: np.ndarray, s: int, e: int) -> list[list[int]]:
    """The names among tokens ``s:e`` (facts that open with a capital letter; no figure,
    no day of a date), each as its tokens, the last one with the words it goes on with
    after ``e`` ("A New" + "York"); a capitalised sentence opener right before a name is
    its first word ("Manufacturers" + "National Bank"), as it reads."""
    text, starts, ends = doc
    n = len(starts)

    def word(k: int) -> str:
        return text[starts[k] : ends[k]]

    def name(k: int) -> bool:
        return k < n and facts[k] >= 0 and word(k)[:1].isupper() and not _DIGITS.search(word(k))

    def caps(k: int) -> bool:
        return word(k).isupper() and word(k).isalpha()

    # a lede set in capitals ("A MAN jailed for life") is type, not names
    if s + 1 < e and caps(s) and caps(s + 1):
        while s < e and caps(s):
            s += 1
    out: list[list[int]] = []
    for k in range(s, e):
        opener = k == s and word(k)[:1].isupper() and name(k + 1)
        if not (name(k) or opener):
            continue
        if out and out[-1][-1] == k - 1 and (facts[k] == facts[k - 1] or k - 1 == s):
            out[-1].append(k)
        else:
            out.append([k])
    if out:
        last = out[-1]
        k = last[-1] + 1
        while name(k) and (facts[k] == facts[last[-1]] or last[-1] == s and k == s + 1):
            last.append(k)
            k += 1
    return out


def _rare(side: Side, names: list[list[int]]) -> list[list[int]]:
    """Each name's words but the common ones ("It", "The", "Inc": in most of the other
    documents), the names left with any (all, without a corpus)."""
    if side.sig is None:
        return names
    kept = ([k for k, c in zip(nm, side.sig.common(nm[0], nm[-1] + 1).tolist()) if not c] for nm in names)
    return [nm for nm in kept if nm]


def _new_name(side: Side, doc: tuple, doc_other: tuple, name: list[int], others: list[list[int]]) -> bool:
    """Whether a name (its words but the common ones, :func:`_rare`) is new to the other
    document: its words the other never has outweigh, by their rarity, those it has
    ("Murphy Oil" beside a crude-oil notice of Citgo's is new; "Lebanese President
    Amin" beside "Lebanese President Ami n Gemayel" is not). A word spelled by an
    acronym there, or spelt nearly as a name the other side states in the same place
    (:data:`MISSPELT`), is had."""
    text, starts, ends = doc
    t2, s2, e2 = doc_other
    opening_words = [t2[s2[j] : e2[j]] for other in others for j in other]
    at = np.asarray(name)
    weight = side.sig.cum_rarity[at + 1] - side.sig.cum_rarity[at] if side.sig is not None else np.ones(len(at))
    new = old = 0.0
    for k, w in zip(name, weight.tolist()):
        word = text[starts[k] : ends[k]]
        if ((side.shared is not None and side.shared[k])
                or (_acronym_shaped(word) and acronym_in(word, doc_other))
                or any(min(len(word), len(w2)) >= 5
                       and Indel.normalized_distance(word.casefold(), w2.casefold()) <= MISSPELT
                       for w2 in opening_words)):
            old += w
        else:
            new += w
    return new > old


def _acronym_shaped(word: str) -> bool:
    """Two capitals or more ("DfEE", "NASD"): a word an acronym may be (the search reads
    the other document whole)."""
    return sum(c.isupper() for c in word) >= 2
