"""Working storage for a corpus bigger than memory: append-only record files on disk
and compact in-memory ragged arrays.

A batch run keeps only a few integers per document and per line in memory; texts, line
tables and token arrays go to record files in a temporary directory and are read back
with ``os.pread`` when a stage needs them. ``pread`` (not ``mmap``) so the pages stay in
the OS cache, not in the process: they cost no resident memory, and forked workers read
the same file without sharing a file position.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..errors import WorkspaceError

FLUSH = 4096  # records buffered before one write (or arrays before one concatenate)
PREFIX = "dedup-"  # workspaces are named dedup-<pid>-<random>
MARKER = ".dedup-workspace"  # inside each workspace: who made it (see _stale)
_FULL = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file size limit reached"}


def workspace_error(exc: OSError, where: str) -> WorkspaceError:
    """One line naming the workspace directory ``where`` and what went wrong."""
    why = exc.strerror or str(exc)
    if exc.errno in _FULL:
        why = f"{_FULL[exc.errno]} ({why}); point TMPDIR (or work_dir) at a disk with room"
    return WorkspaceError(f"cannot write the workspace {where}: {why}", directory=where)


def write_all(fd: int, data: bytes, offset: int, where: str) -> None:
    """Write all of ``data`` at ``offset`` (a short write continues where it stopped);
    any failure is a :class:`WorkspaceError` naming ``where``."""
    view = memoryview(data)
    while view:
        try:
            n = os.pwrite(fd, view, offset)
        except OSError as exc:
            raise workspace_error(exc, where) from None
        if n <= 0:  # nothing written and no error: treat as full, never loop forever
            raise workspace_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), where)
        view, offset = view[n:], offset + n


def append_file(path: str, data: bytes) -> None:
    """Append ``data`` to the workspace file ``path`` (created if missing), checked."""
    where = os.path.dirname(path) or "."
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    except OSError as exc:
        raise workspace_error(exc, where) from None
    try:
        write_all(fd, data, os.fstat(fd).st_size, where)
    finally:
        os.close(fd)


class Records:
    """Byte records appended to one file, read back by number."""

    def __init__(self, path: str):
        self.path = path
        self._where = os.path.dirname(path) or "."
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise workspace_error(exc, self._where) from None
        self._extra: dict[int, tuple[int, int]] = {}  # replaced records
        self._pending: list[bytes] = []
        self._end = 0
        self._starts = np.zeros(1, np.int64)

    def __len__(self) -> int:
        return len(self._starts) - 1 + len(self._pending)

    def append(self, record: bytes) -> int:
        self._pending.append(record)
        if len(self._pending) >= FLUSH:
            self.flush()
        return len(self) - 1

    def flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        write_all(self._fd, data, self._end, self._where)
        lens = np.fromiter((len(r) for r in self._pending), np.int64, len(self._pending))
        self._starts = np.concatenate([self._starts, self._end + np.cumsum(lens)])
        self._end += len(data)
        self._pending = []

    def replace(self, k: int, record: bytes) -> None:
        """Point record ``k`` at new bytes (appended at the end; the old ones stay unused)."""
        self.flush()
        write_all(self._fd, record, self._end, self._where)
        self._extra[k] = (self._end, self._end + len(record))
        self._end += len(record)

    def get(self, k: int) -> bytes:
        if k in self._extra:
            s, e = self._extra[k]
        else:
            if k >= len(self._starts) - 1:
                self.flush()
            s, e = int(self._starts[k]), int(self._starts[k + 1])
        data = os.pread(self._fd, e - s, s)
        if len(data) != e - s:  # the file was cut short behind our back
            raise WorkspaceError(f"the workspace {self._where} lost data (record {k} of {self.path} is short)",
                                 directory=self._where)
        return data

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def discard(self) -> None:
        """Close and remove the file: records never to be read."""
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def handoff(self) -> "Records":
        """Done writing: close this writer and return a reader of the same records (one
        that another process may receive, as :meth:`__getstate__` says)."""
        self.flush()
        state = self.__getstate__()
        self.close()
        reader = Records.__new__(Records)
        reader.__setstate__(state)
        return reader

    # Sent to another process (an engine's worker): the records written so far, read
    # back by path, so the receiver must see the same filesystem (one machine, or a
    # shared work_dir). The copy only reads.
    def __getstate__(self) -> dict:
        self.flush()
        state = dict(self.__dict__, _fd=-1, _pending=[])
        state["_reader"] = True
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise WorkspaceError(f"cannot read the workspace {self._where} from this worker ({exc.strerror}); "
                                 "on several machines, give a work_dir they all see", directory=self._where) from None

    def __del__(self) -> None:
        if getattr(self, "_reader", False):
            self.close()


class Ragged:
    """A list of small 1-d arrays stored as one array and offsets (no per-item object)."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self._parts: list[np.ndarray] = []
        self._pending: list[np.ndarray] = []
        self._values = np.zeros(0, self.dtype)
        self._bounds = [0]

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def append(self, x: np.ndarray) -> None:
        self._pending.append(np.asarray(x, self.dtype))
        self._bounds.append(self._bounds[-1] + len(x))
        if len(self._pending) >= FLUSH:
            self._parts.append(np.concatenate(self._pending))
            self._pending = []

    def _settle(self) -> None:
        if self._pending or self._parts:
            self._values = np.concatenate([self._values, *self._parts, *self._pending])
            self._parts, self._pending = [], []
        if isinstance(self._bounds, list):
            self._bounds = np.asarray(self._bounds, np.int64)

    def freeze(self) -> "Ragged":
        """No more appends: settle into one array for fast reads."""
        self._settle()
        return self

    @property
    def values(self) -> np.ndarray:
        self._settle()
        return self._values

    @property
    def lengths(self) -> np.ndarray:
        self._settle()
        return np.diff(self._bounds)

    def __getitem__(self, k: int) -> np.ndarray:
        self._settle()
        return self._values[self._bounds[k] : self._bounds[k + 1]]


