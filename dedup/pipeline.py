"""The pipeline: ingest -> normalize/segment -> fingerprint -> candidates -> align ->
cluster -> provenance -> report. Each stage is a function of plain data; this module
only wires them and reports progress through a callback (the library never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Optional, Union

import numpy as np

from .align import coverage, link_kind, weighted_score, align
from .candidates import find_candidates
from .cluster import components, supported
from .config import Config
from .errors import InputError
from .ingest import Input, read_corpus, to_document
from .link import align_pairs, pair_sides
from .models import Comparison, Document, DocumentInfo, Problem, Report
from .parallel import default_jobs
from .prepare import prepare_corpus
from .provenance import PairAlignment, build_cluster, passages, rounded

Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    pass


def _as_inputs(inputs) -> list:
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        return [inputs]
    return list(inputs)


def cluster(
    inputs: Union[Input, Iterable[Input]],
    config: Optional[Config] = None,
    progress: Optional[Progress] = None,
    jobs: Optional[int] = None,
    keep_texts: bool = False,
) -> Report:
    """Find the documents that share text, the passages, the origins; see :class:`Report`.

    ``inputs``: paths (directories, .txt/.md, .jsonl[.gz]) and/or Documents or dicts.
    ``jobs``: worker processes (default: all cores); the report does not depend on it.
    ``keep_texts``: keep the texts of cluster members for :meth:`Report.text_of`
    (otherwise texts are released as soon as they are tokenized, to save memory).
    Raises :class:`InputError` when no document can be read.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    cfg = config or Config()
    progress = progress or _noop
    docs, problems = read_corpus(_as_inputs(inputs))
    if not docs:
        raise InputError("no readable documents" + (f" ({len(problems)} skipped)" if problems else ""))
    prepared, facts = prepare_corpus(docs, cfg, progress, jobs)
    texts = {d.id: d.text for d in docs} if keep_texts else {}
    del docs
    pairs = find_candidates(prepared, cfg, progress, jobs)
    release_texts(prepared, pairs)
    alignments = align_pairs(prepared, pairs, cfg, progress, jobs)
    return build_report(prepared, facts, alignments, problems, cfg, texts)


def release_texts(prepared, pairs) -> None:
    """Drop the texts alignment will not read again: only pairs with an OCR-damaged
    document are aligned on characters, which needs both texts."""
    noisy = np.array([p.noisy for p in prepared], dtype=bool)
    keep = noisy.copy()
    if len(pairs):
        with_noisy = noisy[pairs[:, 0]] | noisy[pairs[:, 1]]
        keep[pairs[with_noisy].ravel()] = True
    for p, k in zip(prepared, keep.tolist()):
        if not k:
            p.text = None


def build_report(prepared, facts, alignments, problems: list[Problem], cfg: Config, texts: dict | None = None) -> Report:
    """Cluster the links, add provenance and assemble the report.

    ``texts``: doc_id -> text, kept in the report for cluster members (not serialized).
    """
    n = len(prepared)
    edges = [(a.i, a.j) for a in alignments]
    groups = components(n, (e for e, ok in zip(edges, supported(n, edges)) if ok))
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
            chars=p.nchars,
            content_chars=sum(e - s for s, e in p.paragraphs),
            cluster=cluster_of.get(f.doc_id),
        )
        for f, p in zip(facts, prepared)
    ]
    report = Report(clusters=clusters, documents=infos, problems=problems, config=cfg.as_dict())
    if texts:
        report._texts.update((k, texts[k]) for k in cluster_of if k in texts)
    return report


def compare(a: Union[str, Document, dict], b: Union[str, Document, dict], config: Optional[Config] = None) -> Comparison:
    """Align two texts on their own (no corpus statistics): passages, score, coverage.

    Default settings: :meth:`Config.pairwise`. Symmetric: ``compare(b, a)`` mirrors
    ``compare(a, b)``; a text compared with itself is a duplicate with score 1.
    """
    cfg = config or Config.pairwise()
    da, db = (to_document({"id": k, "text": x}) if isinstance(x, str) else to_document(x) for k, x in (("a", a), ("b", b)))
    prepared, _ = prepare_corpus([da, db], cfg)
    pa, pb = prepared
    spans = align(*pair_sides(pa, pb, pa.word_string(), pb.word_string(), 2), cfg)
    cov_a, cov_b = coverage(spans, pa.ntokens, pb.ntokens)
    return Comparison(
        kind=link_kind(spans, pa.ntokens, pb.ntokens, cfg),
        score=rounded(weighted_score(spans)),
        coverage_source=rounded(cov_a),
        coverage_target=rounded(cov_b),
        passages=passages(pa, pb, spans),
    )
