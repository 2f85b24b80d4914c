"""A digest carries a passage of each story it lists and links to a text of each: the
stories stay apart (dedup.stages.compilation); texts that one story's takes make stay
together."""

import random

import numpy as np

import dedup
from dedup.stages.compilation import compilation_cuts
from textgen import PSEUDO_VOCAB as VOCAB, pseudo_word


def _paragraph(rng: random.Random, names: list[str], n: int = 45) -> str:
    words = [rng.choice(VOCAB) for _ in range(n)]
    for k in range(3, n, 11):
        words[k] = rng.choice(names)
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _story(rng: random.Random, names: list[str], paragraphs: int = 5) -> list[str]:
    return [_paragraph(rng, names) for _ in range(paragraphs)]


def _names(rng: random.Random, n: int = 4) -> list[str]:
    return [pseudo_word(rng).capitalize() + " " + pseudo_word(rng).capitalize() for _ in range(n)]


def _background(rng: random.Random, n: int = 60) -> list[dict]:
    return [{"id": f"other{k}", "text": "\n\n".join(_story(rng, _names(rng), 3))} for k in range(n)]


def _cluster_of(report, doc_id: str):
    return next((c.id for c in report.clusters for m in c.members if m.doc_id == doc_id), None)


def test_a_digest_of_four_stories_does_not_join_them():
    rng = random.Random(4)
    stories = [_story(rng, _names(rng)) for _ in range(4)]
    docs = [{"id": f"story{k}", "text": "\n\n".join(s)} for k, s in enumerate(stories)]
    # the digest: each story's first two paragraphs, one after another
    docs.append({"id": "digest", "text": "\n\n".join(p for s in stories for p in s[:2])})
    report = dedup.cluster(docs + _background(rng))
    clusters = [_cluster_of(report, f"story{k}") for k in range(4)]
    assert _cluster_of(report, "digest") is not None  # it still joins one of them
    assert sum(c is not None for c in clusters) == 1
    assert _cluster_of(report, "digest") in clusters
    # the digest's links to the other three are reported between clusters, passages and all
    assert sorted({b.source, b.target} - {"digest"} for b in report.bridges) == sorted(
        {f"story{k}"} for k in range(4) if clusters[k] is None)
    assert all(b.passages for b in report.bridges)


def test_a_text_made_from_three_takes_of_one_story_joins_them():
    """Each take gives its own stretch of the newspaper text, as a digest's items do;
    but the takes name the same people, so they are one story."""
    rng = random.Random(5)
    names = _names(rng, 5)
    takes = [_story(rng, names) for _ in range(3)]
    docs = [{"id": f"take{k}", "text": "\n\n".join(t)} for k, t in enumerate(takes)]
    docs.append({"id": "paper", "text": "\n\n".join(p for t in takes for p in t[:2])})
    report = dedup.cluster(docs + _background(rng))
    assert len({_cluster_of(report, d["id"]) for d in docs[:4]}) == 1
    assert _cluster_of(report, "paper") is not None


def _cuts(edges, spans, related=(), names=()):
    """compilation_cuts with its three questions answered from plain data."""
    rel = {tuple(sorted(p)) for p in related}

    def related_fn(u, v):
        return np.array([tuple(sorted((a, b))) in rel for a, b in zip(u.tolist(), v.tolist())], bool)

    def names_fn(docs):
        got = [(u, v, e) for u, v, e in names if u in docs and v in docs]
        return np.array([(u, v) for u, v, _ in got], np.int64).reshape(-1, 2), np.array([e for *_, e in got])

    return compilation_cuts(np.array(edges, np.int64), related_fn, lambda links: {k: spans[k] for k in links}, names_fn)


HUB = [(0, 1), (0, 2), (0, 3)]
APART = {(0, 1): [(0, 10)], (0, 2): [(10, 20)], (0, 3): [(20, 30)]}


def test_three_items_apart_are_cut_but_the_first():
    assert _cuts(HUB, APART) == {(0, 2), (0, 3)}


def test_items_that_share_the_hub_words_are_one_part():
    spans = {**APART, (0, 3): [(15, 25)]}  # overlaps item 2's stretch
    assert _cuts(HUB, spans) == set()


def test_a_candidate_pair_or_shared_names_join_two_items():
    assert _cuts(HUB, APART, related=[(1, 2)]) == set()
    assert _cuts(HUB, APART, names=[(2, 3, -20.0)]) == set()
    assert _cuts(HUB, APART, names=[(2, 3, -0.5)]) == {(0, 2), (0, 3)}  # names shared by chance


def test_two_items_are_a_follow_up_not_a_digest():
    assert _cuts(HUB[:2], APART) == set()
