"""Line recurrence as a reduction: the tables folded over partitions are the same for
any partitioning, and the furniture judged from them is the in-process judgement's."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from textgen import article

from dedup.config import Config
from dedup.engines.base import Inline, chunks
from dedup.models import Document
from dedup.stages import prepare, recurrence
from dedup.stages.boilerplate import line_keys, line_spans, shape_furniture
from dedup.stages.recurrence import Recurrence, rest_signature
from dedup.storage.spill import Records, workdir
from dedup.storage.workspace import DocStore


class _Sized(Inline):
    """This process, partitions of a given size."""

    def __init__(self, size: int):
        self.size = size

    def partitions(self, n, size):
        return chunks(n, self.size)


def _corpus() -> list[Document]:
    """Templates per source, a disclaimer on unrelated documents of no source, copies of
    one story (recurring paragraphs that are not furniture), menus (furniture by shape)."""
    footer = "Read the full coverage of this and other stories at the Daily Example website every day."
    disclaimer = "The views expressed in this article are those of the author and do not reflect the editorial line."
    menu = "Home\nWorld\nBusiness\nSport"
    story = article(42, paragraphs=6)
    docs = []
    for k in range(40):
        text, source = article(k, 3), [None, "daily", "weekly"][k % 3]
        if source == "daily" and k % 4:
            text += "\n" + footer
        if source is None and k % 2:
            text = f"{menu}\n{text}\n{disclaimer}"
        if k % 5 == 0:
            text = f"Headline {k} of the story\n\n{story}"
        docs.append(Document(id=f"d{k:03d}", text=text, source=source))
    return docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    with workdir(str(tmp_path_factory.mktemp("ws"))) as tmp:
        docs = DocStore(tmp)
        docs.add_all(_corpus(), [])
        lines = Records(f"{tmp}/lines")
        for record in prepare._lines_range(docs, (0, len(docs)))[0]:
            lines.append(record)
        lines.flush()
        yield docs, lines
        lines.close()
        docs.close()


def _reference(docs: DocStore, cfg: Config):
    """The judgement in this process, one document at a time."""
    rec = Recurrence()
    texts = []
    for k in range(len(docs)):
        text = docs.text(k)
        spans = line_spans(text)
        shape, ntoks = shape_furniture(text, spans)
        keys = line_keys(text, spans)
        rec.add(keys, ntoks, shape, docs.sources[k])
        texts.append((text, spans, shape, keys))

    def rest(ids, recurring):
        return {d: rest_signature(*texts[d], recurring, cfg.shingle_size, cfg.seed) for d in ids}

    return rec, rec.furniture(rest, cfg.boilerplate_min_docs, cfg.boilerplate_share, cfg.boilerplate_similarity)


def test_folded_line_tables_are_the_same_for_any_partitioning(corpus, monkeypatch):
    docs, lines = corpus
    cfg = Config()
    monkeypatch.setattr(recurrence, "SAMPLE_DOCS", 5)  # the stories' lines have more carriers: cut
    rec, expected = _reference(docs, cfg)
    assert expected.anywhere and expected.by_source["daily"]  # the corpus has both kinds
    whole = rec.recurring(cfg.boilerplate_min_docs)
    carried = Counter()
    for k in range(len(docs)):
        carried.update(set(line_keys(docs.text(k), line_spans(docs.text(k))).tolist()))
    brute = sorted(k for k, c in carried.items() if c >= cfg.boilerplate_min_docs)
    assert whole.keys.tolist() == brute
    assert max(Counter(whole.carriers[0].tolist()).values()) == 5

    @settings(max_examples=30, deadline=None)
    @given(st.integers(1, 45))
    def check(size):
        engine = _Sized(size)
        read = engine.map_reduce(prepare._lines_range, docs, engine.partitions(len(docs), size), prepare._merge_lines)
        assert [r for part in read for r in part] == [lines.get(k) for k in range(len(docs))]
        (keys, counts), _ = read.value
        assert sorted(carried.items()) == list(zip(keys.tolist(), counts.tolist()))
        recurring = keys[counts >= cfg.boilerplate_min_docs]
        names = list(dict.fromkeys(s for s in docs.sources if s is not None))
        state = (docs, lines, {s: i for i, s in enumerate(names)}, recurring)
        part = engine.map_reduce(prepare._carriers_range, state, engine.partitions(len(docs), size),
                                 recurrence.merge_carriers)
        assert list(part) == [None] * len(engine.partitions(len(docs), size))
        (ck, cd), by_source = part.value
        assert np.array_equal(ck, whole.carriers[0]) and np.array_equal(cd, whole.carriers[1])
        for a, b in zip(by_source, whole.by_source):
            assert np.array_equal(a, b)
        assert prepare.line_furniture(docs, lines, recurring, cfg, engine=engine) == expected

    check()
