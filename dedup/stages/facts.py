"""Facts: the words a template series states anew in each issue, found by their shape.

A word is a *fact* by its shape: it holds a digit or is a number spelled out
(:data:`NUMBER_WORDS`: "two billion dlrs" is the figure "2 billion dlrs" of another
issue), or it starts with a capital letter and does not start a sentence (names, months,
weekdays in cased scripts; no sentence starts after a semicolon: "P Stringer; R
Corrigan", nor after a full stop or a hyphen joined to the word: "AVMD.PA",
"Dassault-Breguet", nor after a bracket inside a sentence: "J Robinson (Sale Sharks)",
unless the bracket is a dateline's credit, "(AFP) -"). In a document whose cased words are mostly capitalised (an
all-caps text) capitals say nothing, so only figures count there. Adjacent fact words
joined by a space or one mark are one fact ("290,000", "1.9", "Chicago Mercantile
Exchange"), repeated only if all its parts are.

The template judgement (:mod:`dedup.stages.template`) reads which facts a linked pair
repeats and which it states differently; the significance score counts names and
figures both sides share as weaker evidence of copying (:mod:`dedup.stages.event`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np

from .normalize import SENTENCE_TERMINALS, token_hashes
from .segment import low_bits_filter, member_filtered

CAPS_DOC_SHARE = 0.5  # above this share of capitalised cased words, capitals carry no signal
_DIGIT = re.compile(r"\d")
# English number words and their values, read by :func:`figure_value` ("seven and a half",
# "two billion"); "nil" is zero (a rainfall table, a score).
_UNITS = {w: k for k, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())} | {"nil": 0}
_TENS = {w: 10 * k for k, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"thousand": 10**3, "million": 10**6, "millions": 10**6, "billion": 10**9, "billions": 10**9}
_FRACTIONS = {"half": 0.5, "quarter": 0.25}
# Cardinal numbers written as words are figures too ("two billion dlrs", "zwei Millionen"):
# English (the words above, and "trillion" and "dozen", which figure_value does not read)
# and the major European news languages. Words that are also common words of one of them
# ("once", "due", "dos", "sei", "cent") are left out; "one" (un, ein, uno...) counts only
# before a scale ("one billion"), as a figure's first word, not as a pronoun. Zero is a
# figure too ("null" is left out: "null and void").
_ENGLISH = (set(_UNITS) - {"one"}) | set(_TENS) | set(_SCALES) | {"hundred", "trillion", "dozen"}
NUMBER_WORDS = frozenset(_ENGLISH) | frozenset("""
    zéro cero
    deux trois quatre cinq sept huit neuf dix onze douze vingt trente quarante cinquante soixante
    mille milliard milliards
    zwei drei vier fünf sechs sieben acht neun zehn zwölf zwanzig dreißig vierzig fünfzig hundert
    tausend millionen milliarde milliarden
    tres cuatro cinco seis siete ocho nueve diez doce veinte treinta cuarenta cincuenta cien mil
    millón millones
    quattro cinque sette otto nove dieci venti trenta cento milione milioni miliardo miliardi
    dois duas três oito dez vinte trinta milhão milhões bilhão bilhões
