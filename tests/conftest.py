from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from dedup.cli import main

    def run(*args):
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        out, err = capsys.readouterr()
        return exc.value.code, out, err

    return run


@pytest.fixture(scope="session")
def seeds_report_json(tmp_path_factory) -> Path:
    """The seeds' JSON report, written once by the CLI (default settings)."""
    from dedup.cli import main

    path = tmp_path_factory.mktemp("seeds-report") / "seeds.json"
    with pytest.raises(SystemExit) as exc:
        main(["cluster", str(SEEDS), "-f", "json", "-o", str(path), "-q"])
    assert exc.value.code == 0
    return path
