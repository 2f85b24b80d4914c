"""A Dask run that is stopped says nothing of the cluster dedup started: what fails there
reaches the run as an exception, so the workers' and the scheduler's logs of broken
connections would only bury the one line a stopped run prints."""
from __future__ import annotations

import logging

import pytest

distributed = pytest.importorskip("distributed")  # the test extra installs it: CI runs these


def _shout(message: str) -> None:
    logging.getLogger("distributed.worker").error(message)
    logging.getLogger("distributed.worker").critical(message)


def test_the_started_cluster_logs_nothing_while_it_runs_or_closes(capfd):
    from dedup.engines.dask import DaskEngine

    engine = DaskEngine(workers=1)
    try:
        engine.client.run(_shout, "a worker lost its scheduler")  # in the worker process
        scheduler = engine._owned[-1]
        closing = scheduler.close

        def close(*args, **kwargs):  # as the scheduler of a stopped run does while it closes
            logging.getLogger("distributed.scheduler").critical("Closed comm while trying to write")
            return closing(*args, **kwargs)

        scheduler.close = close
    finally:
        engine.close()
    err = capfd.readouterr().err
    assert "lost its scheduler" not in err and "Closed comm" not in err, err


def test_a_client_given_keeps_its_own_logging(capfd):
    """dedup quiets only what it starts: a user's own cluster logs as they set it."""
    from dedup.engines.dask import DaskEngine

    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster) as client:
            with DaskEngine(client=client) as engine:
                engine.client.run(_shout, "heard from the user's worker")
    finally:
        cluster.close()
    assert "heard from the user's worker" in capfd.readouterr().err


def test_the_started_cluster_leaves_no_scratch_space(tmp_path, monkeypatch):
    """Dask's servers each make ``dask-scratch-space`` in the temporary directory (the
    workers, spawned, by TMPDIR); a run of ours leaves none behind."""
    import tempfile

    from dedup.engines.dask import DaskEngine

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with DaskEngine(workers=1) as engine:
        assert engine.client.submit(len, "four").result() == 4
        assert any(temp.iterdir())  # the scratch space is made where TMPDIR says
    assert list(temp.iterdir()) == []
