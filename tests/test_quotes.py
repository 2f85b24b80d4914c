"""Quotes as evidence: independent reports quote the same speakers, copies repeat the
framing too (issue 11, item 3: planted passages that hold a quote)."""

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Config, cluster
from dedup.stages.normalize import tokenize
from dedup.stages.segment import _quoted
from textgen import article, sentence


def _quoted_words(text: str) -> list[str]:
    starts, ends, _ = tokenize(text, 0, len(text))
    return [text[s:e] for s, e, q in zip(starts.tolist(), ends.tolist(), _quoted(text, 0, len(text), starts)) if q]


def test_a_text_cut_mid_quote_does_not_turn_the_closing_mark_into_an_opening_one():
    text = 'he should apologise." However, Mr Johnson said the mayor "should butt out" of it.'
    assert _quoted_words(text) == ["he", "should", "apologise", "should", "butt", "out"]


def test_straight_and_curly_quotes_pair_by_the_side_of_the_word_they_touch():
    assert _quoted_words('He said "we will go" and left.') == ["we", "will", "go"]
    assert _quoted_words("\u201cCurly\u201d and \u00abguillemets\u00bb") == ["Curly", "guillemets"]
    assert _quoted_words('"An unclosed quote runs on') == ["An", "unclosed", "quote", "runs", "on"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["word", '"', " ", "said", ".", ","]), max_size=40))
def test_quote_marks_never_crash_and_flag_every_token_once(parts):
    text = "".join(parts)
    starts, _, _ = tokenize(text, 0, len(text))
    assert len(_quoted(text, 0, len(text), starts)) == len(starts)


def _corpus(shared_a: str, shared_b: str, seed: int) -> list[dict]:
    rng = random.Random(seed)
    docs = [{"id": f"z{k}", "text": article(1000 + k)} for k in range(8)]
    lead = lambda: " ".join(sentence(rng) for _ in range(6))  # noqa: E731
    docs.append({"id": "a", "text": lead() + "\n\n" + shared_a + "\n\n" + lead()})
    docs.append({"id": "b", "text": lead() + "\n\n" + shared_b + "\n\n" + lead()})
    return docs


def _linked(docs) -> bool:
    rep = cluster(docs, config=Config(), jobs=1)
    return any({lk.source, lk.target} == {"a", "b"} for c in rep.clusters for lk in c.links)


QUOTE = ("we cannot accept a settlement that leaves the workers of this region without pensions "
         "and the hospital without the staff it needs to keep its wards open this winter")


def test_a_copied_passage_around_a_quote_links():
    # 40 equal words, 30 of them a quote, framed by the same attribution on both sides:
    # the framing was copied, so the quote is full evidence (before: 25 < 30, no link).
    shared = f'"{QUOTE.capitalize()}," said Ms Ottoline Brackwater, speaker for the regional nurses union.'
    assert _linked(_corpus(shared, shared, 1))


def test_a_passage_quoted_on_one_side_only_is_not_an_independent_quote():
    # A passage planted inside another text's open quote is quoted there only.
    words = " ".join(sentence(random.Random(5), 36).split()[:36])  # before: 36 - 9 < 30, no link
    assert _linked(_corpus('The council said: "' + words, words.capitalize() + ".", 2))


def test_the_same_quote_in_different_framing_stays_half_evidence():
    qa = f'Ms Brackwater told reporters on the steps of the court: "{QUOTE.capitalize()}."'
    qb = f'"{QUOTE.capitalize()}," the union leader insisted in a televised address late on Friday.'
    assert not _linked(_corpus(qa, qb, 3))


def test_a_quote_framed_by_words_every_report_uses_stays_half_evidence():
    # the same quote and the same attribution ("the minister said"): words most documents
    # carry frame any quote, so they do not show that the framing was copied
    shared = f'"{QUOTE.capitalize()}," the minister said.'
    assert not _linked(_corpus(shared, shared, 4))


def test_two_quotes_joined_by_the_same_framing_are_a_copied_passage():
    # Each report picks its own excerpts of a speech; the same two excerpts joined by the
    # same plain attribution are one writer's text. Alone, each excerpt (and the pair in
    # different framing) stays half evidence.
    q1, q2 = QUOTE.split(" and the hospital ")
    shared = f'"{q1.capitalize()}," the minister said. "And the hospital {q2}."'
    assert _linked(_corpus(shared, shared, 4))
    assert not _linked(_corpus(f'"{q1.capitalize()}," the minister said.', f'"{q1.capitalize()}," the minister said.', 4))
    other = f'"{q1.capitalize()}," she told the rally, adding: "And the hospital {q2}."'
    assert not _linked(_corpus(shared, other, 4))


def test_framing_inside_the_other_texts_quote_was_copied_into_it():
    # One text quotes the other's passage, attribution and all ("... said: '...'"): the
    # attribution is inside quotation marks on one side and the writer's own words on
    # the other, so the framing was copied. (before: only words quoted on neither side
    # were framing; 34 - 15 < 30, no link)
    framing = "Brackwater told the vigil:"
    a = f'A reader wrote to us: "Last week {framing} {QUOTE}. That is what we all feel."'
    b = f'{framing} "{QUOTE.capitalize()}."'
    assert _linked(_corpus(a, b, 6))



def _side(quoted: list[int]):
    from dedup.stages.align import Side

    return Side.make("".join(chr(0x4E00 + k) for k in range(len(quoted))), None, np.array(quoted, bool))


def test_words_a_writer_leaves_out_of_a_quote_between_its_pieces_are_no_framing():
    # A report that quotes a speech in two pieces and paraphrases the words between them
    # ("a sorry state of affairs" when Mr Blunkett "has to explain ...", real METER
    # newspapers) quotes it independently: the words between are inside the other
    # report's quote, so they are no framing; the same words before the quote are.
    from dedup.stages.event import independent_quote

    pieces = [1] * 6 + [0] * 8 + [1] * 16
    assert independent_quote(_side(pieces), _side([1] * 30), 0, 30, 0, 30) == 22
    assert independent_quote(_side([1] * 30), _side(pieces), 0, 30, 0, 30) == 22
    before = [0] * 8 + [1] * 22
    assert independent_quote(_side(before), _side([1] * 30), 0, 30, 0, 30) == 0
    assert independent_quote(_side([0] * 2 + [1] * 28), _side([1] * 30), 0, 30, 0, 30) == 28  # two words: no framing
