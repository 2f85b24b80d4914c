"""Engines: what runs the stage functions. ``local`` (forked processes on this machine)
and ``dask`` (a dask.distributed cluster); see :mod:`dedup.engines.base`."""

from __future__ import annotations

from typing import Optional

from .base import Engine, Inline, as_engine, chunks

ENGINES = ("local", "dask")


def make_engine(name: str = "local", jobs: Optional[int] = None, client=None, scheduler: Optional[str] = None,
                partitions: Optional[int] = None, on_task=None) -> Engine:
    """The engine called ``name`` (``local`` or ``dask``). ``on_task``: the Dask engine's
    task-completion progress (see :class:`dedup.engines.dask.DaskEngine`)."""
    if name == "local":
        from .local import LocalEngine

        if client is not None or scheduler or partitions is not None:  # else silently not used
            from ..errors import ConfigError

            given = ", ".join(k for k, v in (("client", client), ("scheduler", scheduler), ("partitions", partitions))
                              if v is not None and v != "")
            raise ConfigError(f"{given}: for engine='dask'; the local engine takes jobs only")

        return LocalEngine(jobs)
    if name == "dask":
        from .dask import DaskEngine

        return DaskEngine(client=client, scheduler=scheduler, workers=jobs, partitions=partitions, on_task=on_task)
    from ..errors import EngineError

    raise EngineError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")


__all__ = ["ENGINES", "Engine", "Inline", "as_engine", "chunks", "make_engine"]
