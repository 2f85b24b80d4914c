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

import numpy as np

from .cluster import UnionFind
from .words import phrase_pairs, table_of_pairs


def groups_of(n: int, links) -> np.ndarray:
    """Each document's group (its root in the union of ``links``' ``(i, j)``)."""
    uf = UnionFind(n)
    for i, j in links:
        uf.union(i, j)
    return np.fromiter((uf.find(x) for x in range(n)), np.int64, n)


def recounted(table: tuple, per_doc: tuple, per_group: tuple) -> tuple:
    """``table`` (keys, documents per key) with each key's count lowered by what the
    grouped documents add over their groups: ``documents - groups`` carrying it."""
    values, counts = table
    counts = counts.copy()
    keys, docs = per_doc
    groups = per_group[1]  # the same keys: one set of (document, key) pairs, two numberings
    pos = np.searchsorted(values, keys)
    pos = np.minimum(pos, max(len(values) - 1, 0))
    hit = (values[pos] == keys) if len(values) else np.zeros(len(keys), bool)
    counts[pos[hit]] -= (docs - groups)[hit].astype(counts.dtype)
    return values, counts


def source_tables(prepared, group: np.ndarray) -> tuple[tuple, tuple | None, int]:
    """The word table, the phrase table (None when not counted) and the number of
    sources, with each group of two or more documents counted once."""
    n = len(group)
    size = np.bincount(group, minlength=n)
    members = np.flatnonzero(size[group] > 1)
    sources = int(np.count_nonzero(size))
    if not len(members):
        return prepared.table, prepared.phrase_table, sources
    # each member read once: its distinct words and its tokens
    vocabs, hashes = zip(*((p.vocab, p.hashes) for p in map(prepared.stored, members.tolist())))
    doc = np.repeat(members, [len(v) for v in vocabs])
    words = np.concatenate(vocabs)
    table = recounted(prepared.table, table_of_pairs(doc, words), table_of_pairs(group[doc], words))
    phrases = prepared.phrase_table
    if phrases is not None:
        k, keys = phrase_pairs(list(hashes))
        # one set of (document, key) pairs counted twice: by document, by group
        phrases = recounted(phrases, table_of_pairs(k, keys), table_of_pairs(group[members][k], keys))
    return table, phrases, sources


def source_seeds(prepared, group: np.ndarray, sources: int, proposed: np.ndarray, ntokens: np.ndarray,
                 max_evalue: float, engine) -> np.ndarray:
    """Pairs (i < j) not in ``proposed`` that share word bigrams rare among the sources
    (:func:`dedup.stages.inverted.rare_pairs`): each group carrying a bigram stands for
    it by its first member, so a story copied more times than a seed may have carriers
    still seeds its trimmed copies."""
    from .candidates import bigrams_range
    from .inverted import rare_pairs

    n = len(group)
    keys, docs = [], []
    for g, o in engine.map(bigrams_range, prepared, engine.partitions(n, 2048)):
        keys += g
        docs += o
    if not keys:
        return np.zeros((0, 2), np.int64)
    keys, docs = np.concatenate(keys), np.concatenate(docs)
    # a bigram one document carries seeds nothing: drop those before the three-key sort
    order = np.argsort(keys)
    keys, docs = keys[order], docs[order]
    del order
    shared = np.zeros(len(keys), bool)
    if len(keys) > 1:
        same = keys[1:] == keys[:-1]
        shared[1:] |= same
        shared[:-1] |= same
    keys, docs = keys[shared], docs[shared]
    g = group[docs]
    order = np.lexsort((docs, g, keys))
    keys, docs, g = keys[order], docs[order], g[order]
    first = np.r_[True, (keys[1:] != keys[:-1]) | (g[1:] != g[:-1])] if len(keys) else np.zeros(0, bool)
    return rare_pairs([keys[first]], [docs[first]], n, proposed, ntokens, max_evalue, sources=sources)
