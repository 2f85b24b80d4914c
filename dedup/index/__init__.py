"""The persistent index: add documents one at a time, get what each copies, keep clusters."""

from .errors import (DuplicateIdError, IndexDamagedError, IndexFileError, IndexLockedError, IndexReadOnlyError,
                     IndexWriteError, SettingsMismatchError, UnknownIdError)
from .index import Index
from .results import AddResult, BulkResult, Match

__all__ = [
    "AddResult",
    "BulkResult",
    "DuplicateIdError",
    "Index",
    "IndexDamagedError",
    "IndexFileError",
    "IndexLockedError",
    "IndexReadOnlyError",
    "IndexWriteError",
    "Match",
    "SettingsMismatchError",
    "UnknownIdError",
]
