"""Inputs by URL (``s3://``, ``gs://``, ``https://``, ``file://``, ``memory://``, ...)
through fsspec, globs included: the files are copied into the run's workspace, under
their URL's path, and read there like local files, so ids follow the same rule as for
local paths (relative to the deepest directory holding every input) and messages name
the URL. Remote filesystems need fsspec's extras (``s3fs``, ``gcsfs``, ``aiohttp``).

A ``file://`` URL is a local path (``%20`` decoded, a glob expanded here): read where it
is, as that path would be, never copied (its ids and messages are the path's, and a
FIFO or a special file in it is refused as the local reader refuses it). An ``http(s)``
URL's ``?`` opens its query, not a glob; the query is left out of the copy's name (so a
``.jsonl?sig=...`` file is read as JSONL). Whatever the remote side does wrong (an HTTP
error, a server that stops answering, a protocol's own exception) is one problem naming
the URL: a listing that fails ends the run (exit 3), a file that fails is skipped.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import ExitStack, contextmanager
from typing import Any

from ...errors import InputError, WorkspaceError, in_one_line
from .files import CORPUS_SUFFIXES, GLOB
from ...models import Problem
from ...storage.spill import workspace_error

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_WEB_GLOB = re.compile(r"\*")  # http(s): "?" opens the query, "[" may sit in it
COPY_BLOCK = 1 << 20
HTTP_TIMEOUT = 60  # seconds without a byte from a web server before its file is given up


def _web(protocol: str) -> bool:
    """Whether a URL's protocol is the web's (its path may hold a query)."""
    return protocol.lower() in ("http", "https")


def is_url(item: Any) -> bool:
    return isinstance(item, str) and bool(_URL.match(item))


class Fetched:
    """Where the URLs' files were copied, to name them back as URLs in messages."""

    def __init__(self, directory: str):
        self.directory = directory
        self.roots: dict[str, str] = {}  # local prefix -> URL prefix

    def local(self, protocol: str, path: str) -> str:
        if _web(protocol):  # the query is no part of the file's name (nor its kind)
            path = path.split("?", 1)[0]
            # fsspec's web paths are whole URLs: the copy sits under HOST/PATH, as a bucket's under BUCKET/PATH
            path = path.split("://", 1)[-1]
        prefix = os.path.join(self.directory, protocol)
        absolute = path.startswith("/")
        self.roots[prefix] = f"{protocol}://" if absolute else f"{protocol}:/"
        return prefix + ("" if absolute else "/") + path

    def name(self, label: str) -> str:
        """A label as the URL it came from (other labels unchanged)."""
        for prefix, url in self.roots.items():
            if label.startswith(prefix + "/"):
                return url + label[len(prefix):]
        return label

    def renamed(self, problem: Problem) -> Problem:
        """A problem naming the URL, not the copy (its message too: a repeated id's names
        the kept copy's place)."""
        message = problem.message
        for prefix, url in self.roots.items():
            message = message.replace(prefix + "/", url + "/")
        return problem.model_copy(update={"path": self.name(problem.path), "message": message})

    def renamed_error(self, exc: InputError) -> InputError:
        """An input error naming the URL, not the copy (its problems too)."""
        return InputError(exc.message, path=None if exc.path is None else self.name(exc.path), line=exc.line,
                          problems=[self.renamed(p) for p in exc.problems])


@contextmanager
def local_inputs(inputs: list, problems: list[Problem], directory: str | None = None):
    """``(inputs, copied)``: the inputs with each URL replaced by local copies of its files,
    made in ``directory`` (None: a temporary directory, removed at the end), and where they
    are (None: no URL). Problems and an :class:`InputError` raised inside name the URLs,
    not the copies, once the block ends."""
    if not any(is_url(x) for x in inputs):
        yield inputs, None
        return
    with ExitStack() as stack:
        if directory is None:
            try:
                directory = os.path.join(stack.enter_context(tempfile.TemporaryDirectory(prefix="dedup-")), "inputs")
            except OSError as exc:
                raise workspace_error(exc, tempfile.gettempdir()) from None
        local, fetched = fetch(inputs, directory, problems)
        try:
            yield local, fetched.directory
        except InputError as exc:
            raise fetched.renamed_error(exc) from None
        finally:
            problems[:] = [fetched.renamed(p) for p in problems]


def _filesystem(url: str):
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec: pip install 'dedup[dask]'", path=url) from None
    options = {}
    if _web(url.split("://", 1)[0]):
        try:
            import aiohttp
        except ImportError:
            pass  # fsspec says what is missing, below
        else:  # a server that accepts and never answers held the run for good
            options["client_kwargs"] = {"timeout": aiohttp.ClientTimeout(sock_connect=HTTP_TIMEOUT,
                                                                         sock_read=HTTP_TIMEOUT)}
    try:
        return fsspec.core.url_to_fs(url, **options)
    except Exception as exc:  # a protocol whose package is missing (s3fs, gcsfs, ...), or its own error
        raise InputError(f"cannot open: {_reason(exc)}", path=url) from None


