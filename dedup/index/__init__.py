"""The persistent index: add documents one at a time, get what each copies, keep clusters."""

from .errors import DuplicateIdError, IndexFileError, IndexLockedError, SettingsMismatchError, UnknownIdError
from .index import Index
from .results import AddResult, BulkResult, Match

__all__ = [
    "AddResult",
    "BulkResult",
    "DuplicateIdError",
    "Index",
    "IndexFileError",
    "IndexLockedError",
    "Match",
    "SettingsMismatchError",
    "UnknownIdError",
]
