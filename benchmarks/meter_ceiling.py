"""METER: how far plain word overlap with the right wire text separates derived from non-derived.

    python -m benchmarks.meter_ceiling [--data DIR] [--json FILE]

An oracle gives every newspaper text the wire texts of its own running ``story``; each
feature is the maximum over those wire texts W of an overlap of the newspaper text P:

- ``containment n`` (n = 1..5): distinct word n-grams of P also in W / distinct n-grams of P;
- ``unquoted containment n`` (n = 2, 3): the same over P's n-grams that touch no quoted
  word (quotes as dedup's ``_quoted`` finds them, paragraph by paragraph as the pipeline
  calls it), since independent reports quote the same testimony;
- ``shared n-grams`` (n = 3, 5): the absolute count, as a contrast;
- ``tiled share 3``: the share of P's words in greedy string tiles of three or more words
  (each word of either text in one tile at most, longest tiles first; Wise's greedy string
  tiling, which the METER authors used): overlap that follows reordered sentences.

Printed per feature: AUC derived (wholly + partially) vs non-derived, the recall of
derived texts at the score that 80% / 90% of non-derived texts do not exceed (issue 12
asks for recall >= 0.85 at specificity >= 0.80), and the 3-class macro-F1 (non /
partially / wholly) at the two cuts of the feature that maximise it on this half (fitted
here, so an upper bound for any rule on that one score; issue 12 asks for more than
0.664), and the same with the cuts chosen on other stories (``benchmarks.meter``'s
cross-validation: two halves by running story, 50 seeded splits, the mean), the line to
set beside dedup's own cross-validated 3-class rows. Last, the best mix of two features (a
weighted sum of two shares, weight in tenths, chosen with the cuts; in the cross-validated
figure chosen on each fitting half): whether two kinds of overlap together separate the
three classes where one does not. The ceiling of overlap evidence: no pipeline, no candidate search. Does not
import dedup's pipeline.
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
from pathlib import Path

import numpy as np

from dedup.stages.segment import _quoted

from .meter import DEFAULT_DATA, DERIVED, auc, best_thresholds, cross_validated_f1, load, macro_f1, story_halves

WORD = re.compile(r"\w+")
PARA_BREAK = re.compile(r"\n\s*\n")
FEATURES = ([f"containment {n}" for n in range(1, 6)] + [f"unquoted containment {n}" for n in (2, 3)]
            + [f"shared {n}-grams" for n in (3, 5)] + ["tiled share 3"])
MIN_TILE = 3  # words a tile needs (the METER authors' GST runs used short minimum matches)
SPECS = (0.80, 0.90)
SHARES = [f for f in FEATURES if "shared" not in f]  # the features on one scale (0..1), mixed in pairs
MIX_SPLITS = 10  # seeded splits for the mix's cross-validation (its fitting tries every pair and weight)


def words(text: str) -> tuple[list[str], np.ndarray]:
    """Lowercased words and whether each is quoted, quotes found per blank-line paragraph."""
    ms = list(WORD.finditer(text))
    starts = np.asarray([m.start() for m in ms], dtype=np.int64)
    quoted = np.zeros(len(ms), dtype=bool)
    s = 0
    # The pipeline runs _quoted per paragraph: an unclosed quote then stops at the paragraph's end.
    for lo, hi in [(m.start(), m.end()) for m in PARA_BREAK.finditer(text)] + [(len(text), len(text))]:
        a, b = np.searchsorted(starts, [s, lo])
        quoted[a:b] = _quoted(text, s, lo, starts[a:b])
        s = hi
    return [m.group().lower() for m in ms], quoted


def ngrams(ws: list[str], n: int, quoted: np.ndarray | None = None) -> set[tuple[str, ...]]:
    """Distinct n-grams; with ``quoted``, only those touching no quoted word."""
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)
            if quoted is None or not quoted[i:i + n].any()}


def tiled_share(a: list[str], b: list[str], min_tile: int = MIN_TILE) -> float:
    """The share of ``a``'s words in greedy string tiles with ``b``: repeatedly the longest
    common runs of unmarked words (``min_tile`` or more) are marked on both sides, until
    none is left (Wise, 1993; quadratic at worst, news texts are short)."""
    if not a:
        return 0.0
    at: dict[str, list[int]] = {}
    for j, w in enumerate(b):
        at.setdefault(w, []).append(j)
    used_a, used_b = [False] * len(a), [False] * len(b)
    while True:
        best, found = min_tile - 1, []
        for i in range(len(a)):
            if used_a[i]:
                continue
            for j in at.get(a[i], ()):
                k = 0
                while (i + k < len(a) and j + k < len(b) and not used_a[i + k] and not used_b[j + k]
                       and a[i + k] == b[j + k]):
                    k += 1
                if k > best:
                    best, found = k, [(i, j)]
                elif k == best and k >= min_tile:
                    found.append((i, j))
        if best < min_tile:
            return sum(used_a) / len(a)
        for i, j in found:  # tiles of this length, in order; one that overlaps a marked one waits
            if not any(used_a[i:i + best]) and not any(used_b[j:j + best]):
                used_a[i:i + best] = [True] * best
                used_b[j:j + best] = [True] * best


def features(paper: str, wires: list[str]) -> dict[str, float]:
    """Every feature of one newspaper text against its story's wire texts (0 without any)."""
    pw, pq = words(paper)
    ww = [words(w)[0] for w in wires]
    out = {}
    for n in range(1, 6):
        p = ngrams(pw, n)
        ws = [ngrams(w, n) for w in ww]
        out[f"containment {n}"] = max((len(p & w) / len(p) for w in ws), default=0.0) if p else 0.0
        if n in (3, 5):
            out[f"shared {n}-grams"] = float(max((len(p & w) for w in ws), default=0))
        if n in (2, 3):
            u = ngrams(pw, n, pq)
            out[f"unquoted containment {n}"] = max((len(u & w) / len(u) for w in ws), default=0.0) if u else 0.0
    out["tiled share 3"] = max((tiled_share(pw, w) for w in ww), default=0.0)
    return out


