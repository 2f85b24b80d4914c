"""Boilerplate: site furniture that must never count as content or link documents.

Two kinds of evidence, both generic rather than fitted to one site:

* shape: what furniture looks like anywhere (short copyright and cookie notices, share
  and navigation lines, runs of one- to three-word menu items). Shape is trusted only on
  short lines: a long line that mentions copyright or cookies is prose (or a whole page
  without line breaks) and is furniture only if it recurs;
* recurrence: a line that recurs verbatim across a large share of one source's
  documents is that source's template, whatever it says; and a recurring line whose
  documents otherwise have little in common is furniture (see
  :class:`dedup.stages.recurrence.Recurrence`).

Lines are judged whole; offsets always refer to the original text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import chain, compress, count, starmap
from operator import not_
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xxhash

from .normalize import TERMINAL_CLASS, normalize, token_count
from .segment import unique_sorted

# Notices: furniture on a line of at most ``STRONG_MAX_TOKENS`` words.
_STRONG = re.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\b|all rights reserved|"
    r"reproduction\b.{0,40}\b(?:prohibited|without)|without (?:prior )?(?:written )?permission|"
    r"\bwe use cookies\b|\bcookies?\b.{0,60}\b(?:consent|accept|settings|policy|preferences)\b|"
    r"\bprivacy policy\b|\bterms of (?:use|service)\b",
    re.I,
)
# Furniture vocabulary, trusted only on short lines (it also occurs in prose).
_WEAK = re.compile(
    r"^(?:share|print|e-?mail|tweet|comments?|advertisement|advert|sponsored|related\b|read more|"
    r"more\b|most (?:popular|read|viewed|shared)|top (?:news|stories)|back to top|subscribe|"
    r"sign (?:up|in)|log ?in|follow us|next|previous|home|menu|search|tags?\b|topics?\b|"
    r"photo|image|picture|video|gallery|source\s*:|editor\s*:|reporter\s*:|updated\b|published\b|"
    r"first published\b|last (?:modified|updated)\b|posted (?:on|at)\b)",
    re.I,
)
# The same, anywhere in a line of moderate length (bylines, app banners).
_WEAK_INSIDE = re.compile(
    r"\b(?:app download|download (?:the|our) app|click here|newsletter|editors?\s*:|"
    r"all rights|contact us|about us|share this|share on)\b",
    re.I,
)
_NAV_LINE = re.compile(r"(?:[ \t][|\u00b7\u2022\u00bb/][ \t][^\n]*){2,}")
_END = re.compile(rf"[{TERMINAL_CLASS}\"'\u201d]\s*$")
WEAK_MAX_TOKENS = 10
INSIDE_MAX_TOKENS = 20
# A notice is a sentence or two; past this a line is prose, judged by recurrence alone.
STRONG_MAX_TOKENS = 40
MENU_MAX_TOKENS = 3
MENU_MIN_RUN = 3


_LINE = re.compile(r"\S(?:[^\n]*\S)?")  # a line from its first to its last non-space character
_HASH = xxhash.xxh3_64_intdigest


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, white space trimmed."""
    return list(map(re.Match.span, _LINE.finditer(text)))


def line_keys(text: str, spans: list[tuple[int, int]]) -> np.ndarray:
    """Stable hash of each line's normalized text, for counting recurrence."""
    lines = _slices(text, spans)
    return _keys(lines, _lowered(lines))


def _slices(text: str, spans) -> list[str]:
    return list(map(text.__getitem__, starmap(slice, spans)))


def _lowered(lines: list[str]) -> list[str]:
    """Each line with backquotes as quotes, lower-cased (one call for them all: a line
    break ends a line for the case rules too)."""
    low = "\n".join(lines).replace("`", "'").lower().split("\n")
    return low if len(low) == len(lines) else [x.replace("`", "'").lower() for x in lines]


def _non_ascii(lines: list[str]) -> list[int]:
    return list(compress(count(), map(not_, map(str.isascii, lines))))


class _Joined:
    """Lines (``where``: which of them) laid end to end one line break apart, so that a
    search of them all finds each line's matches (none spans a line break)."""

    def __init__(self, lines: list[str], where: np.ndarray | None = None):
        self.where = np.arange(len(lines)) if where is None else where
        part = lines if where is None else list(map(lines.__getitem__, where.tolist()))
        self.text = "\n".join(part)
        size = np.fromiter(map(len, part), dtype=np.int64, count=len(part)) + 1
        self.start = np.cumsum(size) - size

    def _lines_at(self, pos) -> np.ndarray:
        pos = np.fromiter(pos, dtype=np.int64)
        return unique_sorted(self.where[np.searchsorted(self.start, pos, "right") - 1])

    def matching(self, pattern: re.Pattern) -> np.ndarray:
        """The lines where ``pattern`` matches."""
        return self._lines_at(map(re.Match.start, pattern.finditer(self.text)))

    def holding(self, needles: tuple[str, ...]) -> np.ndarray:
        """The lines holding any of ``needles`` (str.find outruns a regex alternation)."""
        return self._lines_at(_find_all(self.text, needles))


