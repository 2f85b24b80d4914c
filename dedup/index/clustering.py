"""The authoritative clustering of an index: the batch pipeline over every stored
document (:meth:`dedup.index.index.Index.clusters`), its report cached in the file until
the next change, with the links and stories it implies; in memory instead where the file
cannot be written (read-only, damaged, its disk full): reading is no write for the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Document, Report
from ..pipeline import cluster as batch_cluster
from .errors import IndexDamagedError, IndexFullError, IndexReadOnlyError
from .results import Progress

if TYPE_CHECKING:
    from .index import Index


def stored_clusters(index: "Index", progress: Progress) -> Report:
    """:meth:`Index.clusters <dedup.index.index.Index.clusters>`."""
    store = index._store
    with store.read():
        generation = store.generation()
        cached = store.cached_report(generation)
        if cached is None and index._report and index._report[0] == generation:
            cached = index._report[1]
        docs = None if cached else [
            Document(id=r[0], text=r[1], title=r[2], date=r[3], source=r[4], url=r[5], author=r[6])
            for r in store.iter_docs()]
    if cached:
        report = Report.model_validate_json(cached)
    elif not docs:
        report = Report(clusters=[], documents=[], problems=[], config=index.config.as_dict())
    else:
        report = batch_cluster(docs, index.config, progress=progress, jobs=index._jobs)
        _remember(index, report, generation)
    members = [m.doc_id for c in report.clusters for m in c.members]
    with store.read():
        rowids = store.rowids_of(members)
        report._texts.update((r[1], r[2]) for r in store.docs_by_rowid(rowids.values()))
    return report


def _remember(index: "Index", report: Report, generation: int) -> None:
    """Cache the report and rebuild links and stories from it, unless the index changed.
    An index that cannot be written (read-only, damaged, its disk full) keeps it in memory
    instead: reading it is no write for the user."""
    store = index._store
    if store.readonly or store.damaged:
        index._report = (generation, report.model_dump_json())
        return
    try:
        index.verify()  # cheap next to the clustering: no cache is written into a damaged file
        _write_report(store, report, generation)
    except (IndexReadOnlyError, IndexDamagedError, IndexFullError):
        index._report = (generation, report.model_dump_json())


def _write_report(store, report: Report, generation: int) -> None:
    with store.write():
        if store.generation() != generation:
            return
        ids = [m.doc_id for c in report.clusters for m in c.members]
        rowid = store.rowids_of(ids)
        store.put_report(generation, report.model_dump_json())
        store.replace_links((rowid[l.source], rowid[l.target], l.kind) for c in report.clusters for l in c.links)
        store.reset_stories()
        for c in report.clusters:
            rows = [rowid[m.doc_id] for m in c.members]
            store.set_story(rows, min(rows))
