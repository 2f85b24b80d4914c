"""Ingest: turn paths (directories, text files, JSONL) or in-memory records into Documents.

A user mistake that leaves nothing to do (a missing path, an empty directory) raises
:class:`InputError`; a bad file or a bad JSONL line is recorded as a :class:`Problem`
and skipped, so one bad file never stops a corpus.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Union

from pydantic import ValidationError

from .errors import InputError
from .models import Document, Problem

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson")
Input = Union[str, os.PathLike, Document, dict]


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def _open_binary(path: Path):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError:  # optional: only needed for .zst corpora
            raise OSError("reading .zst needs the 'zstandard' package") from None
        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
    return open(path, "rb")


def _decode(data: bytes, label: str) -> str:
    """Decode UTF-8 strictly; the error names the line of the first bad byte."""
    if b"\x00" in data:
        raise _Skip("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Skip(f"invalid UTF-8 at byte {exc.start}", line) from None
    return text[1:] if text.startswith("\ufeff") else text


class _Skip(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def _read_text_file(path: Path, doc_id: str) -> Document:
    with open(path, "rb") as fh:
        text = _decode(fh.read(), doc_id)
    if not text.strip():
        raise _Skip("empty document")
    return Document(id=doc_id, text=text)


def _iter_jsonl(path: Path, label: str, problems: list[Problem]) -> Iterator[Document]:
    with _open_binary(path) as raw:
        for lineno, line in enumerate(io.BufferedReader(raw), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(_decode(line, label))
            except _Skip as skip:
                problems.append(Problem(path=label, line=lineno, message=skip.message))
                continue
            except json.JSONDecodeError as exc:
                problems.append(Problem(path=label, line=lineno, message=f"malformed JSON: {exc.msg}"))
                continue
            try:
                doc = to_document(record)
            except InputError as exc:
                problems.append(Problem(path=label, line=lineno, message=exc.message))
                continue
            if not doc.text.strip():
                problems.append(Problem(path=label, line=lineno, message="empty document"))
                continue
            yield doc


def to_document(record: Any) -> Document:
    """A Document from a Document or a mapping with at least ``id`` and ``text``."""
    if isinstance(record, Document):
        return record
    if not isinstance(record, dict):
        raise InputError(f"expected an object with 'id' and 'text', got {type(record).__name__}")
    for key in ("id", "text"):
        if key not in record or record[key] is None:
            raise InputError(f"record has no '{key}'")
    try:
        return Document.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "record"
        raise InputError(f"bad field '{field}': {err['msg']}") from None


def _files_under(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath, name)
            if not name.startswith(".") and _kind(p):
                found.append(p)
    return found


def iter_corpus(inputs: Iterable[Input], problems: list[Problem]) -> Iterator[Document]:
    """Yield Documents from paths and records; append skipped inputs to ``problems``."""
    for item in inputs:
        if isinstance(item, (Document, dict)):
            try:
                yield to_document(item)
            except InputError as exc:
                problems.append(Problem(path="<record>", message=exc.message))
            continue
        path = Path(item)
        if not path.exists():
            raise InputError("no such file or directory", path=str(item))
        if path.is_dir():
            files = _files_under(path)
            if not files:
                raise InputError("directory has no .txt, .md or .jsonl files", path=str(item))
            pairs = [(f, f.relative_to(path).as_posix()) for f in files]
        else:
            pairs = [(path, Path(item).as_posix())]
        for file, rel in pairs:
            label = file.as_posix()
            try:
                if _kind(file) == "jsonl":
                    yield from _iter_jsonl(file, label, problems)
                else:
                    yield _read_text_file(file, rel)
            except _Skip as skip:
                problems.append(Problem(path=label, line=skip.line, message=skip.message))
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                problems.append(Problem(path=label, message=f"cannot read: {reason}"))


def read_corpus(inputs: Union[Input, Iterable[Input]]) -> tuple[list[Document], list[Problem]]:
    """Read every input; return the documents (sorted by id, first of each id kept) and problems."""
    if isinstance(inputs, (str, os.PathLike, Document, dict)):
        inputs = [inputs]
    problems: list[Problem] = []
    seen: dict[str, Document] = {}
    for doc in iter_corpus(inputs, problems):
        if doc.id in seen:
            problems.append(Problem(path=doc.id, message="duplicate document id; later copy skipped"))
            continue
        seen[doc.id] = doc
    docs = [seen[k] for k in sorted(seen)]
    return docs, problems
