"""The package's layout rules, checked on the source (ast, nothing imported).

1. A stage imports no engine. No module under ``dedup/stages/`` imports, at run time, any
   module of ``dedup.engines`` (the protocol, the local engine, its process machinery
   ``dedup.engines.processes``, the Dask engine) nor process or cluster machinery of its
   own (``multiprocessing``, ``concurrent.futures``, ``dask``, ``distributed``). A stage is
   handed an Engine and calls its ``partitions``/``map``/``reduce``/``shuffle``; for the
   type alone it may import ``dedup.engines.base`` under ``if TYPE_CHECKING:``.
2. An engine knows no stage's internals. Modules under ``dedup/engines/`` import, from
   dedup, only ``dedup.engines.*`` and ``dedup.errors``: what they run is the
   ``func(state, item)`` that ``dedup.engines.base`` declares, never a stage, the
   pipeline, the storage or the index.
3. The index's pieces do not import each other in a circle: ``dedup.index.bulk`` does not
   import ``dedup.index.index`` (not even under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
from pathlib import Path

DEDUP = Path(__file__).resolve().parents[1] / "dedup"
PROCESS_MACHINERY = ("multiprocessing", "concurrent.futures", "dask", "distributed")


def _module(path: Path) -> str:
    parts = list(path.relative_to(DEDUP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return inside


def imports(path: Path) -> list[tuple[str, bool]]:
    """(absolute module imported, only under TYPE_CHECKING) for every import in ``path``;
    ``from pkg import name`` counts as importing ``pkg.name`` too (it may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_only(tree)
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in typing_only) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, id(node) in typing_only))
            found += [(f"{target}.{a.name}", id(node) in typing_only) for a in node.names]
    return found


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def stage_violations(root: Path = DEDUP / "stages") -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        for name, typing_only in imports(path):
            if _under(name, *PROCESS_MACHINERY) or (_under(name, "dedup.engines") and not (
                    typing_only and _under(name, "dedup.engines.base"))):
                bad.append(f"{path.relative_to(DEDUP.parent)}: imports {name}")
    return bad


def engine_violations(root: Path = DEDUP / "engines") -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        for name, _ in imports(path):
            if _under(name, "dedup") and not _under(name, "dedup.engines", "dedup.errors"):
                bad.append(f"{path.relative_to(DEDUP.parent)}: imports {name}")
    return bad


def test_the_stages_live_in_stages_and_the_engines_in_engines():
    assert (DEDUP / "stages" / "ingest" / "__init__.py").is_file()
    assert (DEDUP / "engines" / "processes.py").is_file()
    assert not [p.name for p in DEDUP.glob("*.py") if p.stem in {
        "align", "candidates", "cluster", "ingest", "link", "prepare", "parallel", "spill", "workspace"}]
    assert {p.name for p in (DEDUP / "index").glob("sqlite_*.py")} | {p.name for p in (DEDUP / "index").glob(
        "redis_*.py")} == set()


def test_a_stage_imports_no_engine():
    assert stage_violations() == []


def test_an_engine_imports_no_stage():
    assert engine_violations() == []


def test_the_bulk_load_does_not_import_the_index_module():
    assert [n for n, _ in imports(DEDUP / "index" / "bulk.py") if _under(n, "dedup.index.index")] == []


def test_the_checks_see_a_violation(tmp_path):
    """The rules catch what they name (a check that cannot fail proves nothing)."""
    stages = tmp_path / "dedup" / "stages"
    stages.mkdir(parents=True)
    global DEDUP
    old, DEDUP = DEDUP, tmp_path / "dedup"
    try:
        (stages / "ok.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    from ..engines.base import Engine\n")
        assert stage_violations(stages) == []
        (stages / "bad.py").write_text("from ..engines import processes\nfrom ..engines.base import as_engine\n")
        (stages / "pool.py").write_text("import multiprocessing\n")
        assert {v.split(": imports ")[1] for v in stage_violations(stages)} == {
            "dedup.engines", "dedup.engines.processes", "dedup.engines.base", "dedup.engines.base.as_engine",
            "multiprocessing"}
        engines = tmp_path / "dedup" / "engines"
        engines.mkdir()
        (engines / "x.py").write_text("from ..stages.prepare import CHUNK\nfrom ..errors import EngineError\n")
        assert engine_violations(engines) == ["dedup/engines/x.py: imports dedup.stages.prepare",
                                              "dedup/engines/x.py: imports dedup.stages.prepare.CHUNK"]
    finally:
        DEDUP = old
