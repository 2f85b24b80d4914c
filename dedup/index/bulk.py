"""Bulk loads (:meth:`dedup.Index.add_many`): batches tokenized on kept worker processes
while this one writes the batch before.

Per batch: the workers find each document's lines and n-gram anchors; this process
judges line furniture from the stored line statistics plus the batch's own, and reads
the anchors' stored counts (plus the batch's own); the workers tokenize, cut furniture
inside paragraphs, segment and compute band keys; this process writes everything in one transaction (band keys as a
sorted run, see :mod:`.sqlite.runs`). The next batch's lines are found while this one is
written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, Optional, Protocol, Union

import numpy as np

from ..config import Config
from ..models import Document
from ..engines.processes import Workers, usable_jobs
from . import analysis as an
from . import seeds
from .checks import validate
from .errors import DuplicateIdError, IndexFileError, IndexWriteError, reason_of
from .results import BulkResult, Progress


class Index(Protocol):
    """What a bulk load uses of :class:`dedup.Index` (declared here, so this module and
    ``index.py`` do not import each other)."""

    config: Config
    _store: Any
    _jobs: Optional[int]
    _seeds: bool
    _furniture: Callable[..., Any]
    _seeds_now: Callable[[], None]
    _insert: Callable[[Any, list[dict]], list[int]]


PART = 64  # documents per task of the workers


def _work(cfg: Config, task: tuple):
    """A worker's share of a batch: ``("lines", mod, texts)`` -> their :class:`an.Lines`,
    n-gram anchors and content hash (one tokenizing pass); ``("analyse", mod, [(doc, lines, drop, grams, counts)],
    with_seeds)`` -> what is stored of each (furniture inside paragraphs cut): facts, content
    paragraphs, token count, vocabulary, band keys, bigram keys (none unless ``with_seeds``), its analysis
    to store (:func:`dedup.index.analysis.pack_many`)."""
    kind, mod, part, *flags = task
    if kind == "lines":
        return [(an.Lines.of(text), *_grams_and_hash(an.word_hashes(text), mod)) for text in part]
    done = []
    for d, lines, drop, grams, counts in part:
        p, facts, paras = an.analyse(d, lines, drop, cfg)
        p, paras = an.cut_inline(d.text, p, paras, an.inline_furniture(p, grams, counts, mod, cfg)[0], cfg)
        done.append((p, facts, paras))
    keys = an.doc_band_keys([p for p, _, _ in done], cfg)
    none = np.zeros(0, np.int64)
    packed = an.pack_many([p for p, _, _ in done])
    return [(facts, paras, p.ntokens, p.vocab, k, seeds.bigram_keys(p) if flags[0] else none, blob)
            for (p, facts, paras), k, blob in zip(done, keys, packed)]


def _grams_and_hash(hashes, mod: int) -> tuple:
    return an.grams_of(hashes, mod), an.hash_of(hashes)


def _parts(xs: list, size: int = PART) -> list[list]:
    return [xs[i : i + size] for i in range(0, len(xs), size)]


def add_many(index: "Index", docs: Iterable[Union[Document, dict]], batch_size: int,
             skip_duplicates: bool, progress: Optional["Progress"]) -> BulkResult:
    """See :meth:`dedup.Index.add_many`."""
    store = index._store
    total = len(docs) if hasattr(docs, "__len__") else 0
    it = iter(docs)
    added, skipped, repeated, notes = 0, [], [], []
    seen = [0]  # documents read so far
    mark = getattr(store, "bulk_mark", lambda: None)()
    jobs = usable_jobs(index._jobs)

    def read():
        """The next batch, validated, with its lines on the workers (or the error to
        raise once the batch before it is written)."""
        try:
            # the caller's iterable may fail too (a feed that breaks): the batch before
            # this one is being written and must be committed before the error is raised
            batch = list(islice(it, max(1, batch_size)))
            if not batch:
                return None
            seen[0] += len(batch)
            valid = _validated(batch, repeated, skip_duplicates, notes)
        except Exception as exc:
            return exc
        return valid, workers.submit([("lines", index._mod, [d.text for d in part]) for part in _parts(valid)])

    try:
        with Workers(_work, index.config, jobs) as workers:
            added = _load(index, read, workers, skip_duplicates, skipped, repeated, total, progress)
    except IndexFileError as exc:
        committed = getattr(exc, "committed_before", 0)
        if not committed:
            raise
        raise _stopped(exc, store.path, committed, total or seen[0], bool(total)) from None
    if mark is not None and added:
        try:
            store.bulk_done(mark)
        except IndexFileError as exc:  # every document is stored: say so, not "undone"
            raise IndexWriteError(f"{store.path}: all {added} documents were committed, but merging their band "
                                  f"keys into one table failed (every answer stays right; lookups read one "
                                  f"more table per batch): {reason_of(exc, store.path)}", added) from None
    return BulkResult(added=added, skipped=skipped + repeated, repeated=repeated, notes=notes)


def _stopped(exc: IndexFileError, path: str, added: int, of: int, known: bool) -> IndexWriteError:
    """The error of a load that committed ``added`` documents before ``exc``: it says so."""
    reason = reason_of(exc, path)
    whole = f"{added} of {of} documents were committed" if known else \
        f"{added} documents were committed (of {of} read so far)"
    out = IndexWriteError(f"{path}: stopped after {whole}; the rest were not added (the same load again adds "
                          f"them, skipping those stored): {reason}", added)
    out.exit_code = exc.exit_code
    return out


def _load(index, read, workers, skip_duplicates, skipped, repeated, total, progress) -> int:
    """The batches, each written in one transaction; the documents added."""
    store, added = index._store, 0
    try:
        ahead = read()
        while ahead is not None:
            if isinstance(ahead, Exception):
                raise ahead
            valid, lines_job = ahead
            all_lines = [x for part in lines_job.get() for x in part]  # (lines, n-gram anchors, content hash)
            with store.write():
                index._seeds_now()
                existing = store.existing_ids([d.id for d in valid])
                if existing and not skip_duplicates:
                    raise DuplicateIdError(f"document {sorted(existing)[0]!r} is already in the index")
                skipped.extend(d.id for d in valid if d.id in existing)
                keep = [k for k, d in enumerate(valid) if d.id not in existing]
                job = _plan(index, [valid[k] for k in keep], [all_lines[k] for k in keep], workers)
                ahead = read()  # the next batch's lines are found while this one is written
                _write(index, *job)
            added += len(keep)
            if progress:
                done = added + len(skipped) + len(repeated)
                progress("index", done, max(total, done) if total else 0)
    except IndexFileError as exc:
        exc.committed_before = added
        raise
    return added


def _validated(batch: list, repeated: list, skip_duplicates: bool, notes: list) -> list[Document]:
    valid, seen = [], set()
    for x in batch:
        mine: list[str] = []
        d = validate(x, mine)
        notes.extend(f"{d.id}: {note}" for note in mine)
        if d.id in seen:
            if not skip_duplicates:
                raise DuplicateIdError(f"document {d.id!r} occurs twice in the input")
            repeated.append(d.id)
            continue
        seen.add(d.id)
        valid.append(d)
    return valid


def _plan(index: "Index", docs: list[Document], all_lines: list, workers: Workers):
    """Judge a batch's furniture here and send its tokenizing to the workers."""
    store = index._store
    pending_grams: Counter = Counter()
    for _, grams, _ in all_lines:
        pending_grams.update(grams.tolist())
    pending = an.line_counts((lines, d.source) for d, (lines, _, _) in zip(docs, all_lines))
    pending_keys, pending_sources = pending[1], pending[2]
    # The batch's stored line and source counts in one read, not one per document.
    srcs = sorted(pending_sources)
    known = (*store.line_stats(sorted(pending_keys), srcs), {s: store.source_count(s) for s in srcs})
    drops = [index._furniture(lines, d.source, pending, known) for d, (lines, _, _) in zip(docs, all_lines)]
    # n-gram counts: stored plus the batch's own (which include the document), read at once
    batch_grams = np.fromiter(pending_grams, np.uint64, len(pending_grams))
    stored = dict(zip(batch_grams.tolist(), store.gram_counts(an.signed(batch_grams)).tolist()))
    tasks = [(d, lines, drop, grams, np.fromiter((stored[g] + pending_grams[g] for g in grams.tolist()), np.int64,
                                                 len(grams)))
             for d, (lines, grams, _), drop in zip(docs, all_lines, drops)]
    # the index's own seeds flag: one created without seeds stores no bigram keys
    job = workers.submit([("analyse", index._mod, part, index._seeds) for part in _parts(tasks)])
    return docs, all_lines, job


def _write(index: "Index", docs: list[Document], all_lines: list, job) -> None:
    if not docs:
        return
    analysed = [x for part in job.get() for x in part]
    items = [
        {"doc": d, "lines": lines, "facts": facts, "paras": paras, "ntokens": n, "vocab": vocab, "keys": keys, "hash": h,
         "grams": grams, "bigrams": pairs, "packed": packed}
        for d, (lines, grams, h), (facts, paras, n, vocab, keys, pairs, packed) in zip(docs, all_lines, analysed)
    ]
    index._insert(index._store, items)
    index._store.bump_generation()
