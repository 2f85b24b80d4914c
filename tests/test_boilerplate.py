import numpy as np

from textgen import article

from dedup.boilerplate import Recurrence, line_keys, line_spans, shape_furniture


def _flags(text):
    spans = line_spans(text)
    mask, _ = shape_furniture(text, spans)
    return {text[s:e]: bool(m) for (s, e), m in zip(spans, mask)}


def test_notices_navigation_and_menus_are_furniture():
    text = "\n".join(
        [
            "Copyright \u00a9 2024 Example Media. All rights reserved.",
            "We use cookies to improve your experience. Accept cookie settings.",
            "Home | World | Business | Sport",
            "News",
            "Politics",
            "Business",
            "Share this article",
            "The minister said on Tuesday that talks would resume next week in Geneva.",
        ]
    )
    flags = _flags(text)
    assert not flags["The minister said on Tuesday that talks would resume next week in Geneva."]
    assert sum(flags.values()) == 7


def test_prose_with_furniture_words_is_content():
    # Weak vocabulary ("share", "more", "video") only marks short lines.
    prose = "Readers can share their views on the proposal at a public hearing next month in the town hall."
    video = "Video footage showed more than a dozen vehicles stuck on the flooded road near the bridge on Monday."
    assert _flags(f"{prose}\n{video}") == {prose: False, video: False}


def test_line_spans_trim_and_keep_offsets():
    text = "  one  \n\n\ttwo\n"
    assert [text[s:e] for s, e in line_spans(text)] == ["one", "two"]


def _add(rec, text, source):
    spans = line_spans(text)
    shape, ntoks = shape_furniture(text, spans)
    rec.add(line_keys(text, spans), ntoks, shape, source)


def _mask(furniture, text, source):
    return furniture.mask(line_keys(text, line_spans(text)), source).tolist()


def test_a_line_recurring_across_one_sources_documents_is_furniture():
    footer = "Read the full coverage of this and other stories at the Daily Example website every day."
    rec = Recurrence()
    _add(rec, f"A brief note.\n{footer}", "daily")
    _add(rec, f"Another brief note.\n{footer}", "daily")
    _add(rec, f"A third brief note.\n{footer}", "daily")
    _add(rec, f"Not this one.", "daily")
    furniture = rec.furniture(min_docs=3, share=0.5, minority=0.0)  # per-source rule alone
    assert _mask(furniture, f"New story.\n{footer}", "daily") == [False, True]
    assert _mask(furniture, f"New story.\n{footer}", "other") == [False, False]


def test_recurring_lines_whose_documents_share_little_else_are_furniture():
    footer = "The views expressed in this article are those of the author and do not reflect the editorial line."
    rec = Recurrence()
    for seed in range(4):
        _add(rec, article(seed) + "\n" + footer, None)
    furniture = rec.furniture(min_docs=3, share=0.5, minority=0.5)
    assert _mask(furniture, "Some story text here.\n" + footer, None) == [False, True]


def test_verbatim_syndicated_paragraphs_are_not_furniture():
    story = article(42)
    rec = Recurrence()
    for k in range(5):
        _add(rec, f"Headline number {k} for this copy\n\n{story}", None)
    for seed in range(10):
        _add(rec, article(100 + seed), None)
    furniture = rec.furniture(min_docs=3, share=0.5, minority=0.5)
    assert not any(_mask(furniture, story, None))
    assert isinstance(furniture.mask(np.zeros(0, np.uint64), None), np.ndarray)
