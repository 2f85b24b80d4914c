"""Ingest alone: one corpus as plain JSONL, .jsonl.gz, .jsonl.zst and Parquet, read into
a run's workspace by dedup's workers, and by pyarrow's JSON reader in the same run.

    python -m benchmarks.ingest CORPUS.jsonl --tmp DIR [--jobs 2] [--runs 3] [--out DIR]

The compressed and Parquet copies are written once into ``--tmp`` (gzip level 1, zstd
level 3, row groups of 5,000 rows) and kept for the next run. Each run reads every
format once, formats alternating, each into a fresh workspace
(:func:`dedup.pipeline.ingest_corpus`, the CLI's first stage: records validated,
stored, repeated ids resolved). A digest of the ids, the problems and 2,000 evenly
spaced stored records must be the same for every format. The peer, pyarrow's
multithreaded C++ JSON reader (``pyarrow.json.read_json``, its threads set to
``--jobs``), only parses the lines into a table: the floor of reading the file at all,
not a tool that does the same work.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.machine import describe

FORMATS = ("jsonl", "jsonl.gz", "jsonl.zst", "parquet")


def copies(corpus: Path, tmp: Path, formats: list[str]) -> dict[str, Path]:
    """The corpus in each format (written once, kept in ``tmp``)."""
    tmp.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt in formats:
        if fmt == "jsonl":
            out[fmt] = corpus
            continue
        path = tmp / f"{corpus.stem}.{corpus.stat().st_size}.{fmt}"
        if not path.exists():
            part = path.with_suffix(path.suffix + ".part")
            _write(corpus, part, fmt)
            part.rename(path)
        out[fmt] = path
    return out


def _write(corpus: Path, path: Path, fmt: str) -> None:
    if fmt == "jsonl.gz":
        if shutil.which("gzip"):
            with open(path, "wb") as fh:
                subprocess.run(["gzip", "-1", "-c", str(corpus)], stdout=fh, check=True)
        else:
            with open(corpus, "rb") as src, gzip.open(path, "wb", compresslevel=1) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    elif fmt == "jsonl.zst":
        import zstandard

        with open(corpus, "rb") as src, open(path, "wb") as dst:
            zstandard.ZstdCompressor(level=3, threads=-1).copy_stream(src, dst)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        with pq.ParquetWriter(path, pa.schema([(k, pa.string()) for k in _fields(corpus)])) as writer:
            for batch in _batches(corpus, 5000):
                writer.write_table(pa.Table.from_pylist(batch, schema=writer.schema))
    else:
        raise SystemExit(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")


def _fields(corpus: Path) -> list[str]:
    with open(corpus, encoding="utf-8") as fh:
        return list(json.loads(fh.readline()))


def _batches(corpus: Path, size: int):
    keys, batch = _fields(corpus), []
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                batch.append({k: None if d.get(k) is None else str(d[k]) for k in keys})
                if len(batch) == size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def dedup_ingest(path: Path, jobs: int, tmp: Path) -> tuple[float, int, str]:
    """Seconds, documents and digest of ``ingest_corpus`` of ``path`` on ``jobs`` workers."""
    from dedup.engines.local import LocalEngine
    from dedup.pipeline import ingest_corpus
    from dedup.storage.workspace import DocStore

    with tempfile.TemporaryDirectory(dir=tmp) as work:
        docs, problems = DocStore(work), []
        start = time.perf_counter()
        ingest_corpus(docs, [str(path)], problems, None, None, LocalEngine(jobs), work)
        seconds = time.perf_counter() - start
        digest = hashlib.sha1()
        for k in range(0, len(docs), max(1, len(docs) // 2000)):
            digest.update(docs._raw(k))
        digest.update(repr(docs.ids).encode())
        digest.update(repr(sorted((p.line or 0, p.message) for p in problems)).encode())
        n = len(docs)
        docs.close()
    return seconds, n, digest.hexdigest()[:12]


def arrow_read(path: Path, jobs: int) -> float | None:
    """Seconds of ``pyarrow.json.read_json`` (None for Parquet: not JSON)."""
    if path.suffix == ".parquet":
        return None
    import pyarrow as pa
    import pyarrow.json as pj

    pa.set_cpu_count(jobs)
    start = time.perf_counter()
    pj.read_json(str(path), read_options=pj.ReadOptions(block_size=1 << 24))
    return time.perf_counter() - start


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="a JSONL corpus (one object a line)")
    ap.add_argument("--tmp", type=Path, required=True, help="where the copies and workspaces go")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--no-peer", action="store_true", help="skip pyarrow's reader")
    ap.add_argument("--out", type=Path, help="write ingest.json here")
    args = ap.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    paths = copies(args.corpus, args.tmp, formats)
    times: dict[str, list[float]] = {f: [] for f in formats}
    peer: dict[str, list[float]] = {f: [] for f in formats}
    digests, docs = {}, {}
    for _ in range(args.runs):
        for fmt in formats:
            seconds, n, digest = dedup_ingest(paths[fmt], args.jobs, args.tmp)
            times[fmt].append(seconds)
            digests.setdefault(fmt, set()).add(digest)
            docs[fmt] = n
            if not args.no_peer:
                t = arrow_read(paths[fmt], args.jobs)
                if t is not None:
                    peer[fmt].append(t)
    if len({d for s in digests.values() for d in s}) != 1:
        raise SystemExit(f"the formats gave different documents: {digests}")
    rows = []
    for fmt in formats:
        med = statistics.median(times[fmt])
        p = statistics.median(peer[fmt]) if peer[fmt] else None
        rows.append({"format": fmt, "bytes": paths[fmt].stat().st_size, "docs": docs[fmt], "seconds": times[fmt],
                     "median_s": med, "docs_per_s": docs[fmt] / med, "pyarrow_median_s": p,
                     "pyarrow_over_dedup": (p / med) if p else None})
    print(f"ingest alone, {args.jobs} workers, median of {args.runs} (pyarrow.json.read_json: {args.jobs} threads)\n")
    print("| format | MB | dedup s (runs) | docs/s | pyarrow s | ratio |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for r in rows:
        runs = " / ".join(f"{s:.2f}" for s in r["seconds"])
        p = f"{r['pyarrow_median_s']:.2f}" if r["pyarrow_median_s"] else "-"
        ratio = f"{r['pyarrow_over_dedup']:.2f}x" if r["pyarrow_over_dedup"] else "-"
        print(f"| {r['format']} | {r['bytes'] / 2**20:.0f} | **{r['median_s']:.2f}** ({runs}) | {r['docs_per_s']:,.0f} | {p} | {ratio} |")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "ingest.json").write_text(json.dumps(
            {"corpus": str(args.corpus), "jobs": args.jobs, "runs": args.runs, "rows": rows,
             "digest": next(iter(digests[formats[0]])), "machine": describe()}, indent=1))


if __name__ == "__main__":
    main()
