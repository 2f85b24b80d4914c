"""Bring an index made by an older dedup up to the features of this one.

An index created before the rare-bigram seeds (:mod:`dedup.index.seeds`) has no bigram
rows for its documents, so it proposes no short rewrites and counts no phrases: it goes
on as it was until :func:`add_seeds` gives every stored document its rows, in the order
the documents were added, as an index created with the seeds would hold them (a bigram's
first ``FULL`` carriers; a removed document's rows are not brought back, so a bigram
that filled up only with documents removed since may seed again).

Work is committed a batch at a time, with the last rowid done, so an upgrade that is
stopped (killed, a full disk) loses at most a batch and goes on from there when run
again; the index is switched to the seeds only in the transaction that finishes.
Documents added meanwhile by other processes are taken in before that.

A document stored before the index kept each document's analysis (schema 7 of the SQLite
file; a field of the document's hash in Redis) is prepared from its text whenever a
query meets it; :func:`add_analyses` keeps the analysis of each such document, a batch
at a time (a batch already done has nothing left to do when run again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from . import analysis as an
from . import seeds
from .errors import IndexFileError, IndexWriteError, reason_of
from .results import Progress

if TYPE_CHECKING:
    from .index import Index

DONE_UPTO = "bigram_seeds_upto"  # meta: the last rowid given its rows by an unfinished upgrade


def add_seeds(index: "Index", progress: Optional[Progress] = None, batch_size: int = 1000) -> int:
    """Give every stored document its rare-bigram rows and switch the index to the seeds;
    the number of documents given rows (0: nothing to do). ``progress(stage, done,
    total)`` after each batch."""
    store = index._store
    if index._seeds or not index.config.rare_bigrams:
        return 0
    with store.read():
        upto = int(store.meta().get(DONE_UPTO, 0))
        todo = [r for r in store.rowids() if r > upto]
    total, done = len(todo), 0
    try:
        done = _batches(index, todo, upto, total, progress, batch_size)
    except IndexFileError as exc:
        if not getattr(exc, "committed_before", 0):
            raise
        raise _stopped(store, exc, exc.committed_before, f"{exc.committed_before} of {total}", "their rows") from None
    index._seeds = True
    return done


def _stopped(store, exc: IndexFileError, done: int, count: str, given: str) -> IndexWriteError:
    """The error of an upgrade whose write failed after ``done`` documents were given
    ``given`` (``count``: how that number reads), keeping the failure's exit code."""
    out = IndexWriteError(f"{store.path}: the upgrade stopped after {count} documents were given {given} (kept; "
                          f"running it again goes on from there): {reason_of(exc, store.path)}", done)
    out.exit_code = exc.exit_code
    return out


def _batches(index: "Index", todo: list[int], upto: int, total: int, progress, batch_size: int) -> int:
    """The upgrade's transactions, a batch each; the documents given rows. An error says
    (``committed_before``, as a bulk load's does) how many were committed before it."""
    store, done = index._store, 0
    while True:
        try:
            with store.write():
                meta = store.meta()
                if meta.get("bigram_seeds"):  # another process finished it meanwhile
                    return done
                upto = max(upto, int(meta.get(DONE_UPTO, 0)))
                todo = [r for r in todo if r > upto] or [r for r in store.rowids() if r > upto]  # and late arrivals
                if not todo:
                    store.set_meta("bigram_seeds", True)
                    return done
                part, todo = todo[:batch_size], todo[batch_size:]
                rows = store.docs_by_rowid(part)  # the documents that still exist
                keys = [seeds.bigram_keys(p) for p in index._stored_prepared_many(rows)]
                for row, mine in zip(rows, seeds.to_store(keys, seeds.stored_carriers(store, keys))):
                    store.add_bands(row[0], mine)
                upto = part[-1]
                store.set_meta(DONE_UPTO, upto)
        except IndexFileError as exc:
            exc.committed_before = done
            raise
        done += len(rows)
        if progress:
            progress("upgrade", done, max(total, done))


def add_analyses(index: "Index", progress: Optional[Progress] = None, batch_size: int = 1000) -> int:
    """Keep the analysis of every stored document that has none (stored by an older
    dedup): the number of documents given one. ``progress(stage, done, total)`` after
    each batch. A write that fails after some batches raises :class:`IndexWriteError`
    saying how many documents were done (they are kept)."""
    store = index._store
    with store.read():
        todo = store.rowids()
    done = 0
    for at in range(0, len(todo), batch_size):
        with store.read():  # (an index with nothing to do is never written: read-only is fine)
            part = [r[0] for r in store.docs_by_rowid(todo[at : at + batch_size]) if r[an.PREPARED] is None]
        if part:
            try:
                with store.write():  # read again: another process may have removed or upgraded some meanwhile
                    rows = [r for r in store.docs_by_rowid(part) if r[an.PREPARED] is None]
                    for r, blob in zip(rows, an.pack_many(an.from_rows(rows, index.config, True))):
                        store.set_analysis(r[0], blob)
            except IndexFileError as exc:
                if not done:
                    raise
                raise _stopped(store, exc, done, str(done), "their analysis") from None
            done += len(rows)
        if progress:
            progress("upgrade", min(at + batch_size, len(todo)), len(todo))
    return done
