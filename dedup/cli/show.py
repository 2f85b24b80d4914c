"""``dedup show REPORT.json CLUSTER``: one cluster in full, in the terminal.

The JSON report holds offsets, not texts: ``--corpus`` names the inputs of the run
(the same paths given to ``dedup cluster``) so that every passage is shown, both sides,
word differences marked. Without it, members and links are shown with offsets only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .._controls import BIDI
from ..errors import InputError
from .common import StdoutConsole, one_line, to_stderr, with_fields
from .lazy import lazy

if TYPE_CHECKING:
    from ..models import Cluster, Passage

iter_corpus = lazy("dedup.stages.ingest", "iter_corpus")
read_regular = lazy("dedup.evaluate", "read_regular")
_why = lazy("dedup.evaluate", "_why")
Report = lazy("dedup.models", "Report")
word_diff = lazy("dedup.stages.report_html", "word_diff")
clean = lazy("dedup.cli.table", "clean")  # ids, titles, sources: one line, no escape sequences

# A passage's text keeps its lines and tabs; any other control character (ESC opening an
# escape sequence, a carriage return, a bidirectional override that reorders what follows
# on screen) is a space, one for one, so the marked words' offsets stay right and nothing
# in the data drives the terminal.
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI}]")  # (tab and line end kept)


def _visible(text: str) -> str:
    return _CONTROL.sub(" ", text)

KIND_STYLE = {"duplicate": "bold blue", "partial": "bold dark_orange", "template": "bold magenta"}


def load_report(path: Path) -> Report:
    """A JSON report written by ``dedup cluster --format json``; one clear line if not
    (also when it is not a regular file: a FIFO or a device is never read)."""
    from pydantic import ValidationError

    data = read_regular(path)  # InputError naming the file
    try:
        # Python's parser, then the models: out of memory there is a MemoryError (exit 6);
        # pydantic's own parser aborted or hung for good on a failed allocation (a 200 MB
        # report under `ulimit -v`), deaf to SIGTERM. Strict: a hand-edited `true` is no
        # offset, "3" no size (dedup writes each as its type).
        report = Report.model_validate(json.loads(data), strict=True)
    except ValidationError as exc:
        raise _invalid(exc, path) from None
    except (RecursionError, ValueError) as exc:  # not JSON, nested too deeply, a number past the digit limit
        raise InputError(f"not a dedup JSON report ({_why(exc)})", str(path)) from None
    why = _inconsistent(report)
    if why:
        raise InputError(f"not a dedup JSON report ({why})", str(path))
    return report


def _invalid(exc, path: Path) -> InputError:
    """The first of pydantic's complaints, in one line."""
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ()))
    return InputError(f"not a dedup JSON report ({where + ': ' if where else ''}{first.get('msg')})", str(path))


def _inconsistent(report: Report) -> Optional[str]:
    """What makes a parsed report one dedup cannot have written, or None: two clusters of
    one id (``eval`` merged them), a size or coverage that cannot be, a document of a
    cluster the report lacks, a link between documents that are not members of its
    cluster, a passage outside its documents' characters (``show`` would slice texts by it)."""
    chars = {d.doc_id: d.chars for d in report.documents}
    if len(chars) < len(report.documents):
        return "a document is listed twice"
    ids: set[str] = set()
    for c in (*report.clusters, *report.templates):
        if c.id in ids:
            return f"two clusters are called {c.id}"
        ids.add(c.id)
        members = {m.doc_id for m in c.members}
        if c.size != len(c.members) or len(members) < len(c.members):
            return f"cluster {c.id}: size {c.size}, but {len(members)} distinct members of {len(c.members)}"
        for m in c.members:
            if not 0 <= m.coverage <= 1:  # NaN too
                return f"cluster {c.id}: {m.doc_id!r} has coverage {m.coverage}"
        for link in c.links:
            for end in (link.source, link.target):
                if end not in members:
                    return f"cluster {c.id}: a link names {end!r}, not a member"
            for p in link.passages:
                for side, doc, lo, hi in (("source", link.source, p.source_start, p.source_end),
                                          ("target", link.target, p.target_start, p.target_end)):
                    size = chars.get(doc)
                    if not 0 <= lo <= hi or (size is not None and hi > size):
                        return (f"cluster {c.id}: passage [{lo}:{hi}] of {doc!r} is outside its "
                                f"{size if size is not None else '?'} characters")
    for d in report.documents:
        if d.cluster is not None and d.cluster not in ids:
            return f"document {d.doc_id!r} is in cluster {d.cluster}, which the report does not have"
    return None


