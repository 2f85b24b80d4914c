"""METER: real Press Association wire copy and the newspaper stories made of it.

    python -m benchmarks.meter [--data DIR] [--jobs N] [--synth-size 10000] [--no-others]
                               [--write-results]

Runs ``dedup.cluster`` with default settings on the development half in
``DIR/meter-dev`` (read from there, never copied) and scores it the way the corpus's
README describes:

- story clustering ARI: truth = the running ``story`` (or ``story_day``) of wire, wholly
  and partially derived texts; every non-derived text alone;
- derived detection: a newspaper text is derived when the report links it directly to
  a wire (PA) text; recall over wholly + partially derived, specificity over non-derived;
- reused characters: the newspaper-side spans of its links to wire texts against the
  journalists' Verbatim + Rewrite spans, non-whitespace characters, micro-averaged over
  the annotated texts;
- derived or independent per text: the share of a newspaper text's non-whitespace
  characters inside passages shared with wire texts separates the classes (AUC), and a
  3-class macro-F1 (non / partially / wholly) with two thresholds chosen on this half;
- origin: in clusters holding wire and newspaper texts, how often the origin is wire.

In the same run, unless ``--no-others``: Clough & Stevenson (``compare``'s defaults and
the corpus defaults), the generated corpus (``--synth-size``) and the seeds, so that a
gain here is never a silent loss elsewhere.
"""
from __future__ import annotations

import argparse
import gzip
import json
import shlex
import sys
import time
from pathlib import Path

from .score import cluster_metrics, merge_spans

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
START, END = "<!-- meter:start -->", "<!-- meter:end -->"
DERIVED = ("wholly", "partially")


