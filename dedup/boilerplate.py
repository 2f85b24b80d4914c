"""Boilerplate: site furniture that must never count as content or link documents.

Two kinds of evidence, both generic rather than fitted to one site:

* shape: what furniture looks like anywhere (copyright and cookie notices, share and
  navigation lines, runs of one- to three-word menu items);
* recurrence: a line that recurs verbatim across a large share of one source's
  documents is that source's template, whatever it says; and a recurring line whose
  documents otherwise have little in common is furniture (see :class:`Recurrence`).

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


SAMPLE_DOCS = 64  # documents looked at per recurring line: enough for a median


@dataclass
class _DocLines:
    keys: np.ndarray
    ntoks: np.ndarray
    shape: np.ndarray


@dataclass
class Recurrence:
    """What recurs across a corpus: which documents (and sources) carry each line.

    Two rules judge a recurring line (one in at least ``min_docs`` documents):

    * per source: it is in at least ``share`` of one source's documents (a template);
    * minority: in the documents that carry it, the lines they have in common make up
      less than ``minority`` of their words. Syndicated copies have most of their text
      in common; documents that share only a site's furniture have their own stories as
      the bulk. This needs no source, and it is how the corpus, not a rule list, decides.
    """

    docs: Counter = field(default_factory=Counter)
    per_source: dict = field(default_factory=lambda: defaultdict(Counter))
    source_docs: Counter = field(default_factory=Counter)
    lines: list = field(default_factory=list)
    sources: list = field(default_factory=list)

    def add(self, keys: np.ndarray, ntokens: np.ndarray, shape: np.ndarray, source: str | None):
        unique = set(keys.tolist())
        self.docs.update(unique)
        self.lines.append(_DocLines(keys, ntokens, shape))
        self.sources.append(source)
        if source is not None:
            self.source_docs[source] += 1
            self.per_source[source].update(unique)

    def furniture(self, min_docs: int, share: float, minority: float) -> "FurnitureKeys":
        by_source = {}
        for source, counts in self.per_source.items():
            need = max(min_docs, share * self.source_docs[source])
            by_source[source] = {k for k, c in counts.items() if c >= need}
        return FurnitureKeys(by_source, self._minority(min_docs, minority))

    def _minority(self, min_docs: int, minority: float) -> set:
        recurring = {k for k, c in self.docs.items() if c >= min_docs}
        if not recurring:
            return set()
        postings: dict[int, list[int]] = defaultdict(list)
        for d, dl in enumerate(self.lines):
            for k in set(dl.keys[~dl.shape].tolist()) & recurring:
                if len(postings[k]) < SAMPLE_DOCS:
                    postings[k].append(d)
        # Lines of one template (or one story) are carried by the same documents:
        # judge each such group once.
        groups: dict[tuple, list[int]] = defaultdict(list)
        for k, ds in postings.items():
            groups[tuple(ds)].append(k)
        out = set()
        for ds, keys in groups.items():
            if len(ds) < min_docs:
                continue
            counts = Counter(k for d in ds for k in set(self.lines[d].keys.tolist()))
            shares = []
            for d in ds:
                dl = self.lines[d]
                content = ~dl.shape
                total = int(dl.ntoks[content].sum())
                common = sum(
                    n for k, n, c in zip(dl.keys.tolist(), dl.ntoks.tolist(), content.tolist()) if c and counts[k] >= 2
                )
                shares.append(common / total if total else 1.0)
            if float(np.median(shares)) < minority:
                out.update(keys)
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
