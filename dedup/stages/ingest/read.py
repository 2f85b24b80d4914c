"""Reading one input file: bounded reads, text decoding, JSONL lines (plain, .gz, .zst).

Nothing is read unbounded: a text file or a JSONL line larger than
:data:`MAX_DOCUMENT_BYTES` is reported and skipped without being held whole, and only
regular files are opened (a FIFO or a device is never read, so it cannot hang a run).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import zstandard

MAX_DOCUMENT_BYTES = 10 * 2**20  # one text file or one JSONL line; news articles are ~10 KB
_MIB = MAX_DOCUMENT_BYTES // 2**20
_CHUNK = 2**20

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The first bytes of each compression read: what a file holds, whatever its name says.
_MAGIC = ((b"\x1f\x8b", "gzip", ".gz"), (b"\x28\xb5\x2f\xfd", "zstandard", ".zst"))

_FILE_TYPES = (
    (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"),
)


class Skip(Exception):
    """An input (a file or one line of it) that is reported and not read."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line

    def __reduce__(self):  # crosses process boundaries whole (the line too)
        return type(self), (self.message, self.line)


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")
    return f"{kind}, not a regular file; not read"


def open_regular(path: Path):
    """Open a regular file for reading; anything else raises :class:`Skip` without blocking.

    ``O_NONBLOCK`` so that a FIFO swapped in after the walk's check cannot block the
    open; the type is checked again on the open descriptor."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        why = not_regular(os.fstat(fd).st_mode)
        if why:
            raise Skip(why)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a file's bytes and, when its encoding had to be guessed, a note saying so.

    BOM-marked UTF-8/16/32 is decoded as marked; NUL bytes without such a mark mean a
    binary file; other bytes that are not UTF-8 go to charset-normalizer."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), None
            except UnicodeDecodeError as exc:
                raise Skip(f"invalid {encoding.upper()} at byte {exc.start + len(bom)} "
                           "(after its byte-order mark)") from None
    if b"\x00" in data:
        packed = next((kind for magic, kind, _ in _MAGIC if data.startswith(magic)), None)
        raise Skip("binary file (contains NUL bytes), not text" if packed is None else
                   f"{packed}-compressed, of a kind read only uncompressed (compressed: JSONL, CSV/TSV, "
                   "WARC); decompress it")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"first bad byte at line {line}, byte {exc.start}"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # Text in UTF-16/32 without a mark has NUL bytes; a guess of either is binary data.
    if best is None or best.encoding.startswith(("utf_16", "utf_32")):
        raise Skip(f"binary file: not UTF-8 ({where}) and no text encoding fits")
    return str(best), f"not UTF-8 ({where}); read as {best.encoding}, guessed by charset-normalizer"


def read_bounded(path: Path) -> bytes:
    """A one-document file's bytes; :class:`Skip` when it is over the size cap."""
    with open_regular(path) as fh:
        data = fh.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Skip(f"larger than {_MIB} MiB, the most one document may hold; not read")
    return data


def read_text(path: Path) -> tuple[str, str | None]:
    """A text file's text (and a note on its encoding), read with a bound."""
    return decode(read_bounded(path))


def open_stream(path: Path, raw=None):
    """(decompressed stream, raw file) of a file, by its name's .gz/.zst suffix."""
    raw = open_regular(path) if raw is None else raw
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    if name.endswith(".zst"):
        return io.BufferedReader(_Frames(raw)), raw
    return raw, raw


class _Frames(io.RawIOBase):
    """A .zst file's frames, each read by a zstandard stream reader that sees only its own
    bytes (found by :func:`_frame_end`): one reader across frames ends quietly where a file
    cut short ends, and loses what it had of a frame when the next one is damaged."""

    def __init__(self, raw):
        self._raw, self._reader, self._cut = raw, None, False
        self._at = raw.tell()
        self._end = raw.seek(0, io.SEEK_END)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while True:
            if self._reader is not None:
                n = self._reader.readinto(b)
                if n:
                    return n
                self._reader = None
                if self._cut:
                    raise zstandard.ZstdError("the file ends inside a frame (cut short)")
            if self._at >= self._end:
                return 0
            start, stop = self._at, _frame_end(self._raw, self._at, self._end)
            if stop is not None and stop < 0:  # a skippable frame
                self._at = -stop
                continue
            # a frame cut short or not a frame: read what there is (damage raises, a cut ends quietly)
            self._cut, self._at = stop is None, self._end if stop is None else stop
            self._reader = zstandard.ZstdDecompressor().stream_reader(_Slice(self._raw, start, self._at))


