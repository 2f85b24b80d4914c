"""The array paths of per-document loops agree with their definitions (the loops they
replaced, written out here as references), on generated texts."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.align_chars import CharView
from dedup.stages.normalize import normalize_token, tokenize
from dedup.stages.segment import _segment_bounds

_SENT_MARKS = ".!?\u3002\uff01\uff1f"


def _reference_bounds(text, starts, ends, para_last, target):
    """Token by token: cut at a paragraph end once half a segment is there, at a
    sentence end once a whole one is, anywhere at twice the target."""
    n, bounds, acc, half = len(starts), [0], 0, max(1, target // 2)
    for i in range(n):
        acc += 1
        if i == n - 1:
            break
        if i in para_last:
            cut = acc >= half
        elif acc >= target:
            cut = acc >= 2 * target or any(c in _SENT_MARKS for c in text[ends[i] : starts[i + 1]])
        else:
            cut = False
        if cut:
            bounds.append(i + 1)
            acc = 0
    if n:
        if acc < half and len(bounds) > 1:
            bounds.pop()
        bounds.append(n)
    return bounds


_WORDS = st.lists(st.sampled_from(["a", "bb", "Cc", "d.", "e!", "f?", "g\u3002", "h,", "i\n\n", "j. ", "\u4e60"]),
                  max_size=120).map(" ".join)


@settings(max_examples=300)
@given(_WORDS, st.integers(1, 50), st.lists(st.integers(-1, 130), max_size=10))
def test_segment_bounds_are_the_greedy_cuts(text, target, ends_at):
    starts, ends, _ = tokenize(text)
    para_last = sorted({x for x in ends_at if x < len(starts)} | ({len(starts) - 1} if len(starts) else set()))
    got = _segment_bounds(text, starts, ends, np.array(para_last, dtype=np.int64), target)
    assert got.dtype == np.int64
    assert got.tolist() == _reference_bounds(text, starts, ends, set(para_last), target)


@settings(max_examples=300)
@given(st.text(alphabet=st.one_of(st.sampled_from("aZ09 -.\n\u00e9\u0130\u00df\uff21\u4e60K"), st.characters()),
               max_size=80))
def test_char_view_is_the_normalized_words_each_with_a_space(text):
    starts, ends, _ = tokenize(text)
    view = CharView.of(text, starts.astype(np.int32), ends.astype(np.int32))
    pieces = [normalize_token(text[s:e]) + " " for s, e in zip(starts.tolist(), ends.tolist())]
    assert view.chars == "".join(pieces)
    assert view.word_of.dtype == np.int64
    assert view.word_of.tolist() == [k for k, w in enumerate(pieces) for _ in w]


def _reference_rest_signature(text, spans, shape, keys, recurring, shingle_size, seed):
    """One document at a time: its kept lines' tokens, n-grams, a 32-permutation MinHash."""
    from dedup.stages.fingerprint import combine, signatures
    from dedup.stages.recurrence import REST_MIN_TOKENS, REST_PERM
    from dedup.stages.segment import span_tokens

    keep = [not s and k not in recurring for s, k in zip(shape.tolist(), keys.tolist())]
    hashes = span_tokens(text, [sp for sp, k in zip(spans, keep) if k])[2]
    if len(hashes) < REST_MIN_TOKENS:
        return None
    sh = combine(hashes, min(shingle_size, len(hashes)))
    return signatures(sh, np.zeros(len(sh), dtype=np.int64), 1, REST_PERM, seed)[0]


_LINES = st.lists(st.lists(st.sampled_from(["Share", "news", "the", "Rates", "rose", "2.5%", "\u4e60\u8fd1",
                                            "caf\u00e9", "-", "\u00a9 2024", "Menu"]), min_size=1, max_size=12)
                  .map(" ".join), max_size=12).map("\n \n".join)


