"""Normalize and tokenize text, keeping every token's offsets into the original.

Tokens are runs of letters and digits; each CJK ideograph or kana is a token of its
own, because those scripts do not put spaces between words; the runs of the other
scripts written without spaces (Thai, Lao, Khmer, Myanmar) are cut into words by
:mod:`dedup.stages.spaceless`. A token's identity is its
normalized form (NFKC, case-folded, quotes and dashes unified), hashed with xxh3 so
that identities are stable across processes and runs (Python's ``hash`` is salted).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import regex
import xxhash

from .spaceless import LETTER as _SPACELESS_CHAR, SPACELESS as _SPACELESS, word_cuts

# Quotes and dashes that publishers use interchangeably.
_UNIFY = str.maketrans(
    {
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4\u0060"},
        **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
        **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    }
)
_SPACE = re.compile(r"\s+")

# Ideographs, kana: one token per character. Hangul is written with spaces, so its
# syllables group into words like Latin letters do.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"


def _mark_ranges() -> str:
    """A regex class body of the combining marks (Unicode categories M*), which ``\\w``
    leaves out: inside a word they are part of it (decomposed "e\u0301", Devanagari and
    Thai vowel signs), so a text in NFD tokenizes as its NFC form does. (Marks lie below
    U+20000 and in the variation selectors at U+E0100; scanned once, ~10 ms.)"""
    cat, out, run = unicodedata.category, [], None
    for c in [*range(0x300, 0x20000), *range(0xE0000, 0xE1000)]:
        if cat(chr(c))[0] == "M":
            run = [c, c] if run is None or run[1] != c - 1 else [run[0], c]
            if out and out[-1][0] == run[0]:
                out[-1] = run
            else:
                out.append(run)
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in out)


_MARKS = _mark_ranges()



_SCANNED = [*range(0x20000), *range(0xE0000, 0xE1000)]  # past them: no marks, no format characters
_SCANNED_TEXT = "".join(map(chr, _SCANNED))  # (once: building it is most of a scan's cost)


def _code_points(pattern: str, category: str) -> list[int]:
    """The code points ``pattern`` (a ``regex`` class) matches whose category (Python's
    Unicode version) starts with ``category``."""
    return [_SCANNED[m.start()] for m in regex.finditer(pattern, _SCANNED_TEXT)
            if unicodedata.category(m.group()).startswith(category)]


# Invisible format characters that UAX #29 keeps inside a word (rule WB4: Word_Break
# Format, ZWJ, and ZWNJ): a soft hyphen ("Bahn\u00adsteige"), the joiners of Persian and
# Devanagari, bidi marks. A word goes on across them, and its identity leaves them out.
_INVISIBLE = _code_points(r"[\p{Word_Break=Format}\p{Word_Break=ZWJ}\u200c]", "Cf")
_INVISIBLE_CLASS = "".join(re.escape(chr(c)) for c in _INVISIBLE)
# Optional marks of the abjads: Arabic harakat, Hebrew niqqud, Syriac vowels (pointed and
# unpointed spellings of a word are one word; the marks of those scripts, by their Unicode
# names), and the Arabic tatweel that stretches a word.
_OPTIONAL = [c for c in range(0x300, 0x11000) if unicodedata.category(chr(c)) == "Mn"
             and unicodedata.name(chr(c), "").startswith(("ARABIC ", "HEBREW ", "SYRIAC "))]
_DROP = dict.fromkeys([*_INVISIBLE, *_OPTIONAL, 0x0640])
# A word: letters and digits (no CJK, no spaceless script) and the marks that combine with them.
_WORD = rf"[^\W_{_CJK}{_SPACELESS}]|[{_MARKS}]"
# A token, but a run of a spaceless script (its second alternative) is cut into words by
# word_cuts(): token_spans() is the definition.
TOKEN_RE = re.compile(rf"[{_CJK}][{_MARKS}]*|[{_SPACELESS}](?:[{_SPACELESS}]|[{_MARKS}])*"
                      rf"|(?:{_WORD})+(?:[{_INVISIBLE_CLASS}]+(?:{_WORD})+)*")
_DROPPED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_DROP)) + "]")
# TOKEN_RE for a text with no spaceless script and no invisible character (nearly all):
# the same tokens, without the alternatives that look for them after every word
_PLAIN_RE = re.compile(rf"[{_CJK}][{_MARKS}]*|(?:{_WORD})+")
_SPECIAL = re.compile(rf"[{_SPACELESS}{_INVISIBLE_CLASS}]")
# The marks that end a sentence in any script (Unicode's Sentence_Terminal): the full stop,
# "!" and "?", the ideographic full stop, the Devanagari danda, the Arabic question mark and
# full stop, the Armenian, Ethiopic and Myanmar ones...; one definition for every stage.
SENTENCE_TERMINALS = "".join(map(chr, _code_points(r"\p{Sentence_Terminal}", "")))
TERMINAL_CLASS = "".join(re.escape(c) for c in SENTENCE_TERMINALS)  # a regex class body of them
_SENTENCE_END = re.compile(rf"[{TERMINAL_CLASS}][\"'\u201d\u2019)\]]*(?=\s|$)")


def normalize(text: str) -> str:
    """NFKC, case-folded, quotes/dashes unified, invisible format characters and the
    abjads' optional marks dropped, white space collapsed. Idempotent.

    >>> normalize("  \u201cHello\u201d \u2014 WORLD ")
    '"hello" - world'
    """
    if text.isascii():  # the common case: NFKC and case-folding reduce to lower()
        return " ".join(text.replace("`", "'").lower().split())
    for _ in range(4):  # casefold can expose new NFKC work; stop at the fixed point
        out = unicodedata.normalize("NFKC", text).translate(_UNIFY)
        if _DROPPED.search(out):  # (a search scans in C; translate with a dict walks every character)
            out = out.translate(_DROP)
        out = out.casefold()
        out = _SPACE.sub(" ", out).strip()
        if out == text:
            break
        text = out
    return out


def normalize_token(token: str) -> str:
    """Normalize one token (no white space inside, so no collapsing needed)."""
    if token.isascii():
        return token.lower()
    return normalize(token)


def token_hash(norm: str) -> int:
    """Stable 64-bit identity of a normalized token."""
    return xxhash.xxh3_64_intdigest(norm.encode("utf-8"))


class _HashCache(dict):
    """token -> hash; news vocabulary is Zipfian, so most lookups hit (and stay in C)."""

    def __missing__(self, tok: str) -> int:
        norm = tok.lower() if tok.isascii() else normalize(tok)
        h = xxhash.xxh3_64_intdigest(norm.encode("utf-8"))
        if len(self) >= _HASHES_MAX:
            self.clear()
        self[tok] = h
        return h


_HASHES = _HashCache()
_HASHES_MAX = 1 << 21


def _hash_of(tok: str) -> int:
    return _HASHES[tok]


# Token classes by code point, the same sets as TOKEN_RE: 0 between tokens, 1 inside a
# word run, 2 a token of its own (CJK), 3 a token with the marks that follow it (spaceless scripts),
# 4 invisible (inside a word run when word characters stand on both sides). Filled from the regex itself, 4,096 code points
# at a time as texts first use them, so the table cannot drift from the pattern.
_WORD_CHAR = re.compile(_WORD)
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_MARK_CHAR = re.compile(rf"[{_MARKS}]")
_INVISIBLE_CHAR = re.compile(rf"[{_INVISIBLE_CLASS}]")
_BLOCK = 12
_CLASS = np.zeros(0x110000, dtype=np.uint8)
_IS_MARK = np.zeros(0x110000, dtype=bool)
_BUILT = np.zeros(0x110000 >> _BLOCK, dtype=bool)
# ASCII bytes: word characters lower-cased, the rest made spaces (bytes.translate runs
# about ten times faster than str.translate with a dict)
_ASCII_GAPS = bytes(ord(chr(c).lower()) if c < 128 and _WORD_CHAR.match(chr(c)) else 32 for c in range(256))


def _build_classes(blocks: np.ndarray) -> None:
    for b in blocks.tolist():
        lo = b << _BLOCK
        chars = "".join(map(chr, range(lo, min(lo + (1 << _BLOCK), 0x110000))))
        table = _CLASS[lo : lo + len(chars)]
        table[[m.start() for m in _WORD_CHAR.finditer(chars)]] = 1
        table[[m.start() for m in _CJK_CHAR.finditer(chars)]] = 2
        table[[m.start() for m in _SPACELESS_CHAR.finditer(chars)]] = 3
        table[[m.start() for m in _INVISIBLE_CHAR.finditer(chars)]] = 4
        _IS_MARK[[lo + m.start() for m in _MARK_CHAR.finditer(chars)]] = True
        _BUILT[b] = True


_build_classes(np.zeros(1, dtype=np.int64))  # ASCII and Latin: every text needs them


def tokenize(text: str, start: int = 0, end: int | None = None):
    """Tokens of ``text[start:end]`` as three arrays: starts, ends (int64) and hashes (uint64).

    The same tokens as ``TOKEN_RE.finditer(text, start, end)``, found over a whole text's
    code points at once (a class per code point, runs by comparing neighbours) rather
    than one match object per token.
    """
    n = len(text)
    start = min(max(start, 0), n)
    end = n if end is None else min(max(end, start), n)
    part = text[start:end] if start or end != n else text
    if part.isascii():
        codes = np.frombuffer(part.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(part.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        block = codes >> _BLOCK
        if not _BUILT[block].all():
            blocks = np.unique(block)
            _build_classes(blocks[~_BUILT[blocks]])
    cls = _CLASS[codes]
    clusters = None
    if not part.isascii() and (cls == 3).any():
        cls, clusters = _clusters(codes, cls)
    if not part.isascii() and (cls == 4).any():
        cls = _joined(cls)
    attached = None
    if not part.isascii() and (cls == 2).any() and _IS_MARK[codes].any():
        cls, attached = _marks_follow(codes, cls)
    inside = np.zeros(len(cls) + 2, dtype=bool)
    inside[1:-1] = cls == 1
    edges = np.flatnonzero(inside[1:] != inside[:-1])  # a run's start, then its end, ...
    starts, ends = edges[0::2], edges[1::2]
    if part.isascii():  # the words are what split() leaves between the gaps
        toks = codes.tobytes().translate(_ASCII_GAPS).decode("ascii").split()
        return starts + start, ends + start, _hashes(toks)
    # gaps made spaces, so split() cuts exactly the word runs (no white space is a word character)
    hashes = _hashes(np.where(cls == 1, codes, np.uint32(32)).tobytes().decode("utf-32-le").split())
    single = np.flatnonzero(cls == 2)
    if len(single):  # CJK: a token per character, placed among the word runs by offset
        single, single_ends, single_hashes = _cjk_tokens(part, codes, single, attached)
        order = np.argsort(np.concatenate([starts, single]), kind="stable")
        starts = np.concatenate([starts, single])[order]
        ends = np.concatenate([ends, single_ends])[order]
        hashes = np.concatenate([hashes, single_hashes])[order]
    if clusters is not None:  # spaceless scripts: each run of letters and marks cut into words
        c_starts, c_ends = _cut_runs(part, *clusters)
        toks = [part[a:b] for a, b in zip(c_starts.tolist(), c_ends.tolist())]
        order = np.argsort(np.concatenate([starts, c_starts]), kind="stable")
        starts = np.concatenate([starts, c_starts])[order]
        ends = np.concatenate([ends, c_ends])[order]
        hashes = np.concatenate([hashes, _hashes(toks)])[order]
    return starts + start, ends + start, hashes


def _last_not(skip: np.ndarray) -> np.ndarray:
    """Per position, the last position at or before it that ``skip`` does not mark (-1: none)."""
    return np.maximum.accumulate(np.where(skip, -1, np.arange(len(skip))))


def _next_not(skip: np.ndarray) -> np.ndarray:
    """Per position, the first position at or after it that ``skip`` does not mark (its length: none)."""
    n = len(skip)
    return np.minimum.accumulate(np.where(skip, n, np.arange(n))[::-1])[::-1]


def _marks_follow(codes: np.ndarray, cls: np.ndarray):
    """The classes with each run of combining marks made part of the token before it,
    as TOKEN_RE reads them: a word's (class 1), a CJK character's (returned as
    ``attached``: NFD kana, か + U+3099, is the one token が); after no token, the run
    starts a word, or a CJK token when its first mark is a kana mark (U+3099, U+309A).
    Marks after a spaceless script's letters are :func:`_clusters`'."""
    mark = _IS_MARK[codes]
    idx = np.arange(len(codes))
    owner = _last_not(mark)
    of = np.where(owner >= 0, cls[np.maximum(owner, 0)], 0)
    first = cls[np.minimum(owner + 1, len(codes) - 1)]  # the class of the run's first mark
    loose = (of != 1) & (of != 2) & (of != 3)  # after a gap, or at the start
    to_word = mark & ((of == 1) | (loose & (first == 1)))
    attached = mark & ((of == 2) | (loose & (first == 2) & (idx > owner + 1)))
    cls = cls.copy()
    cls[to_word] = 1
    cls[attached] = 0
    return cls, attached


def _cjk_tokens(part: str, codes: np.ndarray, single: np.ndarray, attached):
    """Starts, ends and hashes of the CJK characters at ``single``, a token each, with
    the marks ``attached`` to one inside its token (:func:`_marks_follow`)."""
    if attached is None or not attached.any():
        return single, single + 1, _hashes(codes[single].tobytes().decode("utf-32-le"))
    # each token runs to the first position after it that is not an attached mark
    ends = np.append(_next_not(attached), len(codes))[single + 1]
    return single, ends, _hashes([part[a:b] for a, b in zip(single.tolist(), ends.tolist())])


def _joined(cls: np.ndarray) -> np.ndarray:
    """The classes with each run of invisible characters inside a word run (word characters
    on both sides) made part of it, and the others made gaps."""
    inv = cls == 4
    before, after = _last_not(inv), _next_not(inv)  # the last visible at or before, the first at or after
    word = np.append(cls == 1, False)
    inside = inv & (before >= 0) & word[np.maximum(before, 0)] & word[after]
    return np.where(inside, np.uint8(1), np.where(inv, np.uint8(0), cls))


def _clusters(codes: np.ndarray, cls: np.ndarray):
    """The classes with the marks that follow a spaceless-script letter taken out of the
    word runs, and the spans of the runs of such letters and their marks."""
    n = len(codes)
    mark = _IS_MARK[codes]
    owner = _last_not(mark)
    attached = mark & (owner >= 0) & (cls[np.maximum(owner, 0)] == 3)
    cls = np.where(attached, np.uint8(0), cls)
    inside = np.zeros(n + 2, dtype=bool)
    inside[1:-1] = (cls == 3) | attached
    edges = np.flatnonzero(inside[1:] != inside[:-1])
    return cls, (edges[0::2], edges[1::2])


def _cut_runs(part: str, r_starts: np.ndarray, r_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The words of each run of a spaceless script (:func:`word_cuts`), as spans."""
    starts, ends = [], []
    for a, b in zip(r_starts.tolist(), r_ends.tolist()):
        cuts = [a + c for c in word_cuts(part[a:b])]
        starts += [a, *cuts]
        ends += [*cuts, b]
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _hashes(toks) -> np.ndarray:
    """The identities of some tokens (a string's characters, when given one)."""
    return np.fromiter(map(_HASHES.__getitem__, toks), np.uint64, len(toks))


