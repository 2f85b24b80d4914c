"""One document against the stored corpus: furniture, content, band keys, alignment.

The batch pipeline judges furniture and word weights over the whole corpus at once.
Here the corpus grows one document at a time, so the same judgements are made from
statistics the store keeps (line recurrence per source, word document frequencies) as
they stand when the document arrives. The answer of ``add`` is therefore the batch
answer as far as the statistics known at that moment allow; ``Index.clusters()`` reruns
the batch pipeline and is authoritative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import boilerplate, metadata
from .. import prepare as _prepare_mod
from ..align import Span, align, coverage, link_kind, weighted_score
from ..align_chars import CharView, align_chars
from ..candidates import band_keys
from ..config import Config
from ..fingerprint import segment_shingles, signatures
from ..link import pair_sides
from ..models import Document
from ..prepare import facts_of
from ..provenance import DocFacts
from ..segment import Prepared, paragraphs, prepare, unique_sorted

# Lines this short that recur in several documents are furniture when the document has
# no source (the batch pipeline judges them by how alike their carriers are; a single
# arriving document has no such evidence yet).
SHORT_LINE_TOKENS = 12
NOISY_SHARE = getattr(_prepare_mod, "NOISY_SHARE", 0.06)
NOISY_MIN_TOKENS = getattr(_prepare_mod, "NOISY_MIN_TOKENS", 20)
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
        return signed(unique_sorted(self.keys))


def signed(x: np.ndarray) -> np.ndarray:
    """uint64 values as int64 (SQLite integers are signed), bit for bit."""
    return np.ascontiguousarray(x, dtype=np.uint64).view(np.int64)


def furniture(lines: Lines, source: str | None, in_source: np.ndarray, anywhere: np.ndarray,
              source_docs: int, cfg: Config) -> np.ndarray:
    """Lines to drop. ``in_source``/``anywhere``: per line, the documents carrying it (in
    this source / in all), this document included; ``source_docs`` likewise."""
    drop = lines.shape.copy()
    if source is not None:
        drop |= in_source >= max(cfg.boilerplate_min_docs, cfg.boilerplate_share * source_docs)
    else:
        drop |= (anywhere >= cfg.boilerplate_min_docs) & (lines.ntoks <= SHORT_LINE_TOKENS)
    return drop


def analyse(doc: Document, lines: Lines, drop: np.ndarray, cfg: Config) -> tuple[Prepared, DocFacts, list]:
    """Content tokens (with vocabulary), provenance facts and content paragraphs."""
    paras = paragraphs(doc.text, lines.spans, ~drop)
    p = from_paragraphs(doc.text, paras, cfg)
    head = [doc.text[s:e] for (s, e), d in zip(lines.spans[: metadata.HEAD_LINES], drop.tolist()) if not d]
    return p, facts_of(doc, head), paras


def from_paragraphs(text: str, paras: list, cfg: Config) -> Prepared:
    p = prepare(0, text, [tuple(x) for x in paras], cfg.segment_tokens)
    p.vocab = unique_sorted(np.asarray(p.hashes, dtype=np.uint64))
    return p


def doc_band_keys(preps: list[Prepared], cfg: Config) -> list[np.ndarray]:
    """Each document's distinct LSH band keys (int64, band folded in), computed in one batch."""
    shingles, owners, counts = [], [], []
    nseg = 0
    for p in preps:
        sh, own = segment_shingles(p.hashes, p.seg_bounds, cfg.shingle_size)
        k = len(p.seg_bounds) - 1
        shingles.append(sh)
        owners.append(own + nseg)
        counts.append(k)
        nseg += k
    if nseg == 0:
        return [np.zeros(0, np.int64) for _ in preps]
    sig = signatures(np.concatenate(shingles), np.concatenate(owners), nseg, cfg.num_perm, cfg.seed)
    keys = band_keys(sig, cfg.bands, cfg.rows) ^ _BAND_SALT[None, : cfg.bands]
    out, at = [], 0
    for k in counts:
        out.append(signed(unique_sorted(keys[at : at + k].ravel())))
        at += k
    return out


def bucket_candidates(rows, max_bucket: int) -> set[int]:
    """Stored documents sharing a band key, from ``(key, doc)`` rows; an over-full bucket
    contributes only its first few (oldest) members, as the batch candidates do."""
    by_key: dict[int, list[int]] = {}
    for key, doc in rows:
        by_key.setdefault(key, []).append(doc)
    out: set[int] = set()
    for docs in by_key.values():
        out.update(sorted(docs)[:HUBS] if len(docs) >= max_bucket else docs)
    return out


def set_df(p: Prepared, counts: np.ndarray, n_docs: int) -> None:
    """``counts``: documents carrying each word of ``p.vocab``; set per-token df and noise."""
    p.df = counts[np.searchsorted(p.vocab, np.asarray(p.hashes, dtype=np.uint64))] if len(p.vocab) else np.zeros(0, np.int64)
    p.noisy = bool(n_docs > 2 and p.ntokens >= NOISY_MIN_TOKENS and float((p.df == 1).mean()) >= NOISY_SHARE)


@dataclass(frozen=True)
class PairResult:
    kind: str
    spans: tuple[Span, ...]
    score: float
    coverage_stored: float
    coverage_new: float


def align_pair(stored: Prepared, new: Prepared, n_docs: int, cfg: Config) -> PairResult | None:
    """Align a stored document (side A) with the new one (side B) as the batch link stage does."""
    side_a, side_b = pair_sides(stored, new, stored.word_string(), new.word_string(), n_docs)
    spans = align(side_a, side_b, cfg)
    kind = link_kind(spans, stored.ntokens, new.ntokens, cfg)
    if kind is None and (stored.noisy or new.noisy):
        ca = CharView.of(stored.text, stored.starts, stored.ends)
        cb = CharView.of(new.text, new.starts, new.ends)
        spans = align_chars(ca, cb, cfg, side_a.weights(), side_b.weights())
        kind = link_kind(spans, stored.ntokens, new.ntokens, cfg)
    if kind is None:
        return None
    cov_a, cov_b = coverage(spans, stored.ntokens, new.ntokens)
    return PairResult(kind, tuple(spans), weighted_score(spans), cov_a, cov_b)


def covered_share(results: list[PairResult], ntokens: int) -> float:
    """Share of the new document's tokens inside any passage (side B)."""
    if not ntokens:
        return 0.0
    mask = np.zeros(ntokens, dtype=bool)
    for r in results:
        for s in r.spans:
            mask[s.b0 : s.b1] = True
    return float(mask.mean())
