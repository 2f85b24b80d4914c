"""Deterministic news-like text for tests (not the benchmark generator)."""

import random

WORDS = (
    "government minister said talks trade agreement market shares company profit quarter "
    "police city council election vote party leader economy growth inflation bank rate "
    "officials report week month year country border security health hospital school "
    "workers strike union energy oil prices analysts expect investors court ruling law "
    "plans new project million billion percent rise fall deal meeting summit president"
).split()
FILLER = "the of to and in on for with at by from that as was is".split()


def pseudo_word(rng: random.Random) -> str:
    """A made-up word of three syllables ("bavoke"): no clash with real words or furniture."""
    return "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(3))


# Made-up words that recur across documents, as words do in news (a text whose words no
# other text has reads as OCR damage).
PSEUDO_VOCAB = sorted({pseudo_word(random.Random(k)) for k in range(1500)})


def sentence(rng: random.Random, n: int | None = None) -> str:
    n = n or rng.randint(12, 26)
    ws = [rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(n)]
    return " ".join(ws).capitalize() + "."


def article(seed: int, paragraphs: int = 6) -> str:
    rng = random.Random(seed)
    return "\n\n".join(" ".join(sentence(rng) for _ in range(rng.randint(2, 3))) for _ in range(paragraphs))


def write_articles(path, n: int, stories: int, paragraphs: int = 8) -> None:
    """A JSONL corpus of ``n`` articles (``d0``, ``d1``, ...) cycling through ``stories``
    texts: a run long enough to be stopped in the middle."""
    import json

    with open(path, "w") as fh:
        for k in range(n):
            fh.write(json.dumps({"id": f"d{k}", "text": article(k % stories, paragraphs=paragraphs)}) + "\n")


def shared_run_pair(seed: int, run_words: int) -> tuple[str, str]:
    """Two texts of one-character CJK words (200 and 100, disjoint vocabularies) that
    share one run of ``run_words`` rare words, at word 80 of the first, 50 of the second."""
    import numpy as np

    rng = np.random.default_rng(seed)
    a = "".join(chr(0x4E00 + int(v)) for v in rng.integers(0, 5000, 200))
    b = "".join(chr(0x4E00 + int(v)) for v in rng.integers(5000, 9000, 100))
    run = "".join(chr(0x9000 + k) for k in range(run_words))
    return a[:80] + run + a[80:], b[:50] + run + b[50:]


def cut_spans(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    """Non-empty spans of ``text`` from cut positions (paired in sorted order)."""
    edges = sorted({min(c, len(text)) for c in cuts})
    return [(s, e) for s, e in zip(edges[0::2], edges[1::2]) if s < e]


def assert_span_tokens(text: str, spans, starts, ends, hashes, first) -> None:
    """``first[k]:first[k + 1]`` of the token arrays are exactly span ``k``'s own tokens
    (:func:`dedup.stages.normalize.tokenize` of that range)."""
    from dedup.stages.normalize import tokenize

    assert len(first) == len(spans) + 1 and first[-1] == len(starts) == len(ends) == len(hashes)
    for k, (s, e) in enumerate(spans):
        want = tokenize(text, s, e)
        a, b = first[k], first[k + 1]
        assert starts[a:b].tolist() == want[0].tolist()
        assert ends[a:b].tolist() == want[1].tolist()
        assert hashes[a:b].tolist() == want[2].tolist()