@settings(max_examples=100)
@given(st.lists(_LINES, min_size=1, max_size=6), st.integers(1, 8), st.integers(0, 3))
def test_rest_signatures_of_many_documents_are_each_ones_own(texts, shingle_size, seed):
    from dedup.stages.boilerplate import line_keys, line_spans, shape_furniture
    from dedup.stages.recurrence import rest_signatures

    docs = []
    for text in texts:
        spans = line_spans(text)
        docs.append((text, spans, shape_furniture(text, spans)[0], line_keys(text, spans)))
    recurring = {int(k) for _, _, _, keys in docs for k in keys.tolist()[::3]}
    got = rest_signatures(docs, recurring, shingle_size, seed)
    for doc, sig in zip(docs, got):
        want = _reference_rest_signature(*doc, recurring, shingle_size, seed)
        assert (sig is None) == (want is None)
        if want is not None:
            assert sig.dtype == want.dtype and sig.tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ab C\u00e91,.\n\u4e2d\u00df-'", max_size=60),
                          st.lists(st.integers(0, 60), max_size=8)), max_size=5))
def test_span_tokens_of_many_texts_are_each_spans_own_tokens(docs):
    """Texts tokenized together keep each span's own tokens, in the text's own offsets,
    also when a span's edge falls inside a word."""
    from dedup.stages.segment import span_tokens_many

    from textgen import assert_span_tokens, cut_spans

    texts = [text for text, _ in docs]
    spans = [cut_spans(text, cuts) for text, cuts in docs]
    for text, sp, (starts, ends, hashes, first) in zip(texts, spans, span_tokens_many(texts, spans)):
        assert (starts.dtype, ends.dtype, hashes.dtype, first.dtype) == (np.int64, np.int64, np.uint64, np.int64)
        assert first[0] == 0
        assert_span_tokens(text, sp, starts, ends, hashes, first)


def _same_table(got, want):
    """A counts table (keys, int32 counts) with the word table's keys and counts."""
    assert len(got) == 2 and len(want) == 4
    assert got[0].dtype == want[0].dtype and got[1].dtype == np.int32
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


_HASH_LISTS = st.lists(st.lists(st.integers(0, 5), max_size=14), max_size=6).map(
    lambda docs: [np.array(d, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) for d in docs])


@settings(max_examples=200, deadline=None)
@given(_HASH_LISTS, st.integers(0, 50), st.integers(0, 6), st.integers(1, 3))
def test_phrase_counts_by_key_range_are_the_table_of_each_documents_phrases(hash_lists, first, bits, min_docs):
    from dedup.stages.words import distinct_phrases, phrase_entries, shared_counts, table_of
    from dedup.storage.keyparts import KeyParts

    want = table_of([(first + k, distinct_phrases(h), np.ones(len(distinct_phrases(h)), np.int32))
                     for k, h in enumerate(hash_lists)])
    parts = KeyParts(None, "", bits)
    half = len(hash_lists) // 2  # two batches of documents, as two workers' ranges
    parts.add(phrase_entries(hash_lists[:half], np.arange(first, first + half), bits))
    parts.add(phrase_entries(hash_lists[half:], np.arange(first + half, first + len(hash_lists)), bits))
    keys, counts = shared_counts(parts, min_docs)
    keep = want[1] >= min_docs
    assert keys.dtype == np.uint64 and counts.dtype == np.int32
    assert keys.tolist() == want[0][keep].tolist() and counts.tolist() == want[1][keep].tolist()


@settings(max_examples=200, deadline=None)
@given(_HASH_LISTS, st.integers(1, 3), st.integers(1, 4))
def test_gram_table_of_a_batch_is_the_table_of_each_documents_counted_grams(hash_lists, mod, first):
    from dedup.stages.inline import counted, gram_pairs
    from dedup.stages.words import table_of, table_of_pairs

    doc, grams = gram_pairs(hash_lists, mod)
    want = table_of([(first + k, counted(h, mod), np.ones(len(counted(h, mod)), np.int32)) for k, h in enumerate(hash_lists)])
    _same_table(table_of_pairs(doc + first, grams), want)


