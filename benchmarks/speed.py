"""Speed benchmark: dedup end to end at several corpus sizes, per stage, and against peers.

    python -m benchmarks.speed --sizes 10000 100000 1000000 --runs 3 --seed 1

For each size: generate (or reuse) a ``benchmarks.synth`` corpus under ``--out``; run the
``dedup cluster`` CLI in a subprocess (``benchmarks.speed_worker``, under ``/usr/bin/time -v``
for peak RSS) ``--runs`` times (``--runs-large`` times from ``--large-from`` documents on),
killing a run after ``--max-seconds``. On the first ``--peer-docs`` documents of the 10k
corpus (or the smallest size), time the datasketch peers and the fingerprint-only loops
(``benchmarks.speed_peers``). Prints a markdown report and writes it between
``<!-- speed:start -->`` and ``<!-- speed:end -->`` in ``--results``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import speed_report
from .speed_peers import run_peers

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
TIME_BIN = "/usr/bin/time"
PSS_SHARE = 0.02  # share of one core the memory poller may spend reading PSS
_BLANK = re.compile(r"\n[ \t]*\n")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000, 1000000])
    ap.add_argument("--runs", type=int, default=3, help="dedup runs per size (median reported)")
    ap.add_argument("--runs-large", type=int, default=1, help="runs for sizes >= --large-from")
    ap.add_argument("--large-from", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "speed"), help="work dir")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="source corpora for the generator")
    ap.add_argument("--results", default=str(REPO / "benchmarks" / "RESULTS.md"))
    ap.add_argument("--no-peers", action="store_true", help="skip datasketch and fingerprint peers")
    ap.add_argument("--peer-docs", type=int, default=10000, help="documents the peers run on")
    ap.add_argument("--naive-docs", type=int, default=0,
                    help="cap for the naive update() pipeline (0: all --peer-docs)")
    ap.add_argument("--max-seconds", type=float, default=1800.0,
                    help="kill a dedup run after this long and report it as exceeded")
    ap.add_argument("--reuters", metavar="JSONL_GZ",
                    help="also time dedup (--runs) and the peers on Reuters-21578 (id field newid), "
                         "e.g. ../shared/data/reuters21578.jsonl.gz")
    ap.add_argument("--no-write", action="store_true", help="print only; leave --results alone")
    ap.add_argument("--rerender", metavar="SPEED_JSON",
                    help="only re-render a saved speed.json (from --out) and write the section")
    a = ap.parse_args(argv)
    if min(a.sizes) < 1 or a.runs < 1 or a.runs_large < 1:
        ap.error("--sizes, --runs and --runs-large must be positive")
    a.sizes = sorted(set(a.sizes))
    return a


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- corpora

def corpus_for(size: int, seed: int, out: Path, data: str) -> Path:
    """The generated corpus for ``size`` (reused when a complete one is on disk)."""
    d = out / f"corpus-{size}-s{seed}"
    path = d / "corpus.jsonl"
    done = d / ".complete"
    if path.exists() and (done.exists() or _line_count(path) == size):
        done.touch()
        return path
    from .synth import build

    log(f"speed: generating {size:,} documents into {d} ...")
    t = time.perf_counter()
    build(data, d, size, seed)
    done.touch()
    log(f"speed: generated in {time.perf_counter() - t:.1f} s")
    return path


def _line_count(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def corpus_stats(path: Path) -> dict:
    """Documents, paragraphs (blank-line separated blocks of the input text), bytes (cached)."""
    cache = path.with_name("speed-stats.json")
    if cache.exists() and cache.stat().st_mtime >= path.stat().st_mtime:
        return json.loads(cache.read_text())
    docs = paras = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            docs += 1
            paras += sum(1 for b in _BLANK.split(text) if b.strip())
    stats = {"docs": docs, "paragraphs": paras, "bytes": path.stat().st_size}
    cache.write_text(json.dumps(stats))
    return stats


def read_texts(path: Path, limit: int) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if len(texts) >= limit:
                break
            texts.append(json.loads(line).get("text") or "")
    return texts


# ---------------------------------------------------------------- dedup runs

def run_dedup(corpus: Path, work: Path, max_seconds: float) -> dict:
    """One ``dedup cluster`` subprocess; wall time, peak RSS and stage times."""
    work.mkdir(parents=True, exist_ok=True)
    stats_path, time_path, out_path = work / "stats.json", work / "time.txt", work / "report.json"
    for p in (stats_path, time_path):
        p.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.speed_worker", str(stats_path), "--",
           "cluster", str(corpus), "-f", "json", "-o", str(out_path), "-q"]
    use_time = os.access(TIME_BIN, os.X_OK)
    if use_time:
        cmd = [TIME_BIN, "-v", "-o", str(time_path)] + cmd
    stage_path = work / "stage.txt"
    stage_path.unlink(missing_ok=True)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, env={**os.environ, "DEDUP_SPEED_STAGE": str(stage_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree_peak = pss_peak = 0
    pss_due = 0.0
    # stage -> [tree RSS, tree PSS, main PSS] peaks (kB), then its wall and the tree's CPU seconds
    by_stage: dict[str, list] = {}
    last_t, last_cpu = t, 0.0
    while True:  # poll the summed RSS, PSS and CPU of the process tree (dedup may fork workers)
        try:
            proc.wait(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            # The kernel walks every page table to answer smaps_rollup: about 0.05 s for
            # a 3 GB process, so reading it every 0.25 s took most of a core from a 2-core
            # run at 1M. PSS is read at most PSS_SHARE of the time; RSS every poll.
            now = time.perf_counter()
            read_pss = now >= pss_due
            rss_kb, pss_kb, main_pss, cpu = tree_usage(proc.pid, pss=read_pss, main_depth=int(use_time))
            if read_pss:
                pss_due = now + (time.perf_counter() - now) / PSS_SHARE
            tree_peak, pss_peak = max(tree_peak, rss_kb), max(pss_peak, pss_kb)
            peaks = by_stage.setdefault(_read_stage(stage_path), [0, 0, 0, 0.0, 0.0])
            peaks[0] = max(peaks[0], rss_kb)
            if pss_kb > peaks[1]:
                peaks[1], peaks[2] = pss_kb, main_pss
            # the time and CPU since the last poll, to the stage running now (a poll's
            # quarter second may straddle two stages: small stages are approximate)
            peaks[3] += now - last_t
            peaks[4] += max(0.0, cpu - last_cpu)
            last_t, last_cpu = now, max(cpu, last_cpu)
            if time.perf_counter() - t > max_seconds:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                return {"status": "exceeded", "wall_s": time.perf_counter() - t}
    wall = time.perf_counter() - t
    err = proc.stderr.read()
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    if proc.returncode not in (0, 1) or not stats:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        return {"status": "failed", "wall_s": wall, "error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    rss_kb = stats.get("maxrss_kb")
    if use_time and time_path.exists():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_path.read_text())
        if m:
            rss_kb = int(m.group(1))
    return {"status": "ok", "wall_s": wall, "load": load, "rss_mb": rss_kb / 1024 if rss_kb else None,
            "tree_rss_mb": tree_peak / 1024 if tree_peak else None,
            "tree_pss_mb": pss_peak / 1024 if pss_peak else None,
            "memory_by_stage": [(k, v[0] / 1024, v[1] / 1024 or None, v[2] / 1024 or None, v[3], v[4])
                                for k, v in by_stage.items()],
            "stages": stage_times(stats, wall), "pairs": _pairs(stats),
            "cpu_main_s": stats.get("cpu_main_s"), "cpu_workers_s": stats.get("cpu_workers_s")}


def _read_stage(path: Path) -> str:
    """The stage the dedup run names as current (``benchmarks.speed_worker``)."""
    try:
        return path.read_text(encoding="utf-8").strip() or "startup"
    except (OSError, UnicodeDecodeError):
        return "startup"


def tree_usage(root: int, pss: bool = True, main_depth: int = 0) -> tuple[int, int, int, float]:
    """Summed resident set and proportional set (kB) of ``root`` and its descendants,
    the PSS of dedup's main process (``root``, or its first descendant ``main_depth``
    levels down: 1 under /usr/bin/time), and the CPU seconds the tree has used, from
    /proc (zeros if unavailable; PSS 0 unless ``pss``). PSS splits pages shared
    copy-on-write between forked workers, so its sum is the tree's real footprint; the
    RSS sum counts them once per process. The CPU seconds count each process's own and
    those of its children it has reaped (dedup forks a pool of workers per pass: a
    finished pass's workers are in the main process's count)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    try:
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    f = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            pid = int(d)
            children.setdefault(int(f[1]), []).append(pid)
            rss[pid] = int(f[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
            ticks[pid] = sum(int(x) for x in f[11:15])  # utime, stime, cutime, cstime (proc(5))
    except OSError:
        return 0, 0, 0, 0.0
    main = root
    for _ in range(main_depth):
        main = min(children.get(main, [main]))
    total = pss_kb = main_pss = cpu = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        cpu += ticks.get(pid, 0)
        own = _pss_kb(pid) if pss else 0
        pss_kb += own
        main_pss = own if pid == main else main_pss
        todo.extend(children.get(pid, ()))
    return total, pss_kb, main_pss, cpu / os.sysconf("SC_CLK_TCK")


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pairs(stats: dict):
    ev = stats.get("events", {}).get("align")
    return ev["total"] if ev else None


def stage_times(stats: dict, wall: float) -> list[tuple[str, float]]:
    """Seconds per stage: from the wrapped stage functions, else from progress events."""
    st = stats.get("stages") or {}
    rows: list[tuple[str, float]] = [("startup (interpreter, imports)", stats.get("import_s") or 0.0)]
    named = [("ingest_corpus", "ingest (stream JSONL to the workspace)"),
             ("prepare_corpus", "prepare (furniture, segment, tokenize, word counts)"),
             ("find_candidates", "fingerprint + LSH candidates"),
             ("align_pairs", "align candidate pairs"),
             ("realign_sources", "sources: recount, rare-bigram seeds, align again (dedup.stages.sources)"),
             ("story_ties", "running stories: one source's takes tied (dedup.stages.stories)"),
             ("nearest", "nearest earlier candidate per document (dedup.stages.nearest)"),
             ("link_clusters", "cluster (components, order)")]
    if sum(k in st for k, _ in named) >= 3:
        rows += [(label, st[k]) for k, label in named if k in st]
    else:  # fallback: boundaries between the progress events of each stage
        ev, marks = stats.get("events", {}), stats.get("marks", {})
        start, end = marks.get("cluster_start"), marks.get("cluster_end")
        if start is not None and end is not None:
            cur = start
            for name in ("read", "segment", "fingerprint", "align"):
                if name in ev:
                    rows.append((f"until last '{name}' progress event", ev[name]["last"] - cur))
                    cur = ev[name]["last"]
            rows.append(("after the last progress event", end - cur))
    rows.append(("provenance + render + write JSON (clusters built as written)", stats.get("output_s") or 0.0))
    # interpreter start before the worker's first line, exit and /usr/bin/time
    rows.append(("other (process start/exit)", max(0.0, wall - sum(s for _, s in rows))))
    return rows


def bench_size(size: int, a, out: Path, stats: dict, corpus: Path) -> dict:
    runs = a.runs_large if size >= a.large_from else a.runs
    results = []
    for r in range(runs):
        log(f"speed: dedup on {size:,} docs, run {r + 1}/{runs} ...")
        res = run_dedup(corpus, out / f"run-{size}-{r}", a.max_seconds)
        log(f"speed:   {res['status']} in {res['wall_s']:.1f} s"
            + (f", peak RSS {res['rss_mb']:.0f} MB" if res.get("rss_mb") else ""))
        results.append(res)
        if res["status"] != "ok":
            return {"size": size, "runs": r + 1, "status": res["status"],
                    "error": res.get("error"), "wall_s": res["wall_s"]}
    results.sort(key=lambda x: x["wall_s"])
    med = results[len(results) // 2]
    wall = med["wall_s"] if len(results) % 2 else (results[len(results) // 2 - 1]["wall_s"] + med["wall_s"]) / 2
    return {"size": size, "runs": runs, "status": "ok", "wall_s": wall,
            "walls": [x["wall_s"] for x in results],
            "rss_mb": max(x["rss_mb"] or 0 for x in results) or None,
            "tree_rss_mb": max(x.get("tree_rss_mb") or 0 for x in results) or None,
            "tree_pss_mb": max(x.get("tree_pss_mb") or 0 for x in results) or None,
            "docs_per_s": stats["docs"] / wall, "paras_per_s": stats["paragraphs"] / wall,
            "paragraphs": stats["paragraphs"], "load": max(x["load"] for x in results), "stages": med["stages"], "pairs": med["pairs"],
            "cpu_main_s": med.get("cpu_main_s"), "cpu_workers_s": med.get("cpu_workers_s"),
            "memory_by_stage": max(results, key=lambda x: x.get("tree_pss_mb") or 0).get("memory_by_stage")}


def reuters_corpus(src: Path, out: Path) -> Path:
    """Reuters-21578 as a dedup JSONL (``newid`` -> ``id``; records without text left out)."""
    dest = out / "reuters.jsonl"
    if not dest.exists():
        tmp = dest.with_suffix(".tmp")
        with gzip.open(src, "rt", encoding="utf-8") as fh, open(tmp, "w", encoding="utf-8") as w:
            for line in fh:
                r = json.loads(line)
                if (r.get("text") or "").strip():
                    w.write(json.dumps({"id": str(r["newid"]), "title": r.get("title"), "text": r["text"]},
                                       ensure_ascii=False) + "\n")
        tmp.replace(dest)
    return dest


def bench_reuters(src: Path, a, out: Path) -> dict:
    """dedup end to end (median of ``--runs``) and the peers on every Reuters article with text."""
    corpus = reuters_corpus(src, out)
    stats = corpus_stats(corpus)
    d = bench_size(stats["docs"], argparse.Namespace(**{**vars(a), "large_from": stats["docs"] + 1}),
                   out / "reuters", stats, corpus)
    res = {"path": str(src), "docs": stats["docs"], "dedup": d, "peers": {}}
    if not a.no_peers:
        texts = read_texts(corpus, stats["docs"])
        res["peers"] = run_peers(texts, texts[: a.naive_docs] if a.naive_docs else texts, log=log)
    return res


def growth(sizes: list[dict]) -> None:
    """Growth exponent log(t2/t1)/log(n2/n1) between consecutive measured sizes."""
    prev = None
    for s in sizes:
        if s["status"] != "ok":
            continue
        if prev is not None:
            s["exponent"] = math.log(s["wall_s"] / prev["wall_s"]) / math.log(s["size"] / prev["size"])
            s["exponent_from"] = prev["size"]
        prev = s


# ---------------------------------------------------------------- main

def run(argv=None) -> dict:
    a = parse_args(argv)
    if a.rerender:
        return rerender(Path(a.rerender), a)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.speed " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    sizes: list[dict] = []
    stopped = None
    peer_size = 10000 if 10000 in a.sizes else a.sizes[0]
    peers = None
    for size in a.sizes:
        if stopped is not None:
            sizes.append({"size": size, "runs": 0, "status": "skipped", "reason": stopped})
            continue
        corpus = corpus_for(size, a.seed, out, a.data)
        stats = corpus_stats(corpus)
        res = bench_size(size, a, out, stats, corpus)
        res["corpus"] = stats
        sizes.append(res)
        if res["status"] != "ok":
            stopped = f"{size:,} docs {res['status']}"
        if size == peer_size and not a.no_peers:
            texts = read_texts(corpus, a.peer_docs)
            naive = texts[: a.naive_docs] if a.naive_docs else texts
            peers = run_peers(texts, naive, log=log)
            peers["corpus_size"] = size
    growth(sizes)
    reuters = bench_reuters(Path(a.reuters), a, out) if a.reuters else None
    result = {"command": command, "args": vars(a), "sizes": sizes, "peers": peers, "reuters": reuters,
              "peer_size": peer_size, "machine": speed_report.machine_info(),
              "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    md = speed_report.render(result)
    print(md)
    (out / "speed.json").write_text(json.dumps(result, indent=1, default=str))
    if not a.no_write:
        speed_report.write_section(Path(a.results), md)
        log(f"speed: wrote the speed section of {a.results}")
    result["markdown"] = md
    return result


def rerender(path: Path, a) -> dict:
    result = json.loads(path.read_text())
    md = speed_report.render(result)
    print(md)
    if not a.no_write:
        speed_report.write_section(Path(a.results), md)
        log(f"speed: wrote the speed section of {a.results}")
    result["markdown"] = md
    return result


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
