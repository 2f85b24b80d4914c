"""Issue 12: rewritten sentences of a linked pair count as reuse (dedup.stages.rewrite)."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.stages.align import Side, Span
from dedup.stages.rewrite import sentence_words, with_rewrites
from textgen import PSEUDO_VOCAB as VOCAB


def _word(rng: random.Random) -> str:
    return rng.choice(VOCAB)


def _sentence(rng: random.Random, n: int = 16) -> list[str]:
    return [_word(rng) for _ in range(n)]


def _sent(words: list[str], mark: str = ".") -> str:
    text = " ".join(words)
    return text[0].upper() + text[1:] + mark


def _text(sentences: list[list[str]], mark: str = ".") -> str:
    return " ".join(_sent(s, mark) for s in sentences)


def _corpus(extra_b: list[str], seed: int = 1, mark: str = "."):
    """A wire text, a paper that copies its first three sentences and adds ``extra_b``,
    and 60 unrelated texts (so that words have a rarity)."""
    rng = random.Random(seed)
    wire = [_sentence(rng) for _ in range(6)]
    paper = [*wire[:3], extra_b(wire, rng), _sentence(rng)]
    docs = [{"id": "wire", "text": _text(wire, mark), "date": "2020-01-01"},
            {"id": "paper", "text": _text(paper, mark), "date": "2020-01-02"}]
    docs += [{"id": f"other{k}", "text": _text([_sentence(rng) for _ in range(5)], mark)} for k in range(60)]
    return docs, wire, paper


def _link(report, a="wire", b="paper"):
    for c in report.clusters:
        for link in c.links:
            if {link.source, link.target} == {a, b}:
                return link
    return None


def _covered(link, doc_id: str, start: int, end: int) -> bool:
    """Whether one passage of ``link`` holds ``start:end`` of ``doc_id``'s text."""
    side = "source" if link.source == doc_id else "target"
    return any(getattr(p, f"{side}_start") <= start and end <= getattr(p, f"{side}_end") for p in link.passages)


# sentences end with the full stop, or with another script's mark (Unicode's
# Sentence_Terminal): the Devanagari danda, the Arabic question mark, the Ethiopic full stop
@pytest.mark.parametrize("mark", [".", "\u0964", "\u061f", "\u1362"])
def test_a_rewritten_sentence_of_a_linked_pair_is_a_passage(mark):
    # every other word of the wire's fifth sentence replaced: runs of one word, too weak for
    # word alignment, but eight rare words in the same order in one sentence are significant
    def rewrite(wire, rng):
        return [w if k % 2 == 0 else _word(rng) for k, w in enumerate(wire[4])]

    docs, wire, paper = _corpus(rewrite, mark=mark)
    report = dedup.cluster(docs)
    link = _link(report)
    assert link is not None
    text_w, text_p = docs[0]["text"], docs[1]["text"]
    sw = _sent(wire[4], mark)
    sp = _sent(paper[3], mark)
    # (a passage ends with its last word, before the full stop)
    assert _covered(link, "wire", text_w.index(sw), text_w.index(sw) + len(sw) - 1)
    assert _covered(link, "paper", text_p.index(sp), text_p.index(sp) + len(sp) - 1)
    # the paper's own last sentence is no rewrite
    last = _sent(paper[4], mark)
    assert not any(_covered(link, "paper", text_p.index(last) + k, text_p.index(last) + k + 1) for k in range(len(last)))


def test_a_sentence_sharing_only_names_is_not_a_rewrite():
    # the same eight words in the same order, but names on both sides (capitalised):
    # reports of one story name the same people, so names count half, and eight are not
    # significant
    def as_names(words):
        return [w.capitalize() if k % 2 == 0 else w for k, w in enumerate(words)]

    def names(wire, rng):
        return as_names([w if k % 2 == 0 else _word(rng) for k, w in enumerate(wire[4])])

    docs, wire, paper = _corpus(names)
    docs[0]["text"] = _text([*wire[:4], as_names(wire[4]), wire[5]])
    link = _link(dedup.cluster(docs))
    assert link is not None
    sp = _sent(paper[3])
    at = docs[1]["text"].index(sp)
    assert not any(_covered(link, "paper", at + k, at + k + 1) for k in range(len(sp)))


def _side(words: list[int], rarity: float) -> tuple[Side, np.ndarray]:
    h = np.asarray(words, np.uint64) + np.uint64(1000)
    s = "".join(chr(0x4E00 + w) for w in words)
    return Side.make(s, None, None, np.full(len(words), rarity)), h


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=8, max_size=60), st.lists(st.integers(0, 40), min_size=8, max_size=60),
       st.integers(2, 8), st.integers(2, 8))
def test_rewrites_are_symmetric(a, b, every_a, every_b):
    A, ha = _side(a, 6.0)
    B, hb = _side(b, 6.0)
    fa, fb = list(range(0, len(a), every_a)), list(range(0, len(b), every_b))
    sa, sb = (fa, [True] * len(fa), sentence_words(ha, fa)), (fb, [True] * len(fb), sentence_words(hb, fb))
    known = [Span(0, 2, 0, 2, 2, 2.0, 1.0, ((0, 2, 0, 2),))] if a[:2] == b[:2] else []
    ab = with_rewrites(known, A, B, ha, hb, lambda: (sa, sb), 1e-6)
    ba = with_rewrites([k.swapped() for k in known], B, A, hb, ha, lambda: (sb, sa), 1e-6)
    key = lambda s: (s.a0, s.a1, s.b0, s.b1, round(s.score, 9))  # noqa: E731
    assert sorted(map(key, ab)) == sorted(key(s.swapped()) for s in ba)
    for s in ab:  # passages never overlap on either side
        for t in ab:
            if s is not t:
                assert s.a1 <= t.a0 or t.a1 <= s.a0
                assert s.b1 <= t.b0 or t.b1 <= s.b0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=80), st.lists(st.integers(0, 30), min_size=1, max_size=80),
       st.integers(1, 9), st.integers(1, 9))
def test_sentence_pair_scores_dense_equal_sorted(a, b, every_a, every_b):
    """The sentence pairs' bag scores are the same, bit for bit, whether counted in one
    array (short documents) or by sorting the pairs (long ones)."""
    import dedup.stages.rewrite as rw

    posts = []
    for words, every in ((a, every_a), (b, every_b)):
        h = np.asarray(words, np.uint64)
        first = list(range(0, len(words), every))
        rarity = 1.0 + np.arange(len(words)) % 7 / 3.0
        posts.append((rw._postings(sentence_words(h, first), rarity, np.ones(len(first), bool), None), len(first)))
    (pa, na), (pb, nb) = posts
    dense = rw._bag_scores(pa, pb, na, nb)
    old, rw.DENSE = rw.DENSE, 0
    try:
        ranked = rw._bag_scores(pa, pb, na, nb)
    finally:
        rw.DENSE = old
    assert (dense is None) == (ranked is None)
    if dense is not None:
        for x, y in zip(dense, ranked):
            assert np.array_equal(x, y)
