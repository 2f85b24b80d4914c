"""The command line starts without the pipeline's heavy libraries; the library's names load on use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# (not pydantic itself: typer imports it to read a subcommand's parameters)
HEAVY = ("numpy", "datasketch", "rapidfuzz", "dateparser", "dedup.config", "dedup.models", "dedup.pipeline",
         "dedup.pairwise")

_PROBE = """
import json, sys
from dedup.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": sorted(m for m in %r if m in sys.modules)}), file=sys.stderr)
""" % (HEAVY,)


@pytest.mark.parametrize("argv", [["--help"], ["cluster", "--help"], ["index", "--help"], ["index", "add", "--help"],
                                  ["show", "--help"], ["compare", "--help"], ["eval", "--help"], ["--version"]])
def test_help_does_not_import_the_pipeline(argv):
    run = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=60)
    probe = json.loads(run.stderr.strip().splitlines()[-1])
    assert probe == {"code": 0, "loaded": []}
    assert run.stdout.strip()


def test_bad_flag_is_still_one_line_without_the_pipeline():
    run = subprocess.run([sys.executable, "-c", _PROBE, "cluster", "--no-such-flag", "x"],
                         capture_output=True, text=True, timeout=60)
    lines = run.stderr.strip().splitlines()
    assert json.loads(lines[-1]) == {"code": 2, "loaded": []}
    assert lines[0].startswith("dedup: error:") and "--no-such-flag" in lines[0]


def test_library_names_load_on_use():
    code = """
import json, sys
import dedup
before = "numpy" in sys.modules
import dedup.stages.cluster, dedup.stages.normalize  # the stages of the same names as two functions
names = {n: getattr(dedup, n).__module__ for n in dedup.__all__}
import dedup.index
print(json.dumps({"before": before, "names": names, "index_all": dedup.index.__all__, "dir": dir(dedup)}))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    out = json.loads(run.stdout)
    assert out["before"] is False
    assert set(out["index_all"]) <= set(out["names"])  # every index name is a dedup name too
    for name in ("cluster", "compare", "Config", "Document", "Report", "Index", "read_corpus", "normalize"):
        assert name in out["names"] and name in out["dir"]
    assert out["names"]["cluster"] == "dedup.pipeline"  # the function, not the stage dedup/stages/cluster.py
    assert out["names"]["normalize"] == "dedup.stages.normalize"
    assert out["names"]["Index"] == "dedup.index.index"


def test_unknown_library_name_is_an_attribute_error():
    import dedup

    with pytest.raises(AttributeError, match="no_such_name"):
        dedup.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        exec("from dedup import no_such_name")


def test_help_shows_the_defaults_config_declares():
    """The command line reads Config's defaults from its declarations; they must be the model's."""
    from dedup.cli.defaults import _declared, _from_model, config_defaults

    assert _declared() == _from_model()
    defaults, choices = config_defaults()
    assert vars(defaults) == _from_model()[0] and choices == _from_model()[1]


def test_defaults_fall_back_to_the_model_without_the_source(monkeypatch):
    from dedup.cli import defaults

    def gone():
        raise OSError("no source (a zipped or compiled-only install)")

    monkeypatch.setattr(defaults, "_declared", gone)
    got, choices = defaults.config_defaults()
    assert got.num_perm == 128 and choices["date_order"] == ("DMY", "MDY", "YMD")
