"""A Redis write transaction's buffer, and the statistics of :mod:`.store`.

A transaction keeps the committed values it read (``known``) and its own changes
(``pend``); its reads see both. At commit (:data:`COMMIT`), band and word
changes are applied on the server (append or remove a rowid, add to a count), so an
``add_many`` batch need not fetch the ~200 band keys of each new document first; lines
and sources, which the index reads before it changes them anyway, are written whole.
Row counts are kept in ``meta``.

The 64-bit keys of bands, words, lines and n-grams are spread over 2**16 hashes by their top 16
bits (the last two bytes of the little-endian field). Keys travel as one blob of 8-byte
fields, values as one blob: redis-py spends ~3 us of client time on every argument,
and an ``add_many`` batch of 1,000 documents touches ~200k fields.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

GET_BLOB = """local pre, keys, out = ARGV[1], ARGV[2], {}
for i = 1, #keys, 8 do
  local f = string.sub(keys, i, i + 7)
  local v = redis.call('HGET', pre .. (string.byte(f, 7) + 256 * string.byte(f, 8)), f) or ''
  out[#out + 1] = struct.pack('<I4', #v) .. v
end
return table.concat(out)"""
# The commit, in parts of bounded work sent together as one MULTI/EXEC (ARGV: lock key,
# token, meta key, the commit count seen when the lock was taken, '1' for the last part,
# then per command its length, name, arguments). Each part checks that no other writer
# holds the lock or committed since (possible only if ours lapsed) and otherwise does
# nothing; the last counts the commit and releases the lock. EXEC runs the parts with no
# other client in between, and a client that dies before sending EXEC has applied
# nothing. Bounded parts: a script running over ~5 s makes Redis answer BUSY to others.
# Commands named dedup.* are these functions (arguments: hash prefix, meta key, fields, ...).
COMMIT = """local holder = redis.call('GET', ARGV[1])
if (holder and holder ~= ARGV[2]) or (redis.call('HGET', ARGV[3], 'commits') or '') ~= ARGV[4] then
  return redis.error_reply('DEDUPLOCK')
end
local function hash(pre, f) return pre .. (string.byte(f, 7) + 256 * string.byte(f, 8)) end
local F = {}
-- band key -> packed rowids: append a rowid ('+': the largest yet, as rowids are given
-- out under the lock) or remove one ('-')
F['dedup.bands'] = function(pre, meta, keys, docs, mode)
  local rows = 0
  for i = 1, #keys, 8 do
    local f, d = string.sub(keys, i, i + 7), string.sub(docs, i, i + 7)
    local h = hash(pre, f)
    if mode == '+' then
      if redis.call('HSETNX', h, f, d) == 0 then redis.call('HSET', h, f, redis.call('HGET', h, f) .. d) end
      rows = rows + 1
    else
      local v = redis.call('HGET', h, f) or ''
      for j = 1, #v, 8 do
        if string.sub(v, j, j + 7) == d then
          v = string.sub(v, 1, j - 1) .. string.sub(v, j + 8)
          if v == '' then redis.call('HDEL', h, f) else redis.call('HSET', h, f, v) end
          rows = rows - 1
          break
        end
      end
    end
  end
  redis.call('HINCRBY', meta, 'rows:b', rows)
end
-- word -> documents: add an int32 delta; a count that reaches zero is deleted
F['dedup.words'] = function(pre, meta, keys, deltas, field)
  local rows = 0
  for i = 1, #keys, 8 do
    local f = string.sub(keys, i, i + 7)
    local h, d = hash(pre, f), struct.unpack('<i4', deltas, (i - 1) / 2 + 1)
    local n = redis.call('HINCRBY', h, f, d)
    if n == d and d > 0 then rows = rows + 1 end
    if n <= 0 then
      redis.call('HDEL', h, f)
      if n - d > 0 then rows = rows - 1 end
    end
  end
  redis.call('HINCRBY', meta, field or 'rows:w', rows)
end
-- set values (length-prefixed; empty deletes)
F['dedup.set'] = function(pre, meta, keys, vals)
  local pos = 1
  for i = 1, #keys, 8 do
    local f = string.sub(keys, i, i + 7)
    local n = struct.unpack('<I4', vals, pos)
    if n == 0 then redis.call('HDEL', hash(pre, f), f)
    else redis.call('HSET', hash(pre, f), f, string.sub(vals, pos + 4, pos + 3 + n)) end
    pos = pos + 4 + n
  end
end
local i = 6
while i <= #ARGV do
  local n, fn = tonumber(ARGV[i]), F[ARGV[i + 1]]
  if fn then fn(unpack(ARGV, i + 2, i + n)) else redis.call(unpack(ARGV, i + 1, i + n)) end
  i = i + n + 1
end
if ARGV[5] == '1' then
  redis.call('HINCRBY', ARGV[3], 'commits', 1)
  redis.call('DEL', ARGV[1])
end
return 1"""
BLOB_KEYS = 20000  # fields per dedup.* command, and work per part of the commit (~0.1 s)


def chunks(xs: list, n: int = 1000):
    for i in range(0, len(xs), n):
        yield xs[i : i + n]


def _fields(keys: list) -> bytes:
    return np.asarray(keys, dtype="<i8").tobytes()


@dataclass(frozen=True, eq=False)
class Family:
    """One kind of statistic stored as hash fields."""

    name: str
    bucketed: bool  # 64-bit int keys in 2**16 hashes, else string keys in one hash
    decode: Callable[[Optional[bytes]], Any]
    apply: Callable[[Any, Any], Any]  # committed value, pending change -> value now
    encode: Optional[Callable[[Any], bytes]] = None  # families written whole; b"" deletes the field
    size: Callable[[Any], int] = len  # rows the value stands for (as SQLite counts them)


def _apply_bands(docs: np.ndarray, change: dict) -> np.ndarray:
    """``change``: rowid -> added (True) or removed (False)."""
    if not len(docs) and all(change.values()):  # the common case: a new band key
        return np.array(sorted(change), dtype=np.int64)
    now = set(docs.tolist()).union(r for r, add in change.items() if add)
    return np.array(sorted(now.difference(r for r, add in change.items() if not add)), dtype=np.int64)


def _apply_lines(per_source: dict, change: Counter) -> dict:
    out = dict(per_source)
    for s, n in change.items():
        out[s] = out.get(s, 0) + n
    return {s: n for s, n in out.items() if n > 0}


def _count(v: Optional[bytes]) -> int:
    return int(v) if v else 0


BANDS = Family("b", True, lambda v: np.frombuffer(v, dtype="<i8").astype(np.int64) if v else np.zeros(0, np.int64),
               _apply_bands)
WORDS = Family("w", True, _count, lambda n, d: n + d)
LINES = Family("l", True, lambda v: json.loads(v) if v else {}, _apply_lines,
               lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True).encode() if d else b"")
SOURCES = Family("sources", False, _count, lambda n, d: n + d,
                 lambda n: str(n).encode() if n > 0 else b"", lambda n: int(n > 0))
GRAMS = Family("g", True, _count, lambda n, d: n + d)  # counted n-gram -> documents (as words)
FAMILIES = (BANDS, WORDS, LINES, SOURCES, GRAMS)


@dataclass
class Tx:
    """The buffered writes of one transaction and what its reads must see of them."""

    locked_at: float
    next: int  # last rowid given out
    ndocs: int  # committed documents
    commits: str  # the commit count when the lock was taken
    ops: list = field(default_factory=list)  # commands for the commit, in order
    known: dict = field(default_factory=lambda: {f.name: {} for f in FAMILIES})
    pend: dict = field(default_factory=lambda: {f.name: {} for f in FAMILIES})
    members: dict = field(default_factory=dict)  # story -> committed members (read)
    generation: int = 0
    docs: int = 0  # documents added minus removed
    new_rows: dict = field(default_factory=dict)  # rowid -> {column: value}
    new_ids: dict = field(default_factory=dict)
    gone: set = field(default_factory=set)
    gone_ids: set = field(default_factory=set)
    story: dict = field(default_factory=dict)  # rowid -> story now (None: deleted)
    story_was: dict = field(default_factory=dict)  # rowid -> committed story (None: new)
    links_new: dict = field(default_factory=dict)
    links_gone: set = field(default_factory=set)
    links_cleared: bool = False
    cache: Optional[tuple[int, str]] = None
    hashes_new: dict = field(default_factory=dict)  # content hash -> rowids added

    def set_story(self, rowid: int, story: Optional[int], was: Optional[int]) -> None:
        self.story_was.setdefault(rowid, was)
        self.story[rowid] = story


class Statistics:
    """Bands, words, lines and sources of :class:`RedisStore` (a mixin)."""

    def _fetch(self, fam: Family, keys: list) -> dict:
        if not fam.bucketed:
            return dict(zip(keys, map(fam.decode, self.r.hmget(self._k(fam.name), keys)))) if keys else {}
        out = {}
        for part in chunks(keys, BLOB_KEYS):
            blob = memoryview(self._get_blob(args=[self._k(fam.name + ":"), _fields(part)]))
            pos = 0
            for k in part:
                n = int.from_bytes(blob[pos : pos + 4], "little")
                out[k] = fam.decode(bytes(blob[pos + 4 : pos + 4 + n]) if n else None)
                pos += 4 + n
        return out

    def _values(self, fam: Family, keys: list) -> dict:
        """Current values (committed, plus this transaction's changes)."""
        tx = self._tx
        if tx is None:
            return self._fetch(fam, keys)
        known = tx.known[fam.name]
        missing = [k for k in dict.fromkeys(keys) if k not in known]
        if missing:
            known.update(self._fetch(fam, missing))
        pend = tx.pend[fam.name]
        return {k: fam.apply(known[k], pend[k]) if k in pend else known[k] for k in keys}

    def _flush_statistics(self) -> list[tuple]:
        """The commands that write this transaction's statistics."""
        tx, meta, ops = self._tx, self._k("meta"), []
        changes = [(k, r, a) for k, change in tx.pend[BANDS.name].items() for r, a in change.items()]
        if changes:
            keys, rowids, added = (np.array(x, dtype=np.int64) for x in zip(*changes))
            for mode, rows in (("-", added == 0), ("+", added == 1)):  # removals, then additions by rowid
                order = np.flatnonzero(rows)[np.argsort(rowids[rows], kind="stable")]
                for lo in range(0, len(order), BLOB_KEYS):
                    part = order[lo : lo + BLOB_KEYS]
                    ops.append(("dedup.bands", self._k("b:"), meta, _fields(keys[part]), _fields(rowids[part]), mode))
        for fam in (WORDS, GRAMS):  # counts changed on the server
            words = [(k, d) for k, d in tx.pend[fam.name].items() if d]
            for part in chunks(words, BLOB_KEYS):
                keys, deltas = zip(*part)
                ops.append(("dedup.words", self._k(fam.name + ":"), meta, _fields(keys),
                            np.asarray(deltas, "<i4").tobytes(), f"rows:{fam.name}"))
        for fam in (LINES, SOURCES):  # read-modify-write
            keys = list(tx.pend[fam.name])
            now = self._values(fam, keys)  # fetches what was never read
            rows = sum(fam.size(now[k]) - fam.size(tx.known[fam.name][k]) for k in keys)
            if rows:
                ops.append(("HINCRBY", meta, f"rows:{fam.name}", rows))
            vals = [fam.encode(now[k]) for k in keys]
            if not fam.bucketed:
                ops += [("HSET", self._k(fam.name), k, v) if v else ("HDEL", self._k(fam.name), k)
                        for k, v in zip(keys, vals)]
                continue
            for lo in range(0, len(keys), BLOB_KEYS):
                blob = b"".join(x for v in vals[lo : lo + BLOB_KEYS] for x in (len(v).to_bytes(4, "little"), v))
                ops.append(("dedup.set", self._k(fam.name + ":"), meta, _fields(keys[lo : lo + BLOB_KEYS]), blob))
        return ops

    def word_counts(self, words: np.ndarray) -> np.ndarray:
        """Documents carrying each of ``words`` (int64, sorted, distinct)."""
        return self._counts(WORDS, words)

    def add_words(self, counts: dict[int, int]) -> None:
        """Add to word document frequencies; a count that reaches zero is deleted."""
        self._add(WORDS, counts)

    def gram_counts(self, grams: np.ndarray) -> np.ndarray:
        """Documents carrying each of ``grams`` (int64, distinct)."""
        return self._counts(GRAMS, grams)

    def add_grams(self, counts: dict[int, int]) -> None:
        """Add to n-gram document counts; a count that reaches zero is deleted."""
        self._add(GRAMS, counts)

    def _counts(self, fam, keys: np.ndarray) -> np.ndarray:
        keys = keys.tolist()
        got = self._values(fam, keys)
        return np.fromiter((got[k] for k in keys), dtype=np.int64, count=len(keys))

    def _add(self, fam, counts: dict[int, int]) -> None:
        pend = self._tx.pend[fam.name]
        for k, n in counts.items():
            pend[k] = pend.get(k, 0) + n

    def line_counts(self, keys: list[int]) -> dict[tuple[int, str], int]:
        """``{(key, source): documents}`` for the given line keys ('' = no source)."""
        return {(k, s): n for k, per in self._values(LINES, keys).items() for s, n in per.items()}

    def line_stats(self, keys: list[int], sources: list[str]) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
        """As :meth:`SqliteStore.line_stats`."""
        wanted, per, total = set(sources), {}, {}
        for (k, s), n in self.line_counts(keys).items():
            total[k] = total.get(k, 0) + n
            if s in wanted:
                per[(k, s)] = n
        return per, total

    def source_count(self, source: str) -> int:
        return self._values(SOURCES, [source])[source]

    def add_lines(self, counts: dict[tuple[int, str], int], sources: dict[str, int]) -> None:
        tx = self._tx
        for (k, s), n in counts.items():
            tx.pend[LINES.name].setdefault(k, Counter())[s] += n
        for s, n in sources.items():
            tx.pend[SOURCES.name][s] = tx.pend[SOURCES.name].get(s, 0) + n

    def band_rows(self, keys: np.ndarray, limit: int | None = None) -> list[tuple[int, int]]:
        """``(key, doc)`` rows of ``keys`` (``limit``: a bound the SQLite store uses; every
        row is read here, a key's docs being one value)."""
        return [(k, d) for k, docs in self._values(BANDS, keys.tolist()).items() for d in docs.tolist()]

    def add_bands(self, rowid: int, keys: np.ndarray) -> None:
        pend = self._tx.pend[BANDS.name]
        for k in keys.tolist():
            pend.setdefault(k, {})[rowid] = True

    def delete_bands(self, rowid: int, keys: np.ndarray) -> None:
        pend = self._tx.pend[BANDS.name]
        for k in keys.tolist():
            pend.setdefault(k, {})[rowid] = False
