"""Evaluate: score a report against known truth (clusters, and passages when given).

Metrics: adjusted Rand index and pairwise precision/recall/F1 over the truth's
documents; PAN-style character precision/recall/F1 of the reused passages when the
truth has passage spans. Truth formats (:func:`load_truth`):

- ``{doc_id: cluster_label, ...}``: a document alone has a label of its own;
- ``{"clusters": {doc_id: label, ...}, "passages": [{"a", "b", "a_spans", "b_spans"}, ...]}``
  with spans ``[[start, end], ...]`` as character offsets into each document's text;
- the corpus generator's ``truth.jsonl`` (``{"type": "doc", "id", "cluster", ...}`` lines,
  then ``{"type": "pair", "a", "b", "a_spans", "b_spans"}`` lines).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Optional

import numpy as np

from .errors import InputError

Spans = list[list[int]]
Pairs = dict[tuple[str, str], tuple[Spans, Spans]]
METRIC_KEYS = ("ari", "pair_precision", "pair_recall", "pair_f1")
CHAR_KEYS = ("char_precision", "char_recall", "char_f1")


@dataclass
class Truth:
    """Known clusters (``labels``) and, optionally, known passages (``pairs``)."""

    labels: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    ops: dict[str, list[str]] = field(default_factory=dict)
    pairs: Pairs = field(default_factory=dict)
    has_passages: bool = False
    templates: set = field(default_factory=set)  # template-series pairs (a < b): not copies


def read_regular(path: str | Path) -> bytes:
    """The bytes of a report or truth file; :class:`InputError` naming it when it cannot
    be read or is not a regular file (after symlinks). Checked before opening: opening a
    FIFO blocks until a writer comes, and a device like /dev/zero never ends."""
    from .stages.ingest.read import Skip, not_regular, open_regular

    try:
        why = not_regular(os.stat(path).st_mode)
        if why is None:
            with open_regular(Path(path)) as fh:  # checks the type again, on the descriptor
                return fh.read()
    except Skip as skip:  # swapped for a FIFO or a device since the stat
        why = skip.message
    except OSError as exc:
        why = f"cannot read: {exc.strerror or exc}"
    raise InputError(why, str(path))


def _why(exc: Exception) -> str:
    """What is wrong with JSON that failed to parse or convert, in one short line."""
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} field"
    text = str(exc)
    if isinstance(exc, ValueError) and "set_int_max_str_digits" in text:
        return text.split(";")[0]  # the digit limit's message goes on with advice to programmers
    return text


def load_truth(path: str | Path) -> Truth:
    """Read a truth file in any of the module's formats; :class:`InputError` (naming the
    file, and the line for JSONL) when it is none of them."""
    path = Path(path)
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return _labelled(path, _truth_jsonl(path, text))
    except (RecursionError, ValueError) as exc:  # too deep, or a number past Python's digit limit
        raise InputError(f"{path}: not a truth file: {_why(exc)}") from None
    if isinstance(data, dict) and data.get("type") in ("doc", "pair"):
        return _labelled(path, _truth_jsonl(path, text))  # a one-line truth.jsonl
    try:
        return _labelled(path, truth_from_dict(data))
    except (TypeError, ValueError, KeyError, OverflowError) as exc:  # OverflowError: a span of 1e999
        raise InputError(f"{path}: not a truth file: {_why(exc)}") from None


def _labelled(path: Path, t: Truth) -> Truth:
    """``t``, unless it labels nothing: an empty truth scored every report perfect."""
    if not t.labels and not t.pairs:
        raise InputError(f"{path}: not a truth file: it labels no document")
    return t


def truth_from_dict(data) -> Truth:
    """A :class:`Truth` from ``{doc_id: label}`` or ``{"clusters": ..., "passages": [...]}``."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    t = Truth()
    if "clusters" in data and isinstance(data["clusters"], dict):
        labels = data["clusters"]
        for p in data.get("passages") or []:
            _add(t.pairs, str(p["a"]), str(p["b"]), _spans(p["a_spans"]), _spans(p["b_spans"]))
        t.has_passages = "passages" in data
    else:
        labels = data
    for doc, label in labels.items():
        t.labels[str(doc)] = _label(doc, label)
    return t


