"""dedup: find near-duplicate and syndicated news text, the passages reused, and the origin."""

from .config import Config
from .errors import ConfigError, DedupError, InputError
from .ingest import read_corpus
from .models import (
    Cluster,
    Comparison,
    Document,
    DocumentInfo,
    Link,
    Member,
    Passage,
    Problem,
    Report,
)
from .normalize import normalize
from .pipeline import cluster, compare
from .index import (AddResult, BulkResult, DuplicateIdError, Index, IndexFileError, IndexLockedError, Match,
                    SettingsMismatchError, UnknownIdError)

__version__ = "0.1.0"

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
    "Cluster",
    "Comparison",
    "Config",
    "ConfigError",
    "DedupError",
    "Document",
    "DocumentInfo",
    "InputError",
    "Link",
    "Member",
    "Passage",
    "Problem",
    "Report",
    "cluster",
    "compare",
    "normalize",
    "read_corpus",
]
