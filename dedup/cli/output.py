"""Writing an output path: ``--output`` checked before a run (never over an input, never a
directory) and written after it without damaging what is there."""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Optional, Union

import typer

from .common import OutputError, OutputRefused, ReaderGone, _check_stopped


# The process's own descriptors: /dev/stdout, /dev/fd/N and /proc/self/fd/N end here.
_FD_PATH = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd/(\d+)")


@dataclass
class Target:
    """Where an output path leads: ``fd`` (one of this process's descriptors), ``direct``
    (not a regular file: a device, a FIFO; written in place) or ``file`` (a regular
    file, new or existing, written atomically); ``path`` with every symlink followed."""

    kind: str
    path: str
    fd: Optional[int] = None
    existing: Optional[os.stat_result] = None


def resolve_output(path: Union[str, os.PathLike]) -> Target:
    """Follow ``path``'s symlinks (one at a time, so that /dev/stdout is seen to be
    descriptor 1 rather than whatever file or pipe that descriptor is) to what it names."""
    given = os.fspath(path)
    if given.endswith(os.sep) and not os.path.isdir(given):  # "out.json/" names a directory, never the file
        why = "not a directory" if os.path.lexists(given.rstrip(os.sep)) else f"no such directory {given}"
        raise OutputError(f"{path}: cannot write: {why}")
    p = os.path.abspath(given)
    for _ in range(64):
        head, tail = os.path.split(p)
        p = os.path.join(os.path.realpath(head), tail)
        m = _FD_PATH.fullmatch(p)
        if m:
            if int(m.group(1)) == os.getpid():
                if int(m.group(2)) == 1 and getattr(sys.stdout, "closed_fd", False):
                    raise OutputError("cannot write to stdout: it is closed")
                return Target("fd", p, fd=int(m.group(2)))
            return Target("direct", p)  # another process's descriptor: open it by name
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            if not os.path.isdir(os.path.dirname(p)):
                raise OutputError(f"{path}: cannot write: no such directory {os.path.dirname(p)}") from None
            return Target("file", p)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        if stat.S_ISLNK(st.st_mode):
            p = os.path.join(os.path.dirname(p), os.readlink(p))
            continue
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path}: cannot write: is a directory")
        if stat.S_ISREG(st.st_mode):
            return Target("file", p, existing=st)
        return Target("direct", p)
    raise OutputError(f"{path}: cannot write: too many levels of symbolic links")


def dash_is_stdout(value: Optional[str]) -> Optional[str]:
    """``--output -`` writes to stdout, as no ``--output`` does (``-`` reads stdin as an
    input; ``./-`` names a file called ``-``)."""
    return None if value == "-" else value


def check_output_option(output: Optional[str], inputs: Sequence[Union[str, os.PathLike]],
                        reserved: Sequence[tuple[str, str]] = ()) -> None:
    """A command's ``--output`` checked before its work (a wrong path must not cost the
    work): none given, nothing to check; an empty one is a usage error (exit 2); else
    :func:`check_output` against the command's input files and ``reserved`` (``(path,
    what it is)``, resolved, that it may not be even before they exist: an index's
    ``-wal`` file)."""
    if output is None:
        return
    if not output.strip():
        raise typer.BadParameter("is empty; give a file name (or leave it out for stdout)", param_hint="'--output'")
    from ..stages.ingest import CORPUS_SUFFIXES  # the names a corpus run reads in a directory

    check_output(output, inputs, CORPUS_SUFFIXES, reserved)


