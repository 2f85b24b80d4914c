"""Assemble the labelled corpus: stories (origin + copies), partial reuse, hard negatives, background.

Output is streamed: documents pass through a bounded shuffle buffer (so cluster
members are not adjacent in the file) and pair truth is spooled to a side file that
is appended to ``truth.jsonl`` at the end.  Memory is bounded by the buffer plus the
last few open stories, not by the corpus size.
"""
from __future__ import annotations

import json
import random
import shutil
from collections import deque
from datetime import datetime, timezone
from pathlib import Path

from .furniture import make_outlets, section
from .longhosts import EVERY as LONG_HOST_EVERY, make_long_host
from .pool import Pool
from .render import Doc, render, shared_spans
from .sources import Article, load_articles
from .story import Story, make_copy, make_origin, make_partial, plain_content
from .transforms import STRENGTHS, formula_sentence

# Target shares of documents by role (origin and copies count as "syndicated").
SHARES = {"background": 0.45, "syndicated": 0.40, "partial": 0.05, "negative": 0.10}
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
OPEN_STORIES = 32  # stories kept open for partials/negatives before their pairs are written
SHUFFLE = 4096


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def copies_count(rng: random.Random, cap: int) -> int:
    """Number of copies: P(k) ~ k^-2 on 1..50, so most clusters are small and a few reach 20-50."""
    weights = [k ** -2.0 for k in range(1, 51)]
    return min(cap, rng.choices(range(1, 51), weights)[0])


