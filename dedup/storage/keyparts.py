"""Corpus-wide ``(key, document)`` tables built one key range at a time.

Some statistics need every occurrence of a key in the corpus at once (which documents
carry a word bigram, how many groups of copies do): at a million articles that is
hundreds of millions of entries, more than a driver should hold. Workers split their
entries by the key's top bits (:func:`split_by_key`); the driver appends each range to
its own file in the run's workspace (:class:`KeyParts`) and later reads back one range
at a time. Every occurrence of a key is in one range, so a per-key statistic computed
range by range is the statistic of the whole corpus.
"""

from __future__ import annotations

import os

import numpy as np

from .spill import append_file

WORKERS_MIN_BYTES = 64 << 20  # entries a pass over them is worth the engine's workers for (KeyParts.worth_workers)
BITS = 6  # 64 key ranges (at most 8: a range number is a byte): a million articles' 300M bigrams are ~5M entries a range
# Bytes a KeyParts holds before it writes its ranges' files: a batch's 64 small appends
# each (an open, a write, a close) cost the driver 0.9 s of a 10k-article run.
BUFFER = 8 << 20


def split_by_key(keys: np.ndarray, docs: np.ndarray | None, bits: int = BITS) -> list[tuple]:
    """``(keys, docs)`` cut into the ``2 ** bits`` ranges of the keys' top bits, each
    range in the given order."""
    keys = np.asarray(keys, np.uint64)
    # uint8 ranges: numpy sorts them stably by radix, in linear time
    part = (keys >> np.uint64(64 - bits)).astype(np.uint8) if bits else np.zeros(len(keys), np.uint8)
    return split_by(part, 1 << bits, keys, docs)


def split_by(part: np.ndarray, count: int, keys: np.ndarray, docs: np.ndarray | None = None) -> list[tuple]:
    """``(keys, docs)`` cut into ``count`` (at most 256) parts by each entry's ``part``,
    each part in the given order (``docs`` None: keys alone)."""
    part = np.asarray(part, np.uint8)
    order = np.argsort(part, kind="stable")
    cut = np.searchsorted(part[order], np.arange(count + 1)).tolist()
    keys = keys[order]
    docs = docs[order] if docs is not None else None
    return [(keys[a:b], docs[a:b] if docs is not None else None) for a, b in zip(cut[:-1], cut[1:])]


def worth_workers(engine, nbytes: int) -> bool:
    """Whether a pass over ``nbytes`` of data on disk is worth ``engine``'s workers: a
    pool is forked per pass, and below ``WORKERS_MIN_BYTES`` that cost more than the
    work at 10k articles."""
    return engine is not None and nbytes >= WORKERS_MIN_BYTES


class KeyParts:
    """``(uint64 key, int32 document)`` entries (keys alone unless ``docs``) in ``2 ** bits``
    parts, key ranges as :func:`split_by_key` cuts them: files in ``directory`` (removed
    with it, or by :meth:`clear`; written ``BUFFER`` bytes at a time, and a part before
    it is read), or lists in memory when it is None. Every write is checked
    (:func:`dedup.storage.spill.append_file`)."""

    def __init__(self, directory: str | None, name: str, bits: int = BITS, docs: bool = True):
        self.bits, self.dir, self.name, self.docs = bits, directory, name, docs
        self._mem: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(1 << bits)]
        self._held = 0  # bytes in ``_mem`` not yet written (on disk only)
        self.filled = False  # set by the stage that added every document's entries

    def __len__(self) -> int:
        return 1 << self.bits

    def _path(self, p: int, what: str) -> str:
        return os.path.join(self.dir, f"{self.name}-{p}.{what}")

    def add(self, parts: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Append one batch's ranges (as :func:`split_by_key` cuts them). On disk, the
        entries are held until ``BUFFER`` bytes are, then every range is written: the
        arrays are kept as given until then (every caller hands over fresh ones)."""
        for p, (k, d) in enumerate(parts):
            if not len(k):
                continue
            if self.dir is not None:
                k = np.ascontiguousarray(k, np.uint64)
                d = np.ascontiguousarray(d, np.int32) if self.docs else None
                self._held += k.nbytes + (d.nbytes if d is not None else 0)
            self._mem[p].append((k, d))
        if self._held >= BUFFER:
            self.flush()

    def _write(self, p: int) -> None:
        """Append part ``p``'s held entries to its files (checked), and forget them."""
        got, self._mem[p] = self._mem[p], []
        if not got:
            return
        append_file(self._path(p, "keys"), b"".join(k.tobytes() for k, _ in got))
        if self.docs:
            append_file(self._path(p, "docs"), b"".join(d.tobytes() for _, d in got))
        self._held -= sum(k.nbytes + (d.nbytes if d is not None else 0) for k, d in got)

    def flush(self) -> None:
        """Write every range's held entries (before other processes read the files)."""
        if self.dir is not None:
            for p in range(len(self._mem)):
                self._write(p)

    def nbytes(self) -> int:
        """Bytes of entries held and on disk."""
        if self.dir is None:
            return sum(k.nbytes + (d.nbytes if d is not None else 0) for got in self._mem for k, d in got)
        on_disk = 0
        for p in range(len(self._mem)):
            for what in ("keys", "docs"):
                try:
                    on_disk += os.path.getsize(self._path(p, what))
                except FileNotFoundError:
                    pass
        return self._held + on_disk

    def worth_workers(self, engine) -> bool:
        """Whether a pass over these parts is worth ``engine``'s workers: on disk (where
        they read it), and :func:`worth_workers`."""
        return self.dir is not None and worth_workers(engine, self.nbytes())

    def part(self, p: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Part ``p``'s keys and documents (None unless kept), in the order they were added.
        A part with no file (written neither here nor by a worker's copy of this object) is
        read from memory: a small corpus never writes its parts (creating a file cost
        0.5-0.8 ms on a VM; a dozen articles made 660 of them)."""
        if self.dir is None or not os.path.exists(self._path(p, "keys")):
            got = self._mem[p]
            keys = np.concatenate([k for k, _ in got]).astype(np.uint64) if got else np.zeros(0, np.uint64)
            if not self.docs:
                return keys, None
            return keys, np.concatenate([d for _, d in got]).astype(np.int32) if got else np.zeros(0, np.int32)
        self._write(p)  # what is held first: the file is then the whole part
        keys = np.fromfile(self._path(p, "keys"), np.uint64)
        return keys, np.fromfile(self._path(p, "docs"), np.int32) if self.docs else None

    def clear(self) -> None:
        """Forget every entry (files removed)."""
        self._mem = [[] for _ in range(1 << self.bits)]
        self._held = 0
        self.filled = False
        if self.dir is not None:  # every part's files: a worker's copy may have written some
            for p in range(1 << self.bits):
                for what in ("keys", "docs"):
                    try:
                        os.remove(self._path(p, what))
                    except FileNotFoundError:
                        pass

    @classmethod
    def of(cls, keys: list[np.ndarray], docs: list[np.ndarray], bits: int = 0) -> "KeyParts":
        """In memory, from per-document arrays (one range unless ``bits``)."""
        parts = cls(None, "", bits)
        if keys:
            parts.add(split_by_key(np.concatenate(keys), np.concatenate(docs), bits))
        return parts
