"""Wire credits: the news agencies an article credits, read from credit positions only.

A credit is an agency named where papers print credits: the byline ("By Stephen Howard,
PA News"), the dateline ("BEIJING (Reuters) -"), a source or copyright line ("Source:
Xinhua", "© AFP"), or a sign-off among the last lines ("— AP"). An agency named inside a
sentence ("a Reuters poll showed ...") is a mention, not a credit.
"""

from __future__ import annotations

import re

from .agencies import AGENCIES, MENTION, MENTION_ASCII, alternatives, name_of
from .dates import date_line, dateline, head_region, words_upto
from .normalize import SENTENCE_TERMINALS

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


def _credited(line: str, credit_line: bool = False) -> set[str]:
    """Agencies the line credits, judged by where and how each is named in it.
    ``credit_line``: the whole line is a credit position (a date line of the head)."""
    out: set[str] = set()
    mentions = list((MENTION_ASCII if line.isascii() else MENTION).finditer(line))
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
            out.add(name_of(m.group()))
    return out


_BARE = re.compile(r"[-–—\s]*(?:" + MENTION.pattern + r")")
_LEAD = re.compile(r"[-–—\s]*")
# no agency's name is longer (each bit of regex syntax counted as one character or more)
_NAME_MAX = max(len(re.sub(r"\(\?:|\)\?|\[[^]]*\]", "x", a)) for _, rx in AGENCIES for a in alternatives(rx))


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
        return {name_of(x.group()) for x in MENTION.finditer(label) if x.end() == len(label)}
    m = _DISPATCH.match(line) if "电" in line else None  # (a search for one character scans in C)
    if m:
        return {name_of(x.group()) for x in MENTION.finditer(m.group("label")) if x.start() == 0}
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
    return [name for name, _ in AGENCIES if name in found]
