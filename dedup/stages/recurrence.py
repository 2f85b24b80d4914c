"""Recurrence: which lines recur across a corpus, and which of them are furniture.

The corpus is counted as reductions over partitions of documents, so no process holds
anything per document: each partition gives small sorted tables (:func:`count_part`,
then, once the recurring lines are known, :func:`carriers_part`), folded in partition
order by associative merges wherever the engine keeps them; :func:`furniture` judges
the folded tables. :class:`Recurrence` is the same judgement for recurrences counted
in one process (the reference the tests check the reductions against; the pipeline
counts lines and the passages of :mod:`dedup.stages.inline` as reductions).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .boilerplate import FurnitureKeys
from .fingerprint import segment_shingles, signatures
from .normalize import tokenize
from .segment import member_sorted, unique_sorted
from .words import merge as merge_counts, table_of_pairs
from ..storage.spill import Ragged

SAMPLE_DOCS = 64  # documents looked at per recurring line: enough for a median
REST_PERM = 32  # MinHash size for comparing what documents carry besides a recurring line
REST_MIN_TOKENS = 8  # below this a document is all recurring lines: a pure copy
MINORITY = 0.5  # verbatim-shared lines above this share of the words: copies, not furniture
# Every carrier of a source's recurring lines with at least this share of its words in lines
# the others carry verbatim: copies of one text (a story a site published several times, a
# feed's repeated records), not the source's template, however much of the source they are.
COPIES = 0.8


def _counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``x`` and how often each occurs."""
    s = np.sort(x)
    if not len(s):
        return s, np.zeros(0, np.int64)
    edges = np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])
    return s[edges[:-1]], np.diff(edges)


def _owners(first_doc: int, arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of documents ``first_doc``, ``first_doc + 1``, ... end to end, and
    the document of each entry."""
    lengths = np.fromiter(map(len, arrays), np.int64, len(arrays))
    values = np.concatenate(arrays) if arrays else np.zeros(0, np.uint64)
    return values.astype(np.uint64, copy=False), np.repeat(np.arange(first_doc, first_doc + len(arrays)), lengths)


def count_part(first_doc: int, keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, documents carrying each)`` of consecutive documents' line keys (a
    document counts once per key): a part of the corpus count, folded with
    :func:`merge_counts` in document order."""
    values, docs = _owners(first_doc, keys)
    return table_of_pairs(docs, values)


# (source number, key, documents): per source, the documents carrying each recurring line
_NO_SOURCES = (np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64))


def _first_carriers(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of ``(key, doc)`` pairs sorted by key, documents in order, the first
    ``SAMPLE_DOCS`` documents of each key."""
    if not len(keys):
        return keys, docs
    start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    rank = np.arange(len(keys)) - np.repeat(start, np.diff(np.r_[start, len(keys)]))
    keep = rank < SAMPLE_DOCS
    return keys[keep], docs[keep]


def _source_counts(src: np.ndarray, keys: np.ndarray, n: np.ndarray) -> tuple:
    """``(source, key, documents)`` summed per distinct (source, key), sorted by both."""
    order = np.lexsort((keys, src))
    src, keys, n = src[order], keys[order], n[order]
    if not len(src):
        return _NO_SOURCES
    first = np.flatnonzero(np.r_[True, (src[1:] != src[:-1]) | (keys[1:] != keys[:-1])])
    return src[first], keys[first], np.add.reduceat(n, first)


def carriers_part(first_doc: int, lines: list[tuple[np.ndarray, np.ndarray, int]], recurring: np.ndarray) -> tuple:
    """Of consecutive documents' ``(content keys, keys, source number)`` (content: not
    furniture by shape; source -1: none), for the ``recurring`` keys (sorted): a part of
    the corpus's :func:`carriers`, folded with :func:`merge_carriers` in document order."""
    content, docs = _owners(first_doc, [c for c, _, _ in lines])
    sourced = [(unique_sorted(k), s) for _, k, s in lines if s >= 0]
    keys = np.concatenate([k for k, _ in sourced]) if sourced else np.zeros(0, np.uint64)
    src = np.repeat(np.fromiter((s for _, s in sourced), np.int64, len(sourced)),
                    np.fromiter((len(k) for k, _ in sourced), np.int64, len(sourced)))
    return carriers(content, docs, keys, src, recurring)


def carriers(content: np.ndarray, docs: np.ndarray, keys: np.ndarray, src: np.ndarray, recurring: np.ndarray) -> tuple:
    """``(carriers, by_source)`` of the ``recurring`` keys (sorted). ``content``/``docs``:
    content line keys and their documents (in document order); ``keys``/``src``: each
    document's distinct keys and its source number. ``carriers``: ``(keys, docs)``, the
    first ``SAMPLE_DOCS`` documents carrying each key as content, sorted by key, then
    document; ``by_source``: ``(source, key, documents)``."""
    keep = member_sorted(content, recurring)
    content, docs = content[keep], docs[keep]
    order = np.lexsort((docs, content))
    content, docs = content[order], docs[order]
    if len(content):
        distinct = np.r_[True, (content[1:] != content[:-1]) | (docs[1:] != docs[:-1])]
        content, docs = content[distinct], docs[distinct]
    keep = member_sorted(keys, recurring)
    return _first_carriers(content, docs), _source_counts(src[keep], keys[keep], np.ones(int(keep.sum()), np.int64))


