"""Reading web archives (WARC, WARC.gz, ARC, ARC.gz) with warcio, streamed record by record.

Each ``response`` record whose payload is HTML becomes a document: id its
``WARC-Target-URI``, text and metadata extracted as for an HTML file
(:mod:`dedup.stages.ingest.html`), ``WARC-Date`` the date when neither the page nor its text gives one. Other
records (requests, warcinfo, metadata, images, robots.txt, redirects and error statuses)
are not articles: they are counted (``progress("not articles", n, 0)``), not reported as
problems. A damaged record is reported and reading goes on at the next record that can be
found (the next gzip member, or the next ``WARC/1.x`` header line).

warcio rather than FastWARC: on a generated WARC.gz of 3,000 pages FastWARC parses in
0.06 s and warcio in 0.45 s, but extracting the pages' text takes 12.6 s, so the parser
is under 4% of the time; warcio also reads ARC, and undoes chunked and gzip-encoded
HTTP bodies.
"""

from __future__ import annotations

import io
import logging
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .html import charset_of, decode_html, extract
from .read import MAX_DOCUMENT_BYTES, Skip, open_regular, run_on
from ...models import Problem

if TYPE_CHECKING:
    from ...engines.base import Engine

_SCAN = 2**16

# warcio logs the headers it mends; the library never prints (as for trafilatura in
# dedup.stages.ingest.html: an application's own handler still sees them).
logging.getLogger("warcio").addHandler(logging.NullHandler())


def _iterator_class():
    from warcio.archiveiterator import ArchiveIterator
    from warcio.recordloader import ArcWarcRecordLoader

    class Loader(ArcWarcRecordLoader):
        """warcio fails with a Python error on a response without a ``WARC-Target-URI``:
        its HTTP headers are read as any response's, and :func:`_page` says what it lacks."""

        def load_http_headers(self, rec_type, uri, stream, length):
            return super().load_http_headers(rec_type, "http:" if uri is None else uri, stream, length)

    class Quiet(ArchiveIterator):
        """warcio writes a line to stderr for a record whose length is wrong; the library
        never prints (the damage is counted in ``err_count`` and reported instead)."""

        INC_RECORD = ""

        def __init__(self, fileobj, arc2warc: bool = False):
            super().__init__(fileobj, arc2warc=arc2warc)
            self.loader = Loader(arc2warc=arc2warc)

    return Quiet


def _is_html(content_type: str | None, payload: bytes) -> bool:
    if content_type:
        kind = content_type.split(";")[0].strip().lower()
        return kind in ("text/html", "application/xhtml+xml")
    head = payload[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _resync(fh, start: int, gz: bool) -> int | None:
    """The offset of the first record header after ``start`` (None: none left)."""
    marks = (b"\x1f\x8b\x08",) if gz else (b"\nWARC/1.", b"\rWARC/1.")
    fh.seek(start)
    pos, tail = start, b""
    while True:
        block = fh.read(_SCAN)
        if not block:
            return None
        data = tail + block
        hits = [i for i in (data.find(m) for m in marks) if i >= 0]
        if hits:
            return pos - len(tail) + min(hits) + (0 if gz else 1)
        tail = data[-8:]
        pos += len(block)


def _swallowed(fh, offset: int, length: int) -> int | None:
    """The offset of a gzip member that starts inside a record's compressed bytes (the
    record inflated through it), or None. Read in blocks (a record may be large) without
    moving the file's position, which the record iterator owns."""
    mark = b"\x1f\x8b\x08"
    pos, end, tail = offset + 1, offset + length, b""
    while pos < end:
        block = os.pread(fh.fileno(), min(_SCAN, end - pos), pos)
        if not block:
            return None
        i = (tail + block).find(mark)
        if i >= 0:
            return pos - len(tail) + i
        tail = block[-(len(mark) - 1):]
        pos += len(block)
    return None


def _why(exc: Exception) -> str:
    """An exception's message as one printable line (warcio quotes the bad header's bytes)."""
    text = str(exc)
    if text.startswith("Unknown archive format"):
        return "not a WARC/ARC record header"
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:200] or type(exc).__name__


def _page(record, number: int) -> tuple | Skip | str:
    """What one WARC record is: a page to extract (``(uri, payload, content type,
    WARC-Date)``), a :class:`Skip` for a page that cannot be read, or the kind of a
    record that is not an article (not a problem)."""
    if record.rec_type != "response":
        return record.rec_type or "unknown"
    status = record.http_headers.get_statuscode() if record.http_headers else None
    if status and not status.startswith("2"):
        return f"response {status}"
    uri = record.rec_headers.get_header("WARC-Target-URI")
    content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
    payload = record.content_stream().read(MAX_DOCUMENT_BYTES + 1)
    if not _is_html(content_type, payload):
        return "response not HTML"
    if not uri:
        return Skip("response without a WARC-Target-URI (the document id)", number)
    if len(payload) > MAX_DOCUMENT_BYTES:
        return Skip(f"page {uri} larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; not read", number)
    return uri, payload, content_type, record.rec_headers.get_header("WARC-Date")


