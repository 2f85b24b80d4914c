"""The index's carriers rule on hand-made anchors (:mod:`dedup.index.carriers`): which
words of a match are recurring text, and when a stored document's words of its own
beside the shared text make it a page of its own rather than the text's copy."""

from types import SimpleNamespace

import numpy as np

import dedup
from dedup.index import carriers
from dedup.stages import inline

WIDGET = np.arange(1, 21, dtype=np.uint64)  # 20 words
BAR = np.arange(101, 113, dtype=np.uint64)  # a share bar, 12 words
NEED = inline.PASSAGE_DOCS_FACTOR * dedup.Config().boilerplate_min_docs  # carriers that make text recurring


def _own(n: int, start: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.uint64)


def _counted(hashes: np.ndarray, counts_of) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram of ``hashes`` counted (modulus 1), each carried by ``counts_of(start)``."""
    g = inline.ngrams(hashes)
    grams, first = np.unique(g, return_index=True)
    return grams, np.array([counts_of(int(i)) for i in first])


def _match(*spans: tuple[int, int], blocks=None):
    """A match of passages ``(b0, b1)`` (the same words on both sides), made of the equal
    ``blocks`` ``(start, end)`` (None: none known, as a character alignment's)."""
    runs = tuple((s, e, s, e) for s, e in blocks or ())
    return SimpleNamespace(kind="partial", spans=[SimpleNamespace(b0=b0, b1=b1, a0=b0, a1=b1,
                                                  blocks=tuple(r for r in runs if b0 <= r[0] and r[1] <= b1))
                                  for b0, b1 in spans])


def test_a_rare_seam_between_two_recurring_passages_is_no_word_of_its_own():
    """A widget and a share bar, each carried widely, glued together: the n-grams across
    the seam are carried by two pages, yet each word is in a recurring n-gram. A match of
    the two is recurring text only (furniture when nothing holds it), and so is one that
    takes in a word after them; one that reaches an n-gram's worth into the page's own
    words is not."""
    hashes = np.concatenate([WIDGET, BAR, _own(30, 1000)])
    seam = range(len(WIDGET) - inline.NGRAM + 1, len(WIDGET))
    bar_end = len(WIDGET) + len(BAR) - inline.NGRAM

    def carried(i: int) -> int:
        if i in seam:
            return 2
        return 5 * NEED if i <= bar_end else 1

    grams, counts = _counted(hashes, carried)
    p = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
    anchors = carriers.recurring_anchors(p, grams, counts, 1, dedup.Config())
    assert anchors[3][: len(WIDGET) + len(BAR)].all() and not anchors[3][len(WIDGET) + len(BAR):].any()
    furniture = carriers.furniture_matches([_match((0, len(WIDGET) + len(BAR)))], anchors, lambda k, c: False)
    assert furniture == [True]
    slug = carriers.furniture_matches([_match((0, len(WIDGET) + len(BAR) + 1))], anchors, lambda k, c: False)
    assert slug == [True]  # one word of its own (a permalink's slug) is too little to share a text
    own = carriers.furniture_matches([_match((0, len(WIDGET) + len(BAR) + inline.NGRAM + 2))], anchors,
                                     lambda k, c: False)
    assert own == [False]


def test_a_copy_with_a_caption_is_the_story_s_a_page_with_a_widget_is_not():
    """Stored documents that share with a new one only recurring text and have words of
    their own beside it (carried by no other document): the text may be a story's when
    it is most of the stored document (a copy with a caption), and is furniture when the
    document's own words are most of it (a page with a widget)."""
    story = _own(60, 5000)
    copy = np.concatenate([story, _own(15, 9000)])
    page = np.concatenate([_own(60, 7000), WIDGET])
    for hashes, spans, expect in [(copy, (0, len(story)), carriers.CAPTIONED), (page, (60, 60 + len(WIDGET)), False)]:
        a0, a1 = spans
        grams, counts = _counted(hashes, lambda i: 3 * NEED if a0 <= i <= a1 - inline.NGRAM else 1)
        q = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
        assert carriers.shared_beyond(q, grams, counts, 1, _match(spans).spans, 3 * NEED) == expect


def test_a_captioned_copy_holds_the_text_unless_its_carriers_are_pages_of_their_own():
    """A new document made of recurring text, matched by stored documents that share all
    of it: copies with captions of their own hold it as their story's; one such among
    carriers that are mostly pages of their own (a brief among the widget's carriers)
    does not, and every match is furniture."""
    hashes = np.concatenate([WIDGET, BAR])
    grams, counts = _counted(hashes, lambda i: 5 * NEED)
    p = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
    anchors = carriers.recurring_anchors(p, grams, counts, 1, dedup.Config())
    matches = [_match((0, len(hashes)))] * 4

    def judged(*verdicts):
        return carriers.furniture_matches(matches, anchors, lambda k, c: verdicts[k])

    assert judged(carriers.CAPTIONED, carriers.CAPTIONED, carriers.CAPTIONED, False) == [False] * 4
    assert judged(carriers.CAPTIONED, False, False, False) == [True] * 4
    assert judged(True, False, False, False) == [False] * 4  # a copy beyond the match holds it


def test_a_misread_widget_is_read_on_the_stored_side():
    """A new page whose copy of a widely carried widget is misread every few words: no
    n-gram of it recurs, so its side of the match has many words of its own. The stored
    page's side of the same passage is the clean widget, recurring text: the match shares
    only recurring text, and is furniture when nothing holds it."""
    misread = WIDGET.copy()
    misread[3::5] += np.uint64(10_000)  # a misread word every five
    hashes = np.concatenate([_own(40, 1000), misread])
    grams, counts = _counted(hashes, lambda i: 1)
    p = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
    anchors = carriers.recurring_anchors(p, grams, counts, 1, dedup.Config())
    assert not anchors[2].any()
    stored = np.concatenate([_own(50, 3000), WIDGET])
    s_grams, s_counts = _counted(stored, lambda i: 4 * NEED if i >= 50 else 1)
    q = SimpleNamespace(hashes=stored, ntokens=len(stored))

    def counts_of(keys):
        return s_counts[np.searchsorted(s_grams, keys)]

    clean = carriers.stored_passages(q, _match((50, 50 + len(WIDGET))).spans, counts_of, 1, dedup.Config())
    assert clean == (True, 4 * NEED)
    own = carriers.stored_passages(q, _match((30, 50 + len(WIDGET))).spans, counts_of, 1, dedup.Config())
    assert own[0] is False
    match = [_match((40, 40 + len(WIDGET)))]
    assert carriers.furniture_matches(match, anchors, lambda k, c: False) == [False]  # the new side alone
    assert carriers.furniture_matches(match, anchors, lambda k, c: False, [clean]) == [True]
    assert carriers.furniture_matches(match, anchors, lambda k, c: False, [own]) == [False]


def test_a_widget_twice_with_each_page_s_own_sentence_between_shares_the_widget():
    """Two pages of one site, each with a widget after its first and second paragraph:
    the alignment bridges the widget's two runs across each page's own sentence, in one
    passage. The words the two pages share (the equal blocks) are the widget's, recurring
    text: the match is furniture when nothing holds it. The same passage made of one run
    (the sentence shared too: a copy) is not; without blocks (a character alignment) its
    words all count as shared."""
    sentence = _own(15, 1000)
    hashes = np.concatenate([WIDGET, sentence, WIDGET, _own(30, 2000)])
    end = 2 * len(WIDGET) + len(sentence)
    grams, counts = _counted(hashes, lambda i: 5 * NEED if i <= len(WIDGET) - inline.NGRAM
                             or len(WIDGET) + len(sentence) <= i <= end - inline.NGRAM else 1)
    p = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
    anchors = carriers.recurring_anchors(p, grams, counts, 1, dedup.Config())
    runs = [(0, len(WIDGET)), (len(WIDGET) + len(sentence), end)]
    bridged = carriers.furniture_matches([_match((0, end), blocks=runs)], anchors, lambda k, c: False)
    assert bridged == [True]
    copy = carriers.furniture_matches([_match((0, end), blocks=[(0, end)])], anchors, lambda k, c: False)
    assert copy == [False]
    unknown = carriers.furniture_matches([_match((0, end))], anchors, lambda k, c: False)
    assert unknown == [False]
    # the bridged match is held by a copy of the page only through the widget's own runs
    held = carriers.furniture_matches([_match((0, end), blocks=runs), _match((0, end), blocks=[(0, end)])],
                                      anchors, lambda k, c: False)
    assert held == [False, False]


def _story_and_widget(story_docs: int, widget_docs: int):
    """A new page: a story's text (carried by ``story_docs``), a widget glued after it
    (carried by ``widget_docs``), then words of its own; its anchors (modulus 1)."""
    story = _own(30, 5000)
    hashes = np.concatenate([story, WIDGET, _own(30, 8000)])
    end = len(story) + len(WIDGET)
    grams, counts = _counted(hashes, lambda i: story_docs if i <= len(story) - inline.NGRAM
                             else widget_docs if len(story) <= i <= end - inline.NGRAM
                             else 2 if i < len(story) else 1)
    p = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
    return carriers.recurring_anchors(p, grams, counts, 1, dedup.Config()), len(story), end


def test_a_copy_beyond_holds_its_story_not_the_widget_glued_to_it():
    """A stored copy of a widely copied story whose passage runs on into the widget
    after it (the same site's pages): it holds the story's text, carried by about as many
    documents, not the widget's, carried far more widely; a match of the widget alone is
    furniture. A widget carried about as widely as the story is held with it."""
    anchors, story_end, end = _story_and_widget(NEED, 5 * NEED)
    matches = [_match((0, end)), _match((story_end, end))]
    verdicts = [True, False]
    assert carriers.furniture_matches(matches, anchors, lambda k, c: verdicts[k]) == [False, True]
    anchors, story_end, end = _story_and_widget(NEED, NEED + 1)
    assert carriers.furniture_matches(matches, anchors, lambda k, c: verdicts[k]) == [False, False]


def test_a_series_issue_holds_no_furniture():
    """A template match (a series' other issue: its formula with new facts) whose
    passage takes in the site's widget is no copy of the page's story: the widget it
    shares is not held by it, and a match of the widget alone is furniture; a copy's
    passage holds it when its story is carried about as widely."""
    anchors, story_end, end = _story_and_widget(NEED - 1, NEED + 1)
    widget = _match((story_end, end))
    for kind, expect in [("template", [False, True]), ("partial", [False, False])]:
        holder = _match((0, end))
        holder.kind = kind
        assert carriers.furniture_matches([holder, widget], anchors, lambda k, c: False) == expect


def test_a_copy_of_a_rare_story_does_not_hold_the_widget_inside_its_passage():
    """Two pages of one site carry one rare story with the site's widget between its
    paragraphs, so their passage runs through the widget: the copy holds its story's
    text, not the widget's (carried by far more pages than the story, and than the
    matches here), and a match of the widget alone is furniture."""
    anchors, story_end, end = _story_and_widget(1, 5 * NEED)
    copy, widget = _match((0, end)), _match((story_end, end))
    assert carriers.furniture_matches([copy, widget], anchors, lambda k, c: False) == [False, True]


def test_copies_read_through_misread_words_hold_their_story():
    """A misread copy of a story carried by a few pages: its own n-grams, broken by the
    misreads, are carried by it alone, so its copies' own text reads as carried by one.
    The story's surviving n-grams are carried by the copies found here, and they hold
    them: a match sharing only that story text is kept."""
    story = _own(20, 5000)
    hashes = np.concatenate([story, _own(40, 9000)])
    grams, counts = _counted(hashes, lambda i: NEED if i <= len(story) - inline.NGRAM else 1)
    p = SimpleNamespace(hashes=hashes, ntokens=len(hashes))
    anchors = carriers.recurring_anchors(p, grams, counts, 1, dedup.Config())
    copies = [_match((0, len(hashes)))] * (NEED - 2)
    verdicts = [None] * len(copies) + [False]
    out = carriers.furniture_matches(copies + [_match((0, len(story)))], anchors, lambda k, c: verdicts[k])
    assert out == [False] * (len(copies) + 1)
