"""A series' new facts that open the sentence its formula goes on with (the passage's
opening, outside the alignment) count as facts stated differently; a copy's dateline,
byline or headline does not."""
import re
import textwrap

import numpy as np
from hypothesis import given, settings, strategies as st

import dedup
from dedup.stages.align import Side, Span
from dedup.stages.normalize import tokenize
from dedup.stages.openings import WRAP_COLUMNS, closing, opening, read_sentences, sentence_starts, with_openings

# Invented notices in the shape of a wire service's contract series: each issue opens with
# a new company, its own verb and a new amount, then the fixed wording (wrapped lines of
# prose, as the wire sends them), where one figure differs and two names repeat.
NOTICE = (
    "{firm} {verb} a {amount}\n"
    "mln dlr contract for the production of {units} guidance kits and spare\n"
    "sections for the coastal patrol vessels of the Navy, the defence ministry\n"
    "said on its website late on Friday.\n"
)
ARTICLE = (
    "Engineers at the northern yards began on Monday to replace the steel gates of the old dry dock, "
    "a job that the harbour authority expects to finish before the winter storms arrive. The new gates "
    "were cast in a foundry near the river mouth and brought in by barge over the weekend, workers said, "
    "and the dock will reopen to fishing boats once divers have checked the seals under water."
)


def _tokens(text: str):
    spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    return np.array([s for s, _ in spans]), np.array([e for _, e in spans])


def _openings(text: str) -> list[str]:
    s, e = _tokens(text)
    first, prose = sentence_starts(text, s, e)
    return [text[s[k]:e[k]] + ("." if p else "") for k, p in zip(first.tolist(), prose.tolist())]


def test_sentences_run_on_over_wrapped_lines_and_stop_at_datelines_and_headings():
    text = "Harbour Gates Replaced\n\nWASHINGTON, May 3 (Reuters) - Orion Marine has won a 215.3\nmln dlr deal. It said so.\nREUTER"
    # the headline and the dateline are stretches of their own, not sentences;
    # "215.3" and the wrapped line ("215.3\nmln") do not cut the sentence
    assert _openings(text) == ["Harbour", "WASHINGTON", "Orion.", "It.", "REUTER"]


def test_hard_wrapped_lines_that_go_on_with_a_capital_do_not_cut_a_sentence():
    # wire copy wrapped at a fixed width: a line may go on with a name; the next line's
    # first word did not fit on the line before, which is how a wrap is told
    body = ("New York Telephone Co, a subsidiary of NYNEX Corp, filed with the Securities and Exchange "
            "Commission for a shelf offering of up to 500 mln dlrs of debt securities. Proceeds from the "
            "offering will repay debt, the company said.")
    lines = textwrap.wrap(body, 70)
    assert any(line[0].isupper() and not before.endswith(".") for before, line in zip(lines, lines[1:]))
    text = "Telephone Unit Files Offering\n" + "\n".join(lines) + "\n Reuter\n"
    # the headline, shorter than the width by more than the next word, is a line of its own
    assert _openings(text) == ["Telephone", "New.", "Proceeds.", "Reuter"]


def test_lines_longer_than_a_fixed_width_wrap_are_never_joined():
    line = "Harbour works go on through the winter months at the northern yards of the old port city of Sunderland"
    assert len(line) > WRAP_COLUMNS
    assert _openings(line + "\nEngineers said so.") == ["Harbour", "Engineers."]


def test_a_headline_without_spaces_stays_a_line_of_its_own():
    # Chinese has no spaces between words: no word to fit, so no line of it is a wrap
    text = "国务院召开常务会议\n国务院总理今天主持召开国务院常务会议，部署稳定经济的措施。"
    starts, ends, _ = tokenize(text)
    first, prose = sentence_starts(text, starts, ends)
    assert [int(starts[k]) for k in first] == [0, text.index("\n") + 1]
    assert prose.tolist() == [False, True]


def test_a_series_whose_new_facts_open_the_sentence_is_a_template():
    a = NOTICE.format(firm="Corvant Co", verb="has been awarded", amount="215.3", units="1,927")
    b = NOTICE.format(firm="Halberg Corp", verb="has received", amount="182.5", units="1,391")
    assert dedup.compare(a, b).kind == "template"
    assert dedup.compare(b, a).kind == "template"


