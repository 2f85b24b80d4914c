"""Small corpora for the index tests."""

from pathlib import Path

import dedup

from textgen import article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_docs() -> list[dedup.Document]:
    return [dedup.Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


def mixed_docs() -> list[dedup.Document]:
    """The seeds plus a syndicated story (trimmed copy, partial reuse) and furniture."""
    base = article(11, paragraphs=6)
    paras = base.split("\n\n")
    foot = "\n\nShare this story\nCopyright 2024 Example News. All rights reserved."
    extra = [
        dedup.Document(id="w1", text=base + foot, source="wire", date="2024-03-01T10:00:00"),
        dedup.Document(id="w2", text="\n\n".join(paras[1:]) + foot, source="paper", date="2024-03-01T12:00:00"),
        dedup.Document(id="w3", text=article(12, 4) + "\n\n" + paras[2] + " " + paras[3] + foot,
                       title="Other story", date="2024-03-02"),
        dedup.Document(id="w4", text=article(13, 5), url="https://example.org/x"),
    ]
    return seed_docs() + extra
