"""Furniture inside paragraphs (dedup.stages.inline): passages judged by how they recur."""

import random
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.stages.inline import NGRAM, cut, ngrams, passages
from dedup.stages.normalize import tokenize
from dedup.stages.segment import prepare

COMMON = "the of to and in on for with at by from that as was is a it said".split()


def _vocab(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    syl = ["ka", "lo", "mi", "ren", "tas", "vo", "sul", "bra", "den", "qui", "zor", "pel", "ath", "ung"]
    return sorted({"".join(rng.choice(syl) for _ in range(rng.randint(2, 4))) for _ in range(n)})


NAMES = _vocab(7, 20000)  # words that mark one story (names, places, figures)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(COMMON) if rng.random() < 0.4 else rng.choice(NAMES) for _ in range(rng.randint(12, 22))]
    return " ".join(words).capitalize() + "."


def _story(rng: random.Random, paragraphs: int = 6) -> list[list[str]]:
    return [[_sentence(rng) for _ in range(rng.randint(2, 4))] for _ in range(paragraphs)]


def _text(paras: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paras)


def _with_blurb(paras: list[list[str]], blurb: str, where: int) -> str:
    """The blurb between two sentences of a paragraph (or run into its last one)."""
    paras = [list(p) for p in paras]
    p = paras[where % len(paras)]
    p.insert(1 + where % len(p), blurb)
    return _text(paras)


def _blurb(rng: random.Random) -> str:
    words = [rng.choice(COMMON + NAMES[:300]) for _ in range(rng.randint(32, 44))]
    return "Sign up: " + " ".join(words) + "."


def _cluster_of(report):
    return {m.doc_id: c.id for c in report.clusters for m in c.members}


def _ws(s: str) -> str:
    return " ".join(s.split())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), carriers=st.integers(8, 14), at_a=st.integers(0, 40), at_b=st.integers(0, 40))
def test_a_recurring_blurb_inside_paragraphs_neither_breaks_nor_makes_links(seed, carriers, at_a, at_b):
    rng = random.Random(seed)
    blurb = _blurb(rng)
    story = _story(rng)
    docs = [{"id": "copy-a", "text": _with_blurb(story, blurb, at_a)},
            {"id": "copy-b", "text": _with_blurb(story, blurb, at_b)}]
    docs += [{"id": f"other-{k}", "text": _with_blurb(_story(rng), blurb, rng.randint(0, 40))} for k in range(carriers)]
    report = dedup.cluster(docs, jobs=1)
    where = _cluster_of(report)
    assert where.get("copy-a") is not None and where.get("copy-a") == where.get("copy-b")
    # The blurb links nothing: no unrelated document joins the copies or another carrier.
    linked = [d for d in where if d.startswith("other-")]
    assert linked == []
    texts = {d["id"]: d["text"] for d in docs}
    for c in report.clusters:
        for link in c.links:
            for p in link.passages:
                a = texts[link.source][p.source_start : p.source_end]
                b = texts[link.target][p.target_start : p.target_end]
                # Offsets refer to the original texts: the slices are the same story text
                # once the blurb (which the alignment skipped) is taken out.
                assert _ws(a.replace(blurb, "")) == _ws(b.replace(blurb, ""))
    info = {d.doc_id: d for d in report.documents}
    for d in docs:
        assert info[d["id"]].content_chars <= len(d["text"]) - len(blurb)


def test_a_syndicated_paragraph_in_many_copies_of_one_story_stays_content():
    rng = random.Random(3)
    story = _story(rng, 7)
    docs = []
    for k in range(40):
        paras = [[_sentence(rng)]] + [list(p) for p in story]  # each copy its own lede
        if k % 3 == 0:  # some copies edited: a sentence dropped
            del paras[1 + k % 6][0:1]
        docs.append({"id": f"copy-{k:02d}", "text": _text(paras)})
    docs += [{"id": f"other-{k}", "text": _text(_story(rng))} for k in range(20)]
    report = dedup.cluster(docs, jobs=1)
    where = _cluster_of(report)
    assert len({where.get(f"copy-{k:02d}") for k in range(40)}) == 1
    info = {d.doc_id: d for d in report.documents}
    for d in docs:
        # Nothing is furniture here: every paragraph's characters count as content.
        assert info[d["id"]].content_chars == sum(len(p) for p in d["text"].split("\n\n")), d["id"]


