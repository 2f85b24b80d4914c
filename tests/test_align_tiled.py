"""An LCS box too large to run at once (a long document copied whole) is cut at shared
k-grams: the same equal words, in a bounded memory."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import compare
from dedup.stages import blocks
from textgen import article


def _words(seed: int, n: int) -> str:
    """A word string as alignment sees it (one code point per word)."""
    rng = random.Random(seed)
    return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(n))


def _matched(blocks) -> int:
    return sum(x1 - x0 for x0, x1, _, _ in blocks)


def _runs(blocks) -> int:
    """Words matched in runs of three or more (a shared k-gram: not chance)."""
    return sum(x1 - x0 for x0, x1, _, _ in blocks if x1 - x0 >= 3)


def _valid(blocks, a: str, b: str) -> bool:
    rising = all(p[1] <= q[0] and p[3] <= q[2] for p, q in zip(blocks, blocks[1:]))
    return rising and all(a[x0:x1] == b[y0:y1] and x1 > x0 for x0, x1, y0, y1 in blocks)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 400), st.integers(0, 400), st.integers(200, 2000),
       st.integers(0, 30), st.sampled_from([1 << 12, 1 << 14, 1 << 16]))
def test_a_tiled_box_finds_the_copy_the_whole_lcs_finds(seed, before_a, before_b, copied, edits, cells):
    """A copied stretch with scattered edits, between unrelated words: cut into tiles of
    at most ``cells``, the blocks are equal words rising on both sides, never more than one
    LCS of the whole box matches, and its runs of three or more words all (or all but a
    few near an edit): what is left out is single words matched by chance far from any
    shared k-gram."""
    rng = random.Random(seed)
    core = list(_words(seed, copied))
    edited = core[:]
    for _ in range(edits):
        edited[rng.randrange(len(edited))] = chr(0x9000 + rng.randrange(500))
    a = _words(seed + 1, before_a) + "".join(core) + _words(seed + 2, 300)
    b = _words(seed + 3, before_b) + "".join(edited) + _words(seed + 4, 200)
    whole = blocks.equal_blocks(a, b, 0, len(a), 0, len(b))
    saved = blocks.MAX_CELLS
    blocks.MAX_CELLS = cells
    try:
        tiled = blocks.equal_blocks(a, b, 0, len(a), 0, len(b))
    finally:
        blocks.MAX_CELLS = saved
    assert _valid(tiled, a, b)
    assert _matched(tiled) <= _matched(whole)
    assert _runs(tiled) >= _runs(whole) - 3 * edits - 8
    assert _matched(tiled) >= copied - 3 * edits - 8  # the copy is found


def _lcs_sizes(monkeypatch) -> list[int]:
    """The cells of every LCS run from now on (rapidfuzz's Indel.opcodes, recorded)."""
    sizes: list[int] = []
    real = blocks.Indel.opcodes

    def opcodes(sa, sb):
        sizes.append(len(sa) * len(sb))
        return real(sa, sb)

    monkeypatch.setattr(blocks.Indel, "opcodes", opcodes)
    return sizes


def test_a_long_document_copied_whole_is_one_passage_in_bounded_memory(monkeypatch):
    """A 30,000-word text and a copy of it with other text before and after: one passage
    over the copy, the same as with one LCS, with every LCS box held to 4,096 cells."""
    text = "\n\n".join(article(k, paragraphs=6) for k in range(300))
    copy = article(10**6, paragraphs=3) + "\n\n" + text + "\n\n" + article(10**6 + 1, paragraphs=3)
    whole = compare(text, copy)
    monkeypatch.setattr(blocks, "MAX_CELLS", 1 << 12)
    sizes = _lcs_sizes(monkeypatch)
    tiled = compare(text, copy)
    assert max(sizes) <= 1 << 12
    assert tiled.kind == whole.kind == "duplicate" and tiled.coverage_source == whole.coverage_source == 1.0
    assert [(p.source_start, p.source_end) for p in tiled.passages] == [(p.source_start, p.source_end)
                                                                         for p in whole.passages]


def _view(text: str):
    import numpy as np

    from dedup.stages.align_chars import CharView
    from dedup.stages.normalize import tokenize

    starts, ends, _ = tokenize(text)
    return CharView.of(text, starts.astype(np.int32), ends.astype(np.int32))


def test_character_alignment_is_held_to_its_cells_too(monkeypatch):
    """OCR-damaged pairs are aligned on characters: a long pair is cut the same way, and
    the copy inside it is still found."""
    from dedup import Config
    from dedup.stages import align_chars as ac

    shared = "\n\n".join(article(k, paragraphs=4) for k in range(3))
    a = article(500, paragraphs=4) + "\n\n" + shared
    b = shared.replace("e", "c", 40) + "\n\n" + article(501, paragraphs=4)  # misread letters
    A, B = _view(a), _view(b)
    whole = ac.align_chars(A, B, Config())
    monkeypatch.setattr(ac, "MAX_CHAR_CELLS", 1 << 16)
    sizes = _lcs_sizes(monkeypatch)
    tiled = ac.align_chars(A, B, Config())
    assert sizes and max(sizes) <= 1 << 16 < len(A.chars) * len(B.chars)
    assert sum(s.matched for s in tiled) >= 0.95 * sum(s.matched for s in whole) > 0


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([3, 6, 40, 400]), st.integers(1, 3))
def test_seeds_of_a_masked_copy_are_those_of_the_copy_itself(seed, vocabulary, k):
    """Alignment masks the passages it found and seeds the next round; the seeds read
    from the unmasked string's sorted k-grams (kept for the next rounds and pairs) are
    the seeds of the masked string, repeats and their order included."""
    from dedup.stages.align import _MASK_A, _MASK_B, _mask
    from dedup.stages.anchors import seeds, windows
    from dedup.stages.segment import _CP_BASE

    assert max(map(ord, _MASK_A + _MASK_B)) < _CP_BASE  # no word's code point

    rng = random.Random(seed)

    def words(n):  # (U+E000 and U+E001 are some words' code points: they are words here too)
        return "".join(chr(0xE000 + rng.randrange(vocabulary)) for _ in range(n))

    a, b = words(rng.randrange(600)), words(rng.randrange(600))
    if len(a) > 60:  # a shared passage, so that there are seeds to lose to the masks
        s = rng.randrange(len(a) - 50)
        at = rng.randrange(len(b) + 1)
        b = b[:at] + a[s : s + 50] + b[at:]

    def masked(w, fill):
        spans = [(s, s + rng.randrange(60)) for s in (rng.randrange(len(w)) for _ in range(rng.randrange(4)))] if w else []
        return _mask(w, spans, fill)

    ma, mb = masked(a, _MASK_A), masked(b, _MASK_B)
    plain, based = seeds(ma, mb, k), seeds(ma, mb, k, a, b)
    assert plain[0].tolist() == based[0].tolist() and plain[1].tolist() == based[1].tolist()
    assert windows(ma, mb, 3, 8, 40, 50) == windows(ma, mb, 3, 8, 40, 50, a, b)
