"""Public names loaded on first use (PEP 562), shared by ``dedup`` and ``dedup.index``."""

from __future__ import annotations

import importlib


def lazy_names(namespace: dict, homes: dict[str, str]):
    """``__getattr__`` and ``__dir__`` for a package whose public names live in the
    submodules ``homes`` names (public name -> relative module)."""
    package = namespace["__name__"]

    def __getattr__(name: str):
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        namespace[name] = value  # the next access is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
