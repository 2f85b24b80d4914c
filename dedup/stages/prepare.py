"""Normalize/segment over a corpus: furniture judged by how lines recur, content
tokenized and segmented, word document frequencies, OCR-damaged documents flagged.

The corpus streams through in three passes over the documents on disk (lines, then
furniture judged across the corpus, then content), each a stage function an
engine maps over partitions; what the passes keep is written to the run's workspace, so memory grows
with the number of documents, not with their text. Corpus statistics (line
recurrence, word and n-gram document frequencies) are reductions: per-partition
tables folded in id order wherever the engine keeps them, so nothing depends on the
number of workers or where they ran.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from . import boilerplate, inline, metadata, recurrence
from ..config import Config
from ..models import Document
from .provenance import DocFacts
from .recurrence import rest_signatures
from .segment import Prepared, marks_many, paragraphs, prepare, span_tokens_many
from .facts import code_points, fact_mask, fact_masks
from ..storage.keyparts import KeyParts, split_by_key
from ..storage.spill import Records
from .words import merge, one_off_words, phrase_entries, shared_counts, totals, vocab_table
from ..storage.workspace import DocStore, PreparedStore, packed

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine

Progress = Callable[[str, int, int], None]
NOISY_SHARE = 0.06  # clean news has <5% one-off words in 95% of documents; OCR'd text more
NOISY_MIN_TOKENS = 20
NOISY_MIN_WORDS = 3  # OCR misreads several different words; one rare name said twice is no damage
CHUNK = 256  # documents per task


def _noop(stage: str, done: int, total: int) -> None:
    pass


def facts_of(doc: Document, content_lines: list[str] | None = None, date_order: str = "DMY") -> DocFacts:
    """Metadata for provenance: what the record gives, else what the text's head shows.

    ``date_order``: how all-numeric dates whose day and month could swap are read."""
    head = metadata.head_region(doc.text)  # read once for the date and the credits
    date = metadata.parse_record_date(doc.date, date_order) if doc.date else None
    if date is None:
        date = metadata.find_date(doc.text, date_order, head)
    title = doc.title or metadata.find_title(doc.text, content_lines)
    return DocFacts(doc.id, title, date, doc.source, tuple(metadata.find_credits(doc.text, head)))


def pack_lines(spans: list, shape: np.ndarray, ntoks: np.ndarray, keys: np.ndarray) -> bytes:
    head = np.array([len(spans)], dtype=np.int64)
    return b"".join([head.tobytes(), keys.astype(np.uint64).tobytes(), np.asarray(spans, np.int32).reshape(-1, 2).tobytes(),
                     ntoks.astype(np.int32).tobytes(), shape.astype(np.uint8).tobytes()])


def unpack_lines(data: bytes):
    """``(spans, shape, ntoks, keys)`` of one document's lines."""
    return ([tuple(x) for x in _line_spans(data).tolist()], *_line_arrays(data))


def _line_spans(data: bytes) -> np.ndarray:
    """(n, 2) ``spans`` of one document's lines (:func:`unpack_lines` without the rest)."""
    n = int(np.frombuffer(data, np.int64, 1)[0])
    return np.frombuffer(data, np.int32, 2 * n, 8 + 8 * n).reshape(-1, 2)


def _line_arrays(data: bytes):
    """``(shape, ntoks, keys)`` of one document's lines (:func:`unpack_lines` without the spans)."""
    n = int(np.frombuffer(data, np.int64, 1)[0])
    keys = np.frombuffer(data, np.uint64, n, 8)
    ntoks = np.frombuffer(data, np.int32, n, 8 + 16 * n)
    shape = np.frombuffer(data, np.uint8, n, 8 + 20 * n).astype(bool)
    return shape, ntoks, keys


def _lines_range(docs: DocStore, rng: tuple[int, int]):
    """The range's packed lines, and its part of the corpus line count and of its
    content words (a reduction: folded where the engine keeps the parts)."""
    read = boilerplate.read_lines([docs.text(k) for k in range(*rng)])
    tokens = sum(int(ntoks[~shape].sum()) for _, shape, ntoks, _ in read)
    return [pack_lines(*x) for x in read], (recurrence.count_part(rng[0], [x[3] for x in read]), tokens)


