"""Start-up cost of the command line: the time before any work begins.

    python -m benchmarks.startup [--runs 15]

Times, as separate processes (interpreter start included), ``dedup --help``,
``dedup cluster --help`` and ``python -c "import dedup"``, and prints the median and
spread of ``--runs`` runs each, after one untimed warm-up (the file cache). Issue 14's
target: ``dedup --help`` in under 0.3 s. The ``dedup`` entry point is the one next to
this interpreter (the package installed in this environment).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .machine import describe

TARGET_S = 0.3


def _cases() -> list[tuple[str, list[str]]]:
    exe = Path(sys.executable).with_name("dedup")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "dedup"]
    return [("dedup --help", cli + ["--help"]),
            ("dedup cluster --help", cli + ["cluster", "--help"]),
            ('python -c "import dedup"', [sys.executable, "-c", "import dedup"])]


def time_command(cmd: list[str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` runs of ``cmd`` (one untimed run first)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="timed runs per command (median reported)")
    args = ap.parse_args(argv)
    m = describe()
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']}; Python {m['python']}; "
          f"code {m['git']}; load before {m['load']}\n")
    print("| command | runs | median s | min–max s | target |")
    print("|---|---:|---:|---:|---|")
    for name, cmd in _cases():
        t = time_command(cmd, args.runs)
        target = (f"< {TARGET_S} s: {'met' if statistics.median(t) < TARGET_S else '**not met**'}"
                  if name == "dedup --help" else "")
        print(f"| `{name}` | {len(t)} | {statistics.median(t):.3f} | {min(t):.3f}–{max(t):.3f} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
