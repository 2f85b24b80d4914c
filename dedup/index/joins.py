"""Which stored stories a new document joins: the batch clustering's bridge and hub rules
(:mod:`dedup.stages.cluster`) as one document arrives.

A stored story is a group of linked documents. A new document with matches in one story
joins it. One with matches in several would, joining them all, chain unrelated stories
through a stray match: a teaser line, or a blurb or banner that is furniture but not yet
known as such when it arrives (the index judges furniture from the documents stored so
far). The batch keeps a link from merging its clusters when nothing else ties its ends,
and a document linked to two groups joins the larger one only, unless a real part of it
comes from the other. So the new document joins:

* the story whose matches cover most of it (ties: more matched documents, then the
  older story);
* another story where two or more of its matched documents lie (they are tied to each
  other through that story's links, as copies are), or one that is a single document
  (a lone text keeps its link), when text matched there and in no third story is at
  least ``COMPILATION_SHARE`` of the new document (one item of a compilation, or a
  blurb that texts of several stories carry, joins nothing; copies of one story that
  were stored apart share their text with the first story only).

A story of several documents matched through one of them only stays apart: that one
link is a bridge. The links are stored all the same, and :meth:`dedup.Index.clusters`
(the batch clustering, which judges every link) rebuilds the stories from them.
"""

from __future__ import annotations

from collections.abc import Callable

from ..stages.cluster import COMPILATION_SHARE

Spans = list[tuple[int, int]]


def _union(spans: Spans) -> Spans:
    out: Spans = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _length_outside(spans: Spans, other: Spans) -> int:
    """Characters of ``spans`` outside ``other`` (both unions of sorted spans)."""
    total, k = 0, 0
    for s, e in spans:
        total += e - s
        while k < len(other) and other[k][1] <= s:
            k += 1
        j = k
        while j < len(other) and other[j][0] < e:
            total -= min(e, other[j][1]) - max(s, other[j][0])
            j += 1
    return total


def joined_stories(story_of: dict[int, int], matches: list[tuple[int, Spans]], length: int,
                   size: Callable[[int], int]) -> set[int]:
    """The stories the new document joins. ``story_of``: each matched document's story;
    ``matches``: ``(document, the new document's spans in that match's passages)`` of
    the matches that may join stories; ``length``: the new document's characters;
    ``size(story)``: its number of documents."""
    groups: dict[int, list[Spans]] = {}
    for doc, spans in matches:
        groups.setdefault(story_of[doc], []).append(spans)
    if len(groups) < 2:
        return set(groups)
    covered = {s: _union([x for spans in g for x in spans]) for s, g in groups.items()}
    first = min(groups, key=lambda s: (-sum(e - b for b, e in covered[s]), -len(groups[s]), s))
    out = {first}
    for s, g in groups.items():
        if s == first or (len(g) == 1 and size(s) > 1):
            continue
        # the first story may carry the same text (copies of one story stored apart); a
        # third that does too makes it text that recurs across stories
        elsewhere = _union([x for t, spans in covered.items() if t not in (s, first) for x in spans])
        if _length_outside(covered[s], elsewhere) >= COMPILATION_SHARE * length:
            out.add(s)
    return out
