"""A batch run's corpus on disk: documents, line tables and prepared token arrays as
records (see :mod:`dedup.storage.spill`), with a few numbers per document kept in memory.

Memory then grows with the number of documents and segments, not with the text: a
stage that needs a document's words loads them (an LRU cache keeps the recent ones).
"""

from __future__ import annotations

import copy
import json
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..stages.ingest import RECORD, Chooser, Sourced
from ..stages.ingest.shard import Shard, doc_record
from ..models import Document, Problem
from ..stages.segment import Prepared, unique_sorted
from .spill import Records

CACHE = 2048  # prepared documents kept loaded per process


class DocStore:
    """Documents as they arrive (one copy of each id kept), readable in id order: in the
    run's own records file, or in the shards that an engine's workers wrote
    (:mod:`dedup.stages.ingest.shard`)."""

    def __init__(self, directory: str):
        self.directory = directory
        self._records = Records(os.path.join(directory, "docs"))
        self._shards: list[Records] = []
        self._slot: dict[str, int] = {}
        self._store: np.ndarray = np.zeros(0, np.int32)  # id order -> 0 (own records) or shard + 1
        self._index: np.ndarray = np.zeros(0, np.int64)  # id order -> record in that store
        self.ids: list[str] = []
        self.sources: list[str | None] = []
        self.links: dict[int, tuple[str | None, str | None]] = {}  # id order -> (url, author), when given

    def shard_path(self, k: int) -> str:
        """Where the k-th shard of this run's inputs is written."""
        return os.path.join(self.directory, f"docs-{k}")

    def add_all(self, docs: Iterable[Document | Sourced | Shard], problems: list[Problem],
                copied: str | None = None) -> None:
        """Store every document (with its place, when known); of a repeated id the copy
        :class:`~dedup.stages.ingest.Chooser` picks is kept, whatever the order. Then sort by id.
        ``copied``: where URLs' files were copied (the chooser's order)."""
        chooser = Chooser(copied)
        where: list[tuple[int, int, str | None, tuple | None]] = []  # by slot: store, record, source, (url, author)

        def keep(doc_id: str, at: tuple) -> None:
            slot = self._slot.get(doc_id)
            if slot is None:
                self._slot[doc_id] = len(where)
                where.append(at)
            else:  # this copy sorts before the one stored
                where[slot] = at

        for item in docs:
            if isinstance(item, Shard):
                self._shards.append(item.records)
                for k, (doc_id, path, line, source, url, author) in enumerate(item.entries):
                    if chooser.offer_place(doc_id, chooser.place_key(path, line), (path, line)):
                        keep(doc_id, (len(self._shards), k, source, (url, author) if url or author else None))
                continue
            item = item if isinstance(item, Sourced) else Sourced(item, RECORD)
            doc = item.doc
            if chooser.offer(item):
                linked = (doc.url, doc.author) if doc.url is not None or doc.author is not None else None
                keep(doc.id, (0, self._records.append(doc_record(doc)), doc.source, linked))
        problems += chooser.problems()
        self._records.flush()
        self.ids = sorted(self._slot)
        chosen = [where[self._slot[i]] for i in self.ids]
        self._store = np.fromiter((w[0] for w in chosen), np.int32, len(chosen))
        self._index = np.fromiter((w[1] for w in chosen), np.int64, len(chosen))
        self.sources = [w[2] for w in chosen]
        self.links = {k: w[3] for k, w in enumerate(chosen) if w[3] is not None}
        self._slot = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _raw(self, k: int) -> bytes:
        store = int(self._store[k])
        return (self._shards[store - 1] if store else self._records).get(int(self._index[k]))

    def doc(self, k: int) -> Document:
        """The document at id-order position ``k``."""
        raw = self._raw(k)
        cut = raw.index(b"\n")
        doc_id, title, date, source, url, author = json.loads(raw[:cut])
        text = raw[cut + 1 :].decode("utf-8", "surrogatepass")
        return Document.model_construct(id=doc_id, text=text, title=title, date=date, source=source, url=url,
                                        author=author)

    def text(self, k: int) -> str:
        raw = self._raw(k)
        return raw[raw.index(b"\n") + 1 :].decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._records.close()
        for records in self._shards:
            records.close()


