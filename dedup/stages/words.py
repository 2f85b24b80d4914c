"""Word document frequencies over a corpus, counted in sorted arrays batch by batch.

Each document contributes its distinct words; batches are reduced to (word, documents)
tables and merged like an LSM tree, so the cost stays near one sort of the corpus and
memory near the number of distinct words. For a word only one document has, the table
keeps that document and how often the word occurs in it, which is what the OCR-noise
rule needs (no second pass over the documents).
"""

from __future__ import annotations

import numpy as np

from ..storage.keyparts import BITS, KeyParts, split_by_key

BATCH = 1 << 22  # pending entries before they are reduced to a table


def _reduce(values, counts, docs=None, occ=None):
    """Sorted distinct ``values``, their summed ``counts`` and (word tables) the first
    entry's ``docs``/``occ`` of each."""
    order = np.argsort(values, kind="stable")
    values = values[order]
    if not len(values):
        return (values, counts) if docs is None else (values, counts, docs, occ)
    first = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    counts = np.add.reduceat(counts[order], first, dtype=counts.dtype)  # int32 counts stay int32
    if docs is None:
        return values[first], counts
    return values[first], counts, docs[order][first], occ[order][first]


def _merge(a, b):
    """Two tables (sorted, distinct values) as one, by insertion: memory near the output
    (a concatenation and an argsort would take three times the entries' bytes again,
    the largest transient of a run: 2.7 GB at 100k articles)."""
    av, bv = a[0], b[0]
    if not len(bv):
        return a
    if not len(av):
        return b
    pos = np.searchsorted(av, bv)
    hit = pos < len(av)
    hit[hit] = av[pos[hit]] == bv[hit]
    counts = a[1].copy()
    counts[pos[hit]] += b[1][hit]  # b's values are distinct, so are their positions in a
    new = ~hit
    dest = pos[new]  # b's new values go before a's entry at these places, in order
    del pos, hit
    dest += np.arange(len(dest), dtype=dest.dtype)  # their places in the output
    keep = np.ones(len(av) + len(dest), dtype=bool)
    keep[dest] = False
    # a's entry first for a value both have (a's documents come first): the doc and
    # occurrences of the first entry, as a stable sort of the concatenation keeps them.
    # (np.insert per column would find the places again for each.)
    out = []
    for x, y in zip((av, counts, *a[2:]), b):
        o = np.empty(len(keep), dtype=x.dtype)
        o[keep] = x
        o[dest] = y[new]
        out.append(o)
    return tuple(out)


EMPTY = (np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))


def table_of(entries: list[tuple[int, np.ndarray, np.ndarray]]) -> tuple:
    """The table of some documents, ``(doc, distinct words sorted, occurrences)`` each:
    a part of the corpus table that :func:`merge` folds (in document order) and
    :func:`totals` finishes, wherever the parts are computed."""
    if not entries:
        return EMPTY
    values = np.concatenate([v for _, v, _ in entries])
    docs = np.concatenate([np.full(len(v), d, np.int32) for d, v, _ in entries])
    occ = np.concatenate([np.asarray(o).astype(np.int32) for _, _, o in entries])
    return _reduce(values, np.ones(len(values), np.int64), docs, occ)


def vocab_table(first_doc: int, hash_lists: list[np.ndarray]) -> tuple[list[np.ndarray], tuple]:
    """Each document's distinct words (sorted), and :func:`table_of` of them with their
    occurrences, for documents ``first_doc``, ``first_doc + 1``, ...: one sort of the
    batch's words, then a stable one by document (a radix sort on small numbers)."""
    if not hash_lists:
        return [], EMPTY
    n = np.fromiter(map(len, hash_lists), np.int64, len(hash_lists))
    words = np.concatenate(hash_lists).astype(np.uint64, copy=False)
    doc = np.repeat(np.arange(len(hash_lists), dtype=np.uint16 if len(hash_lists) < 1 << 16 else np.int64), n)
    order = np.argsort(words)
    order = order[np.argsort(doc[order], kind="stable")]
    words, doc = words[order], doc[order]
    first = np.flatnonzero(np.concatenate(([True], (words[1:] != words[:-1]) | (doc[1:] != doc[:-1])))) if len(words) else n[:0]
    occ = np.diff(np.append(first, len(words)))
    vocab, doc = words[first], doc[first]
    edges = np.searchsorted(doc, np.arange(len(hash_lists) + 1)).tolist()
    table = _reduce(vocab, np.ones(len(vocab), np.int64), doc.astype(np.int32) + np.int32(first_doc), occ.astype(np.int32))
    return [vocab[a:b] for a, b in zip(edges[:-1], edges[1:])], table


def merge(a: tuple, b: tuple) -> tuple:
    """Two tables in document order (``a``'s documents before ``b``'s) as one."""
    return _merge(a, b)


