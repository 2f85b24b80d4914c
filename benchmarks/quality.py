"""Quality benchmark: dedup against document-level peers on a labelled syndication corpus,
a threshold sweep, one row per generator strength, the Clough & Stevenson corpus, and a
real-data report (Reuters-21578 template series and re-issues, planted passages, dates:
:mod:`benchmarks.quality_real`).

    python -m benchmarks.quality [--size 10000 --seed 1 --strength default --data DIR
                                  --out benchmarks/out/quality --runs 1 --no-peers --no-plot
                                  --no-sweep --strengths light default heavy --no-clough --no-real]

Prints the table and writes it, with the command, date, machine and corpus composition,
between the quality markers of ``benchmarks/RESULTS.md``; the sweep plot goes to
``benchmarks/quality_pr.png``.  ``run()`` is the same thing as a function.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import shlex
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from . import quality_report as qr
from .peers import PEERS, PeerUnavailable
from .score import load_truth, report_to_prediction, score, whole_doc_pairs

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = HERE / "out" / "quality"
RESULTS = HERE / "RESULTS.md"
PLOT = HERE / "quality_pr.png"
PEER_ORDER = ("datasketch_recipe", "text_dedup_minhash", "text_dedup_simhash", "exact_hash")
PEER_NAMES = {"datasketch_recipe": "datasketch recipe (MinHash 256, word 2-grams, 0.45, union-find)",
              "text_dedup_minhash": "text-dedup MinHash (NEWS-COPY setting)",
              "text_dedup_simhash": "text-dedup SimHash (defaults)",
              "exact_hash": "exact hash of normalized text"}
SWEEP = (0.55, 0.65, 0.75, 0.85, 0.95)
SWEEP_KEY = "min_passage_score"
START_END = (qr.START, qr.END)


def corpus(data: Path, out: Path, size: int, seed: int, strength: str, log=print) -> tuple[Path, dict]:
    """Generate the corpus into ``out/n{size}-s{seed}-{strength}``, or reuse it if made with the same args."""
    from .synth import build

    d = Path(out) / f"n{size}-s{seed}-{strength}"
    meta_path = d / "meta.json"
    args = {"size": size, "seed": seed, "strength": strength, "data": str(Path(data).resolve())}
    if meta_path.exists() and (d / "corpus.jsonl").exists() and (d / "truth.jsonl").exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("args") == args:
            log(f"reusing corpus {d}")
            return d, meta["summary"]
    log(f"generating corpus {d} ...")
    t = time.perf_counter()
    summary = build(data, d, size, seed, strength)
    summary["seconds"] = round(time.perf_counter() - t, 2)
    meta_path.write_text(json.dumps({"args": args, "summary": summary}, indent=1))
    return d, summary


def _timed(fn, runs: int):
    """Call ``fn`` ``runs`` times; return its last result and the median of the seconds it reports."""
    secs, res = [], None
    for _ in range(max(1, runs)):
        res, dt = fn()
        secs.append(dt)
    return res, statistics.median(secs)


def run_dedup(corpus_dir: Path, truth, lengths: dict, runs: int = 1, **settings) -> dict:
    import dedup

    cfg = dedup.Config(**settings)

    def once():
        t = time.perf_counter()
        rep = dedup.cluster([str(corpus_dir / "corpus.jsonl")], config=cfg)
        return rep.model_dump(), time.perf_counter() - t

    report, secs = _timed(once, runs)
    labels, pairs = report_to_prediction(report)
    return {**score(truth, labels, pairs, lengths), "seconds": secs, "clusters": len(report["clusters"])}


def run_peer(name: str, records: list[dict], truth, lengths: dict, runs: int = 1) -> dict:
    try:
        labels, secs = _timed(lambda: PEERS[name](records), runs)
    except PeerUnavailable as e:
        return {"name": PEER_NAMES[name], "key": name, "unavailable": str(e)}
    except Exception as e:  # noqa: BLE001 - a broken peer is reported, not fatal
        return {"name": PEER_NAMES[name], "key": name, "unavailable": f"{type(e).__name__}: {e}"[:200]}
    m = score(truth, labels, whole_doc_pairs(labels, lengths), lengths)
    return {"name": PEER_NAMES[name], "key": name, **m, "seconds": secs}


def _composition(summary: dict, truth) -> str:
    roles = Counter(truth.roles.values())
    sizes = Counter(truth.labels.values())
    multi = [s for s in sizes.values() if s > 1]
    return (f"{len(truth.labels)} documents: " + ", ".join(f"{k} {roles[k]}" for k in
                                                           ("origin", "copy", "partial", "background", "negative"))
            + " (roles); generator counts: " + ", ".join(f"{k} {v}" for k, v in summary.items() if k != "seconds")
            + f"; {len(multi)} true clusters of 2+ documents (largest {max(multi, default=0)}), "
            f"{len(truth.pairs)} labelled pairs with reused spans.")


def run(size: int = 10000, seed: int = 1, strength: str = "default", data: str | Path = DEFAULT_DATA,
        out: str | Path = DEFAULT_OUT, runs: int = 1, peers=PEER_ORDER, sweep=SWEEP, plot: bool = True,
        strengths=("light", "default", "heavy"), clough: bool = True, results: str | Path = RESULTS,
        plot_path: str | Path = PLOT, command: str | None = None, log=print, real: bool | dict = True) -> dict:
    """Run the whole benchmark; returns the rows and writes the markdown section into ``results``.

    ``peers``: names from ``benchmarks.peers.PEERS``; ``sweep``: ``min_passage_score`` values
    (empty for none); ``strengths``: generator strengths for one dedup row each (empty for none);
    ``real``: the real-data report (:mod:`benchmarks.quality_real`; a dict of its ``run``
    parameters, True for its defaults, False for none).
    """
    import dedup

    data, out = Path(data), Path(out)
    default_cfg = dedup.Config()
    started = _dt.datetime.now().astimezone()
    load0 = qr.load()
    cdir, summary = corpus(data, out, size, seed, strength, log)
    records = [json.loads(line) for line in open(cdir / "corpus.jsonl", encoding="utf-8")]
    lengths = {r["id"]: len(r["text"]) for r in records}
    truth = load_truth(cdir / "truth.jsonl")

    log("dedup (defaults) ...")
    ours = {"name": "**dedup** (defaults)", "key": "dedup", **run_dedup(cdir, truth, lengths, runs)}
    rows = [ours]
    for name in [p for p in PEER_ORDER if p in peers]:
        log(f"{name} ...")
        rows.append(run_peer(name, records, truth, lengths, runs))
    log("\n" + qr.text_table(rows))

    default_value = getattr(default_cfg, SWEEP_KEY)
    sweep_rows = []
    for v in sweep:
        if abs(v - default_value) < 1e-12:
            m = {k: ours[k] for k in (*qr.METRICS, "seconds", "clusters")}
        else:
            log(f"sweep {SWEEP_KEY}={v} ...")
            m = run_dedup(cdir, truth, lengths, 1, **{SWEEP_KEY: v})
        sweep_rows.append({SWEEP_KEY: v, "name": f"{v:g}" + (" (default)" if abs(v - default_value) < 1e-12 else ""),
                           **m})
    if sweep_rows:
        log("\n" + qr.text_table(sweep_rows))
        if plot:
            try:
                qr.plot(sweep_rows, default_value, plot_path,
                        f"dedup on the synthetic corpus ({size} docs, seed {seed}, strength {strength}):\n"
                        f"precision and recall against {SWEEP_KEY}")
                log(f"wrote {plot_path}")
            except ImportError as e:  # matplotlib is in the `bench` extra, not the test one
                log(f"no plot: {e} (pip install -e '.[bench]')")
                plot = False

    strength_rows = []
    for s in strengths:
        if s == strength:
            strength_rows.append({**ours, "name": s, "summary": summary})
            continue
        sdir, ssum = corpus(data, out, size, seed, s, log)
        srec = [json.loads(line) for line in open(sdir / "corpus.jsonl", encoding="utf-8")]
        log(f"dedup (defaults) on strength {s} ...")
        strength_rows.append({"name": s, "summary": ssum,
                              **run_dedup(sdir, load_truth(sdir / "truth.jsonl"),
                                          {r["id"]: len(r["text"]) for r in srec}, 1)})
    if strength_rows:
        log("\n" + qr.text_table(strength_rows))

    cs = None
    cs_path = data / "clough_stevenson" / "clough_stevenson.jsonl"
    if clough:
        if cs_path.exists():
            from . import quality_cs

            log("Clough & Stevenson ...")
            cs = quality_cs.evaluate(cs_path)
            a = cs["all"]
            log(f"Clough & Stevenson copied-or-not: P {a['precision']:.3f} R {a['recall']:.3f} F1 {a['f1']:.3f}")
        else:
            log(f"Clough & Stevenson corpus not found at {cs_path}; skipped")

    real_data = None
    if real is not False:
        from . import quality_real

        real_data = quality_real.run(data, log=log, **(real if isinstance(real, dict) else {}))
    md = _markdown(command, started, load0, size, seed, strength, summary, truth, default_cfg, runs, rows, ours,
                   sweep_rows, default_value, plot and bool(sweep_rows), Path(plot_path), Path(results),
                   strength_rows, cs, cs_path, real_data)
    qr.splice(results, md)
    log(f"wrote {results}")
    res = {"rows": rows, "sweep": sweep_rows, "strengths": strength_rows, "clough_stevenson": cs,
           "real": real_data, "markdown": md, "corpus": str(cdir), "summary": summary}
    (out / "last_run.json").write_text(json.dumps(res, indent=1, default=str))  # raw numbers, for re-plotting
    return res


def _markdown(command, started, load0, size, seed, strength, summary, truth, cfg, runs, rows, ours, sweep_rows,
              default_value, plotted, plot_path, results_path, strength_rows, cs, cs_path, real_data=None) -> str:
    mc = qr.machine()
    ver = ", ".join(f"{k} {v}" for k, v in mc["versions"].items())
    out = ["## Quality", "",
           f"Command: `{command or 'benchmarks.quality.run(...)'}`  ",
           f"Date: {started.strftime('%Y-%m-%d %H:%M %Z')}; code: {mc['git']}  ",
           f"Machine: {mc['platform']}; {mc['cpu']}; {mc['cores']} cores; {mc['ram']} RAM; "
           f"Python {mc['python']}; {ver}  ",
           f"Load average (1/5/15 min) at start {load0}, at end {mc['load']} "
           "(other jobs on the machine slow the timings, not the scores)",
           "",
           f"### Synthetic syndication corpus ({size} documents, seed {seed}, strength `{strength}`)", "",
           "Corpus: " + _composition(summary, truth), "",
           "Cluster metrics (ARI, pairwise P/R/F1) are over all documents; char P/R/F1 is PAN-style "
           "passage scoring over document pairs (document-level methods claim the whole of both texts "
           "for every pair they link). Time is wall-clock seconds"
           + (f", median of {runs} runs" if runs > 1 else "")
           + "; dedup's includes reading the JSONL, the peers get the texts in memory. "
           f"dedup settings: `{json.dumps(cfg.model_dump())}`.", "",
           qr.table(rows), ""]
    missing = [f"- {r['name']}: unavailable — {r['unavailable']}" for r in rows if r.get("unavailable")]
    if missing:
        out += [*missing, ""]
    base = next((r for r in rows if r.get("key") == "datasketch_recipe" and not r.get("unavailable")), None)
    if base:
        out += ["Margin of dedup over the standard document-level recipe:", "", qr.margin_table(ours, base)]
    if sweep_rows:
        out += ["", f"### Threshold sweep: `{SWEEP_KEY}` (default {default_value:g})", "",
                qr.table(sweep_rows, SWEEP_KEY)]
        if plotted:
            try:
                rel = plot_path.resolve().relative_to(results_path.resolve().parent)
            except ValueError:
                rel = plot_path
            out += ["", f"![precision and recall against {SWEEP_KEY}]({rel})"]
    if strength_rows:
        out += ["", "### Generator strength (dedup, default settings, same size and seed)", "",
                "`light` / `heavy` scale trimming, sentence drops, rewording, lede/headline rewrites, "
                "re-paragraphing, OCR noise and CJK titles down / up (`benchmarks/synth/transforms.py`); "
                "each strength is its own corpus, so the rows differ in text as well as in edit strength. "
                "Run one alone with `python -m benchmarks.quality --strength heavy --no-sweep --strengths`.", "",
                qr.table(strength_rows, "strength")]
    if cs is not None:
        out += ["", "### Clough & Stevenson plagiarised short answers", "", _cs_md(cs)]
    elif not cs_path.exists():
        out += ["", f"Clough & Stevenson: corpus not found at `{cs_path}`."]
    if real_data is not None:
        from .quality_real import markdown as real_md

        out += ["", "### Real data: template series, planted passages, dates", "",
                "Reuters-21578's template families (named by title here only) and hand-labelled "
                "links, a passage planted in long BBC hosts, publication dates "
                "(`benchmarks/quality_real.py`; each part is also a benchmark of its own: "
                "`benchmarks.reuters_templates`, `benchmarks.planted`, `benchmarks.dates`); "
                f"{real_data['seconds']:.0f} s.", "", real_md(real_data)]
    return "\n".join(out) + "\n"


def _cs_md(cs: dict) -> str:
    from .quality_cs import markdown

    return markdown(cs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--strength", default="default", choices=("light", "default", "heavy"))
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="directory with the source corpora")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="work directory for generated corpora")
    ap.add_argument("--runs", type=int, default=1, help="timed runs per method (median reported)")
    ap.add_argument("--no-peers", action="store_true", help="run dedup only")
    ap.add_argument("--peers", nargs="+", default=list(PEER_ORDER), choices=list(PEER_ORDER))
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--sweep", action=argparse.BooleanOptionalAction, default=True,
                    help=f"run dedup at several {SWEEP_KEY} values (default on)")
    ap.add_argument("--sweep-values", type=float, nargs="+", default=list(SWEEP))
    ap.add_argument("--strengths", nargs="*", default=["light", "default", "heavy"],
                    choices=("light", "default", "heavy"),
                    help="one dedup row per generator strength (give none to skip)")
    ap.add_argument("--no-clough", action="store_true", help="skip the Clough & Stevenson corpus")
    ap.add_argument("--no-real", action="store_true",
                    help="skip the real-data report (Reuters templates, planted passages, dates)")
    ap.add_argument("--results", default=str(RESULTS), help="markdown file to write the quality section into")
    ap.add_argument("--plot-path", default=str(PLOT))
    a = ap.parse_args(argv)
    if a.size < 2:
        ap.error("--size must be at least 2")
    argv = sys.argv[1:] if argv is None else argv
    command = "python -m benchmarks.quality" + ("" if not argv else " " + shlex.join(argv))
    run(size=a.size, seed=a.seed, strength=a.strength, data=a.data, out=a.out, runs=a.runs,
        peers=() if a.no_peers else tuple(a.peers), sweep=tuple(a.sweep_values) if a.sweep else (),
        plot=not a.no_plot, strengths=tuple(a.strengths), clough=not a.no_clough, results=a.results,
        plot_path=a.plot_path, command=command, real=not a.no_real)
    return 0


if __name__ == "__main__":
    sys.exit(main())
