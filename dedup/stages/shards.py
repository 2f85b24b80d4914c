"""The report as sharded JSONL (or Parquet) in a directory or URL (fsspec), written by
the engine's workers: ``clusters/part-NNNNN.jsonl`` (copy clusters ``c1``..., then template series
``t1``...; members, without links), ``links/part-NNNNN.jsonl`` (one link a line, with
its ``cluster``), ``documents/part-NNNNN.jsonl``, and last ``_manifest.json`` (counts,
shards, problems, config): a reader that finds the manifest knows every shard is there.
Read in shard order, the lines are the single JSON report's, in its order. With
``fmt="parquet"`` each shard is a ``.parquet`` file of the same records (nested lists
as Arrow lists of structs), every shard of a table with one schema, derived from the
models the JSONL lines are dumps of (:func:`arrow_schema`), so the shards read back as one
dataset whatever values each holds. Every table has a shard, ``part-00000``, even when the
run found none of its records (an empty file; in Parquet an empty table with the schema).
"""

from __future__ import annotations

import json
import os
import typing
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..errors import ConfigError, OutputDirError, in_one_line
from ..models import Cluster, DocumentInfo, Link
from .provenance import build_cluster

if TYPE_CHECKING:  # the protocol only: a stage is handed its engine, never makes one
    from ..engines.base import Engine

SHARD = 2000  # clusters or documents per shard
KINDS = ("clusters", "links", "documents")
PROBE = ".dedup-write-probe"  # written and removed by check_target: a target that cannot be written fails early
MANIFEST = "_manifest.json"
# There while a run writes its shards. A worker's shard that is whole only after the run
# stopped (Dask does not stop a running task it cancels: SIGTERM left such a shard
# behind) finds it gone and removes itself; the run removes it before its own shards.
RUNNING = ".dedup-writing"


FORMATS = ("jsonl", "parquet")
# Each table's records, as _cluster_shard and write_shards make them from the models'
# dumps: (model, fields put before the model's own, the model's fields left out).
TABLES: dict[str, tuple[type[BaseModel], tuple[tuple[str, Any], ...], tuple[str, ...]]] = {
    "clusters": (Cluster, (), ("links",)),
    "links": (Link, (("cluster", str),), ()),
    "documents": (DocumentInfo, (), ()),
}


def _arrow_type(annotation: Any):
    """``(Arrow type, nullable)`` of a model field's annotation."""
    import pyarrow as pa

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union and type(None) in args:  # Optional[X]
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _arrow_type(rest[0])[0], True
    if origin is typing.Literal and all(isinstance(a, str) for a in args):
        return pa.string(), False
    if origin is list and len(args) == 1:
        item, nullable = _arrow_type(args[0])
        return pa.list_(pa.field("element", item, nullable=nullable)), False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(_arrow_fields(annotation)), False
    simple = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
    if annotation in simple:
        return simple[annotation], False
    raise TypeError(f"no Arrow type for {annotation!r}: give it one in dedup/stages/shards.py:_arrow_type")


def _arrow_fields(model: type[BaseModel], first=(), leave_out=()) -> list:
    import pyarrow as pa

    named = list(first) + [(name, f.annotation) for name, f in model.model_fields.items() if name not in leave_out]
    return [pa.field(name, *_arrow_type(annotation)) for name, annotation in named]


def arrow_schema(kind: str):
    """The one Arrow schema of every Parquet shard of ``kind`` (``clusters``, ``links``,
    ``documents``): the model's fields in the order of its JSON dump, a field ``Optional``
    in the model nullable (others not), a model field a struct, a list a list, a ``Literal``
    a string. Inferred from each shard's rows, a field with no value in one shard had type
    null there, and the shards could not be read as one dataset."""
    import pyarrow as pa

    model, first, leave_out = TABLES[kind]
    return pa.schema(_arrow_fields(model, first, leave_out))


def _line(obj: Any) -> str:
    from .report import line_safe

    return line_safe(json.dumps(obj, ensure_ascii=False, separators=(",", ":"))) + "\n"


