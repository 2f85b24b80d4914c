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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from . import analysis as an
from . import seeds
from .results import Progress

if TYPE_CHECKING:
    from .index import Index

BATCH = 1000  # documents per transaction
DONE_UPTO = "bigram_seeds_upto"  # meta: the last rowid given its rows by an unfinished upgrade


def add_seeds(index: "Index", progress: Optional[Progress] = None, batch_size: int = BATCH) -> int:
    """Give every stored document its rare-bigram rows and switch the index to the seeds;
    the number of documents given rows (0: nothing to do). ``progress(stage, done,
    total)`` after each batch."""
    store, cfg = index._store, index.config
    if index._seeds or not cfg.rare_bigrams:
        return 0
    with store.read():
        upto = int(store.meta().get(DONE_UPTO, 0))
        todo = [r for r in store.rowids() if r > upto]
    total, done = len(todo), 0
    while True:
        with store.write():
            meta = store.meta()
            if meta.get("bigram_seeds"):  # another process finished it meanwhile
                break
            upto = max(upto, int(meta.get(DONE_UPTO, 0)))
            todo = [r for r in todo if r > upto] or [r for r in store.rowids() if r > upto]  # and late arrivals
            if not todo:
                store.set_meta("bigram_seeds", True)
                break
            part, todo = todo[:batch_size], todo[batch_size:]
            rows = store.docs_by_rowid(part)  # the documents that still exist
            made = an.from_paragraphs_many([r[2] for r in rows],
                                           [np.frombuffer(r[10], dtype="<i8").reshape(-1, 2).tolist() for r in rows],
                                           cfg, False)
            keys = [seeds.bigram_keys(p) for p in made]
            every = np.unique(np.concatenate([np.zeros(0, np.int64), *keys]))
            stored = seeds.carriers(store.band_rows(every)) if len(every) else {}
            for row, mine in zip(rows, seeds.to_store(keys, stored)):
                store.add_bands(row[0], mine)
            upto = part[-1]
            store.set_meta(DONE_UPTO, upto)
        done += len(rows)
        if progress:
            progress("upgrade", done, max(total, done))
    index._seeds = True
    return done
