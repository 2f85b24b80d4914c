"""The pipeline: ingest -> normalize/segment -> fingerprint -> candidates -> align ->
cluster -> provenance -> report. Each stage is a function of plain data; this module
only wires them and reports progress through a callback (the library never prints).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Optional, Union

import numpy as np

from .stages.candidates import find_candidates
from .stages.cluster import components, pair_lookup, supported
from .stages.compilation import compilation_cuts
from .config import Config, given_config, given_fields, given_inputs, given_jobs, given_path, given_progress
from .errors import InputError
from .stages.ingest import Input, iter_sourced, problem_order
from .stages.ingest.url import local_inputs
from .stages.link import align_pairs, realign_sources
from .stages.nearest import nearest, seconds
from .stages.stories import shared_names, source_numbers, stories, story_ties
from .models import Cluster, Document, DocumentInfo, FieldMap, Link, Nearest, Problem, Report
from .engines import Engine, Inline, as_engine, make_engine
from .stages.prepare import prepare_corpus
from .storage.keyparts import KeyParts
from .storage.spill import workdir
from .storage.workspace import DocStore
from .stages.provenance import PairAlignment, build_bridge, build_cluster, rank_key, rounded

Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    pass


def _as_inputs(inputs) -> list:
    # one record given alone is one input (a dict or a Document is iterable too: its keys
    # were read as paths, its fields as records)
    if isinstance(inputs, (str, bytes, Mapping, Document)) or not isinstance(inputs, Iterable):
        return [inputs]
    return list(inputs)


def cluster(
    inputs: Union[Input, Iterable[Input]],
    config: Optional[Config] = None,
    progress: Optional[Progress] = None,
    jobs: Optional[int] = None,
    keep_texts: bool = False,
    work_dir: Optional[str] = None,
    fields: Optional[FieldMap] = None,
    engine: Union[str, Engine] = "local",
    client=None,
    partitions: Optional[int] = None,
) -> Report:
    """Find the documents that share text, the passages, the origins; see :class:`Report`.

    ``inputs``: paths (directories, .txt/.md, .jsonl[.gz]) and/or Documents or dicts (one
    path, Document or dict alone is that input).
    ``jobs``: worker processes (default: all cores; at most 4 per core, and no more than
    a stage has tasks); the report does not depend on it.
    ``keep_texts``: keep the texts of cluster members for :meth:`Report.text_of`.
    ``work_dir``: where the run keeps the corpus while it works (a private temporary
    directory inside it, removed at the end; default: the system's temporary directory).
    ``fields``: which keys/columns of JSONL, CSV/TSV and Parquet records hold the
    Document's fields (default: the same names).
    ``engine``: what runs the stages: ``"local"`` (``jobs`` processes on this machine),
    ``"dask"`` (``client``, a ``distributed.Client``, or a LocalCluster of ``jobs``
    processes), or an :class:`~dedup.engines.Engine`; ``partitions``: how many
    partitions the Dask engine cuts each stage into. The report does not depend on them.
    Raises :class:`InputError` when no document can be read, :class:`EngineError`
    when the engine cannot run (the ``dask`` extra missing, a scheduler unreachable).

    Memory grows with the number of documents and segments, the text stays on disk;
    the returned report holds every cluster and document as objects. For corpora of
    millions, :func:`run` hands the result over one cluster at a time instead.
    """
    if not isinstance(keep_texts, bool):  # "no" kept them
        raise TypeError(f"keep_texts must be True or False, not {type(keep_texts).__name__}")
    with run(inputs, config, progress, jobs, work_dir, fields, engine, client, partitions) as outcome:
        return outcome.report(keep_texts)


@contextmanager
def run(
    inputs: Union[Input, Iterable[Input]],
    config: Optional[Config] = None,
    progress: Optional[Progress] = None,
    jobs: Optional[int] = None,
    work_dir: Optional[str] = None,
    fields: Optional[FieldMap] = None,
    engine: Union[str, Engine] = "local",
    client=None,
    partitions: Optional[int] = None,
) -> Iterator["Outcome"]:
    """:func:`cluster`'s work, kept open as an :class:`Outcome` whose clusters are built
    as they are read (the workspace is removed when the ``with`` block ends). An engine
    given by name is started here and closed at the end; one given as an object is not."""
    jobs = given_jobs(jobs)
    cfg = given_config(config)
    inputs, progress = given_inputs(inputs), given_progress(progress)
    fields, work_dir = given_fields(fields), given_path(work_dir, "work_dir")
    if isinstance(engine, str):
        with _started(make_engine(engine, jobs, client=client, partitions=partitions)) as eng:
            with run(inputs, cfg, progress, jobs, work_dir, fields, eng) as outcome:
                yield outcome
        return
    engine = as_engine(engine)  # None or a number of jobs, as before engines had names
    progress = progress or _noop
    problems: list[Problem] = []
    with workdir(work_dir) as tmp:
        docs = DocStore(tmp)
        prepared = None
        try:
            ingest_corpus(docs, inputs, problems, fields, progress, engine, tmp)
            if not len(docs):
                raise InputError("no readable documents" + (f" ({len(problems)} skipped)" if problems else ""),
                                 problems=problems)
            prepared, facts = prepare_corpus(docs, tmp, cfg, progress, engine=engine)
            grams = KeyParts(tmp, "bigrams")  # on disk: a million articles' bigrams are 300M entries
            pairs = find_candidates(prepared, cfg, progress, engine=engine, workdir=tmp, bigrams=grams)
            alignments = align_pairs(prepared, pairs, cfg, progress, engine=engine)
            seeded: list = []
            alignments = realign_sources(prepared, pairs, alignments, cfg, progress, engine=engine, bigrams=grams,
                                         workdir=tmp, seeds=seeded)
            grams.clear()
            dates = np.fromiter((seconds(f.date) for f in facts), np.int64, len(facts))
            ties = story_ties(prepared, np.concatenate([pairs, *seeded]), source_numbers(facts), dates,
                              ((a.i, a.j) for a in alignments if a.kind == "template"), cfg.story_days,
                              cfg.story_evalue, cfg.phrase_prior, progress, engine=engine)
            copies, series = _copies_and_series(alignments, cfg)
            related = pair_lookup(len(prepared), pairs, ((a.i, a.j) for a in series))
            cut = compilations(prepared, copies, related)
            prepared.release_counts()  # alignment is over: the stages left read no counts
            near = nearest(prepared, pairs, dates, progress, engine=engine)
            outcome = link_clusters(prepared, facts, copies, series, problems, near, related, cut, cfg=cfg)
            outcome._ties = ties
            del pairs
            outcome._engine = engine
            yield outcome
        finally:
            (prepared or docs).close()


@contextmanager
def _started(engine: Engine) -> Iterator[Engine]:
    try:
        yield engine
    finally:
        engine.close()


def ingest_corpus(docs: DocStore, inputs, problems: list[Problem], fields: Optional[FieldMap] = None,
                  progress: Optional[Progress] = None, jobs: Union[int, Engine, None] = 1,
                  work_dir: Optional[str] = None) -> None:
    """Read every input into the run's workspace (streamed: nothing is held whole): on an
    engine's workers (``jobs``: an :class:`~dedup.engines.Engine` or a number of local
    processes), HTML pages extracted and text, JSONL, CSV/TSV and Parquet files read into
    shards of the workspace. URLs (see :mod:`dedup.stages.ingest.url`) are copied into
    ``work_dir`` first."""
    inputs = _as_inputs(inputs)
    copies = None if work_dir is None else os.path.join(work_dir, "inputs")
    with local_inputs(inputs, problems, copies) as (local, copied):
        docs.add_all(iter_sourced(local, problems, fields, progress, as_engine(jobs), docs.shard_path, copied), problems,
                     copied)
    problems.sort(key=problem_order)  # the report does not depend on input order


def _copies_and_series(alignments, cfg: Config) -> tuple[list, list]:
    """The links that may join clusters, and the template series' links kept apart."""
    if cfg.template_links:
        return alignments, []
    return [a for a in alignments if a.kind != "template"], [a for a in alignments if a.kind == "template"]