def read_texts(paths: List[Path], wanted: set[str], report: Report, fields=None) -> dict[str, str]:
    """The texts of the ``wanted`` documents, read from the corpus; checked against the
    lengths the report recorded, so offsets never point into a different text."""
    problems: list = []
    texts = {d.id: d.text for d in iter_corpus([str(p) for p in paths], problems, fields)
             if d.id in wanted}
    chars = {d.doc_id: d.chars for d in report.documents}
    for doc, text in sorted(texts.items()):
        if doc in chars and chars[doc] != len(text):
            raise InputError(f"document {doc!r} has {len(text)} characters, the report says {chars[doc]}: "
                             "not the corpus of this report")
    return texts


def side_text(text: Optional[str], start: int, end: int, diffs: list[int], style: str) -> Text:
    """``text[start:end]`` with context, the differing words (``diffs``, relative to
    ``start``) in ``style``."""
    if text is None:
        return Text(f"[{start}:{end}]", style="dim")
    from ..stages.report_html import CONTEXT

    out = Text()
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    out.append(("…" if lo else "") + _visible(text[lo:start]), style="dim")
    body, at = _visible(text[start:end]), 0
    for s, e in zip(diffs[::2], diffs[1::2]):
        out.append(body[at:s])
        out.append(body[s:e], style=style)
        at = e
    out.append(body[at:])
    out.append(_visible(text[end:hi]) + ("…" if hi < len(text) else ""), style="dim")
    return out


def passage_table(p: Passage, source: str, target: str, src: Optional[str], tgt: Optional[str]) -> Table:
    """One passage, both sides in two columns; words of one side only marked."""
    da, db = word_diff(src[p.source_start:p.source_end], tgt[p.target_start:p.target_end]) \
        if src is not None and tgt is not None else ([], [])
    t = Table(show_header=True, header_style="bold", expand=True, show_lines=False,
              title=f"[{p.source_start}:{p.source_end}] -> [{p.target_start}:{p.target_end}]  score {p.score}",
              title_justify="left", title_style="dim")
    t.add_column(Text(clean(source)), ratio=1, overflow="fold")
    t.add_column(Text(clean(target)), ratio=1, overflow="fold")
    t.add_row(side_text(src, p.source_start, p.source_end, da, "bold red strike"),
              side_text(tgt, p.target_start, p.target_end, db, "bold green"))
    return t


def cluster_view(c: Cluster, texts: dict[str, str]) -> Group:
    """The whole cluster: header, members, every link and passage."""
    parts: list = []
    head = Text()
    head.append(f"{c.id}  ", style="bold")
    head.append(c.kind, style=KIND_STYLE.get(c.kind, "bold"))
    head.append(f"  {c.size} documents  origin ")
    head.append(clean(c.origin), style="bold")
    parts.append(head)
    members = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("member", "role", "date", "source", "cover", "title"):
        members.add_column(col, justify="right" if col == "cover" else "left", overflow="fold",
                           no_wrap=col in ("member", "date"))
    for m in c.members:
        members.add_row(Text(clean(m.doc_id)), Text(clean(m.role)), Text(clean(m.date.replace("T", " ")[:16]) if m.date else "-"),
                        Text(clean(m.source) or "-"), f"{m.coverage:.0%}", Text(clean(m.title)))
    parts.append(members)
    for link in c.links:
        line = Text("\n")
        line.append(link.kind, style=KIND_STYLE.get(link.kind, "bold"))
        line.append(f"  {clean(link.source)} -> {clean(link.target)}  score {link.score}  covers "
                    f"{link.coverage_source:.0%} / {link.coverage_target:.0%}  {len(link.passages)} passage(s)")
        parts.append(line)
        for p in link.passages:
            parts.append(passage_table(p, link.source, link.target, texts.get(link.source), texts.get(link.target)))
    return Group(*parts)