def totals(table: tuple, n_docs: int):
    """``(words, documents per word, per document: tokens of words no other has)``; the
    last is None for a table of counts alone (:func:`table_of_pairs`)."""
    if len(table) == 2:
        values, counts = table
        return values, counts.astype(np.int64), None
    values, counts, docs, occ = table
    single = counts == 1
    per_doc = np.bincount(docs[single], weights=occ[single], minlength=n_docs)
    return values, counts, per_doc


class WordTable:
    """Documents per word; add documents in order, then :meth:`finish`."""

    def __init__(self):
        self._pending: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._size = 0
        self._tables: list[tuple] = []

    def add(self, doc: int, vocab: np.ndarray, occ: np.ndarray) -> None:
        """``vocab``: the document's distinct words (sorted); ``occ``: how often each occurs."""
        self._pending.append((doc, vocab, occ))
        self._size += len(vocab)
        if self._size >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        table = table_of(self._pending)
        self._pending, self._size = [], 0
        self._tables.append(table)
        while len(self._tables) >= 2 and len(self._tables[-1][0]) * 2 >= len(self._tables[-2][0]):
            b = self._tables.pop()
            self._tables.append(_merge(self._tables.pop(), b))

    def finish(self, n_docs: int):
        """``(words, documents per word, per document: tokens of words no other has)``."""
        self._flush()
        table = self._tables[0] if self._tables else EMPTY
        for other in self._tables[1:]:
            table = _merge(table, other)
        self._tables = []
        return totals(table, n_docs)


def one_off_words(table: tuple, n_docs: int) -> np.ndarray:
    """Per document, its distinct words no other document has (``table`` as :func:`totals`
    reads it, with its documents)."""
    _, counts, docs, _ = table
    return np.bincount(docs[counts == 1], minlength=n_docs)


