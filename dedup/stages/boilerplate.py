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
from dataclasses import dataclass

import numpy as np
import xxhash

from .normalize import TOKEN_RE, normalize

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
    r"photo|image|picture|video|gallery|source\s*:|editor\s*:|reporter\s*:|updated\b|published\b)",
    re.I,
)
# The same, anywhere in a line of moderate length (bylines, app banners).
_WEAK_INSIDE = re.compile(
    r"\b(?:app download|download (?:the|our) app|click here|newsletter|editors?\s*:|"
    r"all rights|contact us|about us|share this|share on)\b",
    re.I,
)
_NAV_LINE = re.compile(r"(?:[ \t][|\u00b7\u2022\u00bb/][ \t][^\n]*){2,}")
_END = re.compile(r"[.!?\u3002\"'\u201d]\s*$")
WEAK_MAX_TOKENS = 10
INSIDE_MAX_TOKENS = 20
# A notice is a sentence or two; past this a line is prose, judged by recurrence alone.
STRONG_MAX_TOKENS = 40
MENU_MAX_TOKENS = 3
MENU_MIN_RUN = 3


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, white space trimmed."""
    spans = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + raw.find(stripped[0])
            spans.append((start, start + len(stripped)))
        pos += len(raw) + 1
    return spans


def line_keys(text: str, spans: list[tuple[int, int]]) -> np.ndarray:
    """Stable hash of each line's normalized text, for counting recurrence."""
    h = xxhash.xxh3_64_intdigest
    if text.isascii():  # normalize() of an ASCII line: its slice of the text folded once, spaces collapsed
        low = text.replace("`", "'").lower()
        return np.fromiter((h(" ".join(low[s:e].split()).encode()) for s, e in spans), dtype=np.uint64, count=len(spans))
    return np.fromiter(
        (h(normalize(text[s:e]).encode("utf-8")) for s, e in spans), dtype=np.uint64, count=len(spans)
    )


# Cheap substring tests that every match of the pattern needs: the regexes (slow,
# case-insensitive alternations) run only on lines that pass them.
_STRONG_HINTS = ("\u00a9", "(c)", "copyright", "rights reserved", "reproduc", "permission", "cookie", "privacy", "terms of")
_INSIDE_HINTS = ("download", "click", "newsletter", "editor", "rights", "contact", "about us", "share")
_NAV_HINTS = ("|", "\u00b7", "\u2022", "\u00bb", "/")


_STRONG_HINT = re.compile("|".join(map(re.escape, _STRONG_HINTS)))  # substring tests, one call
_INSIDE_HINT = re.compile("|".join(map(re.escape, _INSIDE_HINTS)))
_NAV_HINT = re.compile("|".join(map(re.escape, _NAV_HINTS)))


def _count_words(line: str) -> int:
    if line.isascii():  # white-space words equal regex tokens closely enough for ASCII
        return len(line.replace("-", " ").replace("/", " ").split())
    return sum(1 for _ in TOKEN_RE.finditer(line))


def shape_furniture(text: str, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per line: True where it looks like furniture by itself or as part of a menu run;
    and the line's number of words."""
    n = len(spans)
    ntoks = [0] * n
    mask = [False] * n
    short = [False] * n
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        ntok = ntoks[i] = _count_words(line)
        if ntok <= STRONG_MAX_TOKENS:
            low = line.lower()
            mask[i] = bool(
                (_STRONG_HINT.search(low) and _STRONG.search(line))
                or (_NAV_HINT.search(line) and _NAV_LINE.search(line))
                or (ntok <= WEAK_MAX_TOKENS and _WEAK.match(line))
                or (ntok <= INSIDE_MAX_TOKENS and _INSIDE_HINT.search(low) and _WEAK_INSIDE.search(line))
            )
            short[i] = ntok <= MENU_MAX_TOKENS and not _END.search(line)
        elif _NAV_HINT.search(line) and _NAV_LINE.search(line):
            mask[i] = True
    # Runs of very short unpunctuated lines are menus and link lists.
    i = 0
    while i < n:
        j = i
        while j < n and short[j]:
            j += 1
        if j - i >= MENU_MIN_RUN:
            mask[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    return np.array(mask, dtype=bool), np.array(ntoks, dtype=np.int64)


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
