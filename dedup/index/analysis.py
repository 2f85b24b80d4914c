"""One document against the stored corpus: furniture, content, band keys, alignment.

The batch pipeline judges furniture and word weights over the whole corpus at once.
Here the corpus grows one document at a time, so the same judgements are made from
statistics the store keeps (line recurrence per source, word document frequencies,
documents carrying each word n-gram anchor for furniture inside paragraphs) as they
stand when the document arrives. The answer of ``add`` is therefore the batch
answer as far as the statistics known at that moment allow; ``Index.clusters()`` reruns
the batch pipeline and is authoritative.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import xxhash

from ..stages import boilerplate, inline, metadata, recurrence
from ..stages.align import Span
from ..stages.candidates import segment_band_keys
from ..config import Config
from ..stages.link import align_judged
from ..stages.significance import search_size
from ..models import Document
from ..stages.normalize import tokenize
from ..stages.prepare import facts_of, is_noisy
from ..stages.provenance import DocFacts, coverage, weighted_score
from ..stages.template import Evidence, compact
from ..stages.facts import code_points, fact_masks
from ..stages.segment import Prepared, marks_many, member_sorted, paragraphs, prepare, span_tokens_many, unique_sorted

# Lines this short that recur in several documents are furniture when the document has
# no source (the batch pipeline judges them by how alike their carriers are; a single
# arriving document has no such evidence yet).
SHORT_LINE_TOKENS = 12
# ... unless most of the document's words are in lines other documents carry verbatim (as
# in the batch pipeline's recurrence.MINORITY): then it is a copy, its lines recur as often
# as its copies do, and only lines carried much more widely than that are furniture.
COPY_SHARE = 0.5
FAMILY_FACTOR = 2
# Anchor spacing of the stored n-gram counts (fixed when an index is created, kept in its
# meta): one word 8-gram in 2 is counted, so the table has about half a row per distinct
# n-gram stored (~17% of the index on news), a 16-word blurb has ~4 anchors (none with
# probability 0.2%) and a passage's edges are found to within a word.
GRAM_MODULUS = 2
HUBS = 4  # an over-full LSH bucket links to this many of its members, as the batch does

# Per-band salts so that one key column serves every band.
_BAND_SALT = (np.arange(1, 1025, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)) ^ np.uint64(0x9E3779B97F4A7C15)


@dataclass
class Lines:
    """A document's non-blank lines: spans, shape furniture, word counts, recurrence keys."""

    spans: list
    shape: np.ndarray
    ntoks: np.ndarray
    keys: np.ndarray  # uint64

    @classmethod
    def of(cls, text: str) -> "Lines":
        spans = boilerplate.line_spans(text)
        shape, ntoks = boilerplate.shape_furniture(text, spans)
        return cls(spans, shape, ntoks, boilerplate.line_keys(text, spans))

    def unique_keys(self) -> np.ndarray:
        """Distinct line keys, sorted, as int64 (computed once)."""
        if getattr(self, "_unique", None) is None:
            self._unique = signed(unique_sorted(self.keys))
        return self._unique


def line_counts(docs, counts: tuple | None = None, sign: int = 1) -> tuple[Counter, Counter, Counter]:
    """``(per (key, source), per key, per source)`` counts of documents' distinct lines,
    ``docs`` as ``(Lines, source)`` pairs: :meth:`dedup.Index._furniture`'s ``pending``.
    Added to ``counts`` (``sign`` 1) or taken from them (-1)."""
    per_line, per_key, per_source = counts or (Counter(), Counter(), Counter())
    for lines, source in docs:
        src, keys = source or "", lines.unique_keys().tolist()
        per_line.update(dict.fromkeys([(k, src) for k in keys], sign))
        per_key.update(dict.fromkeys(keys, sign))
        per_source[src] += sign
    return per_line, per_key, per_source


