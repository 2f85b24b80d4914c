"""Segment: content lines into paragraphs, paragraphs into segments for fingerprinting.

A :class:`Prepared` document holds only its content tokens (furniture lines removed),
as arrays with offsets into the original text. Paragraphs are kept with their offsets.
Segments are what MinHash fingerprints: a paragraph, several short paragraphs merged,
or a window of sentences cut from an over-long paragraph (scraped text often has no
paragraph breaks at all). Alignment later works on the whole content token stream, so
segment boundaries only affect which pairs become candidates, never the passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .normalize import tokenize

# Token hashes map onto code points so rapidfuzz can align word sequences as strings
# (about 4x faster than lists). Surrogates are skipped; distinct words may rarely share
# a code point, which costs at most a spurious one-word match.
_CP_BASE = 0x100
_CP_SPAN = 0x110000 - 0x800 - _CP_BASE


@dataclass(slots=True)
class Prepared:
    """A document reduced to what the hot stages need."""

    index: int
    text: str | None  # None only while a worker ships the document back
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
    phrases: tuple | None = None  # bigram/trigram keys and documents per position (dedup.stages.words.phrases_of)
    phrase_table: tuple | None = None  # the corpus's phrase counts ``phrases`` is looked up in, when needed

    @property
    def ntokens(self) -> int:
        return len(self.hashes)

    def word_string(self) -> str:
        """The token sequence as a string, one code point per token."""
        cp = (self.hashes % np.uint64(_CP_SPAN)).astype(np.int64) + _CP_BASE
        cp[cp >= 0xD800] += 0x800
        return cp.astype("<u4").tobytes().decode("utf-32-le")


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


_SENT_MARKS = frozenset(".!?\u3002\uff01\uff1f")


def span_tokens(text: str, paras: list[tuple[int, int]]):
    """The tokens of each span (a paragraph, a line; sorted, not overlapping): starts,
    ends, hashes, and each span's first token plus the end. The text from the first
    span to the last is tokenized once and its tokens kept by span (a token depends on
    its own characters only); a span whose edge falls inside a word is tokenized on its own."""
    if not paras:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(1, np.int64)
    ts, te, th = tokenize(text, paras[0][0], paras[-1][1])
    ps = np.array([s for s, _ in paras], dtype=np.int64)
    pe = np.array([e for _, e in paras], dtype=np.int64)
    lo = np.searchsorted(ts, ps)  # first token starting at or after the paragraph's start
    hi = np.searchsorted(te, pe, side="right")  # past the last token ending by its end
    if len(ts):
        cut = ((lo > 0) & (te[np.maximum(lo - 1, 0)] > ps)) | ((hi < len(ts)) & (ts[np.minimum(hi, len(ts) - 1)] < pe))
    else:
        cut = np.zeros(len(paras), dtype=bool)
    if not cut.any():
        count = hi - lo
        first = np.concatenate(([0], np.cumsum(count)))
        keep = np.repeat(lo - first[:-1], count) + np.arange(first[-1])
        return ts[keep], te[keep], th[keep], first
    parts = [tokenize(text, s, e) if c else (ts[a:b], te[a:b], th[a:b])
             for (s, e), c, a, b in zip(paras, cut.tolist(), lo.tolist(), hi.tolist())]
    first = np.concatenate(([0], np.cumsum([len(p[0]) for p in parts])))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]), first)


def prepare(index: int, text: str, paras: list[tuple[int, int]], segment_tokens: int) -> Prepared:
    """Tokenize the content paragraphs and cut them into segments."""
    starts, ends, hashes, first = span_tokens(text, paras)
    para_last = first[1:] - 1  # last token of each paragraph
    bounds = _segment_bounds(text, starts, ends, set(para_last.tolist()), segment_tokens)
    quoted = (np.concatenate([_quoted(text, s, e, starts[a:b]) for (s, e), a, b in zip(paras, first[:-1].tolist(), first[1:].tolist())])
              if paras else np.zeros(0, bool))
    # int32 offsets halve the memory that every document keeps until alignment
    return Prepared(index, text, starts.astype(np.int32), ends.astype(np.int32), hashes, bounds, paras, quoted, len(text))


_QUOTE_MARKS = re.compile("``|''|[\"\u201c\u201d\u201e\u00ab\u00bb'`\u2018\u2019\u201a\u201b\u2039\u203a]")
_SINGLE = frozenset("'`\u2018\u2019\u201a\u201b\u2039\u203a")  # single marks, which double as apostrophes
_OPEN_BEFORE = frozenset("([{\u2014\u2013-/\"\u201c\u201e\u00ab\u2018")  # as good as a space before an opening mark


def _quoted(text: str, start: int, end: int, token_starts: np.ndarray) -> np.ndarray:
    """Tokens inside quotation marks within one paragraph. A mark's side of the word
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
    inside = np.zeros(len(token_starts), dtype=bool)
    state = {False: [start, False], True: [start, False]}  # single?: [opened at, is open]
    first = True  # no double mark seen yet
    for m in _QUOTE_MARKS.finditer(text, start, end):
        k, e = m.start(), m.end()
        single = m.group() in _SINGLE
        before = text[k - 1] if k > start else " "
        left = not before.isspace()
        right = e < end and not text[e].isspace()
        st = state[single]
        if right and (not left or before in _OPEN_BEFORE) and not st[1]:
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


def _segment_bounds(text, starts, ends, para_last: set, target: int) -> np.ndarray:
    """Greedy cuts: at a paragraph end once half a segment is there, at a sentence end
    once a whole one is, anywhere at twice the target."""
    n = len(starts)
    bounds = [0]
    acc = 0
    half = max(1, target // 2)
    for i in range(n):
        acc += 1
        if i == n - 1:
            break
        if i in para_last:
            cut = acc >= half
        elif acc >= target:
            gap = text[ends[i] : starts[i + 1]]
            cut = acc >= 2 * target or any(c in _SENT_MARKS for c in gap)
        else:
            cut = False
        if cut:
            bounds.append(i + 1)
            acc = 0
    if n:
        if acc < half and len(bounds) > 1:
            bounds.pop()  # a short tail joins the segment before it
        bounds.append(n)
    return np.asarray(bounds, dtype=np.int64)
