"""Markdown for ``benchmarks.speed``: machine facts, tables, targets, the RESULTS.md section."""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from .machine import describe

START, END = "<!-- speed:start -->", "<!-- speed:end -->"
REPO = Path(__file__).resolve().parents[1]


machine_info = describe  # the shared description (see benchmarks/machine.py)


def _n(x, digits=0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _rate(r: dict, key="total_s"):
    return r["docs"] / r[key] if r and "error" not in r and r.get(key) else None


def _ratio(a, b) -> str:
    return "—" if not a or not b else f"{a / b:.1f}×"


def _size_label(n: int) -> str:
    return f"{n // 1000000}M" if n % 1000000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def render(res: dict) -> str:
    m, a, sizes = res["machine"], res["args"], res["sizes"]
    v = m["versions"]
    out = ["## Speed", "",
           f"Command: `{res['command']}`  ", f"Date: {res['date']}; dedup commit {m['commit']}  ",
           f"Machine: {m['cpu']}, {m['cores']} cores, {_n(m['ram_gb'], 1)} GB RAM; Python {m['python']}, "
           f"numpy {v['numpy']}, datasketch {v['datasketch']}, rapidfuzz {v['rapidfuzz']}, xxhash {v['xxhash']}",
           "", "Corpora: `benchmarks.synth` (seed %d), generated into `%s` (not in git). dedup runs as the "
           "CLI (`dedup cluster CORPUS -f json -o FILE -q`, one process) through "
           "`benchmarks.speed_worker`, which times the pipeline's stage functions; wall time is the "
           "whole subprocess (interpreter start to exit); memory: peak RSS of the largest process from `/usr/bin/time -v`, "
           "and the peaks of the summed PSS and summed RSS of the process tree (dedup forks workers; `--jobs` left at the "
           "CLI default), polled from /proc: RSS every 0.25 s, PSS as often as 2%% of one core allows (the kernel walks "
           "every page table to answer, about 0.05 s for a 3 GB process). PSS divides pages that forked workers share copy-on-write "
           "among them, so the tree's PSS is its real footprint; the RSS sum counts shared pages once per process "
           "(an upper bound). "
           "Paragraphs are blank-line separated blocks of the input text. *Load before*: the 1-minute "
           "load average when the run started; above the core count, other processes shared the CPUs "
           "and the times are pessimistic." % (a["seed"], a["out"]),
           "", "### End to end", "",
           "| documents | runs | wall s (median) | docs/s | paragraphs/s | peak memory MB (main RSS / tree PSS / tree RSS sum) | candidate pairs "
           "| growth exponent | load before | CPU s (main / workers) |", "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for s in sizes:
        if s["status"] == "ok":
            exp = f"{s['exponent']:.2f} (from {_size_label(s['exponent_from'])})" if "exponent" in s else "—"
            walls = ", ".join(f"{w:.1f}" for w in s["walls"])
            out.append(f"| {s['size']:,} | {s['runs']} | {s['wall_s']:.1f} ({walls}) | {_n(s['docs_per_s'])} "
                       f"| {_n(s['paras_per_s'])} | {_n(s['rss_mb'])} / {_n(s.get('tree_pss_mb'))} / {_n(s.get('tree_rss_mb'))} | {_n(s['pairs'])} | {exp} | {_n(s.get('load'), 1)} "
                       f"| {_n(s.get('cpu_main_s'), 1)} / {_n(s.get('cpu_workers_s'), 1)} |")
        elif s["status"] == "exceeded":
            out.append(f"| {s['size']:,} | {s['runs']} | exceeded {a['max_seconds']:g} s (killed) "
                       "| — | — | — | — | — | — | — |")
        elif s["status"] == "skipped":
            out.append(f"| {s['size']:,} | 0 | not run ({s['reason']}) | — | — | — | — | — | — | — |")
        else:
            out.append(f"| {s['size']:,} | {s['runs']} | failed: {s.get('error')} | — | — | — | — | — | — | — |")
    for n in (10000, 100000, 1000000):
        if n not in [s["size"] for s in sizes]:
            out.append(f"| {n:,} | 0 | not run (not in `--sizes`) | — | — | — | — | — | — | — |")
    ok = [s for s in sizes if s["status"] == "ok"]
    if ok:
        out += ["", "### Time per stage (median run)", "",
                "| stage | " + " | ".join(f"{_size_label(s['size'])} s | %" for s in ok) + " |",
                "|---|" + "---:|---:|" * len(ok)]
        for k, (label, _) in enumerate(ok[0]["stages"]):
            cells = []
            for s in ok:
                st = dict(s["stages"])
                sec = st.get(label)
                cells.append("— | —" if sec is None else f"{sec:.2f} | {100 * sec / s['wall_s']:.0f}")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += _by_stage(ok)
    out += _peers(res, ok)
    out += _targets(res, ok)
    return "\n".join(out) + "\n"


def _by_stage(ok) -> list[str]:
    """The largest size's memory peaks and cores busy while each stage ran (the run with
    the highest tree PSS; the JSON keeps them under ``memory_by_stage``, its name before
    the CPU was read, so that older speed.json files render again)."""
    big = ok[-1] if ok else None
    rows = big.get("memory_by_stage") if big else None
    if not rows:
        return []
    out = ["", f"### Peak memory and cores busy while each stage ran ({_size_label(big['size'])})", "",
           "Stage: the pipeline function running and its last progress event (`benchmarks.speed_worker`). "
           "PSS is read as often as 2% of a core allows, so a short stage may have no PSS reading. "
           "Cores busy: the CPU seconds of the process tree (workers included) over the stage's wall "
           "seconds, read every quarter second; below the run's jobs, cores waited (the driver's serial work). "
           "One run: the one with the highest tree PSS.", "",
           "| stage | wall s | CPU s | cores busy | tree RSS sum MB | tree PSS MB | of which main process MB |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for label, rss, pss, main, *cpu in rows:  # (runs written before the CPU was read have none)
        wall, used = cpu or (None, None)
        busy = used / wall if wall and used is not None else None
        out.append(f"| {label} | {_n(wall, 1)} | {_n(used, 1)} | {_n(busy, 2)} | {_n(rss)} | {_n(pss)} | {_n(main)} |")
    return out


def _dedup_at(ok, size):
    return next((s for s in ok if s["size"] == size), None)


def _peers(res, ok) -> list[str]:
    peers = res["peers"]
    if not peers:
        return ["", "Peers: not run (`--no-peers`)."]
    out = _peer_tables(peers, _dedup_at(ok, peers["corpus_size"]), res["machine"]["cores"],
                       f"first documents of the {peers['corpus_size']:,}-document corpus")
    rt = res.get("reuters")
    if rt:
        d = rt["dedup"] if rt["dedup"].get("status") == "ok" else None
        out += _peer_tables(rt["peers"], d, res["machine"]["cores"],
                            f"Reuters-21578, `{rt['path']}`: {rt['docs']:,} articles with text, id `newid`")
        if not d:
            out.append(f"dedup on Reuters: {rt['dedup'].get('status')} {rt['dedup'].get('error') or ''}")
    return out


def _peer_tables(peers: dict, d, cores, what: str) -> list[str]:
    d_rate = d["docs_per_s"] if d else None
    naive, batch, rensa = peers.get("naive", {}), peers.get("batch", {}), peers.get("rensa", {})
    fp, fpb = peers.get("fp_dedup", {}), peers.get("fp_dedup_batched", {})
    out = ["", f"### Peers ({what})",
           "", "End to end: datasketch MinHash(num_perm=128) over distinct lowercased `\\w+` word 3-grams "
           "(sha1 default hash), MinHashLSH(threshold=0.5, num_perm=128), query every document, union-find; "
           "rensa (Rust MinHash) on the same Python shingles, `RMinHash(128)` + `RMinHashLSH` (bands must "
           "divide 128: %s x %s). "
           "dedup's rate is the CLI run above (includes interpreter start, furniture removal, "
           "alignment and the report) and uses its default `--jobs` (all cores, here %s); the peers use one core."
           % (rensa.get("bands", "—"), 128 // rensa["bands"] if rensa.get("bands") else "—", cores), "",
           "| pipeline | docs | seconds | docs/s | dedup end-to-end speed-up |", "|---|---:|---:|---:|---:|"]

    def row(label, r, key="total_s", ref=None):
        if not r:
            return
        if "error" in r:
            out.append(f"| {label} | — | failed: {r['error']} | — | — |")
            return
        rate = _rate(r, key)
        out.append(f"| {label} | {r['docs']:,} | {r[key]:.2f} | {_n(rate)} | {_ratio(ref, rate) if ref else '—'} |")

    sub = " (subset: `--naive-docs`)" if naive and "error" not in naive and d and naive["docs"] < d["size"] else ""
    row("naive: `update()` per shingle, `insert`" + sub, naive, ref=d_rate)
    row("batch: `MinHash.bulk`, `insertion_session`", batch, ref=d_rate)
    row("rensa: `RMinHash.update`, `RMinHashLSH.insert`", rensa, ref=d_rate)
    if d:
        out.append(f"| dedup CLI end to end | {d['size']:,} | {d['wall_s']:.2f} | {_n(d_rate)} | 1.0× |")
    out += ["", "Fingerprint only (tokenize + shingle + MinHash signature, no LSH; one process, so docs/s "
            "is per core). dedup: `normalize.tokenize` → `fingerprint.segment_shingles` (whole raw text "
            "as one segment, 3-grams) → `fingerprint.signatures`, 128 permutations.", "",
            "| path | docs | seconds | docs/s per core | dedup per-doc ratio |", "|---|---:|---:|---:|---:|"]
    fp_rate = _rate(fp)
    row("datasketch naive `update()` loop", naive, "fingerprint_s", fp_rate)
    row("datasketch `MinHash.bulk`", batch, "fingerprint_s", fp_rate)
    row("rensa `RMinHash.update` (Python shingles)", rensa, "fingerprint_s", fp_rate)
    row("dedup, one `signatures` call per document", fp, ref=fp_rate)
    row("dedup batch: tokenize per document, one `segment_shingles` + `signatures` for all", fpb, ref=fp_rate)
    return out


ONE_M_SECONDS = 600  # issue 14: a million articles in ten minutes (the issue before it asked 15)


def _targets(res, ok) -> list[str]:
    peers, a = res["peers"] or {}, res["args"]
    status = lambda good: "**met**" if good else "**not met**"  # noqa: E731
    rows = []
    fp, naive = peers.get("fp_dedup", {}), peers.get("naive", {})
    fp_rate, naive_fp = _rate(fp), _rate(naive, "fingerprint_s")
    if fp_rate and naive_fp:
        good = fp_rate >= 2000 and fp_rate / naive_fp >= 30
        rows.append(("fingerprinting ≥ 2,000 docs/s per core (≥ 30× naive loop)",
                     f"{fp_rate:,.0f} docs/s, {fp_rate / naive_fp:.1f}× naive loop", status(good)))
    else:
        rows.append(("fingerprinting ≥ 2,000 docs/s per core (≥ 30× naive loop)", "not measured", "—"))
    d = _dedup_at(ok, peers.get("corpus_size", 10000))
    naive_rate = _rate(naive)
    if d and naive_rate:
        x = d["docs_per_s"] / naive_rate
        rows.append(("end to end ≥ 10× naive document-level pipeline on 10k",
                     f"{x:.1f}× ({d['docs_per_s']:,.0f} vs {naive_rate:,.0f} docs/s)", status(x >= 10)))
    else:
        rows.append(("end to end ≥ 10× naive document-level pipeline on 10k", "not measured", "—"))
    big = next((s for s in res["sizes"] if s["size"] == 1000000), None)
    last = ok[-1] if ok else None
    proj, lower = "", None
    over = next((x for x in res["sizes"] if x["status"] == "exceeded"), None)
    if last and over and over["size"] > last["size"]:  # a bound, not a measurement
        e = math.log(a["max_seconds"] / last["wall_s"]) / math.log(over["size"] / last["size"])
        lower = (last["size"], over["size"], e)
        t = a["max_seconds"] * (1000000 / over["size"]) ** e if over["size"] < 1000000 else None
        proj = (f"; {_size_label(over['size'])} exceeded {a['max_seconds']:g} s, so the "
                f"{_size_label(last['size'])}→{_size_label(over['size'])} exponent is > {e:.2f}"
                + (f" and 1M would take > {t / 3600:.1f} h at that exponent" if t else ""))
    elif last and 10000 <= last["size"] < 1000000:
        e = last.get("exponent", 1.0)
        t = last["wall_s"] * (1000000 / last["size"]) ** e
        proj = (f"; projected from {_size_label(last['size'])} with exponent {e:.2f}: "
                f"~{t / 60:,.0f} min")
    if big and big["status"] == "ok":
        footprint = max(big["rss_mb"] or 0, big.get("tree_pss_mb") or big.get("tree_rss_mb") or 0)
        good = big["wall_s"] <= ONE_M_SECONDS and footprint <= 4096
        rows.append(("1M articles ≤ 10 min on 2 cores, peak ≤ 4 GB (issue 14)",
                     f"{big['wall_s'] / 60:.1f} min; main RSS {_n(big['rss_mb'])} MB, tree PSS {_n(big.get('tree_pss_mb'))} MB "
                     f"(tree RSS sum {_n(big.get('tree_rss_mb'))} MB)", status(good)))
    elif big and big["status"] == "exceeded":
        killed = a["max_seconds"]
        rows.append(("1M articles ≤ 10 min on 2 cores, peak ≤ 4 GB (issue 14)", f"exceeded {killed:g} s, killed{proj}",
                     "**not met**" if killed >= ONE_M_SECONDS else "not measured (killed before 10 min)"))
    else:
        why = big["reason"] if big else "not in `--sizes`"
        rows.append(("1M articles ≤ 10 min on 2 cores, peak ≤ 4 GB (issue 14)", f"not run ({why}){proj}",
                     "not measured" + (" (the bound says not met)" if lower else "")))
    s10 = _dedup_at(ok, 10000)
    if s10 and big and big["status"] == "ok":
        e = math.log(big["wall_s"] / s10["wall_s"]) / math.log(100)
        rows.append(("time growth exponent ≤ 1.1 from 10k to 1M", f"{e:.2f}", status(e <= 1.1)))
    else:
        seen = ", ".join(f"{_size_label(s['exponent_from'])}→{_size_label(s['size'])}: {s['exponent']:.2f}"
                         for s in ok if "exponent" in s)
        if lower:
            seen = (seen + "; " if seen else "") + (f"{_size_label(lower[0])}→{_size_label(lower[1])}: "
                                                    f"> {lower[2]:.2f} (killed at {a['max_seconds']:g} s)")
        rows.append(("time growth exponent ≤ 1.1 from 10k to 1M",
                     "1M not measured" + (f"; {seen}" if seen else ""),
                     "not measured" + (" (the bound says not met)" if lower and lower[2] > 1.1 else "")))
    rows += _issue14_targets(res, ok)
    out = ["", "### Targets (from the issue)", "", "| target | measured | status |", "|---|---|---|"]
    out += [f"| {t} | {m} | {s} |" for t, m, s in rows]
    return out


def _issue14_targets(res, ok) -> list[tuple[str, str, str]]:
    """Issue 14: dedup end to end ≥ datasketch's batch pipeline; fingerprint path ≥ rensa per core."""
    status = lambda good: "**met**" if good else "**not met**"  # noqa: E731
    runs = []
    if res.get("peers"):
        runs.append((f"{_size_label(res['peers']['corpus_size'])} generated", res["peers"],
                     _dedup_at(ok, res["peers"]["corpus_size"])))
    rt = res.get("reuters")
    if rt and rt.get("peers"):
        runs.append(("Reuters-21578", rt["peers"], rt["dedup"] if rt["dedup"].get("status") == "ok" else None))
    rows = []
    for label, peers, d in runs:
        batch, rensa, fpb = _rate(peers.get("batch", {})), _rate(peers.get("rensa", {}), "fingerprint_s"), \
            _rate(peers.get("fp_dedup_batched", {}))
        if d and batch:
            rows.append((f"end to end ≥ 1.0× datasketch batch pipeline, {label}",
                         f"{d['docs_per_s'] / batch:.2f}× ({d['docs_per_s']:,.0f} vs {batch:,.0f} docs/s)",
                         status(d["docs_per_s"] >= batch)))
        if fpb and rensa:
            rows.append((f"fingerprint path (batch) ≥ rensa per core, {label}",
                         f"{fpb / rensa:.2f}× ({fpb:,.0f} vs {rensa:,.0f} docs/s)", status(fpb >= rensa)))
    return rows


def write_section(path: Path, md: str) -> None:
    """Replace the text between the speed markers (append them if absent), keep the rest."""
    block = f"{START}\n{md.rstrip()}\n{END}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""  # re-read right before writing
    i, j = text.find(START), text.find(END)
    if i != -1 and j > i:
        new = text[:i] + block + text[j + len(END):]
    else:
        new = text + ("\n" if text and not text.endswith("\n") else "") + ("\n" if text else "") + block + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new)
    os.replace(tmp, path)
