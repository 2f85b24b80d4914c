"""The persistent index: add documents one at a time, get what each copies, keep clusters.

The names load on first use (PEP 562): the command line imports the index's light
error classes without the index's NumPy and pipeline imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_HOME = {
    **dict.fromkeys(
        ("DuplicateIdError", "IndexDamagedError", "IndexFileError", "IndexLockedError", "IndexReadOnlyError",
         "IndexWriteError", "SettingsMismatchError", "UnknownIdError"),
        ".errors",
    ),
    "Index": ".index",
    **dict.fromkeys(("AddResult", "BulkResult", "Match"), ".results"),
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


if TYPE_CHECKING:
    from .errors import (DuplicateIdError, IndexDamagedError, IndexFileError, IndexLockedError,
                         IndexReadOnlyError, IndexWriteError, SettingsMismatchError, UnknownIdError)
    from .index import Index
    from .results import AddResult, BulkResult, Match
