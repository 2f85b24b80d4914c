"""A formula filled anew with another subject is a template, however many of the day's
figures the two repeat; a copy keeps its subject through an edited lede, a lede set in
capitals or a misspelt name (dedup.stages.subjects)."""
import re

import dedup
from hypothesis import given, settings, strategies as st

from textgen import article

# Invented notices in the shape of a wire service's crude-posting notices: on one day
# several companies post the same new prices, so all figures and fixed names repeat.
POSTING = (
    "{firm} said it raised its posted prices for crude oil across the board by 50 cts a "
    "barrel, effective June 17. The company said its new posting for West Texas "
    "Intermediate and West Texas Sour is 19 dlrs a barrel, while Light Louisiana Sweet is "
    "now posted at 19.35 dlrs a barrel, the company said."
)
STORY = (
    "{lede} jailed for life at the Crown Court yesterday faces further inquiries into the murder of a "
    "shopkeeper in Dunmere last spring. Edwin Farrant, 41, told the jury he had never met "
    "the victim, but detectives found his fingerprints on the till and a witness saw him "
    "leave the shop minutes before the body was discovered by a delivery driver."
)


def _clustered(texts: dict[str, str]):
    docs = [{"id": k, "text": v} for k, v in texts.items()]
    # other news, which names the pair's words too (a text whose words no other text has
    # reads as OCR damage in so small a corpus)
    named = sorted({w for t in texts.values() for w in re.findall(r"\w+", t)})
    docs += [{"id": f"x{k}", "text": article(k, paragraphs=3) + "\n\n" + " ".join(named[k::3]) + " Group Inc."}
             for k in range(12)]
    report = dedup.cluster(docs)
    copies = {frozenset((ln.source, ln.target)): ln.kind for c in report.clusters for ln in c.links}
    series = {frozenset((ln.source, ln.target)) for t in report.templates for ln in t.links}
    return copies, series


def test_notices_of_two_companies_on_one_formula_are_a_template():
    copies, series = _clustered({"a": POSTING.format(firm="Orvane Oil Co"),
                                 "b": POSTING.format(firm="Tallis Petroleum Corp")})
    assert frozenset("ab") in series and frozenset("ab") not in copies


def test_a_notice_copied_under_an_edited_lede_stays_a_copy():
    copies, series = _clustered({"a": POSTING.format(firm="Orvane Oil Co"),
                                 "b": POSTING.format(firm="Orvane Oil Company of Houston")})
    assert copies.get(frozenset("ab")) in ("duplicate", "partial") and frozenset("ab") not in series


def test_a_misspelt_subject_is_the_same_subject():
    copies, _ = _clustered({"a": POSTING.format(firm="Meridane Group"), "b": POSTING.format(firm="Meridnae Group")})
    assert copies.get(frozenset("ab")) in ("duplicate", "partial")


def test_a_lede_set_in_capitals_names_no_new_subject():
    copies, _ = _clustered({"a": STORY.format(lede="A sadistic Ripper-style killer,"),
                            "b": STORY.format(lede="A MAN")})
    assert copies.get(frozenset("ab")) in ("duplicate", "partial")


_NAME = st.sampled_from(["Orvane", "Tallis", "Meridane", "Quell", "Brandt", "Halvor", "Oil", "Bank", "Co", "Inc",
                         "National", "Petroleum", "Corp"]) | st.text(
    st.sampled_from("AbCdEÉžЖжΩω0'’-.\u0301"), min_size=1, max_size=9)  # other scripts, caps, marks, figures


@settings(max_examples=60, deadline=None)
@given(st.lists(_NAME, min_size=1, max_size=4), st.lists(_NAME, min_size=1, max_size=4))
def test_the_subject_rule_is_symmetric_and_a_document_keeps_its_own_subject(firm_a, firm_b):
    a, b = POSTING.format(firm=" ".join(firm_a)), POSTING.format(firm=" ".join(firm_b))
    assert dedup.compare(a, b).kind == dedup.compare(b, a).kind
    assert dedup.compare(a, a).kind == "duplicate"
