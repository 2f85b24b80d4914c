"""Wire credits: the news agencies an article credits, read from credit positions only.

A credit is an agency named where papers print credits: the byline ("By Stephen Howard,
PA News"), the dateline ("BEIJING (Reuters) -"), a source or copyright line ("Source:
Xinhua", "© AFP"), or a sign-off among the last lines ("— AP"). An agency named inside a
sentence ("a Reuters poll showed ...") is a mention, not a credit.
"""

from __future__ import annotations

import re

from .dates import date_line, dateline, head_region, words_upto
from .normalize import CJK_CLASS, SENTENCE_TERMINALS

# name, pattern (case-sensitive: "AP" the agency, not "ap" the word)
_AGENCIES = [
    ("Xinhua", r"Xinhua(?: News Agency)?|XINHUA|新华社|新華社|شينخوا"),
    ("Reuters", r"Reuters|REUTERS|Thomson Reuters|Reuter|REUTER|Рейтер|رويترز|רויטרס|路透社|ロイター|로이터"),  # "Reuter": its sign-off until the 1990s
    ("AP", r"AP|Associated Press|ASSOCIATED PRESS|أسوشيتد برس|美联社|美聯社"),
    ("AFP", r"AFP|Agence France[- ]Presse|Франс Пресс|أ ف ب|ا ف ب|فرانس برس|法新社"),
    ("TASS", r"TASS|Itar-Tass|ITAR-TASS|ТАСС|تاس|塔斯社"),
    ("UPI", r"UPI|United Press International"),
    ("Bloomberg", r"Bloomberg(?: News)?"),
    ("dpa", r"dpa|DPA|Deutsche Presse-Agentur|د ب أ"),
    ("Kyodo", r"Kyodo(?: News)?|KYODO|共同通信|共同|共同社"),
    ("Yonhap", r"Yonhap(?: News Agency)?|YONHAP|연합뉴스|聯合ニュース|韩联社|韓聯社"),
    ("PTI", r"PTI|Press Trust of India|पीटीआई|भाषा"),  # भाषा: PTI's Hindi service
    ("IANS", r"IANS|आईएएनएस"),
    ("ANI", r"ANI"),
    ("ANSA", r"ANSA"),
    ("EFE", r"EFE|Agencia EFE"),
    ("Interfax", r"Interfax|Интерфакс"),
    ("RIA Novosti", r"RIA Novosti|РИА Новости"),
    ("Anadolu", r"Anadolu(?: Agency| Ajansı)?|AA|الأناضول"),
    ("PA", r"PA News|PA Media|PA Wire|PA|Press Association"),
    ("CNS", r"China News Service|CNS|中新社"),
    ("Bernama", r"Bernama|BERNAMA"),
    ("Antara", r"Antara|ANTARA"),
    ("Jiji", r"Jiji Press|Jiji|時事通信"),
    ("APA", r"APA|Austria Presse Agentur"),
    ("Belga", r"Belga|BELGA"),
    ("NTB", r"NTB"),
    ("TT", r"TT Nyhetsbyrån"),
    ("CP", r"Canadian Press"),
    ("AAP", r"AAP|Australian Associated Press"),
    ("Lusa", r"Lusa|LUSA"),
    ("PAP", r"PAP|Polska Agencja Prasowa"),
    ("ANP", r"ANP"),
    ("ANA-MPA", r"ANA-MPA|ΑΠΕ-ΜΠΕ"),
]
_NAMES = [(name, re.compile(rf"(?:{rx})")) for name, rx in _AGENCIES]
# Ideographs and kana are written without spaces: a name in them ends where it ends
# ("新华社北京3月3日电", "【東京共同】"), not at a word boundary.
_CJK = re.compile(f"[{CJK_CLASS}]")


