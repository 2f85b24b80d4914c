import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.candidates import band_keys, candidate_pairs
from dedup.config import Config
from dedup.stages.fingerprint import segment_shingles, signatures


def _shingle_set(seq, n):
    return {tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)}


@st.composite
def corpora(draw):
    """Small corpora of word-id sequences, with some documents derived from others."""
    base = [draw(st.lists(st.integers(0, 400), min_size=20, max_size=60)) for _ in range(draw(st.integers(2, 5)))]
    docs = list(base)
    for _ in range(draw(st.integers(1, 5))):
        src = draw(st.sampled_from(base))
        edits = draw(st.integers(0, 6))
        doc = list(src)
        for _ in range(edits):
            i = draw(st.integers(0, len(doc) - 1))
            doc[i] = draw(st.integers(1000, 2000))
        docs.append(doc)
    return docs


@settings(max_examples=40, deadline=None)
@given(corpora())
def test_lsh_finds_what_brute_force_finds_above_the_threshold(docs):
    cfg = Config(threshold=0.3)
    n = cfg.shingle_size
    hashed = [np.asarray(d, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) for d in docs]
    sh, own = zip(*(segment_shingles(h, np.asarray([0, len(h)]), n) for h in hashed))
    owner = np.concatenate([o + k for k, o in enumerate(own)])
    sig = signatures(np.concatenate(sh), owner, len(docs), cfg.num_perm, cfg.seed)
    found = {tuple(p) for p in candidate_pairs(band_keys(sig, cfg.bands, cfg.rows), np.arange(len(docs)), 200).tolist()}
    sets = [_shingle_set(d, n) for d in docs]
    # At Jaccard 0.7 a pair misses every one of the 42 bands of 3 rows with probability
    # (1 - 0.7**3)**42 ~ 2e-8, so a failure here is a real bug, not bad luck.
    assert (cfg.bands, cfg.rows) == (42, 3)
    for i, j in itertools.combinations(range(len(docs)), 2):
        jac = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        if jac >= 0.7:
            assert (i, j) in found, (i, j, jac)


def test_unrelated_segments_are_not_candidates_and_pairs_are_unique():
    rng = np.random.default_rng(1)
    cfg = Config()
    seqs = [rng.integers(0, 2**63, 50, dtype=np.uint64) for _ in range(30)]
    seqs.append(seqs[0].copy())
    seqs.append(seqs[0].copy())
    sh, own = zip(*(segment_shingles(h, np.asarray([0, 50]), 3) for h in seqs))
    owner = np.concatenate([o + k for k, o in enumerate(own)])
    sig = signatures(np.concatenate(sh), owner, len(seqs), cfg.num_perm, cfg.seed)
    pairs = candidate_pairs(band_keys(sig, cfg.bands, cfg.rows), np.arange(len(seqs)), 200)
    assert sorted(map(tuple, pairs.tolist())) == [(0, 30), (0, 31), (30, 31)]


def test_oversized_buckets_link_members_to_hubs_not_all_pairs():
    keys = np.zeros((10, 1), dtype=np.uint64)
    pairs = candidate_pairs(keys, np.arange(10), max_bucket=5)
    assert len(pairs) < 45
    assert {0, 1, 2, 3} <= set(pairs[:, 0].tolist())
    assert set(pairs.ravel().tolist()) == set(range(10))


def test_keys_shared_only_within_one_document_give_no_pairs():
    keys = np.asarray([[1], [1], [2]], dtype=np.uint64)  # doc 0 repeats a segment
    assert candidate_pairs(keys, np.asarray([0, 0, 1]), 200).shape == (0, 2)


def _pairs_by_hand(keys, seg_doc, max_bucket):
    """Every pair of documents sharing a key in some band (small buckets only)."""
    out = set()
    for band in range(keys.shape[1]):
        buckets = {}
        for s, k in enumerate(keys[:, band].tolist()):
            buckets.setdefault(k, set()).add(int(seg_doc[s]))
        for docs in buckets.values():
            out |= set(itertools.combinations(sorted(docs), 2))
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=4, max_size=4), min_size=1, max_size=25),
       st.lists(st.integers(0, 9), min_size=25, max_size=25), st.lists(st.booleans(), min_size=10, max_size=10),
       st.booleans())
def test_band_pairs_merged_as_they_come_are_every_bands_pairs_and_only_keeps_flagged_documents(
        rows, docs, flags, merge_each_band):
    import dedup.stages.buckets as cand

    keys = np.asarray(rows, np.uint64)
    seg_doc = np.sort(np.asarray(docs[: len(rows)], np.int64))
    want = _pairs_by_hand(keys, seg_doc, 200)
    old = cand.MERGE_AT
    cand.MERGE_AT = 0 if merge_each_band else old  # merged after every band, or once at the end
    try:
        got = candidate_pairs(keys, seg_doc, 200)
        only = np.asarray(flags[: int(seg_doc.max()) + 1])
        flagged = candidate_pairs(keys, seg_doc, 200, only=only)
    finally:
        cand.MERGE_AT = old
    assert got.tolist() == sorted(map(list, want))
    assert flagged.tolist() == sorted([i, j] for i, j in want if only[i] or only[j])


def test_band_key_rows_name_their_token_ranges():
    """``segment_band_keys(..., ranges=True)``: each row's range is its segment (a
    document's segments tile it in order) or a window across one of its inner segment
    boundaries; a batch numbers rows as one document at a time does, keys included."""
    from dedup.stages.candidates import segment_band_keys
    from dedup.stages.segment import prepare

    def doc(i, n):  # paragraphs of 30 words, so short documents get windows at mid-paragraph cuts only
        text = "\n\n".join(" ".join(f"w{(i * 7 + k + j) % 97}x" for k in range(min(30, n - j))) for j in range(0, n, 30))
        return prepare(i, text, [(0, len(text))] if "\n" not in text else _paragraphs(text), Config().segment_tokens)

    def _paragraphs(text):
        out, at = [], 0
        for part in text.split("\n\n"):
            out.append((at, at + len(part)))
            at += len(part) + 2
        return out

    docs = [doc(i, n) for i, n in enumerate((5, 90, 300, 41, 700))]
    cfg = Config()
    keys, doc_of, rows = segment_band_keys(docs, cfg, ranges=True)
    assert len(rows) == len(keys) == len(doc_of)
    at = 0
    for k, p in enumerate(docs):
        one_keys, _, one_rows = segment_band_keys([p], cfg, ranges=True)
        n = len(one_rows)
        assert (rows[at : at + n] == one_rows).all() and (keys[at : at + n] == one_keys).all()
        nseg = len(p.seg_bounds) - 1
        assert (one_rows[:nseg, 0] == p.seg_bounds[:-1]).all() and (one_rows[:nseg, 1] == p.seg_bounds[1:]).all()
        inner = p.seg_bounds[1:-1]
        for s, e in one_rows[nseg:].tolist():
            assert 0 <= s < e <= p.ntokens and any(s < b < e for b in inner.tolist())
        at += n
    assert at == len(rows)