def _merge_lines(a: tuple, b: tuple) -> tuple:
    return recurrence.merge_counts(a[0], b[0]), a[1] + b[1]


def _carriers_range(state, rng: tuple[int, int]):
    """The range's part of the recurring lines' carriers (:func:`recurrence.carriers_part`)."""
    docs, lines, numbers, recurring = state
    part = []
    for k in range(*rng):
        shape, _, keys = _line_arrays(lines.get(k))
        source = docs.sources[k]
        part.append((keys[~shape], keys, -1 if source is None else numbers[source]))
    return None, recurrence.carriers_part(rng[0], part, recurring)


def _shares_range(state, rng: tuple[int, int]) -> list[float]:
    """:func:`recurrence.common_share` of each group's documents in the range."""
    lines, groups = state
    content: dict = {}  # a document in several of the range's groups is read once
    out = []
    for ds in groups[rng[0] : rng[1]]:
        for d in ds:
            if d not in content:
                shape, ntoks, keys = _line_arrays(lines.get(d))
                content[d] = (keys[~shape], ntoks[~shape])
        out.append(recurrence.common_share([content[d] for d in ds]))
    return out


GROUPS_CHUNK = 64  # groups of recurring lines per task (up to SAMPLE_DOCS documents each)


def line_furniture(docs: DocStore, lines: Records, recurring: np.ndarray, cfg: Config, *,
                   engine: Engine, min_docs: int | None = None, rest=None) -> boilerplate.FurnitureKeys:
    """Judge the ``recurring`` line keys (sorted) of the documents whose lines are in
    ``lines``: their carriers are a reduction over partitions, the judging reads the
    documents where they are; this process holds only tables of recurring lines.
    ``min_docs`` (default ``cfg.boilerplate_min_docs``) and ``rest``, ``(func, where)``:
    the engine function of the rest signatures and what it reads the documents from
    (default: :func:`recurrence.rest_signatures` of the lines of ``docs``), let recurring
    passages be judged the same way (:func:`inline_furniture`)."""
    min_docs = cfg.boilerplate_min_docs if min_docs is None else min_docs
    rest_func, where = rest or (_rest_range, docs)
    names = list(dict.fromkeys(s for s in docs.sources if s is not None))  # in order of first appearance
    numbers = {s: i for i, s in enumerate(names)}
    counted = Counter(docs.sources)
    carried = engine.map_reduce(_carriers_range, (docs, lines, numbers, recurring), engine.partitions(len(docs), CHUNK),
                                recurrence.merge_carriers)
    for _ in carried:  # the results are empty: the parts are the answer
        pass
    carriers, by_source = carried.value

    def common_shares(groups: list[tuple[int, ...]]) -> list[tuple[float, float]]:
        parts = engine.map(_shares_range, (lines, groups), engine.partitions(len(groups), GROUPS_CHUNK))
        return [s for part in parts for s in part]

    def rest_signatures(ids: list[int], keys: set) -> dict:
        state = (where, lines, ids, keys, cfg)
        sigs = [sig for part in engine.map(rest_func, state, engine.partitions(len(ids), CHUNK)) for sig in part]
        return dict(zip(ids, sigs))

    return recurrence.furniture(recurrence.Recurring(recurring, carriers, by_source), names,
                                [counted[s] for s in names], common_shares, rest_signatures,
                                min_docs, cfg.boilerplate_share, cfg.boilerplate_similarity)


def _rest_range(state, rng: tuple[int, int]):
    docs, lines, ids, recurring, cfg = state
    chunk = [(docs.text(d), lines.get(d)) for d in ids[rng[0] : rng[1]]]
    return rest_signatures([(text, _line_spans(data).tolist(), *_line_arrays(data)[::2]) for text, data in chunk],
                           recurring, cfg.shingle_size, cfg.seed)