def recall_at(pos: list[float], neg: list[float], spec: float) -> tuple[float, float, float]:
    """(threshold, recall of pos above it, specificity actually reached): threshold = the
    ``spec`` quantile of neg, the smallest score that at least ``spec`` of neg do not exceed
    (interpolating would land one text short of it); ties can lift specificity above ``spec``."""
    t = float(np.quantile(np.asarray(neg, dtype=float), spec, method="inverted_cdf"))
    return t, sum(p > t for p in pos) / len(pos), sum(x <= t for x in neg) / len(neg)


def measure(records: list[dict], labels: dict) -> dict:
    """Features of every newspaper text and their separation, derived vs non-derived."""
    text = {r["id"]: r["text"] for r in records}
    wires: dict[str, list[str]] = {}
    for i in sorted(text):
        if labels[i]["kind"] == "wire":
            wires.setdefault(labels[i]["story"], []).append(text[i])
    papers = sorted(i for i in text if labels[i]["kind"] != "wire")
    feats = {i: features(text[i], wires.get(labels[i]["story"], [])) for i in papers}
    derived = [i for i in papers if labels[i]["kind"] in DERIVED]
    non = [i for i in papers if labels[i]["kind"] == "non"]
    out: dict = {"derived": len(derived), "non": len(non), "no_wire_in_story": {
        k: sum(labels[i]["kind"] == k and labels[i]["story"] not in wires for i in papers)
        for k in ("wholly", "partially", "non")}, "features": {}}
    gold = [labels[i]["kind"] for i in papers]
    kinds = {i: labels[i]["kind"] for i in papers}
    story = {i: labels[i]["story"] for i in papers}
    for f in FEATURES:
        pos, neg = [feats[i][f] for i in derived], [feats[i][f] for i in non]
        lo, hi, best = best_thresholds([feats[i][f] for i in papers], gold)
        cv = cross_validated_f1({i: feats[i][f] for i in papers}, papers, kinds, story)
        row = {"auc": auc(pos, neg), "macro_f1_3class": best, "macro_f1_thresholds": [lo, hi],
               "macro_f1_3class_cv": cv["mean"]}
        for s in SPECS:
            t, r, sp = recall_at(pos, neg, s)
            row[f"spec{s:.2f}"] = {"threshold": t, "recall": r, "specificity": sp}
        out["features"][f] = row
    out["mix"] = mixed({i: [feats[i][f] for f in SHARES] for i in papers}, papers, kinds, story)
    return out