def _find_all(text: str, needles: tuple[str, ...]):
    for needle in needles:
        i = text.find(needle)
        while i >= 0:
            yield i
            i = text.find(needle, i + 1)


_HASHED: dict[str, int] = {}  # keys of lines that are not ASCII (mostly recurring furniture)
_HASHED_MAX, _HASHED_CHARS = 1 << 14, 512
# ASCII code classes: 1 a space, 2 a line break, 3 other white space (normalizing changes it)
_SPACE_CLASS = bytes(1 if c == 32 else 2 if c == 10 else 3 if chr(c).isspace() else 0 for c in range(256))


def _uneven(joined: _Joined) -> np.ndarray:
    """Of ASCII lines, those whose white space normalizing changes: any but single
    spaces inside."""
    text = joined.text
    if text.count("\n") != len(joined.where) - 1:  # a line holds a line break
        return joined.where
    cls = np.frombuffer(text.encode("ascii").translate(_SPACE_CLASS), dtype=np.uint8)
    gap = (cls == 1) | (cls == 2)
    edge = np.ones(len(cls), dtype=bool)  # at a space: another one or a line's edge next to it
    edge[1:] = gap[:-1]
    edge[:-1] |= gap[1:]
    edge[-1:] = True
    return joined._lines_at(np.flatnonzero((cls == 3) | ((cls == 1) & edge)))


def _keys(lines: list[str], low: list[str]) -> np.ndarray:
    """:func:`line_keys` of the lines, ``low``: :func:`_lowered` of them. An ASCII
    line's :func:`normalize` is its lowered form with spaces collapsed."""
    norm = list(low)
    other = _non_ascii(lines)
    plain = np.ones(len(lines), dtype=bool)
    plain[other] = False
    for i in _uneven(_Joined(low, np.flatnonzero(plain))).tolist():
        norm[i] = " ".join(low[i].split())
    keys = np.fromiter(map(_HASH, map(str.encode, norm)), dtype=np.uint64, count=len(lines))
    for i in other:
        line = lines[i]
        key = _HASHED.get(line)
        if key is None:
            key = _HASH(normalize(line).encode("utf-8"))
            if len(line) <= _HASHED_CHARS:
                if len(_HASHED) >= _HASHED_MAX:
                    _HASHED.clear()
                _HASHED[line] = key
        keys[i] = key
    return keys


