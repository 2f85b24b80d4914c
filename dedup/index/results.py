"""What the index answers for one document: the stored documents it shares text with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from pydantic import BaseModel, ConfigDict

from ..models import LinkKind, Nearest, Passage
from ..stages.normalize import tokenize

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class Match(BaseModel):
    """A stored document that shares text with the document asked about.

    Passages run from the stored document (``source_*``) to the new one (``target_*``);
    ``coverage_source`` is the share of the stored document's content inside them,
    ``coverage_target`` the share of the new document's. ``cluster`` and ``origin`` are
    the story the stored document belongs to (see :meth:`dedup.Index.add`).
    """

    model_config = ConfigDict(frozen=True)

    doc_id: str
    kind: LinkKind
    score: float
    coverage_source: float
    coverage_target: float
    passages: list[Passage]
    cluster: Optional[str]
    origin: Optional[str]


class AddResult(BaseModel):
    """The answer for one document: what it copies, how much, and the story it joins.

    ``coverage``: share of the document's content inside a passage shared with any match.
    ``cluster``/``origin``: the story of the document with its matches (``None`` when it
    matches nothing). ``stored``: whether the document was added (False for a query).
    ``in_index``/``stored_cluster`` (a query only): a document with this id is already
    stored, in that story. ``notes``: what was mended or ignored in the document, one line
    each, as a corpus run reports them (a lone surrogate replaced by U+FFFD; a ``date``
    that reads as no date, so the date comes from the text).
    """

    model_config = ConfigDict(frozen=True)

    doc_id: str
    stored: bool
    coverage: float
    cluster: Optional[str]
    origin: Optional[str]
    matches: list[Match]
    in_index: bool = False
    stored_cluster: Optional[str] = None
    nearest: Optional[Nearest] = None  # the stored candidate holding most of its trigrams (dedup.stages.nearest)
    notes: list[str] = []


class BulkResult(BaseModel):
    """What :meth:`dedup.Index.add_many` did."""

    model_config = ConfigDict(frozen=True)

    added: int
    # Only with ``skip_duplicates``: every id skipped, already stored or met earlier in the input ...
    skipped: list[str]
    # ... of which these repeat an id of the same batch (a repeat across batches counts as stored).
    repeated: list[str] = []
    # What was mended or ignored in the documents read (AddResult.notes), each line after the document's id.
    notes: list[str] = []


def whole_copy(doc_id: str, stored_text: str, text: str, story, origin) -> Match:
    """The match of a stored document with the same words in the same order: one passage
    from its first word to its last on each side."""
    def bounds(t: str) -> tuple[int, int]:
        starts, ends, _ = tokenize(t)
        return (int(starts[0]), int(ends[-1])) if len(starts) else (0, len(t))

    (a0, a1), (b0, b1) = bounds(stored_text), bounds(text)
    return Match(doc_id=doc_id, kind="duplicate", score=1.0, coverage_source=1.0, coverage_target=1.0,
                 passages=[Passage(source_start=a0, source_end=a1, target_start=b0, target_end=b1, score=1.0)],
                 cluster=story, origin=origin)
