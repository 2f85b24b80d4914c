"""The quality benchmark's real-data report (issue 11): template series and re-issues on
Reuters-21578, a 40-word passage planted in long real documents, and publication dates.

Each part is its own benchmark, run here with its defaults and summed up in one table:

* ``benchmarks.reuters_templates``: the template families named by title (measurement
  only: dedup never sees titles as rules) and the hand-labelled samples of linked pairs
  (``benchmarks/reuters_template_labels.json``: re-issues kept as copies, templates caught);
* ``benchmarks.planted``: a passage planted in BBC articles joined into 20k–100k and
  100k–200k-character hosts, found by ``compare`` and by ``cluster``;
* ``benchmarks.dates``: records' own dates used (a fixture of mixed feed formats, METER),
  dates taken from Reuters texts stripped of their record date, and wire origins on METER
  without dates.

``run()`` returns the numbers, ``markdown()`` the table. The parameters shrink it for a
quick run (the smoke test); the defaults are the benchmarks' own.
"""
from __future__ import annotations

import time
from pathlib import Path

PLANTED_RANGES = ((20_000, 100_000), (100_000, 200_000))


def run(data: Path, jobs: int = 2, planted_cases: int = 100, fixture: int = 2000,
        limit: int | None = None, log=print) -> dict:
    """Every part of the report. ``limit``: the first Reuters/METER records only."""
    from . import dates, planted, reuters_templates

    data = Path(data)
    out: dict = {}
    t = time.perf_counter()
    log("real data: Reuters-21578 template series ...")
    out["reuters"] = reuters_templates.measure(data, jobs, limit=limit)
    out["planted"] = []
    for lo, hi in PLANTED_RANGES:
        log(f"real data: passages planted in {lo:,}-{hi:,}-character hosts ...")
        out["planted"].append(planted.run(data, planted_cases, seed=1, min_chars=lo, max_chars=hi, words=40,
                                          distractors=8))
    log("real data: dates ...")
    out["dates"] = dates.measure_version(dates.corpora(data, fixture_size=fixture, limit=limit))
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def _pairs(row: dict) -> str:
    return f"{row['kept as copy']} / {row['called template']} / {row['unlinked']} of {row['pairs']}"


def markdown(res: dict) -> str:
    r, d = res["reuters"], res["dates"]
    kinds = r["link kinds after"]
    lines = [
        "| measure | result |",
        "| --- | --- |",
        f"| Reuters-21578 ({r['documents']:,} articles): links duplicate / partial / template | "
        f"{kinds.get('duplicate', 0):,} / {kinds.get('partial', 0):,} / {kinds.get('template', 0):,} |",
    ]
    for fam in r["families"]:
        lines.append(f"| Reuters family \"{fam['family']}\": template pairs called copy | "
                     f"{fam['called copy after']} of {fam['template pairs']} |")
    for key, name in (("labelled sample", "first sample"), ("held-out sample", "held-out sample")):
        if key in r:
            lines.append(f"| Reuters hand-labelled {name}: re-issues kept as copy / called template / unlinked | "
                         f"{_pairs(r[key]['copy'])} |")
            lines.append(f"| Reuters hand-labelled {name}: templates called copy / template / unlinked | "
                         f"{_pairs(r[key]['template'])} |")
    for p in res["planted"]:
        lo, hi = p["chars"]
        cluster = f"{p['cluster_found']} of {p['cases']}" if "cluster_found" in p else "not run"
        lines.append(f"| {p['words']}-word passage planted in {lo:,}–{hi:,}-character hosts: found by "
                     f"`compare` / `cluster` | {p['compare_found']} of {p['cases']} / {cluster} |")
    for key, name in (("record_dates_fixture", "a fixture of mixed feed formats"), ("record_dates_meter", "METER")):
        x = d[key]
        lines.append(f"| records' own dates used, {name} | {x['own_date_used']:,} of {x['records']:,} "
                     f"({100 * x['share']:.0f}%) |")
    x = d["text_dates_reuters"]
    lines.append(f"| Reuters without their record date: text date the same day / wrong / none / crash | "
                 f"{x['same_day']:,} / {x['wrong']:,} / {x['none']:,} / {x['crash']:,} of {x['records']:,} |")
    if "origin_meter_undated" in d:
        x = d["origin_meter_undated"]
        lines.append(f"| METER without dates: clusters of wire and newspaper texts whose origin is a wire text | "
                     f"{x['wire_origin']} of {x['mixed_clusters']} |")
    return "\n".join(lines) + "\n"