def word_hashes(text: str) -> np.ndarray:
    """A whole text's word hashes (normalized): tokenize once, then :func:`hash_of` and
    :func:`grams_of` both read them."""
    return tokenize(text)[2]


def content_hash(text: str) -> int:
    """The identity of a text's words in order (normalized: case, width, quotes, white
    space and punctuation do not count), as a signed 64-bit integer. Equal for exact
    copies whatever their LSH buckets hold, so a stored copy is always found."""
    return hash_of(word_hashes(text))


def hash_of(hashes: np.ndarray) -> int:
    """:func:`content_hash` of a text's :func:`word_hashes`."""
    return int(np.array([xxhash.xxh3_64_intdigest(hashes.astype("<u8").tobytes())], dtype=np.uint64).view(np.int64)[0])


def signed(x: np.ndarray) -> np.ndarray:
    """uint64 values as int64 (SQLite integers are signed), bit for bit."""
    return np.ascontiguousarray(x, dtype=np.uint64).view(np.int64)


def furniture(lines: Lines, source: str | None, in_source: np.ndarray, anywhere: np.ndarray,
              source_docs: int, cfg: Config) -> np.ndarray:
    """Lines to drop. ``in_source``/``anywhere``: per line, the documents carrying it (in
    this source / in all), this document included; ``source_docs`` likewise."""
    drop = lines.shape.copy()
    if source is not None:
        template = in_source >= max(cfg.boilerplate_min_docs, cfg.boilerplate_share * source_docs)
        # A copy of a story its source carries several times (recurrence.COPIES of its words,
        # as the batch judges, in lines the source's other documents carry): lines in no
        # more of the source's documents than those copies are the story, not the source's
        # template (a footer is in more).
        family = copy_family(lines, in_source, recurrence.COPIES) if template.any() else 0.0
        if family:
            template &= in_source > family
        drop |= template
    else:
        short = (anywhere >= cfg.boilerplate_min_docs) & (lines.ntoks <= SHORT_LINE_TOKENS)
        family = copy_family(lines, anywhere)
        if family:
            short &= anywhere > FAMILY_FACTOR * family
        drop |= short
    return drop


def copy_family(lines: Lines, carried: np.ndarray, share: float = COPY_SHARE) -> float:
    """How many documents carry a copy's lines (the word-weighted median over its lines
    that others carry too), or 0 when under ``share`` of its words are in such lines.
    ``carried``: per line, the documents carrying it (anywhere, or in its source)."""
    content = ~lines.shape
    shared = content & (carried >= 2)
    total = int(lines.ntoks[content].sum())
    if not total or lines.ntoks[shared].sum() < share * total:
        return 0.0
    counts, weights = carried[shared], lines.ntoks[shared]
    order = np.argsort(counts, kind="stable")
    cum = np.cumsum(weights[order])
    return float(counts[order][np.searchsorted(cum, cum[-1] / 2)])


def analyse(doc: Document, lines: Lines, drop: np.ndarray, cfg: Config) -> tuple[Prepared, DocFacts, list]:
    """Content tokens (with vocabulary), provenance facts and content paragraphs."""
    paras = paragraphs(doc.text, lines.spans, ~drop)
    p = from_paragraphs(doc.text, paras, cfg)
    head = [doc.text[s:e] for (s, e), d in zip(lines.spans[: metadata.HEAD_LINES], drop.tolist()) if not d]
    return p, facts_of(doc, head, cfg.date_order), paras


def from_paragraphs(text: str, paras: list, cfg: Config) -> Prepared:
    return from_paragraphs_many([text], [paras], cfg)[0]


