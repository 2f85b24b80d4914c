"""Template series (a formula with new facts) against copies (the facts repeated)."""
import csv
import io
import json
import random

import numpy as np
from hypothesis import given, settings, strategies as st

import dedup
from dedup.stages.facts import fact_mask
from dedup.stages.normalize import tokenize

FORMULA = (
    "Floor traders at the Chicago Mercantile Exchange estimated today that the hog slaughter "
    "would reach about {a} to {b} head, compared with {c} head a week ago and {d} head a year ago, "
    "according to figures compiled by {firm} before the opening. The estimate for cattle stood at "
    "about {e} to {f} head against {g} head last week, brokers at {firm2} said, adding that the "
    "pace of marketing was in line with expectations for the season and that supplies should "
    "remain ample through the coming weeks as feedlots move animals to market."
)
FIRMS = ["Harlow", "Beaumont", "Castellan", "Dunmore", "Everard", "Fairbrook", "Greville", "Holloway"]


def issue(rng: random.Random) -> str:
    # Daily figures move within a range, so most of them recur somewhere in the corpus
    # (as real ones do): the issues are not mistaken for OCR-damaged text.
    num = lambda: f"{rng.randint(24, 31) * 10},000"  # noqa: E731
    f1, f2 = rng.sample(FIRMS, 2)
    return FORMULA.format(a=num(), b=num(), c=num(), d=num(), e=num(), f=num(), g=num(), firm=f1, firm2=f2)


def corrected(text: str) -> str:
    """The same report with its last figure changed (a correction)."""
    k = max(i for i, ch in enumerate(text) if ch.isdigit())
    return text[:k] + ("1" if text[k] != "1" else "2") + text[k + 1:]


ARTICLE = (
    "The regional council of Westbury approved on Tuesday a plan of 42 mln euros to rebuild the harbour "
    "wall damaged by the storms of last winter, Mayor Ilse Marquardt told reporters after the vote. "
    "The plan, drafted with engineers from Nordhaven University, foresees a wall raised by 1.8 metres "
    "and a new lock for fishing boats, with work starting in March and ending within three years. "
    "Opposition members said the cost had doubled since the first estimate of 21 mln euros and asked "
    "for an audit by the national court of accounts before any contract is signed."
)


def test_formula_with_new_figures_and_names_is_a_template():
    rng = random.Random(1)
    assert dedup.compare(issue(rng), issue(rng)).kind == "template"


def test_copy_with_one_corrected_figure_is_a_copy():
    assert dedup.compare(ARTICLE, corrected(ARTICLE)).kind == "duplicate"
    rng = random.Random(2)
    text = issue(rng)
    assert dedup.compare(text, text).kind == "duplicate"


def test_figures_are_one_fact_and_sentence_starts_are_not_names():
    text = "Sales rose to 290,000 units. Analysts at Harlow said so."
    s, e, _ = tokenize(text)
    unit = fact_mask(text, s, e)
    toks = [text[a:b] for a, b in zip(s.tolist(), e.tolist())]
    facts = {toks[k]: int(unit[k]) for k in range(len(toks)) if unit[k] >= 0}
    assert set(facts) == {"290", "000", "Harlow"}  # "Sales", "Analysts" open sentences
    assert facts["290"] == facts["000"]
    shout = "SALES ROSE TO 290 UNITS AT HARLOW"
    s, e, _ = tokenize(shout)
    assert [shout[a:b] for a, b, u in zip(s, e, fact_mask(shout, s, e)) if u >= 0] == ["290"]


def _facts(text: str) -> list[str]:
    s, e, h = tokenize(text)
    return [text[a:b] for a, b, u in zip(s.tolist(), e.tolist(), fact_mask(text, s, e, h).tolist()) if u >= 0]


def test_numbers_spelled_out_are_figures():
    assert _facts("the bank arranged two billion dlrs of agreements") == ["two", "billion"]
    assert _facts("it added one billion dlrs and one of them left") == ["one", "billion"]  # "one of": no figure
    assert _facts("die bank gab zwei millionen aus, dreißig mehr") == ["zwei", "millionen", "dreißig"]
    assert _facts("someone once said it was due") == []  # common words of another language left out
    assert _facts("rainfall was nil at the first station and zero at the second") == ["nil", "zero"]
    s, e, h = tokenize("spent one-hundred days")
    assert fact_mask("spent one-hundred days", s, e, h).tolist() == fact_mask("spent one-hundred days", s, e).tolist()


NOTICE = (
    "The Federal Reserve entered the government securities market to arrange {amount} dlrs of customer "
    "repurchase agreements, a spokesman for the New York Fed said. Fed funds were trading at {rate} pct at "
    "the time of the indirect injection of temporary reserves, dealers said."
)


