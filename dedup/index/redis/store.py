"""The index on a Redis server, for pipelines spread over several hosts.

The same methods and semantics as :class:`SqliteStore` (:class:`dedup.Index` holds the
logic). URL: ``redis://[user:password@]host:port/db`` (or ``rediss://``, ``unix://``),
with ``?prefix=`` (default ``dedup:``) and ``?lock_ttl=`` (seconds, default 10) of our
own; other query options go to redis-py. Keys under the prefix:

==============  ======  =====================================================
``meta``        hash    settings (JSON, as SQLite's meta table), schema, row and commit counts
``next``        string  the last document rowid given out
``ids``         hash    document id -> rowid
``doc:R``       hash    one document's columns (an absent field is NULL)
``story:S``     set     rowids of story S
``b:N``         hash    band key -> packed rowids (int64)
``w:N``         hash    word -> documents carrying it
``l:N``         hash    line key -> JSON ``{source: documents}``
``g:N``         hash    counted word n-gram (anchor) -> documents carrying it
``sources``     hash    source -> documents
``links``       hash    ``"a:b"`` -> kind; ``adj:R`` set: rowids linked to R
``cache``       hash    the last batch clustering and its generation
``x:H``         set     rowids of the documents whose content hash is H (exact copies)
``lock``        string  the writer's token (SET NX PX)
==============  ======  =====================================================

``b``, ``w``, ``l`` and ``g`` group their 64-bit keys into 2**16 hashes (N = the top 16 bits):
one Redis key per band key would cost ~100 bytes of overhead for each of the ~200 band
keys of every document; small hashes are packed.

Writing: a writer takes the lock (waiting up to ``timeout``; it extends the lock as it
works), reads what it needs and buffers its writes, which the end of ``write()`` sends
as Lua scripts in one MULTI/EXEC (:data:`.tx.COMMIT`): applied whole, with no
other client in between, or not at all (a client killed before EXEC); and not at all
for a writer whose lock lapsed while another wrote. Holding the
lock, a writer may read, then write what it computed from what it read. Reads inside a
write see that write's own changes. Reads outside a write are not a snapshot: each sees
every transaction committed before it.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager

from ..errors import IndexDamagedError, IndexFileError, IndexFullError, IndexReadOnlyError
from ...errors import in_one_line
from .docs import Documents
from .graph import StoriesAndLinks
from .lock import REFRESH, RELEASE, WriterLock
from .url import parse as _parse
from .tx import BLOB_KEYS, COMMIT, GET_BLOB, BANDS, FAMILIES, GRAMS, LINES, WORDS, Statistics, Tx, chunks
from ..sqlite.store import APPLICATION_ID, ONE_THREAD

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ImportError:  # the optional extra is not installed
    redis = None

LAYOUT = "redis-1"  # the key layout above
# The logical schema of the Redis layout (SQLite's went to 2 and 3 for changes of its own
# file layout only). 2: content hashes (``x:H``); 3: n-gram counts (``g:N``, counted from
# the stored texts on upgrade); an index of schema 1 or 2 is upgraded on open.
SCHEMA_VERSION = 3
def _errors_translated(cls):
    """Wrap every public method: Redis errors become one-line IndexFileErrors, and a writer
    holding the lock keeps it alive."""

    def wrap(fn):
        def call(self, *args, **kwargs):
            with self._errors():
                self._tick()
                return fn(self, *args, **kwargs)

        call.__name__, call.__doc__ = fn.__name__, fn.__doc__
        return call

    for name in dir(cls):
        fn = getattr(cls, name)
        if callable(fn) and not name.startswith("_") and name not in ("write", "read", "close", "iter_docs"):
            setattr(cls, name, wrap(fn))
    return cls


# The names of an index's keys after its prefix: its tables, and rows numbered by a
# (signed) integer. No name of one index is its own prefix plus another's name.
OWN_KEY = re.compile(rb"(?:meta|lock|cache|ids|links|next|sources|[bwlg]|(?:adj|doc|story|x|sources|[bwlg]):-?\d+)")


@_errors_translated
class RedisStore(WriterLock, Documents, Statistics, StoriesAndLinks):
    """Low-level access to one index on a Redis server; :class:`dedup.Index` holds the logic."""

    SCHEMA = SCHEMA_VERSION

    damaged = False  # a damaged key shows as a refused command, never written over blindly

    def __init__(self, url: str, timeout: float = 5.0, create: bool = True, readonly: bool = False):
        self.readonly = readonly
        if redis is None:
            raise IndexFileError("the Redis backend needs the redis package: pip install 'dedup[redis]'")
        base, self.path, self.prefix, self.lock_ttl = _parse(url)
        self.timeout = timeout
        self._tx: Tx | None = None
        self._owner: int | None = None  # the thread of the write in progress
        self._token: str | None = None
        try:
            # URL options win over these defaults. No retries: a commit must not be resent.
            self.r = redis.Redis.from_url(base, socket_connect_timeout=5, socket_timeout=120,
                                          retry=Retry(NoBackoff(), 0))
        except ValueError as exc:
            raise IndexFileError(f"{self.path}: not a usable Redis URL ({in_one_line(exc)})") from None
        self._get_blob = self.r.register_script(GET_BLOB)
        self._refresh = self.r.register_script(REFRESH)
        self._release = self.r.register_script(RELEASE)
        with self._errors():
            try:
                self.r.ping()
            except TypeError as exc:  # redis-py passes unknown query options on to the connection
                raise IndexFileError(f"{self.path}: not a usable Redis URL ({in_one_line(exc)})") from None
            if not create and not self.r.exists(self._k("meta")):
                raise IndexFileError(f"{self.path}: no such index (no key {self.prefix}meta)")
            if not readonly:
                self._refuse_eviction()

    def _refuse_eviction(self) -> None:
        """A server that evicts keys under memory pressure would drop documents, counts
        and the lock itself without a word: writing there is refused (a server that hides
        its settings, as managed ones may, is taken at its word)."""
        try:
            policy = self.r.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
            limit = int(self.r.config_get("maxmemory").get("maxmemory", 0) or 0)
        except (redis.ResponseError, ValueError):
            return
        if limit and policy != "noeviction":
            raise IndexFileError(f"{self.path}: the Redis server evicts keys when full (maxmemory {limit}, "
                                 f"maxmemory-policy {policy}): an index there would lose documents without a word; "
                                 "use a server with maxmemory-policy noeviction")

    def close(self) -> None:
        self.r.close()

    def _k(self, name: str) -> str:
        return self.prefix + name

    def _pattern(self) -> str:
        """SCAN's pattern for every key under the prefix (its glob characters escaped)."""
        return re.sub(r"([*?\[\]\\])", r"\\\1", self.prefix) + "*"

    @contextmanager
    def _errors(self):
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise IndexFileError(f"{self.path}: cannot connect to Redis ({in_one_line(exc)})") from None
        except redis.ReadOnlyError as exc:
            raise IndexReadOnlyError(f"{self.path}: the Redis server is a read-only replica ({in_one_line(exc)}); "
                                     "nothing was written") from None
        except redis.exceptions.OutOfMemoryError as exc:  # maxmemory with noeviction: as a full disk
            raise IndexFullError(f"{self.path}: the Redis server is out of memory ({in_one_line(exc)}); "
                                 "nothing was written") from None
        except redis.exceptions.NoPermissionError as exc:  # an ACL user who may only read: as a read-only file
            raise IndexReadOnlyError(f"{self.path}: the Redis user may not run this command ({in_one_line(exc)}); "
                                     "nothing was written") from None
        except redis.ResponseError as exc:
            raise IndexFileError(f"{self.path}: Redis refused a command ({in_one_line(exc)}): "
                                 "not a dedup index, or damaged") from None
        except redis.RedisError as exc:
            raise IndexFileError(f"{self.path}: Redis error ({in_one_line(exc)})") from None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:  # a number or JSON dedup did not write
            raise IndexDamagedError(f"{self.path}: a key under {self.prefix} holds what dedup did not write "
                                    f"({in_one_line(exc)}): not a dedup index, or damaged") from None

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def write(self):
        """One write transaction: all of it is committed, or none of it."""
        if self._tx is not None:
            self._same_thread()
            raise RuntimeError("write transactions do not nest")
        if self.readonly:
            raise IndexReadOnlyError(f"{self.path}: the index was opened read-only; cannot write to it")
        with self._errors():
            self._tx = self._lock()
        self._owner = threading.get_ident()
        try:
            yield self
            with self._errors():
                self._commit()
        finally:
            self._tx = None
            self._unlock()

    @contextmanager
    def read(self):
        """Reads (not a snapshot on Redis; nested in a write: that write's view)."""
        if self._tx is not None:
            self._same_thread()
        yield self

    def _same_thread(self) -> None:
        """Refuse another thread a view of this thread's unfinished write."""
        if self._owner != threading.get_ident():
            raise IndexFileError(f"{self.path}: {ONE_THREAD}")

    def _unlock(self) -> None:
        if self._token is None:
            return
        token, self._token = self._token, None
        try:
            self._release(keys=[self._k("lock")], args=[token])
        except redis.RedisError:  # the lock expires by itself
            pass

    def _commit(self) -> None:
        tx = self._tx
        ops = tx.ops + self._flush_statistics() + self._flush_stories()
        if tx.new_rows:
            ops.append(("SET", self._k("next"), tx.next))
        if tx.generation:
            ops.append(("HINCRBY", self._k("meta"), "generation", tx.generation))
        if tx.cache is not None:
            ops.append(("HSET", self._k("cache"), "generation", tx.cache[0], "report", tx.cache[1]))
        if not ops:
            return
        parts, work = [[]], 0
        for op in ops:
            cost = len(op[3]) // 8 if op[0].startswith("dedup.") else 1
            if work + cost > BLOB_KEYS and parts[-1]:
                parts.append([])
                work = 0
            parts[-1] += [len(op), *op]
            work += cost
        head = [self._k("lock"), self._token, self._k("meta"), tx.commits]
        with self.r.pipeline(transaction=True) as pipe:
            for k, part in enumerate(parts):
                # EVAL, not EVALSHA: a script missing from the server's cache would fail alone.
                pipe.execute_command("EVAL", COMMIT, 0, *head, int(k == len(parts) - 1), *part)
            try:
                done = pipe.execute(raise_on_error=False)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                raise IndexFileError(f"{self.path}: lost the connection to Redis while committing, so the "
                                     f"change may or may not be stored ({in_one_line(exc)})") from None
        failed = [x for x in done if isinstance(x, Exception)]
        if failed and "DEDUPLOCK" in str(failed[0]):
            raise self._lost()
        if failed:
            raise failed[0]
        self._token = None

    # -- meta ---------------------------------------------------------------------

    def is_empty_file(self) -> bool:
        return not self.r.exists(self._k("meta"))

    def application_id(self) -> int:
        meta = self._k("meta")
        if self.r.type(meta) != b"hash" or self.r.hget(meta, "application_id") is None:
            raise IndexFileError(f"{self.path}: not a dedup index (the key {meta} belongs to another program)")
        layout = (self.r.hget(meta, "layout") or b"?").decode()
        if layout != LAYOUT:
            raise IndexFileError(f"{self.path}: index key layout {layout!r} is not one this dedup reads ({LAYOUT!r})")
        return int(self.r.hget(meta, "application_id"))

    def create(self, meta: dict) -> None:
        with self.write():
            if not self.is_empty_file():  # another process created it meanwhile
                return
            if foreign := self._foreign_key():
                raise IndexFileError(f"{self.path}: no index here, but the key {foreign} is under its prefix "
                                     f"{self.prefix!r}: an index would write into another program's keys; "
                                     "choose another prefix (?prefix=) or database")
            fields = {k: json.dumps(v) for k, v in meta.items()}
            fields.update(application_id=APPLICATION_ID, schema=SCHEMA_VERSION, layout=LAYOUT, generation=0)
            fields.update((f"rows:{f.name}", 0) for f in FAMILIES)
            self._tx.ops.append(("HSET", self._k("meta"), *[x for kv in fields.items() for x in kv]))

    def _foreign_key(self) -> str | None:
        """A key under the prefix other than the lock, if any (a scan of the database)."""
        lock = self._k("lock").encode()
        for key in self.r.scan_iter(match=self._pattern(), count=10000):
            if key != lock:
                return key.decode(errors="backslashreplace")
        return None

    def meta(self) -> dict:
        raw = {k.decode(): v.decode() for k, v in self.r.hgetall(self._k("meta")).items()}
        return {k: json.loads(v) for k, v in raw.items()
                if k not in ("application_id", "schema", "layout", "commits") and not k.startswith("rows:")}

    def set_meta(self, key: str, value) -> None:
        """Set one meta value (in the caller's write transaction)."""
        self._tx.ops.append(("HSET", self._k("meta"), key, json.dumps(value)))

    def schema_version(self) -> int:
        return int(self.r.hget(self._k("meta"), "schema") or 0)

    def generation(self) -> int:
        return int(self.r.hget(self._k("meta"), "generation") or 0) + (self._tx.generation if self._tx else 0)

    def bump_generation(self) -> None:
        self._tx.generation += 1

    # -- schema (the documents themselves: .docs) ------------------------------------

    def upgrade(self, schema: int) -> bool:
        """Bring an index of schema 1 or 2 to this one: the content hash (1) and the
        n-gram anchors (1, 2) of every document."""
        if schema not in (1, 2):
            return False
        if self.readonly and schema == 2:
            return True  # read as is: no n-gram counts (every one reads as zero)
        if self.readonly:
            raise IndexReadOnlyError(f"{self.path}: index schema {schema} must be upgraded to {SCHEMA_VERSION} "
                                     "before it can be read; open it once where it can be written")
        from collections import Counter

        from ..analysis import GRAM_MODULUS, grams_of, hash_of, signed, word_hashes

        with self.write():
            found = self.schema_version()
            if found in (1, 2):  # not upgraded by another process meanwhile
                ids = {k.decode(): int(v) for k, v in self.r.hgetall(self._k("ids")).items()}
                grams: Counter = Counter()
                for part in chunks(sorted(ids.values())):
                    for row in self._rows(part, ("text",)):
                        hashes = word_hashes(row[1])
                        if found == 1:
                            self.add_hash(hash_of(hashes), row[0])
                        grams.update(signed(grams_of(hashes, GRAM_MODULUS)).tolist())
                self.add_grams(grams)
                self._tx.ops.append(("HSET", self._k("meta"), "schema", SCHEMA_VERSION,
                                     "gram_modulus", json.dumps(GRAM_MODULUS)))
        return True

    # -- clustering cache ----------------------------------------------------------------

    def cached_report(self, generation: int) -> str | None:
        tx = self._tx
        gen, report = tx.cache if tx and tx.cache else self.r.hmget(self._k("cache"), "generation", "report")
        if report is None or int(gen) != generation:
            return None
        return report if isinstance(report, str) else report.decode()

    def put_report(self, generation: int, report: str) -> None:
        self._tx.cache = (generation, report)

    # -- health ----------------------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        rows = self.r.hmget(self._k("meta"), *(f"rows:{f.name}" for f in (BANDS, WORDS, LINES, GRAMS)))
        bands, words, lines, grams = (int(x or 0) for x in rows)
        return {"docs": self.count(), "bands": bands, "words": words, "lines": lines, "grams": grams,
                "links": self.r.hlen(self._k("links"))}

    def stored_bytes(self) -> int:
        """Memory of the index's keys: MEMORY USAGE of each key under the prefix that
        is one of the index's names (another index's prefix may begin with this one,
        ``p:`` and ``p:x:``), exact (SAMPLES 0), so O(keys); the server's own overhead
        is not counted."""
        total, keys, start = 0, [], len(self.prefix.encode())
        for key in self.r.scan_iter(match=self._pattern(), count=1000):
            if not OWN_KEY.fullmatch(key, start):
                continue
            keys.append(key)
            if len(keys) == 1000:
                total += self._memory(keys)
                keys = []
        return total + self._memory(keys)

    def _memory(self, keys: list) -> int:
        pipe = self.r.pipeline(transaction=False)
        for k in keys:
            pipe.memory_usage(k, samples=0)
        return sum(n or 0 for n in pipe.execute())
