"""Which files the paths given name, and the document id of each text file.

The id rule (documented in the README): a text file's id is its path relative to the
*base* of the run, the deepest directory that holds every root with text files, where a
directory given counts as its own base and a file given counts from its directory. So
``seeds/`` and ``seeds/004_x.txt`` both give ``004_x.txt``; ``siteA siteB`` give
``siteA/story.txt`` and ``siteB/story.txt``. The same file reached twice (``dir/`` and
``dir/file.txt``, a symbolic or hard link) is read once, silently, under its own name
(not a link's) or, among several, the smallest id.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ...errors import InputError
from .read import not_regular
from ...models import Problem

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet")
CORPUS_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES + TABLE_SUFFIXES
STDIN = "-"  # the path that means standard input (JSONL)
STDIN_LABEL = "<stdin>"
_KINDS = ((JSONL_SUFFIXES, "jsonl"), (TEXT_SUFFIXES, "text"), (HTML_SUFFIXES, "html"), (WARC_SUFFIXES, "warc"),
          ((".parquet",), "parquet"), (TABLE_SUFFIXES, "table"))
_NAMED = ("text", "html")  # kinds whose id is the file's path; the others' records carry ids
_WHY_NOT = {
    ".json": "a .json file is not read; JSONL (one object a line) is, as .jsonl",
}
_READ = ".txt, .md, .html, .htm, .jsonl[.gz|.zst], .ndjson[.gz|.zst], .warc[.gz], .arc[.gz], .csv[.gz], .tsv[.gz], .parquet"


@dataclass(frozen=True)
class Planned:
    """One file to read: where it is, how to name it in messages, its kind and id."""

    path: Path
    label: str
    kind: str  # "text", "html", "jsonl", "warc", "table", "parquet" or "stdin"
    doc_id: str | None = None  # text and HTML files only: the records of the others carry ids
    size: int = 0  # bytes on disk (0: not known), for progress
    span: tuple[int, int] | None = None  # a piece: the lines starting in these bytes (JSONL), these row groups (Parquet)
    # a compressed JSONL file decompressed by the driver into pieces of about this many
    # bytes (dedup.stages.ingest.shard.inflated); a piece: where its lines were written
    cut: int = 0
    copy: Path | None = None


def kind_of(name: str) -> str | None:
    name = name.lower()
    return next((kind for suffixes, kind in _KINDS if name.endswith(suffixes)), None)


def printable(name: str) -> str:
    """A file name as valid UTF-8 text: bytes that are not UTF-8 shown as ``\\xNN``."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        try:
            return os.fsencode(name).decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate that came from no file name
            return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _utf8_name(name: str) -> bool:
    """Whether a name's bytes are UTF-8 (in a locale whose file names are not UTF-8,
    the C locale's ASCII, a UTF-8 name comes as surrogates, and is UTF-8 all the same)."""
    try:
        os.fsencode(name).decode("utf-8")
        return True
    except UnicodeError:  # not UTF-8, or a lone surrogate that came from no file name
        return False


def _not_read(ext: str, n: int) -> str:
    files = "file" if n == 1 else "files"
    what = f"{n} {ext} {files}" if ext else f"{n} {files} without an extension"
    return f"{what} ({_WHY_NOT.get(ext, f'not a corpus file type; read are {_READ}')})"


