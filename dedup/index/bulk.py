"""Bulk loads (:meth:`dedup.Index.add_many`): batches tokenized on kept worker processes
while this one writes the batch before.

Per batch: the workers find each document's lines; this process judges furniture from
the stored line statistics plus the batch's own; the workers tokenize, segment and
compute band keys; this process writes everything in one transaction (band keys as a
sorted run, see :mod:`.sqlite_runs`). The next batch's lines are found while this one is
written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING, Optional, Union

from ..config import Config
from ..models import Document
from ..parallel import Workers, default_jobs
from . import analysis as an
from .checks import validate
from .errors import DuplicateIdError
from .results import BulkResult

if TYPE_CHECKING:
    from .index import Index, Progress

PART = 64  # documents per task of the workers


def _work(cfg: Config, task: tuple):
    """A worker's share of a batch: ``("lines", texts)`` -> their :class:`an.Lines`;
    ``("analyse", [(doc, lines, drop)])`` -> what is stored of each: facts, content
    paragraphs, token count, vocabulary, band keys."""
    kind, part = task
    if kind == "lines":
        return [an.Lines.of(text) for text in part]
    done = [an.analyse(d, lines, drop, cfg) for d, lines, drop in part]
    keys = an.doc_band_keys([p for p, _, _ in done], cfg)
    return [(facts, paras, p.ntokens, p.vocab, k) for (p, facts, paras), k in zip(done, keys)]


def _parts(xs: list, size: int = PART) -> list[list]:
    return [xs[i : i + size] for i in range(0, len(xs), size)]


def add_many(index: "Index", docs: Iterable[Union[Document, dict]], batch_size: int,
             skip_duplicates: bool, progress: Optional["Progress"]) -> BulkResult:
    """See :meth:`dedup.Index.add_many`.

    Pipelined: batch k+1 is planned (furniture judged from the stored statistics plus
    batch k's, which is about to be written, and its tokenizing sent to the workers)
    before batch k is written, so the workers tokenize while this process writes.
    """
    store = index._store
    total = len(docs) if hasattr(docs, "__len__") else 0
    it = iter(docs)
    added, skipped = 0, []
    mark = getattr(store, "bulk_mark", lambda: None)()
    jobs = default_jobs() if index._jobs is None else max(1, index._jobs)
    flight = None  # the planned batch whose tokenizing is under way: (docs, lines, job, counts)

    with Workers(_work, index.config, jobs) as workers:
        while True:
            batch = list(islice(it, max(1, batch_size)))
            try:
                planned = None
                valid = _validated(batch, skipped, skip_duplicates)
                if valid:
                    lines_job = workers.submit([("lines", [d.text for d in part]) for part in _parts(valid)])
                    valid, all_lines = _new(store, valid, [x for part in lines_job.get() for x in part],
                                            flight, skipped, skip_duplicates)
                    planned = _plan(index, valid, all_lines, workers, flight)
            except Exception:
                if flight:  # a bad or duplicate document: the batches before it are written first
                    added += _write(index, flight, skipped, skip_duplicates)
                raise
            if flight:
                added += _write(index, flight, skipped, skip_duplicates)
                if progress:
                    progress("index", added + len(skipped), max(total, added + len(skipped)) if total else 0)
            flight = planned
            if not batch:
                break
    if mark is not None and added:
        store.bulk_done(mark)
    return BulkResult(added=added, skipped=skipped)


def _new(store, valid: list[Document], all_lines: list, flight, skipped: list, skip_duplicates: bool):
    """The batch without documents already stored or in the batch being written."""
    ids = [d.id for d in valid]
    taken = store.existing_ids(ids) | (set(ids) & flight[3]["ids"] if flight else set())
    if taken and not skip_duplicates:
        raise DuplicateIdError(f"document {min(d.id for d in valid if d.id in taken)!r} is already in the index")
    keep = [k for k, d in enumerate(valid) if d.id not in taken]
    skipped.extend(d.id for d in valid if d.id in taken)
    return [valid[k] for k in keep], [all_lines[k] for k in keep]


def _validated(batch: list, skipped: list, skip_duplicates: bool) -> list[Document]:
    valid, seen = [], set()
    for x in batch:
        d = validate(x)
        if d.id in seen:
            if not skip_duplicates:
                raise DuplicateIdError(f"document {d.id!r} occurs twice in the input")
            skipped.append(d.id)
            continue
        seen.add(d.id)
        valid.append(d)
    return valid


def _plan(index: "Index", docs: list[Document], all_lines: list, workers: Workers, flight):
    """Judge a batch's furniture here (the stored line statistics, plus those of the batch
    in ``flight``, not yet written, plus the batch's own) and send its tokenizing to the
    workers."""
    store = index._store
    counts = {"lines": Counter(), "keys": Counter(), "sources": Counter(), "ids": {d.id for d in docs}}
    for d, lines in zip(docs, all_lines):
        src = d.source or ""
        keys = lines.unique_keys().tolist()
        counts["lines"].update((k, src) for k in keys)
        counts["keys"].update(keys)
        counts["sources"][src] += 1
    pending = (counts["lines"], counts["keys"], counts["sources"])
    # The batch's stored line and source counts in one read, not one per document.
    srcs = sorted(counts["sources"])
    with store.read():
        per_source, anywhere = store.line_stats(sorted(counts["keys"]), srcs)
        sources = {s: store.source_count(s) for s in srcs}
    if flight:  # written just before this batch: counted as stored
        before = flight[3]
        for (k, s), n in before["lines"].items():
            if s in sources:
                per_source[(k, s)] = per_source.get((k, s), 0) + n
        for k, n in before["keys"].items():
            if k in counts["keys"]:
                anywhere[k] = anywhere.get(k, 0) + n
        for s in sources:
            sources[s] += before["sources"].get(s, 0)
    drops = [index._furniture(lines, d.source, pending, (per_source, anywhere, sources))
             for d, lines in zip(docs, all_lines)]
    job = workers.submit([("analyse", part) for part in _parts(list(zip(docs, all_lines, drops)))])
    return docs, all_lines, job, counts


def _write(index: "Index", flight, skipped: list, skip_duplicates: bool) -> int:
    """Write a planned batch in one transaction; the documents written."""
    docs, all_lines, job, _ = flight
    if not docs:
        return 0
    analysed = [x for part in job.get() for x in part]
    store = index._store
    with store.write():
        # Another writer may have stored some of these ids since the batch was planned.
        taken = store.existing_ids([d.id for d in docs])
        if taken and not skip_duplicates:
            raise DuplicateIdError(f"document {min(taken)!r} is already in the index")
        skipped.extend(d.id for d in docs if d.id in taken)
        items = [
            {"doc": d, "lines": lines, "facts": facts, "paras": paras, "ntokens": n, "vocab": vocab, "keys": keys}
            for d, lines, (facts, paras, n, vocab, keys) in zip(docs, all_lines, analysed) if d.id not in taken
        ]
        index._insert(store, items)
        store.bump_generation()
    return len(items)