def _reference_fact_evidence(spans, side_a, side_b, facts_a, facts_b, others):
    """Token arrays per side and one reduceat per quantity (the definition)."""
    from dedup.stages.template import _sides

    n_gaps = sum(len(sp.blocks) for sp in spans) + 1
    per_side = []
    for side, unit in enumerate((facts_a, facts_b)):
        inside, equal, gap = _sides(len(unit), spans, side)
        changed = ~equal & (gap >= 0)
        with_fact, with_words = np.zeros(n_gaps, bool), np.zeros(n_gaps, bool)
        with_fact[gap[changed & (unit >= 0)] + 1] = True
        with_words[gap[changed] + 1] = True
        per_side.append((inside, equal, gap, with_fact, with_words))
    swapped = per_side[0][3] & per_side[1][3]
    plain = int((per_side[0][4] & per_side[1][4] & ~per_side[0][3] & ~per_side[1][3]).sum())
    same, new = [], []  # new: per side, {gap: [the words of each fact of the gap that differs]}
    for (inside, equal, gap, _, _), (s, unit) in zip(per_side, ((side_a, facts_a), (side_b, facts_b))):
        sel = (unit >= 0) & inside
        units = unit[sel]
        new.append({})
        if not len(units):
            same.append((np.zeros(0, np.int64), np.zeros(0)))
            continue
        heads = np.flatnonzero(np.concatenate(([True], units[1:] != units[:-1])))
        w = s.weights()[sel]
        r = np.ones(len(w)) if others < 1 else np.clip((w - 1.0) / np.log(1.0 + others), 0.0, 1.0)
        rare = np.maximum.reduceat(r, heads)
        whole = np.add.reduceat(equal[sel].astype(np.int64), heads) == np.diff(np.append(heads, len(units)))
        in_swap = np.logical_or.reduceat(swapped[gap[sel] + 1], heads)
        positions = np.flatnonzero(sel)
        for k in np.flatnonzero(~whole & in_swap):
            toks = positions[units == units[heads[k]]]
            new[-1].setdefault(int(gap[toks[0]]), []).append("".join(s.words[t] for t in toks))
        same.append((units[heads][whole].astype(np.int64), rare[whole]))
    # a gap's facts the other side's gap states too are restated; the rest substitute as
    # many on each side as the side with fewer has
    differ = 0.0
    for g in set(new[0]) | set(new[1]):
        fa, fb = new[0].get(g, []), new[1].get(g, [])
        differ += 2 * min(sum(t not in fb for t in fa), sum(t not in fa for t in fb))
    return differ, same[0][0], same[0][1], same[1][0], same[1][1], int(swapped.sum()), plain


@st.composite
def _linked_pairs(draw):
    """Two documents' fact masks and weights, and passages of equal blocks (in order on
    both sides, passages apart), as alignment gives them."""
    from dedup.stages.align import Side, Span

    n = draw(st.integers(1, 60))
    def facts():
        mask, k = [], 0
        while k < n:
            run = draw(st.integers(1, 3))
            fact = draw(st.booleans())
            mask += [k if fact else -1] * min(run, n - k)
            k += run
        return np.array(mask, dtype=np.int64)
    edges_a = sorted(set(draw(st.lists(st.integers(0, n), max_size=12))))
    edges_b = sorted(set(draw(st.lists(st.integers(0, n), max_size=12))))
    m = min(len(edges_a), len(edges_b)) // 2 * 2
    blocks = [(edges_a[i], edges_a[i + 1], edges_b[i], edges_b[i + 1]) for i in range(0, m, 2)]
    spans, k = [], 0
    while k < len(blocks):
        g = blocks[k : k + draw(st.integers(1, 3))]
        spans.append(Span(g[0][0], g[-1][1], g[0][2], g[-1][3], 1, 1.0, 1.0, tuple(g)))
        k += len(g)
    # words from a small alphabet: some facts in a gap are the other side's, restated
    sides = [Side.make(draw(st.text("abc", min_size=n, max_size=n)),
                       np.array(draw(st.lists(st.floats(1.0, 9.0), min_size=n, max_size=n)))) for _ in "ab"]
    return spans, sides[0], sides[1], facts(), facts(), draw(st.integers(0, 50))