def _label(doc, label) -> str:
    """A cluster label as text: a string or a number (null or true would make one label of
    every document so named)."""
    if isinstance(label, bool) or not isinstance(label, (str, int, float)):
        raise ValueError(f"label of {doc!r} is not a string or number: {json.dumps(label)[:40]}")
    return str(label)


def _spans(spans) -> Spans:
    """``[[start, end], ...]`` of whole numbers, ``0 <= start <= end``."""
    if not isinstance(spans, list):
        raise ValueError(f"spans are not a list of [start, end]: {json.dumps(spans)[:40]}")
    for x in spans:
        if not (isinstance(x, list) and len(x) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in x)
                and 0 <= x[0] <= x[1]):
            raise ValueError(f"a span is not [start, end] of whole numbers with 0 <= start <= end: {json.dumps(x)[:40]}")
    return [list(x) for x in spans]


def _truth_jsonl(path: Path, text: str) -> Truth:
    t = Truth()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            if not isinstance(r, dict):
                raise ValueError("not a JSON object")
            if r["type"] == "doc":
                t.labels[str(r["id"])] = _label(r["id"], r["cluster"])
                t.roles[str(r["id"])] = r.get("role", "")
                t.ops[str(r["id"])] = r.get("ops", [])
            elif r["type"] == "pair" and r.get("kind") == "template":
                a, b = str(r["a"]), str(r["b"])
                t.templates.add((min(a, b), max(a, b)))
            elif r["type"] == "pair":
                _add(t.pairs, str(r["a"]), str(r["b"]), _spans(r["a_spans"]), _spans(r["b_spans"]))
                t.has_passages = True
            else:
                raise ValueError(f"unknown type {r['type']!r}")
        except (RecursionError, TypeError, ValueError, KeyError, OverflowError) as exc:
            raise InputError(f"{path}:{n}: not a truth line: {_why(exc)}") from None
    return t


def _add(pairs: Pairs, a: str, b: str, sa: Spans, sb: Spans) -> None:
    """Insert a pair in canonical order, extending spans if the pair is already present."""
    if a == b:
        return
    if a > b:
        a, b, sa, sb = b, a, sb, sa
    old = pairs.get((a, b))
    if old:
        pairs[(a, b)] = (old[0] + list(sa), old[1] + list(sb))
    else:
        pairs[(a, b)] = (list(sa), list(sb))


def canonical(pairs: Pairs) -> Pairs:
    out: Pairs = {}
    for (a, b), (sa, sb) in pairs.items():
        _add(out, a, b, sa, sb)
    return out


def _comb2(x: np.ndarray) -> float:
    x = x.astype(np.float64)
    return float((x * (x - 1) / 2).sum())


def cluster_metrics(pred_labels: dict[str, str], truth_labels: dict[str, str]) -> dict[str, float]:
    """ARI and pairwise precision/recall/F1 over the truth's documents, from contingency counts.

    Documents missing from ``pred_labels`` count as singletons.  Cost is O(n log n).
    """
    ids = list(truth_labels)
    _, t = np.unique(np.array([truth_labels[i] for i in ids], dtype=object).astype(str), return_inverse=True)
    plab = [str(pred_labels[i]) if i in pred_labels else "\x00single:" + i for i in ids]
    _, p = np.unique(np.array(plab, dtype=str), return_inverse=True)
    n = len(ids)
    joint = t.astype(np.int64) * (int(p.max(initial=0)) + 1) + p
    _, nij = np.unique(joint, return_counts=True)
    same_both = _comb2(nij)
    same_pred = _comb2(np.bincount(p))
    same_true = _comb2(np.bincount(t))
    total = n * (n - 1) / 2
    expected = same_pred * same_true / total if total else 0.0
    top = (same_pred + same_true) / 2
    ari = 1.0 if top == expected else (same_both - expected) / (top - expected)
    prec = same_both / same_pred if same_pred else 1.0
    rec = same_both / same_true if same_true else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"ari": ari, "pair_precision": prec, "pair_recall": rec, "pair_f1": f1}


def merge_spans(spans, length: int | None = None) -> list[tuple[int, int]]:
    """Sort, clip to ``[0, length]`` and merge overlapping or touching intervals."""
    out: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in spans):
        if length is not None:
            s, e = max(0, s), min(e, length)
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _covered(x: list[tuple[int, int]]) -> int:
    return sum(e - s for s, e in x)


def _overlap(x: list[tuple[int, int]], y: list[tuple[int, int]]) -> int:
    i = j = tot = 0
    while i < len(x) and j < len(y):
        lo, hi = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if hi > lo:
            tot += hi - lo
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return tot