""".split())
NUMBER_ONES = frozenset("one un une ein eine uno una um uma".split())
NUMBER_SCALES = frozenset("""hundred thousand million billion trillion dozen mille milliard hundert tausend
    milliarde cien mil millón cento milione miliardo cem milhão bilhão""".split())
_JOINERS = frozenset(" .,:/-'’")
_TABLE = 0x800  # code points looked up in a table: Latin, Greek, Cyrillic, Hebrew, Arabic
# A semicolon is no opener: the word after it goes on in lower case unless it is a name
# (a team sheet: "R O'Gara, P Stringer; R Corrigan").
_OPENERS = frozenset(SENTENCE_TERMINALS + ":\"'\u201c\u201d\u2018\u2019(\u00ab\u00bb-\u2014")
# Of those, the marks that end a sentence or a clause open one only with a space after them:
# one joined to the next word is inside a name or a code ("U.S.", "AVMD.PA", "S.A.",
# "Dassault-Breguet"), so a capital after it is a name.
# (with the full stop's fullwidth, small and one-dot-leader forms: "Ｊ．Ｐ．Ｍｏｒｇａｎ", "U․S․";
# the ideographic and other scripts' marks join words as a rule)
_TERMINALS = frozenset(SENTENCE_TERMINALS)
_CLOSERS = frozenset(".!?:-\u2014\uff0e\ufe52\u2024")
# An apostrophe after a capital letter is inside a name, not a quote that opens one: the
# capital after it goes on with the name ("O'Driscoll", "D'Arcy", "N'Golo", "L'Or\u00e9al").
# (After a small letter it is an elision, "l'Etat", "dell'Italia": left as it was.)
_APOSTROPHES = frozenset("'\u2019")


def code_points(text: str) -> np.ndarray:
    """The text's code points, indexed as ``str`` indexes it."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@cache
def _table(test) -> np.ndarray:
    """``test(chr(c))`` for the code points below :data:`_TABLE`."""
    return np.fromiter((bool(test(chr(c))) for c in range(_TABLE)), bool, _TABLE)


def char_test(cps: np.ndarray, test) -> np.ndarray:
    """``test(chr(c))`` per code point: a table lookup for the common scripts, each
    distinct code point past them tested once."""
    out = _table(test)[np.minimum(cps, _TABLE - 1)]
    far = np.flatnonzero(cps >= _TABLE)
    if len(far):
        uniq, inv = np.unique(cps[far], return_inverse=True)
        out[far] = np.fromiter((bool(test(chr(c))) for c in uniq.tolist()), bool, len(uniq))[inv]
    return out


def fact_mask(text: str, starts: np.ndarray, ends: np.ndarray, hashes: np.ndarray | None = None) -> np.ndarray:
    """Per token: -1 when it is not a fact (see the module docstring), else the index of
    the first token of its fact. A figure is one fact however the tokenizer cuts it:
    digit tokens joined by one mark ("290,000", "1.9", "7-3/4") go together, so a
    figure is repeated only when all of its parts are."""
    return fact_masks([text], [starts], [ends], None if hashes is None else [hashes])[0]


@cache
def _number_hashes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted token hashes of :data:`NUMBER_WORDS`, :data:`NUMBER_ONES`, :data:`NUMBER_SCALES`."""
    return tuple(np.unique(token_hashes(sorted(words))) for words in (NUMBER_WORDS, NUMBER_ONES, NUMBER_SCALES))


@cache
def _number_filters() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The :func:`~dedup.stages.segment.low_bits_filter` of each set of
    :func:`_number_hashes` (a search per token was about 2% of the prepare stage)."""
    return tuple(low_bits_filter(values) for values in _number_hashes())


def _spelled(hashes: np.ndarray, s: np.ndarray, e: np.ndarray, cps: np.ndarray, same_doc: np.ndarray) -> np.ndarray:
    """Per token: a number word (:data:`NUMBER_WORDS`, or a "one" before a scale word
    with a space or hyphen between)."""
    (words, ones, scales), (f_words, f_ones, f_scales) = _number_hashes(), _number_filters()
    out = member_filtered(hashes, words, f_words)
    one = (member_filtered(hashes[:-1], ones, f_ones) & member_filtered(hashes[1:], scales, f_scales) & same_doc
           & ((s[1:] - e[:-1]) == 1))
    if one.any():
        at = np.flatnonzero(one)
        out[at[(cps[e[at]] == 32) | (cps[e[at]] == 45)]] = True
    return out