def load(data: Path) -> tuple[list[dict], dict, dict]:
    d = Path(data) / "meter-dev"
    with gzip.open(d / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    labels = json.loads((d / "labels.json").read_text(encoding="utf-8"))
    passages = json.loads((d / "passages.json").read_text(encoding="utf-8"))
    return records, labels, passages


def _nonspace(text: str, spans) -> int:
    return sum(sum(not c.isspace() for c in text[s:e]) for s, e in spans)


def _overlap_nonspace(text: str, x, y) -> int:
    """Non-whitespace characters in both interval lists (each sorted and merged)."""
    i = j = tot = 0
    while i < len(x) and j < len(y):
        lo, hi = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if hi > lo:
            tot += _nonspace(text, [(lo, hi)])
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return tot


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def macro_f1(gold: list[str], pred: list[str], classes=("non", "partially", "wholly")) -> float:
    f1s = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def best_thresholds(scores: list[float], gold: list[str]) -> tuple[float, float, float]:
    """The (low, high) cut that maximises 3-class macro-F1: non < low <= partially < high <= wholly.
    Every pair of cuts at once (counts below each cut, a matrix of pairs); ties go to the
    first pair in ``combinations`` order, as a loop over them would."""
    import numpy as np

    cuts = np.array(sorted(set(scores)) + [float("inf")])
    s = np.asarray(scores, dtype=float)
    g = np.asarray(gold)
    # below[c][k]: texts of class c scoring under cut k
    below = {c: np.searchsorted(np.sort(s[g == c]), cuts, side="left") for c in ("non", "partially", "wholly")}
    total = {c: int((g == c).sum()) for c in below}
    lo, hi = np.triu_indices(len(cuts), k=1)  # combinations(cuts, 2), in its order

    def f1(tp, pred, true):
        # 2tp / (2tp + fp + fn), with fp = pred - tp and fn = true - tp; 0 where tp is 0
        den = pred + true
        return np.where(tp > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)

    n_lo = sum(below[c][lo] for c in below)  # predicted non
    n_hi = sum(below[c][hi] for c in below)
    f_non = f1(below["non"][lo], n_lo, total["non"])
    f_part = f1(below["partially"][hi] - below["partially"][lo], n_hi - n_lo, total["partially"])
    n = len(s)
    f_whole = f1(total["wholly"] - below["wholly"][hi], n - n_hi, total["wholly"])
    macro = (f_non + f_part + f_whole) / 3
    k = int(np.argmax(macro))
    return float(cuts[lo[k]]), float(cuts[hi[k]]), float(macro[k])


def story_halves(papers: list, story: dict, splits: int):
    """``(fit, test)``: the texts split in two by running story, ``splits`` seeded splits,
    each both ways."""
    import random

    stories = sorted({story[i] for i in papers})
    for r in range(splits):
        order = stories[:]
        random.Random(r).shuffle(order)
        part = set(order[: len(order) // 2])
        halves = ([i for i in papers if story[i] in part], [i for i in papers if story[i] not in part])
        yield halves
        yield halves[::-1]


def cross_validated_f1(score: dict, papers: list, kind: dict, story: dict, splits: int = 50) -> dict:
    """3-class macro-F1 with thresholds chosen on other stories: the texts split in two by
    running story (as METER's halves are), thresholds chosen on one part and scored on the
    other, both ways, over ``splits`` seeded splits: what the other half may expect."""
    got = []
    for fit, test in story_halves(papers, story, splits):
        lo, hi, _ = best_thresholds([score[i] for i in fit], [kind[i] for i in fit])
        pred = ["non" if score[i] < lo else "partially" if score[i] < hi else "wholly" for i in test]
        got.append(macro_f1([kind[i] for i in test], pred))
    got.sort()
    return {"mean": sum(got) / len(got), "p10": got[len(got) // 10], "p90": got[(9 * len(got)) // 10]}


def evaluate(report: dict, records: list[dict], labels: dict, passages: dict) -> dict:
    """Every METER measure of one ``Report.model_dump()``."""
    text = {r["id"]: r["text"] for r in records}
    wire = {i for i, lab in labels.items() if lab["kind"] == "wire"}
    kind = {i: lab["kind"] for i, lab in labels.items()}
    cluster_of = {m["doc_id"]: c["id"] for c in report["clusters"] for m in c["members"]}

    # Spans of each newspaper text that its links to wire texts cover, and which texts are linked.
    spans: dict[str, list] = {i: [] for i in text}
    linked: set[str] = set()
    for c in report["clusters"]:
        for link in c["links"]:
            for paper, side, other in ((link["target"], "target", link["source"]),
                                       (link["source"], "source", link["target"])):
                if paper in wire or other not in wire:
                    continue
                linked.add(paper)
                spans[paper] += [(p[f"{side}_start"], p[f"{side}_end"]) for p in link["passages"]]

    out: dict = {"documents": len(records), "clusters": len(report["clusters"])}
    story_of = {d["doc_id"]: d.get("story") for d in report["documents"]}  # running stories (dedup.stages.stories)
    for key in ("story", "story_day"):
        truth = {i: (lab[key] if lab["kind"] != "non" else "non:" + i) for i, lab in labels.items()}
        pred = {i: cluster_of.get(i, "single:" + i) for i in labels}
        out[f"{key}_ari"] = cluster_metrics(pred, truth)["ari"]
        pred = {i: story_of.get(i) or "single:" + i for i in labels}
        out[f"{key}_ari_stories"] = cluster_metrics(pred, truth)["ari"]
    derived = [i for i in labels if kind[i] in DERIVED]
    non = [i for i in labels if kind[i] == "non"]
    out["derived_recall"] = sum(i in linked for i in derived) / len(derived)
    out["nonderived_specificity"] = sum(i not in linked for i in non) / len(non)
    for k in DERIVED:
        sel = [i for i in labels if kind[i] == k]
        out[f"{k}_recall"] = sum(i in linked for i in sel) / len(sel)

    n_pred = n_true = n_both = 0
    for i, ann in passages.items():
        t = text[i]
        P = merge_spans(spans[i], len(t))
        T = merge_spans([(a["start"], a["end"]) for a in ann if a["type"] in ("Verbatim", "Rewrite")], len(t))
        n_pred += _nonspace(t, P)
        n_true += _nonspace(t, T)
        n_both += _overlap_nonspace(t, P, T)
    p = n_both / n_pred if n_pred else 0.0
    r = n_both / n_true if n_true else 0.0
    out.update(char_precision=p, char_recall=r, char_f1=2 * p * r / (p + r) if p + r else 0.0,
               annotated=len(passages))

    # Per newspaper text: the share of its non-whitespace characters shared with wire texts.
    papers = derived + non
    share = {i: _nonspace(text[i], merge_spans(spans[i], len(text[i]))) / max(1, _nonspace(text[i], [(0, len(text[i]))]))
             for i in papers}
    story = {i: lab["story"] for i, lab in labels.items()}
    out.update(_separation(share, papers, kind, "", story))
    # The same separation from each text's nearest earlier candidate (linked or not): the
    # share of its word trigrams that candidate holds (dedup.stages.nearest).
    shared = {d["doc_id"]: (d.get("nearest") or {}).get("shared", 0.0) for d in report["documents"]}
    out.update(_separation({i: shared.get(i, 0.0) for i in papers}, papers, kind, "_nearest", story))

    mixed = [c for c in report["clusters"]
             if any(m["doc_id"] in wire for m in c["members"]) and any(m["doc_id"] not in wire for m in c["members"])]
    out["mixed_clusters"] = len(mixed)
    out["origin_is_wire"] = sum(c["origin"] in wire for c in mixed) / len(mixed) if mixed else float("nan")
    return out


def _separation(score: dict, papers: list, kind: dict, suffix: str, story: dict) -> dict:
    """How one per-text score separates the newspaper texts: AUC derived vs non-derived,
    wholly vs partially, and the 3-class macro-F1 at the best two thresholds (chosen on
    the texts scored, and on other stories: :func:`cross_validated_f1`)."""
    def of(*kinds):
        return [score[i] for i in papers if kind[i] in kinds]

    lo, hi, f = best_thresholds([score[i] for i in papers], [kind[i] for i in papers])
    thresholds = "macro_f1_thresholds" if not suffix else f"macro_f1{suffix}_thresholds"
    return {f"auc_derived_vs_non{suffix}": auc(of(*DERIVED), of("non")),
            f"auc_wholly_vs_partially{suffix}": auc(of("wholly"), of("partially")),
            f"macro_f1_3class{suffix}": f, thresholds: [lo, hi],
            **{f"macro_f1_3class{suffix}_cv{k}": v for k, v in _cv(score, papers, kind, story).items()}}


def _cv(score, papers, kind, story) -> dict:
    cv = cross_validated_f1(score, papers, kind, story)
    return {"": cv["mean"], "_p10": cv["p10"], "_p90": cv["p90"]}


def wire_linked(report: dict, wire: set) -> set:
    """Newspaper texts that a link of ``report`` (a ``Report.model_dump()``) ties to a wire text."""
    return {paper for c in report["clusters"] for link in c["links"]
            for paper, other in ((link["target"], link["source"]), (link["source"], link["target"]))
            if paper not in wire and other in wire}


def story_folders(records: list[dict], labels: dict, whole: dict, jobs: int | None = None, config=None,
                  min_texts: int = 5) -> dict:
    """Each running story clustered on its own, as a researcher's folder on one event would
    be (stories with ``min_texts`` texts or more and a wire text): derived texts linked to
    a wire text and non-derived texts left unlinked, beside the same texts' values in
    ``whole``, the report of the whole half. The words' rarities come from the folder."""
    import dedup

    wire = {i for i, lab in labels.items() if lab["kind"] == "wire"}
    by_story: dict[str, list] = {}
    for r in records:
        by_story.setdefault(labels[r["id"]]["story"], []).append(r)
    linked_whole = wire_linked(whole, wire)
    linked, derived, non, n = set(), [], [], 0
    for _, rs in sorted(by_story.items()):
        if len(rs) < min_texts or not any(r["id"] in wire for r in rs):
            continue
        n += 1
        linked |= wire_linked(dedup.cluster(rs, config=config, jobs=jobs).model_dump(), wire)
        derived += [r["id"] for r in rs if labels[r["id"]]["kind"] in DERIVED]
        non += [r["id"] for r in rs if labels[r["id"]]["kind"] == "non"]

    def share(ids, got, linked_is_right):
        return sum((i in got) == linked_is_right for i in ids) / max(1, len(ids))

    return {"stories": n, "derived": len(derived), "non": len(non),
            "recall": share(derived, linked, True), "recall_whole": share(derived, linked_whole, True),
            "specificity": share(non, linked, False), "specificity_whole": share(non, linked_whole, False)}


def run_meter(data: Path, jobs: int | None = None, config=None, folders: bool = True) -> dict:
    import dedup

    records, labels, passages = load(data)
    t = time.perf_counter()
    report = dedup.cluster(records, config=config, jobs=jobs).model_dump()
    seconds = time.perf_counter() - t
    out = {**evaluate(report, records, labels, passages), "seconds": seconds}
    if folders:
        # one process a folder unless told: a few dozen texts do not repay starting workers
        out["folders"] = story_folders(records, labels, report, 1 if jobs is None else jobs, config)
    return out


# What the issue measured before any change (its table), and passim on METER's other half.
PASSIM_OTHER_HALF = {"derived_recall": 0.715, "char_f1": 0.671, "story_ari": 0.637, "story_ari_stories": 0.637,
                     "nonderived_specificity": 0.674}
TARGETS = {"story_ari": 0.80, "story_ari_stories": 0.80, "derived_recall": 0.85, "nonderived_specificity": 0.80, "char_f1": 0.75,
           "macro_f1_3class": 0.664, "macro_f1_3class_nearest": 0.664, "macro_f1_3class_cv": 0.664,
           "macro_f1_3class_nearest_cv": 0.664}
ROWS = (("story clustering ARI (copy clusters)", "story_ari"), ("the same per story-day", "story_day_ari"),
        ("story clustering ARI (running stories: copy clusters and one source's takes)", "story_ari_stories"),
        ("the same per story-day", "story_day_ari_stories"),
        ("derived texts linked to a wire text (recall)", "derived_recall"),
        ("  wholly derived", "wholly_recall"), ("  partially derived", "partially_recall"),
        ("non-derived texts left unlinked to wire (specificity)", "nonderived_specificity"),
        ("reused characters: precision", "char_precision"), ("reused characters: recall", "char_recall"),
        ("reused characters: F1", "char_f1"), ("AUC, derived vs non-derived (shared-character share)", "auc_derived_vs_non"),
        ("AUC, wholly vs partially", "auc_wholly_vs_partially"),
        ("3-class macro-F1 (thresholds chosen on this half)", "macro_f1_3class"),
        ("the same, thresholds chosen on other stories (2-fold by story, 50 splits: mean)", "macro_f1_3class_cv"),
        ("AUC, derived vs non-derived (nearest earlier candidate's trigram share)", "auc_derived_vs_non_nearest"),
        ("AUC, wholly vs partially (the same)", "auc_wholly_vs_partially_nearest"),
        ("3-class macro-F1 on the nearest candidate's share (thresholds chosen on this half)", "macro_f1_3class_nearest"),
        ("the same, thresholds chosen on other stories (mean)", "macro_f1_3class_nearest_cv"),
        ("origin is a wire text, in mixed clusters", "origin_is_wire"))


def _f(x) -> str:
    return "–" if x is None or x != x else f"{x:.3f}"


def markdown(m: dict) -> str:
    out = ["| measure (METER dev half, %d texts) | dedup | target | passim (other half) |" % m["documents"],
           "| --- | ---: | ---: | ---: |"]
    for name, key in ROWS:
        out.append(f"| {name} | {_f(m.get(key))} | {_f(TARGETS.get(key))} | {_f(PASSIM_OTHER_HALF.get(key))} |")
    lo, hi = m["macro_f1_thresholds"]
    nlo, nhi = m["macro_f1_nearest_thresholds"]
    out.append("")
    out.append(f"{m['clusters']} clusters, {m['mixed_clusters']} with wire and newspaper texts; "
               f"macro-F1 thresholds on the shared share: non < {lo:.3f} <= partially < {hi:.3f} <= wholly, "
               f"on the nearest candidate's share: non < {nlo:.3f} <= partially < {nhi:.3f} <= wholly; "
               f"{m['annotated']} texts with word-level annotation; {m['seconds']:.1f} s. Macro-F1 with "
               f"thresholds chosen on other stories, 10th-90th percentile of the 100 halves scored: "
               f"{m['macro_f1_3class_cv_p10']:.3f}-{m['macro_f1_3class_cv_p90']:.3f} (shared share), "
               f"{m['macro_f1_3class_nearest_cv_p10']:.3f}-{m['macro_f1_3class_nearest_cv_p90']:.3f} (nearest).")
    f = m.get("folders")
    if f:
        out.append("")
        out.append(f"One running story at a time (a folder on one event: the {f['stories']} stories with 5 or more "
                   f"texts and a wire text, each clustered alone; {f['derived']} derived and {f['non']} non-derived "
                   f"texts): derived recall {f['recall']:.3f} (the same texts in the whole half: "
                   f"{f['recall_whole']:.3f}), specificity {f['specificity']:.3f} ({f['specificity_whole']:.3f}).")
    return "\n".join(out)


def others(data: Path, synth_size: int, jobs: int | None) -> str:
    """Clough & Stevenson, the generated corpus and the seeds, measured in the same run."""
    import dedup

    from . import quality, quality_cs
    from .score import load_truth

    lines = ["", "Same run, elsewhere:", ""]
    cs_path = Path(data) / "clough_stevenson" / "clough_stevenson.jsonl"
    for label, cfg in (("`compare` defaults (Config.pairwise)", None), ("corpus defaults (Config())", dedup.Config())):
        res = quality_cs.evaluate(cs_path, config=cfg)
        a = res["all"]
        lines.append(f"- Clough & Stevenson, {label}: copied-or-not P {a['precision']:.3f} R {a['recall']:.3f} "
                     f"F1 {a['f1']:.3f}; clustered with their source: {res['clustering']['with_source']}")
    if synth_size:
        d, _ = quality.corpus(Path(data), HERE / "out" / "quality", synth_size, 1, "default", log=lambda *_: None)
        with open(d / "corpus.jsonl", encoding="utf-8") as fh:
            lengths = {r["id"]: len(r["text"]) for r in map(json.loads, fh)}
        m = quality.run_dedup(d, load_truth(d / "truth.jsonl"), lengths)
        lines.append(f"- generated corpus ({synth_size} documents, seed 1, default strength): ARI {m['ari']:.3f}, "
                     f"pair F1 {m['pair_f1']:.3f}, char F1 {m['char_f1']:.3f} ({m['seconds']:.1f} s)")
    seeds = dedup.cluster([str(REPO / "seeds")], jobs=jobs)
    groups = "; ".join("+".join(m.doc_id[:3] for m in c.members) + f" ({c.kind})" for c in seeds.clusters)
    lines.append(f"- seeds: {len(seeds.clusters)} clusters: {groups}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.meter", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--synth-size", type=int, default=10000, help="generated corpus size (0: skip)")
    ap.add_argument("--no-others", action="store_true", help="METER only")
    ap.add_argument("--no-folders", action="store_true", help="skip METER's stories clustered one at a time")
    ap.add_argument("--json", help="also write the METER measures as JSON here")
    ap.add_argument("--write-results", action="store_true", help="splice the section into benchmarks/RESULTS.md")
    a = ap.parse_args(argv)
    from .machine import describe

    m = run_meter(Path(a.data), a.jobs, folders=not a.no_folders)
    section = markdown(m)
    if not a.no_others:
        section += "\n" + others(Path(a.data), a.synth_size, a.jobs)
    print(section)
    if a.json:
        Path(a.json).write_text(json.dumps(m, indent=1, sort_keys=True), encoding="utf-8")
    if a.write_results:
        from .quality_report import splice

        mc = describe()
        head = ["## METER (real wire copy and newspaper rewrites)", "",
                f"Command: `python -m benchmarks.meter {shlex.join(sys.argv[1:] if argv is None else argv)}`  ",
                f"Code: {mc['git']}; machine: {mc['cpu']}, {mc['cores']} cores, {mc['ram']} RAM, "
                f"Python {mc['python']}", ""]
        splice(HERE / "RESULTS.md", "\n".join(head) + section + "\n", START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
