"""The pipeline: ingest -> normalize/segment -> fingerprint -> candidates -> align ->
cluster -> provenance -> report. Each stage is a function of plain data; this module
only wires them and reports progress through a callback (the library never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Optional, Union

import numpy as np

from . import boilerplate, metadata
from .align import Side, align, link_kind
from .align_chars import CharView, align_chars
from .candidates import band_keys, candidate_pairs
from .cluster import components, supported
from .config import Config
from .errors import InputError
from .fingerprint import segment_shingles, signatures
from .ingest import Input, read_corpus, to_document
from .models import Comparison, Document, DocumentInfo, Passage, Problem, Report
from .provenance import DocFacts, PairAlignment, build_cluster
from .segment import Prepared, paragraphs, prepare

Progress = Callable[[str, int, int], None]
NOISY_SHARE = 0.06  # clean news has <5% one-off words in 95% of documents; OCR'd text more
NOISY_MIN_TOKENS = 20
RARE_DF_SHARE = 0.02  # "rare" words: in at most this share of the corpus


def _noop(stage: str, done: int, total: int) -> None:
    pass


def facts_of(doc: Document, content_lines: list[str] | None = None) -> DocFacts:
    """Metadata for provenance: what the record gives, else what the text shows."""
    date = metadata.parse_date(doc.date) if doc.date else None
    if date is None:
        date = metadata.find_date(doc.text)
    title = doc.title or metadata.find_title(doc.text, content_lines)
    return DocFacts(doc.id, title, date, doc.source, tuple(metadata.find_credits(doc.text)))


def prepare_corpus(docs: Sequence[Document], cfg: Config, progress: Progress = _noop):
    """Classify lines, judge recurring furniture across the corpus, tokenize the content."""
    lines = []
    recurrence = boilerplate.Recurrence()
    n = len(docs)
    for k, doc in enumerate(docs):
        spans = boilerplate.line_spans(doc.text)
        shape, ntoks = boilerplate.shape_furniture(doc.text, spans)
        keys = boilerplate.line_keys(doc.text, spans)
        recurrence.add(keys, ntoks, shape, doc.source)
        lines.append((spans, shape, keys))
        progress("read", k + 1, n)
    furniture = recurrence.furniture(
        lambda d: (docs[d].text, lines[d][0], lines[d][1], lines[d][2]),
        cfg.boilerplate_min_docs, cfg.boilerplate_share, cfg.boilerplate_similarity,
        cfg.shingle_size, cfg.seed,
    )
    prepared, facts = [], []
    drops = []
    seen_furniture = boilerplate.FurnitureTexts()
    for k, (doc, (spans, shape, keys)) in enumerate(zip(docs, lines)):
        recurring = furniture.mask(keys, doc.source)
        seen_furniture.add(doc.text, spans, keys, recurring & ~shape, doc.source)
        drop = shape | recurring
        drops.append(drop)
        paras = paragraphs(doc.text, spans, ~drop)
        prepared.append(prepare(k, doc.text, paras, cfg.segment_tokens))
        head = [doc.text[s:e] for (s, e), d in zip(spans[: metadata.HEAD_LINES], drop.tolist()) if not d]
        facts.append(facts_of(doc, head))
        progress("segment", k + 1, n)
    document_frequencies(prepared)
    # OCR-damaged copies of furniture are not verbatim; drop the lines close to known ones.
    changed = False
    for k, p in enumerate(prepared):
        if p.noisy:
            spans = lines[k][0]
            near = seen_furniture.near(docs[k].text, spans, ~drops[k], docs[k].source)
            if near.any():
                paras = paragraphs(docs[k].text, spans, ~(drops[k] | near))
                prepared[k] = prepare(k, docs[k].text, paras, cfg.segment_tokens)
                changed = True
    if changed:
        document_frequencies(prepared)
    return prepared, facts


def find_candidates(prepared: Sequence[Prepared], cfg: Config, progress: Progress = _noop):
    """Document pairs (i < j) whose segments collide in some LSH band."""
    shingles, owners, seg_doc = [], [], []
    nseg = 0
    for p in prepared:
        sh, own = segment_shingles(p.hashes, p.seg_bounds, cfg.shingle_size)
        shingles.append(sh)
        owners.append(own + nseg)
        k = len(p.seg_bounds) - 1
        seg_doc.append(np.full(k, p.index, dtype=np.int64))
        nseg += k
    if nseg == 0:
        return np.zeros((0, 2), dtype=np.int64)
    sig = signatures(np.concatenate(shingles), np.concatenate(owners), nseg, cfg.num_perm, cfg.seed)
    progress("fingerprint", len(prepared), len(prepared))
    keys = band_keys(sig, cfg.bands, cfg.rows)
    pairs = candidate_pairs(keys, np.concatenate(seg_doc), cfg.max_bucket)
    noisy = np.array([p.noisy for p in prepared], dtype=bool)
    if noisy.any():
        pairs = _merge_pairs(pairs, _rare_word_pairs(prepared, noisy, cfg))
    return pairs


def _rare_word_pairs(prepared: Sequence[Prepared], noisy: np.ndarray, cfg: Config) -> np.ndarray:
    """Candidates for OCR-damaged documents: documents sharing their rarer words.

    Misreadings break most word n-grams, but the names and figures that survive are
    still shared; misread words (seen once) and common words are left out.
    """
    cap = max(10, int(RARE_DF_SHARE * len(prepared)))
    shingles, owners = [], []
    for k, p in enumerate(prepared):
        rare = _unique(p.hashes[(p.df >= 2) & (p.df <= cap)])
        rare = (rare ^ (rare >> np.uint64(32))).astype(np.uint32)
        if len(rare) == 0:
            rare = np.zeros(1, dtype=np.uint32)  # an empty set: a signature nobody shares
        shingles.append(rare)
        owners.append(np.full(len(rare), k, dtype=np.int64))
    sig = signatures(np.concatenate(shingles), np.concatenate(owners), len(prepared), cfg.num_perm, cfg.seed)
    pairs = candidate_pairs(band_keys(sig, cfg.bands, cfg.rows), np.arange(len(prepared)), cfg.max_bucket)
    return pairs[noisy[pairs[:, 0]] | noisy[pairs[:, 1]]]


def _merge_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both = np.concatenate([a, b])
    if len(both) == 0:
        return both
    order = np.lexsort((both[:, 1], both[:, 0]))
    both = both[order]
    keep = np.r_[True, (both[1:] != both[:-1]).any(axis=1)]
    return both[keep]


def document_frequencies(prepared: Sequence[Prepared]) -> None:
    """Set each document's ``df``: how many documents of the corpus carry each of its words."""
    if not prepared:
        return
    for p in prepared:
        p.vocab = _unique(p.hashes)
    allh = np.sort(np.concatenate([p.vocab for p in prepared]))
    if len(allh) == 0:
        for p in prepared:
            p.df = np.zeros(0, dtype=np.int64)
        return
    edges = np.flatnonzero(np.r_[True, allh[1:] != allh[:-1], True])
    values, counts = allh[edges[:-1]], np.diff(edges)
    for p in prepared:
        p.df = counts[np.searchsorted(values, p.hashes)]
        # Misread words occur nowhere else: a high share of one-off words marks OCR damage.
        p.noisy = len(prepared) > 2 and p.ntokens >= NOISY_MIN_TOKENS and float((p.df == 1).mean()) >= NOISY_SHARE


