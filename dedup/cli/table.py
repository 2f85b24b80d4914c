"""The terminal table for ``dedup cluster`` and ``dedup index`` (rich).

Everything printed comes from the user's documents, so it is shown as plain text: never
read as rich markup, with escape sequences and other control characters taken out (a
title must not drive the terminal). Lines are cut to the console's width, in cells, and
carry no trailing spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from .._controls import CONTROLS
from ..models import Report

PASSAGES_PER_CLUSTER = 3
SNIPPET_CHARS = 300
GAP = "  "  # between columns

# ESC sequences (CSI ... final byte; OSC/DCS/APC/PM/SOS ... BEL or ST; any other ESC x),
# their 8-bit C1 forms, then any control character left (C0, DEL, C1) and the Unicode
# controls that reorder or hide text (bidi overrides and isolates).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[@-Z\\-_]?",
    re.DOTALL,
)
_CONTROLS = re.compile(f"[{CONTROLS}]+")


def clean(s: str | None) -> str:
    """``s`` as one line of plain text: escape sequences dropped, other control characters
    (new lines included) made a space, runs of white space one space."""
    if not s:
        return ""
    s = _CONTROLS.sub(" ", _ESCAPES.sub("", s))
    return " ".join(s.split())


def snippet(text: str | None, start: int, end: int, limit: int = SNIPPET_CHARS) -> str:
    """``text[start:end]`` as one clean line of at most ``limit`` characters."""
    if text is None:
        return ""
    s = clean(text[start : min(end, start + 4 * limit)])
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def middle(s: str, cells: int) -> str:
    """``s`` in at most ``cells`` cells, shortened in the middle with "…" (the end of a
    path-like id, its file name, says the most)."""
    if cell_len(s) <= cells:
        return s
    if cells <= 1:
        return "\u2026"[:cells]
    tail = max(1, (cells - 1) * 2 // 3)
    head = cells - 1 - tail
    end = ""
    for ch in reversed(s):
        if cell_len(ch + end) > tail:
            break
        end = ch + end
    start = ""
    for ch in s:
        if cell_len(start + ch) > head:
            break
        start += ch
    return start + "\u2026" + end


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def _line(console: Console, text: Text) -> None:
    """Print one line cut to the console's width, without trailing spaces."""
    text.rstrip()
    text.truncate(console.width, overflow="ellipsis")
    console.print(text, no_wrap=True, crop=True, soft_wrap=False, highlight=False, markup=False)


def _fit(s: str, cells: int, pad: bool) -> Text:
    t = Text(s)
    t.truncate(cells, overflow="ellipsis", pad=pad)
    return t


def print_rows(console: Console, header: Sequence[str], rows: list[Sequence[str]], fixed: Sequence[int | None],
               right: Sequence[bool] = ()) -> None:
    """A table without borders: columns of ``fixed`` widths (None: as wide as their text,
    the first such column shortened in the middle, the last one taking what is left)."""
    cols = len(header)
    right = list(right) + [False] * (cols - len(right))
    natural = [max([cell_len(h)] + [cell_len(r[k]) for r in rows]) for k, h in enumerate(header)]
    widths = [f if f is not None else natural[k] for k, f in enumerate(fixed)]
    widths[-1] = max(cell_len(header[-1]), console.width - sum(widths[:-1]) - len(GAP) * (cols - 1))
    widths[-1] = min(widths[-1], natural[-1])

    def render(cells: Sequence[str], style: str = "") -> Text:
        out = Text(style=style)
        for k, value in enumerate(cells):
            last = k == cols - 1
            if fixed[k] is not None and k == 0:
                value = middle(value, widths[k])
            cell = _fit(value, widths[k], pad=False)
            room = widths[k] - cell.cell_len
            if right[k]:
                out.append(" " * room)
            out.append(cell)
            if not last:
                out.append(("" if right[k] else " " * room) + GAP)
        return out

    _line(console, render(header, "bold"))
    for r in rows:
        _line(console, render(r))


def id_width(console: Console, ids: Sequence[str], cap: int) -> int:
    """Cells for a column of document ids: their length, up to ``cap`` (12 at least)."""
    return min(max([cell_len(i) for i in ids] + [6]), max(12, cap))