def _reason(exc: Exception) -> str:
    """A remote error in one line of reasonable length (a JVM's or a server's may run long).
    An HTTP error is its status and reason: fsspec raises a file's as FileNotFoundError
    naming only the URL, the server's answer its cause."""
    cause = exc.__cause__ or exc.__context__
    if any("timeout" in type(e).__name__.lower() for e in (exc, cause)):
        return f"no answer from the server within {HTTP_TIMEOUT} s"
    for e in (exc, cause):
        if isinstance(getattr(e, "status", None), int):
            return " ".join(f"HTTP {e.status} {getattr(e, 'message', '') or ''}".split())
    return in_one_line(exc, 300)


def file_url_path(url: str) -> str:
    """A ``file://`` URL as the local path it is (``%20`` decoded; ``file://`` alone is ``/``).
    The output directory's (:mod:`dedup.stages.shards`) is read so too."""
    from urllib.parse import unquote

    return unquote(url[len("file://"):]) or "/"


def _local_path(url: str) -> list[str]:
    """A ``file://`` URL as the local paths it names (its glob expanded; none: no match)."""
    import glob

    path = file_url_path(url)
    if os.path.lexists(path) or not GLOB.search(path):
        return [path]
    return sorted(glob.glob(path, recursive=True))


def fetch(inputs: list, directory: str, problems: list[Problem]) -> tuple[list, Fetched]:
    """``inputs`` with every URL replaced by the local copies of the files it names (a
    directory URL by the directory, a glob by its matches)."""
    fetched = Fetched(directory)
    out = []
    for item in inputs:
        if not is_url(item):
            out.append(item)
            continue
        if item.lower().startswith("file://"):
            local = _local_path(item)
            if not local:
                raise InputError("matches no file", path=item, problems=problems)
            out += local
            continue
        fs, path = _filesystem(item)
        protocol = item.split("://", 1)[0]
        glob = _WEB_GLOB if _web(protocol) else GLOB
        try:
            if glob.search(path):
                files = _files(fs, fs.glob(path))
                if not files:
                    raise InputError("matches no file", path=item, problems=problems)
                out += [_copy(fs, p, fetched.local(protocol, p), item, problems) for p in files]
            elif fs.isdir(path):
                files = sorted(p for p in fs.find(path) if p.lower().endswith(CORPUS_SUFFIXES))
                for p in files:
                    _copy(fs, p, fetched.local(protocol, p), item, problems)
                out.append(fetched.local(protocol, path.rstrip("/")) if files else item)
            elif fs.isfile(path):
                out.append(_copy(fs, path, fetched.local(protocol, path), item, problems))
            else:
                raise InputError("no such file or directory", path=item, problems=problems)
        except (InputError, WorkspaceError):
            raise
        except Exception as exc:  # listing the URL failed (not found, no permission, network, the server)
            raise InputError(f"cannot read: {_reason(exc)}", path=item, problems=problems) from None
    return [x for x in out if x is not None], fetched



def _files(fs, matches) -> list[str]:
    """A glob's matches that are not directories. One whose kind cannot be asked (a server
    error on a listed file) is kept, so that its copy names the error: ``fs.isfile`` says
    False then, and the file was left out of the run without a word."""
    out = []
    for p in sorted(matches):
        try:
            if fs.info(p).get("type") == "directory":
                continue
        except Exception:
            pass
        out.append(p)
    return out


def _copy(fs, remote: str, local: str, url: str, problems: list[Problem]) -> str | None:
    """Copy one file (checked); a file that cannot be read is a problem, not the end."""
    try:
        os.makedirs(os.path.dirname(local), exist_ok=True)
        target = open(local, "wb")
    except OSError as exc:
        raise workspace_error(exc, os.path.dirname(local)) from None
    with target:
        try:
            with fs.open(remote, "rb") as source:
                while block := source.read(COPY_BLOCK):
                    try:
                        target.write(block)
                    except OSError as exc:
                        raise workspace_error(exc, os.path.dirname(local)) from None
        except WorkspaceError:
            raise
        except Exception as exc:  # the server or the protocol failed on this file: skipped, named
            problems.append(Problem(path=fs.unstrip_protocol(remote), message=f"cannot read: {_reason(exc)}"))
            failed = True
        else:
            failed = False
    if failed:  # its part copied would be read as the file (a directory URL reads its folder)
        try:
            os.remove(local)
        except OSError as exc:
            raise workspace_error(exc, os.path.dirname(local)) from None
        return None
    return local
