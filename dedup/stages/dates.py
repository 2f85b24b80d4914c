"""Publication dates: from the record's own ``date`` field, else from the article's head.

Two readers, for two jobs:

- :func:`parse_record_date` reads a record's ``date`` field, a value that is meant to be a
  date. Fast regexes take the common feed styles (ISO with or without zone, ``2017/3/10``,
  ``10.3.2017``, ``10/03/2017``, ``March 10, 2017``, ``10 mars 2017``, RFC 2822,
  ``26-FEB-1987 15:01:01.79``, epoch seconds); anything else goes to dateparser (many
  languages and styles), cached, with relative dates ("yesterday") and partial dates
  ("March 2017") refused so that the answer never depends on the day of the run.
- :func:`find_date` looks for the date in the article's head only: the short, date-like
  lines before the body proper (a byline/date line, "Posted June 8, 2017 by") and the
  dateline that opens the first paragraph ("PARIS, 10 mars 2017 (AFP) -"). A date in a
  body sentence ("Born in Co Kerry on 24 April 1927") is history, not the publication.

All-numeric dates: a four-digit year fixes its own place; year-first (``2017/3/10``) is
always year-month-day. When day and month could be swapped (``10/03/2017``) a part above
12 decides; otherwise ``date_order`` does: ``DMY`` (the default, the order of most of the
world's press) reads day first, ``MDY`` and ``YMD`` month first. A word that is not a
month name (a misspelling such as "Sepember") is not a date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import islice

from .agencies import agency_named
from .months import DIGITS, month_number
from .normalize import MARK_CLASS, SENTENCE_TERMINALS

DATE_ORDERS = ("DMY", "MDY", "YMD")
DEFAULT_DATE_ORDER = "DMY"
HEAD_LINES = 15  # dates and titles live in the first lines of an article

# A timezone abbreviation is read only when it names one offset (not CST, IST: each is two).
_ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8,
    "pdt": -7, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "msk": 3, "jst": 9, "kst": 9,
    "hkt": 8, "sgt": 8, "aest": 10, "aedt": 11,
}
_YEAR = r"(?P<y>(?:19|20)\d\d)"
# letters and the marks inside them (a Devanagari or Thai month name has vowel signs, which \w leaves out)
_MON = rf"(?P<mon>(?:[^\W\d_]|[{MARK_CLASS}]){{3,15}})\.?"
_TIME = (
    r"(?:(?:\s*,\s*|\s+|T)(?:at\s+|à\s+|um\s+|a las\s+|alle\s+|às\s+|в\s+)?"
    r"(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<ampm>[ap]\.?m\.?(?![^\W\d_]))?"
    r"(?:\s*(?:(?P<zn>UTC|GMT|Z|[ECMP][SD]T|BST|CES?T|EES?T|MSK|JST|KST|HKT|SGT|AES?T|AEDT)(?![^\W\d_]))?"
    r"\s*(?P<tz>[+-]\d{1,2}(?::?\d{2})?)?)?)?"
)
_PATTERNS = [
    # 2017-03-10, 2017/3/10, 2017.03.10 (year first is always Y-M-D)
    re.compile(rf"(?<![\d.]){_YEAR}(?P<sep>[-./])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?![\d])" + _TIME, re.I),
    # 10/03/2017, 10.3.2017, 10-03-2017 (day/month order: see the module docstring)
    re.compile(rf"(?<![\d.])(?P<a>\d{{1,2}})(?P<sep>[-./])(?P<b>\d{{1,2}})(?P=sep){_YEAR}(?!\d)" + _TIME, re.I),
    # 10 March 2017, 10-MAR-1987, 1er mars 2017, 10. März 2017, 10 de marzo de 2017, 10 марта 2017 г.
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?[\s-]+(?:de\s+|of\s+)?{_MON},?[\s-]+(?:de\s+|del\s+)?{_YEAR}(?!\d)" + _TIME, re.I),
    # March 10, 2017, Mar. 10th 2017
    re.compile(rf"(?<![^\W\d_]){_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)" + _TIME, re.I),
    # 2017年3月10日 (Chinese, Japanese), 2017년 3월 10일 (Korean)
    re.compile(rf"{_YEAR}\s*[年년]\s*(?P<m>\d{{1,2}})\s*[月월]\s*(?P<d>\d{{1,2}})\s*[日号일]" + _TIME, re.I),
    # 3 มีนาคม 2567, 3 มี.ค. 2567: Thai dates count years of the Buddhist Era (543 before the Common Era)
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*(?P<mon>[\u0e01-\u0e4e][\u0e01-\u0e4e.]{2,15})\s*(?:พ\.ศ\.\s*)?(?P<be>25\d\d)(?!\d)"
               + _TIME),
]
_EPOCH = re.compile(r"\s*(\d{9,10})(?:\.\d+)?\s*")
# the commonest record form, 2017-03-10T09:16:55: what _PATTERNS[0] reads it as, without the search
_YEAR_FIRST = re.compile(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)")
_ISO_WEEK_OR_DAY = re.compile(r"(\d{4})-?(?:W(\d\d)(?:-?([1-7]))?|(\d{3}))")  # the day alone: a full date
_ISO_SECONDS = re.compile(r"((?:19|20)\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")


def _zone(name: str | None, offset: str | None) -> timezone | None:
    minutes = None
    if name:
        minutes = _ZONES.get(name.lower(), 0) * 60
    if offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        h, m = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
        if h > 14 or m > 59:
            return None
        minutes = (minutes or 0) + sign * (h * 60 + m)
    return None if minutes is None else timezone(timedelta(minutes=minutes))


def _from_match(m: re.Match, order: str) -> datetime | None:
    gd = m.groupdict()
    year = int(gd["y"]) if gd.get("y") else int(gd["be"]) - 543
    if gd.get("a"):
        a, b = int(gd["a"]), int(gd["b"])
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        else:
            day, month = (a, b) if order == "DMY" else (b, a)
    else:
        day = int(gd["d"])
        month = month_number(gd["mon"].replace(".", "") if gd.get("be") else gd["mon"]) if gd.get("mon") else int(gd["m"])
        if month is None:
            return None
    hour, minute, second = (int(gd[k]) if gd.get(k) else 0 for k in ("H", "M", "S"))
    ampm = (gd.get("ampm") or "").lower()[:1]
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm == "p" and hour < 12:
        hour += 12
    elif ampm == "a" and hour == 12:
        hour = 0
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_zone(gd.get("zn"), gd.get("tz")))
    except ValueError:
        return None


def date_matches(text: str, order: str = DEFAULT_DATE_ORDER):
    """``(start, end, datetime)`` of every date printed in ``text``, by position."""
    if not text.isascii():
        text = text.translate(DIGITS)
    if "19" not in text and "20" not in text and ("25" not in text or text.isascii()):  # every pattern needs a year
        return []
    found = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            dt = _from_match(m, order)
            if dt is not None:
                found.append((m.start(), m.end(), dt))
    found.sort(key=lambda t: (t[0], -t[1]))
    out, end = [], -1
    for s, e, dt in found:
        if s >= end:
            out.append((s, e, dt))
            end = e
    return out


def parse_date(text: str, order: str = DEFAULT_DATE_ORDER) -> datetime | None:
    """The first date (with time and zone when printed) in ``text``, or None. Never raises."""
    found = date_matches(text, order)
    return found[0][2] if found else None


def parse_record_date(value: str, order: str = DEFAULT_DATE_ORDER, guess: bool = True) -> datetime | None:
    """A record's own ``date`` field as a datetime, or None when it is not a full date.
    ``guess``: else dateparser (milliseconds a call) is not asked about what the
    patterns do not read."""
    value = value.strip()
    if not value:
        return None
    m = _ISO_SECONDS.fullmatch(value)
    if m:
        try:
            return datetime(*map(int, m.groups()))
        except ValueError:
            pass  # no such day or time: the patterns read what they can of it
    m = _EPOCH.fullmatch(value)
    if m:
        return datetime.fromtimestamp(int(m.group(1)), timezone.utc)
    if not any(c.isdigit() for c in value):
        return None  # every full date has a year in digits; spares dateparser "yesterday"
    if m := _ISO_WEEK_OR_DAY.fullmatch(value):  # 2020-W01-1, 2020-001: ISO's week and ordinal dates
        return _week_or_ordinal(*m.groups())
    got = parse_date(value, order)
    if got is None and _YEAR_FIRST.match(value):
        # year-first numbers are year-month-day whatever the order: dateparser read
        # "2020-13-01" as 13 January (day and month swapped), "2020-W01-1" as 1 January
        return None
    return got or (_dateparser(value[:200], order) if guess else None)


_LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "ru", "zh", "ja", "ko", "nl", "pl", "tr", "ar",
              "sv", "da", "nb", "fi", "cs", "el", "uk", "id", "ro", "hu"]


def _week_or_ordinal(year: str, week: str | None, weekday: str | None, ordinal: str | None) -> datetime | None:
    """An ISO week date (``2020-W01-1``: Monday of week 1, 2019-12-30) or ordinal date
    (``2020-061``: the 61st day) as a datetime; None for no such day, or a week alone."""
    try:
        if ordinal is not None:
            day = int(ordinal)
            if not 1 <= day <= (366 if calendar.isleap(int(year)) else 365):
                return None
            return datetime(int(year), 1, 1) + timedelta(days=day - 1)
        if weekday is None:
            return None  # a week is no full date
        return datetime.combine(date.fromisocalendar(int(year), int(week), int(weekday)), time())
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _dateparser(value: str, order: str) -> datetime | None:
    # Only for record fields the regexes did not read: 2-7 ms a call warm and about a
    # second on first use (the regexes: under 0.1 ms), too slow to scan a corpus's lines.
    try:
        got = _parser(order).get_date_data(value).date_obj
    except Exception:  # dateparser raises assorted errors on odd text; a bad field is no date
        return None
    if got is None or not 1800 <= got.year <= 2200:
        return None
    return got


@lru_cache(maxsize=4)
def _parser(order: str):
    from dateparser.date import DateDataParser  # imported on first use: it takes ~0.5 s


    settings = {
        # no relative dates ("yesterday") and no filling of missing parts from today:
        # the answer must not depend on when dedup runs
        "PARSERS": ["custom-formats", "absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
        "DATE_ORDER": order,
        "PREFER_DAY_OF_MONTH": "first",
    }
    return DateDataParser(languages=_LANGUAGES, settings=settings, try_previous_locales=False)


def format_date(dt: datetime) -> str:
    """ISO 8601, with seconds, and the UTC offset when it is known."""
    return dt.isoformat(timespec="seconds")


# --- the head of an article -------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_MARKS, _CLOSERS = SENTENCE_TERMINALS, "\"'”’»)"
# "WASHINGTON, March 3 (Reuters) - ", "PARIS, 10 mars 2017 (AFP) — ", "LONDON -- ",
# "MADRID, 3 mar (EFE).- ", "МОСКВА, 3 марта. /ТАСС/. "
_DATELINE = re.compile(
    r"^\s*(?P<pre>[^\W\d_][^\n]{0,100}?)\s*(?:[-–—]{1,2}|(?P<slash>/[^/\n]{2,30}/)\.?\s*[-–—]{0,2})\s")
# a credit in brackets closing the dateline, with the full stop some agencies put after it
_CLOSING_CREDIT = re.compile(r"\([^()\n]{2,30}\)\.$")
# "New Delhi, Mar 3 (PTI) The ...", "Mumbai, Jan 12 (IANS) ...": a dateline closed by an
# agency's name in brackets, no dash after it (the Indian and Malaysian agencies' style)
_BRACKETED = re.compile(r"^\s*(?P<pre>[^\W\d_][^\n]{0,100}?)\s*\((?P<label>[^()\n]{2,30})\)\s+\S")
DATELINE_WORDS = 14
DATE_LINE_EXTRA_WORDS = 6  # words a date line may carry besides the date ("Posted ... by")
# ASCII bytes: letters and digits kept, the rest made spaces, so split() leaves the _WORD runs
_ASCII_ALNUM = bytes(c if c < 128 and chr(c).isalnum() else 32 for c in range(256))
_PREFIX = 400  # characters a word count looks at before the whole line


def words_upto(line: str, cap: int) -> int:
    """``min(cap, number of _WORD runs in line)``: a long line is not counted through."""
    if line.isascii():  # bytes.translate and split(): several times faster than the regex
        if len(line) > _PREFIX:  # its head's runs are at most the line's (a run cut there is one)
            n = len(line[:_PREFIX].encode().translate(_ASCII_ALNUM).split(None, cap))
            if n >= cap:
                return cap
        return min(cap, len(line.encode().translate(_ASCII_ALNUM).split(None, cap)))
    return sum(1 for _ in islice(_WORD.finditer(line), cap))


def ends_sentence(line: str) -> bool:
    """The line ends a sentence: a mark, then only closing quotes or brackets, then white space."""
    end = line.rstrip().rstrip(_CLOSERS)
    return bool(end) and end[-1] in _MARKS


def is_prose(line: str, next_line: str | None) -> bool:
    """A body line: a sentence, a long line, or a line whose paragraph runs on."""
    n = words_upto(line, 26)  # the count matters up to 26
    if n > 25 or (n >= 10 and ends_sentence(line)):
        return True
    first = line.lstrip()[:1]
    if first.islower():
        return True  # a continuation line of a hard-wrapped paragraph
    return bool(next_line and next_line.lstrip()[:1].islower() and n >= 4)


BODY_LINES = 2  # a standfirst may come before the date line; the second prose line is the body


def head_region(text: str, limit: int = HEAD_LINES) -> list[tuple[str, bool]]:
    """The article's head: its first non-blank lines (at most ``limit``), each with whether
    it is prose, up to and including the second prose line (a standfirst may precede the
    byline and date; the second is the body). Lines are read only as far as that."""
    out, prose_seen, seen = [], 0, 0
    pending = None  # the last non-blank line, judged once the next line (or a blank one) is read
    start, n = 0, len(text)
    while start <= n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        line = text[start:end].strip()
        start = end + 1
        if pending is not None:
            prose = is_prose(pending, line)  # after a blank line: no next line ("" reads as None)
            out.append((pending, prose))
            prose_seen += prose
            pending = None
            if prose_seen >= BODY_LINES or len(out) >= limit:
                return out
        if line:
            seen += 1
            if seen > limit:
                return out
            pending = line
    if pending is not None:
        out.append((pending, is_prose(pending, None)))
    return out


def dateline(line: str) -> str | None:
    """The dateline opening a body line ("CITY, date (Agency) -"), or None."""
    m = _DATELINE.match(line)
    if not m:
        return _bracketed(line)
    pre = m.group("pre")
    # a credit between slashes ends the dateline ("/ТАСС/."), as "(EFE)." does: the full
    # stop before it ("3 марта." or "2024 г.", the year's abbreviation) ends no sentence
    enclosed = m.group("slash") or _CLOSING_CREDIT.search(pre)
    if len(_WORD.findall(pre)) > DATELINE_WORDS or (ends_sentence(pre) and not enclosed) or pre[:1].islower():
        return None
    return line[m.start("pre"):m.end("slash")] if m.group("slash") else pre  # the credit is the dateline's


def _bracketed(line: str) -> str | None:
    """A dateline closed by an agency's name in brackets and no dash ("New Delhi, Mar 3
    (PTI) The government ..."), with its credit: a place, a comma, then a date (a month's
    name and numbers), never a sentence's words ("The Associated Press (AP) reported",
    "The ministry said on March 3, 2020, that Anadolu Agency (AA) ...")."""
    m = _BRACKETED.match(line) if "(" in line[:140] else None
    if not m:
        return None
    parts = _COMMA.split(m.group("pre"), maxsplit=1)
    if len(parts) < 2 or not (_is_place(parts[0]) and _is_date_words(parts[1])):
        return None
    return line[m.start("pre"):m.end("label") + 1] if agency_named(m.group("label")) else None


_COMMA = re.compile("[,\u060c]")  # (the Arabic comma too)


def _is_place(text: str) -> bool:
    """A dateline's place: one to four words, each capitalised or of a script without case
    ("New Delhi", "NEW DELHI", "नई दिल्ली"), short particles between them ("Rio de Janeiro")."""
    words = text.split()
    return 0 < len(words) <= 4 and all(not w[:1].islower() or (k and len(w) <= 3) for k, w in enumerate(words))


def _is_date_words(text: str) -> bool:
    """A dateline's date, with a year or not ("Mar 3", "March 3, 2024", "3 मार्च 2023"): a
    month's name and numbers, and at most one other word (a weekday, "г.")."""
    words = [w for w in (w.strip(".,;:") for w in text.split()) if w]  # (a word with its marks: "अक्टूबर")
    if not words or len(words) > 5:
        return False
    months = [month_number(w) is not None for w in words]
    return any(months) and sum(1 for w, m in zip(words, months) if not m and not any(c.isdigit() for c in w)) <= 1