@settings(max_examples=300, deadline=None)
@given(_linked_pairs())
def test_fact_evidence_is_its_definition(pair):
    from dedup.stages.template import fact_evidence

    got, want = fact_evidence(*pair), _reference_fact_evidence(*pair)
    assert got.differ == want[0] and got.swaps == want[5] and got.plain == want[6]
    if want[5] == 0:  # no fact swapped: nothing differs, the repeated facts are not listed
        assert want[0] == 0.0 and got.share() == 0.0 and all(len(g) == 0 for g in got[1:5])
        return
    for g, w in zip(got[1:5], want[1:5]):
        assert g.dtype == w.dtype and g.tolist() == w.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=30), st.sets(st.integers(0, 40), max_size=12), st.booleans(),
       st.integers(2, 9))
def test_phrase_counts_per_position_are_the_tables_count_of_its_key(words, picks, with_zero, count):
    """Each position's bigram and trigram count is the table's count of its key, 1 for
    a key the table lacks (the first positions' key 0 included)."""
    from dedup.stages.words import phrase_keys, phrases_of

    hashes = np.array(words, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    bi, tri = phrase_keys(hashes)
    pool = sorted(set(np.concatenate([bi, tri]).tolist()) | {7, 11})
    keys = sorted({pool[p % len(pool)] for p in picks} | ({0} if with_zero else set()))
    values = np.array(keys, dtype=np.uint64)
    counts = np.arange(count, count + len(keys), dtype=np.int64)
    table = dict(zip(keys, counts.tolist()))
    got = phrases_of(hashes, (values, counts))
    assert got[0].tolist() == bi.tolist() and got[1].tolist() == tri.tolist()
    for positions, df in ((bi, got[2]), (tri, got[3])):
        assert df.dtype == np.int32
        assert df.tolist() == [table.get(k, 1) for k in positions.tolist()]


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 30), max_size=15), st.sets(st.integers(0, 30), max_size=15))
def test_shared_words_flag_each_sides_words_the_other_has(a, b):
    from dedup.stages.link import shared_words

    va, vb = np.array(sorted(a), dtype=np.uint64), np.array(sorted(b), dtype=np.uint64)
    has_a, has_b = shared_words(va, vb)
    assert has_a.tolist() == [x in b for x in sorted(a)]
    assert has_b.tolist() == [x in a for x in sorted(b)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 50, allow_nan=False), max_size=40))
def test_prefix_sums_are_a_zero_then_the_running_sums(x):
    from dedup.stages.significance import prefix_sums

    arr = np.array(x, dtype=np.float64)
    assert prefix_sums(arr).tobytes() == np.concatenate([[0.0], np.cumsum(arr)]).tobytes()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc", max_size=30), st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=4))
def test_masking_replaces_exactly_the_spans_characters(word_string, spans):
    from dedup.stages.align import _MASK_A, _mask

    spans = [(min(s, e), max(s, e)) for s, e in spans if max(s, e) <= len(word_string)]
    masked = set().union(*[range(s, e) for s, e in spans]) if spans else set()
    want = "".join(_MASK_A if i in masked else c for i, c in enumerate(word_string))
    assert _mask(word_string, spans, _MASK_A) == want


