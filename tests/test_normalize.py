from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import normalize, normalize_token, sentence_ends, tokenize, words


def test_normalize_folds_case_quotes_dashes_and_width():
    assert normalize("\u201cHELLO\u201d \u2014 World\u2019s") == "\"hello\" - world's"
    assert normalize("\uff21\uff22\uff23  \n x") == "abc x"  # full-width letters, spaces


def test_cjk_characters_are_tokens_and_latin_words_are_words():
    assert words("Xi 习近平 met Putin") == ["xi", "习", "近", "平", "met", "putin"]
    assert words("Russia's 2024.05.16") == ["russia", "s", "2024", "05", "16"]


def test_sentence_ends():
    text = "One. Two! \u201cThree?\u201d Four"
    assert [text[:e] for e in sentence_ends(text, 0, len(text))][-1] == "One. Two! \u201cThree?\u201d"


@settings(max_examples=300)
@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_token_offsets_slice_back_to_the_token(text):
    starts, ends, hashes = tokenize(text)
    assert len(starts) == len(ends) == len(hashes)
    toks = words(text)
    for s, e, tok in zip(starts.tolist(), ends.tolist(), toks):
        assert normalize_token(text[s:e]) == tok
    assert all(a <= b for a, b in zip(ends.tolist(), starts.tolist()[1:]))


def test_equal_tokens_hash_equal_across_case_and_width():
    _, _, h = tokenize("Putin PUTIN \uff30\uff55\uff54\uff49\uff4e")
    assert len(set(h.tolist())) == 1
