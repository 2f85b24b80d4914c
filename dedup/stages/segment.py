"""Segment: content lines into paragraphs, paragraphs into segments for fingerprinting.

A :class:`Prepared` document holds only its content tokens (furniture lines removed),
as arrays with offsets into the original text. Paragraphs are kept with their offsets.
Segments are what MinHash fingerprints: a paragraph, several short paragraphs merged,
or a window of sentences cut from an over-long paragraph (scraped text often has no
paragraph breaks at all). Alignment later works on the whole content token stream, so
segment boundaries only affect which pairs become candidates, never the passages.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from .normalize import tokenize
from .significance import prefix_sums

# Token hashes map onto code points so rapidfuzz can align word sequences as strings
# (about 4x faster than lists). Surrogates are skipped; distinct words may rarely share
# a code point, which costs at most a spurious one-word match.
_CP_BASE = 0x100
_CP_SPAN = 0x110000 - 0x800 - _CP_BASE


@dataclass(slots=True)
class Prepared:
    """A document reduced to what the hot stages need."""

    index: int
    text: str | None  # None while a worker ships it back, or loaded from a store until read
    starts: np.ndarray  # int32, content tokens' start offsets
    ends: np.ndarray  # int32
    hashes: np.ndarray  # uint64, normalized token identities
    seg_bounds: np.ndarray  # int64, token index where each segment starts, plus the end
    paragraphs: list  # (start, end) character spans of content paragraphs
    quoted: np.ndarray  # bool, token inside quotation marks
    nchars: int = 0  # length of the original text
    df: np.ndarray | None = None  # int32, documents of the corpus carrying each token
    noisy: bool = False  # many one-off words: likely OCR damage (set with df)
    vocab: np.ndarray | None = None  # sorted distinct token hashes (set with df)
    vocab_index: np.ndarray | None = None  # each token's place in vocab (set with df by a PreparedStore)
    phrases: tuple | None = None  # bigram/trigram keys and documents per position (dedup.stages.words.phrases_of)
    phrase_table: tuple | None = None  # the corpus's phrase counts ``phrases`` is looked up in, when needed
    cum_quoted: np.ndarray | None = None  # prefix sums of ``quoted``, made by the first pair that needs them
    words: str | None = None  # :meth:`word_string`, made by the first pair that needs it
    fact_flags: np.ndarray | None = None  # its fact mask, once a caller has read or made it (the index, alignment)
    sentences: tuple | None = None  # dedup.stages.openings.read_sentences, made by the first pair that needs them
    sentence_words: tuple | None = None  # dedup.stages.rewrite.sentence_words, made by the first pair that needs them
    fact_sums: np.ndarray | None = None  # prefix sums of its fact flags, made by the first pair that needs them
    is_fact: np.ndarray | None = None  # bool per token, ``fact_flags >= 0``, made by the first pair that needs it

    @property
    def ntokens(self) -> int:
        return len(self.hashes)

    def quoted_sums(self) -> np.ndarray:
        """Prefix sums of the quoted flags (float64, one longer), kept for the next pair."""
        if self.cum_quoted is None:
            self.cum_quoted = prefix_sums(self.quoted)
        return self.cum_quoted

    def word_string(self) -> str:
        """The token sequence as a string, one code point per token (kept for the next pair)."""
        if self.words is None:
            cp = (self.hashes % np.uint64(_CP_SPAN)).astype(np.int64) + _CP_BASE
            cp[cp >= 0xD800] += 0x800
            self.words = cp.astype("<u4").tobytes().decode("utf-32-le")
        return self.words


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values; sort + mask is several times faster than np.unique here."""
    s = np.sort(x)
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s  # np.r_ costs more than the mask


def member_sorted(x: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """``np.isin`` against a sorted array of distinct values, without re-sorting it."""
    if len(sorted_unique) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_unique, x), len(sorted_unique) - 1)
    return sorted_unique[pos] == x


def low_bits_filter(sorted_unique: np.ndarray, bits: int = 16) -> np.ndarray:
    """Per value of a hash's low ``bits``: whether a hash of ``sorted_unique`` has them
    (for :func:`member_filtered`)."""
    seen = np.zeros(1 << bits, dtype=bool)
    seen[(sorted_unique & np.uint64((1 << bits) - 1)).astype(np.intp)] = True
    return seen