def fact_masks(texts: list[str], starts: list[np.ndarray], ends: list[np.ndarray],
               hashes: list[np.ndarray] | None = None, cps: np.ndarray | None = None) -> list[np.ndarray]:
    """:func:`fact_mask` of several documents at once: their code points and tokens laid
    end to end, so a batch costs a few array operations, not a few per document.
    ``hashes``: the tokens' hashes (:mod:`dedup.stages.normalize`; None: made from the
    texts); ``cps``: :func:`code_points` of the joined texts, when already made."""
    ntok = np.fromiter((len(s) for s in starts), np.int64, len(starts))
    if not ntok.sum():
        return [np.zeros(0, dtype=np.int64) for _ in texts]
    nchar = np.fromiter((len(t) for t in texts), np.int64, len(texts))
    char_off = np.concatenate(([0], np.cumsum(nchar)[:-1]))
    tok_off = np.concatenate(([0], np.cumsum(ntok)))
    doc = np.repeat(np.arange(len(texts)), ntok)  # each token's document
    lo = char_off[doc]  # each token's document's first code point
    s = np.concatenate([np.asarray(x, dtype=np.int64) for x in starts]) + lo
    e = np.concatenate([np.asarray(x, dtype=np.int64) for x in ends]) + lo
    n = len(s)
    cps = code_points("".join(texts)) if cps is None else cps
    # a token holds a digit: digits counted over the text, compared at its two ends
    in_digits = np.concatenate(([0], np.cumsum(char_test(cps, _DIGIT.match))))
    digit = in_digits[e] > in_digits[s]
    if hashes is None:
        hashes = [token_hashes([t[a:b] for a, b in zip(np.asarray(x).tolist(), np.asarray(y).tolist())])
                  for t, x, y in zip(texts, starts, ends)]
    digit |= _spelled(np.concatenate(hashes).astype(np.uint64), s, e, cps, doc[1:] == doc[:-1])
    first = cps[s]
    upper = char_test(first, str.isupper)
    cased = ~digit & (upper | char_test(first, str.islower))
    capital = cased & upper & ~_sentence_starts(cps, s, lo, lo + nchar[doc])
    n_cased = np.bincount(doc, weights=cased, minlength=len(texts))
    n_capital = np.bincount(doc, weights=capital, minlength=len(texts))
    caps_doc = (n_cased > 0) & (n_capital > CAPS_DOC_SHARE * n_cased)
    fact = np.where(caps_doc[doc], digit, digit | capital)
    # fact tokens joined to the previous fact token (of the same document) by one mark continue its fact
    join = np.zeros(n, dtype=bool)
    gap_one = ((s[1:] - e[:-1]) == 1) & (doc[1:] == doc[:-1])
    mark = np.zeros(n - 1, dtype=bool)
    mark[gap_one] = char_test(cps[e[:-1][gap_one]], _JOINERS.__contains__)
    join[1:] = fact[1:] & fact[:-1] & mark
    head = np.maximum.accumulate(np.where(fact & ~join, np.arange(n), -1))
    out = np.where(fact, head - tok_off[doc], -1)
    return [out[a:b] for a, b in zip(tok_off[:-1].tolist(), tok_off[1:].tolist())]


_DASHES = frozenset("-\u2013\u2014")


