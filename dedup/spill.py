"""Working storage for a corpus bigger than memory: append-only record files on disk
and compact in-memory ragged arrays.

A batch run keeps only a few integers per document and per line in memory; texts, line
tables and token arrays go to record files in a temporary directory and are read back
with ``os.pread`` when a stage needs them. ``pread`` (not ``mmap``) so the pages stay in
the OS cache, not in the process: they cost no resident memory, and forked workers read
the same file without sharing a file position.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

FLUSH = 4096  # records buffered before one write (or arrays before one concatenate)


class Records:
    """Byte records appended to one file, read back by number."""

    def __init__(self, path: str):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
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
        os.pwrite(self._fd, data, self._end)
        lens = np.fromiter((len(r) for r in self._pending), np.int64, len(self._pending))
        self._starts = np.concatenate([self._starts, self._end + np.cumsum(lens)])
        self._end += len(data)
        self._pending = []

    def replace(self, k: int, record: bytes) -> None:
        """Point record ``k`` at new bytes (appended at the end; the old ones stay unused)."""
        self.flush()
        os.pwrite(self._fd, record, self._end)
        self._extra[k] = (self._end, self._end + len(record))
        self._end += len(record)

    def get(self, k: int) -> bytes:
        if k in self._extra:
            s, e = self._extra[k]
        else:
            if k >= len(self._starts) - 1:
                self.flush()
            s, e = int(self._starts[k]), int(self._starts[k + 1])
        return os.pread(self._fd, e - s, s)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


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


def workdir(parent: str | None = None) -> tempfile.TemporaryDirectory:
    """A private temporary directory for one run (removed when the run ends)."""
    return tempfile.TemporaryDirectory(prefix="dedup-", dir=parent)
