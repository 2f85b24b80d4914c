"""Shingles carried by many documents that share nothing else leave the signatures
(dedup.stages.candidates.common_shingles): they no longer make crowded buckets of
unrelated documents, and copies and copied passages are untouched."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import Config
from dedup.stages.candidates import common_shingles, find_candidates
from dedup.stages.inline import ngrams
from dedup.stages.words import starting_phrase_df

_SYL = ["ka", "lo", "mi", "ne", "po", "ru", "sa", "te", "vi", "zo", "ba", "de", "fu", "gi", "ho", "ju"]
VOCAB = sorted({a + b + c for a in _SYL for b in _SYL for c in _SYL})  # 4,096 made-up words


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), max_size=12), min_size=1, max_size=6), st.sampled_from([2, 3]))
def test_starting_phrase_df_counts_the_documents_carrying_each_phrase(docs, n):
    hashes = [np.asarray(d, np.uint64) * np.uint64(0x9E3779B97F4A7C15) for d in docs]
    per_doc = [set(ngrams(h, n).tolist()) for h in hashes]
    count: dict[int, int] = {}
    for s in per_doc:
        for k in s:
            count[k] = count.get(k, 0) + 1
    shared = sorted(k for k, c in count.items() if c >= 2)
    table = (np.asarray(shared, np.uint64), np.asarray([count[k] for k in shared], np.int64))
    flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    tok_off = np.concatenate(([0], np.cumsum([len(h) for h in hashes]))).astype(np.int64)
    got = starting_phrase_df(flat, tok_off, n, table)
    want = []
    for h in hashes:
        keys = ngrams(h, n).tolist()
        want += [count[k] for k in keys] + [1] * (len(h) - len(keys))
    assert got.tolist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(1, 400), min_size=1, max_size=30), min_size=1, max_size=5),
       st.integers(2, 5), st.integers(2, 15))
def test_common_shingles_never_empty_a_segment_and_spare_passages_and_copies(segs, min_docs, run):
    df = np.asarray([x for s in segs for x in s], np.int64)
    owner = np.repeat(np.arange(len(segs)), [len(s) for s in segs])
    common = common_shingles(df, owner, min_docs, run)
    for k, s in enumerate(segs):
        mine = common[owner == k]
        assert not mine.all()  # at least the median shingle and those under it stay
        if len(set(s)) == 1:
            assert not mine.any()  # a copy: every shingle carried as often
    # a run of common shingles as long as a passage is kept
    long = np.r_[np.ones(10, np.int64), np.full(run, 1000), np.ones(10, np.int64)]
    assert not common_shingles(long, np.zeros(len(long), np.int64), min_docs, run).any()
    short = np.r_[np.ones(10, np.int64), np.full(run - 1, 1000), np.ones(10, np.int64)]
    assert common_shingles(short, np.zeros(len(short), np.int64), min_docs, run).sum() == run - 1
    # one changed word inside a copied passage (three shingles of its own) does not cut it in two
    edited = np.r_[np.ones(10, np.int64), np.full(run // 2 + 1, 1000), np.ones(3, np.int64),
                   np.full(run // 2 + 1, 1000), np.ones(10, np.int64)]
    zero = np.zeros(len(edited), np.int64)
    assert not common_shingles(edited, zero, min_docs, run, gap=3).any()
    assert common_shingles(edited, zero, min_docs, run, gap=2).sum() == (2 * (run // 2 + 1) if run // 2 + 1 < run else 0)


def _candidates(docs, cfg):
    from dedup.engines import Inline
    from dedup.pipeline import ingest_corpus
    from dedup.stages.prepare import prepare_corpus
    from dedup.storage.spill import workdir
    from dedup.storage.workspace import DocStore

    with workdir(None) as tmp:
        store = DocStore(tmp)
        ingest_corpus(store, docs, [])
        prepared, _ = prepare_corpus(store, tmp, cfg, lambda *x: None, engine=Inline())
        try:
            with_rule = find_candidates(prepared, cfg, engine=Inline())
            prepared.phrase_table = None  # the same documents, every shingle kept
            without = find_candidates(prepared, cfg, engine=Inline())
        finally:
            prepared.close()
    return {tuple(p) for p in with_rule.tolist()}, {tuple(p) for p in without.tolist()}


def test_a_byline_shared_by_unrelated_stories_makes_no_candidates_and_copies_stay():
    """120 stories of their own words, each under a reporter's byline naming one outlet;
    10 of them copied. Without the rule the byline's shingles put unrelated stories in one bucket."""
    g = np.random.default_rng(7)
    cfg = Config(rare_bigrams=False)

    def story():
        return " ".join(VOCAB[int(k)] for k in g.integers(len(VOCAB), size=60)) + "."

    def byline():  # a line of its own in each story (a name), so no line-level furniture
        first, last = (VOCAB[int(k)].title() for k in g.integers(len(VOCAB), size=2))
        return f"By {first} {last}, staff reporter for the Pacific Record news desk"

    docs = [{"id": f"d{k:03d}", "text": f"{byline()}\n\n{story()}\n\n{story()}"} for k in range(120)]
    docs += [{"id": f"e{k:03d}", "text": docs[k]["text"]} for k in range(10)]
    with_rule, without = _candidates(docs, cfg)
    index = {d["id"]: k for k, d in enumerate(docs)}
    copies = {tuple(sorted((index[f"d{k:03d}"], index[f"e{k:03d}"]))) for k in range(10)}
    assert copies <= with_rule and copies <= without
    assert len(without - copies) > 0  # the hazard is real for these documents
    assert with_rule == copies
