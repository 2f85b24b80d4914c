"""Quality of the persistent index's answers (``Index.add``), as a pipeline sees them.

    python -m benchmarks.index_quality answers --corpus D/corpus.jsonl --truth D/truth.jsonl [--no-source] [--limit N]
    python -m benchmarks.index_quality near-copies [--data DIR] [--queries 200] [--seed 7]
    python -m benchmarks.index_quality meter [--data DIR]

``answers``: a labelled corpus (``benchmarks.synth``) added one document at a time to a
fresh index; every match that is not a ``template`` link is a predicted pair, scored
against the truth clusters (pair precision/recall); then the stories the adds built
(``stored_cluster``), scored the same way, and how many answers named an origin of the
document's own truth cluster. ``--no-source`` drops the records'
source, as feeds without one arrive. ``near-copies``: Reuters-21578 as shipped stored
with ``newid`` as id; then texts of ``--queries`` stored articles (60+ words), each with
one word changed (and each unchanged), queried under new ids: how many miss their original.
``meter``: METER's development half (``benchmarks.meter``) added one text at a time, by
date then id (a day's wire copy before the next day's papers); a newspaper text counts as
linked to the wire when an answer joins it and a wire text by a link that is not a
``template``: derived recall and non-derived specificity, as the batch benchmark counts them;
and the story ARI of the stories the adds built (each text's ``stored_cluster``).
Prints one line of numbers; writes nothing but its temporary index.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def answers(corpus: Path, truth: Path, no_source: bool, limit: int | None) -> str:
    from dedup.evaluate import load_truth
    from dedup.index import Index

    with open(corpus, encoding="utf-8") as f:
        docs = [json.loads(line) for line in itertools.islice(f, limit)]
    if no_source:
        for d in docs:
            d.pop("source", None)
    labels = load_truth(truth).labels
    predicted, origins = set(), []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Index.open(Path(tmp) / "i.db", jobs=1) as index:
        for d in docs:
            answer = index.add(d)
            predicted.update(tuple(sorted((d["id"], m.doc_id))) for m in answer.matches if m.kind != "template")
            if answer.origin is not None:
                origins.append(labels[answer.origin] == labels[d["id"]])
        seconds = time.perf_counter() - t0
        stories: dict[str, list[str]] = {}  # each document's story once all are stored
        for d in docs:
            story = index.query(d).stored_cluster
            if story is not None:
                stories.setdefault(story, []).append(d["id"])
    by_label: dict[str, list[str]] = {}
    for d in docs:
        by_label.setdefault(labels[d["id"]], []).append(d["id"])
    true = {tuple(sorted(p)) for ids in by_label.values() for p in itertools.combinations(ids, 2)}
    right = len(predicted & true)
    together = {tuple(sorted(p)) for ids in stories.values() for p in itertools.combinations(ids, 2)}
    both = len(together & true)
    return (f"{len(docs):,} documents{' (sources dropped)' if no_source else ''}: {len(predicted):,} pairs answered, "
            f"{right:,} right, {len(predicted) - right:,} wrong; pair P {right / max(1, len(predicted)):.4f} "
            f"R {right / max(1, len(true)):.4f}; {len(docs) / seconds:.1f} docs/s added. The stories once all are "
            f"stored: pair P {both / max(1, len(together)):.4f} R {both / max(1, len(true)):.4f}; answers naming an "
            f"origin of the document's own truth cluster: {sum(origins):,} of {len(origins):,}")


def near_copies(data: Path, queries: int, seed: int) -> str:
    from dedup.index import Index

    with gzip.open(data / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as f:
        docs = [{"id": str(r["newid"]), "text": r["text"], "title": r.get("title")}
                for r in map(json.loads, f) if (r.get("text") or "").strip()]
    rng = random.Random(seed)
    sample = rng.sample([d for d in docs if len(d["text"].split()) >= 60], queries)
    changed = exact = 0
    with tempfile.TemporaryDirectory() as tmp:
        with Index.open(Path(tmp) / "r.db") as index:
            index.add_many(docs)
        with Index.open(Path(tmp) / "r.db", readonly=True) as index:
            for d in sample:
                words = d["text"].split(" ")
                i = rng.randrange(len(words) // 4, 3 * len(words) // 4)
                words[i] = "zzzq" if words[i].strip() else words[i]
                hit = index.query({"id": "q-" + d["id"], "text": " ".join(words)}).matches
                changed += not any(m.doc_id == d["id"] for m in hit)
                hit = index.query({"id": "e-" + d["id"], "text": d["text"]}).matches
                exact += not any(m.doc_id == d["id"] for m in hit)
    return f"{len(docs):,} Reuters articles stored; one word changed: {changed}/{queries} missed; exact: {exact}/{queries} missed"


def meter(data: Path) -> str:
    from dedup.evaluate import cluster_metrics
    from dedup.index import Index
    from .meter import load

    records, labels, _ = load(data)
    wire = {i for i, lab in labels.items() if lab["kind"] == "wire"}
    linked = set()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Index.open(Path(tmp) / "m.db", jobs=1) as index:
        for r in sorted(records, key=lambda r: (r.get("date") or "", r["id"])):
            for m in index.add(r).matches:
                if m.kind != "template" and (r["id"] in wire) != (m.doc_id in wire):
                    linked.add(m.doc_id if r["id"] in wire else r["id"])
        seconds = time.perf_counter() - t0
        story = {r["id"]: index.query(r).stored_cluster for r in records}
    # the stories the adds built, against METER's (non-derived texts alone), as benchmarks.meter scores clusters
    truth = {i: (lab["story"] if lab["kind"] != "non" else "non:" + i) for i, lab in labels.items()}
    ari = cluster_metrics({i: story.get(i) or "single:" + i for i in labels}, truth)["ari"]

    def rate(*kinds: str) -> float:
        sel = [i in linked for i, lab in labels.items() if lab["kind"] in kinds]
        return sum(sel) / max(1, len(sel))

    return (f"METER dev, {len(records):,} texts added one at a time: derived recall "
            f"{rate('wholly', 'partially'):.3f} (wholly {rate('wholly'):.3f}, partially {rate('partially'):.3f}), "
            f"non-derived specificity {1 - rate('non'):.3f}; story ARI of the stories the adds built {ari:.3f}; "
            f"{len(records) / seconds:.1f} docs/s added")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.index_quality", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("answers")
    a.add_argument("--corpus", type=Path, required=True)
    a.add_argument("--truth", type=Path, required=True)
    a.add_argument("--no-source", action="store_true")
    a.add_argument("--limit", type=int)
    n = sub.add_parser("near-copies")
    n.add_argument("--data", type=Path, default=DEFAULT_DATA)
    n.add_argument("--queries", type=int, default=200)
    n.add_argument("--seed", type=int, default=7)
    m = sub.add_parser("meter")
    m.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    if args.mode == "answers":
        print(answers(args.corpus, args.truth, args.no_source, args.limit))
    elif args.mode == "meter":
        print(meter(args.data))
    else:
        print(near_copies(args.data, args.queries, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