@st.composite
def _chains(draw):
    """A chain of equal blocks over two documents, each word's rarity, its evidence (never
    above its rarity: context only discounts) and a per-block discount (never negative)."""
    n = draw(st.integers(1, 8))
    blocks, x, y = [], 0, 0
    for _ in range(n):
        x += draw(st.integers(0, 6))
        y += draw(st.integers(0, 6))
        k = draw(st.integers(1, 6))
        blocks.append((x, x + k, y, y + k))
        x, y = x + k, y + k
    def words(m):
        rarity = np.array(draw(st.lists(st.floats(0, 8), min_size=m, max_size=m)))
        keep = np.array(draw(st.lists(st.floats(0, 1), min_size=m, max_size=m)))
        return rarity, rarity * keep
    (ra, ea), (rb, eb) = words(x), words(y)
    cut = draw(st.lists(st.floats(0, 5), min_size=n, max_size=n))
    return blocks, (ra, ea), (rb, eb), dict(zip(blocks, cut))


@settings(max_examples=300, deadline=None)
@given(_chains())
def test_the_rarity_chain_bounds_every_sub_chain_of_the_evidence(chain):
    """The bound significance.significant_subchains rejects chains by: the best sub-chain of the words'
    rarities (gap costs included) scores at least any sub-chain of their evidence."""
    from dedup.stages.significance import best_subchains, prefix_sums

    blocks, (ra, ea), (rb, eb), cut = chain
    bound = max(score for _, _, score in best_subchains(blocks, prefix_sums(ra), prefix_sums(rb)) or [(0, 0, 0.0)])
    real = best_subchains(blocks, prefix_sums(ea), prefix_sums(eb), lambda blk, a, b: cut[blk])
    assert all(score <= bound + 1e-9 for _, _, score in real)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 9), max_size=30), st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8)), max_size=5))
def test_unmasked_rarity_counts_each_word_outside_every_span_once(rarity, spans):
    from dedup.stages.align import _unmasked
    from dedup.stages.significance import Lazy

    n = len(rarity)
    masked = [(min(s, n), min(s + k, n)) for s, k in spans]
    outside = [i for i in range(n) if not any(s <= i < e for s, e in masked)]
    assert abs(_unmasked(Lazy(np.array(rarity, dtype=float)), n, masked) - sum(rarity[i] for i in outside)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)).filter(lambda p: p[0] < p[1]), unique=True, max_size=120))
def test_the_align_order_is_a_permutation_of_the_pairs(pairs):
    from dedup.stages.link import _local_order

    arr = np.array(pairs, np.int64).reshape(-1, 2)
    order = _local_order(41, arr)
    assert sorted(order.tolist()) == list(range(len(pairs)))


@given(st.permutations(list(range(300))))
def test_the_align_order_keeps_a_long_chain_of_documents_local(labels):
    """One connected group of documents (a chain, numbered at random): the order walks
    it, so any 50 consecutive pairs touch about 50 documents, not 100 (the cost a
    worker's document cache pays)."""
    from dedup.stages.link import _local_order

    arr = np.sort(np.array([(labels[k], labels[k + 1]) for k in range(299)], np.int64), axis=1)
    order = _local_order(300, arr)
    for s in range(0, 299 - 50, 25):
        assert len(np.unique(arr[order[s : s + 50]])) <= 52


@st.composite
def _sided_chains(draw):
    """A chain over two documents as :class:`~dedup.stages.align.Side` objects: each
    word's rarity, its evidence in context (never above the rarity), quoted words and
    names or figures (the event discount), and the score a significant chain needs."""
    from dedup.stages.align import Side
    from dedup.stages.significance import Evidence

    blocks, (ra, ea), (rb, eb), _ = draw(_chains())

    def side(rarity, evidence):
        n = len(rarity)
        # (a quote or a fact one word in four: a chain of mostly own wording may explain
        # the shorter document, the rule the cover score is for)
        flag = st.sampled_from([False, False, False, True])
        quoted = np.array(draw(st.lists(flag, min_size=n, max_size=n)), bool)
        fact = np.array(draw(st.lists(flag, min_size=n, max_size=n)), bool)
        return Side.make("x" * n, rarity + 1.0, quoted, rarity, lambda: Evidence(evidence, evidence, evidence),
                         lambda: fact)
    need = draw(st.floats(1.0, 40.0))  # (a search needs at least e nats)
    return blocks, side(ra, ea), side(rb, eb), need, draw(st.none() | st.floats(0.5, need))