def _extract(_state, item: tuple) -> tuple:
    """``(number, offset, page)`` with the page's text and metadata extracted: a Document
    record (its encoding note under ``_note``) or a :class:`Skip` (run in a worker)."""
    number, offset, page = item
    if isinstance(page, tuple):
        uri, payload, content_type, warc_date = page
        try:
            text, note = decode_html(payload, charset_of(content_type))
            page = extract(text, uri, fallback_date=warc_date)
        except Skip as skip:
            page = Skip(f"page {uri}: {skip.message}", number)
        else:
            page["id"] = uri
            if note:
                page["_note"] = f"page {uri}: {note}"
    if isinstance(page, Skip):  # a page that cannot be read: where it is, for the user
        page = Skip(f"{page.message} (record at byte {offset})", number)
    return number, offset, page


def warc_records(path: Path, label: str, problems: list[Problem], at: Callable[[int], None],
                 not_article: Callable[[str], None] | None = None,
                 engine: Engine | None = None) -> Iterator[tuple[int, dict | Skip]]:
    """(record number, a Document record or the :class:`Skip` of a bad page) of every
    HTML response; ``not_article(kind)`` is called for every other record (not a
    problem), damage is one problem each. The records are read here, in order; the
    pages are extracted by ``engine`` (the same results, in the same order)."""
    for number, _, page in run_on(engine, _extract, _raw_pages(path, label, problems, at, not_article)):
        if isinstance(page, dict) and "_note" in page:
            problems.append(Problem(path=label, line=number, message=page.pop("_note"), skipped=False))
        yield number, page


def _one_member(fh) -> bool:
    """Whether a .gz file's first gzip member holds more than one record (a WARC
    compressed whole, not record by record): its first member is inflated until it ends
    or a second record header shows (a record-by-record file's first member is one
    record, so little is read)."""
    fh.seek(0)
    inflate = zlib.decompressobj(wbits=31)
    seen = b""
    try:
        while not inflate.eof:
            block = fh.read(_SCAN)
            if not block:
                break
            seen = seen[-16:] + inflate.decompress(block, 1 << 20)
            while inflate.unconsumed_tail and not inflate.eof and not _header_in(seen):
                seen = seen[-16:] + inflate.decompress(inflate.unconsumed_tail, 1 << 20)
            if _header_in(seen):
                return True
    except zlib.error:
        return False  # damage: the record-by-record reader reports it
    finally:
        fh.seek(0)
    return False


def _header_in(data: bytes) -> bool:
    """Whether a WARC record header starts on a line of ``data`` (after its first byte)."""
    return b"\nWARC/1." in data or b"\nWARC/0." in data


class _Inflated(io.RawIOBase):
    """A gzip file's data as one stream (members one after another), which ends quietly
    where the file does; ``cut`` tells whether it ended inside a member (cut short).
    (``gzip.GzipFile`` raises there instead, losing the data it had inflated.)"""

    def __init__(self, fh):
        super().__init__()
        self.fh, self.inflate, self.data, self.cut = fh, zlib.decompressobj(wbits=31), b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self.data:
            if self.inflate.eof:
                rest = self.inflate.unused_data or self.fh.read(_SCAN)
                if not rest:
                    return 0
                self.inflate = zlib.decompressobj(wbits=31)  # the next member
                self.data = self.inflate.decompress(rest)
                continue
            block = self.fh.read(_SCAN)
            if not block:
                self.cut = True
                return 0
            self.data = self.inflate.decompress(block)
        n = min(len(b), len(self.data))
        b[:n] = self.data[:n]
        self.data = self.data[n:]
        return n


def _stream_pages(fh, label: str, problems: list[Problem], at: Callable[[int], None],
                  not_article: Callable[[str], None] | None, iterator) -> Iterator[tuple[int, int, tuple | Skip]]:
    """:func:`_raw_pages` of a WARC.gz compressed as one gzip member: the records of the
    decompressed stream, offsets in it. Damage ends the file (one stream cannot be read
    on past it)."""
    fh.seek(0)
    number, where = 0, 0
    raw = _Inflated(fh)
    it = iterator(io.BufferedReader(raw), arc2warc=True)
    try:
        for record in it:
            number += 1
            page = _page(record, number)
            offset = it.get_record_offset()
            if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than its Content-Length
                number -= 1  # the damage is this record
                raise EOFError
            end = offset + it.get_record_length()
            if isinstance(page, str):
                if not_article is not None:
                    not_article(page)
                where = end
                continue
            yield number, offset, page
            at(fh.tell())
            where = end
        if raw.cut:
            raise EOFError
    except Exception as exc:  # as in _raw_pages: damage of many kinds
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        why = "the file ends inside it (cut short?)" if isinstance(exc, EOFError) else _why(exc)
        problems.append(Problem(path=label, line=number + 1, message=(
            f"damaged record after byte {where} of the decompressed file: {why}; "
            "the file is one gzip member, so nothing after it is read")))


