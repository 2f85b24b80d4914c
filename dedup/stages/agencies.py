"""News agencies' names, as credits (:mod:`dedup.stages.credits`) and datelines
(:mod:`dedup.stages.dates`) read them: each agency's spellings in the major news
languages and scripts, and one pattern that finds any of them in a line."""

from __future__ import annotations

import re

from .normalize import CJK_CLASS

# name, pattern (case-sensitive: "AP" the agency, not "ap" the word)
AGENCIES = [
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
NAMES = [(name, re.compile(rf"(?:{rx})")) for name, rx in AGENCIES]
# Ideographs and kana are written without spaces: a name in them ends where it ends
# ("新华社北京3月3日电", "【東京共同】"), not at a word boundary.
_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")


def alternatives(rx: str) -> list[str]:
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
    names = sorted({a for _, rx in AGENCIES for a in alternatives(rx)}, key=len, reverse=True)
    cjk = [a for a in names if _CJK_CHAR.match(a[0])]
    assert all(_CJK_CHAR.match(a[-1]) for a in cjk) and not any(_CJK_CHAR.match(a[-1]) for a in names if a not in cjk)
    spaced = [a for a in names if a not in cjk and (a[0].isascii() or not ascii_only)]
    anywhere = "" if ascii_only else "|(?:" + "|".join(cjk) + ")"
    return re.compile(r"(?<![\w-])(?:" + "|".join(spaced) + r")(?![\w-])" + anywhere)


MENTION, MENTION_ASCII = _mention(), _mention(ascii_only=True)


def agency_named(label: str) -> bool:
    """Whether ``label`` (a dateline's bracketed credit) is an agency's name and no more."""
    label = label.strip()
    return any(m.start() == 0 and m.end() == len(label) for m in MENTION.finditer(label))


def name_of(mention: str) -> str:
    return next(name for name, rx in NAMES if rx.fullmatch(mention))
