"""CLI: python -m benchmarks.synth --size N --seed S --strength default --out DIR [--data DIR]
[--phenomena inline-furniture,templates,long-hosts]."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .build import PHENOMENA, build
from .transforms import STRENGTHS

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__)
    ap.add_argument("--size", type=int, default=10000, help="number of documents")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--strength", choices=sorted(STRENGTHS), default="default")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="directory with the source corpora")
    ap.add_argument("--phenomena", default="", help=f"comma-separated opt-in extras: {', '.join(PHENOMENA)}")
    a = ap.parse_args(argv)
    if a.size < 1:
        ap.error("--size must be positive")
    phenomena = frozenset(x.strip() for x in a.phenomena.split(",") if x.strip())
    if phenomena - set(PHENOMENA):
        ap.error(f"unknown --phenomena {sorted(phenomena - set(PHENOMENA))}; known: {', '.join(PHENOMENA)}")
    t = time.perf_counter()
    summary = build(a.data, a.out, a.size, a.seed, a.strength, phenomena)
    dt = time.perf_counter() - t
    summary.update(seconds=round(dt, 2), docs_per_s=round(a.size / dt))
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