def merge_carriers(a: tuple, b: tuple) -> tuple:
    """Two :func:`carriers` tables, ``a``'s documents before ``b``'s, as one."""
    (ak, ad), asrc = a
    (bk, bd), bsrc = b
    keys, docs = np.concatenate([ak, bk]), np.concatenate([ad, bd])
    order = np.argsort(keys, kind="stable")  # a key's documents stay in order
    return (_first_carriers(keys[order], docs[order]),
            _source_counts(*(np.concatenate([x, y]) for x, y in zip(asrc, bsrc))))


@dataclass(frozen=True)
class Recurring:
    """A corpus's recurring lines, from its folded tables."""

    keys: np.ndarray  # sorted: the lines in at least ``min_docs`` documents
    carriers: tuple  # (keys, docs): the first SAMPLE_DOCS documents with each as content
    by_source: tuple  # (source number, key, documents)


def furniture(rec: Recurring, sources: list, source_docs: list[int],
              common_shares: Callable[[list[tuple[int, ...]]], list[tuple[float, float]]],
              rest_signatures: Callable[[list[int], set], dict], min_docs: int, share: float,
              similarity: float) -> FurnitureKeys:
    """Judge every recurring line (see :class:`Recurrence`). ``sources``: the names of
    the source numbers, ``source_docs``: their documents; ``common_shares(groups)``: of
    each group's documents, :func:`common_share` of their content lines;
    ``rest_signatures(doc_ids, recurring)``: {doc: :func:`rest_signature` of its lines
    that are neither shape furniture nor in ``recurring``}. The callers compute both
    where the documents are."""
    groups = groups_of(rec.carriers, min_docs)
    shares = common_shares([ds for ds, _ in groups]) if groups else []
    minority = [g for g, (median, _) in zip(groups, shares) if median < MINORITY]
    rest = rest_signatures(sorted({d for ds, _ in minority for d in ds}), set(rec.keys.tolist()))
    anywhere = judge_groups(minority, rest, similarity)
    copies = {k for (_, keys), (_, least) in zip(groups, shares) if least >= COPIES for k in keys}
    templates = source_templates(rec.by_source, sources, source_docs, min_docs, share)
    return FurnitureKeys({s: keys - copies for s, keys in templates.items()}, anywhere)


def source_templates(by_source: tuple, sources: list, source_docs: list[int], min_docs: int, share: float) -> dict:
    """Per source, the lines in at least ``share`` of its documents."""
    src, keys, n = by_source
    out: dict = {s: set() for s in sources}
    if len(keys):
        need = np.array([max(min_docs, share * c) for c in source_docs])
        hit = n >= need[src]
        for s, k in zip(src[hit].tolist(), keys[hit].tolist()):
            out[sources[s]].add(k)
    return out


def groups_of(carried: tuple, min_docs: int) -> list[tuple[tuple[int, ...], list[int]]]:
    """Recurring lines grouped by the (first ``SAMPLE_DOCS``) documents carrying them:
    a template's lines, or a story's verbatim paragraphs, are judged together."""
    keys, docs = carried
    grouped: dict[tuple, list[int]] = defaultdict(list)
    if len(keys):
        edges = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
        doc_list = docs.tolist()
        for k, s, e in zip(keys[edges[:-1]].tolist(), edges[:-1].tolist(), edges[1:].tolist()):
            if e - s >= min_docs:
                grouped[tuple(doc_list[s:e])].append(k)
    return sorted(grouped.items())


def common_share(lines: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """The median and the least share of a document's words in lines another of the
    documents has verbatim; ``lines``: each document's content line keys and their words."""
    counts = Counter(k for keys, _ in lines for k in set(keys.tolist()))
    shares = []
    for keys, ntoks in lines:
        keys, ntoks = keys.tolist(), ntoks.tolist()
        total = sum(ntoks)
        shares.append(sum(n for k, n in zip(keys, ntoks) if counts[k] >= 2) / total if total else 1.0)
    return float(np.median(shares)), float(min(shares))


class Recurrence:
    """What recurs across a corpus, counted in this process: which documents (and
    sources) carry each line.

    Two rules judge a recurring line (one in at least ``min_docs`` documents):

    * per source: it is in at least ``share`` of one source's documents (a template),
      unless every document carrying it is a copy of the others (``COPIES`` of its words
      in lines they share verbatim): a story a site published three times is no template;
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

    def recurring(self, min_docs: int) -> Recurring:
        """The tables :func:`furniture` judges, of the documents added."""
        values, counts = _counts(self._unique.values)
        keys = values[counts >= min_docs]
        n = len(self._source)
        src = np.asarray(self._source, np.int64)
        unique_src = np.repeat(src, self._unique.lengths)
        sourced = unique_src >= 0
        carried, by_source = carriers(self.content_keys.values, np.repeat(np.arange(n), self.content_keys.lengths),
                                      self._unique.values[sourced], unique_src[sourced], keys)
        return Recurring(keys, carried, by_source)

    def furniture(self, rest_signatures, min_docs, share, similarity) -> FurnitureKeys:
        """Judge every recurring line. ``rest_signatures(doc_ids, recurring)`` returns
        {doc: :func:`rest_signature` of its lines that are neither shape furniture nor
        in ``recurring``} (the caller may compute them in parallel)."""
        def shares(groups):
            return [common_share([(self.content_keys[d], self.content_ntoks[d]) for d in ds]) for ds in groups]

        names = list(self._sources)
        return furniture(self.recurring(min_docs), names, [self.source_docs[s] for s in names], shares,
                         rest_signatures, min_docs, share, similarity)


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
