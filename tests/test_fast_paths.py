"""Faster rewrites against the definitions they replaced, on generated text (pure speed
changes: every answer must stay the same)."""

import re
from datetime import datetime
from itertools import islice

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages import boilerplate, credits, dates, segment, words

# --- the definitions as they were --------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’»)]*\s*$")
_ENDS_SENTENCE = re.compile(r"[.!?\"'”’»)]\s*$")
_FEW_WORDS = re.compile(r"[\W_]*(?:[^\W_]+(?:[\W_]+|\Z)){0,%d}" % credits.TAIL_WORDS)


def old_is_prose(line, next_line):
    n = len(_WORD.findall(line)) if len(line) < 400 else sum(1 for _ in islice(_WORD.finditer(line), 26))
    if n > 25 or (n >= 10 and _SENTENCE_END.search(line)):
        return True
    if line.lstrip()[:1].islower():
        return True
    return bool(next_line and next_line.lstrip()[:1].islower() and n >= 4)


def old_head_region(text, limit=dates.HEAD_LINES):
    lines, blank_after = [], []
    for raw in text.split("\n"):
        if raw.strip():
            lines.append(raw.strip())
            blank_after.append(False)
            if len(lines) > limit:
                break
        elif blank_after:
            blank_after[-1] = True
    out, prose_seen = [], 0
    for k, line in enumerate(lines[:limit]):
        nxt = lines[k + 1] if k + 1 < len(lines) and not blank_after[k] else None
        prose = old_is_prose(line, nxt)
        out.append((line, prose))
        prose_seen += prose
        if prose_seen >= dates.BODY_LINES:
            break
    return out


def old_sign_off_lines(text):
    end = text[-4000:].splitlines()[1 if len(text) > 4000 else 0:]
    out, prev = [], ""
    for raw in end:
        line = raw.strip()
        if line:
            alone = not prev or bool(_ENDS_SENTENCE.search(prev)) or credits._BARE.fullmatch(line) is not None
            if alone and not line[:1].islower() and _FEW_WORDS.fullmatch(line) is not None:
                out.append(line)
            elif out and out[-1] == prev:
                out.pop()
            out = out[-credits.TAIL_LINES:]
        prev = line
    nonblank = [ln.strip() for ln in end if ln.strip()][-credits.TAIL_LINES:]
    return [ln for ln in out if ln in nonblank]


# --- generated text: agency names, datelines, dates, quotes, dashes, wrapped lines ---------
PIECES = ["Reuters", "REUTER", "AP", "PA News", "Xinhua", "AFP", "dpa", "Agence France-Presse", "Tim Reuter",
          "By", "Source:", "Photo:", "©", "(Reuters)", "(AP)", "—", "-", "--", " - ", "/", "WASHINGTON,", "Jan 3",
          "3 January 2024", "2024-01-03", "Posted", "said", "the", "talks", "resumed", ".", ",", "!", '"', "”", "»", ")",
          "'", "’", "“", "Harrisburg, PA", "contributed to this report", "新华社", "ТАСС", "Ünïcode", "x_y", "  ", "\t",
          "\r", "\u2028", "\x85", "\xa0", "a" * 40, "word " * 30, "A" * 450, "Long sentence " * 40 + "."]
line = st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join) | st.text(max_size=40)
texts = st.lists(line | st.just(""), max_size=25).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_head_region_and_sign_offs_are_as_before(text):
    assert dates.head_region(text) == old_head_region(text)
    for limit in (1, 2, 3):
        assert dates.head_region(text, limit) == old_head_region(text, limit)
    assert credits._sign_off_lines(text) == old_sign_off_lines(text)
    assert credits._sign_off_lines(text + "\n" + "word " * 800) == old_sign_off_lines(text + "\n" + "word " * 800)


@settings(max_examples=400, deadline=None)
@given(line, st.integers(1, 30))
def test_word_counts_and_sentence_ends_are_the_regexes(s, cap):
    for x in (s, s * 30):
        assert dates.words_upto(x, cap) == min(cap, len(_WORD.findall(x)))
        assert dates.ends_sentence(x) == bool(_SENTENCE_END.search(x))
        assert credits._few_words(x) == (_FEW_WORDS.fullmatch(x) is not None)
        assert credits._bare(x.strip()) == (credits._BARE.fullmatch(x.strip()) is not None)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(datetime(1900, 1, 1), datetime(2099, 12, 31)), st.integers(0, 30))
def test_iso_record_dates_are_read_as_the_patterns_read_them(dt, hour):
    for value in (dt.strftime("%Y-%m-%dT%H:%M:%S"), dt.strftime(f"%Y-%m-%dT{hour:02d}:%M:%S"), dt.strftime("%Y-%m-%dT%H:%M:61")):
        assert dates.parse_record_date(value) == (dates.parse_date(value) or dates._dateparser(value, "DMY"))


