"""Provenance: per cluster, the likely origin, links directed origin to copy, coverage.

The origin is the member with the earliest publication day; a dated member always ranks
before an undated one. Among members of the same day (or all undated), one that credits a
wire service comes first, then the earliest time, then the most complete (most content
words), then the smallest id so that the answer never depends on input order.

Days, not instants, come first because a day is what most dates say: a paper's date is
its publication day (read as midnight), a wire's carries the minute it was filed, and
copy credited to a wire on the day the wire ran it is the wire's.

A member is a ``copy`` when a duplicate link reaches it, ``partial`` when only partial
(or partial and template) links do, ``template`` when only template links do.

How much of each side a pair's passages cover, and the kind of link they make
(:func:`link_kind`: enough evidence to link, and a duplicate when both sides are mostly
covered), are judged here for the batch, :func:`dedup.compare` and the index alike.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime, timezone

from .align import Span
from .cluster import connected
from ..models import Cluster, Link, Member, Passage
from .segment import Prepared
from ..config import Config

SHORT_DOC_SHARE = 0.5  # passages covering half of a short document link it


@dataclass(frozen=True, slots=True)
class DocFacts:
    """What provenance needs to know of one document."""

    doc_id: str
    title: str | None
    date: datetime | None
    source: str | None
    credits: tuple[str, ...]


# a span as a link keeps it: a0, a1, b0, b1, matched, evidence, score, significant
_SPAN = struct.Struct("<5i2d?")


@dataclass(frozen=True, slots=True)
class PairAlignment:
    """The aligned passages of documents i < j (spans: A = i, B = j), packed: a corpus's
    links are held until its clusters are made, and a Span object each (with its boxed
    numbers) took ~750 bytes a link, gigabytes at a million articles. Make with
    :meth:`of`; :attr:`spans` unpacks them (without their blocks)."""

    i: int
    j: int
    kind: str
    packed: bytes

    @classmethod
    def of(cls, i: int, j: int, kind: str, spans) -> "PairAlignment":
        return cls(i, j, kind, b"".join(_SPAN.pack(s.a0, s.a1, s.b0, s.b1, s.matched, s.evidence, s.score,
                                                   s.significant) for s in spans))

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(Span(a0, a1, b0, b1, m, ev, sc, (), sig)
                     for a0, a1, b0, b1, m, ev, sc, sig in _SPAN.iter_unpack(self.packed))

    def extent(self) -> tuple[int, int]:
        """Words of each side the passages span (they never overlap on a side), read
        without unpacking them into :class:`Span` objects."""
        a = b = 0
        for a0, a1, b0, b1, *_ in _SPAN.iter_unpack(self.packed):
            a += a1 - a0
            b += b1 - b0
        return a, b


def _utc(dt: datetime) -> float:
    # Naive datetimes carry no zone; reading them as UTC is the least surprising choice.
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


def rank_key(facts: DocFacts, ntokens: int):
    """Sort key of a member in provenance order (the origin sorts first)."""
    date = facts.date
    return (
        date is None,
        date.date().toordinal() if date else 0,  # the day as printed, in its own zone
        not facts.credits,
        _utc(date) if date else 0.0,
        -ntokens,
        facts.doc_id,
    )


def _union_length(intervals: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(intervals):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def rounded(x: float) -> float:
    return round(float(x), 4)


def passages(src: Prepared, dst: Prepared, spans: list[Span]) -> list[Passage]:
    # built without validation: every field is made an int or a float here (a report has
    # one Passage per passage, tens of thousands at 10k articles)
    return [
        Passage.model_construct(
            source_start=int(src.starts[s.a0]),
            source_end=int(src.ends[s.a1 - 1]),
            target_start=int(dst.starts[s.b0]),
            target_end=int(dst.ends[s.b1 - 1]),
            score=rounded(s.score),
        )
        for s in spans
    ]


def _directed(al: PairAlignment, spans, src: int, dst: int, docs: dict, facts) -> Link:
    """The link of ``al`` (its ``spans`` unpacked) from ``src`` to ``dst``."""
    spans = list(spans) if src == al.i else sorted((s.swapped() for s in spans), key=lambda s: (s.a0, s.b0))
    cov_s, cov_t = coverage(spans, docs[src].ntokens, docs[dst].ntokens)
    return Link.model_construct(source=facts[src].doc_id, target=facts[dst].doc_id, kind=al.kind,
                                score=rounded(weighted_score(spans)), coverage_source=rounded(cov_s),
                                coverage_target=rounded(cov_t), passages=passages(docs[src], docs[dst], spans))


def build_bridge(al: PairAlignment, prepared, facts: list[DocFacts]) -> Link:
    """A link that merges no clusters, directed as a cluster's would be (the earlier
    document first, :func:`rank_key`)."""
    load = getattr(prepared, "stored", None) or prepared.__getitem__
    docs = {x: load(x) for x in (al.i, al.j)}
    src, dst = sorted((al.i, al.j), key=lambda x: rank_key(facts[x], docs[x].ntokens))
    return _directed(al, al.spans, src, dst, docs, facts)


def build_cluster(
    members: list[int],
    alignments: list[PairAlignment],
    prepared: list[Prepared],
    facts: list[DocFacts],
    cluster_id: str,
) -> Cluster:
    """Order the members, pick the origin, direct the links, measure coverage."""
    # links, members and the cluster are built without validation, as passages are: every
    # field is made here with its model's type (the report is built on one core at the end)
    # each member read once, as stored: offsets and lengths, no corpus counts looked up
    load = getattr(prepared, "stored", None) or prepared.__getitem__
    docs = {x: load(x) for x in members}
    order = sorted(members, key=lambda x: rank_key(facts[x], docs[x].ntokens))
    rank = {x: r for r, x in enumerate(order)}
    covered: dict[int, list[tuple[int, int]]] = {x: [] for x in members}
    links = []
    has_duplicate, has_copy = set(), set()
    for al in alignments:
        spans = al.spans  # unpacked once
        covered[al.i].extend((s.a0, s.a1) for s in spans)
        covered[al.j].extend((s.b0, s.b1) for s in spans)
        src, dst = (al.i, al.j) if rank[al.i] < rank[al.j] else (al.j, al.i)
        if al.kind == "duplicate":
            has_duplicate.update((al.i, al.j))
        if al.kind != "template":
            has_copy.update((al.i, al.j))
        links.append((rank[src], rank[dst], _directed(al, spans, src, dst, docs, facts)))
    links.sort(key=lambda t: (t[0], t[1]))
    out_members = []
    for x in order:
        n = docs[x].ntokens
        role = "origin" if x == order[0] else (
            "copy" if x in has_duplicate else "partial" if x in has_copy else "template")
        out_members.append(
            Member.model_construct(
                doc_id=facts[x].doc_id,
                date=facts[x].date.isoformat(timespec="seconds") if facts[x].date else None,
                title=facts[x].title,
                source=facts[x].source,
                coverage=rounded(_union_length(covered[x]) / n if n else 0.0),
                role=role,
            )
        )
    dup_edges = [(al.i, al.j) for al in alignments if al.kind == "duplicate"]
    copy_edges = [(al.i, al.j) for al in alignments if al.kind != "template"]
    kind = ("duplicate" if connected(members, dup_edges)
            else "partial" if connected(members, copy_edges) else "template")
    return Cluster.model_construct(
        id=cluster_id,
        kind=kind,
        size=len(members),
        origin=facts[order[0]].doc_id,
        members=out_members,
        links=[t[2] for t in links],
    )


def coverage(spans: list[Span], n_a: int, n_b: int) -> tuple[float, float]:
    """Share of A's and of B's content words that lie inside a passage."""
    cov_a = sum(s.a1 - s.a0 for s in spans) / n_a if n_a else 0.0
    cov_b = sum(s.b1 - s.b0 for s in spans) / n_b if n_b else 0.0
    return min(cov_a, 1.0), min(cov_b, 1.0)


def weighted_score(spans: list[Span]) -> float:
    """Similarity of all the aligned text: passage scores weighted by passage length."""
    size = [(s.a1 - s.a0) + (s.b1 - s.b0) for s in spans]
    total = sum(size)
    return sum(s.score * n for s, n in zip(spans, size)) / total if total else 0.0


def link_kind(spans: list[Span], n_a: int, n_b: int, cfg: Config) -> str | None:
    """'duplicate', 'partial' or None (not enough evidence of copying to link the two).

    Enough evidence is ``min_link_tokens`` matching words, or, for a short document,
    passages that cover at least half of it (names and figures counted: a table issued
    again is a copy), or a significant passage (one the fixed rules rejected, or kept but
    too short to link by length).
    """
    evidence = sum(s.evidence for s in spans)
    covered = evidence + sum(s.unlicensed for s in spans)
    if (evidence < cfg.min_link_tokens and not (spans and covered >= SHORT_DOC_SHARE * min(n_a, n_b))
            and not any(s.significant for s in spans)):
        return None
    cov_a, cov_b = coverage(spans, n_a, n_b)
    if min(cov_a, cov_b) >= cfg.duplicate_coverage:
        return "duplicate"
    return "partial"
