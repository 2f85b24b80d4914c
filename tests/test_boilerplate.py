import numpy as np

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
    _, ntoks = shape_furniture(text, spans)
    rec.add(line_keys(text, spans), ntoks, source, 12)


def test_a_line_recurring_across_one_sources_documents_is_furniture():
    footer = "Read the full coverage of this and other stories at the Daily Example website every day."
    rec = Recurrence()
    for k in range(4):
        _add(rec, f"Story number {k} is about a distinct topic entirely.\n{footer}", "daily")
    _add(rec, f"Another outlet quotes it.\n{footer}", "other")
    furniture = rec.furniture(min_docs=3, share=0.5)
    text = f"New story.\n{footer}"
    keys = line_keys(text, line_spans(text))
    assert furniture.mask(keys, "daily").tolist() == [False, True]
    assert furniture.mask(keys, "other").tolist() == [False, False]


def test_without_sources_only_short_recurring_lines_are_furniture():
    rec = Recurrence()
    long_line = "A long syndicated paragraph that several outlets carry word for word in their copies."
    for k in range(3):
        _add(rec, f"Follow our live blog\n{long_line}\nUnique {k} body text goes here.", None)
    furniture = rec.furniture(min_docs=3, share=0.5)
    text = f"Follow our live blog\n{long_line}"
    keys = line_keys(text, line_spans(text))
    assert furniture.mask(keys, None).tolist() == [True, False]
    assert isinstance(furniture.mask(np.zeros(0, np.uint64), None), np.ndarray)
