"""Dates and wire credits: are records' own dates used, are text dates right, is the wire the origin.

    python -m benchmarks.dates --data /work/shared/data [--old-ref REF] [--fixture 2000]

"before" is this tree's pipeline with ``dedup/stages/metadata.py`` and ``rank_key`` as they were
at ``--old-ref`` (git), "after" the current code, so only the date/credit/origin rules
differ. Measured:

1. record dates used: share of records whose own ``date`` field was used, on a generated
   fixture of mixed feed formats (seeded) and on METER dev;
2. text dates: records stripped of their date (Reuters-21578, METER dev): the date found in
   the text is the same day as the record's own / a wrong day / none; a crash is counted;
3. origin on METER dev, with and without dates: clusters holding wire (PA) and newspaper
   texts whose origin is a wire text;
4. (``--synth DIR``, a corpus made by ``python -m benchmarks.synth``) origin on the labelled
   synthetic corpus, with and without record dates: clusters holding a true origin whose
   named origin is it.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib
import importlib.util
import json
import random
import subprocess
import sys
import types
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dedup
import dedup.stages.prepare
import dedup.stages.provenance
from dedup.stages.dates import parse_record_date
from dedup.models import Document

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
}


def feed_formats(dt: datetime) -> list[str]:
    """``dt`` in the styles feeds print (day-first where numeric day and month could swap)."""
    en = MONTHS["en"].split()[dt.month - 1]
    return [
        dt.isoformat(), dt.strftime("%Y-%m-%d"), dt.replace(tzinfo=timezone.utc).isoformat(),
        f"{dt.year}/{dt.month}/{dt.day}", f"{dt.day}.{dt.month}.{dt.year}", dt.strftime("%d/%m/%Y"),
        f"{en} {dt.day}, {dt.year}", f"{dt.day} {en[:3]} {dt.year}",
        f"{dt.day} {MONTHS['fr'].split()[dt.month - 1]} {dt.year}",
        f"{dt.day}. {MONTHS['de'].split()[dt.month - 1]} {dt.year}",
        f"{dt.day} de {MONTHS['es'].split()[dt.month - 1]} de {dt.year}",
        f"{dt.day} {MONTHS['ru'].split()[dt.month - 1]} {dt.year} г.",
        f"{dt.year}年{dt.month}月{dt.day}日",
        dt.strftime("%a, %d %b %Y %H:%M:%S +0000"), str(int(dt.replace(tzinfo=timezone.utc).timestamp())),
        f"{dt.day:02d}-{en[:3].upper()}-{dt.year} {dt:%H:%M:%S}.79",
    ]


def fixture(n: int, seed: int) -> list[tuple[dict, datetime]]:
    """Records with dates in mixed formats, and a body sentence with another date."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        dt = datetime(2000, 1, 1) + timedelta(minutes=rng.randrange(26 * 365 * 24 * 60))
        fmt = rng.choice(feed_formats(dt))
        born = datetime(1920, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        text = (f"Headline number {k}\n\nThe subject, born on {born.day} {MONTHS['en'].split()[born.month - 1]} "
                f"{born.year}, spoke to reporters about the matter at length on the day.")
        out.append(({"id": f"f{k}", "text": text, "date": fmt}, dt))
    return out


def _siblings(src: str) -> set[str]:
    """The modules ``src`` imports as ``from .name import ...``."""
    return {n.module.split(".")[0] for n in ast.walk(ast.parse(src))
            if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module}


def old_modules(ref: str):
    """``(metadata, rank_key)`` as they were at git ``ref``."""
    def load(path: str, name: str):
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:dedup/stages/{path}"],
                               capture_output=True, text=True)
        package = "dedup.stages"
        if shown.returncode:  # a ref from before the stages moved to dedup/stages/
            shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:dedup/{path}"], check=True,
                                   capture_output=True, text=True)
            package = "dedup"
        src = shown.stdout
        mod = types.ModuleType(name)
        mod.__package__ = package  # its relative imports resolve as they did at ``ref``
        sys.modules[name] = mod
        # Before the move, ``from .credits import`` meant today's dedup.stages.credits:
        # those names are lent to the old code while it loads, then taken back.
        lent = [f"dedup.{m}" for m in _siblings(src) if package == "dedup" and f"dedup.{m}" not in sys.modules
                and importlib.util.find_spec(f"dedup.stages.{m}") is not None]
        for m in lent:
            sys.modules[m] = _today(m.replace("dedup.", "dedup.stages.", 1))
        try:
            exec(compile(src, f"{ref}:{path}", "exec"), mod.__dict__)
        finally:
            for m in lent:
                del sys.modules[m]
        return mod

    return load("metadata.py", "dedup._old_metadata"), load("provenance.py", "dedup._old_provenance").rank_key