def date_line(line: str, order: str = DEFAULT_DATE_ORDER) -> datetime | None:
    """The date of a line that is about the date (a date or byline line, not a sentence)."""
    found = date_matches(line, order)
    if not found:
        return None
    s, e, dt = found[0]
    before, rest = _WORD.findall(line[:s]), _WORD.findall(line[:s] + " " + line[e:])
    if sum(w[0].islower() for w in rest) > 2:
        return None
    if len(rest) >= 2 and ends_sentence(line[e:]):
        return None  # "Born on 24 April 1927." is a sentence
    if len(rest) <= DATE_LINE_EXTRA_WORDS or (len(before) <= 1 and len(rest) <= 12):
        return dt  # a short line around a date, or a line the date opens
    return None


_NUMERIC = {0, 1, 4}  # patterns of all-numeric dates (Y-M-D, D/M/Y, 年月日)


def body_opening_date(line: str, order: str = DEFAULT_DATE_ORDER) -> datetime | None:
    """The date a body line opens with: its dateline's ("PARIS, 10 mars 2017 (AFP) -"), or
    an all-numeric date label glued to it by a scraper ("date 2024-07-04 Chinese ...").
    Prose says "on 24 April 1927", not "2024-07-04", so a number date opening the line is
    metadata; a named-month date there is read only inside a dateline."""
    pre = dateline(line)
    if pre:
        dt = parse_date(pre, order)
        if dt is not None:
            return dt
    opening = " ".join(line.split()[:5])
    if not opening.isascii():
        opening = opening.translate(DIGITS)
    for k in sorted(_NUMERIC):
        m = _PATTERNS[k].search(opening)
        if m and len(_WORD.findall(opening[: m.start()])) <= 1:
            dt = _from_match(m, order)
            if dt is not None:
                return dt
    return None


def find_date(text: str, order: str = DEFAULT_DATE_ORDER, head: list[tuple[str, bool]] | None = None) -> datetime | None:
    """The publication date printed in the article's head, or None (never a body sentence's).
    ``head``: the text's :func:`head_region`, when already read."""
    for line, prose in head_region(text) if head is None else head:
        dt = body_opening_date(line, order) if prose else (date_line(line, order) or body_opening_date(line, order))
        if dt is not None:
            return dt
    return None
