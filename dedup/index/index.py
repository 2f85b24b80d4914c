"""A persistent index: documents arrive one at a time, for days, across restarts.

Each ``add`` is answered at once (what the document copies, how much, which passages,
the story it joins) from statistics the index keeps, and stored in one transaction.
``clusters()`` reruns the batch pipeline over every stored document, so it equals
``dedup cluster`` on the same documents whatever the order they were added in; its
result is cached in the file until the next change.
"""

from __future__ import annotations

import json
import os
from collections import Counter, OrderedDict
from collections.abc import Iterable
from typing import Any, Optional, Union

import numpy as np

from ..config import Config, given_progress
from ..models import Document, Report
from . import analysis as an
from . import bulk
from . import seeds
from .answer import answer
from .checks import bigram_carriers, check, mend_id, open_arguments, open_only, restory, validate, version
from .clustering import stored_clusters
from .errors import DuplicateIdError, IndexFileError, UnknownIdError
from .results import AddResult, BulkResult, Progress
from .sqlite.store import SqliteStore
from .upgrade import DONE_UPTO, add_analyses, add_seeds

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
CACHE_DOCS = 4096  # prepared stored documents kept in memory (their content never changes)
FORMAT = "dedup-index"


def _keep(cache: OrderedDict, rowid: int, value) -> None:
    """``value`` kept for ``rowid`` in a cache of the ``CACHE_DOCS`` last used (a stored
    document never changes)."""
    cache[rowid] = value
    cache.move_to_end(rowid)
    while len(cache) > CACHE_DOCS:
        cache.popitem(last=False)