token_hashes = _hashes  # the public name: each token's hash, as tokenize() gives it
CJK_CLASS, MARK_CLASS = _CJK, _MARKS  # public names: regex class bodies of ideographs and kana, of combining marks


def token_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The tokens of ``text[start:end]`` as spans, one match at a time: the definition
    that :func:`tokenize` computes faster."""
    end = len(text) if end is None else end
    if not _SPACELESS_CHAR.search(text, start, end):
        return [m.span() for m in TOKEN_RE.finditer(text, start, end)]
    out = []
    for m in TOKEN_RE.finditer(text, start, end):
        a, b = m.span()
        if _SPACELESS_CHAR.match(text, a):
            cuts = [a + c for c in word_cuts(text[a:b])]
            out += list(zip([a, *cuts], [*cuts, b]))
        else:
            out.append((a, b))
    return out


def token_count(text: str) -> int:
    """``len(token_spans(text))``, by the plain pattern when no spaceless script and no
    invisible character is in it."""
    return len(token_spans(text)) if _SPECIAL.search(text) else len(_PLAIN_RE.findall(text))


def words(text: str) -> list[str]:
    """The normalized tokens of ``text`` (for shape rules and tests, not the hot path)."""
    return [normalize_token(text[a:b]) for a, b in token_spans(text)]


def sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets just after each sentence-final mark in ``text[start:end]``."""
    return [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
