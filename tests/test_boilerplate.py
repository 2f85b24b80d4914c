import numpy as np

from textgen import article

from dedup.stages.boilerplate import line_keys, line_spans, shape_furniture
from dedup.stages.recurrence import Recurrence, rest_signature


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


def test_publication_stamps_are_furniture_and_prose_about_posting_is_not():
    stamps = ["First published on 05 March 2024 00:51", "Last modified on Tue 3 Mar 2020 10.32 GMT",
              "Posted on 12 January 2024 09:15", "Updated 14:02 GMT"]
    prose = "Posted on the wall of the town hall, the notice listed the names of all forty candidates in the vote."
    flags = _flags("\n".join(stamps + [prose]))
    assert all(flags[s] for s in stamps) and not flags[prose]


def test_line_spans_trim_and_keep_offsets():
    text = "  one  \n\n\ttwo\n"
    assert [text[s:e] for s, e in line_spans(text)] == ["one", "two"]


def _furniture(docs, share=0.5, similarity=0.2):
    """Run the corpus-level judgement over (text, source) documents."""
    rec = Recurrence()
    lines = []
    for text, source in docs:
        spans = line_spans(text)
        shape, ntoks = shape_furniture(text, spans)
        keys = line_keys(text, spans)
        rec.add(keys, ntoks, shape, source)
        lines.append((text, spans, shape, keys))
    def rest(ids, recurring):
        return {d: rest_signature(lines[d][0], lines[d][1], lines[d][2], lines[d][3], recurring, 3, 1) for d in ids}

    return rec.furniture(rest, 3, share, similarity)


def _mask(furniture, text, source):
    return furniture.mask(line_keys(text, line_spans(text)), source).tolist()


def test_a_line_recurring_across_one_sources_documents_is_furniture():
    footer = "Read the full coverage of this and other stories at the Daily Example website every day."
    docs = [(f"{article(k, 2)}\n{footer}", "daily") for k in range(3)] + [("Not this one.", "daily")]
    furniture = _furniture(docs, similarity=0.0)  # the per-source rule alone
    assert _mask(furniture, f"New story.\n{footer}", "daily") == [False, True]
    assert _mask(furniture, f"New story.\n{footer}", "other") == [False, False]


def test_copies_of_one_story_are_no_template_of_their_source():
    """A site that published one story three times (a feed's repeated record, an updated
    version): its paragraphs are in all the source's documents, yet each carrier is a copy
    of the others, so they are no template; the site's footer, in documents that are not
    copies, still is."""
    story = article(7, 4)
    versions = [(f"{story}\n\nUpdated at {9 + k} o'clock with the latest figures.", "site") for k in range(3)]
    furniture = _furniture(versions, similarity=0.0)
    assert not any(_mask(furniture, story, "site"))
    footer = "Read the full coverage of this and other stories at the Daily Example website every day."
    mixed = [(f"{text}\n{footer}", "site") for text, _ in versions] + [(f"{article(k, 2)}\n{footer}", "site") for k in range(3)]
    furniture = _furniture(mixed, similarity=0.0)
    assert _mask(furniture, f"{story}\n{footer}", "site")[-1] and not any(_mask(furniture, story, "site"))


def test_recurring_lines_whose_documents_are_otherwise_unrelated_are_furniture():
    footer = "The views expressed in this article are those of the author and do not reflect the editorial line."
    furniture = _furniture([(article(seed) + "\n" + footer, None) for seed in range(4)])
    assert _mask(furniture, "Some story text here.\n" + footer, None) == [False, True]


def test_syndicated_paragraphs_are_not_furniture_even_when_copies_are_edited():
    story = article(42, paragraphs=8).split("\n\n")
    docs = [(f"Headline number {k} for this copy\n\n" + "\n\n".join(story), None) for k in range(3)]
    # Edited copies: the same paragraphs re-broken (so not verbatim lines) plus one verbatim.
    for k in range(3):
        flat = " ".join(story[:6])
        docs.append((f"{flat}\n\n{story[6]}", None))
    docs += [(article(100 + seed), None) for seed in range(10)]
    furniture = _furniture(docs)
    assert not any(_mask(furniture, "\n\n".join(story), None))
    assert isinstance(furniture.mask(np.zeros(0, np.uint64), None), np.ndarray)


def test_a_long_line_that_mentions_copyright_is_content():
    # A whole page on one line (no line breaks) about copyright law is prose: only a
    # short notice is furniture by its words; longer lines are judged by recurrence.
    page = ("The court ruled on Tuesday that the copyright of the photographs belongs to the agency, "
            "not to the newspaper that printed them, ending a dispute that began in 2019. All rights "
            "reserved by the photographers were upheld, the judge said, and damages will be set next month.")
    notice = "Copyright 2024 Example News. All rights reserved."
    assert _flags(f"{page}\n{notice}") == {page: False, notice: True}


def test_a_lightly_misread_footer_is_still_furniture():
    """A site's footer misread in one letter or two (OCR damage too light to flag the
    document as noisy) is still the footer: not content, not a link between stories."""
    import dedup

    footer = "The Daily Example is not responsible for the content of external sites and links."
    docs = [{"id": f"d{k:02d}", "text": f"{article(k, 3)}\n{footer}", "source": "Daily Example"} for k in range(12)]
    misread = [footer.replace("Example", "Exarnple").replace("sites", "sitcs"),
               footer.replace("responsible", "responsib1e").replace("external", "externa1")]
    for k, line in enumerate(misread):  # two more stories, each with its footer misread
        docs.append({"id": f"m{k}", "text": f"{article(100 + k, 3)}\n{line}", "source": "Daily Example"})
    docs.append({"id": "clean", "text": article(100, 3), "source": "Elsewhere"})  # m0's story, no footer
    report = dedup.cluster(docs, jobs=1)
    content = {d.doc_id: d.content_chars for d in report.documents}
    assert content["m0"] == content["clean"]  # the article alone
    assert content["m1"] == sum(len(p) for p in article(101, 3).split("\n\n"))
    together = [{m.doc_id for m in c.members} for c in report.clusters]
    assert not any({"m0", "m1"} <= c for c in together)