def from_paragraphs_many(texts: list[str], paras: list[list], cfg: Config, facts: bool = False) -> list[Prepared]:
    """:func:`from_paragraphs` of several texts, tokenized in one call (a query's stored
    candidates: a few hundred in the slowest). ``facts``: their fact masks too, in one
    batch (set on each as ``fact_flags``)."""
    paras = [[tuple(x) for x in ps] for ps in paras]
    cps = code_points("".join(texts))
    out = []
    for text, ps, toks, marks in zip(texts, paras, span_tokens_many(texts, paras), marks_many(texts, cps)):
        p = prepare(0, text, ps, cfg.segment_tokens, toks, marks)
        p.vocab = unique_sorted(np.asarray(p.hashes, dtype=np.uint64))
        out.append(p)
    if facts and out:
        masks = fact_masks(texts, [p.starts for p in out], [p.ends for p in out], [p.hashes for p in out], cps)
        for p, m in zip(out, masks):
            p.fact_flags = m
    return out


PREPARED = 13  # a stored document row's analysis (pack_many), None when stored before it was kept


def from_rows(rows: list, cfg: Config, facts: bool = False) -> list[Prepared]:
    """Stored documents' rows (text at 2, content paragraphs at 10) prepared from their
    text (:func:`from_paragraphs_many`)."""
    return from_paragraphs_many([r[2] for r in rows], [np.frombuffer(r[10], dtype="<i8").reshape(-1, 2).tolist() for r in rows],
                                cfg, facts)


def pack_many(preps: list[Prepared]) -> list[bytes]:
    """What the index stores of each document's analysis (its tokens, segments, quoted
    words, distinct words and fact mask: :func:`dedup.storage.workspace.pack_prepared`),
    compressed: a stored candidate is read back (:func:`unpack`) instead of tokenized,
    segmented and searched for facts again at every query that meets it. The fact masks
    not made yet are made in one batch."""
    import zstandard

    from ..storage.workspace import pack_prepared

    todo = [p for p in preps if p.fact_flags is None]
    for p, m in zip(todo, fact_masks([p.text for p in todo], [p.starts for p in todo], [p.ends for p in todo],
                                     [p.hashes for p in todo])):
        p.fact_flags = m
    z = zstandard.ZstdCompressor(level=3)
    return [z.compress(pack_prepared(p, p.fact_flags, p.vocab)) for p in preps]


def unpack(text: str, blob: bytes) -> Prepared | None:
    """A stored document's :class:`Prepared` from :func:`pack_many`'s record: the same as
    :func:`from_paragraphs_many` makes of its text and paragraphs, with its fact mask.
    None when the record does not read back whole (damaged on disk): the text, which
    it is made from, is the record of the document."""
    import zstandard

    from ..storage.workspace import unpack_facts, unpack_prepared

    try:
        data = zstandard.ZstdDecompressor().decompress(blob)
        p = unpack_prepared(0, data)
        p.text, p.fact_flags = text, unpack_facts(data)
    except (zstandard.ZstdError, ValueError, TypeError):
        return None
    if p.nchars != len(text) or p.fact_flags is None or len(p.fact_flags) != p.ntokens:
        return None
    return p


def doc_band_keys(preps: list[Prepared], cfg: Config, sdf: np.ndarray | None = None) -> list[np.ndarray]:
    """Each document's distinct LSH band keys (int64, band folded in), computed in one batch.
    ``sdf``: with it, the common shingles are left out (see :func:`segment_band_keys`)."""
    keys, seg_of = segment_band_keys(preps, cfg, sdf=sdf)
    keys = keys ^ _BAND_SALT[None, : cfg.bands]
    bounds = np.searchsorted(seg_of, np.arange(len(preps) + 1))
    return [signed(unique_sorted(keys[bounds[k] : bounds[k + 1]].ravel())) for k in range(len(preps))]


def band_keys_outside(p: Prepared, spans: list[tuple[int, int]], cfg: Config) -> np.ndarray:
    """``p``'s distinct band keys (as :func:`doc_band_keys`) without those of its segments
    and windows that lie mostly inside the token ``spans`` (furniture): their buckets hold
    the stored documents that carry the same furniture, whatever their story."""
    keys, _, rows = segment_band_keys([p], cfg, ranges=True)
    covered = np.zeros(len(rows), np.int64)
    for s, e in spans:
        covered += np.clip(np.minimum(rows[:, 1], e) - np.maximum(rows[:, 0], s), 0, None)
    inside = 2 * covered >= rows[:, 1] - rows[:, 0]
    return signed(unique_sorted((keys[~inside] ^ _BAND_SALT[None, : cfg.bands]).ravel()))


