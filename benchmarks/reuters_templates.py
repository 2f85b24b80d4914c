"""Template series on Reuters-21578: which linked pairs dedup calls ``template``.

    python -m benchmarks.reuters_templates --data /work/shared/data [--jobs 2] [--draw 40]

Runs dedup twice on the 19,043 articles (``newid`` is the id): with ``template_links``
on, the clusters and links are exactly those of the code before the template kind
(alignment is unchanged; a template link was a duplicate/partial link before), so
"before" counts every listed link as a copy and "after" reads its kind; the default
run gives the clusters as they are now. It then reports:

* the template families the issue names, found by *title patterns here only* (this is
  measurement; dedup never sees titles as rules): a family pair is counted a template
  pair when its two documents differ in title or calendar day (a new issue of the
  formula), a same-title same-day pair is left out (it may be a repeat);
* a random sample of linked pairs (fixed seed) labelled by hand in
  ``benchmarks/reuters_template_labels.json`` (a first sample, seen while the rule was
  chosen, and a held-out one): re-issues kept as copies, templates called copies.
  ``--draw N`` prints N freshly drawn pairs to label instead.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"
LABELS = HERE / "reuters_template_labels.json"
SEED = 2026
FAMILIES = {  # the issue's examples, by title
    "hog and cattle slaughter guesstimates": r"HOG AND CATTLE SLAUGHTER GUESSTIMATES",
    "eurobond issue notices": r"EURO\w*\s*BOND",
    "U.S. energy costs": r"ENERGY COSTS",
    "Bank of England money market": r"U\.K\. MONEY MARKET",
    "Fed repurchase notices": r"\bFED\b.*(REPURCHASE|RESERVES)",
    "grain futures": r"GRAIN FUTURES|FUTURES (OPEN|CLOSE)",
}


def load(data: Path) -> list[dict]:
    """Reuters records as dedup documents (``newid`` -> ``id``; the date parsed to ISO)."""
    docs = []
    with gzip.open(data / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if not (r.get("text") or "").strip():
                continue
            try:
                date = datetime.strptime(r["date"].strip().split(".")[0], "%d-%b-%Y %H:%M:%S").isoformat()
            except (KeyError, ValueError):
                date = None
            docs.append({"id": str(r["newid"]), "title": r.get("title"), "date": date, "text": r["text"]})
    return docs


def run_dedup(docs: list[dict], jobs: int, template_links: bool):
    import dedup

    return dedup.cluster(docs, config=dedup.Config(template_links=template_links), jobs=jobs)


def link_kinds(report) -> dict[tuple[str, str], str]:
    out = {}
    for c in list(report.clusters) + list(report.templates):
        for link in c.links:
            out[tuple(sorted((link.source, link.target)))] = link.kind
    return out


EXAMPLES = (  # pairs the issue names, by their two titles
    (r"HAMBURGISCHE L/B ISSUES", r"WESTPAC BANKING ISSUES"),
    (r"ENERGY COSTS ROSE IN FEBRUARY", r"ENERGY COSTS ROSE IN MARCH"),
)


def examples(docs: dict[str, dict], kinds: dict) -> list[dict]:
    out = []
    for pa, pb in EXAMPLES:
        for (x, y), kind in sorted(kinds.items()):
            tx, ty = docs[x]["title"] or "", docs[y]["title"] or ""
            if (re.search(pa, tx) and re.search(pb, ty)) or (re.search(pb, tx) and re.search(pa, ty)):
                out.append({"a": x, "b": y, "titles": [tx, ty], "before": "copy", "after": kind})
    return out


def families(docs: dict[str, dict], kinds: dict) -> list[dict]:
    rows = []
    for name, pattern in FAMILIES.items():
        rx = re.compile(pattern)
        pairs = [p for p in kinds if all(rx.search(docs[x]["title"] or "") for x in p)]
        new_issue = [p for p in pairs if docs[p[0]]["title"] != docs[p[1]]["title"]
                     or (docs[p[0]]["date"] or "")[:10] != (docs[p[1]]["date"] or "")[:10]]
        after = Counter(kinds[p] for p in new_issue)
        rows.append({"family": name, "linked pairs": len(pairs), "template pairs": len(new_issue),
                     "called copy before": len(new_issue),
                     "called copy after": after["duplicate"] + after["partial"]})
    return rows


def sample(kinds: dict, n: int) -> list[tuple[str, str]]:
    return random.Random(SEED).sample(sorted(kinds), min(n, len(kinds)))


def labelled(kinds: dict, labels: list[dict]) -> dict:
    out = {"copy": Counter(), "template": Counter()}
    for row in labels:
        out[row["label"]][kinds.get(tuple(sorted((row["a"], row["b"]))), "none")] += 1
    return {lab: {"pairs": sum(c.values()), "kept as copy": c["duplicate"] + c["partial"],
                  "called template": c["template"], "unlinked": c["none"]} for lab, c in out.items()}


def measure(data: Path, jobs: int = 2, labels_path: Path = LABELS, limit: int | None = None) -> dict:
    """Every number this benchmark reports (``limit``: the first articles only, for a quick run)."""
    records = load(Path(data))[:limit]
    docs = {d["id"]: d for d in records}
    before = run_dedup(records, jobs, template_links=True)
    kinds = link_kinds(before)
    after = run_dedup(records, jobs, template_links=False)
    out = {
        "documents": len(records),
        "links": len(kinds),
        "link kinds after": dict(sorted(Counter(kinds.values()).items())),
        "clusters before": len(before.clusters), "largest before": [c.size for c in before.clusters[:5]],
        "clusters after": len(after.clusters), "largest after": [c.size for c in after.clusters[:5]],
        "template series after": len(after.templates), "largest series": [c.size for c in after.templates[:5]],
        "families": families(docs, kinds),
        "named pairs": examples(docs, kinds),
    }
    labels_path = Path(labels_path)
    if labels_path.exists():
        labels = json.loads(labels_path.read_text())
        out["labelled sample"] = labelled(kinds, labels["pairs"])
        if labels.get("heldout"):
            out["held-out sample"] = labelled(kinds, labels["heldout"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.reuters_templates", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="directory with reuters21578.jsonl.gz")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--labels", default=str(LABELS))
    ap.add_argument("--draw", type=int, default=0, help="print this many sampled pairs to label, then stop")
    a = ap.parse_args(argv)
    if a.draw:
        records = load(Path(a.data))
        docs = {d["id"]: d for d in records}
        kinds = link_kinds(run_dedup(records, a.jobs, template_links=True))
        for x, y in sample(kinds, a.draw):
            print(json.dumps({"a": x, "b": y, "kind": kinds[(x, y)], "title_a": docs[x]["title"],
                              "title_b": docs[y]["title"], "date_a": docs[x]["date"], "date_b": docs[y]["date"],
                              "text_a": docs[x]["text"], "text_b": docs[y]["text"]}))
        return 0
    print(json.dumps(measure(Path(a.data), a.jobs, Path(a.labels)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
