"""The index's answer for one document: the stored documents it shares text with,
the passages, the story it joins and that story's origin."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from ..models import Document, Nearest
from ..stages.facts import fact_mask
from ..stages.nearest import containment, may_precede, seconds, trigrams
from ..stages.provenance import DocFacts, passages, rank_key, rounded
from ..stages.segment import member_sorted
from . import analysis as an
from . import carriers
from . import seeds
from .series import judged_by_frame
from .results import AddResult, Match, whole_copy

if TYPE_CHECKING:
    from .index import Index


def story_label(story: int) -> str:
    return f"s{story}"


def answer(index: "Index", d: Document, stored: bool):
    """What ``d`` copies from the stored documents, as :class:`AddResult`, and what storing
    it writes (``stored``: it is being added; else a query, which lists the stored
    document with its id apart)."""
    store, cfg = index._store, index.config
    # a query of a stored document's id answers as if it were not stored: its row, its
    # words, lines and n-gram anchors are left out of what the answer counts
    same = None if stored else store.doc_by_id(d.id)
    n_docs = store.count() + (same is None)
    lines = an.Lines.of(d.text)
    drop = index._furniture(lines, d.source, _without_stored(lines, d.source, same))
    p, facts, paras = an.analyse(d, lines, drop, cfg)
    hashes = an.word_hashes(d.text)
    grams = an.grams_of(hashes, index._mod)
    gram_counts = store.gram_counts(an.signed(grams)) + 1
    if same is not None:
        gram_counts -= np.isin(grams, an.grams_of(an.word_hashes(same[2]), index._mod))
    cut, cut_grams = an.inline_furniture(p, grams, gram_counts, index._mod, cfg)
    whole = p
    p, paras = an.cut_inline(d.text, p, paras, cut, cfg)
    keys = an.doc_band_keys([p], cfg)[0]
    grams2 = seeds.bigram_keys(p) if index._seeds else np.zeros(0, np.int64)
    content = an.hash_of(hashes)
    # always candidates (crowded buckets are cut); a text without a word copies nothing
    exact = set(store.docs_with_hash(content)) if len(hashes) else set()

    def found(keys: np.ndarray, limit: int | None = None) -> dict[int, list[int]]:
        """Stored docs by key; a query's own stored row left out (its buckets are as full
        as without it)."""
        rows = store.band_rows(keys, limit) if len(keys) else []
        return an.buckets(rows if same is None else (r for r in rows if r[1] != same[0]))

    carried = found(grams2)  # the bigrams' carriers, counted whole
    phrases = seeds.phrase_table(grams2, carried) if index._seeds else None
    if phrases is not None:  # the phrases its words sit in, counted by the bigrams' rows
        seeds.with_phrases(p, phrases, grams2)
    # a band bucket read only as far as bucket_candidates needs: one past max_bucket, so
    # that a bucket holding the query's own row is over-full without it as with it
    bands = found(keys, cfg.max_bucket + 1)
    common = an.common_keys(p, keys, bands, lambda: seeds.shingle_df(p, cfg.shingle_size), cfg)
    cands = an.bucket_candidates(bands, cfg.max_bucket, common) | exact
    if cut:  # copies stored before the passage was furniture have its segments' band keys
        outside = an.band_keys_outside(whole, cut, cfg)
        cands |= an.bucket_candidates(an.buckets(store.band_rows(outside, limit=cfg.max_bucket + 1)), cfg.max_bucket)
    if carried:
        cands |= seeds.candidates(carried, p.ntokens, n_docs, cfg.max_evalue,
                                  lambda ids: {r[0]: r[9] for r in store.docs_by_rowid(ids)}, cands)
    rows = [r for r in store.docs_by_rowid(cands) if r[1] != d.id]
    others = index._stored_prepared_many(rows, facts=True)
    if len(cut_grams):  # the furniture found here is cut from the stored side too
        others = [an.cut_grams(r[2], q, cut_grams, index._mod, cfg) for r, q in zip(rows, others)]
    vocab = np.unique(np.concatenate([p.vocab] + [q.vocab for q in others]))
    counts = store.word_counts(an.signed(vocab))
    if same is not None:
        counts = counts - np.isin(vocab, index._stored_prepared(same).vocab, assume_unique=True)
    an.set_df(p, counts[np.searchsorted(vocab, p.vocab)] + 1, n_docs)
    if phrases is not None:  # the stored side's phrases, by the same rows
        for x in others:
            seeds.with_phrases(x, phrases)
    found = []

    def fact_of(x):  # kept on the document: a cached stored one keeps it for later queries
        if x.fact_flags is None:
            x.fact_flags = fact_mask(x.text, x.starts, x.ends, x.hashes)
        return x.fact_flags

    # Stored documents with the same text and the same stored analysis align alike: a
    # story stored 1,000 times (its exact copies are always candidates) is aligned once
    # an add, not 1,000 times. Only exact copies are looked up so: other candidates are
    # few (buckets are cut), and their texts are not hashed for nothing.
    aligned: dict[tuple, an.PairResult | None] = {}
    for row, q in zip(rows, others):
        same_as = (row[2], row[an.PREPARED]) if row[0] in exact and row[an.PREPARED] is not None else None
        if same_as is not None and same_as in aligned:
            pair = aligned[same_as]
        else:
            in_new = np.isin(q.vocab, p.vocab, assume_unique=True)
            an.set_df(q, counts[np.searchsorted(vocab, q.vocab)] + in_new, n_docs)
            pair = an.align_pair(q, p, n_docs, cfg, fact_of)
            if same_as is not None:
                aligned[same_as] = pair
        if pair is not None:
            found.append((row, q, pair))
        elif row[0] in exact:
            # The same words in the same order: the alignment may see too little content
            # (lines recurring only in the two copies read as furniture), the copy is whole.
            found.append((row, None, None))
    # a match sharing only recurring text (on either side) that no copy shares is furniture (.carriers)
    anchors = carriers.recurring_anchors(p, grams, gram_counts, index._mod, cfg)
    if found:
        same_grams = an.text_grams(same[2], index._mod) if same is not None else None
        # the n-grams read from the store so far, and their counts: copies of one story
        # share most of theirs, each is read once an answer
        read: dict[int, int] = {}

        def counts_of(keys: np.ndarray) -> np.ndarray:
            """Documents carrying each n-gram (``keys`` distinct), the new one counted as
            its own counts count it (a query's stored row not): the new side's counts,
            the store's for n-grams the new document lacks."""
            known = member_sorted(keys, grams)
            out = np.zeros(len(keys), np.int64)
            out[known] = gram_counts[np.searchsorted(grams, keys[known])]
            if not known.all():
                miss = keys[~known].tolist()
                new = np.array([k for k in miss if k not in read], np.uint64)
                if len(new):
                    got = store.gram_counts(an.signed(new))
                    read.update(zip(new.tolist(), (got if same_grams is None else got - np.isin(new, same_grams)).tolist()))
                out[~known] = [read[k] for k in miss]
            return out

        def beyond(k: int, carried: float) -> bool | str:  # the stored document is a copy beyond the match
            row, q, pair = found[k]
            g = index._text_grams(row[0], row[2])  # its text's anchors, as the counts hold them
            return carriers.shared_beyond(q, g, counts_of(g), index._mod, pair.spans, carried)

        # each side read: a gap in the new side's passage (its own words the stored side
        # lacks) or misread words (OCR) break its n-grams, not the stored side's
        stored_side = [None if pair is None else carriers.stored_passages(q, pair.spans, counts_of, index._mod, cfg)
                       for _, q, pair in found]
        drop = carriers.furniture_matches([pair for _, _, pair in found], anchors, beyond, stored_side)
        found = [f for f, out in zip(found, drop) if not out]
    found = judged_by_frame(found, p, fact_of)  # issues of a series agree on its fixed names
    # a template match (same formula, new facts) joins no story unless the settings say so
    stories = store.stories_of(row[0] for row, _, pair in found
                               if pair is None or cfg.template_links or pair.kind != "template")
    story, origin = story_of(store, set(stories.values()), facts, p.ntokens)
    matches = []
    for row, q, pair in found:
        if pair is None:
            m = whole_copy(row[1], row[2], d.text, story, origin)
        else:
            m = Match(doc_id=row[1], kind=pair.kind, score=rounded(pair.score),
                      coverage_source=rounded(pair.coverage_stored), coverage_target=rounded(pair.coverage_new),
                      passages=passages(q, p, list(pair.spans)), cluster=story, origin=origin)
        matches.append((row[0], m))
    matches.sort(key=lambda t: (-t[1].coverage_target, -t[1].score, t[1].doc_id))
    coverage = an.covered_share([f[2] for f in found if f[2] is not None], p.ntokens)
    if any(f[2] is None for f in found):
        coverage = 1.0
    result = AddResult(
        doc_id=d.id, stored=stored, coverage=rounded(coverage),
        cluster=story, origin=origin, matches=[m for _, m in matches],
        in_index=same is not None, stored_cluster=story_label(same[11]) if same is not None else None,
        nearest=nearest_stored(p, facts, rows, others))
    new = {"doc": d, "lines": lines, "ntokens": p.ntokens, "prepared": p, "vocab": p.vocab, "facts": facts, "paras": paras, "keys": keys,
           "matches": matches, "stories": set(stories.values()), "hash": content, "grams": grams,
           "bigrams": grams2, "carried": carried}
    return result, new


def _without_stored(lines: an.Lines, source, same):
    """``Index._furniture``'s ``pending`` counts for a query of a stored document's id:
    the document asked about once, the stored one (its lines, under its own source) not
    at all. None otherwise (the document then counts once by itself)."""
    if same is None:
        return None
    return an.line_counts([(an.Lines.of(same[2]), same[5])], an.line_counts([(lines, source)]), sign=-1)


def nearest_stored(p, facts: DocFacts, rows: list, others: list) -> Nearest | None:
    """Of the stored candidates (``rows``, prepared as ``others``), the one dated no later
    that holds the largest share of the new document's word trigrams, as a corpus run
    gives it (:mod:`dedup.stages.nearest`; ties: the first id)."""
    mine, when, best = trigrams(p.hashes), seconds(facts.date), None
    for row, q in zip(rows, others):
        if not may_precede(seconds(datetime.fromisoformat(row[7]) if row[7] else None), when):
            continue
        share = containment(mine, trigrams(q.hashes))[0]
        if best is None or (-share, row[1]) < best:
            best = (-share, row[1])
    return Nearest(doc_id=best[1], shared=rounded(-best[0])) if best is not None else None


def story_of(store, stories: set[int], facts: DocFacts, ntokens: int):
    """The story id and origin of the new document joined with ``stories``."""
    if not stories:
        return None, None
    ranked = [rank_key(facts, ntokens)]
    for s in stories:
        for _, doc_id, f_date, f_credits, n in store.story_members(s):
            date = datetime.fromisoformat(f_date) if f_date else None
            ranked.append(rank_key(DocFacts(doc_id, None, date, None, tuple(json.loads(f_credits))), n))
    return story_label(min(stories)), min(ranked)[-1]
