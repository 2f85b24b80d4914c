"""Candidates: LSH banding over segment signatures, grouped by sorting, not by dicts.

Each band's rows are folded into one 64-bit key; segments whose keys agree in any
band are candidates. Besides its segments, a document is fingerprinted in windows
that straddle the boundaries where segmentation cut a paragraph (a long paragraph, or
text with no breaks), and, in a long document (over ``LONG_DOC`` words: live blogs,
transcripts, pages scraped together), every boundary: a passage that the cuts split
in two (reuse rarely starts where a segment does) still has a window that holds most
of it. (Windows at every boundary of every document cost half again the stage's time
and 17% more pairs on the 10k generated corpus, for a slightly lower pair precision.) Keys for all segments are computed at once and each band is
grouped with one stable sort, so memory is a few integers per (segment, band).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Sequence

import numpy as np

from .anchors import LONG_DOC
from .buckets import band_keys, candidate_pairs, merge_pairs as _merge_pairs
from ..config import Config
from .fingerprint import combine, segment_shingles, signatures
from .inverted import bigrams_of, rare_pairs_of
from .partitions import map_ranges
from .segment import Prepared, unique_sorted
from .words import starting_phrase_df
from ..storage import keyparts
from ..storage.keyparts import KeyParts
from ..storage.spill import append_file

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine

RARE_DF_SHARE = 0.02  # "rare" words: in at most this share of the corpus
# A shingle carried by over this many times as many documents as its segment's median
# shingle is common there (as a line carried by over twice its copies is furniture).
COMMON_FACTOR = 2
CHUNK = 512  # documents per fingerprint task
BANDS_PER_GROUP = 6  # bands grouped at once: 48 bytes per segment in memory

def _windows(bounds: np.ndarray, n: int, width: int, only: np.ndarray | None = None):
    """Per inner segment boundary: the first shingle of its window and its number of
    shingles (0: no window)."""
    inner = bounds[1:-1]
    w0 = np.maximum(bounds[:-2], inner - width // 2)
    w1 = np.minimum(bounds[2:], inner + width - width // 2) - n + 1  # last shingle start + 1
    count = np.maximum(w1 - w0, 0)
    if only is not None:
        count[~only] = 0
    return w0, count


def straddle_shingles(hashes: np.ndarray, bounds: np.ndarray, n: int, width: int, only: np.ndarray | None = None,
                      starts: bool = False):
    """Shingles of the windows of ``width`` tokens centred on each inner segment
    boundary (kept inside the two segments it joins), and each one's window number (and,
    with ``starts``, each one's first token). ``only``: which inner boundaries get a
    window (default: all)."""
    if len(bounds) < 3 or len(hashes) < n:
        empty = (np.zeros(0, np.uint32), np.zeros(0, np.int64))
        return (*empty, np.zeros(0, np.int64)) if starts else empty
    w0, count = _windows(bounds, n, width, only)
    w0, count = w0[count > 0], count[count > 0]  # numbered without gaps: no empty signatures
    sh = combine(hashes, n)
    owner = np.repeat(np.arange(len(count), dtype=np.int64), count)
    start = np.repeat(w0 - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    return (sh[start], owner, start) if starts else (sh[start], owner)


def common_shingles(df: np.ndarray, owner: np.ndarray, min_docs: int, run: int, gap: int = 0) -> np.ndarray:
    """Which shingles carry no evidence of reuse: carried by ``min_docs`` or more documents
    and by over ``COMMON_FACTOR`` times as many as the median shingle of their segment
    (``owner``, non-decreasing), in a run of such shingles too short to be a passage
    (spanning under ``run`` shingles; a run may bridge ``gap`` others, as one changed word
    inside a copied passage breaks a shingle's worth). A byline's or a dateline's words
    in a story of its own, a formula's fixed phrase: carried by hundreds of documents that
    share nothing else, such a shingle makes every segment where it happens to be the
    minimum hash of a band fall into one crowded bucket of unrelated documents. A copied
    passage is a long run of them, and in a copy every shingle is carried as often, so
    neither is touched."""
    if not len(df):
        return np.zeros(0, bool)
    order = np.lexsort((df, owner))  # by segment, then by count: each segment's median
    first = np.flatnonzero(np.r_[True, owner[order][1:] != owner[order][:-1]])
    size = np.diff(np.r_[first, len(order)])
    median = np.empty_like(df)
    median[order] = np.repeat(df[order][first + size // 2], size)
    common = (df >= min_docs) & (df > COMMON_FACTOR * median)
    at = np.flatnonzero(common)
    if len(at):
        new = np.r_[True, (np.diff(at) > gap + 1) | (owner[at][1:] != owner[at][:-1])]
        run_of = np.cumsum(new) - 1
        lo, hi = at[new], at[np.r_[new[1:], True]]  # each run's first and last shingle
        common[at] = (hi - lo + 1)[run_of] < run
    return common


def _uncommon(sh, owner, start, sdf, cfg: Config):
    """``(sh, owner)`` without their :func:`common_shingles` (``sdf``: each token's
    starting-shingle document count; None keeps all)."""
    if sdf is None or not len(sh):
        return sh, owner
    keep = ~common_shingles(sdf[start], owner, cfg.boilerplate_min_docs,
                            cfg.min_passage_tokens - cfg.shingle_size + 1, cfg.shingle_size)
    return sh[keep], owner[keep]


def segment_band_keys(prepared: Sequence[Prepared], cfg: Config, phrases: tuple | None = None,
                      sdf: np.ndarray | None = None, ranges: bool = False):
    """Band keys of every segment (and a long document's straddling windows) of ``prepared``
    (one MinHash batch), and for each the position in ``prepared`` of its document (and,
    with ``ranges``, its first and end token in its document, an (n, 2) array).
    Numbered document by document: a document's segments, then its windows.

    The documents' tokens and segments are concatenated (CSR-style) and shingled in one
    call each; a window never crosses from one document into the next. ``phrases``: the
    corpus's phrase counts (:func:`dedup.stages.words.shared_counts`); with them, the
    :func:`common_shingles` are left out of every signature (shingles of two or three
    words, the phrases counted); ``sdf``: instead of ``phrases``, the documents carrying the
    shingle that starts at each token of the concatenation (the index's estimate)."""
    docs = list(prepared)
    if not docs:
        empty = np.zeros((0, cfg.bands), dtype=np.uint64), np.zeros(0, dtype=np.int64)
        return (*empty, np.zeros((0, 2), np.int64)) if ranges else empty
    ntok = np.array([p.ntokens for p in docs], dtype=np.int64)
    tok_off = np.concatenate(([0], np.cumsum(ntok)))
    nseg = np.array([len(p.seg_bounds) - 1 for p in docs], dtype=np.int64)
    hashes = np.concatenate([p.hashes for p in docs])
    bounds = np.concatenate([p.seg_bounds[:-1] + off for p, off in zip(docs, tok_off[:-1].tolist())] + [tok_off[-1:]])
    if phrases is not None and sdf is None and cfg.shingle_size in (2, 3):
        sdf = starting_phrase_df(hashes, tok_off, cfg.shingle_size, phrases)
    sh, own = _uncommon(*segment_shingles(hashes, bounds, cfg.shingle_size, starts=True), sdf, cfg)
    # windows at the inner boundaries inside a document (a long one's all, another's mid-paragraph cuts)
    seg_doc = np.repeat(np.arange(len(docs)), nseg)
    inner_doc = seg_doc[:-1]
    only = inner_doc == seg_doc[1:]
    short = only & (ntok <= LONG_DOC)[inner_doc]
    if short.any():
        only[short] = ~np.isin(bounds[1:-1][short], _paragraph_first_tokens(docs, ntok <= LONG_DOC, tok_off))
    xs, xo, xstart = straddle_shingles(hashes, bounds, cfg.shingle_size, cfg.segment_tokens, only, starts=True)
    win_doc = inner_doc[_windows(bounds, cfg.shingle_size, cfg.segment_tokens, only)[1] > 0] if len(xo) else xo
    xs, xo = _uncommon(xs, xo, xstart, sdf, cfg)
    nwin = np.bincount(win_doc, minlength=len(docs)).astype(np.int64)
    seg_before = np.concatenate(([0], np.cumsum(nseg)))
    win_before = np.concatenate(([0], np.cumsum(nwin)))
    # the numbering document by document: segment j of document k at win_before[k] + j,
    # window w of document k at seg_before[k + 1] + w
    owner = np.concatenate([own + win_before[seg_doc[own]], xo + seg_before[win_doc[xo] + 1]])
    order = np.argsort(owner, kind="stable")
    total = int(nseg.sum() + nwin.sum())
    if total == 0:
        empty = np.zeros((0, cfg.bands), dtype=np.uint64), np.zeros(0, dtype=np.int64)
        return (*empty, np.zeros((0, 2), np.int64)) if ranges else empty
    sig = signatures(np.concatenate([sh, xs])[order], owner[order], total, cfg.num_perm, cfg.seed)
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), nseg + nwin)
    if not ranges:
        return band_keys(sig, cfg.bands, cfg.rows), doc_of
    return band_keys(sig, cfg.bands, cfg.rows), doc_of, _row_ranges(bounds, only, len(xo) > 0, seg_doc, win_doc,
                                                                    seg_before, win_before, tok_off, cfg)


def _row_ranges(bounds, only, windowed: bool, seg_doc, win_doc, seg_before, win_before, tok_off, cfg: Config):
    """Each signature row's (first, end) token in its document, numbered as
    :func:`segment_band_keys` numbers them."""
    rows = [np.c_[bounds[:-1], bounds[1:]]]
    at = [np.arange(len(seg_doc)) + win_before[seg_doc]]
    if windowed:
        w0, count = _windows(bounds, cfg.shingle_size, cfg.segment_tokens, only)
        w0, count = w0[count > 0], count[count > 0]
        rows.append(np.c_[w0, w0 + count + cfg.shingle_size - 1])
        at.append(np.arange(len(w0)) + seg_before[win_doc + 1])
    out = np.empty((int(sum(len(r) for r in rows)), 2), np.int64)
    out[np.concatenate(at)] = np.concatenate(rows)
    doc = np.concatenate([seg_doc, win_doc]) if windowed else seg_doc
    out[np.concatenate(at)] -= tok_off[doc][:, None]
    return out


def _paragraph_first_tokens(docs: list, which: np.ndarray, tok_off: np.ndarray) -> np.ndarray:
    """Token index (in the concatenation) of each paragraph's first token, for the
    documents ``which`` selects: documents and character offsets as one sorted key."""
    keys = np.concatenate([(np.int64(k) << 32) + p.starts.astype(np.int64) for k, p in enumerate(docs)])
    para = np.array([(k << 32) + s for k, p in enumerate(docs) if which[k] for s, _ in p.paragraphs], dtype=np.int64)
    return np.searchsorted(keys, para)


def _noisy(prepared: Sequence[Prepared]) -> np.ndarray:
    flags = getattr(prepared, "noisy", None)  # a PreparedStore knows without loading
    return flags if flags is not None else np.array([p.noisy for p in prepared], dtype=bool)


def _keys_range(state, rng: tuple[int, int]):
    prepared, cfg, rare, with_grams = state
    stored = getattr(prepared, "stored", None)  # a store: no document frequency per token is needed
    docs = [stored(k) for k in range(*rng)] if stored else prepared[rng[0] : rng[1]]
    keys, seg_of = segment_band_keys(docs, cfg, getattr(prepared, "phrase_table", None))
    grams = bigrams_of([p.hashes for p in docs], rng[0]) if with_grams else None
    rare_keys = _rare_keys(docs, cfg, len(prepared), getattr(prepared, "table", None)) if rare else None
    return keys, seg_of + rng[0], rare_keys, grams


class _BandColumns:
    """Band keys of every segment, kept in memory or, with a workspace, on disk in
    groups of bands so that one group at a time is in memory."""

    def __init__(self, bands: int, directory: str | None):
        self.groups = [list(range(b, min(bands, b + BANDS_PER_GROUP))) for b in range(0, bands, BANDS_PER_GROUP)]
        self.dir = directory
        self.parts: list[list[np.ndarray]] = [[] for _ in self.groups]

    def add(self, keys: np.ndarray) -> None:
        for g, cols in enumerate(self.groups):
            block = np.ascontiguousarray(keys[:, cols[0] : cols[-1] + 1])
            if self.dir is None:
                self.parts[g].append(block)
            else:
                append_file(f"{self.dir}/bands-{g}", block.tobytes())  # checked: a full disk is one line

    def group(self, g: int) -> np.ndarray:
        width = len(self.groups[g])
        if self.dir is None:
            return np.concatenate(self.parts[g]) if self.parts[g] else np.zeros((0, width), np.uint64)
        return np.fromfile(f"{self.dir}/bands-{g}", dtype=np.uint64).reshape(-1, width)


def find_candidates(prepared: Sequence[Prepared], cfg: Config, progress=None, *, engine: Engine,
                    workdir: str | None = None, bigrams: KeyParts | None = None) -> np.ndarray:
    """Document pairs (i < j) whose segments collide in some LSH band, as an (n, 2) array.

    Documents flagged as OCR-damaged also get candidates that share their rarer words;
    every document gets those that share enough of its rare word bigrams
    (:mod:`dedup.stages.inverted`). ``workdir``: keep the band keys there instead of in memory.
    ``bigrams``: where the documents' bigrams are kept (filled here, for a later stage
    to read again; default: in memory, for this call).
    """
    noisy = _noisy(prepared)
    rare = bool(noisy.any())
    grams = (KeyParts(None, "bigrams") if bigrams is None else bigrams) if cfg.rare_bigrams else None
    if grams is not None:
        grams.clear()
    if hasattr(engine, "shuffle"):  # an engine that spreads data: band keys stay on its workers
        from .candidates_shuffled import shuffled_candidates

        return shuffled_candidates(prepared, cfg, progress, engine, noisy, grams)
    columns = _BandColumns(cfg.bands, workdir)
    seg_doc, rare_keys = [], []
    state = (prepared, cfg, rare, grams is not None)
    for k, d, r, g in map_ranges(engine, _keys_range, state, len(prepared), CHUNK, progress, "fingerprint"):
        columns.add(k)
        seg_doc.append(d)
        rare_keys.append(r)
        if grams is not None:
            grams.add(g)
    seg_doc = np.concatenate(seg_doc) if seg_doc else np.zeros(0, np.int64)
    if len(seg_doc) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    # Pairs from any band: each group of bands is grouped on its own and the union taken;
    # on the workers, a group each, when the groups are on disk and large enough to pay for
    # the pool (in the driver they were the stage's serial part: 4 s at 100k articles)
    pairs = np.zeros((0, 2), dtype=np.int64)
    state = (columns, seg_doc, cfg.max_bucket)
    groups = range(len(columns.groups))
    if columns.dir is not None and keyparts.worth_workers(engine, seg_doc.nbytes * cfg.bands):
        found = engine.map(_group_pairs, state, groups)
    else:
        found = (_group_pairs(state, g) for g in groups)
    for group_pairs in found:
        pairs = _merge_pairs(pairs, group_pairs)
    if rare:
        keys = np.concatenate(rare_keys)
        pairs = _merge_pairs(pairs, candidate_pairs(keys, np.arange(len(prepared)), cfg.max_bucket, only=noisy))
    if grams is None:
        return pairs
    grams.filled = True
    return _merge_pairs(pairs, rare_pairs_of(grams, len(prepared), pairs, _ntokens(prepared), cfg.max_evalue,
                                             engine=engine))


def _group_pairs(state, g: int) -> np.ndarray:
    """:func:`candidate_pairs` of band group ``g``."""
    columns, seg_doc, max_bucket = state
    return candidate_pairs(columns.group(g), seg_doc, max_bucket)


def _rare_keys(prepared: Sequence[Prepared], cfg: Config, n_docs: int, table: tuple | None = None) -> np.ndarray:
    """Band keys for the OCR channel: one signature per document of its rarer words.

    Misreadings break most word n-grams, but the names and figures that survive are
    still shared; misread words (seen once) and common words are left out. ``table``:
    the corpus's words and their documents, looked up for each document's distinct
    words (else each token's ``df`` is read).
    """
    cap = max(10, int(RARE_DF_SHARE * n_docs))
    if table is None:
        words = [unique_sorted(p.hashes[(p.df >= 2) & (p.df <= cap)]) for p in prepared]
    else:
        vocab = [p.vocab for p in prepared]
        flat = np.concatenate(vocab) if vocab else np.zeros(0, np.uint64)
        values, counts = table
        df = np.zeros(len(flat), np.int64)
        if len(values):  # looked up in sorted order: each search starts near the last
            order = np.argsort(flat)
            df[order] = counts[np.searchsorted(values, flat[order])]
        cut = np.cumsum([0] + [len(v) for v in vocab]).tolist()
        rare = (df >= 2) & (df <= cap)
        words = [flat[a:b][rare[a:b]] for a, b in zip(cut[:-1], cut[1:])]
    words = [w if len(w) else _NO_WORDS for w in words]  # an empty set: a signature nobody shares
    flat = np.concatenate(words)
    owners = np.repeat(np.arange(len(words), dtype=np.int64), [len(w) for w in words])
    sig = signatures((flat ^ (flat >> np.uint64(32))).astype(np.uint32), owners, len(words), cfg.num_perm, cfg.seed)
    return band_keys(sig, cfg.bands, cfg.rows)


_NO_WORDS = np.zeros(1, dtype=np.uint64)


def _ntokens(prepared) -> np.ndarray:
    counts = getattr(prepared, "ntokens", None)  # a PreparedStore keeps them loaded
    return np.asarray(counts if counts is not None else [p.ntokens for p in prepared], dtype=np.float64)
