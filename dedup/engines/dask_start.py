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
    Its processes start with
    SIGINT ignored, which they inherit (a Ctrl-C reaches the terminal's whole process
    group: each worker printed its KeyboardInterrupt's traceback; this process stops
    them). Here SIGINT is also blocked meanwhile, so that one arriving then stays pending
    and stops the run once the handler is back. Stopped while it starts, what it started
    is closed (distributed's exit hook asserted on a half-made one)."""
    import signal

    import dask
    from distributed.deploy.spec import SpecCluster

    before = set(SpecCluster._instances)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the workers inherit it
    except ValueError:  # not the main thread: signals are not ours to set
        previous = None
    try:
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
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if signal.SIGINT not in blocked:  # a Ctrl-C pending meanwhile is delivered now
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