def pack_prepared(p: Prepared, facts: np.ndarray | None = None, vocab: np.ndarray | None = None) -> bytes:
    """A prepared document's arrays as one record (without text and df), with its
    distinct words (``vocab``, computed when not given) and, when given, its fact mask
    (:func:`dedup.stages.facts.fact_mask`): computed once per run, read by every pair."""
    paras = np.asarray(p.paragraphs, dtype=np.int32).reshape(-1, 2)
    vocab = unique_sorted(p.hashes) if vocab is None else vocab
    nfacts = -1 if facts is None else len(facts)
    head = np.array([len(p.hashes), len(p.seg_bounds), len(paras), p.nchars, len(vocab), nfacts], dtype=np.int64)
    return b"".join([
        head.tobytes(), p.hashes.astype(np.uint64, copy=False).tobytes(),
        p.starts.astype(np.int32, copy=False).tobytes(), p.ends.astype(np.int32, copy=False).tobytes(),
        p.seg_bounds.astype(np.int32).tobytes(), paras.tobytes(), p.quoted.astype(np.uint8).tobytes(),
        vocab.astype(np.uint64, copy=False).tobytes(),
        b"" if facts is None else np.asarray(facts).astype(np.int32).tobytes(),
    ])


def packed(p: Prepared, facts: np.ndarray | None = None, vocab: np.ndarray | None = None) -> tuple[bytes, int, int, int]:
    """What :meth:`PreparedStore.append_packed` stores of ``p``: its record
    (:func:`pack_prepared`), token count, character count and content characters."""
    return pack_prepared(p, facts, vocab), p.ntokens, p.nchars, sum(e - s for s, e in p.paragraphs)


_HEAD = 48  # bytes of a record's head: six int64 counts


def unpack_prepared(index: int, data: bytes) -> Prepared:
    n, nb, npara, nchars, nvocab, _ = np.frombuffer(data, np.int64, 6).tolist()
    pos = _HEAD
    def take(dtype, count):
        nonlocal pos
        arr = np.frombuffer(data, dtype, count, pos)
        pos += arr.nbytes
        return arr
    hashes = take(np.uint64, n)
    starts, ends = take(np.int32, n), take(np.int32, n)
    bounds = take(np.int32, nb).astype(np.int64)
    paras = [tuple(x) for x in take(np.int32, 2 * npara).reshape(-1, 2).tolist()]
    quoted = take(np.uint8, n).astype(bool)
    p = Prepared(index, None, starts, ends, hashes, bounds, paras, quoted, nchars)
    p.vocab = take(np.uint64, nvocab)
    return p


def _quoted_at(data: bytes) -> tuple[int, int, int, int]:
    """Where a prepared record's quoted-word flags start, its token count, distinct words
    and fact count (-1: none stored). The distinct words follow the flags, the facts the
    words: the layout of :func:`pack_prepared`."""
    n, nb, npara, _, nvocab, nfacts = np.frombuffer(data, np.int64, 6).tolist()
    return _HEAD + 8 * n + 4 * n + 4 * n + 4 * nb + 8 * npara, n, nvocab, nfacts


def _vocab_at(data: bytes) -> tuple[int, int, int]:
    """Where a prepared record's distinct words start, how many, and its fact count."""
    pos, n, nvocab, nfacts = _quoted_at(data)
    return pos + n, nvocab, nfacts


def unpack_quoted(data: bytes) -> np.ndarray:
    """The quoted-word flags stored in a prepared record, one per token."""
    pos, n, _, _ = _quoted_at(data)
    return np.frombuffer(data, np.uint8, n, pos).astype(bool)


def _unpack_hashes(data: bytes) -> np.ndarray:
    """The token hashes of a prepared record."""
    return np.frombuffer(data, np.uint64, int(np.frombuffer(data, np.int64, 1)[0]), _HEAD)


def unpack_facts(data: bytes) -> np.ndarray | None:
    """The fact mask stored in a prepared record (None when it has none)."""
    pos, nvocab, nfacts = _vocab_at(data)
    if nfacts < 0:
        return None
    return np.frombuffer(data, np.int32, nfacts, pos + 8 * nvocab).astype(np.int64)


def unpack_vocab(data: bytes) -> np.ndarray:
    """The distinct words stored in a prepared record (sorted)."""
    pos, nvocab, _ = _vocab_at(data)
    return np.frombuffer(data, np.uint64, nvocab, pos)


