"""Lay a document out as text while recording where each story sentence lands.

Content is a list of paragraphs, each a list of units ``(text, key)``.  ``key`` is the
story-local sentence id (``-1`` dateline/credit, ``-2`` headline, ``>= 0`` body
sentence) or ``None`` for text that is not reuse (furniture, new ledes, other
articles).  Offsets are recorded while concatenating, so spans are exact even after
OCR noise or re-paragraphing changed the text.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from .furniture import Outlet
from .transforms import ocr_noise

Unit = tuple[str, "int | None"]
Content = list[list[Unit]]


@dataclass
class Doc:
    id: str
    title: str
    date: str
    source: str
    role: str
    cluster: str
    ops: list[str]
    text: str = ""
    units: list[tuple[int, int, int]] = field(default_factory=list)  # (key, start, end)
    content: Content | None = None  # kept for story docs so later copies can derive from them
    when: float = 0.0  # POSIX seconds, to date derived copies after their parent

    def record(self) -> dict:
        return {"id": self.id, "text": self.text, "title": self.title, "date": self.date,
                "source": self.source}

    def truth(self) -> dict:
        return {"type": "doc", "id": self.id, "cluster": self.cluster, "role": self.role,
                "ops": self.ops}


def render(doc: Doc, outlet: Outlet, content: Content, rng: random.Random, *, section: str,
           shown_date: str, title_key: int | None, ocr_rate: float = 0.0) -> None:
    """Fill ``doc.text``/``doc.units`` from content plus the outlet's furniture."""
    parts: list[str] = []
    units: list[tuple[int, int, int]] = []
    pos = 0

    def put(text: str, key: int | None) -> None:
        nonlocal pos
        if ocr_rate:
            text = ocr_noise(text, rng, ocr_rate)
        if key is not None:
            units.append((key, pos, pos + len(text)))
        parts.append(text)
        pos += len(text)

    def sep(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    for line in outlet.header(rng, section, shown_date):
        put(line, None)
        sep("\n")
    if outlet.title_in_text:
        put(doc.title, title_key)
        sep("\n\n" if outlet.par_sep == "\n\n" else "\n")
    body: Content = [list(p) for p in content if p]
    if outlet.caption_fmt and len(body) > 1 and rng.random() < 0.6:
        body.insert(rng.randint(1, len(body) - 1), [(outlet.caption(rng), None)])
    if outlet.ad_line and len(body) > 2 and rng.random() < 0.7:
        body.insert(2, [(outlet.ad_line, None)])
    if outlet.inline is not None:
        body = outlet.inline(body)
    for i, par in enumerate(body):
        if i:
            sep(outlet.par_sep)
        for j, (text, key) in enumerate(par):
            if j:
                sep(" ")
            put(text, key)
    for line in outlet.bottom:
        sep("\n")
        put(line, None)
    doc.text = "".join(parts)
    doc.units = units


def shared_spans(a: Doc, b: Doc) -> tuple[list[list[int]], list[list[int]]] | None:
    """Spans of the story text both docs carry, merged across whitespace-only gaps."""
    shared = {k for k, _, _ in a.units} & {k for k, _, _ in b.units}
    if not shared:
        return None
    return _merged(a, shared), _merged(b, shared)


def _merged(d: Doc, shared: set[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for k, s, e in d.units:
        if k not in shared or s == e:
            continue
        if out and (out[-1][1] >= s or d.text[out[-1][1]:s].isspace()):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out
