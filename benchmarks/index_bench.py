"""Index benchmark: bulk load speed against the batch pipeline, add/query latency at a
large index, bytes on disk per document.

    python -m benchmarks.index_bench --corpus benchmarks/out/speed/corpus-100000-s1/corpus.jsonl \
        --size 20000 [--probes 300] [--batch-size N] [--write-results]

The first ``--size`` documents (in file order) are bulk-loaded with ``add_many``, read
from the file as they go (never all held); the next ``--probes`` are timed one at a
time with ``query`` and then ``add``. The batch pipeline (``dedup.cluster`` on a JSONL
file) is timed on the first ``--batch-size`` documents (default ``--size``).
``--keep FILE`` keeps the loaded index; ``--reuse FILE`` skips the load and probes a
copy of a kept index (so every latency run starts from the same state).
``--write-results`` replaces the index section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

import dedup
from dedup.stages.ingest import to_document

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- index:start -->", "<!-- index:end -->"


def _verdicts(r: dict) -> list[str]:
    """Each target of the issue, met or not, from the measured numbers."""
    out = []
    b = r.get("build", r)
    if "ratio_add_many_to_batch" in b:
        ratio = 1 / b["ratio_add_many_to_batch"]
        out.append(f"`add_many` within 1.5x of batch: {'met' if ratio <= 1.5 else '**not met**'} "
                   f"(batch {ratio:.2f}x as fast)" if ratio >= 1 else
                   f"`add_many` within 1.5x of batch: met (add_many {1 / ratio:.2f}x as fast as batch)")
    if "query_ms" in r:
        q, a = r["query_ms"], r["add_ms"]
        out += [
            f"`query` p50 <= 5 ms: {'met' if q['p50'] <= 5 else '**not met**'}, p99 <= 50 ms: {'met' if q['p99'] <= 50 else '**not met**'}",
            f"`add` p50 <= 5 ms: {'met' if a['p50'] <= 5 else '**not met**'}, p99 <= 50 ms: {'met' if a['p99'] <= 50 else '**not met**'}",
            f"measured at {r['size']:,} documents indexed",
        ]
    return out


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def stream(path: str, start: int, stop: int):
    """Documents ``start`` to ``stop`` of a JSONL file, read as they are consumed."""
    with open(path, encoding="utf-8") as fh:
        for line in islice(fh, start, stop):
            yield to_document(json.loads(line))


def time_batch(path: str, n: int, jobs, tmp) -> float:
    """Documents/s of ``dedup.cluster`` on the first ``n`` documents, given as a file."""
    with tempfile.TemporaryDirectory(dir=tmp) as d:
        part = os.path.join(d, "batch.jsonl")
        with open(path, encoding="utf-8") as src, open(part, "w", encoding="utf-8") as dst:
            dst.writelines(islice(src, n))
        t = time.perf_counter()
        dedup.cluster([part], jobs=jobs)
        return n / (time.perf_counter() - t)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, q))


def probe(args, db: str, size: int) -> dict:
    """Time ``query`` and then ``add`` of the documents after the first ``size``."""
    out: dict = {}
    with dedup.Index.open(db, jobs=args.jobs, durable=args.durable) as index:
        probes = list(stream(args.corpus, size, size + args.probes))
        for d in stream(args.corpus, 0, 1):  # warm up: first query loads tables and caches
            index.query(d)
        q, a, nmatch = [], [], 0
        for d in probes:
            t = time.perf_counter()
            r = index.query(d)
            q.append(time.perf_counter() - t)
            nmatch += bool(r.matches)
        for d in probes:
            t = time.perf_counter()
            index.add(d)
            a.append(time.perf_counter() - t)
        out["probes_with_matches"] = nmatch
        if probes:
            out["query_ms"] = {"p50": pct(q, 50), "p99": pct(q, 99), "max": pct(q, 100)}
            out["add_ms"] = {"p50": pct(a, 50), "p99": pct(a, 99), "max": pct(a, 100)}
        if args.clusters:
            t = time.perf_counter()
            index.clusters()
            out["clusters_s"] = time.perf_counter() - t
        index._store.checkpoint()
        stats = index.stats()
        out["bytes"], out["free_bytes"] = stats["bytes"], stats["free_bytes"]
    return out


def _settle(source: str, copy: str) -> None:
    """After copying a kept index: write the copy back to disk now, so writeback does not
    overlap the timing; drop the source from the page cache and read the copy through
    once, so the copy (not both) is cached, as one index on a machine with room for it
    would be after running a while."""
    if hasattr(os, "sync"):
        os.sync()
    if hasattr(os, "posix_fadvise"):
        fd = os.open(source, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    with open(copy, "rb") as fh:
        while fh.read(1 << 24):
            pass


def _median_run(runs: list[dict]) -> dict:
    """Each latency figure as the median over runs (the runs themselves are kept)."""
    out = dict(runs[0])
    for what in ("query_ms", "add_ms"):
        if what in out:
            out[what] = {k: float(np.median([r[what][k] for r in runs])) for k in runs[0][what]}
    out["runs"] = runs
    return out


def run(args) -> dict:
    out: dict = {"size": args.size, "probes": args.probes, "corpus": args.corpus, "durable": args.durable}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        db = os.path.join(tmp, "bench.db")
        if args.reuse:
            with dedup.Index.open(args.reuse, readonly=True) as index:  # the kept file is never written (nor upgraded)
                out["size"] = len(index)
        else:
            if not args.no_batch:
                out["batch_docs"] = args.batch_size or args.size
                out["batch_docs_per_s"] = time_batch(args.corpus, out["batch_docs"], args.jobs, args.tmp)
            with dedup.Index.open(db, jobs=args.jobs, durable=args.durable) as index:
                t = time.perf_counter()
                index.add_many(stream(args.corpus, 0, args.size))
                out["add_many_docs_per_s"] = args.size / (time.perf_counter() - t)
                index._store.checkpoint()
                stats = index.stats()
            out["bytes_after_load"], out["free_bytes_after_load"], out["rows"] = stats["bytes"], stats["free_bytes"], stats["rows"]
            if args.keep:
                shutil.copyfile(db, args.keep)
        runs = []
        for _ in range(max(1, args.runs) if args.probes else 0):
            if args.reuse:  # every run starts from the kept index, its copy on disk
                shutil.copyfile(args.reuse, db)
                _settle(args.reuse, db)
            runs.append(probe(args, db, out["size"]))
        out.update(_median_run(runs) if runs else {})
        if args.reuse and os.path.exists(args.reuse + ".json"):
            with open(args.reuse + ".json", encoding="utf-8") as fh:
                out["build"] = json.load(fh)  # the load's numbers, reported with these
    if "batch_docs_per_s" in out and "add_many_docs_per_s" in out:
        out["ratio_add_many_to_batch"] = out["add_many_docs_per_s"] / out["batch_docs_per_s"]
    return out


def markdown(r: dict, command: str) -> str:
    commit = _commit()
    b = r.get("build", r)
    mib = 2**20
    lines = [
        START,
        "## Index (`dedup.Index`, SQLite)",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}. Corpus: `{r['corpus']}` (`benchmarks.synth`). "
        + ("Every commit fsynced (`durable=True`, synchronous=FULL)." if r["durable"] else
           "Default durability (`durable=False`: WAL, synchronous=NORMAL; safe against a killed process)."),
        "",
    ]
    if "add_many_docs_per_s" in b:
        lines += [
            f"**Bulk load.** Command: `{b.get('command', command)}` (date {b.get('date', '?')}, code {b.get('commit', commit)}). "
            f"The first {b['size']:,} documents are streamed from the file into an empty index with `add_many` "
            "(default batch of 1,000 documents, one transaction each); the batch pipeline (`dedup.cluster` on a "
            f"JSONL file) is timed on the first {b['batch_docs']:,} in the same run.",
            "",
            "| measure | value | target |",
            "| --- | ---: | --- |",
            f"| batch pipeline (`dedup.cluster`, {b['batch_docs']:,} docs) | {b['batch_docs_per_s']:.0f} docs/s | |",
            f"| `add_many`, {b['size']:,} docs into an empty index | {b['add_many_docs_per_s']:.0f} docs/s "
            f"({b['ratio_add_many_to_batch']:.2f}× the batch rate) | ≥ 1/1.5 of batch |",
            f"| file after the load | {b['bytes_after_load'] / mib:,.0f} MiB, of which {b['free_bytes_after_load'] / mib:,.0f} "
            f"MiB free pages (left by merged runs, reused by later writes) | |",
            f"| in use per document | {(b['bytes_after_load'] - b['free_bytes_after_load']) / b['size'] / 1024:.1f} KiB "
            f"({(b['bytes_after_load'] - b['free_bytes_after_load']) / b['size'] * 1e6 / 2**30:.1f} GiB per million) | stated |",
            "",
            f"Rows after the load: {', '.join(f'{k} {v:,}' for k, v in b['rows'].items())}.",
            "",
        ]
    if "query_ms" in r:
        q, a = r["query_ms"], r["add_ms"]
        lines += [
            f"**Latency.** Command: `{command}` (date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, code {commit}). "
            f"A copy of the loaded index ({r['size']:,} documents); the next {r['probes']} documents of the file, "
            f"each timed with `query`, then each with `add` ({r['probes_with_matches']} of them match something), "
            f"after one warm-up query. Median of {len(r['runs'])} run(s), each on a fresh copy of the index "
            "(synced, the source dropped from the page cache, the copy read through, before timing); "
            "per run, p50/p99 ms: "
            + "; ".join(f"query {x['query_ms']['p50']:.1f}/{x['query_ms']['p99']:.1f}, add {x['add_ms']['p50']:.1f}/"
                        f"{x['add_ms']['p99']:.1f}" for x in r["runs"]) + ".",
            "",
            "| measure | p50 | p99 | max | target |",
            "| --- | ---: | ---: | ---: | --- |",
            f"| `query` | {q['p50']:.1f} ms | {q['p99']:.1f} ms | {q['max']:.1f} ms | p50 ≤ 5, p99 ≤ 50 |",
            f"| `add` | {a['p50']:.1f} ms | {a['p99']:.1f} ms | {a['max']:.1f} ms | p50 ≤ 5, p99 ≤ 50 |",
            "",
        ]
    lines += ["Verdicts: " + "; ".join(_verdicts(r)) + ".", END]
    return "\n".join(lines) + "\n"


def write_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END) + "\n?", lambda m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.index_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="JSONL corpus (python -m benchmarks.synth --out DIR)")
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--probes", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=0, help="documents for the batch timing (0: --size)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--durable", action="store_true", help="fsync every commit (synchronous=FULL)")
    ap.add_argument("--clusters", action="store_true", help="also time clusters() at the end")
    ap.add_argument("--tmp", default=None, help="directory for the index file")
    ap.add_argument("--keep", default=None, help="copy the index here at the end")
    ap.add_argument("--reuse", default=None, help="probe a copy of this kept index instead of loading one")
    ap.add_argument("--no-batch", action="store_true", help="do not time the batch pipeline")
    ap.add_argument("--runs", type=int, default=1, help="latency runs (each on a fresh copy with --reuse); medians reported")
    ap.add_argument("--write-results", action="store_true")
    args = ap.parse_args(argv)
    if args.runs > 1 and not args.reuse:
        ap.error("--runs above 1 needs --reuse (each run probes a fresh copy of a kept index)")
    command = "python -m benchmarks.index_bench " + " ".join(argv or sys.argv[1:])
    r = run(args)
    if args.keep:
        r.update(command=command, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit=_commit())
        with open(args.keep + ".json", "w", encoding="utf-8") as fh:
            json.dump(r, fh, indent=2)
    print(json.dumps(r, indent=2))
    if args.write_results:
        # Re-read right before writing: other sections may have changed meanwhile.
        write_results(markdown(r, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
