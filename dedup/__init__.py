"""dedup: find near-duplicate and syndicated news text, the passages reused, and the origin."""

from .config import Config
from .errors import ConfigError, DedupError, InputError, WorkspaceError
from .ingest import read_corpus
from .models import (
    Cluster,
    Comparison,
    Document,
    DocumentInfo,
    FieldMap,
    Link,
    Member,
    Passage,
    Problem,
    Report,
)
from .normalize import normalize
from .pipeline import cluster, compare
from . import index as _index
from .index import *  # noqa: F403  (the index's public names, listed once in dedup/index)

__version__ = "0.1.0"

__all__ = _index.__all__ + [
    "Cluster",
    "Comparison",
    "Config",
    "ConfigError",
    "DedupError",
    "Document",
    "DocumentInfo",
    "FieldMap",
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
    "WorkspaceError",
]
