"""Links and stories of :class:`RedisStore` (a mixin).

``links`` holds ``"a:b" -> kind`` (a < b) and ``adj:R`` the rowids linked to R;
``story:S`` the rowids of story S, also kept in each ``doc:R`` hash. Story changes
are collected in the transaction and written once, as the difference from before.
"""

from __future__ import annotations

from collections.abc import Iterable

from .tx import chunks


class StoriesAndLinks:
    """Links and stories of :class:`RedisStore`, as SqliteStore's methods of those names."""

    def _neighbours(self, rowids: list[int]) -> dict[int, set[int]]:
        """Documents linked to each of ``rowids`` (this transaction's links included)."""
        tx = self._tx
        out: dict[int, set[int]] = {r: set() for r in rowids}
        if not (tx and tx.links_cleared):
            for part in chunks(rowids):
                pipe = self.r.pipeline(transaction=False)
                for r in part:
                    pipe.smembers(self._k(f"adj:{r}"))
                for r, got in zip(part, pipe.execute()):
                    out[r].update(int(x) for x in got)
        if tx:
            for r, others in out.items():
                others.difference_update(b for a, b in tx.links_gone if a == r)
                others.difference_update(a for a, b in tx.links_gone if b == r)
            for a, b in tx.links_new:
                if a in out:
                    out[a].add(b)
                if b in out:
                    out[b].add(a)
        return out

    def add_links(self, links: Iterable[tuple[int, int, str]]) -> None:
        tx = self._tx
        for a, b, kind in links:
            a, b = min(a, b), max(a, b)
            tx.links_new[(a, b)] = kind
            tx.links_gone.discard((a, b))
            tx.ops += [("HSET", self._k("links"), f"{a}:{b}", kind),
                       ("SADD", self._k(f"adj:{a}"), b), ("SADD", self._k(f"adj:{b}"), a)]

    def replace_links(self, links: Iterable[tuple[int, int, str]]) -> None:
        tx = self._tx
        linked = {int(x) for f in self.r.hkeys(self._k("links")) for x in f.split(b":")} | \
            {x for pair in tx.links_new for x in pair}
        tx.ops += [("DEL", self._k("links"))] + [("DEL", self._k(f"adj:{r}")) for r in sorted(linked)]
        tx.links_cleared, tx.links_new, tx.links_gone = True, {}, set()
        self.add_links(links)

    def links_among(self, rowids: list[int]) -> list[tuple[int, int]]:
        keep = set(rowids)
        return sorted({(min(a, b), max(a, b)) for a, others in self._neighbours(list(keep)).items()
                       for b in others if b in keep})

    def _members(self, story: int) -> set[int]:
        tx = self._tx
        if tx is None:
            return {int(x) for x in self.r.smembers(self._k(f"story:{story}"))}
        if story not in tx.members:  # rowids are never reused: a new document's story is new
            tx.members[story] = set() if story in tx.new_rows else \
                {int(x) for x in self.r.smembers(self._k(f"story:{story}"))}
        return {m for m in tx.members[story] if tx.story.get(m, story) == story} | \
            {m for m, s in tx.story.items() if s == story}

    def story_members(self, story: int) -> list[tuple]:
        """``(doc, id, f_date, f_credits, ntokens)`` of every member of a story."""
        return self._rows(self._members(story), ("id", "f_date", "f_credits", "ntokens"))

    def stories_of(self, rowids: Iterable[int]) -> dict[int, int]:
        return dict(self._rows(rowids, ("story",)))

    def set_story(self, rowids: Iterable[int], story: int) -> None:
        tx = self._tx
        rowids = list(rowids)
        was = self.stories_of(r for r in rowids if r not in tx.story)
        for r in rowids:
            tx.set_story(r, story, was.get(r))

    def merge_stories(self, stories: Iterable[int], into: int) -> None:
        for s in stories:
            if s != into:
                for m in self._members(s):
                    self._tx.set_story(m, into, s)

    def reset_stories(self) -> None:
        tx = self._tx
        rowids = {int(x) for x in self.r.hvals(self._k("ids"))} | set(tx.new_rows)
        for r, story in self.stories_of(r for r in rowids if r not in tx.story).items():
            tx.set_story(r, r, story)
        for r, story in list(tx.story.items()):
            if story is not None:
                tx.story[r] = r

    def _flush_stories(self) -> list[tuple]:
        ops = []
        for r, new in self._tx.story.items():
            old = self._tx.story_was[r]
            if new == old:
                continue
            if old is not None:
                ops.append(("SREM", self._k(f"story:{old}"), r))
            if new is not None:
                ops += [("SADD", self._k(f"story:{new}"), r), ("HSET", self._k(f"doc:{r}"), "story", new)]
        return ops

