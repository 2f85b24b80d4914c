"""Report as one self-contained HTML page (``--format html``).

The page is the report's data as one JSON blob in a ``<script type="application/json">``
tag, plus a small vanilla-JS renderer and a stylesheet (``dedup/assets``), inlined: no
network, no CDN. Texts are not embedded whole: each cluster member carries the windows of
its text around its passages (``context`` characters either side), so passages can be
shown side by side with their word differences, which are computed here (rapidfuzz Indel
opcodes over the two sides' words) as character offsets into each side.

Formatting only, like :mod:`dedup.stages.report`: deterministic, and every string reaches the
page through ``textContent`` or escaped JSON, never as markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Optional

from rapidfuzz.distance import Indel

from .._controls import CONTROLS
from ..evaluate import merge_spans
from ..models import Cluster, Comparison, Link, Member, Passage, Report

CONTEXT = 80  # characters of text shown either side of a passage
_WORD = re.compile(r"\S+")
_PUNCT = re.compile(r"[\W_]+")
# Inside <script>, "</script", "<!--" and U+2028/9 must not appear raw; lone surrogates
# cannot be encoded as UTF-8. All are written as JSON escapes, which parse back exactly.
_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")

TextOf = Callable[[str], Optional[str]]


def _escape_json(text: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _dumps(value) -> str:
    return _escape_json(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def word_diff(a: str, b: str) -> tuple[list[int], list[int]]:
    """The words of ``a`` not matched in ``b`` and of ``b`` not in ``a`` (ignoring case
    and attached punctuation), as flat lists of
    ``[start, end, start, end, ...]`` character offsets into each string (adjacent
    differing words merged into one range)."""
    wa, wb = list(_WORD.finditer(a)), list(_WORD.finditer(b))
    da: list[int] = []
    db: list[int] = []
    for op in Indel.opcodes(_keys(a, wa), _keys(b, wb)):
        if op.tag == "equal":
            continue
        if op.src_end > op.src_start:
            da += [wa[op.src_start].start(), wa[op.src_end - 1].end()]
        if op.dest_end > op.dest_start:
            db += [wb[op.dest_start].start(), wb[op.dest_end - 1].end()]
    return _merge_flat(da), _merge_flat(db)


def _keys(text: str, words: list) -> list[str]:
    """The words as compared: case and attached punctuation are not differences of words."""
    folded = text.casefold().split()
    if len(folded) != len(words):  # casefold made or removed a space: word by word
        folded = [m.group().casefold() for m in words]
    return [_PUNCT.sub("", w) or w for w in folded]


def _merge_flat(flat: list[int]) -> list[int]:
    out: list[int] = []
    for s, e in sorted(zip(flat[::2], flat[1::2])):
        if out and s <= out[-1]:
            out[-1] = max(out[-1], e)
        else:
            out += [s, e]
    return out


def _windows(text: str, spans: list[tuple[int, int]], context: int) -> list:
    """``[[start, text[start:end]], ...]``: the text around ``spans``, merged."""
    grown = [(s - context, e + context) for s, e in spans]
    return [[s, text[s:e]] for s, e in merge_spans(grown, len(text))]


def _passage(p: Passage, src: Optional[str], tgt: Optional[str]) -> list:
    row = [p.source_start, p.source_end, p.target_start, p.target_end, p.score]
    if src is not None and tgt is not None:
        row += list(word_diff(src[p.source_start:p.source_end], tgt[p.target_start:p.target_end]))
    return row


def _link(link: Link, text_of: TextOf) -> dict:
    src, tgt = text_of(link.source), text_of(link.target)
    return {"s": link.source, "t": link.target, "k": link.kind, "sc": link.score,
            "cs": link.coverage_source, "ct": link.coverage_target,
            "p": [_passage(p, src, tgt) for p in link.passages]}


def _member(m: Member) -> list:
    return [m.doc_id, m.role, m.date, m.source, m.title, m.coverage]


def cluster_data(c: Cluster, text_of: TextOf, context: int = CONTEXT, story: tuple | None = None) -> dict:
    """One cluster as the page's renderer reads it (short keys: the blob is the file).
    ``story``: its running story's id, the story's other clusters and its documents in
    no cluster (:mod:`dedup.stages.stories`), when it has one."""
    spans: dict[str, list[tuple[int, int]]] = {m.doc_id: [] for m in c.members}
    for link in c.links:
        for p in link.passages:
            spans.setdefault(link.source, []).append((p.source_start, p.source_end))
            spans.setdefault(link.target, []).append((p.target_start, p.target_end))
    texts = {}
    for doc, sp in spans.items():
        text = text_of(doc)
        if text is not None:
            texts[doc] = _windows(text, sp, context)
    out = {"id": c.id, "k": c.kind, "n": c.size, "o": c.origin,
           "m": [_member(m) for m in c.members],
           "l": [_link(link, text_of) for link in c.links], "x": texts}
    if story is not None:
        out["r"] = list(story)
    return out


def _asset(name: str) -> str:
    return resources.files("dedup").joinpath("assets", name).read_text(encoding="utf-8")


def iter_page(clusters, meta: dict, title: str = "dedup report", text_of: TextOf = lambda d: None,
              context: int = CONTEXT, stories: dict | None = None, templates=()) -> Iterator[str]:
    """The page, piece by piece; ``clusters`` and then ``templates`` (the template series,
    listed after the clusters as in the JSON report) are read once, in order. ``stories``:
    per cluster id, its running story (:func:`story_of_clusters`)."""
    css, js = _asset("report.css"), _asset("report.js")
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
           "<link rel=\"icon\" href=\"data:,\">\n"
           f"<title>{_html_text(_TITLE_CONTROLS.sub(' ', title))}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
           "<noscript>This report needs JavaScript to render.</noscript>\n"
           "<script id=\"dedup-data\" type=\"application/json\">")
    yield '{"meta":' + _dumps(meta) + ',"clusters":['
    for n, c in enumerate(clusters):
        yield ("," if n else "") + "\n" + _dumps(cluster_data(c, text_of, context, (stories or {}).get(c.id)))
    yield '\n],"templates":['
    for n, c in enumerate(templates):
        yield ("," if n else "") + "\n" + _dumps(cluster_data(c, text_of, context))
    yield "\n]}</script>\n<script>\n" + js + "</script>\n</body>\n</html>\n"


# A tab's title is one line of plain text: no control or bidirectional formatting character
# (an override would reorder the file names shown in it).
_TITLE_CONTROLS = re.compile(f"[{CONTROLS}\u2028\u2029]")  # (and the line and paragraph separators)


def _html_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def iter_html(report) -> Iterator[str]:
    """A :class:`Report` (built with ``keep_texts=True``, or passages show offsets only)
    or a run's ``Outcome`` as the page. An ``Outcome`` is made a report with its texts
    first: the page is for reading, so its size, not memory, is what bounds it."""
    if not isinstance(report, Report):
        report = report.report(keep_texts=True)
    docs = report.documents
    meta = {"documents": len(docs), "clustered": sum(1 for d in docs if d.cluster),
            "clusters": len(report.clusters), "templates": len(report.templates),
            # skipped: the input was left out; else a note: it was read, with a change
            "problems": [[p.path, p.line, p.message, p.skipped] for p in report.problems]}
    return iter_page(report.clusters, meta, text_of=report.text_of, stories=story_of_clusters(report),
                     templates=report.templates)


def story_of_clusters(report: Report) -> dict:
    """Per cluster id that shares its running story with more than itself: the story's
    id, its other clusters' ids, its documents in no cluster."""
    cluster_of = {m.doc_id: c.id for c in report.clusters for m in c.members}
    clusters: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for d in report.documents:
        if d.story is None:
            continue
        if d.doc_id in cluster_of:
            ids = clusters.setdefault(d.story, [])
            if cluster_of[d.doc_id] not in ids:
                ids.append(cluster_of[d.doc_id])
        else:
            loose.setdefault(d.story, []).append(d.doc_id)
    out = {}
    for story, ids in clusters.items():
        if len(ids) > 1 or loose.get(story):
            for cid in ids:
                out[cid] = (story, [x for x in ids if x != cid], loose.get(story, []))
    return out


