"""A Redis index's URL: ``redis://[user:password@]host:port/db`` (or ``rediss://``,
``unix://``) with ``?prefix=`` and ``?lock_ttl=`` of dedup's own; the rest goes to redis-py."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import IndexFileError

LOCK_TTL = 10.0  # seconds, when the URL names none


def parse(url: str) -> tuple[str, str, str, float]:
    """``(url for redis-py, url to show, prefix, lock ttl)``; the password is masked in the shown one."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in ("prefix", "lock_ttl")}
    rest = urlencode([(k, v) for k, v in query if k not in ours])
    # the URL as given, its query trimmed (urlunsplit writes unix:///path as unix:/path,
    # which redis-py refuses)
    base = url.split("?", 1)[0] + (f"?{rest}" if rest else "")
    shown = url
    if parts.password is not None:
        user, host = parts.netloc.rsplit("@", 1)
        shown = urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))
    if parts.scheme.lower() in ("redis", "rediss") and not re.fullmatch(r"/?\d*", parts.path):
        # redis-py takes any other path for database 0: an index written where it was not asked
        raise IndexFileError(f"{shown}: the path of a redis:// URL is a database number (/0, /1, ...), "
                             f"not {parts.path!r}")
    try:
        ttl = float(ours.get("lock_ttl", LOCK_TTL))
    except ValueError:
        ttl = -1.0
    if not ttl > 0:
        raise IndexFileError(f"{shown}: lock_ttl must be a number of seconds above 0")
    return base, shown, ours.get("prefix", "dedup:"), ttl
