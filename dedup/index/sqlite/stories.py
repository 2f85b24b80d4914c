"""The SQLite store's links and stories: which stored documents share text, and the
story (group of linked documents) each belongs to (a mixin of
:class:`dedup.index.sqlite.store.SqliteStore`, whose connection it uses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

MAX_VARS = 900  # parameters per statement (old SQLite builds allow 999)


def in_chunks(xs: list, n: int = MAX_VARS) -> Iterator[list]:
    for i in range(0, len(xs), n):
        yield xs[i : i + n]


def placeholders(n: int) -> str:
    return ",".join("?" * n)


class Stories:
    """Links and stories (``self.db``: the store's connection)."""

    def add_links(self, links: Iterable[tuple[int, int, str]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?)",
                            ((min(a, b), max(a, b), k) for a, b, k in links))

    def replace_links(self, links: Iterable[tuple[int, int, str]]) -> None:
        self.db.execute("DELETE FROM links")
        self.add_links(links)

    def links_among(self, rowids: list[int]) -> list[tuple[int, int]]:
        out = []
        for part in in_chunks(rowids):
            out.extend(self.db.execute(f"SELECT a, b FROM links WHERE a IN ({placeholders(len(part))})", part))
        keep = set(rowids)
        return [(a, b) for a, b in out if b in keep]

    def story_members(self, story: int) -> list[tuple]:
        """``(doc, id, f_date, f_credits, ntokens)`` of every member of a story."""
        return self.db.execute("SELECT doc, id, f_date, f_credits, ntokens FROM docs WHERE story = ?", (story,)).fetchall()

    def stories_of(self, rowids: Iterable[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for part in in_chunks(sorted(set(rowids))):
            out.update(self.db.execute(f"SELECT doc, story FROM docs WHERE doc IN ({placeholders(len(part))})", part))
        return out

    def set_story(self, rowids: Iterable[int], story: int) -> None:
        self.db.executemany("UPDATE docs SET story = ? WHERE doc = ?", ((story, r) for r in rowids))

    def merge_stories(self, stories: Iterable[int], into: int) -> None:
        self.db.executemany("UPDATE docs SET story = ? WHERE story = ?", ((into, s) for s in stories if s != into))

    def reset_stories(self) -> None:
        self.db.execute("UPDATE docs SET story = doc")

    def rowids_of(self, ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in in_chunks(ids):
            out.update(self.db.execute(f"SELECT id, doc FROM docs WHERE id IN ({placeholders(len(part))})", part))
        return out
