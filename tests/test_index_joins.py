"""The stories a new document joins in the index: one stray match into another story
(a bridge) merges nothing; a real part of two stories, or a lone text, joins them (the
batch clustering's rules, :mod:`dedup.stages.cluster`, as documents arrive)."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.index.joins import joined_stories
from dedup.stages.cluster import COMPILATION_SHARE

from textgen import article, sentence


def _join(matches, sizes, length=100):
    """``matches``: {document: (story, spans)}."""
    story_of = {doc: story for doc, (story, _) in matches.items()}
    return joined_stories(story_of, [(doc, spans) for doc, (_, spans) in matches.items()], length,
                          sizes.__getitem__)


def test_one_stray_match_into_another_story_joins_nothing_but_a_lone_text_or_a_real_part_does():
    a = {1: (10, [(0, 90)]), 2: (10, [(0, 80)]), 3: (10, [(5, 90)])}
    assert _join(a, {10: 3}) == {10}
    assert _join({**a, 4: (20, [(90, 100)])}, {10: 3, 20: 5}) == {10}  # one of five texts matched: a bridge
    assert _join({**a, 4: (20, [(90, 100)])}, {10: 3, 20: 1}) == {10, 20}  # a lone text keeps its link
    assert _join({**a, 4: (20, [(90, 100)]), 5: (20, [(92, 100)])}, {10: 3, 20: 5}) == {10, 20}  # tied through its story
    small = int(COMPILATION_SHARE * 100) - 1
    assert _join({**a, 4: (20, [(90, 90 + small)]), 5: (20, [(90, 90 + small)])}, {10: 3, 20: 5}) == {10}
    # a blurb two other stories' texts carry too: text of its own is what joins a story
    blurb = [(40, 60)]
    assert _join({**a, 4: (20, blurb), 5: (20, blurb), 6: (30, blurb), 7: (30, blurb)}, {10: 3, 20: 5, 30: 2}) == {10}
    assert _join({**a, 4: (20, blurb + [(90, 100)]), 5: (20, blurb), 6: (30, blurb), 7: (30, blurb)},
                 {10: 3, 20: 5, 30: 2}) == {10, 20}
    # the story of most matches first, then of more of the text, then the older story
    assert _join({1: (10, [(0, 20)]), 2: (20, [(0, 90)])}, {10: 2, 20: 2}) == {20}
    assert _join({1: (30, [(0, 50)]), 2: (20, [(50, 100)])}, {30: 2, 20: 2}) == {20}
    assert _join({}, {}) == set()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.lists(st.tuples(st.integers(0, 90), st.integers(1, 30)), max_size=3)),
                min_size=1, max_size=12),
       st.lists(st.integers(1, 6), min_size=5, max_size=5), st.randoms(use_true_random=False))
def test_the_joined_stories_are_the_matches_own_and_do_not_depend_on_their_order(matches, sizes, rng):
    story_of = {doc: story for doc, (story, _) in enumerate(matches)}
    listed = [(doc, [(s, s + n) for s, n in spans]) for doc, (_, spans) in enumerate(matches)]
    got = joined_stories(story_of, listed, 120, sizes.__getitem__)
    assert got and got <= set(story_of.values())
    rng.shuffle(listed)
    assert joined_stories(story_of, [(doc, spans[::-1]) for doc, spans in listed], 120, sizes.__getitem__) == got


def _docs(lone: bool) -> tuple[list[dedup.Document], dedup.Document]:
    """Story A (a text and three copies) and story B (a text with a paragraph P of its
    own, and, unless ``lone``, two copies without P); then a copy of A that also carries
    P: one match into B."""
    rng = random.Random(5)
    a = article(301)
    b_paras = article(302).split("\n\n")
    p = " ".join(sentence(rng, 14) for _ in range(3))
    b = "\n\n".join(b_paras[:3] + [p] + b_paras[3:])
    docs = [dedup.Document(id=f"a{k}", text=a) for k in range(4)]
    docs.append(dedup.Document(id="b0", text=b))
    if not lone:
        docs += [dedup.Document(id=f"b{k}", text="\n\n".join(b_paras)) for k in (1, 2)]
    return docs, dedup.Document(id="new", text=a + "\n\n" + p)


def _added(tmp_path, lone: bool):
    """The new document's answer, then every document's story and batch cluster."""
    docs, new = _docs(lone)
    with dedup.Index.open(str(tmp_path / "i.db"), jobs=1) as index:
        for d in docs:
            index.add(d)
        got = index.add(new)
        story = {d.id: index.query(d).stored_cluster for d in docs + [new]}
        batch = {m.doc_id: c.id for c in index.clusters().clusters for m in c.members}
    return got, story, batch


def test_a_copy_of_one_story_with_a_paragraph_of_another_joins_the_first(tmp_path):
    got, story, batch = _added(tmp_path, lone=False)
    assert {m.doc_id for m in got.matches} == {"a0", "a1", "a2", "a3", "b0"}
    assert story["new"] == story["a0"] == got.cluster and got.origin != "b0"
    assert story["b0"] == story["b1"] != story["a0"]
    assert batch["b0"] != batch["a0"] == batch["new"]  # the batch clustering keeps them apart too


def test_the_same_with_a_lone_text_joins_both(tmp_path):
    got, story, _ = _added(tmp_path, lone=True)
    assert story["b0"] == got.cluster == story["a0"]
