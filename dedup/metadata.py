"""Metadata from the text itself when the input does not give it: title, date, wire credits.

Dates are looked for in the head of the article (datelines, bylines), in the styles
news sites print: ISO ``2024-05-16 11:55``, dotted ``2024.05.16 11:55 GMT+8``,
day-first ``16/05/2024 17:54``, ``26-FEB-1987 15:01:01``, and ``June 8, 2017`` /
``8 June 2017``. Slashed dates are read day first unless the first number cannot be a
day-of-month reading (13-31 in the second place means month-first).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .normalize import words

HEAD_LINES = 15  # dates and titles live in the first lines of a scraped article

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MON = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_TIME = r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
_TZ = r"(?:\s*(?:(?P<z>Z)|(?:GMT|UTC)?\s*(?P<tz>[+-]\d{1,2}(?::?\d{2})?)))?"
_DATE_PATTERNS = [
    re.compile(rf"\b(?P<y>(?:19|20)\d\d)[-.](?P<m>\d{{1,2}})[-.](?P<d>\d{{1,2}}){_TIME}{_TZ}", re.I),
    re.compile(rf"\b(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<y>(?:19|20)\d\d){_TIME}{_TZ}", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})-{_MON}-(?P<y>(?:19|20)\d\d){_TIME}{_TZ}", re.I),
    re.compile(rf"\b{_MON}\.? (?P<d>\d{{1,2}}),? (?P<y>(?:19|20)\d\d){_TIME}{_TZ}", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}}) {_MON}\.?,? (?P<y>(?:19|20)\d\d){_TIME}{_TZ}", re.I),
]

# Wire services and agencies whose credit line marks syndicated copy.
_AGENCIES = [
    ("Xinhua", r"\bXinhua\b"),
    ("Reuters", r"\bReuters\b"),
    ("AP", r"\bAP\b|\bAssociated Press\b"),
    ("AFP", r"\bAFP\b|\bAgence France[- ]Presse\b"),
    ("TASS", r"\bTASS\b|\bItar-Tass\b"),
    ("UPI", r"\bUPI\b|\bUnited Press International\b"),
    ("Bloomberg", r"\bBloomberg\b"),
    ("dpa", r"\bdpa\b|\bDeutsche Presse-Agentur\b"),
    ("Kyodo", r"\bKyodo\b"),
    ("Yonhap", r"\bYonhap\b"),
    ("PTI", r"\bPTI\b|\bPress Trust of India\b"),
    ("IANS", r"\bIANS\b"),
    ("ANI", r"\bANI\b"),
    ("ANSA", r"\bANSA\b"),
    ("EFE", r"\bEFE\b"),
    ("Interfax", r"\bInterfax\b"),
    ("RIA Novosti", r"\bRIA Novosti\b"),
    ("Anadolu", r"\bAnadolu Agency\b|\bAnadolu Ajans"),
    ("PA", r"\bPA Media\b|\bPress Association\b"),
    ("CNS", r"\bChina News Service\b"),
    ("Bernama", r"\bBernama\b"),
    ("Antara", r"\bAntara\b"),
    ("Jiji", r"\bJiji Press\b"),
]
# Each agency's pattern is tried only when its first word occurs in the text (a set
# lookup), so a text costs one pass of a simple word regex, not 23 regex scans.
_AGENCY_RE = [(name, re.compile(rx), {alt.split()[0].strip("\\b()") for alt in rx.split("|")}) for name, rx in _AGENCIES]
_CAP_WORD = re.compile(r"\b[A-Za-z][A-Za-z-]*")


def _tzinfo(m: re.Match) -> timezone | None:
    if m.group("z"):
        return timezone.utc
    tz = m.group("tz")
    if not tz:
        return None
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _from_match(m: re.Match) -> datetime | None:
    gd = m.groupdict()
    year = int(gd["y"])
    if gd.get("a"):
        a, b = int(gd["a"]), int(gd["b"])
        day, month = (b, a) if b > 12 >= a else (a, b)  # day first unless impossible
    else:
        day = int(gd["d"])
        month = _MONTHS[gd["mon"].lower().rstrip(".")] if gd.get("mon") else int(gd["m"])
    hour = int(gd["H"]) if gd.get("H") else 0
    minute = int(gd["M"]) if gd.get("M") else 0
    second = int(gd["S"]) if gd.get("S") else 0
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_tzinfo(m))
    except ValueError:
        return None


def parse_date(text: str) -> datetime | None:
    """The first date (with time and zone when printed) in ``text``, or None."""
    best: tuple[int, datetime] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            dt = _from_match(m)
            if dt is not None:
                if best is None or m.start() < best[0]:
                    best = (m.start(), dt)
                break
    return best[1] if best else None


def format_date(dt: datetime) -> str:
    """ISO 8601, with seconds, and the UTC offset when it is known."""
    return dt.isoformat(timespec="seconds")


def head_lines(text: str, limit: int = HEAD_LINES) -> list[str]:
    out = []
    for line in text.splitlines():
        if line.strip():
            out.append(line.strip())
            if len(out) >= limit:
                break
    return out


def find_date(text: str) -> datetime | None:
    """The date printed in the article's head (first lines), or None."""
    for line in head_lines(text):
        dt = parse_date(line)
        if dt is not None:
            return dt
    return None


_MARKUP = re.compile(r"^[#>*\-=\s]+|[#*=\s]+$")


def find_title(text: str, lines: list[str] | None = None) -> str | None:
    """A headline-like line in the article's head: short, no final period, not a date line.

    ``lines``: the non-blank lines to consider (e.g. without furniture); default all.
    """
    if lines is None:
        lines = [ln for ln in text.splitlines() if ln.strip()]
    for raw in lines[:HEAD_LINES]:
        line = _MARKUP.sub("", raw).strip()
        toks = words(line)
        if len(toks) > 25:
            return None  # reached the body: prose before any headline
        if len(toks) < 3 or line.endswith((".", ":", ";", ",")) or parse_date(line):
            continue
        return line
    return None


def find_credits(text: str) -> list[str]:
    """Wire services named in the text, in a fixed order."""
    words = set(_CAP_WORD.findall(text))
    return [name for name, rx, first in _AGENCY_RE if not first.isdisjoint(words) and rx.search(text)]
