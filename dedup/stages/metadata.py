"""Metadata from the text itself when the input does not give it: title, date, wire credits.

Dates live in :mod:`dedup.stages.dates`, credits in :mod:`dedup.stages.credits`; this module reads the
title and gathers the three for callers.
"""

from __future__ import annotations

import re

from .credits import find_credits
from .dates import HEAD_LINES, find_date, format_date, head_region, parse_date, parse_record_date
from .normalize import words

__all__ = ["HEAD_LINES", "find_credits", "find_date", "find_title", "format_date", "head_region",
           "parse_date", "parse_record_date"]


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
