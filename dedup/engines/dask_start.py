"""Reaching a Dask scheduler, and starting the LocalCluster the Dask engine runs on
without one (:mod:`dedup.engines.dask`)."""

from __future__ import annotations

import logging
import threading

from ..errors import EngineError

QUIET = logging.CRITICAL + 1  # distributed's log level for the clusters we start: nothing


def probe(address: str, timeout: float) -> None:
    """Ask ``address`` who it is, within ``timeout`` seconds: ``distributed.Client``
    waits for ever for a server that accepts and is not Dask (a web server's answer read
    as a frame's length), whatever its ``timeout``. In a thread of its own, with its own
    event loop (the caller may be running one)."""
    import asyncio

    from distributed.core import rpc

    async def ask():
        r = rpc(address, timeout=timeout)
        try:
            return await asyncio.wait_for(r.identity(), timeout)
        finally:
            await r.close_rpc()

    got: list = []

    def run():
        try:
            got.append(asyncio.run(ask()))
        except BaseException as exc:  # noqa: BLE001 - a server that is not Dask fails in any way
            got.append(exc)

    thread = threading.Thread(target=run, name="dedup-dask-probe", daemon=True)
    thread.start()
    thread.join(2 * timeout + 5)
    answer = got[0] if got else None
    if isinstance(answer, dict) and answer.get("type") == "Scheduler":
        return
    if answer is None or isinstance(answer, asyncio.TimeoutError):
        why = f"no Dask scheduler answered within {timeout} s"
    elif isinstance(answer, BaseException):
        why = f"{type(answer).__name__}: {answer}"
    else:
        why = "the server there is not a Dask scheduler"
    raise EngineError(f"cannot reach the Dask scheduler at {address}: {why}"[:300])


def local_cluster(distributed, workers: int, scratch: str):
    """A LocalCluster of ``workers`` processes, one thread each, their scratch space in
    ``scratch`` (Dask's default, ``dask-scratch-space`` in TMPDIR, outlived every run).
    Its processes start with SIGINT and SIGHUP blocked, which they keep (a Ctrl-C
    reaches the terminal's whole process group: each worker printed its
    KeyboardInterrupt's traceback; a hangup killed multiprocessing's resource tracker,
    whose successor printed a KeyError traceback for every name it was told of; this
    process stops them). They are blocked, not ignored, here: a signal this process
    ignored was lost (a Ctrl-C in the cluster's start, about 1.5 s, let the run finish
    with exit 0): the thread given it by the kernel may be any that does not block it
    (numpy's BLAS threads), and the resource tracker's start unblocks SIGINT. So the
    tracker is started first, then both are blocked again for the cluster's threads and
    processes; one arriving meanwhile stops the run once they are unblocked. Stopped
    while it starts, what it started is closed (distributed's exit hook asserted on a
    half-made one)."""
    import signal
    from multiprocessing import resource_tracker

    import dask
    from distributed.deploy.spec import SpecCluster

    before = set(SpecCluster._instances)
    stops = {signal.SIGINT, signal.SIGHUP}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        resource_tracker.ensure_running()  # it inherits them blocked, and unblocks SIGINT here
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        # Every server (scheduler, nannies, workers) makes its scratch directory where
        # the configuration says; local_directory reaches only the workers.
        with dask.config.set({"temporary-directory": scratch}):
            return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=":0", silence_logs=QUIET,
                                            local_directory=scratch)
    except BaseException:
        for cluster in set(SpecCluster._instances) - before:
            try:
                cluster.close()
            except Exception:  # noqa: BLE001 - half-made: close what can be closed
                pass
        raise
    finally:
        if stops - blocked:  # a Ctrl-C or hangup pending meanwhile is delivered now
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops - blocked)
