"""Per-stage costs measured on a corpus, projected to 10M / 100M / 1B articles.

    python -m benchmarks.scaling measure CORPUS --jobs 2 --out costs.json
    python -m benchmarks.scaling project costs.json [--small costs-small.json] [--workers 8,64,512]
    python -m benchmarks.scaling engines CORPUS --out DIR [--runs local:2,dask:1,dask:2]

``measure`` runs the pipeline's stage functions on the local engine and records, per
article: CPU seconds of the stages workers run (prepare, fingerprint, align: wall x
jobs), seconds of what the driver does alone (ingest, grouping band keys into pairs,
clustering), segments, band-key bytes, candidate pairs, links, the distinct words
(the word table every worker holds) and the driver's peak RSS. ``project`` is a
model, not a measurement: linear in articles except the vocabulary (Heaps' law,
exponent 0.5), pairs per article held constant (a deeper syndication graph raises
them), perfect parallel efficiency (an upper bound on speed).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def measure(corpus: str, jobs: int) -> dict:
    from dedup import pipeline
    from dedup.stages.candidates import find_candidates
    from dedup.config import Config
    from dedup.engines import make_engine
    from dedup.stages.link import align_pairs
    from dedup.stages.prepare import prepare_corpus
    from dedup.storage.spill import workdir
    from dedup.storage.workspace import DocStore

    cfg, engine, t = Config(), make_engine("local", jobs), {}
    marks: dict[str, float] = {}

    def progress(stage, done, total):
        marks[stage] = time.perf_counter()

    with workdir() as tmp:
        docs, problems = DocStore(tmp), []
        s = time.perf_counter()
        pipeline.ingest_corpus(docs, [corpus], problems, None, None, work_dir=tmp)
        t["ingest"] = time.perf_counter() - s
        s = time.perf_counter()
        prepared, facts = prepare_corpus(docs, tmp, cfg, progress, engine=engine)
        t["prepare"] = time.perf_counter() - s
        s = time.perf_counter()
        pairs = find_candidates(prepared, cfg, progress, engine=engine, workdir=tmp)
        t["fingerprint"], t["group"] = marks["fingerprint"] - s, time.perf_counter() - marks["fingerprint"]
        s = time.perf_counter()
        links = align_pairs(prepared, pairs, cfg, progress, engine=engine)
        t["align"] = time.perf_counter() - s
        s = time.perf_counter()
        outcome = pipeline.link_clusters(prepared, facts, links, problems, cfg, candidates=pairs)
        sum(1 for _ in outcome.clusters())
        t["cluster"] = time.perf_counter() - s
        n = len(prepared)
        segments = sum(len(p.seg_bounds) - 1 for p in prepared)
        prepared_bytes = sum(p.hashes.nbytes + p.starts.nbytes * 2 + p.seg_bounds.nbytes for p in prepared)
        vocab = len(prepared.table[0])
        prepared.close()
    return {
        "articles": n, "jobs": jobs, "seconds": t,
        "worker_cpu_s_per_article": (t["prepare"] + t["fingerprint"] + t["align"]) * jobs / n,
        "driver_s_per_article": (t["ingest"] + t["group"] + t["cluster"]) / n,
        "segments_per_article": segments / n,
        "band_key_bytes_per_article": segments / n * cfg.bands * 8 + 8 * segments / n,
        "prepared_bytes_per_article": prepared_bytes / n,
        "pairs_per_article": len(pairs) / n, "links_per_article": len(links) / n,
        "distinct_words": vocab, "driver_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def project(costs: dict, workers: list[int], small: dict | None = None,
            sizes=(10_000_000, 100_000_000, 1_000_000_000)) -> list[dict]:
    """``small``: the costs of a smaller corpus, for the driver's memory per article
    (the slope between the two: the interpreter's own memory is not per article)."""
    n = costs["articles"]
    rss = costs["driver_peak_rss_mb"] / n
    if small is not None:
        rss = (costs["driver_peak_rss_mb"] - small["driver_peak_rss_mb"]) / (n - small["articles"])
    rows = []
    for size in sizes:
        scale = size / n
        vocab = costs["distinct_words"] * scale ** 0.5
        for w in workers:
            worker_h = size * costs["worker_cpu_s_per_article"] / w / 3600
            driver_h = size * costs["driver_s_per_article"] / 3600
            rows.append({
                "articles": size, "workers": w, "hours": round(worker_h + driver_h, 1),
                "driver_share": round(driver_h / (worker_h + driver_h), 2),
                "band_keys_gb": round(size * costs["band_key_bytes_per_article"] / 1e9, 1),
                "pairs_millions": round(size * costs["pairs_per_article"] / 1e6, 1),
                "shuffle_bytes_per_article": round(costs["band_key_bytes_per_article"] + 16 * costs["pairs_per_article"]
                                                   + 2 * costs["pairs_per_article"] * costs["prepared_bytes_per_article"]),
                "word_table_gb_per_worker": round(vocab * 16 / 1e9, 2),
                "driver_rss_gb": round(rss * size / 1e3, 1),
            })
    return rows


def one_run(corpus: str, engine: str, jobs: int, out: str, marks_out: str) -> None:
    """One run as the CLI does it (pipeline, JSON rendered to ``out``); the first and
    last progress call of each stage go to ``marks_out`` (seconds from the start)."""
    from dedup.pipeline import run
    from dedup.stages.report import render

    start, marks = time.perf_counter(), {}

    def progress(stage, done, total):
        now = time.perf_counter() - start
        marks.setdefault(stage, [now, now])[1] = now

    with run([corpus], progress=progress, jobs=jobs, engine=engine) as outcome:
        marks["pipeline"] = [0.0, time.perf_counter() - start]
        with open(out, "w", encoding="utf-8") as fh:
            fh.writelines(render(outcome, "json"))
    marks["total"] = [0.0, time.perf_counter() - start]
    marks["driver_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(marks_out, "w", encoding="utf-8") as fh:
        json.dump(marks, fh, indent=1)


def compare_engines(corpus: str, out_dir: str, runs: list[tuple[str, int]], interval: float = 0.25) -> list[dict]:
    """Each ``(engine, jobs)`` run back to back in a child process; wall time, CPU
    seconds of the whole process tree, the peak of the summed resident memory of the
    child and all its descendants (the Dask workers and nannies included; pages a
    forked local worker shares with the driver count once per process, so the local
    engine's sum overstates it), the load average when it started, and whether its
    JSON is byte-identical to the first run's."""
    import filecmp
    import os
    import subprocess

    import psutil

    os.makedirs(out_dir, exist_ok=True)
    rows = []
    for engine, jobs in runs:
        name = f"{engine}-{jobs}"
        out, marks = os.path.join(out_dir, f"{name}.json"), os.path.join(out_dir, f"{name}.marks.json")
        load = os.getloadavg()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.scaling", "_run", corpus, engine, str(jobs),
                                  out, marks])
        proc, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            total = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            peak = max(peak, total)
            time.sleep(interval)
        wall = time.perf_counter() - start
        # CPU of the whole tree: each process waits for its own children (the Dask
        # nannies' workers too), so their time is in the child's RUSAGE_CHILDREN.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if child.returncode != 0:
            raise SystemExit(f"{name} failed with exit code {child.returncode}")
        with open(marks, encoding="utf-8") as fh:
            stages = json.load(fh)
        rows.append({"run": name, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_rss_mb": round(peak / 2**20),
                     "driver_peak_rss_mb": round(stages.pop("driver_peak_rss_mb")),
                     "load_at_start": [round(x, 2) for x in load], "load_at_end": [round(x, 2) for x in os.getloadavg()],
                     "identical": filecmp.cmp(out, os.path.join(out_dir, f"{runs[0][0]}-{runs[0][1]}.json"),
                                              shallow=False),
                     "stages": {k: [round(a, 1), round(b, 1)] for k, (a, b) in stages.items()}})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str]) -> int:
    if argv[:1] == ["_run"]:
        corpus, engine, jobs, out, marks = argv[1:]
        one_run(corpus, engine, int(jobs), out, marks)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("corpus")
    m.add_argument("--jobs", type=int, default=2)
    m.add_argument("--out", required=True)
    p = sub.add_parser("project")
    p.add_argument("costs")
    p.add_argument("--workers", default="8,64,512")
    p.add_argument("--small", help="costs of a smaller corpus (driver memory as a slope)")
    e = sub.add_parser("engines", help="local vs Dask on one corpus: wall, peak memory, identical JSON")
    e.add_argument("corpus")
    e.add_argument("--out", required=True, help="directory for each run's JSON and the table (engines.json)")
    e.add_argument("--runs", default="local:2,dask:1,dask:2", help="engine:workers, run back to back in this order")
    args = ap.parse_args(argv)
    if args.cmd == "engines":
        runs = [(r.split(":")[0], int(r.split(":")[1])) for r in args.runs.split(",")]
        rows = compare_engines(args.corpus, args.out, runs)
        with open(f"{args.out}/engines.json", "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
        return 0
    if args.cmd == "measure":
        costs = measure(args.corpus, args.jobs)
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(costs, fh, indent=2)
        print(json.dumps(costs, indent=2))
    else:
        with open(args.costs, encoding="utf-8") as fh:
            costs = json.load(fh)
        small = None
        if args.small:
            with open(args.small, encoding="utf-8") as fh:
                small = json.load(fh)
        rows = project(costs, [int(x) for x in args.workers.split(",")], small)
        keys = list(rows[0])
        print("| " + " | ".join(keys) + " |\n|" + " --- |" * len(keys))
        for r in rows:
            print("| " + " | ".join(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
