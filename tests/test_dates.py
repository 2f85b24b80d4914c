"""Publication dates (record field and article head), wire credits and origin ranking."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.stages.credits import find_credits
from dedup.stages.dates import DATE_ORDERS, find_date, parse_date, parse_record_date
from dedup.models import Document
from dedup.stages.prepare import facts_of
from dedup.stages.provenance import DocFacts, rank_key

EN = "January February March April May June July August September October November December".split()
FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
DE = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
ES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
IT = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split()
PT = "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split()
RU = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()


def formats(dt: datetime, order: str) -> list[str]:
    """``dt`` in every supported style; all-numeric day/month styles in ``order``."""
    m = dt.month - 1
    dm = (dt.day, dt.month) if order == "DMY" else (dt.month, dt.day)
    return [
        dt.strftime("%Y-%m-%d"), dt.strftime("%Y-%m-%dT%H:%M:%S"), f"{dt.year}/{dt.month}/{dt.day}",
        f"{dt.year}.{dt.month:02d}.{dt.day:02d}", "{}.{}.{}".format(*dm, dt.year), "{:02d}/{:02d}/{}".format(*dm, dt.year),
        "{}-{}-{}".format(*dm, dt.year), f"{EN[m]} {dt.day}, {dt.year}", f"{EN[m][:3]}. {dt.day} {dt.year}",
        f"{dt.day} {EN[m]} {dt.year}", f"{dt.day:02d}-{EN[m][:3].upper()}-{dt.year} {dt:%H:%M:%S}.79",
        f"{dt.day} {FR[m]} {dt.year}", f"{dt.day}. {DE[m]} {dt.year}", f"{dt.day} de {ES[m]} de {dt.year}",
        f"{dt.day} {IT[m]} {dt.year}", f"{dt.day} de {PT[m]} de {dt.year}", f"{dt.day} {RU[m]} {dt.year} г.",
        f"{dt.year}年{dt.month}月{dt.day}日", dt.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    ]


DATEISH = ["Sepember 30, 1987", "Sept. 30, 1987", "30 Sepember 1987", "Mar", "10", "2017", "(Reuters)", "-", "\n",
           "/", "PA", "News", "By", "年", "月", "日", "12:00", "GMT+8", ".", "2017/3/10", "10.3.2017", "99/99/2017"]
ANY_TEXT = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(DATEISH)), max_size=30).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_parse_date_never_raises_on_any_text(text):
    for order in DATE_ORDERS:
        for fn in (parse_date, parse_record_date, find_date):
            got = fn(text, order)
            assert got is None or isinstance(got, datetime)
    find_credits(text)


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2049, 12, 31)).map(lambda d: d.replace(microsecond=0)),
       st.sampled_from(DATE_ORDERS))
def test_every_supported_format_round_trips(dt, order):
    for text in formats(dt, order):
        got = parse_record_date(text, order)
        assert got is not None and got.date() == dt.date(), (text, order, got)
        assert parse_date(f"Posted {text} by", order).date() == dt.date(), text


def test_record_field_formats():
    cet = timezone(timedelta(hours=1))
    assert parse_record_date("2017/3/10") == datetime(2017, 3, 10)
    assert parse_record_date("2017-03-10T14:00:00+01:00") == datetime(2017, 3, 10, 14, tzinfo=cet)
    assert parse_record_date("Fri, 10 Mar 2017 14:00:00 +0000") == datetime(2017, 3, 10, 14, tzinfo=timezone.utc)
    assert parse_record_date("1489154400") == datetime(2017, 3, 10, 14, tzinfo=timezone.utc)  # epoch seconds
    assert parse_record_date("10 March 2017 2:30 p.m. EST") == datetime(2017, 3, 10, 14, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_record_date("10/03/2017") == datetime(2017, 3, 10)
    assert parse_record_date("10/03/2017", "MDY") == datetime(2017, 10, 3)
    assert parse_record_date("10/13/2017", "DMY") == datetime(2017, 10, 13)  # 13 cannot be a month
    # styles the regexes do not read go to dateparser
    assert parse_record_date("Friday 10th of March, 2017") == datetime(2017, 3, 10)
    for other in ("2017. március 10.", "10.III.2017"):
        assert parse_date(other) is None and parse_record_date(other) == datetime(2017, 3, 10), other
    for other in ("10 maart 2017", "10 marca 2017", "10 Mart 2017"):  # dateparser's month names, in the regexes too
        assert parse_date(other) == parse_record_date(other) == datetime(2017, 3, 10), other
    # year first is year-month-day: never day and month swapped (dateparser read 2020-13-01 as 13 January)
    for order in ("DMY", "MDY", "YMD"):
        assert parse_record_date("2020-13-01", order) is None and parse_record_date("2020/13/01", order) is None
        assert parse_record_date("2020-12-01", order) == datetime(2020, 12, 1)
    # ISO week and ordinal dates (dateparser read 2020-W01-1 as 1 January)
    assert parse_record_date("2020-W01-1") == parse_record_date("2020W011") == datetime(2019, 12, 30)
    assert parse_record_date("2020-W53-7") == datetime(2021, 1, 3)
    assert parse_record_date("2020-061") == datetime(2020, 3, 1) and parse_record_date("2020-366") == datetime(2020, 12, 31)
    assert [parse_record_date(v) for v in ("2021-366", "2021-000", "2021-W53-1", "2020-W01")] == [None] * 4
    # never a date that depends on the day of the run
    assert parse_record_date("yesterday") is None
    assert parse_record_date("March 2017") is None


def test_a_record_date_that_parses_is_used_not_the_body():
    doc = Document(id="a", date="2017/3/10", text="Title\n\nPosted 1 May 2016\n\nBody text.")
    assert facts_of(doc).date == datetime(2017, 3, 10)
    doc = Document(id="b", date="10 mars 2017", text="Title\n\nPosted 1 May 2016\n\nBody text.")
    assert facts_of(doc).date == datetime(2017, 3, 10)


def test_misspelled_month_is_no_date_and_no_crash():
    line = "registered and exported by Sepember 30, 1987"
    assert parse_date(line) is None
    text = "The new crop must be\n" + line + ",\nthe ministry said.\n"
    assert find_date(text) is None
    assert facts_of(Document(id="r", text=text)).date is None


def test_a_body_sentence_date_is_not_the_publication_date():
    text = ("Farmer who wrote of the valley dies\n\n"
            "Born in Co Kerry on 24 April 1927, he farmed the same hillside all his life and wrote four books.\n\n"
            "He is survived by his wife.")
    assert find_date(text) is None
    assert find_date("Obituary\n\nBorn on 24 April 1927.\n\nHe farmed all his life.") is None
    assert find_date("Obituary\nHe was born on 24 April 1927 in Tralee\nand farmed there.") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Title\nWASHINGTON, March 3, 2017 (Reuters) - The president said on Friday that he would act soon.",
         datetime(2017, 3, 3)),
        ("Titre\nPARIS, 10 mars 2017 (AFP) - Le président a déclaré vendredi qu'il agirait bientôt, a-t-il dit.",
         datetime(2017, 3, 10)),
        ("Title\nBy Stephen Howard, PA News\nUpdated: 10 March 2017 14:00 GMT\n\nThe body starts here and runs long enough.",
         datetime(2017, 3, 10, 14, tzinfo=timezone.utc)),
        ("标题\n2017年06月09日 08:36 来源：新华网\n\n正文开始。", datetime(2017, 6, 9, 8, 36)),
        # a standfirst may come before the date line
        ("Headline\nA standfirst sentence that sums the story up in a line of many words, as they do.\n"
         "Eurasia/Xinhua 16/05/2024 17:54\n\nThe body.", datetime(2024, 5, 16, 17, 54)),
    ],
)
def test_datelines_and_date_lines(text, expected):
    assert find_date(text) == expected


def test_no_date_after_the_body_has_begun():
    text = ("Headline\nFirst body sentence, which is long enough to count as prose here.\n"
            "Second body sentence, which is long enough to count as prose here too.\nPosted 1 May 2016\n")
    assert find_date(text) is None


def test_credits_from_credit_positions_only():
    assert find_credits("HEADLINE\n\nBy Stephen Howard, PA News\n\nA man was jailed today for a long time.") == ["PA"]
    assert find_credits("HEADLINE\n\nBy PA News Reporter\n\nA man was jailed today for a long time.") == ["PA"]
    assert find_credits("Title\n\nA Reuters poll showed that most voters back the plan, the paper said today.") == []
    assert find_credits("Title\n\nBody text that is long enough to be a sentence in prose, it ends.\n\nSource: Xinhua") == ["Xinhua"]
    assert find_credits("Title\n\nBody text that is long enough to be a sentence in prose, it ends.\n— AP") == ["AP"]
    assert find_credits("Harrisburg, PA\n\nThe town council met today and voted to close the old bridge.") == []
    body = "LONDON (AFP) - The minister said on Monday that the talks would resume, officials said."
    assert find_credits("Talks to resume\n" + body) == ["AFP"]
    later = "Talks to resume\n" + "\n".join(["The minister said the talks would resume next week, officials said."] * 8)
    assert find_credits(later + "\nAs the AP reported (AP) earlier, the talks had stalled for a long time now.\nMore.\nEven more.\nThe end.") == []


def _facts(doc_id, date=None, credits=()):
    return DocFacts(doc_id, None, date, None, tuple(credits))


def test_origin_ranking_credit_outranks_completeness_without_dates():
    story = "A man was jailed for seven years today for running a drugs ring, the court heard."
    wire = facts_of(Document(id="z-wire", text=f"DRUGS BOSS JAILED\n\nBy Stephen Howard, PA News\n\n{story}"))
    paper = facts_of(Document(id="a-paper", text=f"{story}\n\n{story} He denied it at first.\n\nHe was led away."))
    assert wire.credits == ("PA",) and paper.credits == ()
    assert sorted([paper, wire], key=lambda f: rank_key(f, 50 if f is wire else 500))[0] is wire


def test_origin_ranking_wire_on_the_same_day_as_a_paper():
    # the paper's date is a day (read as midnight), the wire's the minute it was filed
    wire = _facts("z-wire", datetime(2000, 3, 1, 15, 51), ("PA",))
    paper = _facts("a-paper", datetime(2000, 3, 1))
    assert sorted([paper, wire], key=lambda f: rank_key(f, 100))[0] is wire
    # an earlier day still wins, credit or not
    earlier = _facts("b-paper", datetime(2000, 2, 29, 23, 0))
    assert sorted([earlier, wire], key=lambda f: rank_key(f, 100))[0] is earlier


def test_cli_date_order(run_cli, tmp_path):
    corpus = tmp_path / "c.jsonl"
    body = " ".join(f"word{k}" for k in range(80))
    corpus.write_text("\n".join(json.dumps({"id": i, "text": body + ".", "date": "03/04/2017"}) for i in ("a", "b")))
    code, out, _ = run_cli("cluster", corpus, "-f", "json", "-q", "--date-order", "MDY")
    assert code == 0 and json.loads(out)["documents"][0]["date"] == "2017-03-04T00:00:00"
    code, out, _ = run_cli("cluster", corpus, "-f", "json", "-q")
    assert code == 0 and json.loads(out)["documents"][0]["date"] == "2017-04-03T00:00:00"
    assert json.loads(out)["config"]["date_order"] == "DMY"
    code, _, err = run_cli("cluster", corpus, "--date-order", "XYZ")
    assert code == 2 and "date-order" in err


def test_sign_offs_and_wrapped_tails():
    table = "Shr 1.20 vs 1.10\nNet 4.5 mln vs 3.9 mln\nRevs 90.1 mln vs 80.2 mln\n Reuter\n"
    assert find_credits("Company earnings\n" + table) == ["Reuters"]  # the wire's old sign-off
    wrapped = ("Company sells unit\nThe company said it sold the unit, a spokesman told\n"
               "    Reuters, based in London, supplies a wide range of\nnews and prices to banks.\n")
    assert find_credits(wrapped) == []  # a hard-wrapped sentence that names the agency
    assert find_credits("Talks resume\n\nBy Tim Reuter\n\nThe talks resumed on Monday after a long pause, officials said.") == []


def test_a_record_date_that_is_no_date_is_noted_and_the_text_read(tmp_path):
    """A feed's date field that reads as a date in no day order is ignored (the text's
    head gives the date) and the user is told, file and line; one that reads in some
    order (the run's order is applied later) is no problem."""
    from dedup import read_corpus

    rows = [("a", "Febuary 30 2020"), ("b", "2017/3/10"), ("c", "31/02/2020"), ("d", "02/13/2020"), ("e", "0000-00-00")]
    text = "Harbour to dredge channel\n\nLONDON, March 3, 2017 (Reuters) - The board agreed on Monday to dredge it."
    (tmp_path / "f.jsonl").write_text("".join(json.dumps({"id": i, "date": d, "text": text}) + "\n" for i, d in rows))
    docs, problems = read_corpus(tmp_path / "f.jsonl")
    assert [d.id for d in docs] == ["a", "b", "c", "d", "e"]
    assert [(p.line, p.skipped, p.message.split(":")[0]) for p in problems] == [
        (1, False, "field 'date'"), (3, False, "field 'date'"), (5, False, "field 'date'")]
    assert facts_of(docs[0]).date == datetime(2017, 3, 3)