def compilations(prepared, copies, related) -> set[tuple[int, int]]:
    """The links of compilations (digests) to the items they do not join
    (:mod:`dedup.stages.compilation`; ``related``: :func:`dedup.stages.cluster.pair_lookup`
    of the candidate pairs); read while the corpus counts are held."""
    cache: dict = {}
    ends = np.c_[np.fromiter((a.i for a in copies), np.int64, len(copies)),
                 np.fromiter((a.j for a in copies), np.int64, len(copies))]
    return compilation_cuts(ends, related, functools.partial(_hub_spans, copies),
                            lambda docs: shared_names(prepared, docs, cache))


def _hub_spans(alignments, links: list[tuple[int, int]]) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """For each link ``(h, x)`` asked, the word spans its passages cover in ``h``."""
    want = set(links)
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a in alignments:
        if (a.i, a.j) in want:
            out[(a.i, a.j)] = [(s.a0, s.a1) for s in a.spans]
        if (a.j, a.i) in want:
            out[(a.j, a.i)] = [(s.b0, s.b1) for s in a.spans]
    return out


def link_clusters(prepared, facts, copies, series, problems: list[Problem], near=None, related=None,
                  cut: set[tuple[int, int]] = frozenset(), *, cfg: Config) -> "Outcome":
    """Cluster the links; order the clusters (largest first, then by origin). ``copies``
    join clusters; ``series``, the template links, form template series of their own
    (:func:`_copies_and_series`: none when ``cfg.template_links`` lets them join clusters
    like copies). ``near``: each document's nearest earlier candidate and share
    (:func:`dedup.stages.nearest.nearest`); ``related``: whether pairs are candidate pairs
    (:func:`dedup.stages.cluster.pair_lookup`), a weaker tie between the copies of one
    story (None: not used); ``cut``: the links of compilations that merge nothing
    (:func:`compilations`)."""
    groups, by_group, bridges = _groups(prepared, facts, copies, related, cut)
    outcome = Outcome(prepared, facts, groups, by_group, problems, cfg)
    outcome._bridges = bridges
    outcome._series = _groups(prepared, facts, series)[:2]  # (a series' bridge is a template link)
    outcome._near = near
    return outcome


