"""The Dask engine's --scheduler: an address that cannot be reached, or a server that is
not a Dask scheduler, is the engine's failure (exit 7, one line)."""

from __future__ import annotations

import pytest

from conftest import SEEDS

distributed = pytest.importorskip("distributed")  # the test extra installs it: CI runs these


def test_unreachable_scheduler_is_one_line_exit_7(run_cli, monkeypatch):
    from dedup.engines import dask as dask_engine

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 1)
    code, _, err = run_cli("cluster", SEEDS, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-q")
    assert code == 7
    assert len(err.strip().splitlines()) == 1 and "tcp://127.0.0.1:9" in err


@pytest.mark.parametrize("address", ["banner", "tls://127.0.0.1:9"])
def test_a_scheduler_that_is_not_dask_is_one_line_exit_7(run_cli, address):
    """A server that greets first (an SSH banner, read by Dask as a frame length: a
    MemoryError) or a tls:// address without a context is the scheduler's failure, exit 7,
    not 'out of memory' (6) or an internal error (70)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def greet():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

    threading.Thread(target=greet, daemon=True).start()
    if address == "banner":
        address = "tcp://127.0.0.1:%d" % server.getsockname()[1]
    try:
        code, _, err = run_cli("cluster", SEEDS, "--engine", "dask", "--scheduler", address, "-q")
    finally:
        server.close()
    assert code == 7 and len(err.strip().splitlines()) == 1 and "cannot reach the Dask scheduler" in err


def test_a_failed_connection_leaves_no_client_behind(monkeypatch):
    """A Client that failed to connect stays in a reference cycle (its exception's
    frames), its loop thread running; collected later inside the start of another
    cluster's loop, its __del__ waited on distributed's class-wide LoopRunner lock, which
    that start holds while it waits 10 s for its own loop: the next LocalCluster failed
    (``assert loop is not None``). The engine collects it before it reports the failure."""
    import gc

    from dedup.engines import dask as dask_engine
    from dedup.errors import EngineError

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 1)
    # Clients other tests in this worker process left alive are not this one's
    before = [o for o in gc.get_objects() if isinstance(o, distributed.Client)]  # held: no id is reused
    with pytest.raises(EngineError):
        dask_engine.DaskEngine(scheduler="tls://127.0.0.1:9")
    # no collection here: the garbage a collection would find is what is looked for
    assert not [o for o in gc.get_objects() if isinstance(o, distributed.Client) and all(o is not b for b in before)]


@pytest.mark.parametrize("server", ["web", "silent"])
def test_a_server_that_answers_otherwise_or_never_is_given_up(run_cli, monkeypatch, server):
    """distributed.Client waited for ever on a web server (its answer read as a frame's
    length) or a server that accepts and says nothing, whatever its timeout: the engine
    asks the address who it is first, within CONNECT_TIMEOUT."""
    import http.server
    import socket
    import threading
    import time

    from dedup.engines import dask as dask_engine

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 1)
    if server == "web":
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # the server's log is not the run's stderr
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        port, stop = srv.server_address[1], lambda: (srv.shutdown(), srv.server_close())
    else:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)  # the kernel accepts; nobody ever answers
        port, stop = srv.getsockname()[1], srv.close
    start = time.monotonic()
    try:
        code, _, err = run_cli("cluster", SEEDS, "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "-q")
    finally:
        stop()
    assert time.monotonic() - start < 30
    assert code == 7 and err.strip().splitlines() == [
        f"dedup: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: no Dask scheduler answered within 1 s"]


def test_tasks_cancelled_by_a_lost_scheduler_are_the_engines_failure():
    """A scheduler killed mid-run cancels the client's futures: FutureCancelledError was
    an internal error (exit 70) with distributed's tracebacks."""
    from concurrent.futures import CancelledError

    from dedup.engines.dask import _result
    from dedup.errors import EngineError

    class Lost:
        def result(self):
            raise CancelledError("align_range-1 cancelled for reason: scheduler-connection-lost")

    with pytest.raises(EngineError, match="lost the Dask scheduler mid-run: align_range-1 cancelled") as info:
        _result(Lost())
    assert info.value.exit_code == 7


def test_jobs_with_a_scheduler_is_a_usage_error(run_cli):
    code, _, err = run_cli("cluster", SEEDS, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-j", "3")
    assert code == 2 and "--jobs" in err and "scheduler" in err


def test_a_scheduler_without_workers_is_said_and_the_run_goes_on_when_one_comes(run_cli, tmp_path):
    """With no worker, the tasks wait; the run says so on stderr instead of waiting
    without a word, and finishes once a worker joins."""
    import threading

    cluster = distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    try:
        timer = threading.Timer(2.0, cluster.scale, args=(1,))
        timer.start()
        out = tmp_path / "r.json"
        code, _, err = run_cli("cluster", SEEDS, "--engine", "dask", "--scheduler", cluster.scheduler_address,
                               "-f", "json", "-o", out)
        timer.join()
    finally:
        cluster.close()
    assert code == 0, err
    assert f"the Dask scheduler at {cluster.scheduler_address} has no workers yet" in err
    assert out.read_text().startswith("{")