# names that moved between today's stages since the old code was written: lent back too
_MOVED = {"dedup.stages.align": ("dedup.stages.provenance", ("coverage", "weighted_score", "link_kind"))}


def _today(name: str) -> types.ModuleType:
    """Today's module ``name`` as the old code knew it: with the names since moved out of it."""
    mod = importlib.import_module(name)
    if name not in _MOVED:
        return mod
    home, names = _MOVED[name]
    view = types.ModuleType(name)
    view.__dict__.update(mod.__dict__)
    view.__dict__.update({n: getattr(importlib.import_module(home), n) for n in names})
    return view


def facts_fn(meta):
    """A ``facts_of`` built on an old metadata module (record date, else text; credits)."""
    def facts_of(doc: Document, content_lines=None, date_order="DMY"):
        date = meta.parse_date(doc.date) if doc.date else None
        if date is None:
            date = meta.find_date(doc.text)
        title = doc.title or meta.find_title(doc.text, content_lines)
        return dedup.stages.provenance.DocFacts(doc.id, title, date, doc.source, tuple(meta.find_credits(doc.text)))
    return facts_of


@contextmanager
def patched(facts_of, rank_key):
    saved = dedup.stages.prepare.facts_of, dedup.stages.provenance.rank_key
    dedup.stages.prepare.facts_of, dedup.stages.provenance.rank_key = facts_of, rank_key
    try:
        yield
    finally:
        dedup.stages.prepare.facts_of, dedup.stages.provenance.rank_key = saved


