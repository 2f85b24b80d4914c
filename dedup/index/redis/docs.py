"""The Redis store's documents: one hash per document, the id -> rowid hash, content
hashes of exact copies; reads see the open transaction's own inserts and deletions (a
mixin of :class:`dedup.index.redis.store.RedisStore`, whose connection, key prefix and
transaction it uses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .tx import chunks

DOC_FIELDS = ("id", "text", "title", "date", "source", "url", "f_date", "f_credits", "ntokens", "paras", "story",
              "author", "prepared")  # author, prepared: added later; a document stored before has none (read as None)
_INSERTED = DOC_FIELDS[:10] + ("author", "prepared")  # the row insert_doc is given (the story is set here)
_DECODE = {"ntokens": int, "paras": bytes, "story": int, "prepared": bytes}  # other columns are text


class Documents:
    """Stored documents (``self.r``: the connection; ``self._tx``: the open write)."""

    def count(self) -> int:
        tx = self._tx
        return tx.ndocs + tx.docs if tx else self.r.hlen(self._k("ids"))

    def doc_by_id(self, doc_id: str):
        rowid = self.rowids_of([doc_id]).get(doc_id)
        rows = self._rows([rowid]) if rowid is not None else []
        return rows[0] if rows else None

    def existing_ids(self, ids: list[str]) -> set[str]:
        return set(self.rowids_of(ids))

    def rowids_of(self, ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in chunks(ids):
            out.update((i, int(v)) for i, v in zip(part, self.r.hmget(self._k("ids"), part)) if v is not None)
        tx = self._tx
        if tx:
            out.update((i, tx.new_ids[i]) for i in ids if i in tx.new_ids)
            for i in tx.gone_ids.intersection(out):
                del out[i]
        return out

    def docs_by_rowid(self, rowids: Iterable[int]) -> list:
        return self._rows(rowids)

    def _rows(self, rowids: Iterable[int], fields=DOC_FIELDS) -> list[tuple]:
        """Rows ``(doc, *fields)`` of the documents that exist, by rowid (this
        transaction's inserts, deletions and story changes included)."""
        tx, rows, fetch = self._tx, [], []
        for r in sorted(set(rowids)):
            if tx and r in tx.gone:
                continue
            if tx and r in tx.new_rows:
                rows.append((r, *(tx.new_rows[r][f] for f in fields)))
            else:
                fetch.append(r)
        for part in chunks(fetch):
            pipe = self.r.pipeline(transaction=False)
            for r in part:
                pipe.hmget(self._k(f"doc:{r}"), fields)
            for r, vals in zip(part, pipe.execute()):
                if vals[0] is not None:
                    rows.append((r, *(_DECODE.get(f, bytes.decode)(v) if v is not None else None
                                      for f, v in zip(fields, vals))))
        rows.sort(key=lambda row: row[0])
        if tx and tx.story and "story" in fields:
            k = fields.index("story") + 1
            rows = [row[:k] + (tx.story.get(row[0], row[k]),) + row[k + 1:] for row in rows]
        return rows

    def set_analysis(self, rowid: int, blob: bytes) -> None:
        """Keep a stored document's analysis (:func:`dedup.index.analysis.pack_many`; an upgrade)."""
        tx = self._tx
        tx.ops.append(("HSET", self._k(f"doc:{rowid}"), "prepared", blob))
        if rowid in tx.new_rows:
            tx.new_rows[rowid]["prepared"] = blob

    def rowids(self) -> list[int]:
        """Every stored document's rowid, in the order they were added (this
        transaction's inserts and deletions included)."""
        with self._errors():
            found = {int(v) for v in self.r.hvals(self._k("ids"))}
        tx = self._tx
        if tx:
            found = (found | set(tx.new_rows)) - tx.gone
        return sorted(found)

    def iter_docs(self) -> Iterator[tuple]:
        with self._errors():
            ids = {k.decode(): int(v) for k, v in self.r.hgetall(self._k("ids")).items()}
        for part in chunks(sorted(ids)):
            with self._errors():
                rows = {row[1]: row[1:] for row in self._rows([ids[i] for i in part], DOC_FIELDS[:6] + ("author",))}
            yield from (rows[i] for i in part if i in rows)

    def insert_doc(self, row: tuple) -> int:
        """Insert one document (columns after ``doc``; its story is its own rowid)."""
        tx = self._tx
        tx.next += 1
        rowid = tx.next
        fields = [x for k, v in zip(_INSERTED, row) if v is not None for x in (k, v)]
        tx.ops.append(("HSET", self._k(f"doc:{rowid}"), *fields))
        tx.ops.append(("HSET", self._k("ids"), row[0], rowid))
        tx.new_rows[rowid] = {**dict(zip(_INSERTED, row)), "story": rowid}
        tx.new_ids[row[0]] = rowid
        tx.docs += 1
        tx.set_story(rowid, rowid, None)
        return rowid

    def docs_with_hash(self, content: int) -> list[int]:
        """Rowids of the stored documents whose content hash is ``content``."""
        found = {int(v) for v in self.r.smembers(self._k(f"x:{content}"))}
        tx = self._tx
        if tx:
            found = (found | tx.hashes_new.get(content, set())) - tx.gone
        return sorted(found)

    def add_hash(self, content: int, rowid: int) -> None:
        self._tx.ops.append(("SADD", self._k(f"x:{content}"), rowid))
        self._tx.hashes_new.setdefault(content, set()).add(rowid)

    def delete_hash(self, content: int, rowid: int) -> None:
        self._tx.ops.append(("SREM", self._k(f"x:{content}"), rowid))

    def delete_doc(self, rowid: int) -> None:
        tx = self._tx
        doc_id, story = (v.decode() for v in self.r.hmget(self._k(f"doc:{rowid}"), "id", "story"))
        tx.ops += [("DEL", self._k(f"doc:{rowid}")), ("HDEL", self._k("ids"), doc_id)]
        tx.gone.add(rowid)
        tx.gone_ids.add(doc_id)
        tx.docs -= 1
        tx.set_story(rowid, None, int(story))
        for other in self._neighbours([rowid])[rowid]:
            pair = (min(rowid, other), max(rowid, other))
            tx.links_new.pop(pair, None)
            tx.links_gone.add(pair)
            tx.ops += [("SREM", self._k(f"adj:{other}"), rowid), ("HDEL", self._k("links"), "%d:%d" % pair)]
        tx.ops.append(("DEL", self._k(f"adj:{rowid}")))