class PreparedStore(Sequence):
    """Prepared documents by id-order position, loaded from disk with their word
    document frequencies (from the corpus table) and OCR flag set."""

    def __init__(self, directory: str, docs: DocStore):
        self._records = Records(os.path.join(directory, "prepared"))
        self.docs = docs
        self.ntokens: list[int] = []
        self.nchars: list[int] = []
        self.content_chars: list[int] = []
        self.noisy = np.zeros(0, dtype=bool)
        self.table = (np.zeros(0, np.uint64), np.zeros(0, np.int64))
        self.phrase_table: tuple | None = None  # phrases 2+ documents carry, and how many
        self.sources: int | None = None  # counted units when not documents (with_counts)
        self._cache: OrderedDict[int, Prepared] = OrderedDict()

    def append(self, p: Prepared, facts: np.ndarray, vocab: np.ndarray | None = None) -> None:
        """Add the next document, with its fact mask (and its distinct words, when known)."""
        self.append_packed(*packed(p, facts, vocab))

    def append_packed(self, record: bytes, ntokens: int, nchars: int, content_chars: int) -> None:
        """:meth:`append` of a document a worker packed (:func:`packed`)."""
        self._records.append(record)
        self.ntokens.append(ntokens)
        self.nchars.append(nchars)
        self.content_chars.append(content_chars)

    def replace(self, p: Prepared, facts: np.ndarray) -> None:
        record, self.ntokens[p.index], _, self.content_chars[p.index] = packed(p, facts)
        self._records.replace(p.index, record)
        self._cache.pop(p.index, None)

    def finish(self, table: tuple[np.ndarray, np.ndarray], noisy: np.ndarray, phrases: tuple | None = None) -> None:
        """``table``: words and their documents; ``phrases``: the same for the word
        bigrams and trigrams two or more documents carry (None: not counted)."""
        self._records.flush()
        self.table, self.noisy, self.phrase_table = table, noisy, phrases
        self._cache.clear()

    def with_counts(self, table: tuple, phrases: tuple | None, sources: int) -> "PreparedStore":
        """The same documents read with other word and phrase counts, over ``sources``
        counted units (:mod:`dedup.stages.sources`); a cache of their own."""
        view = copy.copy(self)
        view.table, view.phrase_table, view.sources = table, phrases, sources
        view._cache = OrderedDict()
        return view

    def release_counts(self) -> None:
        """Drop the corpus word and phrase counts (and the cached documents that hold
        them): only alignment reads them, and the phrase table is a large part of a
        run's memory (hundreds of MB at a million articles) that the stages after it,
        forking workers, would otherwise carry. :meth:`stored` and :meth:`hashes` still
        read documents; ``store[k]``, which looks their counts up, is refused."""
        self.table, self.phrase_table = None, None
        self._cache.clear()

    def __len__(self) -> int:
        return len(self.ntokens)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if self.table is None:
            raise RuntimeError("the corpus counts were released (PreparedStore.release_counts): read stored(k)")
        p = self._cache.get(k)
        if p is not None:
            self._cache.move_to_end(k)
            return p
        p = unpack_prepared(k, self._records.get(k))
        values, counts = self.table
        p.vocab_index = np.searchsorted(p.vocab, p.hashes)
        if len(p.hashes) and len(values):  # looked up once per distinct word, in the small vocabulary per token
            p.df = counts[np.searchsorted(values, p.vocab)].astype(np.int32)[p.vocab_index]
        else:
            p.df = np.zeros(len(p.hashes), np.int32)
        p.noisy = bool(self.noisy[k]) if k < len(self.noisy) else False
        p.phrase_table = self.phrase_table  # phrases looked up only for the pairs that need them
        self._cache[k] = p
        if len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        return p

    def stored(self, k: int) -> Prepared:
        """Document ``k`` as stored, its word document frequencies not looked up (for a
        pass that reads only its tokens, segments and distinct words)."""
        p = self._cache.get(k)
        return p if p is not None else unpack_prepared(k, self._records.get(k))

    def hashes(self, k: int) -> np.ndarray:
        """Document ``k``'s token hashes alone (no df lookup: for a pass that needs no more)."""
        p = self._cache.get(k)
        if p is not None:
            return p.hashes
        return _unpack_hashes(self._records.get(k))

    def vocab(self, k: int) -> np.ndarray:
        """Document ``k``'s distinct words as stored (sorted), read alone."""
        return unpack_vocab(self._records.get(k))

    def facts(self, k: int) -> np.ndarray:
        """Document ``k``'s fact mask, as stored with it (read by the align stage)."""
        return unpack_facts(self._records.get(k))

    def facts_quoted(self, k: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Document ``k``'s token hashes, fact mask and quoted-word flags (one record read)."""
        data = self._records.get(k)
        return _unpack_hashes(data), unpack_facts(data), unpack_quoted(data)

    def __iter__(self) -> Iterator[Prepared]:
        for k in range(len(self)):
            yield self[k]

    def text(self, k: int) -> str:
        return self.docs.text(k)

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _cache=OrderedDict())  # a worker loads what it needs

    def close(self) -> None:
        self._records.close()
        self.docs.close()
