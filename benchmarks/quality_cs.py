"""Clough & Stevenson short-answer corpus: copy detection and how graded reuse separates.

Each answer is compared with its Wikipedia source by ``dedup.compare`` alone (no corpus
statistics); an answer is predicted copied when the comparison finds a link (``kind`` is
not None).  The corpus is then clustered whole, as a user would run it.
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

CATEGORIES = ("cut", "light", "heavy", "non")
# Labelled ``cut`` but copied from another revision of the source (../shared/data/README.md).
NOISY = ("g2pE_taskc", "g4pD_taskb")


def load(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def prf(pred: dict[str, bool], gold: dict[str, bool], skip: tuple[str, ...] = ()) -> dict:
    ids = [i for i in gold if i not in skip]
    tp = sum(pred[i] and gold[i] for i in ids)
    fp = sum(pred[i] and not gold[i] for i in ids)
    fn = sum(gold[i] and not pred[i] for i in ids)
    tn = len(ids) - tp - fp - fn
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"n": len(ids), "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": p, "recall": r, "f1": f}


def _spread(xs: list[float]) -> dict:
    if not xs:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def evaluate(path: str | Path, config=None) -> dict:
    """Score dedup on the corpus at ``path``; returns a JSON-able dict (see ``markdown``)."""
    import dedup

    rows = load(path)
    by_id = {r["id"]: r for r in rows}
    answers = [r for r in rows if r["category"] != "orig"]
    t = time.perf_counter()
    per: list[dict] = []
    for r in answers:
        c = dedup.compare(by_id[r["source_id"]]["text"], r["text"], config=config)
        per.append({"id": r["id"], "category": r["category"], "plagiarised": bool(r["plagiarised"]),
                    "kind": c.kind, "score": float(c.score), "coverage": float(c.coverage_target),
                    "copied": c.kind is not None})
    compare_s = time.perf_counter() - t
    pred = {p["id"]: p["copied"] for p in per}
    gold = {p["id"]: p["plagiarised"] for p in per}
    errors = [{"id": p["id"], "category": p["category"], "error": "missed" if p["plagiarised"] else "false alarm",
               "score": p["score"], "coverage": p["coverage"], "noisy_label": p["id"] in NOISY}
              for p in per if p["copied"] != p["plagiarised"]]
    cats = {}
    for cat in CATEGORIES:
        sel = [p for p in per if p["category"] == cat]
        cats[cat] = {"n": len(sel), "copied": sum(p["copied"] for p in sel),
                     "score": _spread([p["score"] for p in sel]),
                     "coverage": _spread([p["coverage"] for p in sel])}

    t = time.perf_counter()
    report = dedup.cluster([{"id": r["id"], "text": r["text"]} for r in rows], config=config)
    cluster_s = time.perf_counter() - t
    cluster_of = {m.doc_id: c.id for c in report.clusters for m in c.members}
    with_source = {cat: 0 for cat in CATEGORIES}
    for r in answers:
        cid = cluster_of.get(r["id"])
        if cid is not None and cid == cluster_of.get(r["source_id"]):
            with_source[r["category"]] += 1
    in_any = sum(r["id"] in cluster_of for r in answers)
    wrong_cluster = sorted(r["id"] for r in answers
                           if r["id"] in cluster_of and cluster_of[r["id"]] != cluster_of.get(r["source_id"]))
    return {
        "all": prf(pred, gold), "clean": prf(pred, gold, NOISY), "errors": errors, "categories": cats,
        "compare_seconds": compare_s, "cluster_seconds": cluster_s,
        "clustering": {"clusters": len(report.clusters), "answers_clustered": in_any,
                       "with_source": with_source, "other_cluster": wrong_cluster,
                       "sources_clustered": sum(r["id"] in cluster_of for r in rows if r["category"] == "orig")},
    }


def markdown(res: dict) -> str:
    a, c = res["all"], res["clean"]
    out = [
        "Each of the 95 answers is compared with its source by `dedup.compare` (default settings); "
        "predicted copied = a link is found (`kind` is not None); gold = `plagiarised` (cut/light/heavy).",
        "",
        "| labels | n | TP | FP | FN | TN | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| all labels | {a['n']} | {a['tp']} | {a['fp']} | {a['fn']} | {a['tn']} | "
        f"{a['precision']:.3f} | {a['recall']:.3f} | **{a['f1']:.3f}** |",
        f"| without the 2 noisy labels | {c['n']} | {c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} | "
        f"{c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} |",
        "",
    ]
    if res["errors"]:
        out += ["Errors (all labels):", "", "| answer | category | error | score | coverage of answer | note |",
                "| --- | --- | --- | ---: | ---: | --- |"]
        out += [f"| `{e['id']}` | {e['category']} | {e['error']} | {e['score']:.2f} | {e['coverage']:.2f} | "
                + ("known noisy label" if e["noisy_label"] else "") + " |" for e in res["errors"]]
        out.append("")
    else:
        out.append("No errors.")
    n_noisy = sum(e["noisy_label"] for e in res["errors"])
    out += [f"{n_noisy} of the {len(res['errors'])} errors are the known noisy labels "
            f"({', '.join('`' + x + '`' for x in NOISY)}: labelled `cut`, copied from another revision of the source).",
            "",
            "How score and coverage of the answer (`coverage_target`) separate the graded levels "
            "(median [min, max]):",
            "",
            "| category | n | predicted copied | score | coverage of answer |",
            "| --- | ---: | ---: | --- | --- |"]
    for cat, v in res["categories"].items():
        s, cv = v["score"], v["coverage"]
        out.append(f"| {cat} | {v['n']} | {v['copied']} | {s['median']:.2f} [{s['min']:.2f}, {s['max']:.2f}] | "
                   f"{cv['median']:.2f} [{cv['min']:.2f}, {cv['max']:.2f}] |")
    cl = res["clustering"]
    ws = cl["with_source"]
    n = {k: v["n"] for k, v in res["categories"].items()}
    out += ["",
            f"Clustering view (`dedup.cluster` over all 100 texts, {res['cluster_seconds']:.1f} s): "
            f"{cl['clusters']} clusters, {cl['sources_clustered']} of 5 sources and {cl['answers_clustered']} of 95 "
            "answers in a cluster. Answers in their source's cluster: "
            + ", ".join(f"{k} {ws[k]}/{n[k]}" for k in CATEGORIES) + "."
            + (" Answers clustered away from their source: " + ", ".join(f"`{x}`" for x in cl["other_cluster"]) + "."
               if cl["other_cluster"] else "")]
    return "\n".join(out)