def find_cluster(report: Report, key: str, path: Path, read_as: Optional[str] = None) -> Cluster:
    """The cluster or template series with id ``key``, or the cluster of document ``key``
    (else its template series); ``read_as`` "cluster" or "doc" reads ``key`` as that only.
    A key that is both a cluster's id and another cluster's (or no cluster's) document is
    a usage error: either reading could be the one meant."""
    groups = [*report.clusters, *report.templates]
    named = holder = None
    if read_as != "doc":
        named = next((c for c in groups if c.id == key), None)
    if read_as != "cluster":
        holder = next((c for c in groups if any(m.doc_id == key for m in c.members)), None)
    document = read_as != "cluster" and any(d.doc_id == key for d in report.documents)
    if named is not None and document and holder is not named:
        held = f"in cluster {holder.id}" if holder else "in no cluster"
        raise typer.BadParameter(f"{key!r} is both a cluster id and a document id ({held}) in the report: "
                                 "add --cluster or --doc to say which", param_hint="CLUSTER")
    if named is not None or holder is not None:
        return named or holder
    if document:
        raise InputError(f"document {key!r} is in no cluster", str(path))
    what = {"cluster": "cluster", "doc": "document"}.get(read_as, "cluster or document")
    raise InputError(f"no {what} {key!r} in the report", str(path))


@with_fields
def show_cmd(
    report_path: str = typer.Argument(..., metavar="REPORT.json", help="A report from `dedup cluster -f json`."),
    cluster: str = typer.Argument(..., help="A cluster id (c1), a template series' (t1), or the id of a document in it."),
    corpus: Optional[List[str]] = typer.Option(None, "--corpus", "-c",
                                                help="The run's inputs, to show the passages' text (repeatable)."),
    as_cluster: bool = typer.Option(False, "--cluster", help="CLUSTER is a cluster id (not a document's)."),
    as_doc: bool = typer.Option(False, "--doc", help="CLUSTER is a document id: show the cluster it is in."),
    fields=None,  # the --*-field flags, added by with_fields
) -> int:
    """One cluster in full: members, links, every passage side by side."""
    from ..stages.ingest.files import refuse_empty

    if as_cluster and as_doc:
        raise typer.BadParameter("give one of them, not both", param_hint="'--cluster' / '--doc'")
    refuse_empty([report_path, *(corpus or [])])  # as a Path, "" is ".": the working directory was read
    report_path, corpus = Path(report_path), [Path(p) for p in corpus or []]
    report = load_report(report_path)
    c = find_cluster(report, cluster, report_path, "cluster" if as_cluster else "doc" if as_doc else None)
    texts = read_texts(corpus, {m.doc_id for m in c.members}, report, fields) if corpus else {}
    if corpus and not texts:  # offsets only, as if no corpus were given: say so, not silently
        raise InputError(f"none of cluster {c.id}'s {c.size} documents is in {', '.join(map(str, corpus))}: "
                         "not the corpus of this report")
    console = StdoutConsole(highlight=False)
    console.print(cluster_view(c, texts))
    if not corpus:
        console.print(Text("\n(offsets only: pass --corpus PATH, the run's inputs, to see the passages)", style="dim"))
    elif missing := sorted({m.doc_id for m in c.members} - texts.keys()):
        console.print(Text(f"\n(not found in the corpus: {', '.join(missing)})", style="dim"))
        to_stderr(one_line(f"dedup: warning: not found in the corpus: {', '.join(missing)} (offsets shown)") + "\n")
        return 1
    return 0