def _local(url: str) -> str:
    """A ``file://`` URL as its local path (``%20`` decoded), as an input's is
    (:func:`dedup.stages.ingest.url.file_url_path`); any other target as it is. (fsspec
    leaves ``%20`` as it is: ``file:///tmp/f%202`` made a directory named ``f%202``.)"""
    if url.lower().startswith("file://"):
        from .ingest.url import file_url_path

        return file_url_path(url)
    return url


def _fs(url: str):
    try:
        import fsspec
    except ImportError:
        raise OutputDirError("writing an output directory needs fsspec: pip install 'dedup[dask]'") from None
    try:
        return fsspec.core.url_to_fs(_local(url))
    except (ImportError, ValueError) as exc:
        raise OutputDirError(f"{url}: cannot open: {exc}") from None
    except OSError as exc:  # a file system that connects when made (ftp://, sftp://): no such host, refused
        raise OutputDirError(f"{url}: cannot open: {exc.strerror or exc}") from None


def check_target(url: str) -> None:
    """Before a run: refuse an empty name (as ``--output ""`` is) and a directory that
    holds anything (nothing of the user's is written over); make the directory and write
    and remove a file in it, so that a target that cannot be written fails before the run."""
    if not url.strip():
        raise ConfigError("Invalid value for '--output-dir': is empty; give a directory or URL (or leave it out)",
                          setting="output_dir", problem="is empty; give a directory or URL (or leave it out)")
    fs, path = _fs(url)
    if "memory" in ((fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)):
        # each process has a memory file system of its own: the workers' shards were lost
        raise OutputDirError(f"{url}: a memory:// directory is each process's own, the workers' shards would be "
                             "lost; give a directory or URL that every worker writes to")
    local = _local(url)
    if "://" not in local and os.path.islink(local) and not os.path.exists(local):  # makedirs: "File exists"
        raise OutputDirError(f"{url}: a symbolic link to {os.readlink(local)}, which does not exist; not writing there")
    try:
        if fs.exists(path) and (not fs.isdir(path) or fs.ls(path)):
            raise OutputDirError(f"{url}: exists and is not an empty directory; not writing into it")
    except OutputDirError:
        raise
    except Exception as exc:  # noqa: BLE001 - a file system's own failure (a web server's, NotImplementedError)
        raise OutputDirError(f"{url}: cannot use: {_why(exc)}") from None
    try:
        fs.makedirs(path, exist_ok=True)
        with fs.open(f"{path}/{PROBE}", "wb") as fh:
            fh.write(b"dedup")
        fs.rm_file(f"{path}/{PROBE}")
    except Exception as exc:  # noqa: BLE001 - as above: https:// cannot be written (NotImplementedError)
        raise OutputDirError(f"{url}: cannot write there: {_why(exc)}") from None


