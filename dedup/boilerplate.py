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

from .fingerprint import combine, signatures
from .normalize import TOKEN_RE, normalize, tokenize

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
_NAV_LINE = re.compile(r"(?:[ \t][|\u00b7\u2022\u00bb/][ \t][^\n]*){2,}")
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


# Cheap substring tests that every match of the pattern needs: the regexes (slow,
# case-insensitive alternations) run only on lines that pass them.
_STRONG_HINTS = ("\u00a9", "(c)", "copyright", "rights reserved", "reproduc", "permission", "cookie", "privacy", "terms of")
_INSIDE_HINTS = ("download", "click", "newsletter", "editor", "rights", "contact", "about us", "share")
_NAV_HINTS = ("|", "\u00b7", "\u2022", "\u00bb", "/")


def _hinted(low: str, hints: tuple[str, ...]) -> bool:
    return any(h in low for h in hints)


def _count_words(line: str) -> int:
    if line.isascii():  # white-space words equal regex tokens closely enough for ASCII
        return len(line.replace("-", " ").replace("/", " ").split())
    return sum(1 for _ in TOKEN_RE.finditer(line))


def shape_furniture(text: str, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per line: True where it looks like furniture by itself or as part of a menu run;
    and the line's number of words."""
    n = len(spans)
    ntoks = np.zeros(n, dtype=np.int64)
    mask = np.zeros(n, dtype=bool)
    short = np.zeros(n, dtype=bool)
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        low = line.lower()
        ntok = ntoks[i] = _count_words(line)
        if (_hinted(low, _STRONG_HINTS) and _STRONG.search(line)) or (
            _hinted(line, _NAV_HINTS) and _NAV_LINE.search(line)
        ):
            mask[i] = True
        elif ntok <= WEAK_MAX_TOKENS and _WEAK.match(line):
            mask[i] = True
        elif ntok <= INSIDE_MAX_TOKENS and _hinted(low, _INSIDE_HINTS) and _WEAK_INSIDE.search(line):
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
REST_PERM = 32  # MinHash size for comparing what documents carry besides a recurring line
REST_MIN_TOKENS = 8  # below this a document is all recurring lines: a pure copy
MINORITY = 0.5  # verbatim-shared lines above this share of the words: copies, not furniture


@dataclass
class Recurrence:
    """What recurs across a corpus: which documents (and sources) carry each line.

    Two rules judge a recurring line (one in at least ``min_docs`` documents):

    * per source: it is in at least ``share`` of one source's documents (a template);
    * otherwise unrelated: the documents that carry it have little else in common.
      Two tests must agree. The lines those documents share verbatim make up a minority
      of their words (verbatim copies fail this), and what each carries *besides*
      recurring lines is dissimilar (edited copies of one story fail this). Documents
      that share only a site's furniture pass both. No source needed: the corpus decides.
    """

    docs: Counter = field(default_factory=Counter)
    per_source: dict = field(default_factory=lambda: defaultdict(Counter))
    source_docs: Counter = field(default_factory=Counter)
    content_keys: list = field(default_factory=list)
    content_ntoks: list = field(default_factory=list)

    def add(self, keys: np.ndarray, ntoks: np.ndarray, shape: np.ndarray, source: str | None):
        unique = set(keys.tolist())
        self.docs.update(unique)
        self.content_keys.append(keys[~shape])
        self.content_ntoks.append(ntoks[~shape])
        if source is not None:
            self.source_docs[source] += 1
            self.per_source[source].update(unique)

    def source_templates(self, min_docs: int, share: float) -> dict:
        """Per source, the lines in at least ``share`` of its documents."""
        out = {}
        for source, counts in self.per_source.items():
            need = max(min_docs, share * self.source_docs[source])
            out[source] = {k for k, c in counts.items() if c >= need}
        return out

    def furniture(self, rest_signatures, min_docs, share, similarity) -> "FurnitureKeys":
        """Judge every recurring line. ``rest_signatures(doc_ids, recurring)`` returns
        {doc: :func:`rest_signature` of its lines that are neither shape furniture nor
        in ``recurring``} (the caller may compute them in parallel)."""
        recurring = self.recurring(min_docs)
        groups = self.groups(recurring, min_docs)
        minority = [g for g in groups if self._common_share(g[0]) < MINORITY]
        rest = rest_signatures(sorted({d for ds, _ in minority for d in ds}), recurring)
        anywhere = judge_groups(minority, rest, similarity)
        return FurnitureKeys(self.source_templates(min_docs, share), anywhere)

    def _common_share(self, ds: tuple[int, ...]) -> float:
        """Median share of a document's words in lines another of ``ds`` has verbatim."""
        counts = Counter(k for d in ds for k in set(self.content_keys[d].tolist()))
        shares = []
        for d in ds:
            keys, ntoks = self.content_keys[d].tolist(), self.content_ntoks[d].tolist()
            total = sum(ntoks)
            shares.append(sum(n for k, n in zip(keys, ntoks) if counts[k] >= 2) / total if total else 1.0)
        return float(np.median(shares))

    def recurring(self, min_docs: int) -> set:
        return {k for k, c in self.docs.items() if c >= min_docs}

    def groups(self, recurring: set, min_docs: int) -> list[tuple[tuple[int, ...], list[int]]]:
        """Recurring lines grouped by the (first ``SAMPLE_DOCS``) documents carrying them:
        a template's lines, or a story's verbatim paragraphs, are judged together."""
        postings: dict[int, list[int]] = defaultdict(list)
        for d, keys in enumerate(self.content_keys):
            for k in set(keys.tolist()) & recurring:
                if len(postings[k]) < SAMPLE_DOCS:
                    postings[k].append(d)
        grouped: dict[tuple, list[int]] = defaultdict(list)
        for k, ds in postings.items():
            if len(ds) >= min_docs:
                grouped[tuple(ds)].append(k)
        return sorted(grouped.items())


def judge_groups(groups, rest_sigs: dict, similarity: float) -> set:
    """The recurring lines whose documents are otherwise dissimilar: for each document,
    its best MinHash similarity to another carrier; furniture when the median is low."""
    out = set()
    for ds, keys in groups:
        sigs = [rest_sigs[d] for d in ds]
        real = [s for s in sigs if s is not None]
        best = np.ones(len(ds))
        if len(real) >= 2:
            mat = np.stack(real)
            sim = (mat[:, None, :] == mat[None, :, :]).mean(axis=2)
            np.fill_diagonal(sim, 0.0)
            best_real = sim.max(axis=1)
            best[[i for i, s in enumerate(sigs) if s is not None]] = best_real
        elif len(real) == 1:
            best[[i for i, s in enumerate(sigs) if s is not None]] = 0.0
        if float(np.median(best)) < similarity:
            out.update(keys)
    return out


def rest_signature(text: str, spans, shape: np.ndarray, keys: np.ndarray, recurring: set, shingle_size: int, seed: int):
    """MinHash of a document's lines that are neither furniture by shape nor recurring
    (None when they hold too few words)."""
    keep = ~shape & ~np.fromiter((x in recurring for x in keys.tolist()), bool, len(keys))
    parts = [tokenize(text, s, e)[2] for (s, e), k in zip(spans, keep.tolist()) if k]
    hashes = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
    if len(hashes) < REST_MIN_TOKENS:
        return None
    sh = combine(hashes, min(shingle_size, len(hashes)))
    return signatures(sh, np.zeros(len(sh), dtype=np.int64), 1, REST_PERM, seed)[0]


NEAR_RATIO = 85  # rapidfuzz ratio (0-100) at which a line is a misread copy of furniture
NEAR_PER_SOURCE = 200  # furniture lines remembered per source


class FurnitureTexts:
    """The text of recurring furniture lines, per source, to recognise OCR-damaged copies."""

    def __init__(self):
        self.texts: dict = defaultdict(dict)

    def add(self, text: str, spans, keys: np.ndarray, mask: np.ndarray, source: str | None):
        known = self.texts[source]
        for (s, e), k, m in zip(spans, keys.tolist(), mask.tolist()):
            if m and k not in known and len(known) < NEAR_PER_SOURCE:
                known[k] = normalize(text[s:e])

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
