"""Normalize and tokenize text, keeping every token's offsets into the original.

Tokens are runs of letters and digits; each CJK ideograph or kana is a token of its
own, because those scripts do not put spaces between words. A token's identity is its
normalized form (NFKC, case-folded, quotes and dashes unified), hashed with xxh3 so
that identities are stable across processes and runs (Python's ``hash`` is salted).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

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
TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*(?=\s|$)")


def normalize(text: str) -> str:
    """NFKC, case-folded, quotes/dashes unified, white space collapsed. Idempotent.

    >>> normalize("  \u201cHello\u201d \u2014 WORLD ")
    '"hello" - world'
    """
    if text.isascii():  # the common case: NFKC and case-folding reduce to lower()
        return " ".join(text.replace("`", "'").lower().split())
    for _ in range(4):  # casefold can expose new NFKC work; stop at the fixed point
        out = unicodedata.normalize("NFKC", text).translate(_UNIFY).casefold()
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


_HASHES: dict[str, int] = {}  # token -> hash; news vocabulary is Zipfian, so most lookups hit
_HASHES_MAX = 1 << 21


def _hash_of(tok: str) -> int:
    h = _HASHES.get(tok)
    if h is None:
        norm = tok.lower() if tok.isascii() else normalize(tok)
        h = xxhash.xxh3_64_intdigest(norm.encode("utf-8"))
        if len(_HASHES) >= _HASHES_MAX:
            _HASHES.clear()
        _HASHES[tok] = h
    return h


def tokenize(text: str, start: int = 0, end: int | None = None):
    """Tokens of ``text[start:end]`` as three arrays: starts, ends (int64) and hashes (uint64)."""
    end = len(text) if end is None else end
    spans = [m.span() for m in TOKEN_RE.finditer(text, start, end)]
    if not spans:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.uint64)
    se = np.asarray(spans, dtype=np.int64)
    hashes = np.fromiter((_hash_of(text[a:b]) for a, b in spans), dtype=np.uint64, count=len(spans))
    return se[:, 0].copy(), se[:, 1].copy(), hashes


def words(text: str) -> list[str]:
    """The normalized tokens of ``text`` (for shape rules and tests, not the hot path)."""
    return [normalize_token(m.group()) for m in TOKEN_RE.finditer(text)]


def sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets just after each sentence-final mark in ``text[start:end]``."""
    return [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
