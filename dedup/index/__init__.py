"""The persistent index: add documents one at a time, get what each copies, keep clusters.

The names load on first use (PEP 562): the command line imports the index's light
error classes without the index's NumPy and pipeline imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_HOME = {
    **dict.fromkeys(
        ("DuplicateIdError", "IndexDamagedError", "IndexFileError", "IndexFullError", "IndexLockedError",
         "IndexReadOnlyError", "IndexWriteError", "SettingsMismatchError", "UnknownIdError"),
        ".errors",
    ),
    "Index": ".index",
    **dict.fromkeys(("AddResult", "BulkResult", "Match"), ".results"),
}

__all__ = sorted(_HOME)


__getattr__, __dir__ = lazy_names(globals(), _HOME)


if TYPE_CHECKING:
    from .errors import (DuplicateIdError, IndexDamagedError, IndexFileError, IndexFullError, IndexLockedError,
                         IndexReadOnlyError, IndexWriteError, SettingsMismatchError, UnknownIdError)
    from .index import Index
    from .results import AddResult, BulkResult, Match