class Builder:
    def __init__(self, articles: list[Article], size: int, seed: int, strength: str, out: Path,
                 phenomena: frozenset[str] = frozenset()):
        self.phenomena, self.seed = phenomena, seed
        master = random.Random(seed)
        self.rng = random.Random(master.getrandbits(64))
        self.shuffle_rng = random.Random(master.getrandbits(64))
        self.id_rng = random.Random(master.getrandbits(64))
        self.size, self.strength, self.out = size, STRENGTHS[strength], out
        self.pool = Pool(articles, random.Random(master.getrandbits(64)))
        # Related-news titles come from articles withheld from the pool so they never clash.
        titles = [self.pool.take(self.rng).title for _ in range(60)]
        self.outlets, self.wires = make_outlets(random.Random(master.getrandbits(64)), titles)
        if "inline-furniture" in phenomena:
            from .inline import equip
            equip(self.outlets, random.Random(master.getrandbits(64)))
        self.t0 = _EPOCH.timestamp()
        self.span_s = max(60, size // 150) * 86400  # timeline length grows with the corpus
        self.open: deque[Story] = deque()
        self.buffer: list[Doc] = []
        self.counts = {k: 0 for k in SHARES}
        self.produced = 0
        self.n_stories = 0

    # -- ids, output -------------------------------------------------------------
    def new_id(self) -> str:
        return f"{self.id_rng.getrandbits(64):016x}"

    def emit(self, doc: Doc) -> None:
        self.produced += 1
        self.buffer.append(doc)
        if len(self.buffer) > SHUFFLE:
            self._flush_one()

    def _flush_one(self) -> None:
        i = self.shuffle_rng.randrange(len(self.buffer))
        self.buffer[i], self.buffer[-1] = self.buffer[-1], self.buffer[i]
        d = self.buffer.pop()
        self.fc.write(json.dumps(d.record(), ensure_ascii=False) + "\n")
        self.ft.write(json.dumps(d.truth(), ensure_ascii=False) + "\n")

    def close_story(self, st: Story) -> None:
        docs = st.docs
        for i in range(len(docs)):
            for j in range(i + 1, len(docs)):
                sp = shared_spans(docs[i], docs[j])
                if sp:
                    self.fp.write(json.dumps({"type": "pair", "a": docs[i].id, "b": docs[j].id,
                                              "a_spans": sp[0], "b_spans": sp[1]}) + "\n")
        for d in docs:  # free text held only for pair computation
            d.content = None

    # -- document kinds ----------------------------------------------------------
    def background(self) -> None:
        art = self.pool.take(self.rng)
        d = self.single(art, "background", self.t0 + self.rng.random() * self.span_s, [])
        self.emit(d)
        self.counts["background"] += 1

    def single(self, art: Article, role: str, t: float, ops: list[str],
               extra: tuple[str, int] | None = None) -> Doc:
        """A stand-alone document (background or negative), optionally carrying one extra sentence."""
        rng = self.rng
        wire = rng.random() < 0.15
        outlet = self.wires[rng.choice(list(self.wires))] if wire else rng.choice(self.outlets)
        did = self.new_id()
        ops = ops + (["remix"] if art.aid.startswith("remix/") else [])
        d = Doc(did, art.title, iso(t), outlet.name, role, f"{role[0]}-{did}", ops, when=t)
        content = plain_content(art)
        if extra:
            text, where = extra
            p = content[where % len(content)]
            p.insert(rng.randint(0, len(p)), (text, None))
        render(d, outlet, content, rng, section=section(art.topic),
               shown_date=f"{datetime.fromtimestamp(t, timezone.utc):%d %B %Y %H:%M}", title_key=None)
        return d

    def story(self, remaining: int) -> None:
        rng, s = self.rng, self.strength
        k = copies_count(rng, min(remaining - 1, max(1, self.size // 8)))
        art = self.pool.take(rng)
        self.n_stories += 1
        t0 = self.t0 + rng.random() * self.span_s
        st = make_origin(self, art, f"s{self.n_stories:06d}", t0)
        self.emit(st.docs[0])
        for _ in range(k):
            self.emit(make_copy(self, st, s))
        self.counts["syndicated"] += 1 + k
        self.open.append(st)
        if len(self.open) > OPEN_STORIES:
            self.close_story(self.open.popleft())

    def partial(self) -> None:
        st = self.rng.choice(self.open)
        # The new article is on the same subject, as when a site writes its own piece around wire paragraphs.
        art = self.pool.take(self.rng, topic=st.article.topic)
        self.emit(make_partial(self, st, art, self.strength))
        self.counts["partial"] += 1

    def negatives(self, remaining: int) -> None:
        rng = self.rng
        st = rng.choice(self.open)
        if remaining >= 2 and rng.random() < 0.5:
            # Two unrelated stories carry the same formula sentence or quotation.
            if rng.random() < 0.5:
                shared = formula_sentence(rng)
            else:
                donor = self.pool.take(rng).sentences
                qs = [x for x in donor if 15 <= len(x.split()) <= 25] or donor
                q = rng.choice(qs).rstrip(".")
                shared = f"\"{q},\" {rng.choice(['a spokesman', 'one analyst', 'the minister', 'an official'])} said."
            tag = f"shared_sentence:q{self.produced}"
            for _ in range(2):
                art = self.pool.take(rng, topic=st.article.topic)
                t = st.when + rng.uniform(-2, 2) * 86400
                self.emit(self.single(art, "negative", max(t, self.t0), [tag], (shared, rng.randint(0, 9))))
            self.counts["negative"] += 2
            return
        art = self.pool.take(rng, topic=st.article.topic)
        same = art.topic == st.article.topic
        t = max(self.t0, st.when + rng.uniform(-1.5, 1.5) * 86400)
        op = f"{'same_topic' if same else 'near_date'}:{st.sid}"
        self.emit(self.single(art, "negative", t, [op]))
        self.counts["negative"] += 1

    # -- main loop ---------------------------------------------------------------
    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        pair_tmp = self.out / "pairs.tmp"
        with open(self.out / "corpus.jsonl", "w", encoding="utf-8") as self.fc, \
                open(self.out / "truth.jsonl", "w", encoding="utf-8") as self.ft, \
                open(pair_tmp, "w", encoding="utf-8") as self.fp:
            extra = {}
            if "templates" in self.phenomena:  # opt-in: the default corpus stays as it was
                from .templates import SHARE, template_series

                extra["template"] = template_series(self, random.Random(f"templates:{self.seed}"),
                                                    round(SHARE * self.size))
            while self.produced < self.size:
                remaining = self.size - self.produced
                if "long-hosts" in self.phenomena and self.open and self.produced % LONG_HOST_EVERY == LONG_HOST_EVERY // 2:
                    self.emit(make_long_host(self))
                    self.counts["long_hosts"] = self.counts.get("long_hosts", 0) + 1
                    continue
                n = self.produced + 1
                deficit = {c: SHARES[c] * n - self.counts[c] for c in SHARES}  # long hosts: outside the shares
                kind = max(deficit, key=deficit.get)
                if kind in ("partial", "negative") and not self.open:
                    kind = "syndicated"
                if kind == "syndicated" and remaining < 2:
                    kind = "background"
                {"background": self.background, "partial": self.partial,
                 "syndicated": lambda: self.story(remaining),
                 "negative": lambda: self.negatives(remaining)}[kind]()
            while self.open:
                self.close_story(self.open.popleft())
            while self.buffer:
                self._flush_one()
        with open(self.out / "truth.jsonl", "a", encoding="utf-8") as ft, open(pair_tmp, encoding="utf-8") as fp:
            shutil.copyfileobj(fp, ft)
        pair_tmp.unlink()
        return dict(self.counts, **extra, stories=self.n_stories, remixed=self.pool.remixed)


PHENOMENA = ("inline-furniture", "templates", "long-hosts")  # opt-in additions to the corpus (``--phenomena``)


def build(data: str | Path, out: str | Path, size: int, seed: int, strength: str = "default",
          phenomena: tuple[str, ...] = ()) -> dict:
    """Generate ``out/corpus.jsonl`` and ``out/truth.jsonl``; returns composition counts.
    ``phenomena``: opt-in additions (:data:`PHENOMENA`); none gives the default corpus."""
    if strength not in STRENGTHS:
        raise ValueError(f"strength must be one of {sorted(STRENGTHS)}")
    unknown = set(phenomena) - set(PHENOMENA)
    if unknown:
        raise ValueError(f"unknown phenomena {sorted(unknown)}; expected some of {list(PHENOMENA)}")
    return Builder(load_articles(data), size, seed, strength, Path(out), frozenset(phenomena)).run()