def test_a_notice_with_an_amount_in_words_and_a_new_rate_is_a_template():
    a = NOTICE.format(amount="one billion", rate="5-15/16")
    b = NOTICE.format(amount="two billion", rate="6-3/16")
    assert dedup.compare(a, b).kind == "template"
    assert dedup.compare(a, a).kind == "duplicate"


_words = st.sampled_from(["the", "market", "Harlow", "rose", "to", "12", "3.5", "said", "Tuesday", "bank",
                          "Westbury", "of", "percent", "shares", "on", "March", "and", "a", "report", "1987"])
_texts = st.lists(_words, min_size=40, max_size=90).map(lambda w: " ".join(w) + ".")


@settings(max_examples=25, deadline=None)
@given(_texts)
def test_a_document_and_itself_are_never_a_template(text):
    assert dedup.compare(text, text).kind != "template"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_the_kind_is_symmetric(seed):
    rng = random.Random(seed)
    a = issue(rng)
    b = issue(rng) if rng.random() < 0.5 else corrected(a)
    assert dedup.compare(a, b).kind == dedup.compare(b, a).kind


def _corpus() -> list[dict]:
    rng = random.Random(5)
    docs = [{"id": f"day{k}", "text": issue(rng), "date": f"2024-03-0{k + 1}T09:00:00"} for k in range(4)]
    docs.append({"id": "day0-fix", "text": corrected(docs[0]["text"]), "date": "2024-03-01T11:00:00"})
    docs.append({"id": "news", "text": ARTICLE, "date": "2024-03-02T10:00:00"})
    docs.append({"id": "news-copy", "text": ARTICLE.replace("Tuesday", "Tuesday evening"),
                 "date": "2024-03-02T12:00:00"})
    return docs


def test_templates_are_kept_out_of_clusters_by_default():
    report = dedup.cluster(_corpus(), jobs=1)
    clustered = {frozenset(m.doc_id for m in c.members) for c in report.clusters}
    assert clustered == {frozenset({"day0", "day0-fix"}), frozenset({"news", "news-copy"})}
    assert all(link.kind != "template" for c in report.clusters for link in c.links)
    assert [c.kind for c in report.templates] == ["template"]
    series = report.templates[0]
    assert {m.doc_id for m in series.members} >= {"day1", "day2", "day3"}
    assert {link.kind for link in series.links} == {"template"}
    assert series.id == "t1" and "template" in {m.role for m in series.members}


def test_an_option_puts_templates_into_the_clusters():
    report = dedup.cluster(_corpus(), config=dedup.Config(template_links=True), jobs=1)
    assert report.templates == []
    big = report.clusters[0]
    assert {m.doc_id for m in big.members} >= {"day0", "day0-fix", "day1", "day2", "day3"}
    assert {link.kind for link in big.links} >= {"template", "duplicate"}
    assert big.kind == "template"  # copy links alone do not connect it


def test_every_output_format_shows_the_kind(run_cli, tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in _corpus()), encoding="utf-8")
    code, out, _ = run_cli("cluster", path, "-f", "json")
    data = json.loads(out)
    assert code == 0 and [c["kind"] for c in data["templates"]] == ["template"]
    assert {link["kind"] for link in data["templates"][0]["links"]} == {"template"}
    code, out, _ = run_cli("cluster", path, "-f", "jsonl")
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["kind"] for x in lines].count("template") == 1 and lines[-1]["id"] == "t1"
    code, out, _ = run_cli("cluster", path, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["doc_id"] for r in rows if r["kind"] == "template"} >= {"day1", "day2", "day3"}
    code, out, _ = run_cli("cluster", path)
    assert "t1  template" in out and "1 template series" in out
    code, out, _ = run_cli("cluster", path, "-f", "json", "--include-templates")
    data = json.loads(out)
    assert data["templates"] == [] and "template" in {x["kind"] for c in data["clusters"] for x in c["links"]}


def test_fact_mask_is_empty_for_no_tokens():
    assert len(fact_mask("", np.zeros(0, np.int32), np.zeros(0, np.int32))) == 0


MERGER = (
    "Officials of Calderwood Holdings said on the telephone that the directors of Pemberton Mills had "
    "accepted the offer that the board of Calderwood Holdings put to them after a long debate about the "
    "costs and the timing of the proposed merger of the two companies, which had been discussed for most "
    "of the year by the lawyers and the advisers of both sides."
)


def test_a_name_misspelt_is_no_new_fact():
    # Every name of the copy misread by one letter (OCR damage, a typo): no fact is new.
    misread = MERGER.replace("Calderwood", "Caldenwood").replace("Pemberton", "Pembertom")
    assert dedup.compare(MERGER, misread).kind == "duplicate"
    # Other names at the same places are new facts: another issue of a formula.
    other = MERGER.replace("Calderwood", "Ashbourne").replace("Pemberton", "Kingsley")
    assert dedup.compare(MERGER, other).kind == "template"
    # Short names one letter apart are different names (Mark, Mary).
    short = MERGER.replace("Calderwood", "Mark").replace("Pemberton", "Joan")
    assert dedup.compare(short, short.replace("Mark", "Mary").replace("Joan", "John")).kind == "template"