@settings(max_examples=300, deadline=None)
@given(_sided_chains())
def test_the_bounds_before_the_phrases_reject_only_chains_the_evidence_rejects(chain):
    """significance.significant_subchains rejects a chain on its words' rarities (with and
    without the discount of quotes, names and figures, and how much of the shorter
    document they could explain) before it looks their phrases up: it finds the same
    significant sub-chains as scoring every chain on its evidence."""
    from dedup.stages.event import event_discount, own_wording, unlicensed_fact_evidence
    from dedup.stages.significance import best_subchains, explains, significant_subchains

    blocks, A, B, need, cover = chain
    full_a, full_b = A.sig.full(), B.sig.full()
    short, n = (full_a, len(A.words)) if len(A.words) <= len(B.words) else (full_b, len(B.words))
    bar = cover if cover is not None and cover < need and len(blocks) >= 2 else need
    expected = []
    for lo, hi, score in best_subchains(blocks, full_a, full_b, event_discount(A, B)):
        score -= unlicensed_fact_evidence(blocks[lo:hi], A, B, full_a, full_b) if score >= bar else 0.0
        if score >= need or (score >= bar and hi - lo >= 2
                             and explains(own_wording(blocks[lo:hi], A, B, full_a, full_b), short, n)):
            expected.append((lo, hi, score))
    if bar < need:  # the longer side's gaps at the skip cost, for a chain that explains the shorter
        skip = 1 if len(A.words) <= len(B.words) else 0
        for lo, hi, score in best_subchains(blocks, full_a, full_b, event_discount(A, B), skip):
            score -= unlicensed_fact_evidence(blocks[lo:hi], A, B, full_a, full_b) if score >= bar else 0.0
            if (score >= bar and hi - lo >= 2
                    and explains(own_wording(blocks[lo:hi], A, B, full_a, full_b), short, n)):
                expected.append((lo, hi, score))
    merged: list = []  # overlapping sub-chains are one, with the best score
    for lo, hi, score in sorted(expected):
        if merged and lo < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi), max(merged[-1][2], score))
        else:
            merged.append((lo, hi, score))
    assert significant_subchains(blocks, A, B, need, cover) == merged


@settings(max_examples=300, deadline=None)
@given(_sided_chains(), st.booleans())
def test_a_chains_discount_at_once_is_each_blocks(chain, sums):
    """event.Discount.many (per word arrays, the chain's blocks at once) loses what the
    discount of one block at a time does, with or without fact prefix sums."""
    from dataclasses import replace

    from dedup.stages.event import event_discount
    from dedup.stages.significance import prefix_sums

    blocks, A, B, _, _ = chain
    if sums:
        A, B = (replace(s, fact_sums=lambda s=s: prefix_sums(s.facts())) for s in (A, B))
    d = event_discount(A, B)
    one = [d(blk, A.sig.cum_rarity, B.sig.cum_rarity) for blk in blocks]
    assert np.allclose(d.many(blocks, A.sig.cum_rarity, B.sig.cum_rarity), one, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200), st.integers(0, 2**48 - 1), st.booleans()), max_size=60))
def test_a_small_sets_filter_finds_the_members_a_search_finds(picks):
    """segment.member_filtered with the number words' filters (a look-up by the hash's low
    bits, then a search for those that pass) answers as member_sorted does: members, hashes
    that share a member's low bits and not its others, and any other hash."""
    from dedup.stages.facts import _number_filters, _number_hashes
    from dedup.stages.segment import member_filtered, member_sorted

    sets, filters = _number_hashes(), _number_filters()
    for which in range(3):
        x = []
        for s, k, high, member in picks:
            v = int(sets[s][k % len(sets[s])])
            x.append(v if member else (v & 0xFFFF) | (high << 16))  # the same low bits, other high ones
        x = np.array(x, np.uint64)
        assert (member_filtered(x, sets[which], filters[which]) == member_sorted(x, sets[which])).all()
