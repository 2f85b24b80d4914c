"""Month names, and digits of every script, for reading printed dates.

:data:`MONTHS` lists the names and abbreviations of the commonest news languages; the
names of other languages come from dateparser's locale data (Turkish "Mart", Greek
"Μαρτίου", Arabic "مارس", Hebrew "במרץ", Hindi "मार्च", Polish "marca", ...), loaded
the first time a word is not in :data:`MONTHS`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_MONTH_WORDS = [  # per month: names and abbreviations in the major news languages
    "january jan janvier janv januar jänner jaenner enero ene gennaio gen janeiro января январь",
    "february feb février fevrier févr fevr februar febrero febbraio fevereiro fev февраля февраль",
    "march mar mars märz maerz marz marzo março marco марта март",
    "april apr avril avr abril abr aprile апреля апрель",
    "may mai mayo maggio mag maio мая май",
    "june jun juin juni junio giugno giu junho июня июнь",
    "july jul juillet juil juli julio luglio lug julho июля июль",
    "august aug août aout agosto ago августа август",
    "september sep sept septembre setiembre septiembre settembre set setembro сентября сентябрь",
    "october oct octobre oktober okt octubre ottobre ott outubro out октября октябрь",
    "november nov novembre noviembre novembro ноября ноябрь",
    "december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro декабря декабрь",
]
MONTHS: dict[str, int] = {}
for _i, _names in enumerate(_MONTH_WORDS, start=1):
    for _n in _names.split():
        assert MONTHS.setdefault(_n, _i) == _i, _n  # no word names two months
del _i, _names, _n


def _bare(word: str) -> str:
    """The word without its accents: "fevrier", "aout", Greek capitals ("ΜΑΡΤΙΟΥ")."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def month_number(word: str) -> int | None:
    """The month a word names (1-12), or None: a misspelt or unknown word names none."""
    w = word.lower().rstrip(".")
    got = MONTHS.get(w)
    if got is None:  # accents dropped by some feeds: "fevrier", "aout"
        got = MONTHS.get(_bare(w))
    if got is None:  # the other languages' names ("Mart", "Μαρτίου", "مارس", "במרץ", "मार्च")
        names = _named_months()
        got = names.get(w) or names.get(_bare(w))
    return got


# Month names are read from dateparser's data for these languages, besides MONTHS
_MONTH_LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "ru", "zh", "ja", "ko", "nl", "pl", "tr", "ar",
                    "sv", "da", "nb", "fi", "cs", "el", "uk", "id", "ro", "hu", "he", "hi", "fa", "bn",
                    "ur", "th", "ms", "vi", "bg", "sr", "hr", "sk", "sl", "lt", "lv", "et", "ca"]
_MONTH_KEYS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december"]


@lru_cache(maxsize=1)
def _named_months() -> dict[str, int]:
    """Month names and abbreviations of the news languages, from dateparser's locale data
    (loaded on the first word MONTHS does not know). A word that names two months in
    different languages, or is one letter, names none."""
    from dateparser.languages.loader import default_loader  # imported on first use: it takes ~0.2 s

    seen: dict[str, set[int]] = {}
    for lang in _MONTH_LANGUAGES:
        info = default_loader.get_locale(lang).info
        for month, key in enumerate(_MONTH_KEYS, start=1):
            for name in info.get(key, []):
                name = name.lower().rstrip(".")
                if len(name) >= 2 and " " not in name:
                    for form in {name, _bare(name)}:
                        seen.setdefault(form, set()).add(month)
    return {w: next(iter(ms)) for w, ms in seen.items() if len(ms) == 1 and MONTHS.get(w, next(iter(ms))) in ms}


class _Digits(dict):
    """str.translate table: each decimal digit of any script (Arabic-Indic, Devanagari,
    full-width) to its ASCII digit, one code point for one, so offsets stay."""

    def __missing__(self, cp: int):
        d = unicodedata.decimal(chr(cp), None)
        self[cp] = out = cp if d is None else 48 + d
        return out


DIGITS = _Digits()