@open_only
class Index:
    """A dedup index in one SQLite file or on a Redis server; open with :meth:`Index.open`.
    Not thread-safe: use one ``Index`` per thread or process (several may share the index).
    After :meth:`close`, every method raises :class:`IndexFileError` ("the index is closed")."""

    def __init__(self, store: SqliteStore, config: Config, jobs: Optional[int]):
        self._store = store
        self.closed, self._pid = False, os.getpid()  # closed, or forked: every method refuses (checks.open_only)
        self.config = config
        self.path = store.path
        self._jobs = jobs
        self._prepared: OrderedDict[int, Any] = OrderedDict()
        self._grams: OrderedDict[int, np.ndarray] = OrderedDict()  # stored texts' n-gram anchors
        self._report: Optional[tuple[int, str]] = None  # (generation, report) when the file cannot keep it
        # anchor spacing of the n-gram counts, fixed at creation (an index too old to have
        # it, opened read-only, has no counts: nothing is judged furniture inside paragraphs)
        meta = store.meta()
        self._mod = int(meta.get("gram_modulus", an.GRAM_MODULUS))
        # rare-bigram seeds and phrase counts (dedup.index.seeds) need every stored
        # document's bigram rows: an index created before them goes on without
        self._seeds = bool(meta.get("bigram_seeds")) and config.rare_bigrams

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def open(cls, path: Union[str, bytes, os.PathLike], config: Optional[Config] = None, *, create: bool = True,
             timeout: float = 5.0, durable: bool = False, jobs: Optional[int] = None,
             readonly: bool = False) -> "Index":
        """Open the index at ``path``, creating it (with ``config``, default settings if None)
        when missing and ``create``. An existing index keeps its settings: ``config`` None
        means "whatever it was built with"; a different one is refused.

        ``timeout``: seconds a writer waits for another's lock. ``durable``: fsync every
        commit so it survives power loss too (off, the default: a killed or crashed process
        loses nothing committed, power loss may undo the last commits, never damages the file;
        about 10 ms more per add on an ordinary disk).
        ``jobs``: worker processes for :meth:`clusters` (default all cores).
        ``readonly``: only read (works on a read-only file or in a read-only directory;
        :meth:`clusters` then keeps its result in memory; writes raise
        :class:`IndexReadOnlyError`). An older schema cannot be upgraded read-only.
        ``path`` may be a ``redis://`` URL (see :mod:`dedup.index.redis.store`; ``durable``
        is then the server's own persistence setting).
        """
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"path must be a file name, a redis:// URL or os.PathLike, not {type(path).__name__}")
        path, jobs = os.fsdecode(path), open_arguments(config, timeout, jobs)  # (bytes too, as the readers take)
        if path.startswith(REDIS_SCHEMES):
            from .redis.store import RedisStore  # imports redis only when asked for

            store = RedisStore(path, timeout=timeout, create=create and not readonly, readonly=readonly)
        else:  # refuses a special file, or a missing or empty one not to be created, before SQLite opens it
            store = SqliteStore(path, timeout=timeout, durable=durable, create=create, readonly=readonly)
        try:
            if store.is_empty_file():
                if not create or readonly:
                    raise IndexFileError(f"{path}: not a dedup index (empty database)")
                cfg = config or Config()
                store.create({"format": FORMAT, "config": cfg.as_dict(), "created_by": version(),
                              "gram_modulus": an.GRAM_MODULUS, "bigram_seeds": True})
            cfg = check(store, config)
        except BaseException:
            store.close()
            raise
        return cls(store, cfg, jobs)

    def close(self) -> None:
        """Close the file or connection; closing again does nothing."""
        if not self.closed:
            self.closed = True
            self._store.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._store.count()

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(key := mend_id(doc_id), str) and self._store.doc_by_id(key) is not None  # 5: "5"

    def get(self, doc_id: str) -> Optional[Document]:
        """The stored document, or None (``doc_id`` read as the readers read ids: see
        :func:`~dedup.index.checks.mend_id`)."""
        row = self._store.doc_by_id(mend_id(doc_id))
        if row is None:
            return None
        return Document(id=row[1], text=row[2], title=row[3], date=row[4], source=row[5], url=row[6], author=row[12])

    def stats(self) -> dict:
        """Sizes and settings: documents, table rows, bytes on disk, schema, config."""
        with self._store.read():
            counts = self._store.table_counts()
            fresh = self._store.cached_report(self._store.generation()) is not None
            size = self.disk_bytes()
            free = getattr(self._store, "free_bytes", lambda: 0)()
        return {"path": self.path, "documents": counts.pop("docs"), "rows": counts, "bytes": size, "free_bytes": free,
                "schema": self._store.SCHEMA, "clusters_cached": fresh, "bigram_seeds": self._seeds,
                "config": self.config.as_dict()}

    def upgrade(self, progress: Optional[Progress] = None, *, batch_size: int = 1000) -> int:
        """Give an index created by an older dedup what this one stores for each document:
        the rare-bigram rows that find short rewrites, and its analysis (tokens, segments,
        facts), read back instead of prepared again when a query meets it
        (:mod:`dedup.index.upgrade`); one transaction per ``batch_size`` documents.
        Returns the documents given either (0: already up to date). Safe to stop and run
        again; other processes may read and write meanwhile. Raises
        :class:`IndexWriteError` (saying how many documents were done) when a write fails
        part way."""
        seeded = add_seeds(self, progress, batch_size)
        return max(seeded, add_analyses(self, progress, batch_size))

    def verify(self) -> None:
        """Raise :class:`IndexDamagedError` if the file is damaged (SQLite's ``quick_check``:
        reads the whole file, about a second per 150 MB), so that nothing is written to
        it. A write that meets a damaged page fails and is undone by itself; this finds
        damage where the write would not look. Nothing to do on Redis."""
        check_file = getattr(self._store, "quick_check", None)
        if check_file:
            check_file()

    # -- the answer for one document ----------------------------------------------------------

    def add(self, doc: Union[Document, dict]) -> AddResult:
        """Store ``doc`` and say which stored documents it shares text with.

        The answer uses the corpus statistics known at this moment (word frequencies,
        recurring furniture lines and passages); :meth:`clusters` is authoritative. ``cluster`` is a
        story id (``s`` + a number) that stays the same as documents join; stories are
        rebuilt from the batch clustering whenever :meth:`clusters` runs.
        Raises :class:`InputError` for a bad document, :class:`DuplicateIdError` for an id
        already stored; the index is then unchanged.
        """
        notes: list[str] = []
        d = validate(doc, notes)
        store = self._store
        with store.write():
            if store.doc_by_id(d.id) is not None:
                raise DuplicateIdError(f"document {d.id!r} is already in the index")
            self._seeds_now()
            result, new = self._answer(d, stored=True)
            new["packed"] = an.pack_many([new.pop("prepared")])[0]  # (a query's answer never stores it)
            rowid = self._insert(store, [new])[0]
            store.add_links((m_rowid, rowid, m.kind) for m_rowid, m in new["matches"])
            stories = {s for s in new["stories"]} | {rowid}
            store.merge_stories(stories, min(stories))
            store.bump_generation()
        return result.model_copy(update={"notes": notes}) if notes else result

    def query(self, doc: Union[Document, dict]) -> AddResult:
        """What :meth:`add` would answer, without storing ``doc``. A stored document with
        the same id is left out of the matches; ``in_index`` and ``stored_cluster`` say
        it is there and in which story."""
        notes: list[str] = []
        d = validate(doc, notes)
        with self._store.read():
            result, _ = self._answer(d, stored=False)
        return result.model_copy(update={"notes": notes}) if notes else result

    def _answer(self, d: Document, stored: bool):
        return answer(self, d, stored)

    def _seeds_now(self) -> int:
        """In a write: an index another process upgraded (:meth:`upgrade`) since this one
        opened it keeps bigram rows from now on (read only while this one keeps none).
        Returns the last rowid an unfinished upgrade has given rows (0: none)."""
        if self._seeds or not self.config.rare_bigrams:
            return 0
        meta = self._store.meta()
        self._seeds = bool(meta.get("bigram_seeds"))
        return int(meta.get(DONE_UPTO, 0))

    def _furniture(self, lines: an.Lines, source: Optional[str], pending=None, known=None):
        """Lines judged furniture given the stored line statistics, plus ``pending`` ones
        (``(per (key, source), per key, per source)`` counts of the same bulk batch, which
        include the document); otherwise the document itself counts once. ``known``: the
        stored ``(per (key, source), per key, per source)`` counts of a whole batch's lines
        and sources, read at once."""
        src = source or ""
        if known is None:
            stored, anywhere = self._store.line_stats(lines.unique_keys().tolist(), [src])
            source_count = self._store.source_count(src)
        else:
            stored, anywhere, sources = known
            source_count = sources.get(src, 0)
        per_line, per_key, per_source = pending or ({}, {}, {})
        own = 0 if pending else 1
        line_keys = an.signed(lines.keys).tolist()
        in_source = np.array([stored.get((k, src), 0) + per_line.get((k, src), 0) + own for k in line_keys], dtype=np.int64)
        any_count = np.array([anywhere.get(k, 0) + per_key.get(k, 0) + own for k in line_keys], dtype=np.int64)
        source_docs = source_count + per_source.get(src, 0) + own
        return an.furniture(lines, source, in_source, any_count, source_docs, self.config)

    def _text_grams(self, rowid: int, text: str) -> np.ndarray:
        """A stored document's :func:`~dedup.index.analysis.text_grams` (cached, as its
        prepared form is: a widely copied story is asked about by every copy)."""
        g = self._grams.get(rowid)
        if g is None:
            g = an.text_grams(text, self._mod)
        _keep(self._grams, rowid, g)
        return g

    def _stored_prepared(self, row):
        return self._stored_prepared_many([row])[0]

    def _stored_prepared_many(self, rows: list, facts: bool = False) -> list:
        """The stored documents of ``rows`` prepared (cached; those not cached are read from
        their stored analysis, or, stored before it was kept, prepared in one batch, with
        their fact masks when ``facts``)."""
        out = [self._prepared.get(r[0]) for r in rows]
        for k, r in enumerate(rows):
            if out[k] is None and r[an.PREPARED] is not None:
                out[k] = an.unpack(r[2], r[an.PREPARED])
        todo = [k for k, p in enumerate(out) if p is None]
        for k, p in zip(todo, an.from_rows([rows[k] for k in todo], self.config, facts) if todo else []):
            out[k] = p
        for r, p in zip(rows, out):
            _keep(self._prepared, r[0], p)
        return out

    def _insert(self, store: SqliteStore, items: list[dict]) -> list[int]:
        """Write documents with their band keys, word and line statistics (in the caller's
        transaction)."""
        rowids = []
        gram_keys = (seeds.to_store([it["bigrams"] for it in items], bigram_carriers(store, items)) if self._seeds
                     else [np.zeros(0, np.int64)] * len(items))
        words: Counter = Counter()
        line_counts: Counter = Counter()
        sources: Counter = Counter()
        grams: Counter = Counter()
        for it in items:
            d, f = it["doc"], it["facts"]
            row = (d.id, d.text, d.title, d.date, d.source, d.url,
                   f.date.isoformat() if f.date else None, json.dumps(list(f.credits)), int(it["ntokens"]),
                   np.asarray(it["paras"], dtype="<i8").reshape(-1, 2).tobytes(), d.author,
                   it["packed"])
            rowid = store.insert_doc(row)
            store.add_bands(rowid, np.concatenate([it["keys"], gram_keys[len(rowids)]]))
            store.add_hash(it["hash"], rowid)
            words.update(an.signed(it["vocab"]).tolist())
            src = d.source or ""
            line_counts.update((k, src) for k in it["lines"].unique_keys().tolist())
            sources[src] += 1
            grams.update(an.signed(it["grams"]).tolist())
            rowids.append(rowid)
        store.add_words(words)
        store.add_grams(grams)
        store.add_lines(line_counts, sources)
        return rowids

    # -- bulk -----------------------------------------------------------------------------------

    def add_many(self, docs: Iterable[Union[Document, dict]], *, batch_size: int = 1000,
                 skip_duplicates: bool = False, progress: Optional[Progress] = None) -> BulkResult:
        """Store many documents, one transaction per ``batch_size``, without answering for
        each (call :meth:`clusters` for the result). Furniture is judged with each batch's
        own lines counted. A bad document, or an error of ``docs`` itself (a generator
        that raises), raises before its batch is written; earlier batches stay.
        ``skip_duplicates``: skip ids already stored instead of raising.

        Tokenizing runs on worker processes while this one writes the previous batch.
        ``progress(stage, done, total)`` after each batch; ``total`` is 0 when ``docs``
        has no length (a stream).
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(f"batch_size must be a whole number of documents, not {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, not {batch_size!r}")
        if docs is None or isinstance(docs, (str, bytes, dict, Document)) or not isinstance(docs, Iterable):
            # one document is add(), and a dict's keys were read as documents
            raise TypeError(f"docs must be an iterable of documents (one document: add()), not {type(docs).__name__}")
        return bulk.add_many(self, docs, batch_size, skip_duplicates, given_progress(progress))

    # -- removal ----------------------------------------------------------------------------------

    def remove(self, doc_id: str) -> None:
        """Delete a document, its statistics and links; its story may split. Raises
        :class:`UnknownIdError` when no document has this id (read as :meth:`get` reads it)."""
        store = self._store
        doc_id = mend_id(doc_id)
        with store.write():
            row = store.doc_by_id(doc_id)
            if row is None:
                raise UnknownIdError(f"no document {doc_id!r} in the index")
            upgraded = self._seeds_now()
            rowid, text, source, story = row[0], row[2], row[5] or "", row[11]
            p = self._stored_prepared(row)
            # (a document an unfinished upgrade has reached has its rows too)
            grams = seeds.bigram_keys(p) if self._seeds or rowid <= upgraded else np.zeros(0, np.int64)
            gone = seeds.to_delete(grams, seeds.stored_carriers(store, [grams]))
            store.delete_bands(rowid, np.concatenate([an.doc_band_keys([p], self.config)[0], gone]))
            store.add_words({w: -1 for w in an.signed(p.vocab).tolist()})
            store.add_lines({(k, source): -1 for k in an.Lines.of(text).unique_keys().tolist()}, {source: -1})
            hashes = an.word_hashes(text)
            store.add_grams({g: -1 for g in an.signed(an.grams_of(hashes, self._mod)).tolist()})
            members = [m[0] for m in store.story_members(story) if m[0] != rowid]
            store.delete_hash(an.hash_of(hashes), rowid)
            store.delete_doc(rowid)
            restory(store, members)
            store.bump_generation()
        self._prepared.pop(rowid, None)
        self._grams.pop(rowid, None)

    def vacuum(self) -> int:
        """Give the file's free pages back to the disk (a bulk load's merged runs leave
        some; later writes would reuse them anyway); the bytes freed. Rewrites the whole
        file: needs that much free disk and the write lock. A Redis index has nothing to do."""
        vacuum = getattr(self._store, "vacuum", None)
        if vacuum is None:
            return 0
        before = self.disk_bytes()
        vacuum()
        # (measured around the wait for the write lock: a writer that grew the file meanwhile
        # is no negative saving)
        return max(0, before - self.disk_bytes())

    def disk_bytes(self) -> int:
        """What the index takes: its file and WAL (Redis: the memory of its keys)."""
        on_server = getattr(self._store, "stored_bytes", None)
        if on_server:
            return on_server()
        return sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))

    # -- the authoritative clustering ------------------------------------------------------------------

    def clusters(self, progress: Optional[Progress] = None) -> Report:
        """The batch pipeline's report over every stored document (cached in the file until
        the next change). Equal to ``dedup.cluster`` on the same documents and settings."""
        return stored_clusters(self, given_progress(progress))