def print_passage(console: Console, a_id: str, a_text: str | None, b_id: str, b_text: str | None, p) -> None:
    """One shared passage: where it is on each side, and the text of each side."""
    a_at, b_at = f" [{p.source_start}:{p.source_end}] -> ", f" [{p.target_start}:{p.target_end}]  score {p.score:.2f}"
    ids = max(8, (console.width - 2 - len(a_at) - len(b_at)) // 2)
    _line(console, Text(f"  {middle(clean(a_id), ids)}{a_at}{middle(clean(b_id), ids)}{b_at}"))
    for mark, text, s, e in (("<", a_text, p.source_start, p.source_end), (">", b_text, p.target_start, p.target_end)):
        if text is None:  # a report read back without its texts
            continue
        _line(console, Text(f"    {mark} \u201c{snippet(text, s, e)}\u201d", style="dim"))


def _more(console: Console, n: int) -> None:
    if n > 0:
        _line(console, Text(f"  \u2026 {plural(n, 'more passage')} (see --format json)", style="dim"))


def print_table(report: Report, console: Console) -> None:
    """Per cluster: members with role, date and coverage (and the running story, when it
    holds more than the cluster), then a few shared passages."""
    from ..stages.report_html import story_of_clusters

    stories = story_of_clusters(report)  # per copy cluster: (story, its other clusters, its loose documents)
    size = {c.id: c.size for c in report.clusters}
    for c in list(report.clusters) + list(report.templates):
        title = f"{clean(c.id)}  {c.kind}  {plural(c.size, 'document')}  origin {clean(c.origin)}"
        if c.id in stories:
            story, others, loose = stories[c.id]
            title += f"  story {clean(story)} (+{plural(sum(size[x] for x in others) + len(loose), 'document')})"
        _line(console, Text(title, style="bold"))
        rows = []
        for m in c.members:
            label = clean(m.title)
            if m.source:
                label = f"{label} ({clean(m.source)})" if label else clean(m.source)
            rows.append([clean(m.doc_id), m.role, m.date[:10] if m.date else "-", f"{m.coverage:.0%}", label])
        # role, date, cover and the gaps take 30 cells; titles get two thirds of the rest
        width = id_width(console, [r[0] for r in rows], (console.width - 30) // 3)
        print_rows(console, ["member", "role", "date", "cover", "title / source"], rows,
                   [width, None, None, None, None], right=[False, False, False, True, False])
        pairs = [(link, p) for link in c.links for p in link.passages]
        for link, p in pairs[:PASSAGES_PER_CLUSTER]:
            print_passage(console, link.source, report.text_of(link.source), link.target, report.text_of(link.target), p)
        _more(console, len(pairs) - PASSAGES_PER_CLUSTER)
        console.print()
    alone = sum(1 for d in report.documents if d.cluster is None)
    skipped = sum(1 for p in report.problems if p.skipped)
    noted = len(report.problems) - skipped  # read, with a change the user should know of
    _line(console, Text(f"{plural(len(report.documents), 'document')}, {plural(len(report.clusters), 'cluster')}, "
                        f"{alone} alone, {skipped} skipped" + (f", {noted} read with a note" if noted else "")
                        + (f", {plural(len(report.templates), 'template series', 'template series')}" if report.templates else "")))


def print_results(results, new_texts: dict, stored_texts: dict, console: Console, passages: bool = True) -> None:
    """``dedup index query`` (and ``add``): per document, what it copies and where
    (``passages``: with the passages' words)."""
    for r in results:
        copies = sum(m.kind != "template" for m in r.matches)
        if r.matches and not copies:  # a series' issue: the formula shared, its facts new
            head = f"{clean(r.doc_id)}  {r.coverage:.0%} a template of {plural(len(r.matches), 'document')}"
        else:
            head = f"{clean(r.doc_id)}  {r.coverage:.0%} copied from {plural(copies, 'document')}"
            if copies < len(r.matches):
                head += f", a template of {len(r.matches) - copies} more"
        if r.cluster:
            head += f"  story {r.cluster}  origin {clean(r.origin)}"
        _line(console, Text(head, style="bold"))
        if r.in_index:
            _line(console, Text(f"  already in the index under this id (story {r.stored_cluster}); "
                                "not listed as a match", style="dim"))
        if r.matches:
            rows = [[clean(m.doc_id), m.kind, f"{m.score:.2f}", f"{m.coverage_source:.0%}", f"{m.coverage_target:.0%}",
                     str(len(m.passages))] for m in r.matches]
            print_rows(console, ["match", "kind", "score", "of it", "of this", "passages"], rows,
                       [id_width(console, [x[0] for x in rows], console.width - 44), None, None, None, None, None],
                       right=[False, False, True, True, True, True])
        pairs = [(m, p) for m in r.matches for p in m.passages] if passages else []
        for m, p in pairs[:PASSAGES_PER_CLUSTER]:
            print_passage(console, m.doc_id, stored_texts.get(m.doc_id), r.doc_id, new_texts.get(r.doc_id), p)
        _more(console, len(pairs) - PASSAGES_PER_CLUSTER)
        console.print()
