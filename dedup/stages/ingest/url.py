"""Inputs by URL (``s3://``, ``gs://``, ``https://``, ``file://``, ``memory://``, ...)
through fsspec, globs included: the files are copied into the run's workspace, under
their URL's path, and read there like local files, so ids follow the same rule as for
local paths (relative to the deepest directory holding every input) and messages name
the URL. Remote filesystems need fsspec's extras (``s3fs``, ``gcsfs``, ``aiohttp``).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ...errors import InputError
from .files import CORPUS_SUFFIXES
from ...models import Problem
from ...storage.spill import workspace_error

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_GLOB = re.compile(r"[*?\[]")
COPY_BLOCK = 1 << 20


def is_url(item: Any) -> bool:
    return isinstance(item, str) and bool(_URL.match(item))


class Fetched:
    """Where the URLs' files were copied, to name them back as URLs in messages."""

    def __init__(self, directory: str):
        self.directory = directory
        self.roots: dict[str, str] = {}  # local prefix -> URL prefix

    def local(self, protocol: str, path: str) -> str:
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


def _filesystem(url: str):
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec: pip install 'dedup[dask]'", path=url) from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # a protocol whose package is missing (s3fs, gcsfs, ...)
        raise InputError(f"cannot open: {exc}", path=url) from None


def fetch(inputs: list, directory: str, problems: list[Problem]) -> tuple[list, Fetched]:
    """``inputs`` with every URL replaced by the local copies of the files it names (a
    directory URL by the directory, a glob by its matches)."""
    fetched = Fetched(directory)
    out = []
    for item in inputs:
        if not is_url(item):
            out.append(item)
            continue
        fs, path = _filesystem(item)
        protocol = item.split("://", 1)[0]
        try:
            if _GLOB.search(path):
                files = sorted(p for p in fs.glob(path) if fs.isfile(p))
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
        except OSError as exc:  # listing the URL failed (not found, no permission, network)
            raise InputError(f"cannot read: {exc}", path=item, problems=problems) from None
    return [x for x in out if x is not None], fetched


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
        except OSError as exc:
            problems.append(Problem(path=fs.unstrip_protocol(remote), message=f"cannot read: {exc}"))
            return None
    return local