def test_passages_are_cut_where_the_surrounding_text_differs():
    rng = random.Random(5)
    blurb = [rng.getrandbits(64) for _ in range(12)]
    docs = [[rng.getrandbits(64) for _ in range(20)] + blurb + [rng.getrandbits(64) for _ in range(15)] for _ in range(4)]
    grams = [ngrams(np.array(d, np.uint64)) for d in docs]
    values, counts = np.unique(np.concatenate([np.unique(g) for g in grams]), return_counts=True)
    recurring = values[counts >= 3]
    for d in docs:
        assert passages(np.array(d, np.uint64), recurring, 1) == [(20, 32)]
    # Sampled anchors (a huge corpus): the same cut in every copy, within the blurb.
    for mod in (2, 3):
        found = {tuple(passages(np.array(d, np.uint64), recurring, mod)) for d in docs}
        assert len(found) == 1
        for s, e in next(iter(found)):
            assert 20 <= s and e <= 32


def test_cut_keeps_offsets_into_the_original_text():
    text = "First part of the paragraph. SHARE Facebook Twitter Email. Last part here.\n\nNext paragraph."
    p = prepare(0, text, [(0, text.index("\n")), (text.index("Next"), len(text))], 40)
    starts, _, _ = tokenize(text, 0, len(text))
    first = int(np.searchsorted(starts, text.index("SHARE")))
    last = int(np.searchsorted(starts, text.index("Last")))
    paras = cut(p.paragraphs, p, [(first, last)], text)
    assert [text[s:e] for s, e in paras] == ["First part of the paragraph.", "Last part here.", "Next paragraph."]
    assert NGRAM >= 6
    assert re.fullmatch(r"\S.*\S", text[paras[0][0] : paras[0][1]])


def test_a_quotation_shared_by_independent_reports_of_one_event_stays_content():
    rng = random.Random(11)
    event = rng.sample(NAMES, 40)  # the event's names, places and figures
    quote = '"' + " ".join(rng.choice(COMMON + NAMES[:200]) for _ in range(24)) + '," the minister said.'

    def report() -> list[list[str]]:
        def s():
            words = [rng.choice(event) if rng.random() < 0.5 else rng.choice(COMMON) for _ in range(rng.randint(12, 20))]
            return " ".join(words).capitalize() + "."
        return [[s() for _ in range(3)] for _ in range(5)]

    reports = [{"id": f"report-{k}", "text": _with_blurb(report(), quote, rng.randint(0, 20))} for k in range(9)]
    others = [{"id": f"other-{k}", "text": _text(_story(rng))} for k in range(20)]
    report_ = dedup.cluster(reports + others, jobs=1)
    info = {d.doc_id: d for d in report_.documents}
    for d in reports:
        assert info[d["id"]].content_chars == sum(len(p) for p in d["text"].split("\n\n")), d["id"]


def test_sampled_anchors_still_cut_the_blurb(monkeypatch):
    """Past the n-gram budget (huge corpora) only anchors are counted: same judgement."""
    import dedup.stages.inline

    monkeypatch.setattr(dedup.stages.inline, "BUDGET", 2000)  # this corpus: ~3 anchors per 8 n-grams
    rng = random.Random(21)
    blurb = _blurb(rng)
    story = _story(rng)
    docs = [{"id": "copy-a", "text": _with_blurb(story, blurb, 3)}, {"id": "copy-b", "text": _with_blurb(story, blurb, 7)}]
    docs += [{"id": f"other-{k}", "text": _with_blurb(_story(rng), blurb, rng.randint(0, 40))} for k in range(12)]
    assert dedup.stages.inline.modulus(sum(len(d["text"].split()) for d in docs)) > 1
    report = dedup.cluster(docs, jobs=1)
    where = _cluster_of(report)
    assert where.get("copy-a") is not None and where.get("copy-a") == where.get("copy-b")
    assert not [d for d in where if d.startswith("other-")]


def test_recurring_passages_are_judged_alike_for_any_partitioning():
    """Passage recurrence is counted as a reduction over partitions of documents: the
    report is the same whatever the partitions, and the blurb is still cut."""
    from dedup.engines.base import Inline, chunks
    from dedup.pipeline import run
    from dedup.stages.report import render

    class Sized(Inline):
        def __init__(self, size: int):
            self.size = size

        def partitions(self, n, size):
            return chunks(n, self.size)

    rng = random.Random(7)
    blurb = _blurb(rng)
    story = _story(rng)
    docs = [{"id": f"copy-{k}", "text": _with_blurb(story, blurb, 3 * k)} for k in range(3)]
    docs += [{"id": f"other-{k:02d}", "text": _with_blurb(_story(rng), blurb, rng.randint(0, 40))} for k in range(12)]
    reports = []
    for size in (1, 2, 5, 64):
        with run(docs, engine=Sized(size)) as outcome:
            reports.append("".join(render(outcome, "json")))
    assert all(r == reports[0] for r in reports[1:])
    info = {d.doc_id: d for d in dedup.cluster(docs, jobs=1).documents}
    assert all(info[d["id"]].content_chars <= len(d["text"]) - len(blurb) for d in docs)  # cut everywhere