def _shares(link: PairAlignment, n_a: int, n_b: int) -> tuple[float, float]:
    """The share of each side a link's passages cover (unclamped)."""
    a, b = link.extent()
    return a / max(1, n_a), b / max(1, n_b)


def _groups(prepared, facts, alignments, related=None, cut=frozenset()):
    """Connected groups of the links (see :mod:`dedup.stages.cluster`; ``related``: its
    weaker tie; ``cut``: compilations' links that merge nothing), in report order; each
    group's links keyed by its first member; and the links that merge no groups (bridges)."""
    n = len(prepared)
    edges = [(a.i, a.j) for a in alignments]
    ntokens = prepared.ntokens
    covered = [_shares(a, int(ntokens[a.i]), int(ntokens[a.j])) for a in alignments]
    groups = components(n, (e for e, ok in zip(edges, supported(n, edges, covered, related, cut)) if ok))
    del covered
    del edges
    by_group: dict[int, list[PairAlignment]] = {g[0]: [] for g in groups}
    root = {x: g[0] for g in groups for x in g}
    bridges = []
    for al in alignments:
        if root.get(al.i, -1) == root.get(al.j, -2):
            by_group[root[al.i]].append(al)
        else:  # a bridge between clusters: reported apart, merging nothing
            bridges.append(al)
    ntokens = prepared.ntokens
    origin = [min((rank_key(facts[x], ntokens[x]) for x in g))[-1] for g in groups]
    order = sorted(range(len(groups)), key=lambda k: (-len(groups[k]), origin[k]))
    return [groups[k] for k in order], by_group, bridges


# Outcome.dumped's tasks: clusters, and links (a cluster's cost: the largest come first), a task; documents a task
DUMP_BATCH, DUMP_LINKS, DUMP_DOCUMENTS = 256, 2048, 4096


def _by_work(items: list) -> list[list]:
    """``(id, members, links)`` items cut into batches of at most ``DUMP_BATCH`` clusters
    and about ``DUMP_LINKS`` links, so that the first batches, the largest clusters in
    report order, do not keep one worker busy while the others wait."""
    batches: list[list] = []
    links = 0
    for item in items:
        if not batches or len(batches[-1]) >= DUMP_BATCH or links >= DUMP_LINKS:
            batches.append([])
            links = 0
        batches[-1].append(item)
        links += len(item[2])
    return batches


def _dump_batch(state, batch) -> list[str]:
    prepared, facts, dump = state
    return [dump(build_cluster(members, links, prepared, facts, cid)) for cid, members, links in batch]


def _dump_documents(state, rng: tuple[int, int]) -> list[str]:
    docs, dump = state
    return [dump(d) for d in _document_infos(docs, rng)]


def _document_infos(state, rng: tuple[int, int]) -> Iterator[DocumentInfo]:
    """The documents ``rng`` of a run: ``state`` is (prepared, facts, each document's
    cluster index or -1, each one's nearest earlier candidate and share or None)."""
    p, facts, cluster_of, nearest, story_of = state
    links = p.docs.links
    partner, share = nearest if nearest is not None else (None, None)
    for k in range(*rng):
        f = facts[k]
        url, author = links.get(k, (None, None))
        near = None
        if partner is not None and partner[k] >= 0:
            near = Nearest.model_construct(doc_id=facts[int(partner[k])].doc_id, shared=rounded(share[k]))
        cluster = int(cluster_of[k])
        # built without validation (one per document): every field made with its type here
        yield DocumentInfo.model_construct(
            doc_id=f.doc_id,
            title=f.title,
            date=f.date.isoformat(timespec="seconds") if f.date else None,
            source=f.source,
            url=url,
            author=author,
            credits=list(f.credits),
            chars=int(p.nchars[k]),
            content_chars=int(p.content_chars[k]),
            cluster=f"c{cluster + 1}" if cluster >= 0 else None,
            nearest=near,
            story=f"r{int(story_of[k]) + 1}" if story_of is not None and story_of[k] >= 0 else None,
        )


