"""Template series (phenomenon ``templates``): one formula, new facts in every issue.

A series takes the opening sentences of a real article as its formula and turns its
facts into slots: every figure, and every capitalised word that does not open a
sentence (names, months). Some name slots are part of the formula and never change
(an exchange, a statistics office); the others, and every figure, are filled anew in
each daily issue. An issue may be re-issued as a copy: the same text from another
outlet, or a correction of one figure. Truth: issues are not one cluster (each stands
alone with its own copies); pairs of issues are written with ``"kind": "template"``,
an issue and its copies with ``"kind": "copy"``.
"""
from __future__ import annotations

import json
import random
import re
from datetime import datetime, timezone

from .furniture import section
from .render import Doc, render, shared_spans

SHARE = 0.05  # of the corpus's documents
ISSUES = (4, 14)  # issues per series
FIXED_NAME_P = 0.4  # a name slot that belongs to the formula
SYNDICATE_P = 0.2  # an issue also carried by another outlet
CORRECT_P = 0.15  # an issue corrected (one figure changed) hours later
_NUM = re.compile(r"\d+(?:[.,/]\d+)*")
_NAME = re.compile(r"(?<=[a-z0-9,;] )[A-Z][a-z]{2,}")
_SYL = ("ka", "ro", "mel", "dan", "vi", "tor", "sa", "len", "bra", "ost", "nu", "gar", "pel", "zi", "mon")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3))).capitalize()


def _digits(rng: random.Random, like: str) -> str:
    """A new figure of the same shape (digit for digit, separators kept)."""
    out = "".join(str(rng.randint(1 if i == 0 else 0, 9)) if ch.isdigit() else ch for i, ch in enumerate(like))
    return out if out != like else _digits(rng, like)


class Formula:
    """Sentences with slots; :meth:`fill` gives one issue's sentences and title."""

    def __init__(self, title: str, sentences: list[str], rng: random.Random):
        self.parts = [self._slots(s) for s in [title] + sentences]
        fixed = {}
        for parts in self.parts:
            for kind, text in parts:
                if kind == "name" and text not in fixed:
                    fixed[text] = rng.random() < FIXED_NAME_P
        self.fixed = fixed

    @staticmethod
    def _slots(text: str) -> list[tuple[str, str]]:
        spans = sorted([(m.start(), m.end(), "num") for m in _NUM.finditer(text)]
                       + [(m.start(), m.end(), "name") for m in _NAME.finditer(text)])
        parts, pos = [], 0
        for s, e, kind in spans:
            if s < pos:
                continue
            parts += [("text", text[pos:s]), (kind, text[s:e])]
            pos = e
        return parts + [("text", text[pos:])]

    def fill(self, rng: random.Random) -> list[str]:
        names: dict[str, str] = {}
        out = []
        for parts in self.parts:
            buf = []
            for kind, text in parts:
                if kind == "num":
                    buf.append(_digits(rng, text))
                elif kind == "name" and not self.fixed[text]:
                    buf.append(names.setdefault(text, _name(rng)))
                else:
                    buf.append(text)
            out.append("".join(buf))
        return out

    @property
    def slots(self) -> int:
        return sum(k == "num" or (k == "name" and not self.fixed[t]) for p in self.parts for k, t in p)


def _correct(sentences: list[str], rng: random.Random) -> list[str]:
    """The same issue with one figure changed."""
    where = [(i, m) for i, s in enumerate(sentences) for m in _NUM.finditer(s)]
    i, m = rng.choice(where)
    s = sentences[i]
    return sentences[:i] + [s[: m.start()] + _digits(rng, m.group()) + s[m.end():]] + sentences[i + 1:]


def _formula(b, rng: random.Random) -> Formula | None:
    art = b.pool.take(rng)
    sents, words = [], 0
    for s in art.sentences:
        sents.append(s)
        words += len(s.split())
        if words >= 70 or len(sents) >= 6:
            break
    f = Formula(art.title, sents, rng)
    return f if words >= 45 and f.slots >= 4 and any(k == "num" for p in f.parts[1:] for k, _ in p) else None


def _doc(b, outlet, title: str, sentences: list[str], t: float, role: str, cluster: str, ops: list[str],
         rng: random.Random, topic: str) -> Doc:
    d = Doc(b.new_id(), title, datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
            outlet.name, role, cluster, ops, when=t)
    half = (len(sentences) + 1) // 2
    content = [[(s, k) for k, s in enumerate(sentences[:half])],
               [(s, k + half) for k, s in enumerate(sentences[half:])]]
    render(d, outlet, content, rng, section=section(topic),
           shown_date=f"{datetime.fromtimestamp(t, timezone.utc):%d %B %Y %H:%M}", title_key=None)
    return d


def _pair(b, x: Doc, y: Doc, kind: str) -> None:
    sp = shared_spans(x, y)
    if sp:
        b.fp.write(json.dumps({"type": "pair", "a": x.id, "b": y.id, "a_spans": sp[0], "b_spans": sp[1],
                               "kind": kind}) + "\n")


def template_series(b, rng: random.Random, budget: int) -> int:
    """Emit template series into builder ``b`` until about ``budget`` documents; returns
    how many were emitted."""
    made, n_series, misses = 0, 0, 0
    outlets = list(b.wires.values()) + list(b.outlets)
    while made < budget and misses < 100:
        f = _formula(b, rng)
        if f is None:
            misses += 1
            continue
        misses = 0
        n_series += 1
        sid = f"tpl{n_series:04d}"
        home = rng.choice(outlets)
        t0 = b.t0 + rng.random() * b.span_s
        topic = "business"
        issues: list[list[Doc]] = []
        for day in range(rng.randint(*ISSUES)):
            if made >= budget:
                break
            filled = f.fill(rng)
            title, sentences = filled[0], filled[1:]
            t = t0 + day * 86400 + rng.uniform(-1800, 1800)
            cluster = f"{sid}-{day}"
            docs = [_doc(b, home, title, sentences, t, "template", cluster, [f"template:{sid}"], rng, topic)]
            if rng.random() < SYNDICATE_P:
                other = rng.choice([o for o in outlets if o is not home])
                docs.append(_doc(b, other, title, sentences, t + rng.uniform(600, 7200), "copy", cluster,
                                 [f"template:{sid}", "syndicated"], rng, topic))
            if rng.random() < CORRECT_P:
                docs.append(_doc(b, home, title, _correct(sentences, rng), t + rng.uniform(1800, 10800), "copy",
                                 cluster, [f"template:{sid}", "correction"], rng, topic))
            for k, x in enumerate(docs):
                for y in docs[k + 1:]:
                    _pair(b, x, y, "copy")
                for earlier in issues:
                    for y in earlier:
                        _pair(b, y, x, "template")
            issues.append(docs)
            for d in docs:
                b.emit(d)
            made += len(docs)
    return made