def passage_metrics(pred_pairs: Pairs, truth_pairs: Pairs, doc_lengths: dict[str, int]) -> dict[str, float]:
    """PAN-style character precision/recall/F1, micro-averaged over pairs and both sides.

    For each unordered document pair in either set, the predicted and true character
    sets of each side are compared by interval arithmetic.
    """
    pred, true = canonical(pred_pairs), canonical(truth_pairs)
    n_pred = n_true = n_both = 0
    for key in pred.keys() | true.keys():
        ps, ts = pred.get(key, ([], [])), true.get(key, ([], []))
        for side in (0, 1):
            length = doc_lengths.get(key[side])
            P, T = merge_spans(ps[side], length), merge_spans(ts[side], length)
            n_pred += _covered(P)
            n_true += _covered(T)
            n_both += _overlap(P, T)
    prec = n_both / n_pred if n_pred else (1.0 if not n_true else 0.0)
    rec = n_both / n_true if n_true else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"char_precision": prec, "char_recall": rec, "char_f1": f1}


def whole_doc_pairs(labels: dict[str, str], doc_lengths: dict[str, int], max_pairs: int = 2000) -> Pairs:
    """Passages for document-level methods: every linked pair reuses the whole of both texts.

    Clusters with more than ``max_pairs`` pairs are linked as a star around their first
    member, so one giant false cluster cannot make scoring quadratic.
    """
    groups: dict[str, list[str]] = {}
    for d, lab in labels.items():
        groups.setdefault(lab, []).append(d)
    out: Pairs = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort()
        if len(members) * (len(members) - 1) // 2 <= max_pairs:
            it = combinations(members, 2)
        else:
            it = ((members[0], m) for m in members[1:])
        for a, b in it:
            out[(a, b)] = ([[0, doc_lengths[a]]], [[0, doc_lengths[b]]])
    return out


def report_to_prediction(report: dict) -> tuple[dict[str, str], Pairs]:
    """Convert a report (``Report.model_dump()`` or the parsed JSON) into ``(labels, pairs)``.

    Documents outside every cluster become singletons; each link's passages give
    ``source_start:source_end`` spans on the source side and ``target_*`` on the target.
    """
    labels = {d["doc_id"]: "single:" + d["doc_id"] for d in report.get("documents", [])}
    pairs: Pairs = {}
    for c in report.get("clusters", []):
        for m in c.get("members", []):
            labels[m["doc_id"]] = "cluster:" + str(c["id"])
        for link in c.get("links", []):
            ps = link.get("passages") or []
            _add(pairs, link["source"], link["target"],
                 [[p["source_start"], p["source_end"]] for p in ps],
                 [[p["target_start"], p["target_end"]] for p in ps])
    return labels, pairs


def score(truth: Truth, labels: dict[str, str], pairs: Pairs, doc_lengths: dict[str, int]) -> dict[str, float]:
    """Cluster and passage metrics in one dict; with template series in the truth, also
    ``template_as_copy``: template pairs linked as copies (target 0) and
    ``template_same_cluster``: template pairs put in one cluster."""
    out = {**cluster_metrics(labels, truth.labels), **passage_metrics(pairs, truth.pairs, doc_lengths)}
    if truth.templates:
        out["template_pairs"] = len(truth.templates)
        out["template_as_copy"] = sum(p in canonical(pairs) for p in truth.templates)
        out["template_same_cluster"] = sum(labels.get(a) == labels.get(b) for a, b in truth.templates)
    return out


def evaluate(report: dict, truth: Truth, doc_lengths: Optional[dict[str, int]] = None) -> dict[str, float]:
    """Score a report (parsed JSON or ``Report.model_dump()``) against ``truth``: the
    :data:`METRIC_KEYS`, plus the :data:`CHAR_KEYS` when the truth has passages.
    Spans are clipped to ``doc_lengths`` (default: the report's ``chars`` per document)."""
    labels, pairs = report_to_prediction(report)
    out = cluster_metrics(labels, truth.labels)
    if truth.has_passages:
        if doc_lengths is None:
            doc_lengths = {d["doc_id"]: d["chars"] for d in report.get("documents", []) if "chars" in d}
        out.update(passage_metrics(pairs, truth.pairs, doc_lengths))
    return out
