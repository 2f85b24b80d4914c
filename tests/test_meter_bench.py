"""The METER scorer (benchmarks/meter.py) on a hand-made report whose answers are known."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/ is not part of the installed package

from benchmarks.meter import auc, best_thresholds, cross_validated_f1, evaluate, macro_f1  # noqa: E402

RECORDS = [
    {"id": "w1", "text": "Wire story one about a court case today."},
    {"id": "w2", "text": "Wire story two about a film star."},
    {"id": "p1", "text": "A paper copies wire one: court case today."},
    {"id": "p2", "text": "Another paper rewrote the film star story."},
    {"id": "n1", "text": "An independent report of the court case."},
]
LABELS = {
    "w1": {"kind": "wire", "story": "s1", "story_day": "d1"},
    "w2": {"kind": "wire", "story": "s2", "story_day": "d2"},
    "p1": {"kind": "wholly", "story": "s1", "story_day": "d1"},
    "p2": {"kind": "partially", "story": "s2", "story_day": "d2"},
    "n1": {"kind": "non", "story": "s1", "story_day": "d1"},
}


def _report(clusters):
    return {"clusters": clusters, "documents": []}


def _cluster(cid, members, links, origin):
    return {"id": cid, "origin": origin, "members": [{"doc_id": m} for m in members], "links": links}


def test_perfect_report_scores_one():
    passages = {"p1": [{"start": 0, "end": 42, "type": "Verbatim"}]}
    link1 = {"source": "w1", "target": "p1",
             "passages": [{"source_start": 0, "source_end": 40, "target_start": 0, "target_end": 42}]}
    link2 = {"source": "w2", "target": "p2",
             "passages": [{"source_start": 0, "source_end": 10, "target_start": 0, "target_end": 10}]}
    rep = _report([_cluster("c1", ["w1", "p1"], [link1], "w1"), _cluster("c2", ["w2", "p2"], [link2], "w2")])
    m = evaluate(rep, RECORDS, LABELS, passages)
    assert m["story_ari"] == pytest.approx(1.0)
    assert m["derived_recall"] == 1.0 and m["nonderived_specificity"] == 1.0
    assert m["char_precision"] == m["char_recall"] == 1.0
    assert m["origin_is_wire"] == 1.0


def test_linked_independent_report_and_missed_copy_are_counted():
    passages = {"p1": [{"start": 0, "end": 20, "type": "Verbatim"}, {"start": 20, "end": 42, "type": "New"}]}
    # n1 (non-derived) wrongly linked to w1, and only the first half of p1's reuse is found.
    links = [{"source": "w1", "target": "n1",
              "passages": [{"source_start": 0, "source_end": 5, "target_start": 0, "target_end": 5}]},
             {"source": "w1", "target": "p1",
              "passages": [{"source_start": 0, "source_end": 5, "target_start": 0, "target_end": 10}]}]
    rep = _report([_cluster("c1", ["w1", "n1", "p1"], links, "n1")])
    m = evaluate(rep, RECORDS, LABELS, passages)
    assert m["derived_recall"] == 0.5  # p2 missed
    assert m["nonderived_specificity"] == 0.0
    assert m["char_precision"] == 1.0 and 0 < m["char_recall"] < 1
    assert m["origin_is_wire"] == 0.0


def test_auc_and_thresholds():
    assert auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auc([0.5], [0.5]) == 0.5
    gold = ["non", "non", "partially", "wholly"]
    lo, hi, f = best_thresholds([0.0, 0.1, 0.4, 0.9], gold)
    assert f == 1.0 and 0.1 < lo <= 0.4 < hi <= 0.9
    assert macro_f1(gold, ["non"] * 4) == pytest.approx((2 * 2 / (2 * 2 + 2)) / 3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]),
                          st.sampled_from(["non", "partially", "wholly"])), min_size=1, max_size=30))
def test_thresholds_are_the_best_pair_a_loop_finds(items):
    """The pairs of cuts scored at once give the loop's answer: its best macro-F1, at the
    first pair reaching it."""
    from itertools import combinations

    scores, gold = [s for s, _ in items], [g for _, g in items]
    best = (-1.0, 0.0, 0.0)
    for lo, hi in combinations(sorted(set(scores)) + [float("inf")], 2):
        f = macro_f1(gold, ["non" if s < lo else "partially" if s < hi else "wholly" for s in scores])
        if f > best[0]:
            best = (f, lo, hi)
    assert best_thresholds(scores, gold) == (best[1], best[2], best[0])


def test_cross_validated_f1_chooses_thresholds_on_other_stories():
    """A score that separates the classes the same way in every story scores 1.0 on the
    other half; one whose cuts differ between stories scores less than in-sample."""
    papers = [f"p{i}" for i in range(24)]
    kind = {p: ("non", "partially", "wholly")[i % 3] for i, p in enumerate(papers)}
    story = {p: f"s{i // 3}" for i, p in enumerate(papers)}
    same = {p: (0.0, 0.5, 1.0)[i % 3] for i, p in enumerate(papers)}
    cv = cross_validated_f1(same, papers, kind, story, splits=5)
    assert cv == {"mean": 1.0, "p10": 1.0, "p90": 1.0}
    # stories s0-s3 put the classes at 0/0.5/1, s4-s7 at 0.4/0.6/0.9: no pair of cuts fits both
    shifted = {p: ((0.0, 0.5, 1.0) if i < 12 else (0.4, 0.6, 0.9))[i % 3] for i, p in enumerate(papers)}
    cv = cross_validated_f1(shifted, papers, kind, story, splits=20)
    assert cv["p10"] <= cv["p90"] and cv["mean"] < 1.0
    assert best_thresholds([shifted[p] for p in papers], [kind[p] for p in papers])[2] == 1.0  # in sample, it fits


def test_ceiling_features_on_a_tiny_story_set():
    from benchmarks.meter_ceiling import features, measure

    w1 = "The jury at Leeds Crown Court heard that the defendant had stolen three cars in one night."
    w2 = "A film star arrived in London for the premiere of her new film on Monday evening."
    copy = "the defendant had stolen three cars in one night"  # a verbatim sub-passage of w1
    other = "Police officers praised neighbours who called quickly."
    quote = 'The star said "her new film on Monday" made reporters wait.'
    f = features(copy, [w1, w2])
    assert all(f[f"containment {n}"] == 1.0 for n in range(1, 6))
    assert f["unquoted containment 2"] == f["unquoted containment 3"] == 1.0
    assert f["shared 3-grams"] == 7 and f["shared 5-grams"] == 5
    assert all(v == 0.0 for v in features(other, [w1, w2]).values())
    assert all(v == 0.0 for v in features(copy, []).values())  # a story without wire text
    # Only the quoted words are shared: they count for containment, not for the unquoted kind.
    q = features(quote, [w1, w2])
    assert q["containment 1"] == 7 / 11 and q["containment 2"] == 4 / 10
    assert q["unquoted containment 2"] == 0.0
    assert f["tiled share 3"] == 1.0 and q["tiled share 3"] == 5 / 11  # "her new film on monday"

    records = [{"id": i, "text": t} for i, t in
               (("w1", w1), ("w2", w2), ("p1", copy), ("p2", quote), ("n1", other), ("n2", copy))]
    labels = {"w1": {"kind": "wire", "story": "s1"}, "w2": {"kind": "wire", "story": "s2"},
              "p1": {"kind": "wholly", "story": "s1"}, "p2": {"kind": "partially", "story": "s2"},
              "n1": {"kind": "non", "story": "s1"}, "n2": {"kind": "non", "story": "s3"}}
    m = measure(records, labels)
    assert (m["derived"], m["non"]) == (2, 2)
    assert m["no_wire_in_story"] == {"wholly": 0, "partially": 0, "non": 1}
    c1 = m["features"]["containment 1"]
    assert c1["auc"] == 1.0 and c1["spec0.80"]["recall"] == 1.0
    assert 0.0 <= c1["macro_f1_3class"] <= 1.0 and len(c1["macro_f1_thresholds"]) == 2


def test_two_features_mixed_separate_what_neither_does_alone():
    """x tells non-derived texts (0) from derived ones (1), y wholly (1) from the rest (0):
    neither alone orders the three classes, their sum does; chosen on other stories too."""
    from benchmarks.meter_ceiling import mixed

    papers = [f"p{i}" for i in range(24)]
    kinds = ("non", "partially", "wholly")
    kind = {p: kinds[i % 3] for i, p in enumerate(papers)}
    story = {p: f"s{i // 3}" for i, p in enumerate(papers)}
    x = {"non": 0.0, "partially": 1.0, "wholly": 1.0}
    y = {"non": 0.0, "partially": 0.0, "wholly": 1.0}
    noise = {p: 0.01 * (i % 5) for i, p in enumerate(papers)}  # ties broken, the order kept
    scores = {p: [x[kind[p]] + noise[p], y[kind[p]] + noise[p], 0.5] for p in papers}
    m = mixed(scores, papers, kind, story, splits=4)
    assert m["macro_f1_3class"] == 1.0 and 0.0 < m["weight"] < 1.0  # a mix, not one feature
    for k in (0, 1):  # each alone merges two classes, even with its cuts fitted here
        alone = best_thresholds([scores[p][k] for p in papers], [kind[p] for p in papers])[2]
        assert alone < 0.8 < m["macro_f1_3class_cv"]


def test_tiled_share_follows_reordered_sentences_and_uses_each_word_once():
    from benchmarks.meter_ceiling import tiled_share

    wire = "a b c d e f g h".split()
    assert tiled_share("e f g h a b c d".split(), wire) == 1.0  # two tiles, in the other order
    assert tiled_share("a b c a b c".split(), wire) == 0.5  # the wire's "a b c" is used once
    assert tiled_share("a b x c d".split(), wire) == 0.0  # runs of two words are no tile
    assert tiled_share([], wire) == 0.0


def test_running_stories_are_scored_from_the_documents_story():
    """The story ARI of running stories reads each document's ``story``: one story per
    truth story (non-derived texts alone) scores 1 where the clusters, empty, do not."""
    story = {"w1": "r1", "p1": "r1", "w2": "r2", "p2": "r2", "n1": None}
    rep = {"clusters": [], "documents": [{"doc_id": i, "story": s} for i, s in story.items()]}
    m = evaluate(rep, RECORDS, LABELS, {})
    assert m["story_ari_stories"] == pytest.approx(1.0) and m["story_ari"] < 1.0
    rep["documents"][-1]["story"] = "r1"  # a non-derived text in a story: no longer perfect
    assert evaluate(rep, RECORDS, LABELS, {})["story_ari_stories"] < 1.0


def test_story_folders_cluster_each_story_alone_and_score_it_beside_the_whole(monkeypatch):
    import dedup
    from benchmarks import meter

    def texts(seed, n):
        import random
        rng = random.Random(seed)
        return " ".join(f"w{rng.randrange(10**6)}" for _ in range(n)) + "."

    records, labels = [], {}
    for s in ("s1", "s2"):
        wire = texts(s, 120)
        for rid, kind, text in ((f"{s}w", "wire", wire), (f"{s}copy", "wholly", "Headline.\n\n" + wire),
                                (f"{s}non", "non", texts(s + "n", 80)), (f"{s}x", "non", texts(s + "x", 80)),
                                (f"{s}y", "non", texts(s + "y", 80))):
            records.append({"id": rid, "text": text})
            labels[rid] = {"kind": kind, "story": s, "story_day": s}
    records.append({"id": "small", "text": texts("small", 50)})  # a story of one text: not a folder
    labels["small"] = {"kind": "wire", "story": "s3", "story_day": "s3"}
    # the whole half's report links only s1's copy, so the two columns differ
    whole = {"clusters": [{"id": "c1", "links": [{"source": "s1w", "target": "s1copy", "passages": []}]}]}
    calls = []
    real = dedup.cluster
    monkeypatch.setattr(dedup, "cluster", lambda rs, **kw: calls.append(sorted(r["id"] for r in rs)) or real(rs, **kw))
    f = meter.story_folders(records, labels, whole, jobs=1)
    assert calls == [["s1copy", "s1non", "s1w", "s1x", "s1y"], ["s2copy", "s2non", "s2w", "s2x", "s2y"]]
    assert (f["stories"], f["derived"], f["non"]) == (2, 2, 6)
    assert f["recall"] == 1.0 and f["recall_whole"] == 0.5
    assert f["specificity"] == f["specificity_whole"] == 1.0