def member_filtered(x: np.ndarray, sorted_unique: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """:func:`member_sorted` of hashes, most of them ruled out first by ``seen`` (their
    :func:`low_bits_filter`): a binary search per hash costs a cache miss per step, and
    most hashes are not members."""
    maybe = np.flatnonzero(seen[(x & np.uint64(len(seen) - 1)).astype(np.intp)])
    out = np.zeros(len(x), dtype=bool)
    out[maybe] = member_sorted(x[maybe], sorted_unique)
    return out


def paragraphs(text: str, spans: list, keep: np.ndarray) -> list[tuple[int, int]]:
    """Content paragraphs: runs of kept lines, broken at blank lines, indents and furniture."""
    out: list[tuple[int, int]] = []
    cur: list[int] | None = None
    prev_end = None
    for (s, e), k in zip(spans, keep.tolist()):
        if not k:
            if cur:
                out.append((cur[0], cur[1]))
            cur, prev_end = None, e
            continue
        gap = text[prev_end:s] if prev_end is not None else ""
        starts_para = cur is None or gap.count("\n") >= 2 or (gap.endswith((" ", "\t")))
        if starts_para:
            if cur:
                out.append((cur[0], cur[1]))
            cur = [s, e]
        else:
            cur[1] = e
        prev_end = e
    if cur:
        out.append((cur[0], cur[1]))
    return out


def span_tokens(text: str, paras: list[tuple[int, int]]):
    """The tokens of each span (a paragraph, a line; sorted, not overlapping): starts,
    ends, hashes, and each span's first token plus the end. The text from the first
    span to the last is tokenized once and its tokens kept by span (a token depends on
    its own characters only); a span whose edge falls inside a word is tokenized on its own."""
    return span_tokens_many([text], [paras])[0]


def span_tokens_many(texts: list[str], spans: list[list[tuple[int, int]]]) -> list[tuple]:
    """:func:`span_tokens` of several texts, tokenized in one call: the stretch of each
    text from its first span to its last, laid end to end with a line break between
    (no token crosses one), as CSR-style arrays over the whole batch."""
    nspan = np.fromiter(map(len, spans), np.int64, len(spans))
    pieces = [t[sp[0][0] : sp[-1][1]] if sp else "" for t, sp in zip(texts, spans)]
    size = np.fromiter(map(len, pieces), np.int64, len(pieces)) + 1
    shift = np.array([sp[0][0] if sp else 0 for sp in spans], dtype=np.int64) - (np.cumsum(size) - size)
    ts, te, th = tokenize("\n".join(pieces))  # offsets in the joined text: a text's own are + shift
    flat = np.array([x for sp in spans for x in sp], dtype=np.int64).reshape(-1, 2) - np.repeat(shift, nspan)[:, None]
    ps, pe = flat[:, 0], flat[:, 1]
    lo = np.searchsorted(ts, ps)  # first token starting at or after the span's start
    hi = np.searchsorted(te, pe, side="right")  # past the last token ending by its end
    if len(ts):
        cut = ((lo > 0) & (te[np.maximum(lo - 1, 0)] > ps)) | ((hi < len(ts)) & (ts[np.minimum(hi, len(ts) - 1)] < pe))
    else:
        cut = np.zeros(len(ps), dtype=bool)
    count = np.where(cut, 0, hi - lo)
    first = np.concatenate(([0], np.cumsum(count)))
    keep = np.repeat(lo - first[:-1], count) + np.arange(first[-1])
    owner = np.repeat(np.repeat(np.arange(len(spans)), nspan), count)
    ks, ke, kh = ts[keep] + shift[owner], te[keep] + shift[owner], th[keep]
    out = []
    span_edge = np.concatenate(([0], np.cumsum(nspan))).tolist()
    for d, (text, sp) in enumerate(zip(texts, spans)):
        j0, j1 = span_edge[d], span_edge[d + 1]
        a, b = int(first[j0]), int(first[j1])
        if not cut[j0:j1].any():
            out.append((ks[a:b], ke[a:b], kh[a:b], first[j0 : j1 + 1] - a))
            continue
        parts = [tokenize(text, s, e) if c else (ks[x:y], ke[x:y], kh[x:y])
                 for (s, e), c, x, y in zip(sp, cut[j0:j1].tolist(), first[j0:j1].tolist(), first[j0 + 1 : j1 + 1].tolist())]
        bounds = np.concatenate(([0], np.cumsum([len(p[0]) for p in parts])))
        out.append((np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                    np.concatenate([p[2] for p in parts]), bounds))
    return out


def prepare(index: int, text: str, paras: list[tuple[int, int]], segment_tokens: int, tokens: tuple | None = None,
            marks: tuple | None = None) -> Prepared:
    """Tokenize the content paragraphs and cut them into segments. ``tokens``: the
    paragraphs' :func:`span_tokens` when already computed (a batch's, by :func:`span_tokens_many`);
    ``marks``: the text's :func:`_marks`, likewise (:func:`marks_many`)."""
    starts, ends, hashes, first = span_tokens(text, paras) if tokens is None else tokens
    para_last = first[1:] - 1  # last token of each paragraph
    quote_at, sentence_at = _marks(text) if marks is None else marks
    bounds = _segment_bounds(text, starts, ends, para_last, segment_tokens, sentence_at)
    quoted = _quoted_paragraphs(text, paras, starts, first.tolist(), quote_at)
    # int32 offsets halve the memory that every document keeps until alignment
    return Prepared(index, text, starts.astype(np.int32), ends.astype(np.int32), hashes, bounds, paras, quoted, len(text))


_QUOTE_CHARS = "\"\u201c\u201d\u201e\u00ab\u00bb'`\u2018\u2019\u201a\u201b\u2039\u203a"  # `` and '' are marks too
_SINGLE = frozenset("'`\u2018\u2019\u201a\u201b\u2039\u203a")  # single marks, which double as apostrophes
_OPEN_BEFORE = frozenset("([{\u2014\u2013-/\"\u201c\u201e\u00ab\u2018")  # as good as a space before an opening mark
# per code point: 1 a quotation mark, 2 a sentence mark (_SENT_MARK); found by array lookups, not a regex scan
_MARK_CLASS = np.zeros(0xFF21, dtype=np.uint8)
_MARK_CLASS[[ord(c) for c in _QUOTE_CHARS]] = 1
_MARK_CLASS[[ord(c) for c in ".!?\u3002\uff01\uff1f"]] = 2


def _marks(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of the text's quotation-mark characters and of its sentence marks."""
    if text.isascii():
        cls = _MARK_CLASS[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    else:
        cls = _mark_class(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    return np.flatnonzero(cls == 1), np.flatnonzero(cls == 2)


def _mark_class(cps: np.ndarray) -> np.ndarray:
    return _MARK_CLASS[np.minimum(cps, len(_MARK_CLASS) - 1)]


def marks_many(texts: list[str], cps: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`_marks` of several texts, from one lookup over their code points laid end
    to end (``cps``, as str indexes them)."""
    cls = _mark_class(cps)
    edge = np.concatenate(([0], np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)))))
    out = []
    for at in (np.flatnonzero(cls == 1), np.flatnonzero(cls == 2)):
        cut = np.searchsorted(at, edge).tolist()
        out.append([at[a:b] - o for a, b, o in zip(cut[:-1], cut[1:], edge[:-1].tolist())])
    return list(zip(*out))


def _quoted(text: str, start: int, end: int, token_starts: np.ndarray) -> np.ndarray:
    """Tokens inside quotation marks within one paragraph, ``text[start:end]``
    (:func:`_quoted_paragraphs` of one)."""
    quote_at = _marks(text)[0]
    return _quoted_paragraphs(text, [(start, end)], token_starts, [0, len(token_starts)], quote_at)


def _quoted_paragraphs(text: str, paras: list[tuple[int, int]], token_starts: np.ndarray, first: list[int],
                       quote_at: np.ndarray) -> np.ndarray:
    """Tokens inside quotation marks, judged paragraph by paragraph (``first``: each
    paragraph's first token, plus the end; ``quote_at``: the offsets of the text's
    quotation-mark characters, sorted). A mark's side of the word
    says which it is (straight quotes look alike both ways): one that touches a word on
    its right only opens, on its left only closes (an opening bracket or dash before it
    is no word); a mark with space or nothing on both sides, or a word on both ("don't"),
    says nothing. An unclosed quote runs to the paragraph's end, as news style has it; a
    close with no open before it (a text cut mid-quote) ends a quote that began before
    the paragraph (only as its first mark). Pairing marks by parity instead would turn a
    cut quote's closing mark into an opening one and call the words after it quoted.

    Double marks (straight, curly, guillemets, doubled backticks or apostrophes) and
    single ones (straight, curly, backtick, single guillemets) are two separate quotes,
    so a quote inside a quote nests. A single mark is also the apostrophe, so it closes
    only a single quote it opened ("the victims' families" closes nothing) and never a
    quote begun before the paragraph."""
    n = len(token_starts)
    if not len(quote_at) or not paras:
        return np.zeros(n, dtype=bool)
    lo_char, hi_char, lo_open, hi_tok = [], [], [], []  # quoted spans: closed ones by offsets, open ones to a token
    edges = np.searchsorted(quote_at, np.asarray(paras, dtype=np.int64).reshape(-1)).tolist()
    at = quote_at.tolist()
    for p, (start, end) in enumerate(paras):
        i, stop = edges[2 * p], edges[2 * p + 1]
        if i == stop:
            continue
        state = {False: [start, False], True: [start, False]}  # single?: [opened at, is open]
        first_mark = True  # no double mark seen yet
        while i < stop:
            k = at[i]
            e = k + 1
            i += 1
            mark = text[k]
            if mark in "`'" and e < end and text[e] == mark:  # `` or '': one double mark
                e += 1
                i += 1
                single = False
            else:
                single = mark in _SINGLE
            before = text[k - 1] if k > start else " "
            left = not before.isspace()
            right = e < end and not text[e].isspace()
            st = state[single]
            if right and (not left or before in _OPEN_BEFORE) and not st[1]:
                st[0], st[1] = k, True
            elif left and (st[1] or (first_mark and not right and not single)) and not (single and right and text[e].isalnum()):
                lo_char.append(st[0])
                hi_char.append(k)
                st[1] = False
            first_mark = first_mark and single
        for opened, is_open in state.values():
            if is_open:
                lo_open.append(opened)
                hi_tok.append(first[p + 1])
    # a paragraph's offsets find its own tokens among the text's: the others lie wholly before or after it
    lo = np.searchsorted(token_starts, lo_char + lo_open)
    hi = np.concatenate([np.searchsorted(token_starts, hi_char), np.asarray(hi_tok, dtype=np.int64)]).astype(np.int64)
    keep = lo < hi
    count = np.zeros(n + 1, dtype=np.int64)
    np.add.at(count, lo[keep], 1)
    np.add.at(count, hi[keep], -1)
    return np.cumsum(count[:-1]) > 0


def _segment_bounds(text, starts, ends, para_last: np.ndarray, target: int, marks: np.ndarray | None = None) -> np.ndarray:
    """Greedy cuts: at a paragraph end once half a segment is there, at a sentence end
    once a whole one is, anywhere at twice the target. Each step jumps to the next cut
    among the paragraph and sentence ends (bisected), not token by token. ``marks``: the
    offsets of the text's sentence marks (:func:`_marks`), when already found."""
    n = len(starts)
    half = max(1, target // 2)
    bounds = [0]
    if n > 1:
        if marks is None:
            marks = _marks(text)[1]
        # a mark after token i, before token i + 1: each mark is looked up among the tokens (marks are fewer)
        i = np.searchsorted(ends, marks, side="right") - 1  # the last token ending at or before the mark
        keep = (i >= 0) & (i < n - 1)
        i = i[keep]
        sentence = np.zeros(n - 1, dtype=bool)
        sentence[i[marks[keep] < starts[i + 1]]] = True
        last = np.zeros(n - 1, dtype=bool)  # token i ends a paragraph (the text's last token cuts nothing)
        last[para_last[(para_last >= 0) & (para_last < n - 1)]] = True
        at_para, at_sentence = np.flatnonzero(last).tolist(), np.flatnonzero(sentence & ~last).tolist()
        b = 0  # the current segment's first token; token i is its (i - b + 1)th
        while True:
            i = b + 2 * target - 1
            k = bisect_left(at_para, b + half - 1)
            if k < len(at_para) and at_para[k] < i:
                i = at_para[k]
            k = bisect_left(at_sentence, b + target - 1)
            if k < len(at_sentence) and at_sentence[k] < i:
                i = at_sentence[k]
            if i > n - 2:
                break
            bounds.append(i + 1)
            b = i + 1
    if n:
        if n - bounds[-1] < half and len(bounds) > 1:
            bounds.pop()  # a short tail joins the segment before it
        bounds.append(n)
    return np.asarray(bounds, dtype=np.int64)
