"""Sources, not copies: the corpus counts again with each group of copies as one source.

The significance model (:mod:`dedup.stages.significance`) asks how many *other*
documents carry a word or phrase: a phrase many documents share is a formula, weak
evidence of copying. But a wire story republished thirty times is thirty carriers of
its own sentences, and a thirty-first copy that kept one of them looks like it shares
a formula. Whether a passage recurs by chance is a question about independent sources:
documents already linked as copies of one another are one source.

So after the first alignment, the copy links (templates left out) make groups; the
word and phrase counts are taken again with each group counted once, and the candidate
pairs whose documents are in different groups and were not linked are aligned again
on those counts (``others`` = the other sources), with the pairs that then share word
bigrams rare among the sources (a bigram more documents carry than may seed, all of
them copies of one story, seeds its trimmed copies again). A phrase that recurs across
documents that otherwise share nothing (furniture, a formula) keeps its count; one
only a story's copies carry becomes rare again. Links of the first alignment stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .cluster import UnionFind
from .words import phrase_entries, tables_of_pairs
from ..storage.keyparts import KeyParts, split_by_key


def groups_of(n: int, links) -> np.ndarray:
    """Each document's group (its root in the union of ``links``' ``(i, j)``)."""
    uf = UnionFind(n)
    for i, j in links:
        uf.union(i, j)
    return uf.roots()


def source_tables(prepared, group: np.ndarray, engine, workdir: str | None = None) -> tuple[tuple, tuple | None, int]:
    """The word table, the phrase table (None when not counted) and the number of
    sources, with each group of two or more documents counted once. The grouped
    documents' words and phrases are read by ``engine``'s workers and kept by key range
    (on disk in ``workdir``: :class:`dedup.storage.keyparts.KeyParts`), so no more than
    one range of them is held at a time."""
    n = len(group)
    size = np.bincount(group, minlength=n)
    members = np.flatnonzero(size[group] > 1)
    sources = int(np.count_nonzero(size))
    if not len(members):
        return prepared.table, prepared.phrase_table, sources
    with_phrases = prepared.phrase_table is not None
    words, phrases = KeyParts(workdir, "source-words"), KeyParts(workdir, "source-phrases")
    try:
        ranges = engine.partitions(len(members), 2048)
        for w, ph in engine.map(_member_keys, (prepared, members, with_phrases), ranges):
            words.add(w)
            phrases.add(ph)
        table = lowered(prepared.table, excess(words, group, engine))
        return table, lowered(prepared.phrase_table, excess(phrases, group, engine)) if with_phrases else None, sources
    finally:
        words.clear()
        phrases.clear()


def _member_keys(state, rng: tuple[int, int]):
    """Grouped documents ``rng``: their distinct words and, when counted, their phrases
    (word bigrams and trigrams, repeats included), each beside its document, cut by key
    range."""
    prepared, members, with_phrases = state
    ids = members[rng[0] : rng[1]]
    docs = [prepared.stored(k) for k in ids.tolist()]
    vocab = [p.vocab for p in docs]
    words = split_by_key(np.concatenate(vocab), np.repeat(ids.astype(np.int32), [len(v) for v in vocab]))
    return words, phrase_entries([p.hashes for p in docs], ids) if with_phrases else []


def excess(parts: KeyParts, group: np.ndarray, engine=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Keys whose carrying documents are more than their groups, and by how many
    (``documents - groups``), one key range at a time (never all at once: at a million
    articles a copied story's phrases make tens of millions of such keys); counted on
    ``engine``'s workers when given, which read the ranges from disk (in the driver, the
    stage's largest serial cost: 8 s at 100k articles)."""
    ranges = range(len(parts))
    if not parts.worth_workers(engine):
        return (_excess_range((parts, group), p) for p in ranges)
    parts.flush()  # a worker reads each range's file whole, and never writes it
    return iter(engine.map(_excess_range, (parts, group), ranges))


def _excess_range(state, p: int) -> tuple[np.ndarray, np.ndarray]:
    parts, group = state
    keys, docs = parts.part(p)
    # one set of (document, key) pairs counted twice, the keys sorted once: by document, by group
    values, (per_doc, per_group) = tables_of_pairs(keys, docs, group[docs])
    by = per_doc.astype(np.int64) - per_group
    return values[by > 0], by[by > 0]


def lowered(table: tuple, excess: Iterable[tuple[np.ndarray, np.ndarray]]) -> tuple:
    """``table`` (keys, documents per key) with each key's count lowered by its excess
    (``(keys, by)`` parts, applied one at a time)."""
    values, counts = table
    counts = counts.copy()
    for keys, by in excess:
        if len(values) and len(keys):
            pos = np.minimum(np.searchsorted(values, keys), len(values) - 1)
            hit = values[pos] == keys
            counts[pos[hit]] -= by[hit].astype(counts.dtype)
    return values, counts


def source_seeds(prepared, group: np.ndarray, sources: int, proposed: np.ndarray, ntokens: np.ndarray,
                 max_evalue: float, engine, bigrams: KeyParts | None = None) -> np.ndarray:
    """Pairs (i < j) not in ``proposed`` that share word bigrams rare among the sources
    (:func:`dedup.stages.inverted.rare_pairs_of`): each group carrying a bigram stands
    for it by its first member, so a story copied more times than a seed may have
    carriers still seeds its trimmed copies. ``bigrams``: the documents' bigrams as the
    candidates stage kept them (read again when not filled)."""
    from .inverted import bigrams_range, rare_pairs_of

    n = len(group)
    if bigrams is None or not bigrams.filled:
        bigrams = KeyParts(None, "bigrams")
        for parts in engine.map(bigrams_range, prepared, engine.partitions(n, 2048)):
            bigrams.add(parts)
    return rare_pairs_of(bigrams, n, proposed, ntokens, max_evalue, sources=sources, group=group, engine=engine)
