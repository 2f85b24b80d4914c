"""Template series in the index: a new document's matches judged without the frame of
the series it belongs to, as the batch judges its links (``link.frames_judged``).

Issues of one formula agree on its fixed names (an issuer, its agent, a place) and state
its slots anew. A pair of issues whose fixed names outweigh its new facts reads as a
copy; the batch learns each document's frame, the facts it repeats with most of the
documents it may be another issue of, and leaves them out. The index knows the new
document's matches only, so it learns the new document's frame from them, and leaves
the same facts (the same words) out on the stored side, when at least half its matches state as
many facts anew as another issue does (``SERIES_SWAPS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..stages.segment import Prepared
from ..stages.template import SERIES_SWAPS, TEMPLATE_FACT_SHARE, frame_facts, new_issue, without_frame

_NEW = -1  # the new document among the stored ones' positions


def fact_words(p: Prepared, flags: np.ndarray, first: int) -> tuple[int, ...]:
    """The word hashes of ``p``'s fact whose first token is ``first`` (``flags``: its
    fact mask, :func:`dedup.stages.facts.fact_mask`: each fact token's first token)."""
    end = first + 1
    while end < len(flags) and flags[end] == first:
        end += 1
    return tuple(np.asarray(p.hashes[first:end]).tolist())


def judged_by_frame(found: list, p: Prepared, facts: Callable[[Prepared], np.ndarray]) -> list:
    """``found``'s ``(row, stored, pair)`` with each copy whose facts, the new document's
    frame left out on both sides, differ as a template's do made a ``template``
    (``pair``: :class:`dedup.index.analysis.PairResult`, None for an exact copy;
    ``facts``: a document's fact mask). Unchanged unless the new document is an issue of
    a series: a frame learned from two or more matches that may be issues
    (:func:`dedup.stages.template.frame_facts`), and at least half its matches stating
    ``SERIES_SWAPS`` facts anew, as issues do. (A story's copy with two matches judged
    templates by a byline has its story's names for a frame; the copies it matches state
    a fact or two anew, not a series' slots.)"""
    frame = frame_facts([(k, _NEW, new_issue(pair.kind, pair.evidence), pair.evidence)
                         for k, (_, _, pair) in enumerate(found) if pair is not None]).get(_NEW)
    judged = [pair.evidence for _, _, pair in found if pair is not None and pair.evidence is not None]
    if not frame or 2 * sum(ev.swaps >= SERIES_SWAPS for ev in judged) < len(found):
        return found
    flags = facts(p)
    named = {fact_words(p, flags, t) for t in frame}
    out = []
    for row, q, pair in found:
        ev = pair.evidence if pair is not None else None
        if ev is not None and pair.kind != "template":
            stored = facts(q)
            theirs = {t for t in ev.ids_a.tolist() if fact_words(q, stored, t) in named}
            if without_frame(ev, theirs, frame) >= TEMPLATE_FACT_SHARE:
                pair = replace(pair, kind="template")
        out.append((row, q, pair))
    return out
