"""Recurrence: which lines recur across a corpus, and which of them are furniture.

Counting is done on arrays (one entry per distinct line of each document), so a corpus
of millions of documents costs a few hundred bytes per document, not a dict entry per
line.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from .boilerplate import FurnitureKeys
from .fingerprint import segment_shingles, signatures
from .normalize import tokenize
from .segment import member_sorted, unique_sorted
from ..storage.spill import Ragged

SAMPLE_DOCS = 64  # documents looked at per recurring line: enough for a median
REST_PERM = 32  # MinHash size for comparing what documents carry besides a recurring line
REST_MIN_TOKENS = 8  # below this a document is all recurring lines: a pure copy
MINORITY = 0.5  # verbatim-shared lines above this share of the words: copies, not furniture


def _counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``x`` and how often each occurs."""
    s = np.sort(x)
    if not len(s):
        return s, np.zeros(0, np.int64)
    edges = np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])
    return s[edges[:-1]], np.diff(edges)


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

    def __init__(self):
        self._unique = Ragged(np.uint64)  # per document: its distinct line keys
        self._source: list[int] = []  # per document: source number, -1 for none
        self._sources: dict[str, int] = {}
        self.source_docs: Counter = Counter()
        self.content_keys = Ragged(np.uint64)  # per document: keys of lines not furniture by shape
        self.content_ntoks = Ragged(np.int32)

    def add(self, keys: np.ndarray, ntoks: np.ndarray, shape: np.ndarray, source: str | None):
        self._unique.append(unique_sorted(keys))
        self.content_keys.append(keys[~shape])
        self.content_ntoks.append(ntoks[~shape])
        if source is not None:
            self.source_docs[source] += 1
            self._source.append(self._sources.setdefault(source, len(self._sources)))
        else:
            self._source.append(-1)

    def furniture(self, rest_signatures, min_docs, share, similarity) -> FurnitureKeys:
        """Judge every recurring line. ``rest_signatures(doc_ids, recurring)`` returns
        {doc: :func:`rest_signature` of its lines that are neither shape furniture nor
        in ``recurring``} (the caller may compute them in parallel)."""
        values, counts = _counts(self._unique.values)
        recurring_sorted = values[counts >= min_docs]
        recurring = set(recurring_sorted.tolist())
        groups = self.groups(recurring_sorted, min_docs)
        minority = [g for g in groups if self._common_share(g[0]) < MINORITY]
        rest = rest_signatures(sorted({d for ds, _ in minority for d in ds}), recurring)
        anywhere = judge_groups(minority, rest, similarity)
        return FurnitureKeys(self.source_templates(recurring_sorted, min_docs, share), anywhere)

    def source_templates(self, recurring_sorted: np.ndarray, min_docs: int, share: float) -> dict:
        """Per source, the lines in at least ``share`` of its documents."""
        keys = self._unique.values
        doc = np.repeat(np.arange(len(self._unique)), self._unique.lengths)
        src = np.asarray(self._source, dtype=np.int64)[doc]
        keep = (src >= 0) & member_sorted(keys, recurring_sorted)
        keys, src = keys[keep], src[keep]
        order = np.lexsort((keys, src))
        keys, src = keys[order], src[order]
        out: dict = {s: set() for s in self._sources}
        if len(keys):
            edges = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (src[1:] != src[:-1]), True])
            n = np.diff(edges)
            first = edges[:-1]
            names = {i: s for s, i in self._sources.items()}
            need = np.array([max(min_docs, share * self.source_docs[names[i]]) for i in range(len(names))])
            hit = n >= need[src[first]]
            for s, k in zip(src[first][hit].tolist(), keys[first][hit].tolist()):
                out[names[s]].add(k)
        return out

    def _common_share(self, ds: tuple[int, ...]) -> float:
        """Median share of a document's words in lines another of ``ds`` has verbatim."""
        counts = Counter(k for d in ds for k in set(self.content_keys[d].tolist()))
        shares = []
        for d in ds:
            keys, ntoks = self.content_keys[d].tolist(), self.content_ntoks[d].tolist()
            total = sum(ntoks)
            shares.append(sum(n for k, n in zip(keys, ntoks) if counts[k] >= 2) / total if total else 1.0)
        return float(np.median(shares))

    def groups(self, recurring_sorted: np.ndarray, min_docs: int) -> list[tuple[tuple[int, ...], list[int]]]:
        """Recurring lines grouped by the (first ``SAMPLE_DOCS``) documents carrying them:
        a template's lines, or a story's verbatim paragraphs, are judged together."""
        keys = self.content_keys.values
        doc = np.repeat(np.arange(len(self.content_keys)), self.content_keys.lengths)
        keep = member_sorted(keys, recurring_sorted)
        keys, doc = keys[keep], doc[keep]
        order = np.lexsort((doc, keys))
        keys, doc = keys[order], doc[order]
        grouped: dict[tuple, list[int]] = defaultdict(list)
        if len(keys):
            distinct = np.r_[True, (keys[1:] != keys[:-1]) | (doc[1:] != doc[:-1])]
            keys, doc = keys[distinct], doc[distinct]
            edges = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
            docs = doc.tolist()
            for k, s, e in zip(keys[edges[:-1]].tolist(), edges[:-1].tolist(), edges[1:].tolist()):
                if min(e - s, SAMPLE_DOCS) >= min_docs:
                    grouped[tuple(docs[s : min(e, s + SAMPLE_DOCS)])].append(k)
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
    return rest_signatures([(text, spans, shape, keys)], recurring, shingle_size, seed)[0]


def rest_signatures(docs, recurring: set, shingle_size: int, seed: int) -> list:
    """:func:`rest_signature` of many documents, ``(text, spans, shape, keys)`` each: their
    kept lines are laid end to end as one text (a line break between any two, so each
    line gives its own tokens), tokenized, shingled and MinHashed in one call each, not
    once per document."""
    pieces = []
    for text, spans, shape, keys in docs:
        keep = ~shape & ~np.fromiter((x in recurring for x in keys.tolist()), bool, len(keys))
        pieces.append("\n".join([text[s:e] for (s, e), k in zip(spans, keep.tolist()) if k]))
    starts, _, hashes = tokenize("\n".join(pieces))
    size = np.fromiter(map(len, pieces), np.int64, len(pieces)) + 1
    bounds = np.append(np.searchsorted(starts, np.cumsum(size) - size), len(hashes))  # each document's first token
    count = np.diff(bounds)
    kept = count >= REST_MIN_TOKENS
    cut = np.concatenate(([0], np.cumsum(count[kept])))
    sh, owner = segment_shingles(hashes[np.repeat(kept, count)], cut, shingle_size)  # shingle_size <= REST_MIN_TOKENS
    sigs = signatures(sh, owner, len(cut) - 1, REST_PERM, seed)
    out = [None] * len(pieces)
    for k, row in zip(np.flatnonzero(kept).tolist(), sigs):
        out[k] = row
    return out
