"""The pipeline: ingest -> normalize/segment -> fingerprint -> candidates -> align ->
cluster -> provenance -> report. Each stage is a function of plain data; this module
only wires them and reports progress through a callback (the library never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Optional, Union


from .align import coverage, link_kind, weighted_score, align
from .candidates import find_candidates
from .cluster import components, supported
from .config import Config
from .errors import InputError
from .ingest import Input, iter_corpus, to_document
from .link import align_pairs, pair_sides
from .models import Comparison, Document, DocumentInfo, Problem, Report
from .parallel import default_jobs
from .prepare import prepare_corpus
from .spill import workdir
from .workspace import DocStore
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
    work_dir: Optional[str] = None,
) -> Report:
    """Find the documents that share text, the passages, the origins; see :class:`Report`.

    ``inputs``: paths (directories, .txt/.md, .jsonl[.gz]) and/or Documents or dicts.
    ``jobs``: worker processes (default: all cores); the report does not depend on it.
    ``keep_texts``: keep the texts of cluster members for :meth:`Report.text_of`.
    ``work_dir``: where the run keeps the corpus while it works (a private temporary
    directory inside it, removed at the end; default: the system's temporary directory).
    Memory grows with the number of documents and segments; the text stays on disk.
    Raises :class:`InputError` when no document can be read.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    cfg = config or Config()
    progress = progress or _noop
    problems: list[Problem] = []
    with workdir(work_dir) as tmp:
        docs = DocStore(tmp)
        prepared = None
        try:
            ingest_corpus(docs, inputs, problems)
            if not len(docs):
                raise InputError("no readable documents" + (f" ({len(problems)} skipped)" if problems else ""))
            prepared, facts = prepare_corpus(docs, tmp, cfg, progress, jobs)
            pairs = find_candidates(prepared, cfg, progress, jobs, tmp)
            alignments = align_pairs(prepared, pairs, cfg, progress, jobs)
            report = build_report(prepared, facts, alignments, problems, cfg)
            if keep_texts:
                position = {doc_id: k for k, doc_id in enumerate(docs.ids)}
                report._texts.update((m.doc_id, docs.text(position[m.doc_id])) for c in report.clusters for m in c.members)
        finally:
            (prepared or docs).close()
    return report


def ingest_corpus(docs: DocStore, inputs, problems: list[Problem]) -> None:
    """Read every input into the run's workspace (streamed: nothing is held whole)."""
    docs.add_all(iter_corpus(_as_inputs(inputs), problems), problems)


def build_report(prepared, facts, alignments, problems: list[Problem], cfg: Config) -> Report:
    """Cluster the links, add provenance and assemble the report."""
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
            chars=nchars,
            content_chars=content,
            cluster=cluster_of.get(f.doc_id),
        )
        for f, nchars, content in zip(facts, prepared.nchars, prepared.content_chars)
    ]
    return Report(clusters=clusters, documents=infos, problems=problems, config=cfg.as_dict())


def compare(a: Union[str, Document, dict], b: Union[str, Document, dict], config: Optional[Config] = None) -> Comparison:
    """Align two texts on their own (no corpus statistics): passages, score, coverage.

    Default settings: :meth:`Config.pairwise`. Symmetric: ``compare(b, a)`` mirrors
    ``compare(a, b)``; a text compared with itself is a duplicate with score 1.
    """
    cfg = config or Config.pairwise()
    # Renamed "a" and "b" so that two documents with one id stay two, in this order.
    da, db = (to_document({"id": k, "text": x} if isinstance(x, str) else {**to_document(x).model_dump(), "id": k})
              for k, x in (("a", a), ("b", b)))
    with workdir() as tmp:
        docs = DocStore(tmp)
        prepared = None
        try:
            docs.add_all([da, db], [])
            prepared, _ = prepare_corpus(docs, tmp, cfg)
            pa, pb = prepared[0], prepared[1]
        finally:
            (prepared or docs).close()
    spans = align(*pair_sides(pa, pb, pa.word_string(), pb.word_string(), 2), cfg)
    cov_a, cov_b = coverage(spans, pa.ntokens, pb.ntokens)
    return Comparison(
        kind=link_kind(spans, pa.ntokens, pb.ntokens, cfg),
        score=rounded(weighted_score(spans)),
        coverage_source=rounded(cov_a),
        coverage_target=rounded(cov_b),
        passages=passages(pa, pb, spans),
    )
