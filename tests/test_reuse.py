"""Issue 12: quotation marks of every style, rare-bigram candidates, significant chains."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textgen import shared_run_pair

from dedup.stages.align import Side, align
from dedup.stages.provenance import link_kind
from dedup.config import Config
from dedup.stages.inverted import MAX_DF, PER_DOC, bigrams, rare_pairs
from dedup.stages.segment import _quoted
from dedup.stages.significance import Evidence, best_subchains, evalue


def _quoted_words(text):
    starts = np.asarray([m.start() for m in re.finditer(r"\w+", text)])
    return [w for w, q in zip(re.findall(r"\w+", text), _quoted(text, 0, len(text), starts)) if q]


def test_single_quotes_of_british_papers_are_quotations_and_apostrophes_are_not():
    assert _quoted_words("He said `I'm innocent' and left.") == ["I", "m", "innocent"]
    assert _quoted_words("He said 'guilty as charged' today.") == ["guilty", "as", "charged"]
    assert _quoted_words("\u2018Yes,\u2019 she said.") == ["Yes"]
    assert _quoted_words("The victims' families didn't speak to PA's reporter.") == []
    assert _quoted_words('She said "it is over" today.') == ["it", "is", "over"]
    assert _quoted_words("\u00abOui\u00bb, dit-il.") == ["Oui"]


def _doc(rng, vocab=5000, n=60):
    return rng.integers(1, vocab, n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def test_a_short_rewrite_sharing_rare_runs_with_a_long_story_is_a_candidate():
    rng = np.random.default_rng(1)
    docs = [_doc(rng, n=300) for _ in range(200)]
    wire = _doc(rng, vocab=10**9, n=600)
    runs = [wire[100:105], wire[300:305], wire[500:505]]
    paper = np.concatenate([_doc(rng, n=10), runs[0], _doc(rng, n=10), runs[1], _doc(rng, n=10), runs[2]])
    docs += [wire, paper]
    keys = [bigrams(h) for h in docs]
    pairs = rare_pairs(keys, [np.full(len(k), i) for i, k in enumerate(keys)], len(docs))
    assert [len(docs) - 2, len(docs) - 1] in pairs.tolist()


def test_common_bigrams_never_seed_and_each_document_keeps_few_partners():
    rng = np.random.default_rng(2)
    shared = _doc(rng, vocab=10**9, n=40)  # one passage in every document: furniture
    docs = [np.concatenate([_doc(rng, vocab=10**9), shared]) for _ in range(MAX_DF + 5)]
    keys = [bigrams(h) for h in docs]
    assert len(rare_pairs(keys, [np.full(len(k), i) for i, k in enumerate(keys)], len(docs))) == 0
    # a story in many copies: every pair shares rare bigrams, each document keeps PER_DOC partners
    story = _doc(rng, vocab=10**9, n=80)
    many = [np.concatenate([_doc(rng, vocab=10**9, n=20), story]) for _ in range(8)]
    many += [_doc(rng, vocab=10**9) for _ in range(400)]
    keys = [bigrams(h) for h in many]
    pairs = rare_pairs(keys, [np.full(len(k), i) for i, k in enumerate(keys)], len(many))
    assert len(pairs) == 8 * 7 // 2
    assert np.bincount(pairs.ravel()).max() <= max(7, PER_DOC)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 12)), min_size=1, max_size=12))
def test_best_subchains_are_disjoint_and_positive(parts):
    blocks, x = [], 0
    for length, gap in parts:
        x += gap
        blocks.append((x, x + length, x, x + length))
        x += length
    sig = np.concatenate([[0.0], np.cumsum(np.full(x + 1, 2.0))])
    found = best_subchains(blocks, sig, sig)
    for (lo, hi, score), nxt in zip(found, found[1:] + [(len(blocks), 0, 0)]):
        assert 0 <= lo < hi <= nxt[0] and score > 0


def test_a_stray_block_does_not_sink_a_chain():
    # 20 words matched in four runs, then one word matched after a gap of 7 on both sides
    blocks = [(0, 5, 0, 5), (6, 11, 6, 11), (12, 17, 12, 17), (18, 23, 18, 23), (30, 31, 30, 31)]
    sig = np.arange(40, dtype=float) * 3.0  # 3 nats a word
    assert best_subchains(blocks, sig, sig)[0][:2] == (0, 4)


def test_evalue_grows_with_the_search():
    assert evalue(30.0, 100, 100, 1000) == pytest.approx(1000 * evalue(30.0, 100, 100, 1))


def _rare_run(seed: int, words: int):
    """Two texts of common words (rarity 0.2) sharing a run of ``words`` rare ones (2.0
    nats each), at 80 in the first and 50 in the second: their sides and lengths."""
    rng = np.random.default_rng(seed)
    a = "".join(chr(0x4E00 + int(v)) for v in rng.integers(0, 5000, 200))
    run = "".join(chr(0x9000 + k) for k in range(words))
    b = "".join(chr(0x4E00 + int(v)) for v in rng.integers(5000, 9000, 100))
    a, b = a[:80] + run + a[80:], b[:50] + run + b[50:]

    def side(w):
        rarity = np.full(len(w), 0.2)
        rarity[[k for k, c in enumerate(w) if c >= "\u9000"]] = 2.0
        return Side.make(w, rarity + 1.0, None, rarity)

    return side(a), side(b), len(a), len(b)


def test_a_short_chain_of_rare_words_is_significant_where_the_fixed_rules_reject_it():
    A, B, _, _ = _rare_run(3, 10)  # ten rare words (20 nats), fewer than min_passage_tokens
    cfg = Config(max_evalue=0.01)
    assert align(A, B, Config(max_evalue=1e-30), tests=1) == []
    spans = align(A, B, cfg, tests=1)
    assert [(s.a0, s.a1, s.b0, s.b1, s.significant) for s in spans] == [(80, 90, 50, 60, True)]
    # the same chain in a search of a million pairs is chance
    assert align(A, B, cfg, tests=10**6) == []


def test_a_kept_passage_too_short_to_link_by_length_links_when_significant():
    # 20 rare words (40 nats): the fixed rules keep the passage (>= min_passage_tokens)
    # but it is under min_link_tokens; whether it links is the significance's to say
    A, B, n_a, n_b = _rare_run(4, 20)
    cfg = Config()
    assert cfg.min_passage_tokens <= 20 < cfg.min_link_tokens
    spans = align(A, B, cfg, tests=1)
    assert [(s.a0, s.a1, s.b0, s.b1) for s in spans] == [(80, 100, 50, 70)]
    assert spans[0].significant and link_kind(spans, n_a, n_b, cfg) == "partial"
    # the same passage in a search of a billion pairs is chance: kept, but too short to link
    spans = align(A, B, cfg, tests=10**9)
    assert [(s.a0, s.a1, s.significant) for s in spans] == [(80, 100, False)]
    assert link_kind(spans, n_a, n_b, cfg) is None



def test_a_kept_passage_too_short_to_link_joins_a_significant_chain_across_a_wide_gap():
    # 20 rare words (40 nats), and 10 more two words later in A but twelve in B (a caption
    # or a newsletter blurb inside the copy): too far apart for one passage by the fixed
    # rules (max_gap 8), and neither significant alone in a search of a billion pairs
    # (need ~45 nats); together, less the gap's cost, they are (53 nats).
    A, B, n_a, n_b = _rare_run(4, 20)
    tail = "".join(chr(0x9100 + k) for k in range(10))
    wa = A.words[:102] + tail + A.words[102:]
    wb = B.words[:82] + tail + B.words[82:]

    def side(w):
        rarity = np.where(np.frombuffer(w.encode("utf-32-le"), np.uint32) >= 0x9000, 2.0, 0.2)
        return Side.make(w, rarity + 1.0, None, rarity)

    cfg = Config()
    spans = align(side(wa), side(wb), cfg, tests=10**9)
    assert [(s.a0, s.a1, s.b0, s.b1, s.significant) for s in spans] == [(80, 112, 50, 92, True)]
    assert link_kind(spans, len(wa), len(wb), cfg) == "partial"
    # each part alone stays short of the need: the passage is kept but does not link
    spans = align(side(A.words), side(B.words), cfg, tests=10**9)
    assert [(s.a0, s.a1, s.significant) for s in spans] == [(80, 100, False)]



def _rewrite_pair(around: int, common: float, one_run: bool = False, seed: int = 7, cut: int = 0,
                  own: int = 0):
    """A 200-word story (common words, 0.2 nats) and a rewrite of ``around`` other words
    each side (``common`` nats each) around two runs of six rare words (2.0 nats) the
    story holds too, one changed word between them on both sides (or none: one run);
    ``cut`` more story words between the runs that the rewrite left out, ``own`` more
    words of its own there."""
    rng = np.random.default_rng(seed)
    run1 = "".join(chr(0x9000 + k) for k in range(6))
    run2 = "".join(chr(0x9010 + k) for k in range(6))
    mid_a, mid_b = ("", "") if one_run else ("\u4e00", "\u5e00")
    story = "".join(chr(0x4E10 + int(v)) for v in rng.integers(0, 4000, 200 + cut))
    story = story[:80] + run1 + mid_a + story[200:] + run2 + story[80:200]
    pad = "".join(chr(0x6000 + int(v)) for v in rng.integers(0, 4000, 2 * around + own))
    rewrite = pad[:around] + run1 + mid_b + pad[2 * around:] + run2 + pad[around:2 * around]

    def side(w, other):
        cp = np.frombuffer(w.encode("utf-32-le"), np.uint32)
        rarity = np.where(cp >= 0x9000, 2.0, np.where(cp >= 0x6000, other, 0.2))
        return Side.make(w, rarity + 1.0, None, rarity)

    return side(story, common), side(rewrite, common)


def test_a_chain_that_explains_most_of_a_short_rewrite_is_significant_at_a_looser_evalue():
    # two runs of six rare words through a changed word (23 nats), under min_passage_tokens;
    # in a search of 1,000 pairs a chain anywhere needs 29 nats (E <= 1e-6), one that explains
    # 30% of the shorter document's evidence 16 (E <= 1): the rewrite's 37 nats
    cfg = Config()
    A, B = _rewrite_pair(8, 0.2)
    spans = align(A, B, cfg, tests=1000)
    assert [(s.a0, s.a1, s.b0, s.b1, s.significant) for s in spans] == [(80, 93, 8, 21, True)]
    assert align(B, A, cfg, tests=1000) == [s.swapped() for s in spans]  # symmetric
    # the same chain in a longer text of rarer words explains too little of it (31 nats needed)
    A, B = _rewrite_pair(60, 1.0)
    assert align(A, B, cfg, tests=1000) == []
    # one block alone (a sentence two reports may both quote) needs the full score
    A, B = _rewrite_pair(8, 0.2, one_run=True)
    assert align(A, B, cfg, tests=1000) == []
    assert align(A, B, cfg, tests=1)  # (in a search of one pair it is significant)


def test_a_short_rewrite_that_skips_a_paragraph_of_the_story_is_found_in_two_passages():
    # the story holds 30 words between the runs that the rewrite left out: at a word's gap
    # cost (16 nats) the chain scores 8 where it needs 16; the skipped stretch costs the log
    # of the places it could have ended (3.5 nats): 20. The skipped words are not reused.
    cfg = Config()
    A, B = _rewrite_pair(8, 0.2, cut=30)
    spans = align(A, B, cfg, tests=1000)
    assert [(s.a0, s.a1, s.b0, s.b1, s.significant) for s in spans] == [(80, 86, 8, 14, True),
                                                                        (117, 123, 15, 21, True)]
    assert align(B, A, cfg, tests=1000) == [s.swapped() for s in spans]  # symmetric
    # 30 words of the rewrite's own between the runs: what it wrote itself costs in full
    A, B = _rewrite_pair(8, 0.2, own=30)
    assert align(A, B, cfg, tests=1000) == []


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.floats(0.05, 2.0), st.booleans(), st.integers(0, 10**6), st.integers(0, 8),
       st.integers(0, 40), st.integers(0, 40))
def test_a_chain_judged_by_how_much_of_the_shorter_document_it_explains_is_symmetric(around, common, one_run, seed,
                                                                                    search, cut, own):
    A, B = _rewrite_pair(around, common, one_run, seed, cut, own)
    spans = align(A, B, Config(), tests=10**search)
    assert align(B, A, Config(), tests=10**search) == [s.swapped() for s in spans]


def test_two_common_words_past_a_gap_do_not_extend_a_passage():
    # "The report was a | on Strategic Export Controls. He said "it is" / "The report was
    # a | Indeed, it is": two words most documents carry, a few words past a passage's
    # end, are chance; pulled in, the gap before them held names read as a new fact.
    A, B, n_a, n_b = _rare_run(4, 20)
    pair = "\u4e00\u4e01"  # two common words (rarity 0.2) on both sides
    wa = A.words[:100] + "\u4f00\u4f01\u4f02" + pair + A.words[100:]
    wb = B.words[:70] + "\u5f00" + pair + B.words[70:]

    def side(w, rare=2.0):
        rarity = np.where(np.frombuffer(w.encode("utf-32-le"), np.uint32) >= 0x9000, rare, 0.2)
        return Side.make(w, rarity + 1.0, None, rarity)

    spans = align(side(wa), side(wb), Config(), tests=1)
    assert [(s.a0, s.a1, s.b0, s.b1) for s in spans] == [(80, 100, 50, 70)]
    # two words that few documents carry are no chance: the passage takes them
    rare = lambda w: Side.make(w, np.full(len(w), 3.0), None, np.full(len(w), 2.0))  # noqa: E731
    spans = align(rare(wa), rare(wb), Config(), tests=1)
    assert [(s.a0, s.a1, s.b0, s.b1) for s in spans] == [(80, 105, 50, 73)]


def test_quote_marks_of_both_kinds_nest_and_close_by_the_side_they_touch():
    # a single quote inside a double one, both closing together: the double still closes
    assert _quoted_words('He said "they shouted \'out\'" and left.') == ["they", "shouted", "out"]
    # British style: a double quote inside a single one
    assert _quoted_words("He said 'they shouted \"out\"' and left.") == ["they", "shouted", "out"]
    # an apostrophe inside a quote neither closes it nor opens another
    assert _quoted_words('"The victims\' families don\'t know" he said.') == ["The", "victims", "families", "don", "t", "know"]
    # an opening bracket or dash before a mark is no word: it opens
    assert _quoted_words("the verdict ('guilty') stands") == ["guilty"]
    # a text cut mid-quote: only a double mark closes what began before the paragraph
    assert _quoted_words('cut short," he said.') == ["cut", "short"]
    assert _quoted_words("the victims' lawyer said.") == []


def test_rare_bigram_seeds_must_reach_a_significant_score_and_skip_proposed_pairs():
    rng = np.random.default_rng(3)
    docs = [_doc(rng, n=300) for _ in range(200)]
    wire = _doc(rng, vocab=10**9, n=600)
    paper = np.concatenate([_doc(rng, n=10), wire[100:106], _doc(rng, n=10), wire[300:306]])
    docs += [wire, paper]
    keys = [bigrams(h) for h in docs]
    owners = [np.full(len(k), i) for i, k in enumerate(keys)]
    pair = [len(docs) - 2, len(docs) - 1]
    ntok = np.array([len(h) for h in docs], float)
    # ten shared rare bigrams (~53 nats): significant at 1e-6 in a small search, not at 1e-30
    assert pair in rare_pairs(keys, owners, len(docs), None, ntok, 1e-6).tolist()
    assert pair not in rare_pairs(keys, owners, len(docs), None, ntok, 1e-30).tolist()
    # a pair the MinHash bands already propose is not proposed again
    assert pair not in rare_pairs(keys, owners, len(docs), np.array([pair]), ntok, 1e-6).tolist()


def test_phrase_evidence_is_computed_only_for_a_chain_that_could_be_significant():
    a, b = shared_run_pair(4, 10)
    calls = []

    def side(w, rare):
        rarity = np.full(len(w), 0.2)
        rarity[[k for k, c in enumerate(w) if c >= "\u9000"]] = rare

        def evidence():
            calls.append(w)
            return Evidence.independent(rarity)
        return Side.make(w, rarity + 1.0, None, rarity, evidence)

    cfg = Config(max_evalue=0.01)
    assert align(side(a, 0.5), side(b, 0.5), cfg, tests=1) == []  # 5 nats can never reach ~15
    assert calls == []
    assert len(align(side(a, 2.0), side(b, 2.0), cfg, tests=1)) == 1
    assert len(calls) == 2


def test_names_and_figures_weigh_half_in_significance_as_quotes_do():
    # ten rare words (20 nats) shared in one run: significant at this search size (needs
    # ~14.7), but not when they are names or figures, which independent reports of one
    # event share (10 nats)
    a, b = shared_run_pair(5, 10)

    def side(w, facts):
        rarity = np.full(len(w), 0.2)
        rare = np.array([c >= "\u9000" for c in w])
        rarity[rare] = 2.0
        return Side.make(w, rarity + 1.0, None, rarity, None, lambda: rare & facts)

    cfg = Config(max_evalue=0.01)
    assert [s.significant for s in align(side(a, False), side(b, False), cfg, tests=1)] == [True]
    assert align(side(a, True), side(b, True), cfg, tests=1) == []
    # a name on one side only (capitalised by one writer) is a name
    assert align(side(a, True), side(b, False), cfg, tests=1) == []


def test_short_runs_through_a_rewritten_stretch_chain_when_together_they_are_significant():
    # two runs of 8 rare words (16 nats each, ~17 needed) with 10 rewritten words between
    # them on both sides (more than max_gap): neither is significant alone; chained, they
    # score 32 - 10 (the gap's cost) = 22
    rng = np.random.default_rng(6)
    a = [chr(0x4E00 + int(v)) for v in rng.integers(0, 5000, 200)]
    b = [chr(0x4E00 + int(v)) for v in rng.integers(5000, 9000, 100)]
    run1 = [chr(0x9000 + k) for k in range(8)]
    run2 = [chr(0x9100 + k) for k in range(8)]
    a = "".join(a[:80] + run1 + a[80:90] + run2 + a[90:])
    b = "".join(b[:50] + run1 + b[50:60] + run2 + b[60:])

    def side(w):
        rarity = np.full(len(w), 0.2)
        rarity[[k for k, c in enumerate(w) if c >= "\u9000"]] = 2.0
        return Side.make(w, rarity + 1.0, None, rarity)

    cfg = Config(max_evalue=1e-3)
    spans = align(side(a), side(b), cfg, tests=1)
    assert [(s.a0, s.a1, s.b0, s.b1, s.significant) for s in spans] == [(80, 106, 50, 76, True)]



def _crossed(run: int, rarity_rare: float = 2.0, crossed: bool = True):
    """A 200-word story holding two runs of ``run`` rare words 60 words apart, and a
    60-word rewrite holding them in the other order (or the same one)."""
    rng = np.random.default_rng(11)
    a = [chr(0x4E00 + int(v)) for v in rng.integers(0, 5000, 200)]
    b = [chr(0x4E00 + int(v)) for v in rng.integers(5000, 9000, 60)]
    run1 = [chr(0x9000 + k) for k in range(run)]
    run2 = [chr(0x9100 + k) for k in range(run)]
    first, second = (run2, run1) if crossed else (run1, run2)
    a = "".join(a[:40] + run1 + a[40:100] + run2 + a[100:])
    b = "".join(b[:10] + first + b[10:40] + second + b[40:])

    def side(w):
        rarity = np.where(np.frombuffer(w.encode("utf-32-le"), np.uint32) >= 0x9000, rarity_rare, 0.2)
        return Side.make(w, rarity + 1.0, None, rarity)

    return side(a), side(b)


def test_two_runs_in_the_other_order_are_judged_together():
    # two runs of 9 rare words (18 nats each) in a search of 10,000 pairs of 218 x 78
    # words: one run alone needs 32.8 nats (E <= 1e-6), and one LCS takes one order; the two
    # explain most of the rewrite, so together they need 19.0 (E <= 1), and score it: BLAST's
    # sum statistics in any order, each run paying the log of its 17,004 places (9.7 nats),
    # x = 36 - 19.5 = 16.5, less ln x, plus ln 2!: 24.1
    cfg = Config()
    A, B = _crossed(9)
    spans = align(A, B, cfg, tests=10**4)
    assert sorted((s.a0, s.a1, s.b0, s.b1, s.significant) for s in spans) == [(40, 49, 49, 58, True),
                                                                            (109, 118, 10, 19, True)]
    # symmetric (sorted by B's positions: the runs cross)
    assert align(B, A, cfg, tests=10**4) == sorted((s.swapped() for s in spans), key=lambda s: (s.a0, s.b0))
    assert link_kind(spans, len(A.words), len(B.words), cfg) == "partial"
    # shorter runs (7 rare words, 14 nats each) fall short together too (16.8)
    A, B = _crossed(7)
    assert align(A, B, cfg, tests=10**4) == []
    # and a search a thousand times larger asks more of the two runs of 9 (25.9)
    A, B = _crossed(9)
    assert align(A, B, cfg, tests=10**7) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0, 80.0), min_size=1, max_size=4), st.floats(1.0, 15.0), st.floats(0.1, 10.0))
def test_chains_judged_together_score_as_one_chain_would(scores, place, more):
    from dedup.stages.reorder import sum_score
    if scores[0] - place > 1.0:  # one chain scores its own score
        assert sum_score(scores[:1], place) == pytest.approx(scores[0])
    # the order of the chains does not matter, and a chain scoring more never scores less
    assert sum_score(scores, place) == pytest.approx(sum_score(scores[::-1], place))
    assert sum_score([scores[0] + more, *scores[1:]], place) >= sum_score(scores, place) - 1e-9
    # (three chains just past their places: x from 1.01 to 1.5, where x - 2 ln x falls)
    assert sum_score([place + 0.5, place + 0.5, place + 0.5], place) >= sum_score([place + 0.5, place + 0.5, place + 0.01], place)

def _names_corpus(a: str, b: str) -> list[dict]:
    from textgen import article
    docs = [{"id": f"f{k:02d}", "text": article(k, 3)} for k in range(30)]
    return docs + [{"id": "a", "text": article(100, 1) + "\n\n" + a}, {"id": "b", "text": b + "\n\n" + article(101, 1)}]


def _linked_ab(docs) -> bool:
    from dedup import cluster
    return any({lk.source, lk.target} == {"a", "b"} for c in cluster(docs, jobs=1).clusters for lk in c.links)


def test_two_reports_sharing_only_names_and_figures_are_not_linked():
    # a follow-up story about the same company: its names and figures in the same order,
    # in other words (before: a significant chain of names, linked)
    a = ("Consul Restaurant Corp said the deal with Hofstadter Lerner Holdings of Minneapolis would close in "
         "March, president Wendell Brightwater said, and Burnsville Grain Exchange shares would rise 13 percent "
         "by Kalamazoo Day.")
    b = ("Officials at Consul Restaurant Corp expect the Hofstadter Lerner Holdings of Minneapolis meeting in "
         "March, according to president Wendell Brightwater, who told investors Burnsville Grain Exchange profit "
         "may fall 13 percent by Kalamazoo Day.")
    assert not _linked_ab(_names_corpus(a, b))


def test_a_rewrite_with_short_verbatim_runs_of_its_wording_still_links():
    wire = ("Consul Restaurant Corp said its directors approved a sweetened tender of convertible debentures, "
            "and holders who accept before the deadline will receive cumulative preferred stock redeemable at par. "
            "The restaurant chain, which operates franchised pancake houses across the midwest, said creditors had "
            "pressed for a recapitalisation after two years of dwindling franchise royalties.")
    paper = ("Consul Restaurant Corp has approved a sweetened tender of convertible debentures, offering "
             "cumulative preferred stock redeemable at par to holders. The chain operates franchised pancake houses "
             "and was pressed by creditors after dwindling franchise royalties.")
    assert _linked_ab(_names_corpus(wire, paper))