def _alternatives(rx: str) -> list[str]:
    """The top-level alternatives of a pattern ("Anadolu(?: Agency| Ajansı)?|AA": two; a
    split at every "|" cut the group, and the names sorted between its halves went into it)."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(rx):
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            out.append(rx[start:i])
            start = i + 1
    return out + [rx[start:]]


def _mention(ascii_only: bool = False) -> re.Pattern:
    """Any agency name: a name in ideographs or kana anywhere, any other between
    non-word characters. Two alternations, each longest name first (a boundary test
    per name made every position of every text try them all: 6x slower).
    ``ascii_only``: the names that begin with an ASCII letter, all an ASCII line can hold."""
    names = sorted({a for _, rx in _AGENCIES for a in _alternatives(rx)}, key=len, reverse=True)
    cjk = [a for a in names if _CJK.match(a[0])]
    assert all(_CJK.match(a[-1]) for a in cjk) and not any(_CJK.match(a[-1]) for a in names if a not in cjk)
    spaced = [a for a in names if a not in cjk and (a[0].isascii() or not ascii_only)]
    anywhere = "" if ascii_only else "|(?:" + "|".join(cjk) + ")"
    return re.compile(r"(?<![\w-])(?:" + "|".join(spaced) + r")(?![\w-])" + anywhere)


_MENTION, _MENTION_ASCII = _mention(), _mention(ascii_only=True)
# A line that is itself a credit: a byline, a source, photo or copyright line, a sign-off.
_CREDIT_LINE = re.compile(
    r"^\W{0,3}(?:by|from|source[sn]?|quelle|fuente|fonte|источник|来源|photo(?:graph)?s?|foto|pictures?|"
    r"copyright|credit|reporting|additional reporting|agenc(?:y|ies)|©|\(c\)|"
    # "source" and "copyright" in other news languages (Korean, Japanese, Arabic, Hebrew, Hindi, Greek, Turkish)
    r"출처|저작권자|出典|出处|來源|المصدر|מקור|स्रोत|Πηγή|kaynak)(?![^\W\d_])"
    r"|contributed to this (?:report|story)\W*$",
    re.I,
)
_OPEN, _CLOSE = "(/[（【〔［「", ")/]）】〕］」"
_BEFORE, _AFTER = "-–—,;|:©", "-–—,;|/:)."
TAIL_LINES = 3
TAIL_WORDS = 15
# a capitalised word just before, not the line's first ("By Tim Reuter", not "By PA News")
_NAME_BEFORE = re.compile(r"\S\s+[A-Z][a-z]+ $")
_SENTENCE_CLOSE = SENTENCE_TERMINALS + "\"'”’»)"  # a stripped line ending with one ends a sentence


def agency_named(label: str) -> bool:
    """Whether ``label`` (a dateline's bracketed credit) is an agency's name and no more."""
    label = label.strip()
    return any(m.start() == 0 and m.end() == len(label) for m in _MENTION.finditer(label))


def _name_of(mention: str) -> str:
    return next(name for name, rx in _NAMES if rx.fullmatch(mention))


def _credited(line: str, credit_line: bool = False) -> set[str]:
    """Agencies the line credits, judged by where and how each is named in it.
    ``credit_line``: the whole line is a credit position (a date line of the head)."""
    out: set[str] = set()
    mentions = list((_MENTION_ASCII if line.isascii() else _MENTION).finditer(line))
    if not mentions:
        return out
    credit_line = credit_line or bool(_CREDIT_LINE.search(line))
    for m in mentions:
        before = line[: m.start()].rstrip()
        after = line[m.end():].lstrip()
        b, a = before[-1:], after[:1]
        enclosed = b in _OPEN and a in _CLOSE
        short = len(m.group()) <= 3 and m.group().isupper()  # AP, PA, AA: common letters too
        bounded = (not before or b in _BEFORE) and (not after or a in _AFTER)
        if short and bounded and before and b not in "-–—©:":
            bounded = False  # "Harrisburg, PA" is a place; "— AP", "Photo: AP" are credits
        if credit_line and not (enclosed or bounded) and _NAME_BEFORE.search(before + " "):
            continue  # "By Tim Reuter": a person's name, not the agency
        if credit_line or enclosed or bounded:
            out.add(_name_of(m.group()))
    return out


_BARE = re.compile(r"[-–—\s]*(?:" + _MENTION.pattern + r")")
_LEAD = re.compile(r"[-–—\s]*")
# no agency's name is longer (each bit of regex syntax counted as one character or more)
_NAME_MAX = max(len(re.sub(r"\(\?:|\)\?|\[[^]]*\]", "x", a)) for _, rx in _AGENCIES for a in _alternatives(rx))


def _bare(line: str) -> bool:
    """A stripped line that is an agency's name alone, after dashes ("— AP", "Reuter")."""
    return len(line) - _LEAD.match(line).end() <= _NAME_MAX and _BARE.fullmatch(line) is not None


def _few_words(line: str) -> bool:
    """At most TAIL_WORDS words (runs of letters and digits)."""
    return len(line) <= 2 * TAIL_WORDS or words_upto(line, TAIL_WORDS + 1) <= TAIL_WORDS  # k words take 2k - 1 characters


def _sign_off_lines(text: str) -> list[str]:
    """Among the last few non-blank lines, the short ones that stand alone: not the
    continuation of a hard-wrapped paragraph ("... told" / "Reuters, based in London")."""
    end = text[-4000:].splitlines()[1 if len(text) > 4000 else 0:]  # the first may be cut
    out, prev, last = [], "", []  # prev: the line before ("" after a blank line); last: the last non-blank ones
    for raw in end:
        line = raw.strip()
        if line:
            # "Reuter", "— AP" (a bare agency): a sign-off even after a table row
            alone = not prev or prev[-1] in _SENTENCE_CLOSE or _bare(line)
            if alone and not line[:1].islower() and _few_words(line):
                out.append(line)
                if len(out) > TAIL_LINES:
                    del out[0]
            elif out and out[-1] == prev:
                out.pop()  # a line continued by this one was no sign-off either
            last.append(line)
            if len(last) > TAIL_LINES:
                del last[0]
        prev = line
    return [ln for ln in out if ln in last]


# Datelines that open the body without a dash: a bracketed label ("(서울=연합뉴스)",
# "【ワシントン共同】", "(LONDON AP)"), or the Chinese wire's "…3月3日电" ("dispatch of March 3").
_LABEL = re.compile(r"\s*[(（【〔\[](?P<label>[^()（）【】〔〕\[\]\n]{2,30})[)）】〕\]]")
_DISPATCH = re.compile(r"\s*(?P<label>[^\s，。：:,()（）]{1,24}?\d{1,2}月\d{1,2}日电)")


def _opening_label(line: str) -> set[str]:
    """Agencies credited by a body line's opening label: one that closes a bracketed
    label (after the place: "PLACE AGENCY", "PLACE=AGENCY"), or opens a dispatch line."""
    m = _LABEL.match(line)
    if m:
        label = m.group("label").rstrip()
        return {_name_of(x.group()) for x in _MENTION.finditer(label) if x.end() == len(label)}
    m = _DISPATCH.match(line) if "电" in line else None  # (a search for one character scans in C)
    if m:
        return {_name_of(x.group()) for x in _MENTION.finditer(m.group("label")) if x.start() == 0}
    return set()


def find_credits(text: str, head: list[tuple[str, bool]] | None = None) -> list[str]:
    """Wire services the text credits (byline, dateline, source line, sign-off), in a fixed order.
    ``head``: the text's :func:`head_region`, when already read."""
    lines, found = [], set()
    for line, prose in head_region(text) if head is None else head:
        found |= _opening_label(line)  # a CJK body line is seldom prose by word count
        if prose:
            pre = dateline(line)
            if pre:
                lines.append((pre, False))
        else:
            lines.append((line, date_line(line) is not None))
    lines += [(ln, False) for ln in _sign_off_lines(text)]
    for line, is_date_line in lines:
        found |= _credited(line, is_date_line)
    return [name for name, _ in _AGENCIES if name in found]
