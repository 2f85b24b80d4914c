"""Ingest: turn paths (directories, text, HTML, JSONL, WARC, CSV/TSV, Parquet files,
``-`` for JSONL on standard input) or in-memory records into Documents.

A user mistake that leaves nothing to do (a missing path, a directory with no corpus
files) raises :class:`InputError`; a bad file or a bad record is recorded as a
:class:`Problem` and skipped, so one bad file never stops a corpus. Which files are read
and their ids: :mod:`dedup.stages.ingest.files`; how a file is read: :mod:`dedup.stages.ingest.read`
(text, JSONL), :mod:`dedup.stages.ingest.html`, :mod:`dedup.stages.ingest.warc`, :mod:`dedup.stages.ingest.table`;
a record as a Document: :mod:`dedup.stages.ingest.record`; files read on an engine's
workers (a large JSONL or Parquet file in pieces): :mod:`dedup.stages.ingest.shard`.
Every input is streamed; ``progress("read", bytes read, bytes in all)`` follows it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from ...errors import InputError
from .files import CORPUS_SUFFIXES, JSONL_SUFFIXES, STDIN_LABEL, TEXT_SUFFIXES, Planned, plan, virtual
from .read import MAX_DOCUMENT_BYTES, Skip, jsonl_lines, parse_json_line, read_text, run_on
from .record import _to_document, mend_surrogates, to_document
from .url import local_inputs
from ...models import Document, FieldMap, Problem

if TYPE_CHECKING:
    from ...engines.base import Engine
    from .shard import Shard

__all__ = ["CORPUS_SUFFIXES", "FieldMap", "Input", "JSONL_SUFFIXES", "MAX_DOCUMENT_BYTES", "TEXT_SUFFIXES",
           "Sourced", "Chooser", "iter_corpus", "iter_sourced", "mend_surrogates", "read_corpus", "to_document"]

Input = Union[str, os.PathLike, Document, dict]
RECORD = "<record>"  # the path of a record given in memory (no position: reports must not depend on order)
Progress = Callable[[str, int, int], None]
GIVE_UP = 20  # a JSONL file whose first this many lines are all bad is not read further


class Sourced(NamedTuple):
    """A document and where it came from (file and line; line None for a text file)."""

    doc: Document
    path: str
    line: int | None = None


class Chooser:
    """Which copy of a repeated id is kept, whatever the input order: the one whose
    (path, line) sorts first (records given in memory: by content). Every other copy
    is reported, naming its own place and the kept one's."""

    def __init__(self, copied: str | None = None) -> None:
        self._best: dict[str, tuple[tuple, tuple[str, int | None]]] = {}  # id -> (key, place)
        self._dropped: dict[str, list[tuple[str, int | None]]] = {}
        self._copied = copied  # where URLs' files were copied (:func:`~dedup.stages.ingest.url.local_inputs`)
        self._where: dict[str, str] = {}  # path -> its sort key's path (a file's documents share it)

    def _key(self, item: Sourced) -> tuple:
        if item.path == RECORD:
            d = item.doc  # ensure_ascii: a lone surrogate (given in memory) is escaped, not an error
            content = json.dumps([d.text, d.title, d.date, d.source, d.url, d.author], ensure_ascii=True)
            return (RECORD, 0, hashlib.blake2b(content.encode("ascii"), digest_size=16).digest())
        return self.place_key(item.path, item.line)

    def place_key(self, path: str, line: int | None) -> tuple:
        """The sort key of a copy in a file: its path made absolute (as typed, ``b.jsonl``
        and ``$PWD/b.jsonl`` sorted apart), a URL's copy under its own root (as for ids:
        never the workspace's name); standard input as it is named."""
        if path in (STDIN_LABEL, RECORD):  # no file: its name as it is
            return (path, line or 0)
        where = self._where.get(path)
        if where is None:  # once a file, not once a document (a million of them in one JSONL file)
            where = os.path.abspath(path)
            where = self._where[path] = where if self._copied is None else virtual(where, self._copied)
        return (where, line or 0)

    def offer(self, item: Sourced) -> bool:
        """True when ``item`` is (for now) the copy to keep of its id (only places are kept:
        the texts stay where the caller stores them)."""
        return self.offer_place(item.doc.id, self._key(item), (item.path, item.line))

    def offer_place(self, doc_id: str, key: tuple, place: tuple[str, int | None]) -> bool:
        """:meth:`offer` of a copy known by its id, sort key and place alone (a file's
        document: key ``(path, line or 0)``)."""
        best = self._best.get(doc_id)
        if best is None:
            self._best[doc_id] = (key, place)
            return True
        keep = key < best[0]
        if keep:
            self._best[doc_id] = (key, place)
        self._dropped.setdefault(doc_id, []).append(best[1] if keep else place)
        return keep

    def problems(self) -> list[Problem]:
        out = []
        for doc_id, dropped in self._dropped.items():
            place = self._best[doc_id][1]
            # records given in memory have no place (a report must not depend on their order)
            kept = ("another record given in memory (of such copies, the one whose fields sort first) is kept"
                    if place[0] == RECORD else f"the copy at {_where(*place)} is kept")
            out += [Problem(path=path, line=line, message=f"duplicate document id '{doc_id}'; {kept}")
                    for path, line in dropped]
        return out


