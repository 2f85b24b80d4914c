"""Character-level alignment, for documents whose words OCR has broken.

On a scanned page one word in six or seven may be misread ("yestcrday", "ladenwith"),
which leaves word-level alignment only fragments. Characters survive: the same LCS,
run on normalized characters, finds the passage as long runs of equal characters.
Runs of one or two characters are what any two English texts share, so only runs of
``MIN_RUN`` or more count as matched; unrelated texts then fall far below the score
that OCR-damaged copies keep (about 0.9 at a few per cent character errors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .align import Span
from .blocks import equal_blocks, group_blocks
from ..config import Config
from .normalize import normalize_token
from .significance import prefix_sums

MIN_RUN = 3  # characters; shorter equal runs are coincidence
GAP = 24  # characters a passage may bridge (a few misread words)
# Characters x characters one LCS runs on at once (256 MiB of bits, two pages of ~46,000
# characters); longer pairs are cut at shared 3-character runs (blocks._tiled), and
# stretches with none between are left out, so two OCR-damaged books cannot exhaust memory.
MAX_CHAR_CELLS = 1 << 31
CHARS_PER_WORD = 6.0  # to express matched characters as words of evidence


@dataclass(frozen=True, slots=True)
class CharView:
    """A document's content as normalized characters, words separated by one space,
    with the word index of every character."""

    chars: str
    word_of: np.ndarray

    @classmethod
    def of(cls, text: str, starts: np.ndarray, ends: np.ndarray) -> "CharView":
        if not len(starts):
            return cls("", np.zeros(0, dtype=np.int64))
        if text.isascii():  # a token normalizes to its lower case: gathered from the text at once
            lens = ends.astype(np.int64) - starts + 1  # each word and its space
            word_of = np.repeat(np.arange(len(lens)), lens)
            first = np.cumsum(lens) - lens
            src = np.arange(int(lens.sum())) - first[word_of] + starts[word_of]
            low = np.frombuffer(text.lower().encode("ascii") + b" ", dtype=np.uint8)
            chars = np.where(src == ends[word_of], 32, low[src]).astype(np.uint8)
            return cls(chars.tobytes().decode("ascii"), word_of)
        pieces = [normalize_token(text[s:e]) + " " for s, e in zip(starts.tolist(), ends.tolist())]
        word_of = np.repeat(np.arange(len(pieces)), np.fromiter(map(len, pieces), np.int64, len(pieces)))
        return cls("".join(pieces), word_of)


def align_chars(A: CharView, B: CharView, cfg: Config, wa: np.ndarray | None = None, wb: np.ndarray | None = None) -> list[Span]:
    """Passages found on characters, as word spans; symmetric like :func:`align.align`.

    ``wa``/``wb``: word weights (as for word alignment); each character weighs its word.
    """
    if B.chars < A.chars:
        return sorted((s.swapped() for s in align_chars(B, A, cfg, wb, wa)), key=lambda s: (s.a0, s.b0))
    ca = prefix_sums(wa[A.word_of] if wa is not None else np.ones(len(A.chars)))
    cb = prefix_sums(wb[B.word_of] if wb is not None else np.ones(len(B.chars)))
    blocks = [blk for blk in equal_blocks(A.chars, B.chars, 0, len(A.chars), 0, len(B.chars), MAX_CHAR_CELLS)
              if blk[1] - blk[0] >= MIN_RUN]
    spans = []
    min_chars = cfg.min_passage_tokens * CHARS_PER_WORD
    for g in group_blocks(blocks, GAP):
        matched = sum(b[1] - b[0] for b in g)
        if matched < min_chars:
            continue
        ca0, ca1, cb0, cb1 = g[0][0], g[-1][1], g[0][2], g[-1][3]
        same = sum(ca[x1] - ca[x0] + cb[y1] - cb[y0] for x0, x1, y0, y1 in g)
        total = ca[ca1] - ca[ca0] + cb[cb1] - cb[cb0]
        score = float(same / total) if total else 0.0
        if score < cfg.min_passage_score:
            continue
        words = matched / CHARS_PER_WORD
        spans.append(
            Span(
                int(A.word_of[ca0]), int(A.word_of[ca1 - 1]) + 1,
                int(B.word_of[cb0]), int(B.word_of[cb1 - 1]) + 1,
                int(round(words)), words, score,
            )
        )
    return spans