def buckets(rows) -> dict[int, list[int]]:
    """``(key, doc)`` rows by key: LSH buckets, or the stored carriers of bigram keys."""
    by_key: dict[int, list[int]] = {}
    for key, doc in rows:
        by_key.setdefault(key, []).append(doc)
    return by_key


def bucket_candidates(by_key: dict[int, list[int]], max_bucket: int, common: set[int] = frozenset()) -> set[int]:
    """Stored documents sharing a band key (``by_key``: :func:`buckets`); an over-full
    bucket contributes only its first few (oldest) members, as the batch candidates do,
    and so does the bucket of a key in ``common`` (one the new document's common
    shingles make: :func:`common_keys`)."""
    out: set[int] = set()
    for key, docs in by_key.items():
        out.update(sorted(docs)[:HUBS] if len(docs) >= max_bucket or key in common else docs)
    return out


def common_keys(p: Prepared, keys: np.ndarray, by_key: dict[int, list[int]], sdf, cfg: Config) -> set[int]:
    """Which of ``p``'s band ``keys`` its common shingles make: keys its signature without
    them (:func:`dedup.stages.candidates.common_shingles`, ``sdf()`` giving the documents
    that carry the shingle starting at each token) does not have. The batch leaves such
    shingles out of every signature; stored signatures keep them, so at a query the
    buckets they fill (a byline's words, a site's name, in hundreds of unrelated
    documents) count as over-full. Computed only when a bucket holds more than its
    ``HUBS`` first members (no answer changes otherwise)."""
    if not any(len(v) > HUBS for v in by_key.values()):
        return set()
    df = sdf()
    if df is None:
        return set()
    return set(keys.tolist()) - set(doc_band_keys([p], cfg, df)[0].tolist())


def set_df(p: Prepared, counts: np.ndarray, n_docs: int) -> None:
    """``counts``: documents carrying each word of ``p.vocab``; set per-token df and noise."""
    p.vocab_index = np.searchsorted(p.vocab, np.asarray(p.hashes, dtype=np.uint64))  # alignment reads it per pair
    p.df = counts[p.vocab_index] if len(p.vocab) else np.zeros(0, np.int64)
    p.noisy = bool(is_noisy(p, n_docs))


@dataclass(frozen=True)
class PairResult:
    kind: str
    spans: tuple[Span, ...]
    score: float
    coverage_stored: float
    coverage_new: float
    evidence: Evidence | None = None  # what its facts say, when they may tell a series (template.compact)


def align_pair(stored: Prepared, new: Prepared, n_docs: int, cfg: Config, facts=None) -> PairResult | None:
    """Align a stored document (side A) with the new one (side B) as the batch link stage
    does, with its fact evidence kept when it may tell a series (:func:`dedup.index.series`).
    ``facts``: optional cached fact masks (see :func:`dedup.stages.link.align_one`)."""
    kind, spans, ev = align_judged(stored, new, n_docs, cfg, facts=facts, tests=search_size(n_docs))  # the batch's search
    if kind is None:
        return None
    cov_a, cov_b = coverage(spans, stored.ntokens, new.ntokens)
    return PairResult(kind, tuple(spans), weighted_score(spans), cov_a, cov_b, compact(kind, ev))


def covered_share(results: list[PairResult], ntokens: int) -> float:
    """Share of the new document's tokens inside any passage (side B)."""
    if not ntokens:
        return 0.0
    mask = np.zeros(ntokens, dtype=bool)
    for r in results:
        for s in r.spans:
            mask[s.b0 : s.b1] = True
    return float(mask.mean())


