"""Normalize/segment over a corpus, second half: furniture inside paragraphs.

After the lines are judged (:mod:`dedup.stages.prepare`), recurring passages at any
granularity (runs of recurring n-grams, :mod:`dedup.stages.inline`) are found in every
document, judged as lines are (how they recur across documents that otherwise share
nothing), and the furniture ones are cut out of the content; offsets still refer to the
original text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import inline, recurrence
from ..config import Config
from .facts import fact_masks
from .prepare import CHUNK, Progress, _line_arrays, _line_spans, _noop, line_furniture, pack_lines
from .recurrence import _counts
from .segment import member_sorted, prepare, unique_sorted
from ..storage.spill import Records
from ..storage.workspace import DocStore, PreparedStore

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine


def _passages_range(state, rng: tuple[int, int]):
    """The range's recurring passages, packed as lines are (their token spans, words and
    keys, then a key of the document's own standing for its words outside them), and its
    part of the corpus passage count (a reduction, as for lines)."""
    prepared, recurring, mod = state
    hashes = [prepared.hashes(d) for d in range(*rng)]
    out, keys = [], []
    for d, h, spans in zip(range(*rng), hashes, inline.passages_many(hashes, recurring, mod)):
        k = np.append(inline.passage_keys(h, spans), np.uint64(inline.residual_key(d)))
        words = np.asarray([e - s for s, e in spans] + [len(h) - _covered(spans)], np.int64)
        out.append(pack_lines(spans + [(0, 0)], np.zeros(len(k), bool), words, k))
        keys.append(k)
    return out, recurrence.count_part(rng[0], keys)


def _own_passages(data: bytes) -> tuple[list, np.ndarray]:
    """``(spans, keys)`` of a document's packed passages, without its residual key."""
    return _line_spans(data)[:-1].tolist(), _line_arrays(data)[2][:-1]


def _inline_rest_range(state, rng: tuple[int, int]):
    prepared, passages, ids, recurring, cfg = state
    return inline.rest_signatures([(prepared[d], *_own_passages(passages.get(d))) for d in ids[rng[0] : rng[1]]],
                                  recurring, len(prepared), cfg.seed)


def _cut_range(state, rng: tuple[int, int]):
    prepared, docs, ids, furniture_grams, mod, cfg = state
    out, texts = [], []
    chunk = ids[rng[0] : rng[1]]
    for d, drop in zip(chunk, inline.passages_many([prepared.hashes(d) for d in chunk], furniture_grams, mod)):
        if drop:
            p = prepared[d]
            text = docs.text(d)
            q = prepare(d, text, inline.cut(p.paragraphs, p, drop, text), cfg.segment_tokens)
            q.text = None
            out.append(q)
            texts.append(text)
    return list(zip(out, fact_masks(texts, [q.starts for q in out], [q.ends for q in out], [q.hashes for q in out])))


def inline_furniture(prepared: PreparedStore, docs: DocStore, recurring_df: tuple, mod: int, cfg: Config,
                     progress: Progress = _noop, *, engine: Engine) -> int:
    """Find recurring passages (runs of recurring n-grams, see :mod:`dedup.stages.inline`),
    judge them as lines are judged, cut the furniture ones out of the content.
    ``recurring_df``: the recurring n-grams (sorted) and their document counts.
    Returns the number of documents changed."""
    n = len(prepared)
    recurring, gram_df = recurring_df
    if not len(recurring):
        return 0
    passages = Records(f"{prepared.docs.directory}/passages")
    carriers: list[int] = []  # the documents with recurring passages
    counted = engine.map_reduce(_passages_range, (prepared, recurring, mod), engine.partitions(n, CHUNK),
                                recurrence.merge_counts)
    for part in counted:
        for record in part:
            if int(np.frombuffer(record, np.int64, 1)[0]) > 1:
                carriers.append(len(passages))
            passages.append(record)
        progress("passages", len(passages), n)
    passages.flush()
    keys, docs_per_key = counted.value
    min_docs = inline.PASSAGE_DOCS_FACTOR * cfg.boilerplate_min_docs
    furniture = line_furniture(docs, passages, keys[docs_per_key >= min_docs], cfg, engine=engine,
                               min_docs=min_docs, rest=(_inline_rest_range, prepared))
    del keys, docs_per_key
    # A passage judged furniture marks its n-grams as furniture wherever they occur: in a
    # few documents the same blurb recurs with a neighbouring word (another passage key).
    # Unless most documents with those n-grams carry them inside recurring text that is
    # not furniture: a story's paragraph, quoted alone by a few, belongs to the story.
    first, hit_grams = {}, []
    for d in carriers:
        sp, k = _own_passages(passages.get(d))
        sp = np.asarray(sp, np.int64).reshape(-1, 2)
        hit = furniture.mask(k, docs.sources[d]) & (sp[:, 1] - sp[:, 0] >= inline.MIN_TOKENS)
        if hit.any():
            h = prepared[d].hashes
            mine = []
            for (s, e), key in zip(sp[hit].tolist(), k[hit].tolist()):
                g = inline.ngrams(h[s:e])
                g = g[inline.anchors(g, mod)]
                g = g[member_sorted(g, recurring)]
                first.setdefault(key, g)
                mine.append(g)
            hit_grams.append(unique_sorted(np.concatenate(mine)))
    if not first:
        return 0
    in_furniture, docs_in_furniture = _counts(np.concatenate(hit_grams))
    grams = [g for g in first.values() if len(g) and 2 * np.median(docs_in_furniture[np.searchsorted(in_furniture, g)])
             >= np.median(gram_df[np.searchsorted(recurring, g)])]
    if not grams:
        return 0
    furniture_grams = np.unique(np.concatenate(grams))
    changed = 0
    for part in engine.map(_cut_range, (prepared, docs, carriers, furniture_grams, mod, cfg),
                           engine.partitions(len(carriers), CHUNK)):
        for q, mask in part:
            prepared.replace(q, mask)
            changed += 1
    return changed


def _covered(spans: list) -> int:
    """Tokens inside any of the (possibly overlapping) spans."""
    total, end = 0, -1
    for s, e in sorted(spans):
        if e > end:
            total += e - max(s, end)
            end = e
    return total
