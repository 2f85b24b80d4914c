"""Words of the scripts written without spaces between them (Unicode Line_Break=SA:
Thai, Lao, Khmer, Myanmar, the Tai scripts).

A space there ends a phrase, not a word: as one token, a phrase that a copy edits by one
word shares nothing with its source. Each run of such letters (with their marks) is cut
into words by ICU's dictionary-based word break iteration (icu4py, which bundles ICU and
its Thai, Lao, Khmer and Burmese dictionaries): the words every system that searches
these languages uses, so a copy's tokens are its source's, and a passage's count of
tokens is a count of words as in a spaced script. Where icu4py cannot be installed
(Python 3.10), each letter with its marks is a token instead: copies still share their
tokens, but a long shared name weighs as many tokens as it has letters.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

try:  # ICU's word breaks; see the module docstring for the fallback
    from icu4py.breakers import WordBreaker
except ImportError:  # pragma: no cover - only where the wheel is missing
    WordBreaker = None


def _ranges() -> str:
    """A regex class body of the letters of the spaceless scripts (their letters lie
    below U+11800), taken from Unicode's Line_Break=SA, not from a list of blocks."""
    letter = re.compile(r"[^\W\d_]")
    cps = [m.start() for m in regex.finditer(r"\p{Line_Break=SA}", "".join(map(chr, range(0x11800))))
           if letter.match(m.group())]
    out: list[list[int]] = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in out)


SPACELESS = _ranges()
LETTER = re.compile(rf"[{SPACELESS}]")  # one letter of a spaceless script


CACHED_RUN = 256  # characters: a run longer than a phrase is cut anew (the cache holds its key)


def word_cuts(run: str) -> tuple[int, ...]:
    """Offsets inside ``run`` (letters of spaceless scripts and their marks, beginning with
    a letter) where one word ends and the next begins; news text repeats its phrases, so
    the answers for phrase-long runs are cached (a page with no spaces at all would
    otherwise keep its whole text in the cache, tens of thousands of such pages)."""
    return _cached_cuts(run) if len(run) <= CACHED_RUN else _cuts(run)


@lru_cache(maxsize=1 << 16)
def _cached_cuts(run: str) -> tuple[int, ...]:
    return _cuts(run)


def _cuts(run: str) -> tuple[int, ...]:
    if WordBreaker is not None:
        cuts, at = [], 0
        for piece in WordBreaker(run, "th"):  # the dictionaries serve every SA script, whatever the locale
            at += len(piece)
            cuts.append(at)
        return tuple(cuts[:-1])
    return tuple(i for i in range(1, len(run)) if LETTER.match(run, i))  # a token per letter and its marks