def _prepare_range(state, rng: tuple[int, int]):
    """The range's prepared documents and phrases (:func:`dedup.stages.words.phrase_entries`),
    and its part of the corpus word and n-gram tables (a reduction: folded where the
    engine keeps the parts)."""
    docs, lines, furniture, cfg, mod = state
    out, chunk = [], []
    for k in range(*rng):
        doc = docs.doc(k)
        spans, shape, _, keys = unpack_lines(lines.get(k))
        recurring = furniture.mask(keys, doc.source)
        drop = shape | recurring
        chunk.append((k, doc, spans, shape, keys, recurring, drop, paragraphs(doc.text, spans, ~drop)))
    texts = [x[1].text for x in chunk]
    cps = code_points("".join(texts))  # the chunk's code points, for its marks and its fact masks
    tokens = span_tokens_many(texts, [x[-1] for x in chunk])  # one tokenize call
    for (k, doc, spans, shape, keys, recurring, drop, paras), toks, marks in zip(chunk, tokens, marks_many(texts, cps)):
        p = prepare(k, doc.text, paras, cfg.segment_tokens, toks, marks)
        p.text = None  # the workspace has the text; do not ship it back
        head = [doc.text[s:e] for (s, e), d in zip(spans[: metadata.HEAD_LINES], drop.tolist()) if not d]
        seen = [(key, doc.text[s:e]) for (s, e), key, m in zip(spans, keys.tolist(), (recurring & ~shape).tolist()) if m]
        out.append((p, facts_of(doc, head, cfg.date_order), seen))
    # per chunk, not per document: vocabularies, n-grams and fact masks as array operations over it all
    hashes = [x[0].hashes for x in out]
    vocabs, words = vocab_table(rng[0], hashes)
    masks = fact_masks(texts, [x[0].starts for x in out], [x[0].ends for x in out], hashes, cps)
    doc, grams = inline.gram_pairs(hashes, mod)  # each document's counted n-grams (inline.counted)
    # packed here, on the worker: the driver only appends the records
    records = [(p.index, *packed(p, m, v), f, seen) for (p, f, seen), v, m in zip(out, vocabs, masks)]
    # the n-grams, as the phrases, cut by key range for a count on disk (shared_counts): a
    # table of them folded on the driver was its largest serial cost (7.7 of 84 CPU s at 100k)
    gram_parts = split_by_key(grams, (doc + rng[0]).astype(np.int32))
    return (records, phrase_entries(hashes, np.arange(*rng)), gram_parts), words


def _near_range(state, rng: tuple[int, int]) -> list[tuple[int, str, list]]:
    """``(document, text, content paragraphs)`` of the range's documents with content
    lines close to known furniture (:meth:`boilerplate.FurnitureTexts.near`), those
    lines left out: any line of an OCR-noisy document, in others a line that holds a
    word with letters no other document has (a misread word)."""
    docs, lines, furniture, seen, prepared, todo = state
    out = []
    for k in range(*rng):
        if not todo[k]:  # no word no other document has, not noisy: nothing misread
            continue
        p = prepared[k]
        once = np.flatnonzero(p.df <= 1)
        doc = docs.doc(k)
        # a misread word has letters (a new figure is a word no other document has too)
        once = p.starts[[i for i in once.tolist() if any(c.isalpha() for c in doc.text[p.starts[i] : p.ends[i]])]]
        spans, shape, _, keys = unpack_lines(lines.get(k))
        drop = shape | furniture.mask(keys, doc.source)
        bounds = np.asarray(spans, np.int64).reshape(-1, 2)
        misread = p.noisy | (np.searchsorted(once, bounds[:, 1]) > np.searchsorted(once, bounds[:, 0]))
        near = seen.near(doc.text, spans, ~drop & misread, doc.source)
        if near.any():
            out.append((k, doc.text, paragraphs(doc.text, spans, ~(drop | near))))
    return out


