"""Library callables the command line loads on first use.

``dedup --help`` (and a mistyped flag) must answer without importing NumPy, pydantic
models, datasketch or rapidfuzz, which the pipeline needs and the shell does not.
A :func:`lazy` name stands in for a function or class: calling it, or reading an
attribute (``Index.open``), imports the real one. Exceptions to catch are imported
where they are caught instead (``except`` needs the real class).
"""

from __future__ import annotations

import importlib
from typing import Any


class _Lazy:
    __slots__ = ("_module", "_name", "_value")

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name, self._value = module, name, None

    def _load(self) -> Any:
        if self._value is None:
            self._value = getattr(importlib.import_module(self._module), self._name)
        return self._value

    def __call__(self, *args, **kwargs):
        return self._load()(*args, **kwargs)

    def __getattr__(self, attr: str):
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy {self._module}.{self._name}>"


def lazy(module: str, name: str) -> Any:
    """``module.name``, imported when first called or read from."""
    return _Lazy(module, name)