@contextmanager
def workdir(parent: str | None = None) -> Iterator[str]:
    """A private temporary directory for one run, removed when the run ends.

    A run killed outright (SIGKILL, power cut) cannot remove its own: the directory
    is named ``dedup-<pid>-...`` and carries a marker saying which process made it, and
    the next run with the same parent directory removes the ones whose process is gone.
    """
    # TMPDIR as given, not through tempfile.gettempdir(): that falls back to /tmp when
    # TMPDIR cannot be written (and caches its first answer), and a run must not
    # quietly put its corpus on another disk than the one the user chose.
    parent = parent or os.environ.get("TMPDIR")
    try:
        parent = os.path.abspath(parent or tempfile.gettempdir())
    except OSError as exc:  # no usable temporary directory at all (every candidate full or read-only)
        raise workspace_error(exc, "the temporary directory") from None
    remove_stale(parent)
    try:
        path = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent)
    except OSError as exc:
        raise workspace_error(exc, parent) from None
    try:
        try:
            with open(os.path.join(path, MARKER), "x", encoding="utf-8") as fh:
                fh.write(json.dumps(_identity(os.getpid())))
        except OSError as exc:
            raise workspace_error(exc, path) from None
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


_CLEANED: set[str] = set()
_NAME = re.compile(re.escape(PREFIX) + r"(\d+)-")


def remove_stale(parent: str) -> list[str]:
    """Remove workspaces in ``parent`` left by dedup runs that no longer exist (once per
    process and directory). Only directories of this user carrying the marker are
    touched, and only when the marker proves the process is gone: same machine, same
    boot and pid namespace, and no process with that pid and start time."""
    if parent in _CLEANED:
        return []
    _CLEANED.add(parent)
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        m = _NAME.match(entry.name)
        try:
            if not m or not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.geteuid():
                continue
            with open(os.path.join(entry.path, MARKER), encoding="utf-8") as fh:
                marker = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(marker, dict) and marker.get("pid") == int(m.group(1)) and _stale(marker):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid."""
    stat = _read(f"/proc/{pid}/stat")
    return stat.rsplit(")", 1)[1].split()[19] if stat else None


def _identity(pid: int) -> dict:
    try:
        pidns = os.readlink("/proc/self/ns/pid")
    except OSError:
        pidns = None
    return {"pid": pid, "started": _started(pid), "host": socket.gethostname(),
            "boot": _read("/proc/sys/kernel/random/boot_id"), "pidns": pidns}


def _stale(marker: dict) -> bool:
    pid, me = marker["pid"], _identity(os.getpid())
    if any(marker.get(k) != me[k] for k in ("host", "boot", "pidns")):
        return False  # another machine, boot or container: its pids mean nothing here
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    started = _started(pid)
    return started is not None and marker.get("started") is not None and started != marker["started"]
