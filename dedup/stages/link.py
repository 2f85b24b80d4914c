"""Align every candidate pair (the align stage over a corpus), partitions of pairs run by an engine.

Words weigh their rarity in the *other* documents of the corpus; pairs with an
OCR-damaged document that words cannot link are aligned again on characters. A linked
pair whose passages differ in their facts is a template series, not a copy
(:mod:`dedup.stages.template`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .align import Side, align
from .align_chars import CharView, align_chars
from ..config import Config, looser_inside
from .provenance import PairAlignment, link_kind
from .significance import MIN_OTHERS, Evidence, prefix_sums, search_size, word_evidence
from .segment import Prepared, member_sorted
from .words import phrases_of
from .facts import fact_mask
from .openings import read_sentences, with_sentence_facts
from .subjects import new_subjects
from .partitions import map_ranges
from .rewrite import sentence_words, with_rewrites
from .template import (TEMPLATE_FACT_SHARE, compact, fact_evidence, frame_facts, judged, new_issue, on_words,
                       without_frame)

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine

CHUNK = 512  # pairs per task


def pair_sides(pa: Prepared, pb: Prepared, words_a: str, words_b: str, n_docs: int,
               prior: float, facts=None) -> tuple[Side, Side]:
    """Both documents' alignment views, words weighted by their rarity in the *other*
    documents of the corpus (smoothed IDF: uniform when there are no others), and their
    evidence of copying given the phrases they sit in (:func:`dedup.stages.significance.word_evidence`;
    words independent when the corpus's phrases were not counted). ``prior``:
    ``Config.phrase_prior``; ``facts``: a callable giving a document's fact mask
    (:func:`dedup.stages.facts.fact_mask`), asked only when a chain could be
    significant (None: no fact discount)."""
    others = n_docs - 2
    has_a, has_b = shared_words(pa.vocab, pb.vocab)
    in_b = has_a[_vocab_index(pa)]  # per token of A: B has its word
    in_a = has_b[_vocab_index(pb)]
    df_a = pa.df - 1 - in_b
    df_b = pb.df - 1 - in_a
    r_a = np.log((1.0 + others) / (1.0 + df_a))
    r_b = np.log((1.0 + others) / (1.0 + df_b))
    if others < MIN_OTHERS:  # rarity means nothing yet (dedup.stages.significance)
        sig_a = sig_b = ev_a = ev_b = None
    else:
        sig_a, sig_b = r_a, r_b
        ev_a = ev_b = None
        if _has_phrases(pa) and _has_phrases(pb):
            ev_a = lambda: _evidence(pa, pb, df_a, others, prior)  # noqa: E731 (computed on demand)
            ev_b = lambda: _evidence(pb, pa, df_b, others, prior)  # noqa: E731
    fa = fb = sa = sb = None
    if facts is not None and sig_a is not None:
        fa, fb = (lambda: _is_fact(pa, facts)), (lambda: _is_fact(pb, facts))  # noqa: E731 (on demand, once a document)
        sa, sb = (lambda: _fact_sums(pa, facts)), (lambda: _fact_sums(pb, facts))  # noqa: E731
    return (Side.make(words_a, r_a + 1.0, pa.quoted, sig_a, ev_a, fa, pa.quoted_sums(), in_b, sa),
            Side.make(words_b, r_b + 1.0, pb.quoted, sig_b, ev_b, fb, pb.quoted_sums(), in_a, sb))


def _is_fact(p: Prepared, facts) -> np.ndarray:
    """``p``'s fact flags as booleans, made once, kept for its next pairs."""
    if p.is_fact is None:
        p.is_fact = facts(p) >= 0
    return p.is_fact


def _fact_sums(p: Prepared, facts) -> np.ndarray:
    """Prefix sums of ``p``'s fact flags, made once, kept for its next pairs."""
    if p.fact_sums is None:
        p.fact_sums = prefix_sums(_is_fact(p, facts))
    return p.fact_sums


def shared_words(va: np.ndarray, vb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct word of ``va`` and of ``vb`` (both sorted, distinct): whether the
    other has it. One search of A's words in B's answers both sides."""
    if not len(va) or not len(vb):
        return np.zeros(len(va), dtype=bool), np.zeros(len(vb), dtype=bool)
    pos = np.minimum(np.searchsorted(vb, va), len(vb) - 1)
    has_a = vb[pos] == va
    has_b = np.zeros(len(vb), dtype=bool)
    has_b[pos[has_a]] = True
    return has_a, has_b


def _vocab_index(p: Prepared) -> np.ndarray:
    """Each token's place in ``p.vocab``."""
    return p.vocab_index if p.vocab_index is not None else np.searchsorted(p.vocab, p.hashes)


def _has_phrases(p: Prepared) -> bool:
    return p.phrases is not None or p.phrase_table is not None


def _phrases(p: Prepared) -> tuple:
    """``p``'s phrases and their corpus counts (:func:`dedup.stages.words.phrases_of`),
    looked up once, on the first pair that needs them."""
    if p.phrases is None:
        p.phrases = phrases_of(p.hashes, p.phrase_table)
    return p.phrases


def _evidence(p: Prepared, other: Prepared, df_words: np.ndarray, others: int, prior: float) -> Evidence:
    """``p``'s word evidence with the pair's own phrases left out of the counts."""
    bi, tri, bi_df, tri_df, _ = _phrases(p)
    shared = _phrases(other)[4]
    df2 = np.maximum(bi_df - 1 - member_sorted(bi, shared), 0)
    df3 = np.maximum(tri_df - 1 - member_sorted(tri, shared), 0) if tri_df is not None else None
    return Evidence(*word_evidence(np.maximum(df_words, 0), df2, df3, others, prior))


def align_one(pa: Prepared, pb: Prepared, n_docs: int, cfg: Config, words=None, chars=None, facts=None,
              tests: int = 1, texts=None):
    """``(kind, spans)`` for one pair: words first, then characters when one document is
    OCR-damaged and words found no link; a word-aligned link whose facts differ is a
    ``template``. ``words``/``chars``/``facts``/``texts``: optional callables that return a
    document's (cached) word string / :class:`CharView` / fact mask / ``(text, starts,
    ends)`` (:func:`dedup.stages.openings.with_sentence_facts`). ``tests``: pairs aligned in
    the whole search (the significance's search space)."""
    kind, spans, _ = align_judged(pa, pb, n_docs, cfg, words, chars, facts, tests, texts)
    return kind, spans


def align_judged(pa: Prepared, pb: Prepared, n_docs: int, cfg: Config, words=None, chars=None, facts=None,
                 tests: int = 1, texts=None):
    """:func:`align_one` and the pair's fact evidence (:func:`dedup.stages.template.fact_evidence`;
    None when the pair is not linked or not judged by its facts)."""
    words = words or (lambda p: p.word_string())
    chars = chars or (lambda p: CharView.of(p.text, p.starts, p.ends))
    facts = facts or (lambda p: fact_mask(p.text, p.starts, p.ends, p.hashes))
    texts = texts or (lambda p: (p.text, p.starts, p.ends))
    side_a, side_b = pair_sides(pa, pb, words(pa), words(pb), n_docs, cfg.phrase_prior, facts)
    spans = align(side_a, side_b, cfg, tests)
    kind = link_kind(spans, pa.ntokens, pb.ntokens, cfg)
    evidence = None
    judge = spans
    if kind is None and (pa.noisy or pb.noisy):
        spans = align_chars(chars(pa), chars(pb), cfg, side_a.weights(), side_b.weights())
        kind = link_kind(spans, pa.ntokens, pb.ntokens, cfg)
        judge = on_words(spans, side_a.words, side_b.words)
    elif kind is not None and ((inner := looser_inside(cfg)) is not None or tests > 1):
        # Linked: the rest of the pair is searched as a pair on its own (shorter, looser
        # passages between and around those found; compare(), a one-pair search under
        # these rules already, skips it). Templates are judged on the passages that
        # linked, so a formula's short matches between its facts change nothing.
        spans = align(side_a, side_b, inner or cfg, 1, spans)
        kind = link_kind(spans, pa.ntokens, pb.ntokens, cfg)

    def rewrites(found):  # a copy's rewritten sentences (dedup.stages.rewrite) are reuse too
        return with_rewrites(found, side_a, side_b, pa.hashes, pb.hashes,
                             lambda: (_sentence_words(pa, texts), _sentence_words(pb, texts)), cfg.max_evalue)

    rewritten = None
    if kind is not None and judged(judge):
        fa, fb = facts(pa), facts(pb)
        if pa.noisy or pb.noisy:
            # OCR damage breaks passages at misread words, facts too: such a pair is judged
            # by how many of its changes are facts, misread names included, else a copy
            evidence = fact_evidence(judge, side_a, side_b, fa, fb, n_docs - 2)
            if not evidence.fact_changes():
                evidence = None
        else:
            both = lambda: (texts(pa), texts(pb))  # noqa: E731 (the texts, read only when needed)
            sentences = lambda: (_sentences(pa, texts), _sentences(pb, texts))  # noqa: E731

            def judged_facts(passages):  # their fact evidence, first and last sentences read whole
                opened = with_sentence_facts(passages, side_a, side_b, fa, fb, both, cfg.max_gap, sentences)
                return fact_evidence(opened, side_a, side_b, fa, fb, n_docs - 2, both)

            evidence = judged_facts(judge)
            if evidence.share() < TEMPLATE_FACT_SHARE and evidence.swaps and kind in ("duplicate", "partial"):
                # Passages that state a fact differently may be an issue of a series whose
                # other sentences restate the formula with new facts, which the rewrite stage
                # pairs as rewritten: those whose changes are facts are judged with them.
                rewritten = rewrites(spans)
                slots = [s for s in _apart_in_order(rewritten, spans, judge) if judged_facts([s]).fact_changes()]
                if slots:
                    evidence = judged_facts(sorted(judge + slots, key=lambda s: (s.a0, s.b0)))
            if (evidence.share() < TEMPLATE_FACT_SHARE
                    and new_subjects(judge, side_a, side_b, fa, fb, both, cfg.max_gap, sentences)):
                kind = "template"  # the formula filled with another subject (its day's figures repeated)
        if evidence is not None and evidence.share() >= TEMPLATE_FACT_SHARE:
            kind = "template"
    if kind in ("duplicate", "partial") and not (pa.noisy or pb.noisy):  # (OCR damage breaks sentences)
        spans = rewritten if rewritten is not None else rewrites(spans)
        kind = link_kind(spans, pa.ntokens, pb.ntokens, cfg)
    return kind, spans, evidence


def _apart_in_order(rewritten: list, spans: list, passages: list) -> list:
    """The sentence pairs the rewrite stage added to ``spans`` that lie apart from the
    ``passages`` and in their order (:func:`_in_place`), as the extent of their equal
    blocks (:func:`_on_blocks`): where a series restates its formula's sentences."""
    return [_on_blocks(s) for s in rewritten if s not in spans and s.blocks and _in_place(s, passages)]


def _in_place(span, passages) -> bool:
    """Whether a sentence pair lies apart from the passages and in their order on both
    sides: a series restates its formula in order, a rewrite may move a sentence."""
    return all((span.a1 <= p.a0 and span.b1 <= p.b0) or (p.a1 <= span.a0 and p.b1 <= span.b0) for p in passages)


def _on_blocks(span):
    """A rewritten sentence pair as the extent of its equal blocks: the words before its
    first block are its sentence's opening (:func:`dedup.stages.openings.with_openings`)."""
    (x0, _, y0, _), (_, x1, _, y1) = span.blocks[0], span.blocks[-1]
    return replace(span, a0=x0, a1=x1, b0=y0, b1=y1)


def _sentences(p: Prepared, texts):
    """``p``'s sentences (:func:`dedup.stages.openings.read_sentences`), read once, kept for
    its next pairs (a document is in several)."""
    if p.sentences is None:
        p.sentences = read_sentences(texts(p))
    return p.sentences


def _sentence_words(p: Prepared, texts) -> tuple:
    """``p``'s sentences and their distinct words (:func:`dedup.stages.rewrite.sentence_words`),
    made once, kept for its next pairs."""
    first, prose = _sentences(p, texts)
    if p.sentence_words is None:
        p.sentence_words = sentence_words(p.hashes, first)
    return first, prose, p.sentence_words


def _cached(cache: dict, make):
    def get(p: Prepared):
        if p.index not in cache:
            cache[p.index] = make(p)
        return cache[p.index]

    return get


def _align_range(state, rng: tuple[int, int]) -> list[tuple[int, PairAlignment, tuple | None]]:
    """``(position in the caller's pairs, alignment, fact evidence)`` of the linked pairs
    in ``rng``."""
    prepared, pairs, order, cfg = state
    tests = search_size(len(prepared))
    sources = getattr(prepared, "sources", None) or len(prepared)  # dedup.stages.sources
    text = getattr(prepared, "text", None)  # a PreparedStore keeps texts on disk
    stored = getattr(prepared, "facts", None)  # and each document's fact mask

    def texts(p: Prepared):  # read once, kept on the document while the store caches it
        if p.text is None:
            p.text = text(p.index)
        return p.text, p.starts, p.ends

    def facts(p: Prepared):
        if p.fact_flags is None:
            p.fact_flags = stored(p.index) if stored is not None else fact_mask(*texts(p), p.hashes)
        return p.fact_flags

    chars = _cached({}, lambda p: CharView.of(*texts(p)))
    out = []
    for (i, j), pos in zip(pairs[order[rng[0] : rng[1]]].tolist(), order[rng[0] : rng[1]].tolist()):
        kind, spans, ev = align_judged(prepared[i], prepared[j], sources, cfg, None, chars, facts, tests, texts)
        if kind is not None:  # the blocks were for alignment; a link keeps the spans alone
            out.append((pos, PairAlignment.of(i, j, kind, spans), ev))
    return out


def _local_order(n: int, pairs: np.ndarray) -> np.ndarray:
    """An order of the pairs in which a worker's recently loaded documents are the ones
    its next pairs need: documents numbered breadth first from the least connected one
    (Cuthill-McKee), which keeps neighbours' numbers close even inside one connected
    group (a large corpus's candidate pairs join tens of thousands of documents into
    one), and pairs sorted by their later-numbered document. Only the cost depends on
    it: the results are put back in the order of ``pairs``."""
    deg = np.bincount(pairs.ravel(), minlength=n)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    dst = dst[np.lexsort((dst, deg[dst], src))]  # each document's neighbours, least connected first
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    nbrs, ptr, has = dst.tolist(), ptr.tolist(), (deg > 0).tolist()
    pos = [-1] * n
    k = 0
    for s in np.lexsort((np.arange(n), deg)).tolist():
        if pos[s] >= 0 or not has[s]:
            continue
        pos[s], k, queue = k, k + 1, [s]
        for u in queue:  # the queue grows while it is read: breadth first
            for v in nbrs[ptr[u] : ptr[u + 1]]:
                if pos[v] < 0:
                    pos[v], k = k, k + 1
                    queue.append(v)
    at = np.asarray(pos, np.int64)
    pa, pb = at[pairs[:, 0]], at[pairs[:, 1]]
    return np.lexsort((np.minimum(pa, pb), np.maximum(pa, pb)))


def align_pairs(prepared: Sequence[Prepared], pairs: np.ndarray, cfg: Config, progress=None,
                *, engine: Engine, stage: str = "align"):
    """Align every candidate pair; keep those with enough shared text to link, in the
    order of ``pairs``. Copies are then judged again without the frame facts of the
    template series their documents belong to (:func:`frames_judged`)."""
    found: list[tuple[int, PairAlignment, tuple | None]] = []
    order = _local_order(len(prepared), pairs) if len(pairs) else np.zeros(0, np.int64)
    for part in map_ranges(engine, _align_range, (prepared, pairs, order, cfg), len(pairs), CHUNK, progress, stage):
        found.extend((pos, al, compact(al.kind, ev)) for pos, al, ev in part)  # held until the frames are judged
    found.sort(key=lambda t: t[0])
    return frames_judged([(al, ev) for _, al, ev in found])


def frames_judged(found: list[tuple[PairAlignment, tuple | None]]) -> list[PairAlignment]:
    """The alignments, with each copy whose facts, the frame of a template series of
    either document left out (:func:`dedup.stages.template.without_frame`), differ as a
    template's do made a ``template``. Frames come from the first judgement only, so
    the result does not depend on the order of the pairs."""
    frame = frame_facts([(al.i, al.j, new_issue(al.kind, ev), ev) for al, ev in found])
    if not frame:
        return [al for al, _ in found]
    out = []
    for al, ev in found:
        if (al.kind != "template" and ev is not None and (al.i in frame or al.j in frame)
                and without_frame(ev, frame.get(al.i, set()), frame.get(al.j, set())) >= TEMPLATE_FACT_SHARE):
            al = replace(al, kind="template")
        out.append(al)
    return out


def realign_sources(prepared, pairs: np.ndarray, alignments: list[PairAlignment], cfg: Config, progress=None,
                    *, engine: Engine, bigrams=None, workdir: str | None = None,
                    seeds: list | None = None) -> list[PairAlignment]:
    """The alignments and the links found when, with each group of copies counted as
    one source (:mod:`dedup.stages.sources`), the candidate pairs left unlinked between
    groups are aligned again, with the pairs that then share rare bigrams. Ordered as
    ``pairs``, the new seeds after them. ``bigrams``: the documents' bigrams as
    :func:`dedup.stages.candidates.find_candidates` kept them (else read again);
    ``workdir``: where the recount keeps the grouped documents' words and phrases;
    ``seeds``: a list the new pairs are appended to (the running stories read them)."""
    from .sources import groups_of, source_seeds, source_tables

    if not len(pairs) or getattr(prepared, "table", None) is None:
        return alignments
    n = len(prepared)
    group = groups_of(n, ((a.i, a.j) for a in alignments if a.kind != "template"))
    code = pairs[:, 0] * n + pairs[:, 1]
    linked = np.fromiter((a.i * n + a.j for a in alignments), np.int64, len(alignments))
    keep = ~np.isin(code, linked) & (group[pairs[:, 0]] != group[pairs[:, 1]])
    view = prepared.with_counts(*source_tables(prepared, group, engine, workdir))
    seeded = (source_seeds(prepared, group, view.sources, pairs, np.asarray(prepared.ntokens, np.float64),
                           cfg.max_evalue, engine, bigrams) if cfg.rare_bigrams else np.zeros((0, 2), np.int64))
    if seeds is not None:
        seeds.append(seeded)
    todo = np.concatenate([pairs[keep], seeded])
    if not len(todo):
        return alignments
    more = align_pairs(view, todo, cfg, progress, engine=engine, stage="sources")
    # in the order of ``pairs``, the new seeds (sorted) after them
    every = np.concatenate([code, seeded[:, 0] * n + seeded[:, 1]])
    order = np.argsort(every, kind="stable")
    out = alignments + more
    at = order[np.searchsorted(every[order], np.fromiter((a.i * n + a.j for a in out), np.int64, len(out)))]
    return [out[k] for k in np.argsort(at, kind="stable").tolist()]