class _Slice:
    """Bytes ``start:stop`` of a seekable file, for a stream reader."""

    def __init__(self, raw, start: int, stop: int):
        self._raw, self._pos, self._stop = raw, start, stop

    def read(self, n: int = -1) -> bytes:
        n = self._stop - self._pos if n < 0 else min(n, self._stop - self._pos)
        self._raw.seek(self._pos)
        data = self._raw.read(n)
        self._pos += len(data)
        return data


_ZSTD_MAGIC = 0xFD2FB528
_FCS_BYTES = (0, 2, 4, 8)  # Frame_Content_Size field by its flag (flag 0: 1 byte when single-segment)


def _frame_end(raw, start: int, end: int) -> int | None:
    """Where the zstd frame at ``start`` ends, its blocks walked by their headers (RFC
    8878), nothing decompressed; minus that for a skippable frame; None when it is not a
    frame or does not end by ``end`` (cut short)."""
    raw.seek(start)

    def take(n: int) -> bytes:
        data = raw.read(n)
        if len(data) != n:
            raise EOFError
        return data

    try:
        magic = int.from_bytes(take(4), "little")
        if magic & 0xFFFFFFF0 == 0x184D2A50:  # a skippable frame: its size, then its bytes
            stop = start + 8 + int.from_bytes(take(4), "little")
            return -stop if stop <= end else None
        if magic != _ZSTD_MAGIC:
            return None
        desc = take(1)[0]
        single = desc >> 5 & 1
        take((not single) + (0, 1, 2, 4)[desc & 3] + (_FCS_BYTES[desc >> 6] or single))
        while True:
            block = int.from_bytes(take(3), "little")
            raw.seek(1 if (block >> 1 & 3) == 1 else block >> 3, io.SEEK_CUR)  # an RLE block stores one byte
            if block & 1:
                break
        if desc >> 2 & 1:
            take(4)  # the content checksum
    except EOFError:
        return None
    return raw.tell() if raw.tell() <= end else None


# What a damaged compressed stream raises: gzip (OSError/BadGzipFile, EOFError,
# zlib.error), zstandard (ZstdError).
STREAM_ERRORS = (OSError, EOFError, zlib.error, zstandard.ZstdError)


def jsonl_lines(path: Path, stream=None, at=None, span: tuple[int, int] | None = None,
                done=None, head: bool = True) -> Iterator[tuple[int, bytes | Skip]]:
    """(line number, bytes) of each non-blank line, or a :class:`Skip` for an over-long one.

    ``stream``: read this binary stream (standard input) instead of opening ``path``.
    ``at(bytes read of the file)`` every so many lines, for progress.
    ``span``: ``(start, end)`` bytes of a plain (uncompressed) file: only the lines that
    start in them, numbered from 1 at the first (a line that starts before ``start`` is
    the previous piece's, one that starts before ``end`` is read whole).
    ``done(lines)``: called with the number of lines read, blank ones included, at the end.
    ``head``: the file's data starts at ``path``'s first byte (False: ``path`` holds a later
    piece of it, :func:`dedup.stages.ingest.shard.inflated`), where a byte-order mark counts.
    A damaged stream raises :class:`Skip` naming the line it broke at; the lines before
    it have been yielded."""
    stream, raw = open_stream(path) if stream is None else (stream, io.BytesIO())
    start, end = span if span is not None else (0, None)
    first = head and start == 0  # the file's first line: where a byte-order mark may be
    lines = RawLines(stream)
    with raw, stream:
        try:
            pos = _line_start(raw, start) if start else 0
            for line, n in (lines if end is None or pos < end else ()):
                pos += n
                lineno = lines.count
                if at is not None and not lineno % 256:
                    at(raw.tell())
                if over_long(line):
                    yield lineno, Skip(f"line longer than {_MIB} MiB, the most one document may hold", lineno)
                elif first and lineno == 1 and line.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise Skip("JSONL must be UTF-8; this file is UTF-16 or UTF-32", 1)
                elif line.strip():
                    yield lineno, line[3:] if first and lineno == 1 and line.startswith(codecs.BOM_UTF8) else line
                if end is not None and pos >= end:
                    break
        except STREAM_ERRORS as exc:
            raise damage(exc, lines.count, raw) from None
    if done is not None:
        done(lines.count)