def phrase_keys(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the word bigram and trigram *ending* at each position (0 where the
    document has not had that many words yet): what the significance model's context
    counts are looked up by."""
    from .inline import ngrams

    n = len(hashes)
    bi, tri = np.zeros(n, np.uint64), np.zeros(n, np.uint64)
    bi[1:] = ngrams(hashes, 2)
    tri[2:] = ngrams(hashes, 3)
    return bi, tri


def distinct_phrases(hashes: np.ndarray) -> np.ndarray:
    """A document's distinct bigram and trigram keys, sorted (what the corpus count adds)."""
    return _distinct(*phrase_keys(hashes))


def phrase_entries(hash_lists: list[np.ndarray], ids: np.ndarray, bits: int = BITS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every bigram and trigram of several documents (repeats included) beside its
    document's number (``ids``, one per list), cut by key range for a corpus count kept
    in :class:`dedup.storage.keyparts.KeyParts` (:func:`shared_counts`)."""
    docs, keys = phrase_pairs(hash_lists)
    return split_by_key(keys, np.asarray(ids, np.int32)[docs], bits)


def shared_counts(parts: KeyParts, min_docs: int = 2, engine=None) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, documents per key)`` of the keys ``min_docs`` or more documents carry,
    counted one key range at a time (:func:`table_of_pairs`; on ``engine``'s workers when
    given, which read the ranges from disk), sorted. The counts are int32: the phrase
    table is the largest thing the driver keeps (about 90 million entries at a million
    articles), and every lookup of it makes int32 anyway."""
    ranges = list(range(len(parts)))
    if not parts.worth_workers(engine):
        counted = (_shared_range((parts, min_docs), p) for p in ranges)
    else:
        parts.flush()  # a worker reads each range's file whole, and never writes it
        counted = engine.map(_shared_range, (parts, min_docs), ranges)
    values, counts = [np.zeros(0, np.uint64)], [np.zeros(0, np.int32)]
    for v, c in counted:
        values.append(v)
        counts.append(c)
    return np.concatenate(values), np.concatenate(counts)


def _shared_range(state, p: int) -> tuple[np.ndarray, np.ndarray]:
    parts, min_docs = state
    keys, docs = parts.part(p)
    v, c = table_of_pairs(docs, keys)
    keep = c >= min_docs
    return v[keep], c[keep].astype(np.int32, copy=False)


def phrase_pairs(hash_lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(document, key)`` of every bigram and trigram of several documents (numbered from
    0), repeats included."""
    from .inline import gram_pairs

    doc2, g2 = gram_pairs(hash_lists, 1, 2)
    doc3, g3 = gram_pairs(hash_lists, 1, 3)
    return np.concatenate([doc2, doc3]), np.concatenate([g2, g3])


def table_of_pairs(docs: np.ndarray, keys: np.ndarray) -> tuple:
    """``(keys, documents per key)`` from ``(document, key)`` pairs in any order, repeats
    allowed (a document counts once per key): a table without the word table's
    per-document columns, for statistics that need only the counts (n-grams, phrases),
    12 bytes an entry instead of 24 (most of their entries are one document's alone)."""
    values, (counts,) = tables_of_pairs(keys, docs)
    return values, counts


def tables_of_pairs(keys: np.ndarray, *owners: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`table_of_pairs` of ``(owner, key)`` for each array of owners beside the same
    ``keys`` (documents, their groups): the keys sorted once for all of them."""
    keys = np.asarray(keys, np.uint64)
    # One unstable sort by key (several times faster than sorting by key and document);
    # only the keys that occur more than once are sorted again with their documents, as
    # one integer per (key's rank, document) when that fits in 63 bits (a plain sort,
    # several times faster than a lexsort of the two), to count each document once.
    order = np.argsort(keys)
    k = keys[order]
    if not len(k):
        return k, [np.ones(0, np.int32) for _ in owners]
    start = np.concatenate(([True], k[1:] != k[:-1]))  # where a key differs from the one before
    values = k[start]
    repeated = ~start
    repeated[:-1] |= ~start[1:]
    if not repeated.any():  # every key once: one owner each
        return values, [np.ones(len(values), np.int32) for _ in owners]
    rank = (np.cumsum(start) - 1)[repeated]  # each repeated entry's key, by its place in ``values``
    at = order[repeated]
    return values, [_owners_per_key(len(values), rank, np.asarray(own, np.int64)[at]) for own in owners]


def _owners_per_key(n_keys: int, rank: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Distinct owners per key: ``rank``, the key (place in the table) of each entry whose
    key occurs more than once, in key order; ``sd``, its owner. Other keys have one."""
    counts = np.ones(n_keys, np.int32)
    low = int(sd.min())
    span = int(sd.max()) - low + 1
    if len(counts) * span < 1 << 62:
        pair = np.sort(rank * span + (sd - low))
        pair = pair[np.concatenate(([True], pair[1:] != pair[:-1]))]  # distinct (key, document)
        rank = pair // span
    else:
        o = np.lexsort((sd, rank))
        rank, sd = rank[o], sd[o]
        rank = rank[np.concatenate(([True], (rank[1:] != rank[:-1]) | (sd[1:] != sd[:-1])))]
    edges = np.flatnonzero(np.concatenate(([True], rank[1:] != rank[:-1], [True])))
    counts[rank[edges[:-1]]] = np.diff(edges)
    return counts


def _distinct(bi: np.ndarray, tri: np.ndarray) -> np.ndarray:
    keys = np.sort(np.concatenate([bi[1:], tri[2:]]))
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def phrases_of(hashes: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> tuple:
    """``(bi, tri, bi_df, tri_df, distinct)`` of one document: its phrase keys, the
    documents of the corpus carrying each (a phrase the table lacks: only this one), and
    its sorted distinct keys. ``table``: the phrases two or more documents carry, sorted,
    and their document counts."""
    bi, tri = phrase_keys(hashes)
    distinct = _distinct(bi, tri)
    # The corpus table is large: it is searched once per distinct key, in sorted order
    # (several times faster than a search per position), and the counts spread to the
    # positions through the document's own small table. The first positions' key 0
    # ("no phrase yet") is looked up like any other key.
    known = _lookup(table, np.concatenate((distinct, np.zeros(1, np.uint64))))
    df_bi, df_tri = np.full(len(bi), known[-1], np.int32), np.full(len(tri), known[-1], np.int32)
    df_bi[1:] = known[np.searchsorted(distinct, bi[1:])]
    df_tri[2:] = known[np.searchsorted(distinct, tri[2:])]
    return bi, tri, df_bi, df_tri, distinct


def _lookup(table: tuple[np.ndarray, np.ndarray], keys: np.ndarray) -> np.ndarray:
    """Documents per key in ``table`` (1 for a key the table lacks), int32."""
    values, counts = table
    df = np.ones(len(keys), np.int32)
    if len(values) and len(keys):
        pos = np.minimum(np.searchsorted(values, keys), len(values) - 1)
        hit = values[pos] == keys
        df[hit] = counts[pos[hit]]
    return df


def starting_phrase_df(hashes: np.ndarray, tok_off: np.ndarray, n: int, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Documents of the corpus carrying the word ``n``-gram (2 or 3: the phrases the
    table counts) that starts at each token of several documents laid end to end
    (``tok_off``: where each starts, and the end); 1 where none starts inside its document."""
    from .inline import ngrams

    df = np.ones(len(hashes), np.int32)
    keys = ngrams(hashes, n)  # position j: tokens j..j+n-1, across documents too
    if not len(keys):
        return df
    inside = np.ones(len(keys), bool)
    for k in range(1, n):  # n-grams reaching past their document's last token
        cut = tok_off[1:] - k
        inside[cut[(cut >= tok_off[:-1]) & (cut < len(keys))]] = False
    # looked up once per distinct key, in sorted order (see phrases_of)
    distinct, back = np.unique(keys, return_inverse=True)
    df[: len(keys)] = np.where(inside, _lookup(table, distinct)[back], 1)
    return df