def test_show_finds_a_template_series_by_its_id_and_by_a_member(run_cli, tmp_path):
    """`dedup show REPORT t1`: a series is shown as a cluster is (it was 'no cluster or
    document'), and so is a document that is only in a series."""
    from dedup.stages.report import to_json

    path = tmp_path / "r.json"
    path.write_text(to_json(dedup.cluster(_corpus(), jobs=1)), encoding="utf-8")
    for key in ("t1", "day2"):
        code, out, err = run_cli("show", path, key)
        assert code == 0 and out.startswith("t1  template") and "day3" in out, (key, err)
    code, out, err = run_cli("show", path, "day0")  # in a copy cluster too: that one
    assert code == 0 and out.startswith("c") and "day0-fix" in out


RAINFALL = ("THE FOLLOWING RAINFALL WAS RECORDED IN THE GROWING AREAS OVER THE PAST 24 HOURS. "
            "NORTHERN STATE: ARANDA {a}, BELMONTE {b}, CASTELO {c}. SOUTHERN STATE: DORADA {d}, ESTRELA {e}, "
            "FLORESTA {f}. REUTER")


def test_a_table_of_figures_where_one_issue_says_nil_is_a_template():
    # an all-caps text (only figures are facts): a day without rain says "NIL" where another
    # day has figures, and zero is a figure too
    a = RAINFALL.format(a="10.6 MM", b="12.2 MM", c="6.0 MM", d="8.0 MM", e="1.0 MM", f="26.0 MM")
    b = RAINFALL.format(a="NIL", b="NIL", c="NIL", d="NIL", e="NIL", f="NIL")
    assert dedup.compare(a, b).kind == "template"
    assert dedup.compare(a, a).kind == "duplicate"


def test_a_figure_spelled_out_and_in_digits_is_one_figure():
    from dedup.stages.facts import figure_value

    assert figure_value("seven and a half") == figure_value("7½") == 7.5
    assert figure_value("two billion") == figure_value("2 billion") == figure_value("2,000 million")
    assert figure_value("7-3/4") == figure_value("7 3/4") == 7.75
    assert figure_value("twenty-five") == 25 and figure_value("one thousand two hundred") == 1200
    assert figure_value("Smith") is None and figure_value("and") is None and figure_value("") is None


SENTENCE = ("A former soldier who ran a cannabis farm from a disused chapel in the hills was jailed for {term} "
            "years after the jury heard how he sold the crop to dealers through a network of couriers paid in cash, "
            "and how the police found the plants behind a false wall in the vestry of the old building.")


def test_a_copy_that_spells_a_figure_out_stays_a_copy_and_another_figure_is_new():
    # the term is the passage's only fact: stated two ways it would be all the fact weight
    digits, words = SENTENCE.format(term="7½"), SENTENCE.format(term="seven and a half")
    assert dedup.compare(digits, words).kind == "duplicate"
    assert dedup.compare(words, digits).kind == "duplicate"
    assert dedup.compare(digits, SENTENCE.format(term="six")).kind == "template"


def test_a_figure_of_thousands_of_digits_is_read_as_no_number():
    from dedup.stages.facts import figure_value

    assert figure_value("7-" + "1" * 5000 + "/2") is None and figure_value("9" * 5000) is None
    a = SENTENCE.format(term="7-" + "1" * 5000 + "/2")
    assert dedup.compare(a, SENTENCE.format(term="7-3/4")).kind in ("duplicate", "partial", "template", None)  # no error


NURSE = ("A woman wept as she told the jury at the Old Bailey how she woke in the ward at night and saw the nurse "
         "standing over her bed while the lights were dimmed and the other patients in the room were asleep. She "
         "had been taken to the hospital with pains, and Fenwick, {who}, came to her bed. The jury heard that she "
         "felt unable to move her arms or legs for what seemed like many minutes and that she was too frightened "
         "to call out to anyone on the ward until the morning came.")


def test_a_rewrite_that_cuts_names_for_a_few_words_of_its_own_is_a_copy():
    # the wire names four places where the paper says "38": a cut, not a slot filled anew
    # (each of the four counted as a new fact, this was a template: 5 differing against 4
    # repeated)
    story = NURSE.format(who="of Brantley, Hampshire, at St Aldhelm's, Wexcombe")
    paper = NURSE.format(who="38")
    assert dedup.compare(story, paper).kind == "duplicate" == dedup.compare(paper, story).kind
    # as many other places in the same slot: another issue of the formula
    other = NURSE.format(who="of Durley, Wiltshire, at St Brigid's, Calcombe")
    assert dedup.compare(story, other).kind == "template" == dedup.compare(other, story).kind
