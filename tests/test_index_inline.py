"""Furniture inside paragraphs in the index: a blurb glued into the paragraphs of
unrelated stories is cut once enough stored documents carry it (the batch's passage
threshold), in one-by-one and bulk adds, on SQLite and Redis; copies are still found;
removal takes the counts back."""

import random

import numpy as np
import pytest

import dedup
from dedup.stages import inline
from dedup.index import analysis as an

from test_inline_furniture import _blurb, _story, _text, _with_blurb

CARRIERS = inline.PASSAGE_DOCS_FACTOR * dedup.Config().boilerplate_min_docs  # the batch's threshold


@pytest.fixture(params=["sqlite", "redis"])
def path(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "ix.db")
    return request.getfixturevalue("url")


def _carriers(n: int, seed: int = 5):
    """``n`` unrelated stories, each with the same blurb inside one of its paragraphs."""
    rng = random.Random(seed)
    blurb = _blurb(rng)
    stories = [_story(rng) for _ in range(n)]
    docs = [dedup.Document(id=f"c{k:02d}", text=_with_blurb(s, blurb, k)) for k, s in enumerate(stories)]
    return docs, stories, blurb


def _blurb_counts(index, blurb: str) -> np.ndarray:
    grams = an.text_grams(blurb, index._mod)
    with index._store.read():
        return index._store.gram_counts(an.signed(grams))


def test_blurb_in_unrelated_stories_is_cut_one_by_one(path):
    docs, stories, blurb = _carriers(CARRIERS + 4)
    with dedup.Index.open(path, jobs=1) as index:
        answers = [index.add(d) for d in docs]
        # from the carrier that reaches the threshold on, the blurb is furniture: no match
        # (cut from the new document and from the stored ones it meets)
        assert [a.matches for a in answers[CARRIERS - 1 :]] == [[]] * 5
        fresh = _carriers(CARRIERS + 6)[0][-1]
        assert index.query(fresh).matches == []
        assert set(_blurb_counts(index, blurb).tolist()) == {len(docs)}


def test_blurb_in_unrelated_stories_is_cut_in_bulk(path):
    docs, stories, blurb = _carriers(CARRIERS + 4)
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(docs[:-1], batch_size=CARRIERS + 1)  # the first batch alone reaches the threshold
        assert index.add(docs[-1]).matches == []
        fresh = _carriers(CARRIERS + 6)[0][-1]
        assert index.query(fresh).matches == []
        assert set(_blurb_counts(index, blurb).tolist()) == {len(docs)}
        # the stored documents' content has no blurb: a copy of one carrier matches it alone
        copy = dedup.Document(id="copy", text=docs[3].text)
        assert [m.doc_id for m in index.query(copy).matches] == ["c03"]


def test_copy_of_a_carrier_is_found_without_the_blurb(path):
    docs, stories, blurb = _carriers(CARRIERS + 4)
    with dedup.Index.open(path, jobs=1) as index:
        for d in docs:
            index.add(d)
        # a copy of carrier 8 (its first paragraph left out), the blurb still inside
        text = "\n\n".join(docs[8].text.split("\n\n")[1:])
        assert blurb in text
        copy = dedup.Document(id="copy", text=text)
        matches = index.query(copy).matches
        assert [m.doc_id for m in matches] == ["c08"]
        m = matches[0]
        assert m.coverage_target > 0.5 and m.passages
        assert sum(p.target_end - p.target_start for p in m.passages) > 0.5 * len(text)


def test_removal_takes_the_counts_back(path):
    docs, stories, blurb = _carriers(CARRIERS + 1)
    with dedup.Index.open(path, jobs=1) as index:
        for d in docs:
            index.add(d)
        fresh = _carriers(CARRIERS + 6)[0][-1]
        assert index.query(fresh).matches == []
        # remove carriers until the stored ones and the fresh one are under the threshold:
        # the blurb is content again, and the fresh story shares it with the carriers left
        # that still hold it in their content (those stored before it was furniture)
        for d in docs[CARRIERS - 3 :]:
            index.remove(d.id)
        left = CARRIERS - 3
        assert set(_blurb_counts(index, blurb).tolist()) == {left}
        got = index.query(fresh).matches
        assert {m.doc_id for m in got} == {d.id for d in docs[:left]}
        assert all(m.kind == "partial" and m.coverage_target < 0.3 for m in got)
        for d in docs[:left]:
            index.remove(d.id)
        assert _blurb_counts(index, blurb).sum() == 0
        assert index.stats()["rows"]["grams"] == 0


def test_stored_carriers_of_a_long_blurb_are_not_aligned(path, monkeypatch):
    """A blurb longer than a segment, run into the first paragraph of every story: the
    carriers stored before it was furniture share its segments' band keys, but a query
    with it cut does not align them (its mostly-furniture segments seek no copies); a
    copy of one of them is still found."""
    rng = random.Random(11)
    blurb = " ".join([_blurb(rng), _blurb(rng), _blurb(rng)])
    stories = [_story(rng) for _ in range(CARRIERS + 3)]
    docs = [dedup.Document(id=f"c{k:02d}", text=blurb + " " + _text(s)) for k, s in enumerate(stories)]
    aligned = []
    real = an.align_pair
    monkeypatch.setattr(an, "align_pair", lambda q, p, *a: aligned.append(q) or real(q, p, *a))
    with dedup.Index.open(path, jobs=1) as index:
        for d in docs[:-1]:
            index.add(d)
        aligned.clear()
        assert index.query(docs[-1]).matches == []
        assert aligned == []
        copy = dedup.Document(id="copy", text=docs[1].text)
        assert [m.doc_id for m in index.query(copy).matches] == ["c01"]