def same_day(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a.date() == b.date()


def record_dates(records: list[tuple[dict, datetime]], facts_of) -> dict:
    used = 0
    for rec, truth in records:
        try:
            got = facts_of(Document(**rec)).date
        except Exception:
            got = None
        used += same_day(got, truth)
    return {"records": len(records), "own_date_used": used, "share": round(used / len(records), 4)}


def text_dates(records: list[dict], facts_of) -> dict:
    out = {"records": 0, "same_day": 0, "wrong": 0, "none": 0, "crash": 0}
    for rec in records:
        truth = parse_record_date(rec["date"]) if rec.get("date") else None
        if truth is None or not rec.get("text", "").strip():
            continue
        out["records"] += 1
        try:
            got = facts_of(Document(id=str(rec.get("id", rec.get("newid"))), text=rec["text"])).date
        except Exception:
            out["crash"] += 1
            continue
        out["same_day" if same_day(got, truth) else "wrong" if got else "none"] += 1
    return out


def meter_origins(records: list[dict], labels: dict, facts_of, rank_key) -> dict:
    with patched(facts_of, rank_key):
        report = dedup.cluster(records, jobs=1)
    mixed = wire = 0
    for c in report.clusters:
        kinds = {labels[m.doc_id]["kind"] == "wire" for m in c.members}
        if kinds == {True, False}:
            mixed += 1
            wire += labels[c.origin]["kind"] == "wire"
    return {"mixed_clusters": mixed, "wire_origin": wire, "wrong": mixed - wire}


def synth_origins(records: list[dict], roles: dict, facts_of, rank_key) -> dict:
    with patched(facts_of, rank_key):
        report = dedup.cluster(records, jobs=1)
    held = right = 0
    for c in report.clusters:
        if any(roles.get(m.doc_id) == "origin" for m in c.members):
            held += 1
            right += roles.get(c.origin) == "origin"
    return {"clusters_with_origin": held, "origin_right": right, "wrong": held - right}


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpora(data: Path, fixture_size: int = 2000, seed: int = 1, limit: int | None = None) -> dict:
    """What measures 1-3 read: the fixture, METER (records, labels) and Reuters-21578.
    ``limit``: the first records of each corpus only, for a quick run."""
    return {"fixture": fixture(fixture_size, seed),
            "meter": read_jsonl_gz(data / "meter-dev" / "corpus.jsonl.gz")[:limit],
            "labels": json.loads((data / "meter-dev" / "labels.json").read_text()),
            "reuters": read_jsonl_gz(data / "reuters21578.jsonl.gz")[:limit]}


def measure_version(read: dict, facts_of=None, rank_key=None, origin: bool = True) -> dict:
    """Measures 1-3 on the :func:`corpora` ``read``, for one version of the
    date/credit/origin rules (default: the current code's)."""
    facts_of = facts_of or dedup.stages.prepare.facts_of
    rank_key = rank_key or dedup.stages.provenance.rank_key
    fix, meter, labels, reuters = read["fixture"], read["meter"], read["labels"], read["reuters"]
    meter_dated = [(r, parse_record_date(r["date"])) for r in meter if r.get("date")]
    res = {"record_dates_fixture": record_dates(fix, facts_of), "record_dates_meter": record_dates(meter_dated, facts_of),
           "text_dates_reuters": text_dates(reuters, facts_of), "text_dates_meter": text_dates(meter, facts_of),
           "text_dates_fixture": text_dates([{**r, "date": t.isoformat()} for r, t in fix], facts_of)}
    if origin:
        res["origin_meter_dated"] = meter_origins(meter, labels, facts_of, rank_key)
        undated = [{k: v for k, v in r.items() if k != "date"} for r in meter]
        res["origin_meter_undated"] = meter_origins(undated, labels, facts_of, rank_key)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dates", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="directory with the source corpora")
    ap.add_argument("--old-ref", default="2503fb1", help="git ref of the code before the change")
    ap.add_argument("--fixture", type=int, default=2000, help="generated records with mixed date formats")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-origin", action="store_true", help="no METER clustering runs")
    ap.add_argument("--synth", help="directory of a generated corpus (corpus.jsonl, truth.jsonl)")
    args = ap.parse_args(argv)
    data = Path(args.data)
    old_meta, old_rank = old_modules(args.old_ref)
    versions = {"before": (facts_fn(old_meta), old_rank), "after": (dedup.stages.prepare.facts_of, dedup.stages.provenance.rank_key)}
    result: dict = {"old_ref": args.old_ref}

    read = corpora(data, args.fixture, args.seed)
    for name, (facts_of, rank_key) in versions.items():
        res = result[name] = measure_version(read, facts_of, rank_key, not args.skip_origin)
        if args.synth:
            corpus = [json.loads(line) for line in open(Path(args.synth) / "corpus.jsonl", encoding="utf-8")]
            roles = {}
            for line in open(Path(args.synth) / "truth.jsonl", encoding="utf-8"):
                t = json.loads(line)
                if t.get("type") == "doc":
                    roles[t["id"]] = t["role"]
            res["origin_synth_dated"] = synth_origins(corpus, roles, facts_of, rank_key)
            undated = [{k: v for k, v in r.items() if k != "date"} for r in corpus]
            res["origin_synth_undated"] = synth_origins(undated, roles, facts_of, rank_key)
        print(name, json.dumps(res), file=sys.stderr, flush=True)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