def check_output(path: Union[str, os.PathLike], inputs: Sequence[Union[str, os.PathLike]],
                 suffixes: tuple[str, ...] = (), reserved: Sequence[tuple[str, str]] = ()) -> None:
    """Before a run: refuse an output path that cannot be written, or that is one of the
    run's own input files (given, or under a given directory with one of ``suffixes``),
    or one of ``reserved`` (``(path with its symlinks resolved, what it is)``)."""
    target = resolve_output(path)
    for name, what in reserved:  # (before the check of existing files: these may not exist yet)
        if target.kind == "file" and target.path == name:
            raise OutputRefused(f"--output {path} is {what} {name}; not writing over it")
    if target.kind == "file" and not os.access(os.path.dirname(target.path), os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write: no permission to create files in {os.path.dirname(target.path)}")
    if target.kind != "file" or target.existing is None:
        return  # a new file, a device, a pipe: nothing of the user's to overwrite
    me = (target.existing.st_dev, target.existing.st_ino)
    for item in inputs:
        item = os.fspath(item)
        if not os.path.isdir(item):
            if _same(item, me):
                raise OutputRefused(f"--output {path} is the input file {item}; not writing over it")
            continue
        for root, _, files in os.walk(item):  # as ingest walks: into no directory symlinks (no cycles)
            for name in files:
                if (not suffixes or name.lower().endswith(suffixes)) and _same(os.path.join(root, name), me):
                    raise OutputRefused(f"--output {path} is the input file {os.path.join(root, name)}; not writing over it")


def _same(path: str, key: tuple[int, int]) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == key


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the only portable way, and put it back
    os.umask(mask)
    return mask


def write_output(path: Union[str, os.PathLike], data: Union[str, Iterable[str]]) -> None:
    """Write ``data`` (text, or pieces of text) to ``path`` without damaging what is there.

    A regular file (new, existing, or at the end of symlinks, which stay) is written
    atomically: readers never see half of it, an existing file keeps its mode and owner,
    a new one gets the mode the umask gives. Anything else (a device like /dev/null, a
    FIFO, /dev/stdout, /dev/fd/N) is written in place, never renamed over.
    Raises :class:`OutputError` when it cannot be written.
    """
    _check_stopped()  # a stopped run writes nothing
    target = resolve_output(path)
    try:
        if target.kind == "fd":
            sys.stdout.flush()  # what was printed before comes first
            fh = os.fdopen(os.dup(target.fd), "w", encoding="utf-8", newline="")
        elif target.kind == "direct":
            fh = open(target.path, "w", encoding="utf-8", newline="")
        else:
            _write_atomic(target, data)
            return
        with fh:
            _put(fh, data)
    except BrokenPipeError:  # a pipe whose reader stopped early, like stdout's
        raise ReaderGone from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _put(fh, data) -> None:
    if isinstance(data, str):
        fh.write(data)
    else:
        fh.writelines(data)
    fh.flush()


def _write_atomic(target: Target, data) -> None:
    directory = os.path.dirname(target.path)
    fd = _unnamed(directory)
    tmp = None
    if fd is None:  # no unnamed files here: a named one, which a SIGKILL would leave behind
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target.path)}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _put(fh, data)
            old = target.existing
            if old is not None:
                _keep_owner_and_mode(fh.fileno(), old)
            else:
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
            _check_stopped()  # stopped while writing: the old file stays
            if tmp is None:  # named only now, a moment before it replaces the old file
                tmp = _link_unnamed(fh.fileno(), target.path)
        os.replace(tmp, target.path)
    except BaseException:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _unnamed(directory: str) -> Optional[int]:
    """A new file in ``directory`` with no name yet (Linux ``O_TMPFILE``): a run killed
    outright (SIGKILL, the OOM killer) while writing leaves nothing behind. None where
    the system or the file system has none, or /proc (which names it later) is missing."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, flag | os.O_RDWR | os.O_CLOEXEC, 0o600)  # read back if it cannot be named
    except OSError:  # EOPNOTSUPP, EISDIR (older kernels), EINVAL: a named temporary file instead
        return None


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    """``old``'s owner and mode on the file ``fd``: root writing a user's file leaves it
    theirs (chown first: it would clear the mode's set-id bits)."""
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except PermissionError:
            pass
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def _link_unnamed(fd: int, path: str) -> str:
    """Give the unnamed file ``fd`` a fresh hidden name beside ``path``; where it cannot be
    linked (a /proc that refuses), its bytes are copied to a named temporary file."""
    try:
        return _linked(fd, os.path.join(os.path.dirname(path), f".{os.path.basename(path)}."))
    except OSError:
        return _copied(fd, path)


def _linked(fd: int, base: str) -> str:
    # linkat(AT_SYMLINK_FOLLOW) through /proc; os.link calls it only when given a dir_fd
    # (plain link() would link the /proc entry itself: EXDEV)
    fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for _ in range(100):
            tmp = base + os.urandom(4).hex()
            try:
                os.link(str(fd), tmp, src_dir_fd=fds, follow_symlinks=True)
                return tmp
            except FileExistsError:
                continue
        raise FileExistsError(f"no free temporary name {base}*")
    finally:
        os.close(fds)


def _copied(fd: int, path: str) -> str:
    """The unnamed file ``fd``'s bytes, owner and mode in a named temporary file beside ``path``."""
    st = os.fstat(fd)
    out, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=os.path.dirname(path))
    try:
        offset = 0
        while offset < st.st_size:  # in the kernel (Linux, as O_TMPFILE is)
            sent = os.sendfile(out, fd, offset, st.st_size - offset)
            if not sent:
                break
            offset += sent
        _keep_owner_and_mode(out, st)
        os.fsync(out)
    except BaseException:
        os.close(out)
        os.unlink(tmp)
        raise
    os.close(out)
    return tmp