def to_html(report) -> str:
    return "".join(iter_html(report))


def comparison_cluster(cmp: Comparison, a: str, b: str) -> Cluster:
    """A comparison of two documents named ``a`` and ``b`` as a cluster of two (one link,
    ``a`` to ``b``), so that it renders like a report's cluster."""
    kind = cmp.kind or "none"
    members = [Member(doc_id=a, date=None, title=None, source=None, coverage=cmp.coverage_source, role="origin"),
               Member.model_construct(doc_id=b, date=None, title=None, source=None,
                                      coverage=cmp.coverage_target, role="copy" if kind == "duplicate" else kind)]
    link = Link.model_construct(source=a, target=b, kind=kind, score=cmp.score, coverage_source=cmp.coverage_source,
                                coverage_target=cmp.coverage_target, passages=cmp.passages)
    return Cluster.model_construct(id="compare", kind=kind, size=2, origin=a, members=members, links=[link])


def comparison_html(cmp: Comparison, a: str, b: str, text_a: str, text_b: str) -> Iterator[str]:
    """The page for :func:`dedup.compare` of two texts named ``a`` and ``b``."""
    texts = {a: text_a, b: text_b}
    meta = {"documents": 2, "clustered": 2, "clusters": 1, "problems": [], "compare": True}
    return iter_page([comparison_cluster(cmp, a, b)], meta, title=f"dedup compare: {a} / {b}",
                     text_of=texts.get, context=10**9)
