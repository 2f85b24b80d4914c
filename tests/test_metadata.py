from datetime import datetime, timedelta, timezone

import pytest

from dedup.stages.metadata import find_credits, find_date, find_title, parse_date


@pytest.mark.parametrize(
    "text, expected",
    [
        (" date 2024-07-04 Chinese President", datetime(2024, 7, 4)),
        ("2024.05.16 11:55 GMT+8", datetime(2024, 5, 16, 11, 55, tzinfo=timezone(timedelta(hours=8)))),
        ("Eurasia/Xinhua 16/05/2024 17:54", datetime(2024, 5, 16, 17, 54)),
        ("2017-06-09 08:36Xinhua Editor: Mo", datetime(2017, 6, 9, 8, 36)),
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1)),
        ("Posted June 8, 2017 by", datetime(2017, 6, 8)),
        ("8 June 2017", datetime(2017, 6, 8)),
        ("05/16/2024", datetime(2024, 5, 16)),  # month first only when day-first is impossible
        ("2024-01-02T10:00:00Z", datetime(2024, 1, 2, 10, tzinfo=timezone.utc)),
    ],
)
def test_parse_date_styles(text, expected):
    assert parse_date(text) == expected


def test_impossible_dates_are_not_dates():
    assert parse_date("2024-13-45") is None
    assert parse_date("no date here") is None


def test_find_date_reads_the_head_not_the_body():
    body = "\n".join(["Headline here"] + ["Body line without a date."] * 20 + ["2020-01-01"])
    assert find_date(body) is None


def test_find_title_skips_dates_short_lines_and_markup():
    text = "2024.05.16 11:55 GMT+8\n\nLINE\n## Leaders meet on trade ties\n\nBody text that is long."
    assert find_title(text) == "Leaders meet on trade ties"
    prose = "This is a long first sentence of an article that runs well past any headline length and ends with a period as prose does."
    assert find_title(prose) is None


def test_credits():
    # credit positions: dateline, photo credit, source line (a mention in prose is no credit)
    assert find_credits("BEIJING (Reuters) - ... Photo: AFP/X ... Source: Xinhua") == ["Xinhua", "Reuters", "AFP"]
    assert find_credits("APPLE rose; the map was updated") == []


def _literal_names():
    """Every agency's names as printed: each top-level alternative, optional parts left out."""
    import re

    from dedup.stages.agencies import AGENCIES as _AGENCIES

    for agency, rx in _AGENCIES:
        plain = re.sub(r"\[([^]])[^]]*\]", r"\1", re.sub(r"\(\?:[^()]*\)\?", "", rx))  # no group is left
        for name in plain.split("|"):
            yield agency, name


@pytest.mark.parametrize("agency,name", list(_literal_names()))
def test_every_known_name_is_credited_on_a_source_line(agency, name):
    """The names were one alternation split at every "|", also inside "(?: Agency| Ajansı)?":
    the names sorted between that group's halves ("Associated Press", "Canadian Press",
    "RIA Novosti", "Agencia EFE", "Kyodo News") could only follow "Anadolu"."""
    body = "\n\nThe story goes on with many words in it, as a real paragraph of prose does.\n\nMore.\n"
    assert agency in find_credits(f"Headline\n\nSource: {name}{body}"), name
