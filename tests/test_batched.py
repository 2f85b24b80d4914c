"""Stages computed over a batch of documents laid end to end (fact masks, counted
n-grams, recurring passages) give each document what it gets alone: nothing leaks
across the seam between two documents."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.inline import NGRAM, counted, counted_many, passages, passages_many
from dedup.stages.normalize import tokenize
from dedup.stages.segment import paragraphs, prepare
from dedup.stages.boilerplate import line_spans
from dedup.stages.facts import fact_mask, fact_masks
from dedup.storage.workspace import DocStore, PreparedStore

# Words, figures, names and the marks that join or open them: the seams that matter
# are a figure or name at the end of one text and the start of the next.
_PIECES = ["the", "said", "Chicago", "Mercantile", "290", ",", "000", "1.9", ".", " ", "\n", "\n\n", "  ",
           "-", "/", "\u201c", "OIL", "PRICES", "rose", "Reuters", "7", "3/4", "(", ")", ") -"]
texts = st.lists(st.sampled_from(_PIECES), max_size=30).map(lambda xs: " ".join(xs) if len(xs) % 2 else "".join(xs))


def _tokens(text):
    s, e, _ = tokenize(text)
    return s, e


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6))
def test_fact_masks_of_a_batch_are_each_documents_own(batch):
    toks = [_tokens(t) for t in batch]
    together = fact_masks(batch, [s for s, _ in toks], [e for _, e in toks])
    for text, (s, e), got in zip(batch, toks, together):
        assert np.array_equal(got, fact_mask(text, s, e))


def test_a_figure_at_a_seam_is_not_joined_to_the_next_documents_figure():
    # "290," ends one text, "000" opens the next: alone, each is a fact of its own
    a, b = "Output rose to 290,", "000 barrels"
    (sa, ea), (sb, eb) = _tokens(a), _tokens(b)
    ma, mb = fact_masks([a, b], [sa, sb], [ea, eb])
    assert ma.tolist() == fact_mask(a, sa, ea).tolist() and mb.tolist() == fact_mask(b, sb, eb).tolist()
    assert mb[0] == 0  # the first token of its text heads its own fact


def test_a_capital_after_a_seam_opens_its_text():
    # the next text's first word opens it (no fact by its capital), whatever ended the last
    a, b = "Prices rose in Chicago", "Traders said so"
    (sa, ea), (sb, eb) = _tokens(a), _tokens(b)
    _, mb = fact_masks([a, b], [sa, sb], [ea, eb])
    assert mb[0] == -1


hash_lists = st.lists(st.lists(st.integers(0, 5), max_size=40).map(lambda x: np.asarray(x, np.uint64)),
                      min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(hash_lists, st.sampled_from([1, 2, 3]))
def test_counted_ngrams_of_a_batch_are_each_documents_own(batch, mod):
    for h, got in zip(batch, counted_many(batch, mod)):
        assert np.array_equal(got, counted(h, mod))
        # the reference: every n-gram inside the document alone, anchors kept
        from dedup.stages.inline import anchors, ngrams
        g = ngrams(h)
        assert np.array_equal(got, np.unique(g[anchors(g, mod)]))


@settings(max_examples=200, deadline=None)
@given(hash_lists, st.sampled_from([1, 2, 3]), st.integers(0, 2 ** 16))
def test_recurring_passages_of_a_batch_are_each_documents_own(batch, mod, seed):
    every = np.unique(np.concatenate([counted(h, mod) for h in batch]))
    rng = np.random.default_rng(seed)
    recurring = np.sort(every[rng.random(len(every)) < 0.7])
    for h, got in zip(batch, passages_many(batch, recurring, mod)):
        assert got == passages(h, recurring, mod)
        assert all(0 <= s < e <= len(h) and e - s >= NGRAM for s, e in got)


def test_a_passage_does_not_run_across_a_seam():
    # the same recurring run ends one document and opens the next: two passages, one each
    run = np.arange(1, NGRAM + 1, dtype=np.uint64)
    recurring = np.sort(counted(run, 1))
    got = passages_many([run, run], recurring, 1)
    assert got == [[(0, NGRAM)], [(0, NGRAM)]]


def test_the_store_keeps_each_documents_fact_mask_and_words(tmp_path):
    texts_ = ["WASHINGTON, March 3 (Reuters) - The Fed raised rates to 1.9 pct.\n\nTraders in Chicago said so.",
              "Output of 290,000 barrels a day, said OPEC."]
    docs = DocStore(str(tmp_path))
    from dedup.models import Document
    docs.add_all([Document(id=str(k), text=t) for k, t in enumerate(texts_)], [])
    store = PreparedStore(str(tmp_path), docs)
    for k, t in enumerate(texts_):
        p = prepare(k, t, paragraphs(t, line_spans(t), np.ones(len(line_spans(t)), bool)), 40)
        store.append(p, fact_mask(t, p.starts, p.ends))
    words, counts = np.unique(np.concatenate([store.hashes(k) for k in range(2)]), return_counts=True)
    store.finish((words, counts), np.zeros(2, bool))
    for k, t in enumerate(texts_):
        p = store[k]
        assert np.array_equal(store.facts(k), fact_mask(t, p.starts, p.ends))
        assert np.array_equal(p.vocab, np.unique(p.hashes))
        assert np.array_equal(p.df, counts[np.searchsorted(words, p.hashes)])
        assert np.array_equal(store.hashes(k), p.hashes)
    store.close()
