"""Normalize/segment over a corpus: furniture judged by how lines recur, content
tokenized and segmented, word document frequencies, OCR-damaged documents flagged.

Per-document work runs on ``jobs`` processes (see :mod:`dedup.parallel`); the corpus
statistics between the two passes are gathered here, in order, so the result does not
depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import boilerplate, metadata
from .config import Config
from .models import Document
from .parallel import chunks, run
from .provenance import DocFacts
from .segment import Prepared, paragraphs, prepare, unique_sorted

Progress = Callable[[str, int, int], None]
NOISY_SHARE = 0.06  # clean news has <5% one-off words in 95% of documents; OCR'd text more
NOISY_MIN_TOKENS = 20
CHUNK = 256  # documents per task


def _noop(stage: str, done: int, total: int) -> None:
    pass


def facts_of(doc: Document, content_lines: list[str] | None = None) -> DocFacts:
    """Metadata for provenance: what the record gives, else what the text shows."""
    date = metadata.parse_date(doc.date) if doc.date else None
    if date is None:
        date = metadata.find_date(doc.text)
    title = doc.title or metadata.find_title(doc.text, content_lines)
    return DocFacts(doc.id, title, date, doc.source, tuple(metadata.find_credits(doc.text)))


def _lines_of(docs: Sequence[Document], rng: tuple[int, int]):
    out = []
    for doc in docs[rng[0] : rng[1]]:
        spans = boilerplate.line_spans(doc.text)
        shape, ntoks = boilerplate.shape_furniture(doc.text, spans)
        out.append((spans, shape, ntoks, boilerplate.line_keys(doc.text, spans)))
    return out


def _rest_range(state, rng: tuple[int, int]):
    docs, lines, ids, recurring, cfg = state
    out = []
    for d in ids[rng[0] : rng[1]]:
        spans, shape, _, keys = lines[d]
        out.append(boilerplate.rest_signature(docs[d].text, spans, shape, keys, recurring, cfg.shingle_size, cfg.seed))
    return out


def _prepare_range(state, rng: tuple[int, int]):
    docs, lines, furniture, cfg = state
    out = []
    for k in range(*rng):
        doc = docs[k]
        spans, shape, _, keys = lines[k]
        recurring = furniture.mask(keys, doc.source)
        drop = shape | recurring
        p = prepare(k, doc.text, paragraphs(doc.text, spans, ~drop), cfg.segment_tokens)
        p.text = None  # the parent has the text; do not ship it back
        head = [doc.text[s:e] for (s, e), d in zip(spans[: metadata.HEAD_LINES], drop.tolist()) if not d]
        out.append((p, facts_of(doc, head), recurring & ~shape, drop))
    return out


def prepare_corpus(docs: Sequence[Document], cfg: Config, progress: Progress = _noop, jobs: int = 1):
    """Classify lines, judge recurring furniture across the corpus, tokenize the content.

    Returns the prepared documents (with word document frequencies set) and their facts.
    """
    n = len(docs)
    ranges = chunks(n, CHUNK)
    lines = []
    recurrence = boilerplate.Recurrence()
    for part in run(_lines_of, docs, ranges, jobs):
        for k, (spans, shape, ntoks, keys) in enumerate(part, start=len(lines)):
            recurrence.add(keys, ntoks, shape, docs[k].source)
        lines.extend(part)
        progress("read", len(lines), n)
    def rest_signatures(ids: list[int], recurring: set) -> dict:
        state = (docs, lines, ids, recurring, cfg)
        sigs = [sig for part in run(_rest_range, state, chunks(len(ids), CHUNK), jobs) for sig in part]
        return dict(zip(ids, sigs))

    furniture = recurrence.furniture(
        rest_signatures, cfg.boilerplate_min_docs, cfg.boilerplate_share, cfg.boilerplate_similarity
    )
    prepared, facts, drops = [], [], []
    seen_furniture = boilerplate.FurnitureTexts()
    for part in run(_prepare_range, (docs, lines, furniture, cfg), ranges, jobs):
        for p, f, recurring, drop in part:
            k = p.index
            p.text = docs[k].text
            seen_furniture.add(docs[k].text, lines[k][0], lines[k][3], recurring, docs[k].source)
            prepared.append(p)
            facts.append(f)
            drops.append(drop)
        progress("segment", len(prepared), n)
    table = document_frequencies(prepared)
    # OCR-damaged copies of furniture are not verbatim; drop the lines close to known ones.
    # (The corpus counts keep the dropped lines' words: a few documents' worth, and
    # recounting everything for them would double this stage.)
    for k, p in enumerate(prepared):
        if p.noisy:
            spans = lines[k][0]
            near = seen_furniture.near(docs[k].text, spans, ~drops[k], docs[k].source)
            if near.any():
                paras = paragraphs(docs[k].text, spans, ~(drops[k] | near))
                prepared[k] = prepare(k, docs[k].text, paras, cfg.segment_tokens)
                prepared[k].vocab = unique_sorted(prepared[k].hashes)
                _set_df(prepared[k], *table)
                prepared[k].noisy = True
    return prepared, facts


def document_frequencies(prepared: Sequence[Prepared]) -> tuple[np.ndarray, np.ndarray]:
    """Set each document's ``df`` (how many documents of the corpus carry each of its
    words) and ``noisy`` flag; return the corpus table (sorted words, counts)."""
    for p in prepared:
        p.vocab = unique_sorted(p.hashes)
    allh = np.sort(np.concatenate([p.vocab for p in prepared])) if prepared else np.zeros(0, np.uint64)
    edges = np.flatnonzero(np.r_[True, allh[1:] != allh[:-1], True]) if len(allh) else np.zeros(1, np.int64)
    values, counts = allh[edges[:-1]], np.diff(edges)
    for p in prepared:
        _set_df(p, values, counts)
        p.noisy = is_noisy(p, len(prepared))
    return values, counts


def is_noisy(p: Prepared, n_docs: int) -> bool:
    """Misread words occur nowhere else: a high share of one-off words marks OCR damage."""
    return n_docs > 2 and p.ntokens >= NOISY_MIN_TOKENS and float((p.df == 1).mean()) >= NOISY_SHARE


def _set_df(p: Prepared, values: np.ndarray, counts: np.ndarray) -> None:
    p.df = counts[np.searchsorted(values, p.hashes)].astype(np.int32) if len(p.hashes) else np.zeros(0, np.int32)