# -- furniture inside paragraphs (the batch rule of dedup.inline, from stored counts) --------


def text_grams(text: str, mod: int) -> np.ndarray:
    """The counted n-gram anchors of a whole text (sorted, distinct, uint64): what a
    document adds to the stored counts. The whole text, not its content, so that removal
    finds the same anchors whatever the furniture judgement was when it was added."""
    return grams_of(word_hashes(text), mod)


def grams_of(hashes: np.ndarray, mod: int) -> np.ndarray:
    """:func:`text_grams` of a text's :func:`word_hashes`."""
    return inline.counted(hashes, mod)


def content_anchors(p: Prepared, grams: np.ndarray, mod: int) -> tuple[np.ndarray, np.ndarray]:
    """``p``'s n-gram anchors among ``grams`` (the text's anchors: not those straddling
    cut lines) and the token each starts at."""
    g = inline.ngrams(p.hashes)
    at = inline.anchors(g, mod)
    keep = member_sorted(g[at], grams)
    return g[at][keep], at[keep]


def inline_furniture(p: Prepared, grams: np.ndarray, counts: np.ndarray, mod: int,
                     cfg: Config) -> tuple[list, np.ndarray]:
    """Token spans of ``p``'s furniture passages and their n-gram anchors (sorted).
    ``grams``: the document's anchors (sorted); ``counts``: documents carrying each, this
    one included. As in the batch, a passage is a run of anchors carried by the passage
    threshold (``inline.PASSAGE_DOCS_FACTOR`` x ``boilerplate_min_docs``) and of at least
    ``inline.MIN_TOKENS``. Judged like lines (:func:`furniture` without a source): when
    most of the document's content anchors are carried by others too, it is a copy, and
    only passages carried by over ``FAMILY_FACTOR`` times its copies (the median count of
    its shared anchors) are furniture; otherwise every such passage is."""
    none = ([], np.zeros(0, np.uint64))
    need = inline.PASSAGE_DOCS_FACTOR * cfg.boilerplate_min_docs
    recurring = grams[counts >= need]
    if not len(recurring):
        return none
    spans = inline.passages(p.hashes, recurring, mod)
    # between anchors nothing is known: a run may reach ``mod - 1`` words past each end
    spans = [(s, e) for s, e in spans if e - s + 2 * (mod - 1) >= inline.MIN_TOKENS]
    if not spans:
        return none
    g, _ = content_anchors(p, grams, mod)
    mine = counts[np.searchsorted(grams, g)]
    shared = mine[mine >= 2]
    family = float(np.median(shared)) if len(g) and len(shared) >= COPY_SHARE * len(g) else 0.0
    keep, inside = [], []
    for s, e in spans:
        x = inline.ngrams(p.hashes[s:e])
        x = x[inline.anchors(x, mod)]
        x = x[member_sorted(x, recurring)]
        carriers = float(np.median(counts[np.searchsorted(grams, x)]))
        if not family or carriers > FAMILY_FACTOR * family:
            keep.append((s, e))
            inside.append(x)
    if not keep:
        return none
    return keep, np.unique(np.concatenate(inside))


def cut_inline(text: str, p: Prepared, paras: list, spans: list, cfg: Config) -> tuple[Prepared, list]:
    """``p`` and its content paragraphs with the token ``spans`` cut out (offsets still
    refer to ``text``)."""
    if not spans:
        return p, paras
    paras = inline.cut([tuple(x) for x in paras], p, spans, text)
    return from_paragraphs(text, paras, cfg), paras


def cut_grams(text: str, p: Prepared, grams: np.ndarray, mod: int, cfg: Config) -> Prepared:
    """A stored document without the runs of furniture n-grams another document's
    judgement found (as the batch cuts furniture n-grams wherever they occur)."""
    spans = inline.passages(p.hashes, grams, mod)
    return cut_inline(text, p, p.paragraphs, spans, cfg)[0] if spans else p