def _widget_page(rng: random.Random, widgets: list[str]) -> str:
    """A page made mostly of widgets: two sentences of its own story among them."""
    own = _story(rng, paragraphs=1)[0][:2]
    return "\n\n".join([own[0], widgets[0], own[-1], *widgets[1:]])


def test_a_page_made_mostly_of_widgets_matches_none_of_their_carriers(path):
    """Three widgets glued into many unrelated stories: a page that is little else reads as
    their copy by its own counts (most of its words are carried by others, as often as the
    widgets are), but all it shares with each carrier is widget text, a small part of both
    pages, that no stored page is mostly made of: furniture, no match."""
    rng = random.Random(23)
    widgets = [_blurb(rng) for _ in range(3)]
    stories = [_story(rng) for _ in range(CARRIERS + 4)]
    docs = [dedup.Document(id=f"c{k:02d}", text=_text([*s[:2], [widgets[0]], *s[2:4], widgets[1:], *s[4:]]))
            for k, s in enumerate(stories)]
    page = dedup.Document(id="page", text=_widget_page(rng, widgets))
    with dedup.Index.open(path, jobs=1) as index:
        for d in docs:
            index.add(d)
        lines = an.Lines.of(page.text)
        p = an.analyse(page, lines, lines.shape, index.config)[0]
        grams = an.text_grams(page.text, index._mod)
        with index._store.read():
            counts = index._store.gram_counts(an.signed(grams)) + 1
        assert an.inline_furniture(p, grams, counts, index._mod, index.config)[0] == []  # its own rule keeps them
        assert index.query(page).matches == []
        assert index.add(page).matches == []
        assert index.add(dedup.Document(id="page2", text=_widget_page(rng, widgets))).matches == []


def test_a_copy_that_shares_only_a_recurring_lead_with_another_still_matches(path):
    """A story stored in many whole copies and in copies that keep its lead and two other
    paragraphs: a new one with the lead and two others shares with those only the lead, widely recurring and a small part of both, yet the whole copies are mostly made
    of it: a story's text, not furniture, so the new copy matches them too."""
    rng = random.Random(29)
    story = _story(rng)
    copies = [dedup.Document(id=f"copy{k}", text=_text(story)) for k in range(CARRIERS)]
    trims = [dedup.Document(id=f"trim{k}", text=_text([story[0], story[2 + k], story[3 + k]])) for k in range(2)]
    new = dedup.Document(id="new", text=_text([story[0], story[1], story[5]]))
    with dedup.Index.open(path, jobs=1) as index:
        for d in copies + trims:
            index.add(d)
        got = {m.doc_id: m for m in index.query(new).matches}
        assert set(got) == {d.id for d in copies + trims}
        assert all(got[t.id].coverage_source < 0.5 and got[t.id].coverage_target < 0.5 for t in trims)


def test_a_widget_right_after_a_copied_sentence_is_not_a_match(path):
    """A site's widget glued in after a sentence ending in "said.", in many unrelated
    stories and in a new copy of a story stored five times: the widget's passage takes
    in the word before it, which the story's copies share too. Touching a copy's passage
    by a word is not sharing the widget with it: the carriers are no matches (before:
    shielded by that one word)."""
    rng = random.Random(31)
    widget = _blurb(rng)

    def said(paras: list[list[str]], at: int) -> list[list[str]]:
        paras = [list(p) for p in paras]
        paras[at][0] = paras[at][0][:-1] + " said."
        return paras

    carriers = []
    for k in range(CARRIERS + 2):
        s = said(_story(rng), 1)
        s[1].insert(1, widget)
        carriers.append(dedup.Document(id=f"c{k:02d}", text=_text(s)))
    story = said(_story(rng), 2)
    copies = [dedup.Document(id=f"copy{k}", text=_text(story)) for k in range(5)]
    page = [list(p) for p in story]
    page[2].insert(1, widget)
    with dedup.Index.open(path, jobs=1) as index:
        for d in carriers + copies:
            index.add(d)
        assert {m.doc_id for m in index.query(dedup.Document(id="new", text=_text(page))).matches} == {
            d.id for d in copies}


def test_widgets_beside_a_shared_paragraph_are_not_held_by_it(path):
    """A brief made mostly of widgets that many unrelated pages carry, with one paragraph
    that one other stored page (the same kind of brief) has too: that page is its
    match. The widgets are carried by far more pages than the paragraph, so sharing them
    beside it is not sharing them as a copy does, and their other carriers are no matches
    (before: the paragraph's match held the widgets for all of them)."""
    rng = random.Random(37)
    widgets = [_blurb(rng) for _ in range(3)]
    stories = [_story(rng) for _ in range(CARRIERS + 4)]
    carriers = [dedup.Document(id=f"c{k:02d}", text=_text([*s[:2], [widgets[0]], *s[2:4], widgets[1:], *s[4:]]))
                for k, s in enumerate(stories)]
    story = _story(rng)
    own = _story(rng, paragraphs=2)  # lines of its own between: the widgets are passages of their own
    page = dedup.Document(id="page", text=_text([story[1], own[0][:1], [widgets[0]], own[0][1:2], widgets[1:]]))
    brief = dedup.Document(id="brief", text=_text([story[1], own[1][:1], [widgets[0]], own[1][1:2], widgets[1:]]))
    with dedup.Index.open(path, jobs=1) as index:
        for d in [*carriers, page]:
            index.add(d)
        assert [m.doc_id for m in index.query(brief).matches] == ["page"]
