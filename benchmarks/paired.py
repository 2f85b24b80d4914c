"""Two versions of dedup on one corpus at the same time, one core each.

    python -m benchmarks.paired CORPUS --base REF [--new REF] [--rounds 4] [--args "..."]

On a shared virtual machine the speed of a core drifts by 15% or more within minutes (the
host's other tenants), so two versions timed one after the other differ by as much as a
change is worth. Run side by side, one core each, both meet the same drift, and the ratio
of their times says how much more work one does. Each round starts both at once (which
is launched first alternates), runs ``dedup cluster CORPUS -f json -q -j 1`` in each, and
times each to its end; a ratio above 1 means the new version is slower. The outputs are
compared byte for byte.

``--base``/``--new``: a git commit of this repository (unpacked with ``git archive`` into a
temporary directory) or a directory holding a ``dedup`` package; ``--new`` defaults to this
checkout. What runs is that tree's code on this environment's packages.

It measures work on one core, not the end-to-end time with every core (``benchmarks.speed``):
stages that leave cores idle weigh differently there.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .machine import describe

REPO = Path(__file__).resolve().parents[1]


def unpack(ref: str, into: str) -> Path:
    """The tree of ``ref``: a directory as it is, or a commit unpacked under ``into``."""
    if os.path.isdir(ref):
        return Path(ref).resolve()
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{ref}^{{commit}}"],
                            capture_output=True, text=True)
    if commit.returncode:
        raise SystemExit(f"paired: {ref!r} is neither a directory nor a commit of {REPO}")
    out = Path(into) / commit.stdout.strip()[:12]
    out.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(["git", "-C", str(REPO), "archive", "--format=tar", commit.stdout.strip()],
                               stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(out)], stdin=archive.stdout, check=True)
    if archive.wait():
        raise SystemExit(f"paired: git archive of {ref} failed")
    return out


def _env(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree)}


def check_tree(tree: Path) -> None:
    """The ``dedup`` a run in ``tree`` imports is that tree's (not the installed one)."""
    got = subprocess.run([sys.executable, "-c", "import dedup; print(dedup.__file__)"], cwd=tree, env=_env(tree),
                         capture_output=True, text=True)
    if got.returncode:
        raise SystemExit(f"paired: dedup cannot be imported in {tree}: {got.stderr.strip()[-200:]}")
    if not Path(got.stdout.strip()).resolve().is_relative_to(tree):
        raise SystemExit(f"paired: {tree} holds no dedup package (a run there imports {got.stdout.strip()})")


# A run that outlives this benchmark (killed outright) would go on for minutes: each run
# asks the kernel to kill it when the benchmark dies (Linux), then becomes dedup. Through
# Python, not preexec_fn, which is unsafe with the threads that launch the two runs.
# (Not dedup's own engines.forking.die_with: the version measured may predate it.)
_DIE_WITH_PARENT = ("import ctypes, os, sys\n"
                    "parent = int(sys.argv[1])\n"
                    "try:\n"
                    "    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL\n"
                    "except (OSError, AttributeError):\n"
                    "    pass\n"
                    "if os.getppid() != parent:\n"
                    "    sys.exit(1)\n"
                    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n")


def _timed(cmd: list[str], tree: Path, out: dict, key: str) -> None:
    cmd = [cmd[0], "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd[1:]]
    t = time.perf_counter()
    run = subprocess.run(cmd, cwd=tree, env=_env(tree), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out[key] = (time.perf_counter() - t, run.returncode, run.stderr.decode("utf-8", "replace")[-300:])


def one_round(trees: dict[str, Path], corpus: str, extra: list[str], outdir: str, first: str) -> dict:
    """Both versions at once; ``{name: seconds}``; ``first``: which is launched first."""
    times: dict = {}
    threads = []
    for name in sorted(trees, key=lambda n: n != first):
        cmd = [sys.executable, "-m", "dedup", "cluster", corpus, *extra, "-f", "json", "-q", "-j", "1",
               "-o", os.path.join(outdir, f"{name}.json")]
        th = threading.Thread(target=_timed, args=(cmd, trees[name], times, name))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    for name, (_, code, err) in times.items():
        if code not in (0, 1):  # 1: some inputs skipped, still a report
            raise SystemExit(f"paired: the {name} run failed (exit {code}): {err}")
    return {name: t for name, (t, _, _) in times.items()}


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--base", required=True, help="commit or directory: the version compared against")
    ap.add_argument("--new", default=str(REPO), help="commit or directory (default: this checkout)")
    ap.add_argument("--rounds", type=_positive, default=4)
    ap.add_argument("--args", default="", help='more arguments for dedup cluster, e.g. "--id-field newid"')
    args = ap.parse_args(argv)
    m = describe()
    with tempfile.TemporaryDirectory(prefix="dedup-paired-") as tmp:
        trees = {"base": unpack(args.base, tmp), "new": unpack(args.new, tmp)}
        for tree in trees.values():
            check_tree(tree)
        rows = [one_round(trees, args.corpus, shlex.split(args.args), tmp, "base" if k % 2 == 0 else "new")
                for k in range(args.rounds)]
        same = filecmp.cmp(os.path.join(tmp, "base.json"), os.path.join(tmp, "new.json"), shallow=False)
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']}; Python {m['python']}; load before {m['load']}")
    print(f"Corpus: `{args.corpus}`; base `{args.base}`, new `{args.new}` (this checkout: {m['git']}); "
          f"`dedup cluster -j 1` each, both at once\n")
    print("| round | launched first | base s | new s | new / base |")
    print("|---:|---|---:|---:|---:|")
    for k, r in enumerate(rows):
        print(f"| {k + 1} | {'base' if k % 2 == 0 else 'new'} | {r['base']:.2f} | {r['new']:.2f} | "
              f"{r['new'] / r['base']:.3f} |")
    ratios = [r["new"] / r["base"] for r in rows]
    print(f"\nMedian ratio {statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f}); "
          f"reports {'byte-identical' if same else 'differ'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
