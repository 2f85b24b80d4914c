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


def sentence(rng: random.Random, n: int | None = None) -> str:
    n = n or rng.randint(12, 26)
    ws = [rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(n)]
    return " ".join(ws).capitalize() + "."


def article(seed: int, paragraphs: int = 6) -> str:
    rng = random.Random(seed)
    return "\n\n".join(" ".join(sentence(rng) for _ in range(rng.randint(2, 3))) for _ in range(paragraphs))
