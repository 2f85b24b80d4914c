"""Helpers of :class:`dedup.Index`: input validation, the file and settings checks,
splitting a story after a removal, refusing a closed index."""

from __future__ import annotations

import functools
import math
import numbers
import os
from typing import Any, Optional

from ..config import Config, given_config, given_jobs
from ..errors import InputError
from ..stages.ingest import mend_surrogates, to_document
from ..models import Document, id_text
from .errors import IndexDamagedError, IndexFileError, SettingsMismatchError
from . import seeds
from .sqlite.store import APPLICATION_ID, SqliteStore

_OPEN_ONLY = ("__len__", "__contains__", "__enter__")  # and every public method but close


def open_only(cls):
    """Make every public method of :class:`dedup.Index` (and ``len``, ``in``, ``with``) raise
    :class:`IndexFileError` once the index is closed, whatever its store would raise
    (SQLite: ProgrammingError from some calls; Redis would quietly connect again), and
    in a process forked after it was opened: SQLite's locks belong to the process that
    took them, so a connection used across ``fork()`` may damage the file (SQLite's
    documentation says never to), and a Redis writer's lock token would be shared."""

    def wrap(fn):
        @functools.wraps(fn)
        def call(self, *args, **kwargs):
            if self.closed:
                raise IndexFileError(f"{self.path}: the index is closed")
            if self._pid != os.getpid():
                raise IndexFileError(f"{self.path}: this Index was opened by the parent of this process "
                                     "(before a fork); open the index again in this process")
            return fn(self, *args, **kwargs)

        return call

    for name, fn in list(vars(cls).items()):
        if callable(fn) and name != "close" and (not name.startswith("_") or name in _OPEN_ONLY):
            setattr(cls, name, wrap(fn))
    return cls


def bigram_carriers(store: SqliteStore, items: list[dict]) -> dict[int, list[int]]:
    """The stored carriers of the new documents' bigrams: as a single document's
    answer read them, or read for a batch at once."""
    if len(items) == 1 and "carried" in items[0]:
        return items[0]["carried"]
    return seeds.stored_carriers(store, [it["bigrams"] for it in items])


def restory(store: SqliteStore, members: list[int]) -> None:
    """Split a story into the connected parts of its remaining links."""
    if not members:
        return
    parent = {m: m for m in members}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in store.links_among(members):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for m in members:
        groups.setdefault(find(m), []).append(m)
    for g in groups.values():
        store.set_story(g, min(g))


def version() -> str:
    from .. import __version__  # at call time: dedup/__init__ imports this module

    return __version__


def mend_id(doc_id: Any) -> Any:
    """An id asked for as the readers store ids: an integer as its digits (``add`` takes
    ``{"id": 5}`` as "5", and ``5.0`` too), a lone surrogate (which SQLite and Redis cannot encode) as
    U+FFFD, so it finds the document stored under it."""
    return mend_surrogates({"id": id_text(doc_id)}, [])["id"]


def validate(doc: Any, notes: list[str] | None = None) -> Document:
    """``doc`` as a Document; ``notes`` gets what was mended or ignored in it (:func:`to_document`)."""
    if not isinstance(doc, (Document, dict)):
        raise InputError(f"expected a dedup.Document or a dict with 'id' and 'text', got {type(doc).__name__}")
    d = to_document(doc, notes)
    if not d.text.strip():
        raise InputError(f"document {d.id!r} has empty text")
    return d


def check(store: SqliteStore, config: Optional[Config]) -> Config:
    """The index's settings, after checking the file is an index this dedup can use."""
    path = store.path
    if store.application_id() != APPLICATION_ID:
        what = "keys" if "://" in path else "a SQLite database"  # a Redis URL, or a file
        raise IndexFileError(f"{path}: not a dedup index ({what} of another program)")
    schema, current = store.schema_version(), store.SCHEMA
    try:
        meta = store.meta()
    except ValueError as exc:  # a value that is no JSON: written by no dedup
        raise IndexDamagedError(f"{path}: index damaged: its stored settings cannot be read ({exc})") from None
    if schema > current:
        raise IndexFileError(
            f"{path}: index schema {schema} was written by a newer dedup ({meta.get('created_by', '?')}); "
            f"this dedup {version()} reads schema {current} or older: upgrade dedup")
    upgrade = getattr(store, "upgrade", None)
    if schema < current and not (upgrade and upgrade(schema)):
        raise IndexFileError(f"{path}: index schema {schema} is older than any this dedup can read")
    stored = meta.get("config", {})
    if not isinstance(stored, dict) or not _is_count(meta.get("generation", 0)):
        raise IndexDamagedError(f"{path}: index damaged: its stored settings are not a dedup index's")
    known = set(Config.model_fields)
    unknown = sorted(set(stored) - known - {"bands", "rows"})
    if unknown:
        raise IndexFileError(f"{path}: index uses settings this dedup does not know: {', '.join(unknown)}")
    # A setting added after the file was written keeps its default.
    try:
        cfg = Config(**{k: v for k, v in stored.items() if k in known})
    except ValueError as exc:  # (ConfigError is one) a stored value no dedup writes; not the user's flag
        raise IndexDamagedError(f"{path}: index damaged: a stored setting is not valid "
                                f"({exc})") from None
    if config is not None and config.as_dict() != cfg.as_dict():
        want, have = config.as_dict(), cfg.as_dict()
        diff = [f"{k} (index {have.get(k)}, asked {want.get(k)})" for k in sorted(want) if want.get(k) != have.get(k)]
        raise SettingsMismatchError(f"{path}: index was built with other settings: {'; '.join(diff)}")
    return cfg


def _is_count(value) -> bool:
    """Whether a stored counter (``generation``) reads as a whole number, as dedup writes it."""
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (bool, float))


def open_arguments(config: Any, timeout: Any, jobs: Any) -> Optional[int]:
    """:meth:`dedup.Index.open`'s arguments, checked before anything is opened (a NaN
    timeout was a ValueError about integers, a dict config an AttributeError); ``jobs``
    as the index keeps it."""
    if config is not None:
        given_config(config)
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not 0 <= timeout < math.inf:
        raise ValueError(f"timeout must be a finite number of seconds, 0 or more, not {timeout!r}")
    return given_jobs(jobs)
