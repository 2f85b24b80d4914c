"""Small corpora for the index tests, and a writer killed mid-work."""

import os
import select
import signal
import time
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


READY = b"+\n"


def kill_writer_after(delay: float, writer, *args, ready: bool = False) -> set[str]:
    """Fork ``writer(*args, fd)`` (it writes each id whose call returned, a line each, to
    ``fd``), SIGKILL it after ``delay`` seconds, and return the ids it reported. With
    ``ready`` the delay starts once the writer has written :data:`READY` (its index is
    open), so that a loaded machine's slow start does not eat every kill window."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(rd)
        writer(*args, wr)
    os.close(wr)
    if ready:
        assert select.select([rd], [], [], 60)[0], "the writer did not open its index within 60 s"
        assert os.read(rd, len(READY)) == READY
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with os.fdopen(rd, "rb") as fh:
        return {x for x in fh.read().decode().split("\n") if x}
