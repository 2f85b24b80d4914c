"""Planted passages in long documents: is a 40-word passage found wherever it sits?

    python -m benchmarks.planted --data /work/shared/data [--cases 100 --seed 1
                                 --min-chars 20000 --max-chars 100000 --words 40
                                 --distractors 8 --no-cluster]

Each case: a long host (BBC articles joined until it reaches a length drawn from
``--min-chars``..``--max-chars``), a ``--words``-word verbatim passage from another BBC
article planted at a random word boundary of it, and a short text (the passage inside
~100-200 words of a third article). Found: a passage of the result covers at least
80% of the planted characters on both sides. ``compare``: ``dedup.compare(host,
short)``; ``cluster``: ``dedup.cluster`` on host, short text and ``--distractors`` other
BBC articles, found when a link between host and short text carries the passage.
Prints one JSON line per setting and a summary.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FOUND_SHARE = 0.8  # of the planted characters, on both sides


@dataclass(frozen=True)
class Case:
    host: str
    short: str
    host_span: tuple[int, int]
    short_span: tuple[int, int]
    distractors: tuple[str, ...]


def load_bbc(data: Path) -> list[str]:
    with gzip.open(Path(data) / "bbc_news.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"].strip() for line in fh]
    # The BBC set repeats some stories; keep one of each so a host never carries the
    # donor or the filler by accident.
    seen, out = set(), []
    for t in texts:
        key = t[:200]
        if key not in seen and len(t.split()) >= 150:
            seen.add(key)
            out.append(t)
    return out


def make_case(texts: list[str], rng: random.Random, min_chars: int, max_chars: int, words: int,
              distractors: int) -> Case:
    order = rng.sample(range(len(texts)), len(texts))
    donor, filler = texts[order[0]], texts[order[1]]
    target = rng.randint(min_chars, max_chars)
    parts, size, k = [], 0, 2
    while size < target:
        parts.append(texts[order[k]])
        size += len(texts[order[k]]) + 2
        k += 1
    host_base = "\n\n".join(parts)
    others = tuple(texts[order[k + i]] for i in range(distractors))
    dw = donor.split()
    s = rng.randint(0, len(dw) - words)
    passage = " ".join(dw[s : s + words])
    # plant at a word boundary of the host
    spaces = [i for i, c in enumerate(host_base) if c == " "]
    at = rng.choice(spaces)
    host = host_base[:at] + " " + passage + host_base[at:]
    hs = at + 1
    fw = filler.split()
    n_ctx = rng.randint(100, 200)
    before = rng.randint(0, n_ctx)
    lead, tail = " ".join(fw[:before]), " ".join(fw[before:n_ctx])
    short = (lead + " " if lead else "") + passage + (" " + tail if tail else "")
    ss = len(lead) + 1 if lead else 0
    return Case(host, short, (hs, hs + len(passage)), (ss, ss + len(passage)), others)


def covered(span: tuple[int, int], found: list[tuple[int, int]]) -> float:
    s, e = span
    return sum(max(0, min(e, b) - max(s, a)) for a, b in found) / (e - s)


def found_compare(case: Case) -> bool:
    from dedup import compare

    r = compare(case.host, case.short)
    if r.kind is None:
        return False
    return (covered(case.host_span, [(p.source_start, p.source_end) for p in r.passages]) >= FOUND_SHARE
            and covered(case.short_span, [(p.target_start, p.target_end) for p in r.passages]) >= FOUND_SHARE)


def found_cluster(case: Case) -> bool:
    from dedup import cluster

    docs = [{"id": "host", "text": case.host}, {"id": "short", "text": case.short}]
    docs += [{"id": f"d{i}", "text": t} for i, t in enumerate(case.distractors)]
    rep = cluster(docs, jobs=1)
    for c in rep.clusters:
        for link in c.links:
            if {link.source, link.target} != {"host", "short"}:
                continue
            src = case.host_span if link.source == "host" else case.short_span
            dst = case.short_span if link.source == "host" else case.host_span
            if (covered(src, [(p.source_start, p.source_end) for p in link.passages]) >= FOUND_SHARE
                    and covered(dst, [(p.target_start, p.target_end) for p in link.passages]) >= FOUND_SHARE):
                return True
    return False


def run(data: Path, cases: int, seed: int, min_chars: int, max_chars: int, words: int,
        distractors: int, with_cluster: bool = True) -> dict:
    texts = load_bbc(data)
    rng = random.Random(seed)
    made = [make_case(texts, rng, min_chars, max_chars, words, distractors) for _ in range(cases)]
    out: dict = {"cases": cases, "seed": seed, "chars": [min_chars, max_chars], "words": words}
    t = time.perf_counter()
    hits = [found_compare(c) for c in made]
    out["compare_found"] = sum(hits)
    out["compare_seconds"] = round(time.perf_counter() - t, 1)
    out["compare_missed_offsets"] = [round(c.host_span[0] / len(c.host), 2) for c, h in zip(made, hits) if not h]
    if with_cluster:
        t = time.perf_counter()
        out["cluster_found"] = sum(found_cluster(c) for c in made)
        out["cluster_seconds"] = round(time.perf_counter() - t, 1)
        out["distractors"] = distractors
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.planted", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-chars", type=int, default=20000)
    ap.add_argument("--max-chars", type=int, default=100000)
    ap.add_argument("--words", type=int, default=40)
    ap.add_argument("--distractors", type=int, default=8)
    ap.add_argument("--no-cluster", action="store_true")
    a = ap.parse_args(argv)
    res = run(Path(a.data), a.cases, a.seed, a.min_chars, a.max_chars, a.words, a.distractors, not a.no_cluster)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
