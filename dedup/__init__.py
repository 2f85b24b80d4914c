"""dedup: find near-duplicate and syndicated news text, the passages reused, and the origin.

The public names are loaded on first use (PEP 562), so ``import dedup`` and the
command line's ``--help`` do not pay for NumPy, pydantic, datasketch or rapidfuzz.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from ._lazy import lazy_names

__version__ = "0.1.0"

from .index import __all__ as _INDEX_NAMES  # light: dedup.index loads its own names lazily too

# public name -> the module that defines it
_HOME = {
    "Config": ".config",
    **dict.fromkeys(("ConfigError", "DedupError", "EngineError", "InputError", "ResourceError", "WorkspaceError"), ".errors"),
    "read_corpus": ".stages.ingest",
    **dict.fromkeys(
        ("Cluster", "Comparison", "Document", "DocumentInfo", "FieldMap", "Link", "Member", "Nearest", "Passage", "Problem",
         "Report"),
        ".models",
    ),
    "normalize": ".stages.normalize",
    "cluster": ".pipeline",
    "compare": ".pairwise",
    **dict.fromkeys(_INDEX_NAMES, ".index"),
}

__all__ = sorted(_HOME)


__getattr__, __dir__ = lazy_names(globals(), _HOME)


class _Package(types.ModuleType):
    """Keeps every public name the object ``__getattr__`` loads.

    A submodule imported binds its name on the package; one named like a public name
    would hide it (as ``dedup/cluster.py`` and ``dedup/normalize.py`` did before the
    stages moved to :mod:`dedup.stages`). The guard stays for any such name.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _HOME and isinstance(value, types.ModuleType):
            return  # the submodule stays reachable through sys.modules and ``from .x import``
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from .config import Config
    from .errors import ConfigError, DedupError, EngineError, InputError, ResourceError, WorkspaceError
    from .index import *  # noqa: F403
    from .stages.ingest import read_corpus
    from .models import (Cluster, Comparison, Document, DocumentInfo, FieldMap, Link, Member, Nearest, Passage, Problem,
                         Report)
    from .stages.normalize import normalize
    from .pairwise import compare
    from .pipeline import cluster
