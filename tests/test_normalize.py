import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.normalize import normalize, normalize_token, sentence_ends, tokenize, words


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


def _reference_tokens(text, start=0, end=None):
    """The definition: token_spans(), each token hashed by its normalized form."""
    from dedup.stages.normalize import token_hash, token_spans

    spans = token_spans(text, start, end)
    return ([a for a, _ in spans], [b for _, b in spans],
            [token_hash(normalize_token(text[a:b])) for a, b in spans])


def _as_lists(arrays):
    starts, ends, hashes = arrays
    assert (starts.dtype, ends.dtype, hashes.dtype) == (np.int64, np.int64, np.uint64)
    return starts.tolist(), ends.tolist(), hashes.tolist()


_SCRIPTS = st.text(alphabet=st.one_of(
    st.sampled_from("aZ09_ '\u2019-.\n\t\u00a0\u00e9\u00c9\u0131\u0130\u00df\uff21\u2460\u0663\u0301"
                    "\u4e60\u8fd1\u3042\u30a2\u30fb\uac00\u0416\u05d0\ud800\U0001d400\U00020000"),
    st.characters()), max_size=80)


@settings(max_examples=400)
@given(_SCRIPTS, st.integers(0, 90), st.integers(0, 90))
def test_tokenize_is_the_token_pattern(text, a, b):
    """The code-point tokenizer finds exactly token_spans()'s tokens (spans and hashes), whole or in a range."""
    assert _as_lists(tokenize(text)) == _reference_tokens(text)
    lo, hi = min(a, b), max(a, b)
    assert _as_lists(tokenize(text, lo, hi)) == _reference_tokens(text, lo, hi)


def test_tokenize_agrees_with_the_pattern_on_every_code_point():
    every = "".join(map(chr, range(0x110000)))
    assert _as_lists(tokenize(every)) == _reference_tokens(every)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab Cé1,.\n\u4e2d\u00df-'", max_size=80), st.lists(st.integers(0, 80), max_size=8))
def test_span_tokens_are_each_spans_own_tokens(text, cuts):
    """Tokenizing the text once and keeping tokens by paragraph gives each paragraph's
    own tokens, also when a paragraph's edge falls inside a word."""
    from dedup.stages.segment import span_tokens

    from textgen import assert_span_tokens, cut_spans

    paras = cut_spans(text, cuts)
    assert_span_tokens(text, paras, *span_tokens(text, paras))


def test_combining_marks_stay_inside_their_word():
    """\\w leaves combining marks out: a decomposed "é" cut "président" in two, Devanagari
    and Thai words fell apart at their vowel signs."""
    assert words("pre\u0301sident") == ["président"]
    assert words("हिन्दी भाषा") == ["हिन्दी", "भाषा"] and words("ที่นี่") == ["ที่", "นี่"]


@pytest.mark.parametrize("text", ["が", "ガス会社", "かが\u3099", "\u3099が", "a\u3099b", "が\u0301x"])
def test_nfd_kana_is_the_nfc_token(text):
    """A kana and its combining voicing mark are one token, as the precomposed kana is
    (Hypothesis found 'が' read as two tokens in NFD, か and U+3099); the fast tokenizer
    and the pattern agree."""
    import unicodedata

    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert tokenize(nfc)[2].tolist() == tokenize(nfd)[2].tolist()
    for form in (nfc, nfd):
        assert _as_lists(tokenize(form)) == _reference_tokens(form)


@settings(max_examples=300)
@given(st.text(alphabet=st.one_of(st.sampled_from("aeiou nAE\u00e9\u00e8\u00ea\u00f1\u00fc\u00c5\u1ec7\u01d6 .,'"),
                                  st.characters(exclude_categories=("Cs",))), max_size=60))
def test_a_text_and_its_nfd_form_have_the_same_tokens(text):
    """Canonically equivalent texts (NFC from one source, NFD from another: macOS file
    names, some scrapers) are the same words, so one duplicates the other."""
    import unicodedata

    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert tokenize(nfc)[2].tolist() == tokenize(nfd)[2].tolist()


def test_sentence_ends_in_other_scripts():
    """Every script's sentence-final marks (Unicode's Sentence_Terminal), not only Latin's
    and the ideographic full stop: one definition for segmentation, sentences and datelines."""
    from dedup.stages.normalize import SENTENCE_TERMINALS

    text = "उद्घाटन किया। बारह स्टेशन हैं। هل هذا؟ نعم. ሰላም ነው። Ապրիլ է։ 中文句子。 Last"
    ends = [text[:e] for e in sentence_ends(text, 0, len(text))]
    assert [e[-1] for e in ends] == ["\u0964", "\u0964", "\u061f", ".", "\u1362", "\u0589", "\u3002"]
    assert set(".!?\u3002\uff01\uff1f\u0964\u0965\u061f\u06d4\u1362\u0589\u104b") <= set(SENTENCE_TERMINALS)
    assert not set(",;:\u060c\u3001") & set(SENTENCE_TERMINALS)  # commas and colons end no sentence