def _walk(root: Path, label: str, problems: list[Problem], seen: set) -> list[tuple[Path, str, os.stat_result, bool]]:
    """Corpus files under ``root`` as (path, path relative to root, stat, is a link), depth first,
    without recursion (any depth); directory links are followed, each directory once
    (``seen``: the directories walked so far, by device and inode)."""
    found: list[tuple[Path, str, os.stat_result, bool]] = []
    not_read: Counter[str] = Counter()
    stack = [(root, "")]
    while stack:
        directory, rel = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            where = printable(f"{label}/{rel}".rstrip("/"))
            problems.append(Problem(path=where, message=f"directory not read: {exc.strerror or exc}"))
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and directories stay silent
            entry_rel = rel + entry.name
            try:
                st = entry.stat()  # follows links
            except OSError as exc:
                why = ("symbolic link loop (too many levels of links)" if exc.errno == errno.ELOOP
                       else "broken symbolic link" if entry.is_symlink() else exc.strerror or str(exc))
                problems.append(Problem(path=printable(f"{label}/{entry_rel}"), message=f"not read: {why}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if (st.st_dev, st.st_ino) not in seen:  # else a link loop or a second way in
                    seen.add((st.st_dev, st.st_ino))
                    subdirs.append((Path(entry.path), entry_rel + "/"))
                continue
            if kind_of(entry.name) is None:
                ext = Path(entry.name).suffix.lower()
                not_read[ext if ext.isprintable() else ""] += 1
                continue
            why = not_regular(st.st_mode)
            if why:
                problems.append(Problem(path=printable(f"{label}/{entry_rel}"), message=why))
                continue
            found.append((Path(entry.path), entry_rel, st, entry.is_symlink()))
        stack.extend(reversed(subdirs))
    problems.extend(Problem(path=label, message=_not_read(ext, n)) for ext, n in sorted(not_read.items()))
    return found


GLOB = re.compile(r"[*?\[]")  # what makes a path a glob (expanded for file:// and other URLs)


def refuse_empty(paths, problems: list[Problem] | None = None) -> None:
    """An empty path (an unset variable) is no path: as a ``Path`` it is ".", and the
    working directory was read."""
    if any(not os.fsdecode(x) for x in paths if isinstance(x, (str, bytes, os.PathLike))):
        raise InputError("an empty path names no file; give a file or directory ('.' for this one)", path="''",
                         problems=problems or [])


def plan(paths: list, problems: list[Problem], copied: str | None = None) -> list[Planned]:
    """Every file the paths name, each once, with ids by the rule above.

    ``copied``: the directory the run copied its URLs' files into
    (:mod:`dedup.stages.ingest.url`, ``PROTOCOL/HOST/PATH`` under it); for ids its files
    count from a root of their own, ``/PROTOCOL/HOST/PATH``, so that an id never holds the
    workspace's random name (URLs and local paths given together).
    A missing path or a directory with no corpus files raises :class:`InputError`;
    anything else that cannot be read is appended to ``problems``."""
    found = []  # (path, label, kind, base, relative to base, stat, is a link)
    seen: set[tuple[int, int]] = set()
    # Parents before children, whatever the order given: each directory is walked once;
    # roots that are symbolic links last, so that a directory also given by its own name
    # is walked (and its files named) under that name.
    refuse_empty(paths, problems)
    stdin = [Planned(Path(STDIN), STDIN_LABEL, "stdin")] if any(os.fsdecode(x) == STDIN for x in paths) else []
    paths = [x for x in paths if os.fsdecode(x) != STDIN]
    for path in sorted({Path(os.fsdecode(x)) for x in paths},
                       key=lambda p: (os.path.islink(p), os.path.abspath(p), p.as_posix())):
        label = printable(path.as_posix())
        st = _stat_root(path, label, problems)
        if stat.S_ISDIR(st.st_mode):
            if (st.st_dev, st.st_ino) in seen:
                continue  # walked already, as this root or inside an earlier one
            seen.add((st.st_dev, st.st_ino))
            files = _walk(path, label, problems, seen)
            if not files:
                raise InputError("directory has no corpus files (text, HTML, JSONL, WARC, CSV/TSV or Parquet)", path=label, problems=problems)
            base = os.path.abspath(path)
            found += [(f, f"{label}/{rel}", kind_of(f.name), base, rel, fst, link) for f, rel, fst, link in files]
        elif why := not_regular(st.st_mode):
            problems.append(Problem(path=label, message=why))
        else:
            # A file given by name is read whatever its extension (as text when it names no other kind).
            kind = kind_of(path.name) or "text"
            found.append((path, label, kind, os.path.dirname(os.path.abspath(path)), path.name, st, path.is_symlink()))
    if copied is not None:
        found = [(f, label, kind, virtual(base, copied), *rest) for f, label, kind, base, *rest in found]
    bases = {base for _, _, kind, base, _, _, _ in found if kind in _NAMED}
    common = os.path.commonpath(sorted(bases)) if bases else ""
    chosen: dict[tuple[int, int], tuple[tuple, Planned, bool]] = {}
    for f, label, kind, base, rel, st, link in found:
        raw_id = Path(os.path.relpath(os.path.join(base, rel), common)).as_posix() if kind in _NAMED else None
        p = Planned(f, printable(label), kind, None if raw_id is None else printable(raw_id), st.st_size)
        key = (st.st_dev, st.st_ino)
        rank = (link, *_order(p))  # of two ways to one file, the file's own name first
        if key not in chosen or rank < chosen[key][0]:
            chosen[key] = (rank, p, raw_id is not None and not _utf8_name(raw_id))
    kept = [p for _, p, renamed in chosen.values() if not renamed]
    renamed = sorted((p for _, p, renamed in chosen.values() if renamed), key=lambda p: os.fsencode(p.path))
    taken = {p.doc_id for p in kept}
    for p in renamed:
        doc_id = _unique(p.doc_id, taken)
        taken.add(doc_id)
        kept.append(replace(p, doc_id=doc_id))
        problems.append(Problem(path=p.label, message=f"file name is not UTF-8; its id is {doc_id}",
                                skipped=False))
    return stdin + sorted(kept, key=_order)


def _unique(doc_id: str, taken: set) -> str:
    """A renamed file's id, made unique: its ``\\xNN`` spelling may be another file's real
    name (``caf\\xe9.txt`` beside ``caf<E9>.txt``), and neither file may be dropped."""
    if doc_id not in taken:
        return doc_id
    stem, dot, ext = doc_id.rpartition(".") if "." in doc_id.rsplit("/", 1)[-1] else (doc_id, "", "")
    n = 2
    while f"{stem}~{n}{dot}{ext}" in taken:
        n += 1
    return f"{stem}~{n}{dot}{ext}"


def _stat_root(path: Path, label: str, problems: list[Problem]) -> os.stat_result:
    """A path given, or :class:`InputError` saying why it cannot be read at all."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        why = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
        if not os.path.islink(path) and GLOB.search(str(path)):  # the shell left a glob quoted
            why += f" (a glob is expanded as a URL: file://{os.path.abspath(path)})"
        raise InputError(why, path=label, problems=problems) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("symbolic link loop (too many levels of links)", path=label,
                             problems=problems) from None
        raise InputError(f"cannot read: {exc.strerror or exc}", path=label, problems=problems) from None
    except ValueError:  # a NUL character: no file system has such a name
        raise InputError("not a path: contains a NUL character", path=label, problems=problems) from None


def check_roots(paths: list) -> None:
    """:class:`InputError` for the first local path given that cannot be read at all, as
    :func:`plan` would raise it (before a command creates anything for a run that cannot
    start; URLs and standard input are checked when read)."""
    from .url import is_url

    refuse_empty(paths)
    for x in paths:
        if not is_url(x) and os.fsdecode(x) != STDIN:
            path = Path(os.fsdecode(x))
            _stat_root(path, printable(path.as_posix()), [])


def virtual(base: str, copied: str) -> str:
    """A base directory inside ``copied`` as the root it stands for (the others unchanged)."""
    inside = os.path.relpath(base, copied)
    return base if inside == os.pardir or inside.startswith(os.pardir + os.sep) else os.path.join(os.sep, inside)


def _order(p: Planned) -> tuple[str, str]:
    return (p.doc_id or "", p.label)
