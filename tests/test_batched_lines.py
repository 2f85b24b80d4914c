"""The array paths of the line and furniture passes agree with the per-line loops they
replaced (written out here as references), on generated texts."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages import boilerplate as bp
from dedup.stages.normalize import normalize, token_spans


def _reference_spans(text):
    spans, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + raw.find(stripped[0])
            spans.append((start, start + len(stripped)))
        pos += len(raw) + 1
    return spans


def _reference_keys(text, spans):
    return [bp.xxhash.xxh3_64_intdigest(normalize(text[s:e]).encode("utf-8")) for s, e in spans]


def _reference_count(line):
    if line.isascii():
        return len(line.replace("-", " ").replace("/", " ").split())
    return len(token_spans(line))


_STRONG_HINT = re.compile("|".join(map(re.escape, bp._STRONG_HINTS)))
_NAV_HINT = re.compile("|".join(map(re.escape, bp._NAV_HINTS)))
_INSIDE_HINT = re.compile("|".join(map(re.escape, bp._INSIDE_HINTS)))


def _reference_shape(text, spans):
    n = len(spans)
    ntoks, mask, short = [0] * n, [False] * n, [False] * n
    for i, (s, e) in enumerate(spans):
        line = text[s:e]
        ntok = ntoks[i] = _reference_count(line)
        low = line.lower()
        nav = bool(_NAV_HINT.search(line) and bp._NAV_LINE.search(line))
        if ntok <= bp.STRONG_MAX_TOKENS:
            mask[i] = bool((_STRONG_HINT.search(low) and bp._STRONG.search(line)) or nav
                           or (ntok <= bp.WEAK_MAX_TOKENS and bp._WEAK.match(line))
                           or (ntok <= bp.INSIDE_MAX_TOKENS and _INSIDE_HINT.search(low)
                               and bp._WEAK_INSIDE.search(line)))
            short[i] = ntok <= bp.MENU_MAX_TOKENS and not bp._END.search(line)
        else:
            mask[i] = nav
    i = 0
    while i < n:
        j = i
        while j < n and short[j]:
            j += 1
        if j - i >= bp.MENU_MIN_RUN:
            mask[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    return mask, ntoks


_PIECES = ["Share", "share this", "Home", "|", " / ", "\u00b7", "news", "Copyright", "\u00a9 2024", "(C) 2019",
           "All rights reserved.", "we use cookies", "policy", "Menu", "Read more", "Editor:", "click here", "E-mail",
           "caf\u00e9", "\u0130stanbul", "\u017fhare", "\u212a", "\u4e60\u8fd1", "\u03a3\u039f\u03a3", "`q`", "x-y/z", "2.5%", "end.", "\u201d",
           " ", "\t", "\u00a0", "\u2028", "\x1c", "\r", "\n", "\n\n", "  \n ", "\u0085"]
_TEXTS = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXTS, max_size=5))
def test_lines_of_many_texts_are_the_per_line_definitions(texts):
    read = bp.read_lines(texts)
    for text, (spans, shape, ntoks, keys) in zip(texts, read):
        want = _reference_spans(text)
        assert bp.line_spans(text) == want and [tuple(x) for x in spans.tolist()] == want
        mask, words = _reference_shape(text, want)
        assert shape.tolist() == mask and ntoks.tolist() == words
        assert [x.tolist() for x in bp.shape_furniture(text, want)] == [mask, words]
        assert keys.dtype == np.uint64 and keys.tolist() == _reference_keys(text, want)
        assert bp.line_keys(text, want).tolist() == keys.tolist()


@settings(max_examples=200, deadline=None)
@given(_TEXTS, st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8))
def test_keys_and_shape_of_any_spans_are_the_per_line_definitions(text, cuts):
    spans = [(min(a, b, len(text)), min(max(a, b), len(text))) for a, b in cuts]
    assert bp.line_keys(text, spans).tolist() == _reference_keys(text, spans)
    assert [x.tolist() for x in bp.shape_furniture(text, spans)] == list(_reference_shape(text, spans))


def _reference_rare_pairs(keys, docs, n_docs, proposed, ntokens, max_evalue):
    """rare_pairs as it was: every entry sorted stably by key, scores summed in df order."""
    from dedup.stages.inverted import DF_SHARE, MAX_DF, MIN_IDF, _best_per_doc, search_size

    k, d = np.concatenate(keys), np.concatenate(docs)
    order = np.argsort(k, kind="stable")
    k, d = k[order], d[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    lengths = np.diff(np.r_[starts, len(k)])
    found, weight = [], []
    for size in range(2, max(2, min(MAX_DF, int(DF_SHARE * n_docs))) + 1):
        rows = d[starts[lengths == size][:, None] + np.arange(size)].astype(np.int64)
        a, b = np.triu_indices(size, 1)
        i, j = rows[:, a].ravel(), rows[:, b].ravel()
        found.append(np.minimum(i, j) * n_docs + np.maximum(i, j))
        weight.append(np.full(len(i), np.log(n_docs / size)))
    codes, w = np.concatenate(found), np.concatenate(weight)
    if not len(codes):
        return np.zeros((0, 2), np.int64)
    order = np.argsort(codes, kind="stable")
    codes, w = codes[order], w[order]
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    codes, score = codes[first], np.add.reduceat(w, first)
    i, j = codes // n_docs, codes % n_docs
    need = np.log(search_size(n_docs) * np.maximum(ntokens[i], 1) * np.maximum(ntokens[j], 1) / max_evalue)
    keep = (score >= MIN_IDF) & (score >= need) & ~np.isin(codes, proposed[:, 0] * n_docs + proposed[:, 1])
    return _best_per_doc(i[keep], j[keep], score[keep], n_docs)


@settings(max_examples=200, deadline=None)
@given(st.integers(3, 600), st.lists(st.sets(st.integers(0, 40), max_size=30), min_size=1, max_size=40), st.data())
def test_rare_pairs_are_the_stably_sorted_definition(n_docs, grams, data):
    from dedup.stages.inverted import rare_pairs, rare_pairs_of
    from dedup.storage.keyparts import KeyParts, split_by_key

    grams = grams[:n_docs]
    keys = [np.array(sorted(g), np.uint64) * np.uint64(0x9E3779B97F4A7C15) for g in grams]
    docs = [np.full(len(g), d, np.int32) for d, g in enumerate(grams)]
    ntokens = np.array(data.draw(st.lists(st.integers(0, 900), min_size=n_docs, max_size=n_docs)), np.float64)
    proposed = np.array(data.draw(st.lists(st.tuples(st.integers(0, 5), st.integers(6, 12)), max_size=4)),
                        np.int64).reshape(-1, 2)
    got = rare_pairs(keys, docs, n_docs, proposed, ntokens, 50.0)
    assert got.tolist() == _reference_rare_pairs(keys, docs, n_docs, proposed, ntokens, 50.0).tolist()
    # the same kept by key range (as a run keeps a corpus's bigrams), in batches of documents
    bits = data.draw(st.integers(1, 6))
    parts = KeyParts(None, "", bits)
    for k in range(0, len(keys), 7):
        parts.add(split_by_key(np.concatenate(keys[k : k + 7]), np.concatenate(docs[k : k + 7]), bits))
    assert rare_pairs_of(parts, n_docs, proposed, ntokens, 50.0).tolist() == got.tolist()
    # and with groups of copies counted once (the sources pass): by range as whole
    group = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n_docs, max_size=n_docs)))
    whole = rare_pairs_of(KeyParts.of(keys, docs), n_docs, proposed, ntokens, 50.0, n_docs - 2, group)
    assert rare_pairs_of(parts, n_docs, proposed, ntokens, 50.0, n_docs - 2, group).tolist() == whole.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=60), st.lists(st.integers(0, 2**64 - 1), max_size=60),
       st.integers(0, 2**20))
def test_recurring_grams_are_their_sorted_membership(grams, recurring, shift):
    from dedup.stages.inline import _recurring

    # shared low bits (the bitmap's slots) between members and non-members
    g = np.array(grams + [(x + (shift << 24)) % 2**64 for x in recurring[:10]] + recurring[10:20], np.uint64)
    rec = np.unique(np.array(recurring, np.uint64))
    assert _recurring(g, rec).tolist() == np.isin(g, rec).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=12), max_size=8), st.integers(1, 9), st.integers(1, 3))
def test_anchored_ngrams_stay_inside_their_document(docs, n, mod):
    from dedup.stages.fingerprint import combine
    from dedup.stages.inline import _anchored, ngrams

    hashes = [np.array(d, np.uint64) for d in docs]
    pos, doc, g, off = _anchored(hashes, mod, n)
    joined = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    want = ngrams(joined, n)
    owner = np.repeat(np.arange(len(hashes)), [len(h) for h in hashes])[: len(want)]
    keep = (np.arange(len(want)) + n <= off[owner + 1]) & (want % np.uint64(mod) == 0 if mod > 1 else True)
    assert pos.tolist() == np.flatnonzero(keep).tolist() and g.tolist() == want[keep].tolist()
    if len(joined) >= n:  # (callers never combine fewer tokens)
        x = joined[: len(joined) - n + 1].copy()  # the n-gram recurrence written out
        for k in range(1, n):
            x = x * np.uint64(0x9E3779B97F4A7C15) + joined[k : k + len(x)]
        assert combine(joined, n).tolist() == ((x >> np.uint64(32)) ^ x).astype(np.uint32).tolist()


def _reference_inline_rest(p, spans, keys, recurring, n_docs, seed):
    from dedup.stages.fingerprint import signatures
    from dedup.stages.inline import REST_MIN_WORDS, REST_PERM

    keep = np.ones(p.ntokens, dtype=bool)
    for (s, e), k in zip(spans, keys.tolist()):
        if k in recurring:
            keep[s:e] = False
    keep &= p.df * 2 <= n_docs
    words = np.unique(p.hashes[keep])
    if len(words) < REST_MIN_WORDS:
        return None
    w32 = ((words >> np.uint64(32)) ^ words).astype(np.uint32)
    return signatures(w32, np.zeros(len(w32), np.int64), 1, REST_PERM, seed)[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=40), min_size=1, max_size=6), st.integers(2, 12),
       st.integers(0, 3), st.data())
def test_inline_rest_signatures_of_many_documents_are_each_ones_own(docs, n_docs, seed, data):
    from dedup.stages.inline import rest_signatures
    from dedup.stages.segment import Prepared

    batch = []
    for words in docs:
        h = np.array(words, np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        p = Prepared(0, None, np.zeros(len(h), np.int32), np.zeros(len(h), np.int32), h, np.zeros(1, np.int64), [],
                     np.zeros(len(h), bool), df=np.array([w % 9 for w in words], np.int32))
        cuts = sorted(data.draw(st.lists(st.integers(0, len(h)), max_size=4)))
        spans = list(zip(cuts[::2], cuts[1::2]))
        batch.append((p, spans, np.arange(len(spans), dtype=np.uint64)))
    got = rest_signatures(batch, {0, 2}, n_docs, seed)
    for doc, sig in zip(batch, got):
        want = _reference_inline_rest(*doc, {0, 2}, n_docs, seed)
        assert (sig is None and want is None) or sig.tolist() == want.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), max_size=30), min_size=1, max_size=8), st.integers(0, 3))
def test_rare_word_keys_from_the_table_are_those_from_each_token(docs, seed):
    from dedup.config import Config
    from dedup.stages.candidates import _rare_keys
    from dedup.stages.segment import Prepared

    values = np.arange(41, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    order = np.argsort(values)
    values, counts = values[order], (np.arange(41) % 13)[order]  # df 2..10 is rare for these few documents
    prepared = []
    for words in docs:
        h = np.arange(41, dtype=np.uint64)[words] * np.uint64(0x9E3779B97F4A7C15)
        p = Prepared(0, None, np.zeros(len(h), np.int32), np.zeros(len(h), np.int32), h, np.zeros(1, np.int64), [],
                     np.zeros(len(h), bool), df=(np.arange(41) % 13)[words].astype(np.int32))
        p.vocab = np.unique(h)
        prepared.append(p)
    cfg = Config(seed=seed)
    assert np.array_equal(_rare_keys(prepared, cfg, 30, (values, counts)), _rare_keys(prepared, cfg, 30))
