"""One timed ``dedup cluster`` run, for ``benchmarks.speed`` (run as a subprocess).

    python -m benchmarks.speed_worker STATS.json -- cluster CORPUS -f json -o OUT -q

Runs the real CLI entry point (``dedup.cli.main``) in this process. Two light shims record
where the time goes, without changing what runs:

- the pipeline's stage functions (``dedup.pipeline.ingest_corpus``, ``prepare_corpus``, ...)
  are wrapped with timers, since ``pipeline.cluster`` looks them up as module globals;
- the progress callback the CLI hands to the library is chained to a recorder of the first
  and last event of each stage name (the fallback when the stage functions are renamed).

Writes STATS.json: wall seconds, per-stage seconds, progress events, peak RSS of this
process (``ru_maxrss``), CPU seconds of this process and of its worker processes, the
CLI's exit code. With ``DEDUP_SPEED_STAGE`` set to a path, the
stage running now ("stage function: last progress name") is written there at each change,
for the memory poller in ``benchmarks.speed`` to attribute its readings.
"""
from __future__ import annotations

import json
import os
import resource
from contextlib import contextmanager
import sys
import time

_T0 = time.perf_counter()

STAGES = ("ingest_corpus", "prepare_corpus", "find_candidates", "align_pairs", "realign_sources", "story_ties",
          "nearest", "link_clusters")


class _Stage:
    """Where the run is now, written to ``DEDUP_SPEED_STAGE`` when it changes (a few dozen
    writes a run)."""

    def __init__(self, path):
        self.path, self.function, self.label = path, "startup", None

    def mark(self, function=None, progress=None) -> None:
        if function is not None:
            self.function = function
        label = self.function + (f": {progress}" if progress else "")
        if self.path and label != self.label:
            self.label = label
            with open(self.path, "w", encoding="utf-8") as fh:
                fh.write(label)


_STAGE = _Stage(os.environ.get("DEDUP_SPEED_STAGE"))


def _timed(name, fn, sink):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        _STAGE.mark(name)
        try:
            return fn(*args, **kwargs)
        finally:
            sink[name] = sink.get(name, 0.0) + time.perf_counter() - t
            _STAGE.mark(f"after {name}")
    wrapper.__wrapped__ = fn
    return wrapper


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write(__doc__)
        return 2
    stats_path, cli_args = argv[0], argv[2:]
    stages: dict[str, float] = {}
    events: dict[str, list[float]] = {}
    marks: dict[str, float] = {}

    import dedup.cli as cli
    import dedup.pipeline as pipeline

    t_import = time.perf_counter()
    for name in STAGES:
        fn = getattr(pipeline, name, None)
        if callable(fn):
            setattr(pipeline, name, _timed(name, fn, stages))
    dumped = getattr(getattr(pipeline, "Outcome", None), "dumped", None)
    if callable(dumped):  # the output stage's parts (clusters, templates, documents) named apart
        def dumped_marked(self, kind, *args, **kwargs):
            _STAGE.mark(f"output: {kind}")
            yield from dumped(self, kind, *args, **kwargs)
        pipeline.Outcome.dumped = dumped_marked

    original = cli.run_pipeline

    @contextmanager
    def run_pipeline(*args, **kwargs):  # pass through whatever the CLI passes (e.g. jobs=)
        args = list(args)
        progress = args[2] if len(args) > 2 else kwargs.get("progress")

        def recorder(stage, done, total):
            now = time.perf_counter()
            ev = events.get(stage)
            if ev is None:
                events[stage] = [now, now, done, total]
            else:
                ev[1], ev[2], ev[3] = now, done, total
            _STAGE.mark(progress=stage)
            if progress is not None:
                progress(stage, done, total)

        marks["cluster_start"] = time.perf_counter()
        if len(args) > 2:
            args[2] = recorder
        else:
            kwargs["progress"] = recorder
        with original(*args, **kwargs) as outcome:
            marks["cluster_end"] = time.perf_counter()  # the rest is rendering the output
            _STAGE.mark("output")  # until the first part is dumped (Outcome.dumped below)
            yield outcome

    cli.run_pipeline = run_pipeline
    code = 0
    try:
        cli.main(cli_args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    t_end = time.perf_counter()
    rel = {k: v - _T0 for k, v in marks.items()}
    stats = {
        "exit_code": code,
        "wall_s": t_end - _T0,
        "import_s": t_import - _T0,
        "cluster_s": (marks["cluster_end"] - marks["cluster_start"]) if len(marks) == 2 else None,
        "output_s": (t_end - marks["cluster_end"]) if "cluster_end" in marks else None,
        "stages": stages,
        "events": {k: {"first": v[0] - _T0, "last": v[1] - _T0, "done": v[2], "total": v[3]}
                   for k, v in events.items()},
        "marks": rel,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        # CPU seconds (user + system): this process, and its worker processes once ended
        # and waited for (the local engine's pools are): steadier than wall time on a
        # shared machine, and the main process's share is the part no worker can take
        "cpu_main_s": _cpu(resource.RUSAGE_SELF),
        "cpu_workers_s": _cpu(resource.RUSAGE_CHILDREN),
    }
    with open(stats_path, "w", encoding="utf-8") as fh:
        json.dump(stats, fh)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