class RawLines:
    """The lines of a binary stream as ``(bytes, length)``, read with ``readline`` as
    :func:`jsonl_lines` reads them (so that whoever reads them so meets a damaged stream
    at the same line): a line over :data:`MAX_DOCUMENT_BYTES` is read past, never held
    whole, and given as its first bytes (:func:`over_long`) with its whole length.
    ``count``: the lines begun, the one a damaged stream broke in included."""

    def __init__(self, stream):
        self.stream, self.count = stream, 0

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        while True:
            line = self.stream.readline(MAX_DOCUMENT_BYTES + 1)
            if not line:
                return
            self.count += 1
            n = len(line)
            if over_long(line):
                part = line
                while part and not part.endswith(b"\n"):  # drain the rest, never held whole
                    part = self.stream.readline(_CHUNK)
                    n += len(part)
            yield line, n


def over_long(line: bytes) -> bool:
    """Whether a line :class:`RawLines` gave is over :data:`MAX_DOCUMENT_BYTES` (its first bytes only)."""
    return len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n")


def damage(exc: Exception, lineno: int, raw=None) -> Exception:
    """What to raise for a compressed stream that broke after ``lineno`` lines: a
    :class:`Skip` naming them, or the error itself when the file could not be read (an
    OSError with an errno, for the caller to report). ``raw``: the file, whose first bytes
    say what it holds when it broke at once (a zstandard file named ``.gz``)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc
    kind = "zstandard" if isinstance(exc, zstandard.ZstdError) else "gzip"
    after = f" after line {lineno}" if lineno else ""
    return Skip(f"corrupt or not {kind} data{after}: {exc or type(exc).__name__}" + ("" if lineno else _named(raw, kind)))


def _named(raw, kind: str) -> str:
    """A hint when the file's first bytes are another compression's (or none): its name lies."""
    try:
        head = os.pread(raw.fileno(), 4, 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # no file behind it (standard input)
        return ""
    if len(head) < 4:  # a file cut inside its first frame's header says nothing of its kind
        return ""
    for magic, other, suffix in _MAGIC:
        if head.startswith(magic) and other != kind:
            return f" (the file holds {other} data: name it {suffix})"
    if not any(head.startswith(m) for m, _, _ in _MAGIC):
        return " (the file is not compressed: name it without the suffix)"
    return ""


def _line_start(raw, start: int) -> int:
    """Seek ``raw`` to the first line that starts at or after byte ``start`` (> 0); its offset."""
    raw.seek(start - 1)
    if raw.read(1) in (b"\n", b""):
        return start
    pos = start
    while True:  # the rest of a line that the piece before reads
        part = raw.readline(_CHUNK)
        pos += len(part)
        if not part or part.endswith(b"\n"):
            return pos


def parse_json_line(line: bytes) -> Any:
    """The JSON value of one line; :class:`Skip` for anything that is not valid JSON."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Skip(f"invalid UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Skip(f"malformed JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise Skip("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # an integer past Python's digit limit (sys.get_int_max_str_digits)
        raise Skip(f"malformed JSON: {str(exc).split(';')[0]}") from None
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise Skip("malformed JSON: nested too deeply")
    return value


# Levels of nesting a record may have. Python's parser gives up near its recursion limit
# (~1,000 levels) up to 3.12 and reads far deeper from 3.13: one limit below both, so
# that a record is read or skipped whatever the Python version.
MAX_JSON_DEPTH = 200


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep (walked
    without recursion; a flat record is one look at each of its values)."""
    level = [value]
    for _ in range(limit):
        level = [x for v in level for x in (v.values() if isinstance(v, dict) else v if isinstance(v, list) else ())
                 if isinstance(x, (dict, list))]
        if not level:
            return False
    return True


def run_on(engine, func, items):
    """``func(None, item)`` for every item, in order: on ``engine`` (see
    :class:`dedup.engines.base.Engine`; a stream stays streamed), or in this process."""
    if engine is None:
        return (func(None, item) for item in items)
    return engine.map(func, None, items)
