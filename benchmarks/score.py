"""Score a clustering / passage prediction against the generator's ``truth.jsonl``.

Prediction format: ``labels: dict[doc_id, cluster_label]`` and
``pairs: dict[(a, b), (a_spans, b_spans)]`` with spans ``[[start, end], ...]`` as
character offsets into each document's text (the same shape as truth pairs).
"""
from __future__ import annotations

import json
from pathlib import Path

# The scorer lives in the library (``dedup.evaluate``, also ``dedup eval``); the
# benchmarks import it from here as they always have.
from dedup.evaluate import (Pairs, Spans, Truth, canonical, cluster_metrics, load_truth,
                            merge_spans, passage_metrics, report_to_prediction, score,
                            whole_doc_pairs)

__all__ = ["Pairs", "Spans", "Truth", "canonical", "cluster_metrics", "load_truth", "merge_spans",
           "passage_metrics", "report_to_prediction", "score", "whole_doc_pairs", "main"]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.score DIR [name=value ...]``: run dedup (settings as given,
    defaults otherwise) on DIR/corpus.jsonl and score it against DIR/truth.jsonl."""
    import argparse
    import time

    import dedup

    ap = argparse.ArgumentParser(prog="python -m benchmarks.score")
    ap.add_argument("corpus_dir")
    ap.add_argument("settings", nargs="*", help="dedup.Config settings as name=value")
    a = ap.parse_args(argv)
    settings = {k: json.loads(v) for k, v in (s.split("=", 1) for s in a.settings)}
    d = Path(a.corpus_dir)
    truth = load_truth(d / "truth.jsonl")
    with open(d / "corpus.jsonl", encoding="utf-8") as fh:
        lengths = {r["id"]: len(r["text"]) for r in map(json.loads, fh)}
    t = time.perf_counter()
    report = dedup.cluster([d / "corpus.jsonl"], config=dedup.Config(**settings))
    seconds = time.perf_counter() - t
    labels, pairs = report_to_prediction(report.model_dump())
    result = {k: round(v, 4) for k, v in score(truth, labels, pairs, lengths).items()}
    print(json.dumps({"settings": settings, "seconds": round(seconds, 1), **result}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