def _ranges(n: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of ``SHARD`` items covering ``range(n)``: one shard each;
    none (``n`` 0) is one empty shard, so that every table of the layout is there."""
    return [(s, min(n, s + SHARD)) for s in range(0, n, SHARD)] or [(0, 0)]


def _why(exc: Exception) -> str:
    """An error in a few words: its system message, its text, else its kind."""
    return getattr(exc, "strerror", None) or in_one_line(exc, 200)


def _remove(url: str, names: list[str], fmt: str) -> None:
    """Remove the files a failed run may have written (``names``, as given to :func:`_write`)
    and the shard directories it made, if empty: a rerun finds an empty directory. Best effort."""
    try:
        fs, path = _fs(url)
        for name in names:
            target = f"{path}/{name}" + ("" if name in (MANIFEST, RUNNING) else f".{fmt}")
            if fs.exists(target):
                fs.rm_file(target)
        for kind in KINDS:
            if fs.isdir(f"{path}/{kind}") and not fs.ls(f"{path}/{kind}"):
                fs.rmdir(f"{path}/{kind}")
    except (OSError, OutputDirError):
        pass


def _write(url: str, name: str, rows: list, fmt: str = "jsonl") -> None:
    """One shard (``rows``: records) or, with ``fmt`` None, one text file (``rows``: pieces)."""
    fs, path = _fs(url)
    try:
        fs.makedirs(f"{path}/{name.rsplit('/', 1)[0]}" if "/" in name else path, exist_ok=True)
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = arrow_schema(name.split("/", 1)[0])
            names = set(schema.names)
            for row in rows:  # from_pylist would drop a field the schema lacks, and null one it has
                if row.keys() != names:
                    raise ValueError(f"{name}: a record's fields {sorted(row)} are not the schema's {schema.names}")
            table = pa.Table.from_pylist(rows, schema=schema)
            with fs.open(f"{path}/{name}.parquet", "wb") as fh:
                pq.write_table(table, fh)
        else:
            with fs.open(f"{path}/{name}" + (".jsonl" if fmt else ""), "w", encoding="utf-8") as fh:
                fh.write("".join(rows if fmt is None else map(_line, rows)))
        if fmt is not None and not fs.exists(f"{path}/{RUNNING}"):  # the run has stopped meanwhile
            fs.rm_file(f"{path}/{name}.{fmt}")
    except OSError as exc:
        raise OutputDirError(f"{url}/{name}: cannot write: {exc.strerror or exc}") from None


def _cluster_shard(state, item) -> tuple[int, int]:
    """Build one shard's clusters (on a worker) and write their two files."""
    prepared, facts, url, fmt = state
    shard, groups = item
    clusters, links = [], []
    for cid, members, alignments in groups:
        c = build_cluster(members, alignments, prepared, facts, cid).model_dump(mode="json")
        links += [{"cluster": cid, **link} for link in c.pop("links")]
        clusters.append(c)
    _write(url, f"clusters/part-{shard:05d}", clusters, fmt)
    _write(url, f"links/part-{shard:05d}", links, fmt)
    return len(clusters), len(links)


def _document_shard(state, item) -> int:
    url, fmt = state
    shard, docs = item
    _write(url, f"documents/part-{shard:05d}", docs, fmt)
    return len(docs)


def write_shards(outcome, url: str, engine: Engine, progress=None, fmt: str = "jsonl") -> dict:
    """Write ``outcome`` (a :class:`~dedup.pipeline.Outcome`) to ``url`` as ``fmt``
    (``jsonl`` or ``parquet``) shards; return the manifest."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown shard format {fmt!r}; expected one of {', '.join(FORMATS)}")
    url = url.rstrip("/") or url
    check_target(url)
    written: list[str] = [RUNNING]  # what this run may have written: removed if it fails
    try:
        _write(url, RUNNING, [], None)
        groups = outcome.cluster_items("clusters") + outcome.cluster_items("templates")
        # shards of SHARD items whatever the engine's partitions: the layout, like the
        # report, does not depend on --partitions
        parts = _ranges(len(groups))
        items = [(k, groups[s:e]) for k, (s, e) in enumerate(parts)]
        written += [f"{kind}/part-{k:05d}" for kind in ("clusters", "links") for k in range(len(items))]
        nclusters = nlinks = 0
        for k, (c, n) in enumerate(engine.map(_cluster_shard, (outcome._prepared, outcome._facts, url, fmt), items)):
            nclusters, nlinks = nclusters + c, nlinks + n
            if progress:
                progress("write", k + 1, len(items))
        docs = [d.model_dump(mode="json") for d in outcome.documents()]
        doc_parts = _ranges(len(docs))
        written += [f"documents/part-{k:05d}" for k in range(len(doc_parts))]
        ndocs = sum(engine.map(_document_shard, (url, fmt), [(k, docs[s:e]) for k, (s, e) in enumerate(doc_parts)]))
        manifest = {
            "clusters": nclusters, "links": nlinks, "documents": ndocs,
            "format": fmt, "shards": {"clusters": len(items), "links": len(items), "documents": len(doc_parts)},
            "problems": [p.model_dump(mode="json") for p in outcome.problems], "config": outcome.config,
        }
        written.append(MANIFEST)
        _write(url, MANIFEST, [json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"], None)
        _remove(url, [RUNNING], fmt)
    except BaseException:  # a full disk, Ctrl-C: no partial output is left to refuse the next run
        _remove(url, written, fmt)  # RUNNING first: a shard a worker finishes later removes itself
        raise
    return manifest