def test_a_copy_under_another_dateline_byline_and_headline_stays_a_copy():
    a = "Dry Dock Gates Replaced\nBy Mara Quell\n\nHARTLEPOOL, Oct 6 (Reuters) - " + ARTICLE
    b = "New gates for the old dock\nPosted by Ivo Brandt, Coast Courier\n\n" + ARTICLE
    assert dedup.compare(a, b).kind == "duplicate"
    assert dedup.compare(b, a).kind == "duplicate"


def test_in_a_corpus_the_series_is_kept_out_of_the_copy_clusters():
    firms = ["Corvant Co", "Halberg Corp", "Tessaro Inc", "Ulmen Ltd"]
    verbs = ["has been awarded", "has received", "won", "was given"]
    docs = [{"id": f"n{k}", "text": NOTICE.format(firm=f, verb=verbs[k], amount=f"{100 + 37 * k}.{k + 2}",
                                                  units=f"{1200 + 91 * k}")}
            for k, f in enumerate(firms)]
    # other documents name the firms and figures too (so the notices are not read as
    # OCR-damaged for want of words seen elsewhere, as they would be in so small a corpus)
    named = " ".join(d["text"].split("\n")[0] for d in docs) + " " + " ".join(f"{1200 + 91 * k}" for k in range(4))
    docs += [{"id": f"x{k}", "text": t + "\n\n" + named} for k, t in enumerate(_fillers())]
    report = dedup.cluster(docs)
    assert not [c for c in report.clusters if any(m.doc_id.startswith("n") for m in c.members)]
    assert {m.doc_id for t in report.templates for m in t.members} == {"n0", "n1", "n2", "n3"}


def _fillers() -> list[str]:
    words = ("river council school bridge market harvest railway museum festival library station "
             "orchard theatre hospital airport canal").split()
    return [" ".join(words[(k * 7 + i * 3) % len(words)] for i in range(60)) + "." for k in range(10)]


_PIECES = ["Ab", "cd", "215", "3", "Xy", "ef"]
_GAPS = [" "] * 12 + [". ", ".", "\n", "\n\n", "\n  ", " - ", " -- ", ", ", "! ", "\u2014 "]


@st.composite
def _texts(draw, max_tokens=120):
    """A text of words and the gaps between them (sentence marks, wrapped and blank
    lines, dashes), with its tokens' character offsets."""
    k = draw(st.integers(1, max_tokens))
    parts, starts, ends, pos = [], [], [], 0
    for i in range(k):
        w = draw(st.sampled_from(_PIECES))
        starts.append(pos)
        ends.append(pos + len(w))
        g = draw(st.sampled_from(_GAPS)) if i < k - 1 else draw(st.sampled_from(["", ".", "\n"]))
        parts += [w, g]
        pos += len(w) + len(g)
    return "".join(parts), np.array(starts, np.int32), np.array(ends, np.int32)


@settings(max_examples=300, deadline=None)
@given(_texts(), st.data())
def test_an_opening_and_a_closing_are_the_whole_texts_sentence_bounds(doc, data):
    text, starts, ends = doc
    n = len(starts)
    s = data.draw(st.integers(0, n - 1))
    lo = data.draw(st.integers(0, s))
    first, prose = sentence_starts(text, starts, ends)
    p = int(np.searchsorted(first, s, side="right")) - 1
    want = int(first[p]) if s > lo and first[p] >= lo and prose[p] else s
    assert opening(doc, lo, s) == opening(doc, lo, s, read_sentences(doc)) == want
    # the sentence of token s ends at the next start (or the text's end), with a mark after it on its line
    e, hi = s + 1, data.draw(st.integers(s + 1, n))
    end = int(first[p + 1]) if p + 1 < len(first) else n
    after = text[ends[end - 1]:starts[end] if end < n else len(text)].split("\n", 1)[0]
    marked = end <= hi and prose[p] and any(c in ".!?;:\u3002\uff01\uff1f" for c in after)
    assert closing(doc, e, hi) == (end if e < hi and e < n and marked else e)


