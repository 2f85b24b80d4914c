"""Config's declared defaults, for the command line's options and help.

Building the pydantic model costs about a third of ``dedup --help``; the defaults are
literals in ``dedup/config.py``, so they are read from its declarations (``name: type =
Field(default, ...)``) instead. If the source is not there or a default is not a
literal, the model itself answers. tests/test_startup.py checks both agree.
"""

from __future__ import annotations

import ast
from importlib.util import find_spec
from types import SimpleNamespace


def _declared() -> tuple[dict, dict]:
    spec = find_spec("dedup.config")
    with open(spec.origin, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Config")
    defaults, choices = {}, {}
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value):
            continue
        value = node.value
        if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "Field":
            given = value.args[:1] or [k.value for k in value.keywords if k.arg == "default"]
            if not given:
                raise ValueError(f"{node.target.id}: no literal default")
            value = given[0]
        defaults[node.target.id] = ast.literal_eval(value)
        ann = node.annotation
        if isinstance(ann, ast.Subscript) and getattr(ann.value, "id", None) == "Literal":
            options = ast.literal_eval(ann.slice)
            choices[node.target.id] = options if isinstance(options, tuple) else (options,)
    return defaults, choices


def _from_model() -> tuple[dict, dict]:
    from typing import get_args

    from ..config import Config

    fields = Config.model_fields
    return ({name: f.default for name, f in fields.items()},
            {name: get_args(f.annotation) for name, f in fields.items() if get_args(f.annotation)})


def config_defaults() -> tuple[SimpleNamespace, dict[str, tuple]]:
    """Every Config setting's default (as attributes), and the choices of its Literal settings."""
    try:
        defaults, choices = _declared()
    except (OSError, TypeError, ValueError, SyntaxError, StopIteration, AttributeError):
        defaults, choices = _from_model()
    return SimpleNamespace(**defaults), choices
