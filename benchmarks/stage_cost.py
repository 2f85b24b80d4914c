"""What stages cost end to end: a base version, this checkout, and this checkout with some
stages switched off, timed in alternating rounds.

    python -m benchmarks.stage_cost CORPUS --base REF [--off rewrites,sources,seeds,nearest]
                                    [--rounds 5] [--jobs N] [--args "..."]

Each round runs ``dedup cluster CORPUS -f json -q`` (default jobs, or ``--jobs``) three
times, one after another: the base tree, this checkout, and this checkout with the
``--off`` stages replaced by what the pipeline does without them. The switches exist only
here, for measuring (an ablation): dedup has no such options, and a run with stages off
gives another report. They say how much of a slowdown against the base a set of stages
accounts for, e.g. the stages one issue added, when several issues' work is in.

Stages that can be switched off: ``rewrites`` (rewritten sentences inside linked pairs),
``sources`` (the second alignment with copies counted as one source), ``seeds``
(candidates from rare word bigrams), ``nearest`` (each document's nearest earlier
candidate), ``facts`` (the template judgement of linked pairs by their facts), ``inline``
(furniture passages inside paragraphs).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

from .machine import describe
from .paired import _positive, _timed, check_tree, unpack

REPO = Path(__file__).resolve().parents[1]

# What each switch puts in place of its stage, in the run's own process (before the CLI
# starts; forked workers inherit it).
SWITCHES = {
    "rewrites": "from dedup.stages import link\n"
                "link.with_rewrites = lambda spans, *a, **k: spans\n",
    "sources": "from dedup import pipeline\n"
               "pipeline.realign_sources = lambda prepared, pairs, alignments, *a, **k: alignments\n",
    "seeds": "from dedup import pipeline\n"
             "_find = pipeline.find_candidates\n"
             "pipeline.find_candidates = lambda prepared, cfg, *a, **k: _find(\n"
             "    prepared, cfg.model_copy(update={'rare_bigrams': False}), *a, **k)\n",
    "nearest": "import numpy as np\n"
               "from dedup import pipeline\n"
               "pipeline.nearest = lambda prepared, pairs, dates, progress=None, *, engine: (\n"
               "    np.full(len(dates), -1, np.int64), np.zeros(len(dates)))\n",
    "facts": "from dedup.stages import link\n"
             "link.judged = lambda passages: False\n",
    "inline": "from dedup.stages import prepare_inline\n"
              "prepare_inline.inline_furniture = lambda *a, **k: None\n",
}


def driver(off: list[str]) -> str:
    """Python source that switches ``off`` the stages and runs the CLI on ``sys.argv[1:]``."""
    unknown = sorted(set(off) - set(SWITCHES))
    if unknown:
        raise SystemExit(f"stage_cost: no switch for {', '.join(unknown)} (known: {', '.join(SWITCHES)})")
    return "".join(SWITCHES[name] for name in off) + "from dedup.cli import main\nmain(sys.argv[1:])\n"


def timed(cmd: list[str], tree: Path) -> float:
    """Seconds of one run (:func:`benchmarks.paired._timed`: killed if this benchmark dies)."""
    out: dict = {}
    _timed(cmd, tree, out, "run")
    seconds, code, err = out["run"]
    if code not in (0, 1):  # 1: some inputs skipped, still a report
        raise SystemExit(f"stage_cost: a run in {tree} failed (exit {code}): {err}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--base", required=True, help="commit or directory: the version compared against")
    ap.add_argument("--off", default="rewrites,sources,seeds,nearest",
                    help=f"stages switched off in the third run, comma-separated ({', '.join(SWITCHES)})")
    ap.add_argument("--rounds", type=_positive, default=5)
    ap.add_argument("--jobs", type=int, default=None, help="dedup's -j (default: its own default)")
    ap.add_argument("--args", default="", help='more arguments for dedup cluster, e.g. "--id-field newid"')
    args = ap.parse_args(argv)
    off = [s for s in args.off.split(",") if s]
    code = "import sys\n" + driver(off)
    m = describe()
    with tempfile.TemporaryDirectory(prefix="dedup-stage-cost-") as tmp:
        base, new = unpack(args.base, tmp), REPO
        for tree in (base, new):
            check_tree(tree)
        tail = [args.corpus, *shlex.split(args.args), "-f", "json", "-q", *(["-j", str(args.jobs)] if args.jobs else [])]
        runs = {
            "base": (base, [sys.executable, "-m", "dedup", "cluster", *tail, "-o", os.path.join(tmp, "base.json")]),
            "now": (new, [sys.executable, "-m", "dedup", "cluster", *tail, "-o", os.path.join(tmp, "now.json")]),
            "off": (new, [sys.executable, "-c", code, "cluster", *tail, "-o", os.path.join(tmp, "off.json")]),
        }
        rows = [{name: timed(cmd, tree) for name, (tree, cmd) in runs.items()} for _ in range(args.rounds)]
        sizes = {name: _size(os.path.join(tmp, f"{name}.json")) for name in runs}
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']}; Python {m['python']}; load before {m['load']}")
    print(f"Corpus: `{args.corpus}`; base `{args.base}`, now: this checkout ({m['git']}); off: this checkout "
          f"without {', '.join(off) or 'nothing'}; `dedup cluster -f json -q`"
          f"{f' -j {args.jobs}' if args.jobs else ''}, one after another\n")
    print("| round | base s | now s | off s | now / base | off / base |")
    print("|---:|---:|---:|---:|---:|---:|")
    for k, r in enumerate(rows):
        print(f"| {k + 1} | {r['base']:.2f} | {r['now']:.2f} | {r['off']:.2f} | "
              f"{r['now'] / r['base']:.3f} | {r['off'] / r['base']:.3f} |")
    med = {name: statistics.median(r[name] for r in rows) for name in runs}
    ratio = {name: statistics.median(r[name] / r["base"] for r in rows) for name in ("now", "off")}
    print(f"\nMedians: base {med['base']:.2f} s, now {med['now']:.2f} s, off {med['off']:.2f} s; "
          f"median per-round ratio now / base {ratio['now']:.3f}, off / base {ratio['off']:.3f}")
    print("Reports (clusters / links): " + ", ".join(f"{name} {c} / {n}" for name, (c, n) in sizes.items()))
    return 0


def _size(path: str) -> tuple[int, int]:
    """Clusters and links of a JSON report (a run that wrote nothing would fail here)."""
    with open(path, encoding="utf-8") as fh:
        report = json.load(fh)
    return len(report["clusters"]), sum(len(c["links"]) for c in report["clusters"])


if __name__ == "__main__":
    sys.exit(main())
