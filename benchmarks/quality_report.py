"""Markdown, machine description, RESULTS.md splicing and the precision/recall plot for
``python -m benchmarks.quality``."""
from __future__ import annotations

import math
from pathlib import Path

from .machine import describe, load  # noqa: F401 (load: quality.py reads it from here)

START, END = "<!-- quality:start -->", "<!-- quality:end -->"

METRICS = ("ari", "pair_precision", "pair_recall", "pair_f1", "char_precision", "char_recall", "char_f1")
HEADS = ("ARI", "pair P", "pair R", "pair F1", "char P", "char R", "char F1")


machine = describe  # the shared description (see benchmarks/machine.py)


def _f(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.3f}"


def table(rows: list[dict], label: str = "method") -> str:
    """Rows are ``{"name", metrics..., "seconds"}``; unavailable rows carry ``"unavailable"``."""
    out = [f"| {label} | " + " | ".join(HEADS) + " | seconds |",
           "| --- | " + " | ".join("---:" for _ in HEADS) + " | ---: |"]
    for r in rows:
        if r.get("unavailable"):
            out.append(f"| {r['name']} | " + " | ".join("–" for _ in HEADS) + " | – |")
            continue
        out.append(f"| {r['name']} | " + " | ".join(_f(r[m]) for m in METRICS) + f" | {r['seconds']:.1f} |")
    return "\n".join(out)


def text_table(rows: list[dict]) -> str:
    """The same table for the terminal (fixed-width columns)."""
    w = max([len(r["name"]) for r in rows] + [6])
    lines = [f"{'method':<{w}}  " + "  ".join(f"{h:>7}" for h in HEADS) + f"  {'seconds':>8}"]
    for r in rows:
        if r.get("unavailable"):
            lines.append(f"{r['name']:<{w}}  unavailable: {r['unavailable']}")
        else:
            lines.append(f"{r['name']:<{w}}  " + "  ".join(f"{r[m]:>7.3f}" for m in METRICS)
                         + f"  {r['seconds']:>8.1f}")
    return "\n".join(lines)


def margin_table(ours: dict, base: dict) -> str:
    out = ["| metric | dedup | datasketch recipe | margin (dedup − recipe) |", "| --- | ---: | ---: | ---: |"]
    for m, h in zip(METRICS, HEADS):
        out.append(f"| {h} | {ours[m]:.3f} | {base[m]:.3f} | {ours[m] - base[m]:+.3f} |")
    out.append(f"| seconds | {ours['seconds']:.1f} | {base['seconds']:.1f} | "
               f"{ours['seconds'] / base['seconds'] if base['seconds'] else float('inf'):.1f}× the time |")
    return "\n".join(out)


def splice(path: str | Path, section: str, start: str = START, end: str = END) -> None:
    """Write ``section`` between the markers (default: quality's) of ``path``, keeping everything else."""
    p = Path(path)
    body = f"{start}\n{section.rstrip()}\n{end}"
    old = p.read_text(encoding="utf-8") if p.exists() else ""
    if start in old and end in old and old.index(start) < old.index(end):
        new = old[:old.index(start)] + body + old[old.index(end) + len(end):]
    elif old.strip():
        new = old.rstrip("\n") + "\n\n" + body + "\n"
    else:
        new = "# Benchmark results\n\n" + body + "\n"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(new, encoding="utf-8")


def plot(sweep: list[dict], default: float, path: str | Path, title: str) -> None:
    """Pairwise and character precision/recall against ``min_passage_score``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["min_passage_score"] for r in sweep]
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=120)
    styles = [("pair_precision", "pairwise precision", "tab:blue", "-", "o"),
              ("pair_recall", "pairwise recall", "tab:blue", "--", "s"),
              ("char_precision", "char precision", "tab:orange", "-", "o"),
              ("char_recall", "char recall", "tab:orange", "--", "s")]
    for key, label, color, ls, mk in styles:
        ax.plot(xs, [r[key] for r in sweep], color=color, linestyle=ls, marker=mk, label=label)
    lo = min(min(r[k] for r in sweep) for k, *_ in styles)
    bottom = max(0.0, lo - 0.05)
    ax.set_ylim(bottom, 1.02)
    ax.axvline(default, color="grey", linestyle=":", linewidth=1.5, label=f"default ({default:g})")
    ax.set_xlabel("min_passage_score")
    ax.set_ylabel("score")
    ax.set_xticks(xs)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, frameon=False)
    ax.set_title(title, fontsize=10, wrap=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