def _raw_pages(path: Path, label: str, problems: list[Problem], at: Callable[[int], None],
               not_article: Callable[[str], None] | None) -> Iterator[tuple[int, int, tuple | Skip]]:
    """(record number, byte offset, page to extract or :class:`Skip`) of every HTML response."""
    iterator = _iterator_class()
    gz = path.name.lower().endswith(".gz")
    number, start, wrong_length, damaged = 0, 0, 0, False
    with open_regular(path) as fh:
        if gz and _one_member(fh):
            # the whole file one gzip member (gzip run over a .warc): warcio will not seek
            # in it and reads its first record only; it reads as one stream
            yield from _stream_pages(fh, label, problems, at, not_article, iterator)
            return
        while start is not None:
            fh.seek(start)
            # wrong lengths warcio had counted when the record before the last one, and the
            # last one, began to be read
            it, errs_before, errs_last, last_offset, last_end = None, 0, 0, None, None
            try:
                it = iterator(fh, arc2warc=True)
                swallowed = None
                for record in it:
                    number += 1
                    # a wrong length is counted while the next record is parsed, and damage
                    # counts as one in the records around it: when damage ends this run, only
                    # what was counted before the record ahead of it is kept
                    errs_before, errs_last = errs_last, it.err_count
                    page = _page(record, number)
                    offset = it.get_record_offset()  # reads the record to its end
                    # damage can make warcio's offsets and lengths nonsense (negative, backwards)
                    last_offset, last_end = offset, offset + max(it.get_record_length(), 1)
                    swallowed = _swallowed(fh, offset, it.get_record_length()) if gz else None
                    if swallowed is not None:
                        # a damaged member can inflate into garbage that runs on through the
                        # next members: the record is damage, and reading starts again there
                        problems.append(Problem(path=label, line=number, message=(
                            f"damaged gzip data at byte {offset}: the record runs into the next member; "
                            "read on from the next record")))
                        damaged = True
                        break
                    if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than its Content-Length
                        # cut short, or a length too large that ran on through the records
                        # after it to the end: those are read again from the first of them
                        resume = _resync(fh, offset + 1, gz)
                        problems.append(Problem(path=label, line=number, message=f"damaged record at byte {offset}: " + (
                            "the file ends inside it (cut short?)" if resume is None else
                            "its Content-Length runs past the next record; read on from the next record")))
                        damaged = True
                        if resume is not None:
                            swallowed = resume
                            break
                        continue
                    if isinstance(page, str):
                        if not_article is not None:
                            not_article(page)
                        continue
                    yield number, offset, page
                    at(fh.tell())
                if swallowed is not None:
                    start = swallowed
                    wrong_length += errs_before
                    continue
                # warcio ends quietly at a record it cannot parse (a file cut short): bytes left are damage.
                end = getattr(it, "offset", None) or start
                fh.seek(end)
                start, errs_kept = None, it.err_count
                if fh.read(_SCAN).strip():
                    errs_kept = errs_before
                    start = _resync(fh, end + 1, gz)
                    why = "the file ends inside it (cut short?)" if start is None else "not a readable record"
                    problems.append(Problem(path=label, line=number + 1, message=f"damaged record at byte {end}: "
                                            f"{why}" + ("" if start is None else "; read on from the next record")))
                    damaged = True
            except Exception as exc:  # warcio, zlib and the HTTP parser raise many kinds on damage
                if isinstance(exc, OSError) and exc.errno is not None:
                    raise  # the file itself cannot be read: reported by the caller
                where = max(getattr(it, "offset", None) or start, start if last_offset is None else last_offset + 1)
                why = _why(exc)
                kind = "gzip data" if isinstance(exc, (zlib.error, EOFError)) else "record"
                # damage can also inflate on between records, past whole members: look for
                # one from the last record's end before skipping to the failure's place
                resume = _resync(fh, last_end, gz) if last_end is not None and last_end < where else None
                if resume is not None and resume < where:
                    start, where = resume, last_end  # the damage begins where the last record ended
                else:
                    start = _resync(fh, max(where, start) + 1, gz)
                then = "no record found after it" if start is None else "read on from the next record"
                line = number + 1
                if gz and last_offset is not None and last_offset < where:
                    next_member = _resync(fh, last_offset + 1, gz)
                    if next_member is None or next_member > where:
                        # no member starts between the last record and the damage: its member
                        # decoded short (corrupt data can end a deflate stream early) and what
                        # failed is the rest of that record's member, not a record of its own
                        line, where = number, last_offset
                problems.append(Problem(path=label, line=line, message=f"damaged {kind} at byte {where}: {why}; {then}"))
                damaged = True
                wrong_length += errs_before
                continue
            wrong_length += errs_kept
    if not number and not damaged:
        raise Skip("no WARC records (an empty file?)")
    if wrong_length:
        problems.append(Problem(path=label, message=f"{wrong_length} records with a wrong Content-Length "
                                "(read as far as their length says)", skipped=False))