def read_lines(texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`line_spans` (as an (n, 2) array), :func:`shape_furniture` and
    :func:`line_keys` of many texts, ``(spans, shape, ntoks, keys)`` each, judged over
    all their lines at once."""
    found = [list(_LINE.finditer(t)) for t in texts]
    lines = list(map(re.Match.group, chain.from_iterable(found)))
    spans = np.fromiter(chain.from_iterable(map(re.Match.span, chain.from_iterable(found))), np.int64,
                        2 * len(lines)).reshape(-1, 2)
    sizes = [len(f) for f in found]
    low = _lowered(lines)
    shape, ntoks = _shape(lines, low, sizes)
    keys = _keys(lines, low)
    cut = np.cumsum([0] + sizes).tolist()
    return [(spans[a:b], shape[a:b], ntoks[a:b], keys[a:b]) for a, b in zip(cut[:-1], cut[1:])]


# Cheap substring tests that every match of the pattern needs: the regexes (slow,
# case-insensitive alternations) run only on lines that pass them.
_STRONG_HINTS = ("\u00a9", "(c)", "copyright", "rights reserved", "reproduc", "permission", "cookie", "privacy", "terms of")
_INSIDE_HINTS = ("download", "click", "newsletter", "editor", "rights", "contact", "about us", "share")
_NAV_HINTS = ("|", "\u00b7", "\u2022", "\u00bb", "/")


# An ASCII line's words: runs of characters other than str.split()'s white space, hyphens, slashes
_IN_WORD = bytes(0 if chr(c).isspace() or chr(c) in "-/" else 1 for c in range(256))


def _count_words(lines: list[str]) -> np.ndarray:
    """Words per line: on an ASCII line its runs of characters other than white space,
    hyphens and slashes (close enough to regex tokens, and counted for all lines in one
    array pass), on another its regex tokens."""
    ascii_ = np.fromiter(map(str.isascii, lines), dtype=bool, count=len(lines))
    out = np.zeros(len(lines), dtype=np.int64)
    plain = list(compress(lines, ascii_))
    if plain:
        inside = np.frombuffer("\n".join(plain).encode("ascii").translate(_IN_WORD), dtype=bool)
        first = np.flatnonzero(inside[1:] & ~inside[:-1]) + 1  # a word's first character (the text's first: below)
        size = np.fromiter(map(len, plain), dtype=np.int64, count=len(plain)) + 1
        line = np.searchsorted(np.cumsum(size), first, "right")
        words = np.bincount(line, minlength=len(plain))
        words[0] += bool(inside[:1].any())
        out[ascii_] = words
    other = np.flatnonzero(~ascii_)
    out[other] = list(map(token_count, map(lines.__getitem__, other.tolist())))
    return out


def _remembered(pattern: re.Pattern, anchored: bool = False):
    """Whether ``pattern`` matches a short line (at its start when ``anchored``),
    remembered per line: the lines these patterns run on are mostly recurring
    furniture, and some patterns backtrack for microseconds a line."""
    return lru_cache(maxsize=1 << 12)(lambda line: bool((pattern.match if anchored else pattern.search)(line)))


_IS_STRONG, _IS_WEAK, _IS_WEAK_INSIDE = _remembered(_STRONG), _remembered(_WEAK, anchored=True), _remembered(_WEAK_INSIDE)


def _matching(test, where: np.ndarray, texts: list[str]) -> np.ndarray:
    """The indices in ``where`` of the ``texts`` that ``test`` matches."""
    hit = np.fromiter(map(bool, map(test, map(texts.__getitem__, where.tolist()))), dtype=bool, count=len(where))
    return where[hit]


def shape_furniture(text: str, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per line: True where it looks like furniture by itself or as part of a menu run;
    and the line's number of words."""
    lines = _slices(text, spans)
    return _shape(lines, _lowered(lines), [len(lines)])


def _shape(lines: list[str], low: list[str], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shape_furniture` of the lines of several texts (``sizes`` lines each,
    ``low``: :func:`_lowered` of them): each pattern runs only on the lines its word
    count and substring hints leave, over all the texts at once."""
    n = len(lines)
    ntoks = _count_words(lines)
    mask = np.zeros(n, dtype=bool)
    if not n:
        return mask, ntoks
    mask[_matching(_NAV_LINE.search, _Joined(lines).holding(_NAV_HINTS), lines)] = True
    few = np.flatnonzero(ntoks <= STRONG_MAX_TOKENS)
    mask[_matching(_IS_STRONG, _Joined(low, few).holding(_STRONG_HINTS), lines)] = True
    mask[_matching(_IS_WEAK, few[ntoks[few] <= WEAK_MAX_TOKENS], lines)] = True
    inside = few[ntoks[few] <= INSIDE_MAX_TOKENS]
    mask[_matching(_IS_WEAK_INSIDE, _Joined(low, inside).holding(_INSIDE_HINTS), lines)] = True
    # Runs of very short unpunctuated lines are menus and link lists (a run stays in its text).
    tiny = few[ntoks[few] <= MENU_MAX_TOKENS]
    short = np.zeros(n, dtype=bool)
    short[tiny] = True
    short[_matching(_END.search, tiny, lines)] = False
    follows = np.zeros(n, dtype=bool)
    follows[1:] = short[:-1] & short[1:]
    follows[np.cumsum([0] + sizes[:-1])[np.asarray(sizes) > 0]] = False  # a text's first line
    run = np.cumsum(short & ~follows)
    length = np.bincount(run[short], minlength=int(run[-1]) + 1 if n else 1)
    mask[short & (length[run] >= MENU_MIN_RUN)] = True
    return mask, ntoks


NEAR_RATIO = 85  # rapidfuzz ratio (0-100) at which a line is a misread copy of furniture
NEAR_PER_SOURCE = 200  # furniture lines remembered per source


class FurnitureTexts:
    """The text of recurring furniture lines, per source, to recognise OCR-damaged copies."""

    def __init__(self):
        self.texts: dict = defaultdict(dict)

    def add(self, source: str | None, lines: list[tuple[int, str]]):
        """Remember ``(key, line text)`` furniture lines of one document, in corpus order."""
        known = self.texts[source]
        for k, line in lines:
            if k not in known and len(known) < NEAR_PER_SOURCE:
                known[k] = normalize(line)

    def near(self, text: str, spans, candidates: np.ndarray, source: str | None) -> np.ndarray:
        """Among ``candidates`` lines, those within ``NEAR_RATIO`` of a known furniture line."""
        from rapidfuzz import fuzz, process

        choices = list(self.texts.get(source, {}).values()) + list(self.texts.get(None, {}).values())
        out = np.zeros(len(spans), dtype=bool)
        if not choices:
            return out
        for i, ((s, e), c) in enumerate(zip(spans, candidates.tolist())):
            if c and process.extractOne(normalize(text[s:e]), choices, scorer=fuzz.ratio, score_cutoff=NEAR_RATIO):
                out[i] = True
        return out


@dataclass(frozen=True)
class FurnitureKeys:
    """Recurring lines judged furniture: per source, and anywhere."""

    by_source: dict
    anywhere: set

    def mask(self, keys: np.ndarray, source: str | None) -> np.ndarray:
        table = self.by_source.get(source, set()) if source is not None else set()
        if not table and not self.anywhere:
            return np.zeros(len(keys), dtype=bool)
        return np.fromiter(
            (k in table or k in self.anywhere for k in keys.tolist()), dtype=bool, count=len(keys)
        )