def _where(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


def problem_order(p: Problem) -> tuple:
    """Problems sorted so that the report does not depend on input order."""
    return (p.path, p.line or 0, p.message)


def map_fields(record: Any, fields: FieldMap) -> Any:
    """A record's Document fields under their own names (a non-object is returned as is,
    to be reported by :func:`_to_document`); :class:`Skip` when ``id`` or ``text`` is missing."""
    if not isinstance(record, dict) or fields.is_default():
        return record
    out = {name: record[key] for name, key in fields if key in record}
    for name in ("id", "text"):
        if out.get(name) is None:
            raise Skip(f"record has no '{getattr(fields, name)}'")
    return out


class _Meter:
    """Bytes read of every file, for ``progress`` (at most one call per MiB read), and
    the records of web archives that are not articles (``progress("not articles", n, 0)``)."""

    STEP = 2**20

    def __init__(self, files: list[Planned], progress: Progress | None):
        self.progress, self.total = progress, sum(p.size for p in files)
        self.done = self.shown = 0  # bytes of the files finished; bytes last reported
        self.not_articles = 0
        self.lines = 0  # lines of the last JSONL file (or piece) read to its end

    def read_lines(self, n: int) -> None:
        self.lines = n

    def not_article(self, kind: str) -> None:
        self.not_articles += 1
        if self.progress:
            self.progress("not articles", self.not_articles, 0)

    def at(self, pos: int, force: bool = False) -> None:
        if self.progress and (force or self.done + pos - self.shown >= self.STEP):
            self.shown = self.done + pos
            self.progress("read", self.shown, max(self.total, self.shown) if self.total else 0)

    def finish(self, p: Planned) -> None:
        self.done += p.size
        self.at(0, force=True)


def _records(p: Planned, fields: FieldMap, problems: list[Problem], meter: _Meter, engine: Engine | None,
             page: tuple | None) -> Iterator[tuple[int | None, Any]]:
    """(line or record number, a record or the :class:`Skip` of a bad one) of a file of
    records; ``page``: an HTML file's ``(record, note)``, extracted already (see :func:`_pages`)."""
    if p.kind == "html":
        record, note = page
        if isinstance(record, Exception):
            raise record
        if note:
            problems.append(Problem(path=p.label, message=note, skipped=False))
        yield None, record
    elif p.kind == "warc":
        from .warc import warc_records

        yield from warc_records(p.path, p.label, problems, meter.at, meter.not_article, engine)
    elif p.kind in ("table", "parquet"):
        from .table import csv_records, parquet_records

        if p.kind == "parquet":
            yield from parquet_records(p.path, fields, meter.at, p.span)
        else:
            yield from csv_records(p.path, fields, meter.at)
    else:
        stream = os.fdopen(os.dup(0), "rb") if p.kind == "stdin" else None
        if p.copy is not None:  # a piece of a compressed file, decompressed into the workspace
            lines = jsonl_lines(p.copy, None, None, None, meter.read_lines, head=not p.span[0])
        else:
            lines = jsonl_lines(p.path, stream, meter.at if stream is None else None, p.span, meter.read_lines)
        for lineno, line in lines:
            if isinstance(line, Skip):
                yield lineno, line
                continue
            try:
                yield lineno, parse_json_line(line)
            except Skip as skip:
                yield lineno, skip


def _lacks(record: Any, fields: FieldMap) -> bool:
    return isinstance(record, dict) and any(record.get(f) is None for f in (fields.id, fields.text))


def _read_file(p: Planned, problems: list[Problem], fields: FieldMap, meter: _Meter, engine: Engine | None = None,
               page: tuple | None = None) -> Iterator[Sourced]:
    if p.kind == "text":
        text, note = read_text(p.path)
        if note:
            problems.append(Problem(path=p.label, message=note, skipped=False))
        if not text.strip():
            raise Skip("empty document")
        yield Sourced(_to_document({"id": p.doc_id, "text": text}, []), p.label)
        return
    good = bad = lacking = 0
    keys: set[str] = set()
    mark = len(problems)  # this file's problems start here
    for lineno, record in _records(p, fields, problems, meter, engine, page):
        try:
            if isinstance(record, Skip):
                raise record
            notes: list[str] = []
            if p.kind in ("jsonl", "stdin"):
                if _lacks(record, fields):
                    lacking += 1
                    keys.update(str(k) for k in record)
                record = map_fields(record, fields)
            doc = _to_document(record, notes)
        except (Skip, InputError) as exc:
            bad += 1
            problems.append(Problem(path=p.label, line=lineno, message=exc.message))
            if (not good and lineno is not None and lineno >= GIVE_UP and p.kind in ("jsonl", "stdin")
                    and not (p.span and p.span[0])):  # a later piece's lines: shard.Pieces judges
                del problems[mark:]  # the one line that gives up says it all: not twenty more of the same
                raise Skip(_give_up(lineno, fields, keys if lacking == bad else None)) from None
            continue
        good += 1
        if notes:
            problems.extend(Problem(path=p.label, line=lineno, message=n, skipped=False) for n in notes)
        if not doc.text.strip():
            problems.append(Problem(path=p.label, line=lineno, message="empty document"))
            continue
        yield Sourced(doc, p.label, lineno)


def _give_up(lineno: int, fields: FieldMap, keys: set[str] | None) -> str:
    """Why a JSONL file is not read further: no record so far, or records under other names."""
    if keys is None:
        return f"not read past line {lineno}: no line so far is a record (binary, or not JSONL?)"
    shown = ", ".join(sorted(keys)[:8]) + (", ..." if len(keys) > 8 else "")
    return (f"not read past line {lineno}: the lines are JSON objects without the '{fields.id}'/'{fields.text}' "
            f"fields (their keys: {shown}); name the fields with --id-field/--text-field "
            "(FieldMap in the library)")


def _named(record: Any) -> str:
    """A record's id for its problems' messages: what a pipeline can find it by among
    thousands (its place in the input is left out: a report must not depend on order)."""
    rid = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or rid == "" or isinstance(rid, int) and rid.bit_length() > 64:
        return ""  # (a huge number is no name, and str() refuses past 4,300 digits)
    return f" (record id {str(rid)[:60]!r})"


def _is_path(item: Any) -> bool:
    return isinstance(item, (str, bytes, os.PathLike))


def _pages(files: list[Planned], engine: Engine | None) -> Iterator[tuple[Planned, tuple | None]]:
    """Each file, and for an HTML file its page extracted (``(record, note)``): runs of HTML
    files are extracted by ``engine``, in order (the same results as in this process)."""
    from itertools import groupby


    for html, group in groupby(files, key=lambda p: p.kind == "html"):
        group = list(group)
        if not html:
            yield from ((p, None) for p in group)
            continue
        from .html import html_file_work

        yield from zip(group, run_on(engine, html_file_work, [(p.path, p.doc_id) for p in group]))


def iter_sourced(inputs: Iterable[Input], problems: list[Problem], fields: FieldMap | None = None,
                 progress: Progress | None = None, engine: Engine | None = None,
                 shards: Callable[[int], str] | None = None, copied: str | None = None) -> Iterator[Sourced | Shard]:
    """Documents with their places, from paths and records; skipped inputs go to ``problems``.

    ``fields``: where the records of JSONL, CSV/TSV and Parquet files keep each field.
    ``engine``: what extracts the text of HTML pages (files and pages of web archives;
    ``None``: this process); the documents and problems do not depend on it.
    ``shards``: the path of the k-th workspace file: with an engine, its workers read the
    text, JSONL, CSV/TSV and Parquet files into such files, yielded as
    :class:`~dedup.stages.ingest.shard.Shard` items (their documents stay on disk).
    ``copied``: where :func:`~dedup.stages.ingest.url.local_inputs` copied URLs' files
    (URLs themselves are not read here).
    The paths are walked first (ids depend on all of them, see :mod:`dedup.stages.ingest.files`),
    so a missing path raises :class:`InputError` before anything is read."""
    items = list(inputs)
    fields = fields or FieldMap()
    files = plan([x for x in items if _is_path(x)], problems, copied)
    held: list[int] = []  # files read in pieces, open here (see shard.hold) until the end
    try:
        yield from _sourced(items, files, problems, fields, _Meter(files, progress), engine, shards, held)
    finally:
        for fd in held:
            os.close(fd)


def _sourced(items, files, problems, fields, meter, engine, shards, held) -> Iterator[Sourced | Shard]:
    if shards is not None and engine is not None:
        from .shard import KINDS, Pieces, groups, hold, read_shard, shard_items

        todo = groups([p for p in files if p.kind in KINDS])
        if len(todo) < 2 and not any(g[0].cut for g in todo):  # one shard gains nothing from workers
            todo = []  # read here, with progress as it goes
        files = [p for p in files if p.kind not in KINDS or not todo]
        todo = hold(todo, engine, held)
        joined = Pieces()
        for shard in run_on(engine, read_shard, shard_items(todo, shards, fields)):
            shard = joined.placed(shard)
            if shard is None:
                continue
            problems.extend(shard.problems)
            yield shard
            for p in shard.files:
                meter.finish(p)
        files += joined.again  # files whose first piece held no document: read here, as one
    for record in (x for x in items if not _is_path(x)):  # anything else is a record, maybe a bad one
        notes: list[str] = []
        try:
            doc = _to_document(record, notes)
        except InputError as exc:
            problems.append(Problem(path=RECORD, message=exc.message + _named(record)))
            continue
        problems.extend(Problem(path=RECORD, message=n + _named(record), skipped=False) for n in notes)
        yield Sourced(doc, RECORD)
    for p, page in _pages(files, engine):
        try:
            yield from _read_file(p, problems, fields, meter, engine, page)
        except Skip as skip:
            problems.append(Problem(path=p.label, line=skip.line, message=skip.message))
        except OSError as exc:
            problems.append(Problem(path=p.label, message=f"cannot read: {exc.strerror or exc}"))
        meter.finish(p)


def iter_corpus(inputs: Iterable[Input], problems: list[Problem], fields: FieldMap | None = None,
                progress: Progress | None = None, engine: Engine | None = None) -> Iterator[Document]:
    """Yield Documents from paths and records; append skipped inputs to ``problems``
    (``engine``: see :func:`iter_sourced`)."""
    with local_inputs(list(inputs), problems) as (local, copied):
        for item in iter_sourced(local, problems, fields, progress, engine, copied=copied):
            yield item.doc


def read_corpus(inputs: Union[Input, Iterable[Input]], fields: FieldMap | None = None) -> tuple[list[Document], list[Problem]]:
    """Read every input; return the documents (sorted by id; of a repeated id, the copy
    :class:`Chooser` keeps) and the problems (sorted). ``fields``: see :func:`iter_sourced`."""
    from ...config import given_fields, given_inputs

    fields = given_fields(fields)
    if isinstance(given_inputs(inputs), (str, bytes, os.PathLike, Document, dict)):  # (bytes: a path, as cluster reads it)
        inputs = [inputs]
    problems: list[Problem] = []
    seen: dict[str, Document] = {}
    with local_inputs(list(inputs), problems) as (local, copied):
        chooser = Chooser(copied)
        for item in iter_sourced(local, problems, fields, copied=copied):
            if chooser.offer(item):
                seen[item.doc.id] = item.doc
        problems += chooser.problems()  # a repeated id's message names where the kept copy is
    problems.sort(key=problem_order)
    return [seen[k] for k in sorted(seen)], problems