def _mix_fit(x: np.ndarray, gold: list[str]) -> tuple[float, tuple, float, float]:
    """The best ``(macro-F1, (a, b, weight), low, high)`` over pairs of ``x``'s columns."""
    best = (-1.0, (0, 0, 1.0), 0.0, 0.0)
    for a, b in itertools.combinations(range(x.shape[1]), 2):
        for w in np.linspace(0.0, 1.0, 11).tolist():
            lo, hi, f = best_thresholds((w * x[:, a] + (1 - w) * x[:, b]).tolist(), gold)
            if f > best[0]:
                best = (f, (a, b, w), lo, hi)
    return best


def mixed(scores: dict, papers: list, kind: dict, story: dict, splits: int = MIX_SPLITS) -> dict:
    """3-class macro-F1 of the best weighted sum of two of each text's ``scores`` (a list
    per text, in :data:`SHARES` order): in sample, and with the pair, weight and cuts
    chosen on other stories (the halves of :func:`benchmarks.meter.story_halves`)."""
    x = np.asarray([scores[i] for i in papers], dtype=float)
    f, (a, b, w), _, _ = _mix_fit(x, [kind[i] for i in papers])
    place = {i: k for k, i in enumerate(papers)}
    got = []
    for fit_ids, test_ids in story_halves(papers, story, splits):
        fit, test = [place[i] for i in fit_ids], [place[i] for i in test_ids]
        _, (fa, fb, fw), lo, hi = _mix_fit(x[fit], [kind[i] for i in fit_ids])
        s = fw * x[test, fa] + (1 - fw) * x[test, fb]
        got.append(macro_f1([kind[i] for i in test_ids],
                            ["non" if v < lo else "partially" if v < hi else "wholly" for v in s.tolist()]))
    return {"macro_f1_3class": f, "features": [SHARES[a], SHARES[b]], "weight": w,
            "macro_f1_3class_cv": sum(got) / len(got) if got else float("nan")}


def markdown(m: dict) -> str:
    nw = m["no_wire_in_story"]
    out = ["| feature (max over the story's wire texts) | AUC | threshold @ spec 0.80 | recall | (spec) "
           "| threshold @ spec 0.90 | recall | (spec) | 3-class macro-F1 (best cuts) | (cuts on other stories) |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for f, row in m["features"].items():
        cells = [f"{row['auc']:.3f}"]
        for s in SPECS:
            c = row[f"spec{s:.2f}"]
            cells += [f"{c['threshold']:.3f}", f"{c['recall']:.3f}", f"({c['specificity']:.3f})"]
        cells += [f"{row['macro_f1_3class']:.3f}", f"{row['macro_f1_3class_cv']:.3f}"]
        out.append(f"| {f} | " + " | ".join(cells) + " |")
    out += ["", f"{m['derived']} derived (wholly + partially), {m['non']} non-derived newspaper texts; "
            f"stories without a wire text (features 0): {nw['wholly']} wholly, {nw['partially']} partially, "
            f"{nw['non']} non. A derived text counts when its score is above the threshold; (spec) is the "
            "share of non-derived texts at or below it. The macro-F1 cuts are fitted on these texts; "
            "the last column's on other stories (the mean of 100 halves)."]
    mix = m["mix"]
    out += ["", f"Best mix of two features: {mix['weight']:.1f} x {mix['features'][0]} + "
            f"{1 - mix['weight']:.1f} x {mix['features'][1]}, 3-class macro-F1 {mix['macro_f1_3class']:.3f} "
            f"(cuts and mix on other stories: {mix['macro_f1_3class_cv']:.3f}, {2 * MIX_SPLITS} halves)."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.meter_ceiling", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--json", help="also write the numbers as JSON here")
    a = ap.parse_args(argv)
    records, labels, _ = load(Path(a.data))
    m = measure(records, labels)
    print(markdown(m))
    if a.json:
        Path(a.json).write_text(json.dumps(m, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