def prepare_corpus(docs: DocStore, workdir: str, cfg: Config, progress: Progress = _noop,
                   *, engine: Engine):
    """Classify lines, judge recurring furniture across the corpus, tokenize the content.

    Returns the prepared documents (a :class:`PreparedStore` in ``workdir``, with word
    document frequencies and OCR flags) and their facts, both in id order.
    """
    n = len(docs)
    ranges = engine.partitions(n, CHUNK)
    lines = Records(f"{workdir}/lines")
    read = engine.map_reduce(_lines_range, docs, ranges, _merge_lines)
    for part in read:
        for record in part:
            lines.append(record)
        progress("lines", len(lines), n)  # documents whose lines were read
    lines.flush()
    (line_keys, line_docs), content_tokens = read.value
    furniture = line_furniture(docs, lines, line_keys[line_docs >= cfg.boilerplate_min_docs], cfg, engine=engine)
    del read, line_keys, line_docs
    prepared = PreparedStore(workdir, docs)
    facts: list[DocFacts] = []
    mod = inline.modulus(content_tokens)
    seen_furniture = boilerplate.FurnitureTexts()
    tables = engine.map_reduce(_prepare_range, (docs, lines, furniture, cfg, mod), ranges, merge)
    # every phrase and counted n-gram of the corpus, on disk by key range: the counts keep
    # the phrases 2+ documents carry, the n-grams that may be furniture
    phrase_parts, gram_parts = KeyParts(workdir, "phrases"), KeyParts(workdir, "grams")
    for part, phrases, grams in tables:
        phrase_parts.add(phrases)
        gram_parts.add(grams)
        for k, record, ntokens, nchars, content, f, seen in part:
            seen_furniture.add(docs.sources[k], seen)
            prepared.append_packed(record, ntokens, nchars, content)
            facts.append(f)
        progress("segment", len(prepared), n)
    table = tables.value
    values, counts, single_occ = totals(table, n)
    single_words = one_off_words(table, n)
    del table
    ntok = np.asarray(prepared.ntokens, dtype=np.int64)
    noisy = noisy_flags(single_occ, ntok, n, single_words)
    # a phrase one document has is looked up as 1 (dedup.words.phrases_of)
    shared = shared_counts(phrase_parts, 2, engine)
    phrase_parts.clear()
    prepared.finish((values, counts), noisy, shared)
    # OCR-damaged copies of furniture are not verbatim; drop the lines close to known ones:
    # in an OCR-noisy document any, in the others those that hold a misread word (one with
    # letters no other document has): light damage (a letter in a hundred) leaves a document
    # unflagged but its footer misread all the same. (The corpus counts keep the dropped
    # lines' words: a few documents' worth, and recounting everything for them would
    # double this stage.)
    state = (docs, lines, furniture, seen_furniture, prepared, (single_occ > 0) | noisy)
    for part in engine.map(_near_range, state, ranges):
        for k, text, paras in part:
            q = prepare(k, text, paras, cfg.segment_tokens)
            prepared.replace(q, fact_mask(text, q.starts, q.ends, q.hashes))
    lines.close()
    recurring = shared_counts(gram_parts, inline.PASSAGE_DOCS_FACTOR * cfg.boilerplate_min_docs, engine)
    gram_parts.clear()
    from .prepare_inline import inline_furniture  # here: that module builds on this one's line judgement

    inline_furniture(prepared, docs, recurring, mod, cfg, progress, engine=engine)
    return prepared, facts


def noisy_flags(single_occ: np.ndarray, ntokens: np.ndarray, n_docs: int, single_words: np.ndarray) -> np.ndarray:
    """Misread words occur nowhere else: a high share of one-off words marks OCR damage,
    when they are several different words (a short notice that names its issuer twice
    has a high share of one). ``single_occ``: per document, its tokens whose word no other
    document has; ``single_words``: those words, each counted once."""
    if n_docs <= 2:
        return np.zeros(len(ntokens), dtype=bool)
    share = np.divide(single_occ, ntokens, out=np.zeros(len(ntokens)), where=ntokens > 0)
    return (ntokens >= NOISY_MIN_TOKENS) & (share >= NOISY_SHARE) & (single_words >= NOISY_MIN_WORDS)


def is_noisy(p: Prepared, n_docs: int) -> bool:
    """:func:`noisy_flags` for one document whose ``df`` is set."""
    once = p.df == 1
    return (n_docs > 2 and p.ntokens >= NOISY_MIN_TOKENS and float(once.mean()) >= NOISY_SHARE
            and len(np.unique(p.hashes[once])) >= NOISY_MIN_WORDS)
