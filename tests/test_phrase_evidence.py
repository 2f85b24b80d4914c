"""Issue 12: evidence of copying judged by how the corpus uses a chain's phrases, not
by its words taken one at a time."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from textgen import shared_run_pair

from dedup.stages.align import Side, align
from dedup.config import Config
from dedup.storage.workspace import DocStore
from dedup.models import Document
from dedup.stages.prepare import prepare_corpus
from dedup.engines import Inline
from dedup.stages.significance import Evidence, word_evidence
from dedup.storage.spill import workdir
from dedup.stages.words import phrase_keys, phrases_of


def test_a_word_that_recurs_in_its_phrase_carries_no_evidence_a_new_continuation_does():
    # 200 other documents; word 1 follows word 0 in 150 of the 160 that have word 0
    df1 = np.array([160, 155, 30])
    df2 = np.array([0, 150, 0])
    df3 = np.array([0, 0, 0])
    e1, e2, e3 = word_evidence(df1, df2, df3, 200, prior=2.0)
    assert e2[1] < 0.1 < e1[1]  # predictable in its phrase
    # word 2 after a context other documents never continue that way: its rarity, no more
    # (sparse document counts cannot say a phrase is rarer than its rarest word)
    assert e2[2] == e1[2]
    # a context no other document has leaves each word its rarity
    lone = word_evidence(np.array([0, 0, 5]), np.zeros(3), np.zeros(3), 200, prior=2.0)
    assert np.allclose(lone[1], lone[0]) and np.allclose(lone[2], lone[0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=3, max_size=30), st.floats(0.1, 20.0))
def test_evidence_is_never_negative_and_a_block_is_its_parts(dfs, prior):
    df1 = np.array(dfs, float)
    df2 = np.r_[0, np.minimum(df1[:-1], df1[1:])]  # a bigram is rarer than its words
    df3 = np.r_[0, np.minimum(df2[1:-1], df2[2:]), 0][: len(df1)] if len(df1) > 2 else np.zeros(len(df1))
    df3[:2] = 0
    ev = Evidence(*word_evidence(df1, df2, df3, 60, prior))
    assert all(ev.span(s, e) >= 0.0 for s in range(len(df1)) for e in range(s, len(df1) + 1))
    e1, e2, e3 = word_evidence(df1, df2, df3, 60, prior)
    assert abs(ev.span(0, len(df1)) - (e1[0] + e2[1] + e3[2:].sum())) < 1e-9


def test_a_chain_that_recurs_as_a_phrase_is_not_significant_as_rare_words_are():
    a, b = shared_run_pair(5, 12)
    others = 1000

    def side(w, phrase_docs):
        inside = np.array([c >= "\u9000" for c in w])
        df1 = np.where(inside, 40, 900).astype(float)  # each word of the run is fairly rare
        df2 = np.where(inside & np.r_[False, inside[:-1]], phrase_docs, 0).astype(float)
        df3 = np.where(inside & np.r_[False, False, inside[:-2]], phrase_docs, 0).astype(float)
        df2[0] = df3[:2] = 0
        ev = word_evidence(df1, df2, df3, others, 2.0)
        return Side.make(w, None, None, ev[0], lambda: Evidence(*ev))

    cfg = Config(max_evalue=0.01)
    # the run's phrases occur nowhere else: the words' rarity is the evidence
    assert [(s.a0, s.a1, s.significant) for s in align(side(a, 0), side(b, 0), cfg, tests=1000)] == [(80, 92, True)]
    # the same words, but their phrases recur in the 40 other documents that have them: a formula
    assert align(side(a, 40), side(b, 40), cfg, tests=1000) == []


def test_the_corpus_counts_each_documents_phrases():
    shared = "the harbour board voted on monday to close the old pier"
    texts = [f"{shared} said officer {k}.\n\nUnrelated words number {k} here." for k in range(3)]
    texts.append("the harbour board met. nothing else alike at all.")
    cfg = Config()
    with workdir() as tmp:
        docs = DocStore(tmp)
        docs.add_all([Document(id=f"d{k}", text=t) for k, t in enumerate(texts)], [])
        prepared, _ = prepare_corpus(docs, tmp, cfg, engine=Inline())
        try:
            p = prepared[0]
            bi, tri, bi_df, tri_df, distinct = phrases_of(p.hashes, p.phrase_table)  # looked up when needed
            assert np.array_equal(bi, phrase_keys(p.hashes)[0])
            assert bi_df[1] == 4 and tri_df[2] == 4  # "the harbour", "the harbour board": all four
            assert tri_df[5] == 3  # "voted on monday": the three copies
            assert tri_df[-1] == 1  # ends with this document's own number
            assert np.all(np.diff(distinct.astype(np.float64)) >= 0)
        finally:
            prepared.close()