# --- quotes: one pass over a document's marks against the regex scan per paragraph --------
_QUOTE_MARKS = re.compile("``|''|[\"\u201c\u201d\u201e\u00ab\u00bb'`\u2018\u2019\u201a\u201b\u2039\u203a]")


def old_quoted(text, start, end, token_starts):
    inside = np.zeros(len(token_starts), dtype=bool)
    state = {False: [start, False], True: [start, False]}
    first = True
    for m in _QUOTE_MARKS.finditer(text, start, end):
        k, e = m.start(), m.end()
        single = m.group() in segment._SINGLE
        before = text[k - 1] if k > start else " "
        left, right = not before.isspace(), e < end and not text[e].isspace()
        st = state[single]
        if right and (not left or before in segment._OPEN_BEFORE) and not st[1]:
            st[0], st[1] = k, True
        elif left and (st[1] or (first and not right and not single)) and not (single and right and text[e].isalnum()):
            lo, hi = np.searchsorted(token_starts, [st[0], k])
            inside[lo:hi] = True
            st[1] = False
        first = first and single
    for opened, is_open in state.values():
        if is_open:
            inside[np.searchsorted(token_starts, opened):] = True
    return inside


QUOTY = ["said", "don't", "'", "''", "``", "`", '"', "“", "”", "‘", "’", "«", "»", "‹", "›", "(", "—", "-", ".", "!", "?",
         "。", "the", "victims'", "\n", "\n\n", "  ", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(QUOTY), max_size=60).map(lambda w: "".join(w[i] + " " * (i % 3 == 0) for i in range(len(w)))),
       st.lists(st.booleans(), max_size=40), st.integers(2, 30))
def test_quotes_and_segments_are_as_before(text, keep, target):
    spans = boilerplate.line_spans(text)
    paras = segment.paragraphs(text, spans, np.array((keep + [True] * len(spans))[: len(spans)], dtype=bool))
    p = segment.prepare(0, text, paras, target)
    first = segment.span_tokens(text, paras)[3].tolist()
    want = [old_quoted(text, s, e, p.starts[a:b]) for (s, e), a, b in zip(paras, first, first[1:])]
    assert np.array_equal(p.quoted, np.concatenate(want) if want else np.zeros(0, bool))


# --- word and phrase tables: one integer sort per (key, document), one sort per batch ------
def old_table_of_pairs(docs, keys):
    keys = np.asarray(keys, np.uint64)
    order = np.argsort(keys)
    k = keys[order]
    new = k[1:] != k[:-1]
    values = k[np.concatenate(([True], new))] if len(k) else k
    counts = np.ones(len(values), np.int32)
    repeated = np.concatenate(([False], ~new)) | np.concatenate((~new, [False])) if len(k) else np.zeros(0, bool)
    if repeated.any():
        sk, sd = k[repeated], np.asarray(docs)[order][repeated]
        o = np.lexsort((sd, sk))
        sk, sd = sk[o], sd[o]
        uk = sk[np.concatenate(([True], (sk[1:] != sk[:-1]) | (sd[1:] != sd[:-1])))]
        edges = np.flatnonzero(np.concatenate(([True], uk[1:] != uk[:-1], [True])))
        counts[np.searchsorted(values, uk[edges[:-1]])] = np.diff(edges)
    return values, counts


small = st.integers(0, 12).map(np.uint64) | st.sampled_from([np.uint64(2**64 - 1), np.uint64(2**63)])
pairs = st.lists(st.tuples(st.integers(0, 5) | st.sampled_from([2**40, 2**62]), small), max_size=60)


def _same(a, b):
    assert len(a) == len(b) and all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))


@settings(max_examples=300, deadline=None)
@given(pairs)
def test_table_of_pairs_is_as_before(pairs):
    docs = np.array([d for d, _ in pairs], np.int64)
    keys = np.array([k for _, k in pairs], np.uint64)
    _same(words.table_of_pairs(docs, keys), old_table_of_pairs(docs, keys))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(small, max_size=20), max_size=8), st.integers(0, 1000))
def test_vocab_table_is_each_documents_unique_words(docs, first):
    hashes = [np.array(h, np.uint64) for h in docs]
    vocabs, table = words.vocab_table(first, hashes)
    want = [np.unique(h, return_counts=True) for h in hashes]
    for v, (u, _) in zip(vocabs, want):
        _same((v,), (u,))
    _same(table, words.table_of([(first + d, u, c) for d, (u, c) in enumerate(want)]))