def _unique(x: np.ndarray) -> np.ndarray:
    # sort + mask: several times faster than np.unique on integer arrays here
    s = np.sort(x)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def _member(x: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted vocabulary, without re-sorting it on every call."""
    if len(sorted_unique) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_unique, x), len(sorted_unique) - 1)
    return sorted_unique[pos] == x


def pair_sides(pa: Prepared, pb: Prepared, words_a: str, words_b: str, n_docs: int) -> tuple[Side, Side]:
    """Both documents' alignment views, words weighted by their rarity in the *other*
    documents of the corpus (smoothed IDF: uniform when there are no others)."""
    others = n_docs - 2
    in_b = _member(pa.hashes, pb.vocab)
    in_a = _member(pb.hashes, pa.vocab)
    df_a = pa.df - 1 - in_b
    df_b = pb.df - 1 - in_a
    w_a = np.log((1.0 + others) / (1.0 + df_a)) + 1.0
    w_b = np.log((1.0 + others) / (1.0 + df_b)) + 1.0
    return Side.make(words_a, w_a, pa.quoted), Side.make(words_b, w_b, pb.quoted)


def align_pairs(prepared, pairs: np.ndarray, cfg: Config, progress: Progress = _noop):
    """Align every candidate pair; keep those with enough shared text to link.

    Pairs with an OCR-damaged (noisy) document that words cannot link are aligned
    again on characters.
    """
    words: dict[int, str] = {}
    chars: dict[int, CharView] = {}
    out = []
    total = len(pairs)
    n = len(prepared)
    for k, (i, j) in enumerate(pairs.tolist()):
        for x in (i, j):
            if x not in words:
                words[x] = prepared[x].word_string()
        side_i, side_j = pair_sides(prepared[i], prepared[j], words[i], words[j], n)
        spans = align(side_i, side_j, cfg)
        kind = link_kind(spans, prepared[i].ntokens, prepared[j].ntokens, cfg)
        if kind is None and (prepared[i].noisy or prepared[j].noisy):
            for x in (i, j):
                if x not in chars:
                    chars[x] = CharView.of(prepared[x].text, prepared[x].starts, prepared[x].ends)
            spans = align_chars(chars[i], chars[j], cfg, side_i.weights(), side_j.weights())
            kind = link_kind(spans, prepared[i].ntokens, prepared[j].ntokens, cfg)
        if kind is not None:
            out.append(PairAlignment(i, j, kind, tuple(spans)))
        if (k + 1) % 256 == 0 or k + 1 == total:
            progress("align", k + 1, total)
    return out


def _as_inputs(inputs) -> list:
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        return [inputs]
    return list(inputs)


def cluster(
    inputs: Union[Input, Iterable[Input]],
    config: Optional[Config] = None,
    progress: Optional[Progress] = None,
) -> Report:
    """Find the documents that share text, the passages, the origins; see :class:`Report`.

    ``inputs``: paths (directories, .txt/.md, .jsonl[.gz]) and/or Documents or dicts.
    Raises :class:`InputError` when no document can be read.
    """
    cfg = config or Config()
    progress = progress or _noop
    docs, problems = read_corpus(_as_inputs(inputs))
    if not docs:
        raise InputError("no readable documents" + (f" ({len(problems)} skipped)" if problems else ""))
    prepared, facts = prepare_corpus(docs, cfg, progress)
    pairs = find_candidates(prepared, cfg, progress)
    alignments = align_pairs(prepared, pairs, cfg, progress)
    return build_report(docs, prepared, facts, alignments, problems, cfg)


def build_report(docs, prepared, facts, alignments, problems: list[Problem], cfg: Config) -> Report:
    """Cluster the links, add provenance and assemble the report."""
    edges = [(a.i, a.j) for a in alignments]
    groups = components(len(docs), (e for e, ok in zip(edges, supported(len(docs), edges)) if ok))
    by_group: dict[int, list[PairAlignment]] = {g[0]: [] for g in groups}
    root = {x: g[0] for g in groups for x in g}
    for al in alignments:
        if root.get(al.i, -1) == root.get(al.j, -2):  # a bridge between clusters is dropped
            by_group[root[al.i]].append(al)
    built = [build_cluster(g, by_group[g[0]], prepared, facts, "") for g in groups]
    built.sort(key=lambda c: (-c.size, c.origin))
    clusters = [c.model_copy(update={"id": f"c{k + 1}"}) for k, c in enumerate(built)]
    cluster_of = {m.doc_id: c.id for c in clusters for m in c.members}
    infos = [
        DocumentInfo(
            doc_id=f.doc_id,
            title=f.title,
            date=f.date.isoformat(timespec="seconds") if f.date else None,
            source=f.source,
            credits=list(f.credits),
            chars=len(p.text),
            content_chars=sum(e - s for s, e in p.paragraphs),
            cluster=cluster_of.get(f.doc_id),
        )
        for f, p in zip(facts, prepared)
    ]
    report = Report(clusters=clusters, documents=infos, problems=problems, config=cfg.as_dict())
    report._texts.update((d.id, d.text) for d in docs)
    return report


def compare(a: Union[str, Document, dict], b: Union[str, Document, dict], config: Optional[Config] = None) -> Comparison:
    """Align two texts on their own (no corpus statistics): passages, score, coverage.

    Symmetric: ``compare(b, a)`` mirrors ``compare(a, b)``; a text compared with itself
    is a duplicate with score 1.
    """
    cfg = config or Config()
    da, db = (to_document({"id": k, "text": x}) if isinstance(x, str) else to_document(x) for k, x in (("a", a), ("b", b)))
    prepared, _ = prepare_corpus([da, db], cfg)
    pa, pb = prepared
    spans = align(*pair_sides(pa, pb, pa.word_string(), pb.word_string(), 2), cfg)
    from .align import coverage, weighted_score
    from .provenance import _passages, _r

    cov_a, cov_b = coverage(spans, pa.ntokens, pb.ntokens)
    return Comparison(
        kind=link_kind(spans, pa.ntokens, pb.ntokens, cfg),
        score=_r(weighted_score(spans)),
        coverage_source=_r(cov_a),
        coverage_target=_r(cov_b),
        passages=_passages(pa, pb, spans),
    )