class Outcome:
    """A finished run: clusters are built (provenance, passages) as they are read."""

    def __init__(self, prepared, facts, groups, by_group, problems: list[Problem], cfg: Config):
        self._prepared, self._facts, self._groups, self._by_group = prepared, facts, groups, by_group
        self._series: tuple[list, dict] = ([], {})
        self._bridges: list[PairAlignment] = []  # copy links that merge no clusters
        self._near: tuple | None = None  # (partner, share) per document
        self._ties = np.zeros((0, 2), np.int64)  # takes of one running story (dedup.stages.stories)
        self._engine: Engine | None = None  # the run's: builds clusters on its workers for :meth:`dumped`
        self.problems = problems
        self.config = cfg.as_dict()

    def __len__(self) -> int:
        return len(self._groups)

    def cluster_items(self, kind: str) -> list[tuple[str, list[int], list[PairAlignment]]]:
        """``(id, members, links)`` of every copy cluster (``kind`` ``clusters``: ids
        ``c1``...) or template series (``templates``: ``t1``...), in report order."""
        groups, by_group = (self._groups, self._by_group) if kind == "clusters" else self._series
        prefix = "c" if kind == "clusters" else "t"
        return [(f"{prefix}{k + 1}", g, by_group[g[0]]) for k, g in enumerate(groups)]

    def clusters(self) -> Iterator[Cluster]:
        """Every cluster, in report order."""
        for cid, g, links in self.cluster_items("clusters"):
            yield build_cluster(g, links, self._prepared, self._facts, cid)

    def templates(self) -> Iterator[Cluster]:
        """Every template series (ids ``t1``, ``t2``, ...), in report order."""
        for cid, g, links in self.cluster_items("templates"):
            yield build_cluster(g, links, self._prepared, self._facts, cid)

    def bridges(self) -> Iterator[Link]:
        """The links that merge no clusters, by their documents' numbers."""
        for al in sorted(self._bridges, key=lambda a: (a.i, a.j)):
            yield build_bridge(al, self._prepared, self._facts)

    def dumped(self, kind: str, dump: Callable) -> Iterator[str]:
        """``dump(item)`` for every item of ``kind`` (``clusters``, ``templates`` or
        ``documents``), in report order. The items are built and dumped on the run's
        engine, a batch a task (:func:`_by_work`), so that at scale the output stage is not one core's
        (``dump``: a function of a module's top level, so that any engine can ship it)."""
        engine = self._engine or Inline()
        if kind == "documents":
            parts = engine.partitions(len(self._facts), DUMP_DOCUMENTS)
            for texts in engine.map(_dump_documents, (self._document_state(), dump), parts):
                yield from texts
            return
        batches = _by_work(self.cluster_items(kind))
        for texts in engine.map(_dump_batch, (self._prepared, self._facts, dump), batches):
            yield from texts

    def documents(self) -> Iterator[DocumentInfo]:
        """Every document's facts, in id order (nothing is made until the first is read)."""
        yield from _document_infos(self._document_state(), (0, len(self._facts)))

    def _document_state(self) -> tuple:
        cluster_of = np.full(len(self._facts), -1, np.int64)
        for k, g in enumerate(self._groups):
            cluster_of[g] = k
        return self._prepared, self._facts, cluster_of, self._near, stories(len(self._facts), self._groups, self._ties)

    def fields(self) -> dict:
        """The report's fields, the lists as iterators (for :func:`dedup.stages.report.iter_json`)."""
        return {"clusters": self.clusters(), "templates": self.templates(), "bridges": self.bridges(),
                "documents": self.documents(), "problems": self.problems, "config": self.config}

    def report(self, keep_texts: bool = False) -> Report:
        report = Report(clusters=list(self.clusters()), templates=list(self.templates()),
                        bridges=list(self.bridges()), documents=list(self.documents()), problems=self.problems,
                        config=self.config)
        if keep_texts:
            texts = self._prepared.docs
            for c in self._groups + self._series[0]:
                report._texts.update((self._facts[x].doc_id, texts.text(x)) for x in c)
        return report