def _one_passage(doc_a, doc_b, data):
    """Random words and facts for two texts' tokens, one equal passage between them, a width."""
    n = min(len(doc_a[1]), len(doc_b[1]))
    words_a = "".join(chr(0x100 + data.draw(st.integers(0, 5))) for _ in range(len(doc_a[1])))
    words_b = "".join(chr(0x100 + data.draw(st.integers(0, 5))) for _ in range(len(doc_b[1])))
    facts_a = np.array([k if data.draw(st.booleans()) else -1 for k in range(len(words_a))])
    facts_b = np.array([k if data.draw(st.booleans()) else -1 for k in range(len(words_b))])
    s0, s1 = sorted(data.draw(st.lists(st.integers(0, n), min_size=2, max_size=2)))
    t0 = data.draw(st.integers(0, n - (s1 - s0)))
    spans = [Span(s0, s1, t0, t0 + s1 - s0, s1 - s0, 1.0, 1.0, ((s0, s1, t0, t0 + s1 - s0),))] if s1 > s0 else []
    width = data.draw(st.integers(0, 10))
    return words_a, words_b, facts_a, facts_b, spans, width


@settings(max_examples=150, deadline=None)
@given(_texts(40), _texts(40), st.data())
def test_openings_and_closings_add_blocks_only_outside_a_passage_and_keep_its_words(doc_a, doc_b, data):
    from dedup.stages.openings import with_closings

    words_a, words_b, facts_a, facts_b, spans, width = _one_passage(doc_a, doc_b, data)
    sides = Side.make(words_a), Side.make(words_b)
    for extend, before in ((with_openings, True), (with_closings, False)):
        out = extend(spans, *sides, facts_a, facts_b, lambda: (doc_a, doc_b), width)
        assert len(out) == len(spans)
        for old, new in zip(spans, out):
            k = len(old.blocks)
            own, added = (new.blocks[-k:], new.blocks[:-k]) if before else (new.blocks[:k], new.blocks[k:])
            assert own == old.blocks and (new.matched, new.score) == (old.matched, old.score)
            if before:
                assert (new.a1, new.b1) == (old.a1, old.b1)
                assert old.a0 - width <= new.a0 <= old.a0 and old.b0 - width <= new.b0 <= old.b0
            else:
                assert (new.a0, new.b0) == (old.a0, old.b0)
                assert old.a1 <= new.a1 <= old.a1 + width and old.b1 <= new.b1 <= old.b1 + width
            for x0, x1, y0, y1 in added:  # the equal words of the opening or closing
                assert words_a[x0:x1] == words_b[y0:y1]
                assert (x1 <= old.a0 and y1 <= old.b0) if before else (x0 >= old.a1 and y0 >= old.b1)


def test_an_acronym_of_a_name_the_other_text_spells_out_is_no_new_fact():
    from dedup.stages.openings import acronym_in

    body = ("spokesman said officials had looked at 340 applications for discretion under the appeals "
            "scheme, and had granted 184 of them before the end of the summer term.")
    a = "A Department for Education and Employment " + body
    b = "A DfEE " + body
    doc = (a, *_tokens(a))
    assert acronym_in("DfEE", doc) and acronym_in("DFEE", doc)
    assert not acronym_in("Raytheon", doc) and not acronym_in("IMF", doc)
    assert dedup.compare(a, b).kind == "duplicate"
    assert dedup.compare(b, a).kind == "duplicate"


_SALES = ("Acme Corp said its sales of widgets rose sharply in the first quarter, helped by strong demand from "
          "export markets and the new products it launched last spring, and reached a record for the company in {}.")


def test_a_new_fact_that_closes_the_formulas_sentence_makes_a_template():
    # the alignment stops before the year; the rest of its sentence is judged with it
    assert dedup.compare(_SALES.format(1986), _SALES.format(1987)).kind == "template"
    assert dedup.compare(_SALES.format(1986), _SALES.format(1986)).kind == "duplicate"


def test_a_code_after_the_last_sentence_is_no_closing_fact():
    # a per-page code after a credit, then a furniture line with a full stop: the stretch
    # runs to the end of the text, but no sentence mark closes it on its own line
    text = ("Acme Corp said its sales of widgets rose sharply in the first quarter, helped by strong demand from "
            "export markets and the new products it launched last spring. Editing by Tom Moreau {}\n"
            "All rights reserved.")
    assert dedup.compare(text.format("JgO3X"), text.format("Q72X4O")).kind == "duplicate"
