"""Text edits applied to wire copy: rewording, OCR noise, headline/lede rewrites, CJK titles.

All functions take an explicit ``random.Random`` so output depends only on the seed.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Strength:
    """How hard copies are edited; probabilities are per copy unless named *_rate (per sentence)."""

    trim_p: float
    keep_min: float  # smallest kept fraction of the story when trimmed
    drop_p: float
    drop_rate: float
    reword_p: float
    reword_rate: float
    lede_p: float
    headline_p: float
    repara_p: float
    ocr_p: float
    ocr_rates: tuple[float, ...]
    cjk_p: float


STRENGTHS = {
    "light": Strength(0.4, 0.7, 0.1, 0.05, 0.15, 0.10, 0.05, 0.2, 0.3, 0.03, (0.002, 0.005), 0.02),
    "default": Strength(0.6, 0.4, 0.3, 0.10, 0.40, 0.25, 0.20, 0.5, 0.6, 0.10, (0.005, 0.01, 0.02), 0.05),
    "heavy": Strength(0.8, 0.2, 0.5, 0.20, 0.70, 0.50, 0.40, 0.7, 0.8, 0.20, (0.01, 0.03, 0.06), 0.10),
}

_SYN = {
    "said": ["stated", "told reporters", "added", "noted"], "says": ["stated", "claims"],
    "rose": ["climbed", "increased", "gained"], "fell": ["dropped", "declined", "slipped"],
    "company": ["firm", "group"], "government": ["administration", "authorities"],
    "about": ["around", "roughly"], "expected": ["forecast", "anticipated"],
    "increase": ["rise", "gain"], "decline": ["fall", "drop"], "announced": ["unveiled", "revealed"],
    "big": ["large", "major"], "large": ["big", "sizeable"], "buy": ["purchase", "acquire"],
    "sold": ["offloaded", "sold off"], "profit": ["earnings"], "help": ["assist", "support"],
    "show": ["indicate", "reveal"], "shows": ["indicates", "reveals"], "plans": ["intends"],
    "officials": ["authorities"], "agreed": ["consented"], "start": ["begin"], "end": ["finish"],
    "also": ["additionally", "as well"], "however": ["but", "though"], "because": ["as", "since"],
    "before": ["prior to"], "after": ["following"], "many": ["numerous", "several"],
    "near": ["close to"], "major": ["key", "significant"], "new": ["fresh"], "told": ["informed"],
    "won": ["claimed", "secured"], "lost": ["was beaten"], "film": ["movie"], "firms": ["companies"],
}
_WORD = re.compile(r"[A-Za-z]+")
_NUMFMT = [
    (re.compile(r"\b(\d[\d.,]*) pct\b"), lambda m, r: m.group(1) + r.choice(["%", " percent", " per cent"])),
    (re.compile(r"\b(\d[\d.,]*) mln\b"), lambda m, r: m.group(1) + r.choice([" million", "m", " mn"])),
    (re.compile(r"\b(\d[\d.,]*) billion\b"), lambda m, r: m.group(1) + r.choice(["bn", " bln", " billion"])),
    (re.compile(r"\b(\d[\d.,]*)bn\b"), lambda m, r: m.group(1) + r.choice([" billion", " bln"])),
    (re.compile(r"\b(\d[\d.,]*)m\b"), lambda m, r: m.group(1) + r.choice([" million", " mln"])),
    (re.compile(r"\b(\d[\d.,]*) dlrs\b"), lambda m, r: r.choice(["$" + m.group(1), m.group(1) + " dollars"])),
    (re.compile(r"\b(\d{1,3}),(\d{3})\b"), lambda m, r: m.group(1) + r.choice(["", " ", "."]) + m.group(2)),
    (re.compile(r"(\d+)%"), lambda m, r: m.group(1) + r.choice([" per cent", " percent", " pct"])),
]
_FUNC = [
    (re.compile(r"\bsaid that\b"), "said"), (re.compile(r"\bin order to\b"), "to"),
    (re.compile(r"\bthe the\b"), "the"), (re.compile(r"\bwill\b"), "would"),
    (re.compile(r"\bwhich\b"), "that"), (re.compile(r"\bhas been\b"), "was"),
    (re.compile(r"\bis not\b"), "isn't"), (re.compile(r"\bdo not\b"), "don't"),
    (re.compile(r"^However, "), ""), (re.compile(r"^But "), "However, "),
]


def _case_like(src: str, word: str) -> str:
    if src.isupper() and len(src) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if src[0].isupper() else word


def reword(sent: str, rng: random.Random, edits: int = 2) -> str:
    """Apply up to ``edits`` small edits: synonym swap, function-word change, number format."""
    for _ in range(edits):
        kind = rng.random()
        if kind < 0.5:
            words = [m for m in _WORD.finditer(sent) if m.group().lower() in _SYN]
            if words:
                m = rng.choice(words)
                new = _case_like(m.group(), rng.choice(_SYN[m.group().lower()]))
                sent = sent[:m.start()] + new + sent[m.end():]
                continue
        if kind < 0.75:
            opts = [(p, f) for p, f in _NUMFMT if p.search(sent)]
            if opts:
                p, f = rng.choice(opts)
                sent = p.sub(lambda m: f(m, rng), sent, count=1)
                continue
        opts = [(p, rep) for p, rep in _FUNC if p.search(sent)]
        if opts:
            p, rep = rng.choice(opts)
            sent = p.sub(rep, sent, count=1)
    return sent


_OCR_SUB = {"m": "rn", "l": "1", "I": "l", "O": "0", "o": "0", "e": "c", "S": "5", "B": "8",
            "i": "l", "h": "b", "u": "v", "a": "o", "c": "e", "t": "f", "g": "q", "n": "h"}
_OCR_PAIR = {"rn": "m", "cl": "d", "li": "h", "vv": "w", "ri": "n"}


def ocr_noise(text: str, rng: random.Random, rate: float) -> str:
    """Scanner-style character noise at about ``rate`` edits per character.

    Edit positions are drawn in one batch (not a per-character loop) to keep this cheap.
    """
    n = len(text)
    k = min(n, int(n * rate + rng.random()))
    if k == 0:
        return text
    pos = sorted(rng.sample(range(n), k))
    out = []
    prev = 0
    for p in pos:
        if p < prev:
            continue
        out.append(text[prev:p])
        c = text[p]
        pair = text[p:p + 2]
        r = rng.random()
        if pair in _OCR_PAIR and r < 0.5:
            out.append(_OCR_PAIR[pair])
            prev = p + 2
            continue
        if c in _OCR_SUB and r < 0.55:
            out.append(_OCR_SUB[c])
        elif r < 0.7:
            pass  # dropped character
        elif r < 0.8:
            out.append(c + c)
        elif c == " " and r < 0.9:
            pass  # two words run together
        elif c.isalpha():
            out.append(c + " ")  # a word broken in two
        else:
            out.append(c)
        prev = p + 1
    out.append(text[prev:])
    return "".join(out)


_CJK_ZH = ["经济", "市场", "股市", "石油", "价格", "央行", "利率", "出口", "贸易", "公司", "收购",
           "利润", "选举", "政府", "科技", "体育", "足球", "电影", "银行", "美元", "谷物", "黄金",
           "投资", "增长", "下跌", "上涨", "报告", "会谈", "协议", "预测"]
_CJK_JA = ["経済", "市場", "株価", "原油", "日銀", "金利", "輸出", "企業", "買収", "決算", "選挙",
           "政府", "技術", "サッカー", "映画", "銀行", "ドル", "穀物", "投資", "成長"]
_CJK_JA_TAIL = ["が上昇", "が下落", "の見通し", "について発表", "に関する報告", "、協議へ", "を検討"]


def cjk_title(rng: random.Random) -> str:
    """A synthetic Chinese or Japanese headline (plausible word salad, not a translation)."""
    if rng.random() < 0.5:
        words = rng.sample(_CJK_ZH, rng.randint(3, 5))
        head = rng.choice(["", "【快讯】", "专题：", ""])
        return head + "".join(words[:2]) + rng.choice(["：", " ", "，"]) + "".join(words[2:])
    words = rng.sample(_CJK_JA, rng.randint(2, 3))
    return rng.choice(["", "【速報】", ""]) + "の".join(words) + rng.choice(_CJK_JA_TAIL)


def rewrite_headline(title: str, lede: str, rng: random.Random) -> str:
    """A different headline for a copy: prefixed, re-cased, or built from lede words."""
    r = rng.random()
    if r < 0.3:
        return rng.choice(["UPDATE 1-", "BREAKING: ", "WRAPUP: ", "Analysis: ", "Report: "]) + title
    if r < 0.5:
        return title.upper() if not title.isupper() else title.title()
    words = _WORD.findall(lede)[: rng.randint(5, 9)]
    if not words:
        return title + " - report"
    return " ".join(words).capitalize() + rng.choice(["", " - report", ", sources say", "?"])


def rewrite_lede(title: str, city: str, rng: random.Random) -> str:
    """A new first sentence that is not in the wire story."""
    t = title.rstrip(".?!")
    return rng.choice([
        f"Here is what we know so far about the latest development: {t.lower()}.",
        f"In a move closely watched in {city or 'the region'}, there was news on {t.lower()}.",
        f"{t}, according to reports on Thursday, in a story that is still developing.",
        f"Readers have been asking about {t.lower()}, and the details are now emerging.",
        f"Our correspondent reports on {t.lower()} and what it means for the week ahead.",
    ])


_NUM = re.compile(r"\d+")


def jitter_numbers(s: str, rng: random.Random) -> str:
    """Redraw every digit run (keeping its length) so recombined sentences differ from sources."""
    return _NUM.sub(lambda m: str(rng.randint(10 ** (len(m.group()) - 1) if len(m.group()) > 1 else 0,
                                              10 ** len(m.group()) - 1)), s)


_COMPANIES = ["Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Vandelay", "Hooli",
              "Stark Industries", "Wayne Enterprises", "Acme", "Tyrell", "Soylent", "Cyberdyne"]


def formula_sentence(rng: random.Random) -> str:
    """A short stock/market formula sentence of the kind many unrelated stories carry."""
    c = rng.choice(_COMPANIES)
    x = f"{rng.randint(1, 9)}.{rng.randint(0, 9)}"
    return rng.choice([
        f"Shares of {c} rose {x}% in early trading.",
        f"Shares of {c} fell {x}% in afternoon trading in New York.",
        f"{c} shares closed {x}% higher on the day.",
        "The company did not immediately respond to a request for comment.",
        f"Stocks in {c} were down {x} percent at midday.",
    ])
