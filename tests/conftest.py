import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (Linux /proc; a zombie, dead but not reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


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


@pytest.fixture
def one_core(monkeypatch) -> list:
    """This process may use one core (so 4 workers at most); the list gets the number of
    workers of each pool the local engine starts."""
    from dedup.engines import processes

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    sizes, start = [], processes._start

    def counted(workers, *args):
        pool = start(workers, *args)
        sizes.append(len(pool._pool))
        return pool

    monkeypatch.setattr(processes, "_start", counted)
    return sizes


@pytest.fixture(scope="session")
def seeds_report_json(tmp_path_factory) -> Path:
    """The seeds' JSON report, written once by the CLI (default settings)."""
    from dedup.cli import main

    path = tmp_path_factory.mktemp("seeds-report") / "seeds.json"
    with pytest.raises(SystemExit) as exc:
        main(["cluster", str(SEEDS), "-f", "json", "-o", str(path), "-q"])
    assert exc.value.code == 0
    return path


# The Redis index tests' server (tests/test_index_redis*.py): one for the session.
@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A redis-server of our own on a free loopback port, without persistence."""
    from redis_helpers import NO_PACKAGE, free_port, redis

    if redis is None:
        pytest.skip(NO_PACKAGE)
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    with open(workdir / "log", "wb") as log:
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(workdir)], stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server did not start: {(workdir / 'log').read_text()[-500:]}")
            time.sleep(0.02)
    yield url
    client.close()
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def url(server):
    """An empty database on the test server."""
    from redis_helpers import redis

    client = redis.Redis.from_url(server)
    client.flushdb()
    client.close()
    return server
