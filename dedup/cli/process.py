"""The process around a ``dedup`` run: standard descriptors the caller closed, a reader
of stdout that went away, and signals that arrive once the run is over."""

from __future__ import annotations

import io
import os
import signal
import sys


def drop_stdout() -> None:
    """The reader of stdout has gone (``| head``): send what is left to /dev/null, so
    the interpreter's last flush at exit does not fail again and print about it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass


def closed_std_fds() -> None:
    """Standard descriptors the caller closed (``>&-``, ``2>&-``) get /dev/null: a file
    opened later would take the number and be written as stdout or stderr. A closed
    stderr drops the messages; a closed stdout stays closed to the output (exit 4)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one, unless a lower was closed
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
            except OSError:
                pass
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8", errors="backslashreplace")


def finished() -> None:
    """The run is over, its output written and flushed: a Ctrl-C, SIGTERM or SIGHUP now
    (while the interpreter exits) must not turn its exit code into 130, 143 or 129."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        while True:
            try:
                # SIG_IGN outlives the interpreter's exit, which resets a Python handler
                # to the default (a SIGTERM then ended a finished run with 143)
                signal.signal(sig, signal.SIG_IGN)
                break
            except KeyboardInterrupt:  # came just now: too late to stop anything
                continue
