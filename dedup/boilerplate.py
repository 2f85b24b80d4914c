"""Boilerplate: site furniture that must never count as content or link documents.

Two kinds of evidence, both generic rather than fitted to one site:

* shape: what furniture looks like anywhere (copyright and cookie notices, share and
  navigation lines, runs of one- to three-word menu items);
* recurrence: a line that recurs verbatim across a large share of one source's
  documents is that source's template, whatever it says. When documents carry no
  source, short lines that recur in several documents are treated the same way.

Lines are judged whole; offsets always refer to the original text.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import xxhash

from .normalize import TOKEN_RE, normalize

# Notices that are furniture at any length.
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
_NAV = re.compile(r"(?:\s[|\u00b7\u2022\u00bb/]\s.*){2,}")
_END = re.compile(r"[.!?\u3002\"'\u201d]\s*$")
WEAK_MAX_TOKENS = 10
INSIDE_MAX_TOKENS = 20
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
    return np.fromiter(
        (h(normalize(text[s:e]).encode("utf-8")) for s, e in spans), dtype=np.uint64, count=len(spans)
    )


def shape_furniture(text: str, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per line: True where it looks like furniture by itself or as part of a menu run;
    and the line's number of words."""
    n = len(spans)
    ntoks = np.zeros(n, dtype=np.int64)
    mask = np.zeros(n, dtype=bool)
    short = np.zeros(n, dtype=bool)
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        ntok = ntoks[i] = sum(1 for _ in TOKEN_RE.finditer(line))
        if _STRONG.search(line) or _NAV.search(line):
            mask[i] = True
        elif ntok <= WEAK_MAX_TOKENS and _WEAK.search(line):
            mask[i] = True
        elif ntok <= INSIDE_MAX_TOKENS and _WEAK_INSIDE.search(line):
            mask[i] = True
        short[i] = ntok <= MENU_MAX_TOKENS and not _END.search(line)
    # Runs of very short unpunctuated lines are menus and link lists.
    i = 0
    while i < n:
        j = i
        while j < n and short[j]:
            j += 1
        if j - i >= MENU_MIN_RUN:
            mask[i:j] = True
        i = max(j, i + 1)
    return mask, ntoks


@dataclass
class Recurrence:
    """Counts, over a corpus, how many documents (overall and per source) carry each line."""

    docs: Counter = field(default_factory=Counter)
    per_source: dict = field(default_factory=lambda: defaultdict(Counter))
    source_docs: Counter = field(default_factory=Counter)
    short_keys: set = field(default_factory=set)

    def add(self, keys: np.ndarray, ntokens: np.ndarray, source: str | None, short_tokens: int):
        unique = set(keys.tolist())
        self.docs.update(unique)
        self.short_keys.update(k for k, n in zip(keys.tolist(), ntokens.tolist()) if n <= short_tokens)
        if source is not None:
            self.source_docs[source] += 1
            self.per_source[source].update(unique)

    def furniture(self, min_docs: int, share: float) -> "FurnitureKeys":
        """The recurring lines judged furniture: per source, and for documents without one."""
        by_source = {}
        for source, counts in self.per_source.items():
            need = max(min_docs, share * self.source_docs[source])
            by_source[source] = {k for k, c in counts.items() if c >= need}
        anywhere = {k for k in self.short_keys if self.docs[k] >= min_docs}
        return FurnitureKeys(by_source, anywhere)


@dataclass(frozen=True)
class FurnitureKeys:
    by_source: dict
    unsourced: set

    def mask(self, keys: np.ndarray, source: str | None) -> np.ndarray:
        table = self.by_source.get(source, set()) if source is not None else self.unsourced
        if not table:
            return np.zeros(len(keys), dtype=bool)
        return np.fromiter((k in table for k in keys.tolist()), dtype=bool, count=len(keys))