def _credit(cps: np.ndarray, at: np.ndarray, blank: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per "(" at ``at``: whether its bracket closes on the same line and a dash follows it,
    spaces and tabs skipped (a dateline's credit, "(Reuters) -"), before ``hi``, the end
    of its text (texts laid end to end: the next one never decides)."""
    out = np.zeros(len(at), dtype=bool)
    close = np.flatnonzero(cps == 41)
    if not len(close) or not len(at):
        return out
    k = np.searchsorted(close, at)
    ok = k < len(close)
    end = close[np.minimum(k, len(close) - 1)]
    for i in np.flatnonzero(ok).tolist():
        a, e, h = int(at[i]), int(end[i]), int(hi[i])
        if e >= h or e - a > 80 or (cps[a:e] == 10).any():  # a credit is a short label on its line
            continue
        j = e + 1
        while j < h and blank[j]:
            j += 1
        out[i] = j < h and chr(int(cps[j])) in _DASHES
    return out


def _sentence_starts(cps: np.ndarray, starts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per token start: whether the word there opens a sentence, a paragraph or the text
    (the character before it, spaces and tabs skipped, ends a sentence, a closing mark
    only with a space after it, or is a line break after a blank line or before an
    indent). ``lo``, ``hi``: per token, where its text begins and ends in ``cps`` (texts
    laid end to end)."""
    blank = (cps == 32) | (cps == 9)
    idx = np.arange(len(cps))
    last = np.maximum.accumulate(np.where(blank, -1, idx))  # last non-blank at or before
    k = np.where(starts > lo, last[np.maximum(starts - 1, 0)], -1)
    out = k < lo
    has = ~out
    kk = k[has]
    ch = cps[kk]
    opener = np.zeros(0, bool)
    if len(ch):  # a closing mark joined to the word opens nothing: it is inside a name or a code
        touching = kk == starts[has] - 1
        joined = char_test(ch, _CLOSERS.__contains__) & touching
        inside = touching & (kk > lo[has]) & char_test(ch, _APOSTROPHES.__contains__)
        if inside.any():  # after a capital letter too: an apostrophe inside a name
            inside[inside] = char_test(cps[kk[inside] - 1], str.isupper)
        opener = char_test(ch, _OPENERS.__contains__) & ~joined & ~inside
        bracket = opener & (ch == 40)  # "(": opens a sentence only where one starts
        if bracket.any():
            # the mark before the bracket, spaces skipped: a bracket inside a sentence holds a
            # name ("J Robinson (Sale Sharks, capt)", "LONDON, Jan 5 (Reuters)")
            at = kk[bracket]
            before = np.where(at > lo[has][bracket], last[np.maximum(at - 1, 0)], -1)
            starts_one = before < lo[has][bracket]
            ok = ~starts_one
            if ok.any():
                prev_ch = cps[before[ok]]
                starts_one[ok] = char_test(prev_ch, _TERMINALS.__contains__) | (prev_ch == 10) | (prev_ch == 13)
            # ... unless it is a dateline's credit, closed and followed by a dash ("STAMFORD,
            # Jan 28 (AFP) -"): that opens the story, and a copy may carry another agency's
            starts_one[~starts_one] = _credit(cps, at[~starts_one], blank, hi[has][bracket][~starts_one])
            opener[bracket] = starts_one
    brk = (ch == 10) | (ch == 13)
    prev = np.where(kk > lo[has], cps[np.maximum(kk - 1, 0)], 0)
    after_blank_line = (kk > lo[has]) & ((prev == 10) | (prev == 13))
    s = starts[has]
    indent = blank[s - 1]
    out[has] = opener | (brk & (after_blank_line | indent))
    return out


# (digits bounded: a figure, not a 5,000-digit string Python would refuse to read as an int)
_NUMBER = re.compile(r"(\d[\d,]{0,30}(?:\.\d{1,30})?)([\u00bc-\u00be\u2150-\u215e]?)(?:[- ](\d{1,9})/(\d{1,9}))?")


def figure_value(words: str) -> float | None:
    """The number a stretch of text states (English number words, digits with a decimal
    point, thousands commas, a vulgar fraction or a "-3/4"), or None when it holds
    anything else. A reading of English numbers only: in other languages a figure
    spelled out still counts as a new one (:func:`dedup.stages.template.fact_evidence`)."""
    whole = _NUMBER.fullmatch(words.strip())
    if whole:
        return _digits(whole)
    total = current = 0.0
    seen = False
    for word in re.split(r"[\s\-]+", words.strip().lower()):
        m = _NUMBER.fullmatch(word)
        if m:
            current += _digits(m)
        elif word in _UNITS or word in _TENS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
        elif word == "hundred":
            current = max(current, 1.0) * 100
        elif word in _SCALES:
            total += max(current, 1.0) * _SCALES[word]
            current = 0.0
        elif word in _FRACTIONS:
            current += _FRACTIONS[word]
        elif word in ("and", "a"):
            continue
        else:
            return None
        seen = True
    return total + current if seen else None


def _digits(m: re.Match) -> float:
    """The value of a :data:`_NUMBER` match."""
    value = float(m.group(1).replace(",", "")) + (unicodedata.numeric(m.group(2)) if m.group(2) else 0.0)
    return value + (int(m.group(3)) / max(1, int(m.group(4))) if m.group(3) else 0.0)

