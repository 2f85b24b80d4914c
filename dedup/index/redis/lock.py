"""The writer lock of :class:`RedisStore` (a mixin): a key set with NX and a
time-to-live, holding a random token; the holder extends it as it works."""

from __future__ import annotations

import time
import uuid

from ..errors import IndexLockedError
from .tx import Tx

# Extend or release the lock only if it is still ours.
REFRESH = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class WriterLock:
    """Taking, extending and losing the lock (releasing it is :meth:`RedisStore._unlock`)."""

    def _lost(self) -> IndexLockedError:
        return IndexLockedError(f"{self.path}: lost the write lock (held over lock_ttl={self.lock_ttl:g} s "
                                "without reaching Redis, and another writer went ahead); nothing was written, "
                                "try again")

    def _lock(self) -> Tx:
        """Take the write lock and start a transaction (reading what a lock holder can keep)."""
        token, key = uuid.uuid4().hex, self._k("lock")
        deadline, pause = time.monotonic() + self.timeout, 0.002
        while True:
            pipe = self.r.pipeline(transaction=False)
            pipe.set(key, token, nx=True, px=max(1, int(self.lock_ttl * 1000)))
            pipe.get(self._k("next"))
            pipe.hlen(self._k("ids"))
            pipe.hget(self._k("meta"), "commits")
            got, last, ndocs, commits = pipe.execute()
            if got:
                self._token = token
                try:
                    return Tx(time.monotonic(), int(last or 0), ndocs, (commits or b"").decode())
                except ValueError:  # a key dedup did not write: the lock is let go before the error
                    self._unlock()
                    raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise IndexLockedError(f"{self.path}: another process is writing to the index "
                                       f"(waited {self.timeout:g} s for the lock; try again)")
            time.sleep(min(pause, left))
            pause = min(2 * pause, 0.05)

    def _tick(self) -> None:
        """Extend the lock when a third of its time-to-live has passed (taking it again if
        it lapsed and is free: the commit checks that nobody committed meanwhile)."""
        tx = self._tx
        if tx is None or time.monotonic() - tx.locked_at < self.lock_ttl / 3:
            return
        key, ttl = self._k("lock"), max(1, int(self.lock_ttl * 1000))
        if not (self._refresh(keys=[key], args=[self._token, ttl]) or self.r.set(key, self._token, nx=True, px=ttl)):
            raise self._lost()
        tx.locked_at = time.monotonic()
