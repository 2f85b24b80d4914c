"""One syndicated story: the wire origin, edited copies by outlets, and partial reuse."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .furniture import _FIRST, _LAST, WIRES, section
from .render import Content, Doc, render
from .sources import Article
from .transforms import Strength, cjk_title, reword, rewrite_headline, rewrite_lede

if TYPE_CHECKING:  # pragma: no cover
    from .build import Builder

DATELINE, TITLE, TAIL = -1, -2, -3
_CITIES = ["NEW YORK", "WASHINGTON", "LONDON", "PARIS", "TOKYO", "BEIJING", "FRANKFURT", "SYDNEY"]


@dataclass
class Story:
    sid: str
    article: Article
    wire: str
    title: str
    city: str
    when: float
    docs: list[Doc] = field(default_factory=list)


def plain_content(art: Article) -> Content:
    return [[(s, None) for s in p] for p in art.paragraphs]


def _shown(t: float) -> str:
    return f"{datetime.fromtimestamp(t, timezone.utc):%d %B %Y %H:%M}"


def _credit(wire: str, city: str, t: float, rng: random.Random) -> tuple[str, str]:
    """(dateline prefix, closing credit line) in the wire's house style."""
    d = datetime.fromtimestamp(t, timezone.utc)
    md = f"{d:%b} {d.day}"
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    return {
        "Reuters": (f"{city}, {md} (Reuters) -", f"(Reporting by {name}; Editing by {rng.choice(_FIRST)} {rng.choice(_LAST)})"),
        "AP": (f"{city} (AP) —", f"Associated Press writer {name} contributed to this report."),
        "AFP": (f"{city}, {md} (AFP) -", f"-- {rng.choice(['AFP', 'Agence France-Presse'])}"),
        "Xinhua": (f"{city}, {d:%b}. {d.day} (Xinhua) --", f"{city.title()}, Xinhua reports."),
    }[wire]


def make_origin(b: "Builder", art: Article, sid: str, t0: float) -> Story:
    rng = b.rng
    wire = "Reuters" if art.corpus == "reuters" and rng.random() < 0.7 else rng.choice(WIRES)
    city = (art.city.upper() if art.city else rng.choice(_CITIES))
    prefix, tail = _credit(wire, city, t0, rng)
    content: Content = []
    k = 0
    for i, par in enumerate(art.paragraphs):
        units = [(prefix, DATELINE)] if i == 0 else []
        for s in par:
            units.append((s, k))
            k += 1
        content.append(units)
    if rng.random() < 0.5:
        content.append([(tail, TAIL)])
    st = Story(sid, art, wire, art.title, city, t0)
    d = Doc(b.new_id(), art.title, _iso(t0), wire, "origin", sid, [f"wire:{wire}"], when=t0)
    render(d, b.wires[wire], content, rng, section=_section(art), shown_date=_shown(t0), title_key=TITLE)
    d.content = content
    st.docs.append(d)
    return st


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _section(art: Article) -> str:
    return section(art.topic)


def _body_positions(content: Content) -> list[tuple[int, int]]:
    return [(i, j) for i, p in enumerate(content) for j, (_, k) in enumerate(p) if k not in (DATELINE, TAIL)]


def _repara(content: Content, rng: random.Random, mode: str) -> Content:
    if mode == "flat":
        return [[u for p in content for u in p]]
    if mode == "merge":
        out: Content = []
        for p in content:
            if out and rng.random() < 0.5:
                out[-1].extend(p)
            else:
                out.append(list(p))
        return out
    if mode == "split":
        out = []
        for p in content:
            cur: list = []
            for u in p:
                # Never separate the dateline from the sentence it introduces.
                if cur and cur[-1][1] != DATELINE and rng.random() < 0.6:
                    out.append(cur)
                    cur = []
                cur.append(u)
            out.append(cur)
        return out
    # "midbreak": a paragraph break in the middle of a long sentence (bad HTML scraping).
    cands = [(i, j) for i, p in enumerate(content) for j, (t, k) in enumerate(p)
             if k is not None and k >= 0 and len(t.split()) >= 8]
    if not cands:
        return content
    i, j = rng.choice(cands)
    text, key = content[i][j]
    words = text.split(" ")
    cut = rng.randint(3, len(words) - 3)
    head, tail = " ".join(words[:cut]), " ".join(words[cut:])
    return content[:i] + [content[i][:j] + [(head, key)], [(tail, key)] + content[i][j + 1:]] + content[i + 1:]


def make_copy(b: "Builder", st: Story, s: Strength) -> Doc:
    """An outlet's edited copy of the origin (or, sometimes, of an earlier copy)."""
    rng = b.rng
    parents = [d for d in st.docs if d.role in ("origin", "copy") and d.content is not None]
    parent = parents[0] if len(parents) == 1 or rng.random() < 0.8 else rng.choice(parents[1:])
    content: Content = [list(p) for p in parent.content]
    ops: list[str] = [] if parent.role == "origin" else [f"via:{parent.id}"]
    body = _body_positions(content)
    if rng.random() < s.trim_p and len(body) > 2:
        keep = max(2, math.ceil(len(body) * rng.uniform(s.keep_min, 1.0)))
        if keep < len(body):
            ci, cj = body[keep]
            content = content[:ci] + ([content[ci][:cj]] if cj else [])
            ops.append(f"trim:{keep}/{len(body)}")
    if rng.random() < s.drop_p:
        body = _body_positions(content)
        drop = {pos for pos in body[1:] if rng.random() < s.drop_rate}
        drop = set(sorted(drop)[: max(0, len(body) - 2)])
        if drop:
            content = [[u for j, u in enumerate(p) if (i, j) not in drop] for i, p in enumerate(content)]
            ops.append(f"drop:{len(drop)}")
    if rng.random() < s.reword_p:
        edits = 1 + int(s.reword_rate * 4)
        m = 0
        for p in content:
            for j, (t, k) in enumerate(p):
                if k is not None and k >= 0 and rng.random() < s.reword_rate:
                    nt = reword(t, rng, rng.randint(1, edits))
                    m += nt != t
                    p[j] = (nt, k)
        ops.append(f"reword:{m}")
    body = _body_positions(content)
    if body and rng.random() < s.lede_p:
        i, j = body[0]
        content[i][j] = (rewrite_lede(st.title, st.city.title(), rng), None)
        ops.append("lede")
    if rng.random() < 0.3 and content and content[0] and content[0][0][1] == DATELINE:
        content[0] = content[0][1:]
        ops.append("no_dateline")
    if rng.random() < s.repara_p:
        mode = rng.choice(["split", "merge", "midbreak", "flat"])
        content = _repara(content, rng, mode)
        ops.append(f"repara:{mode}")
    content = [p for p in content if p]
    title, title_key = st.title, TITLE
    if rng.random() < s.cjk_p:
        title, title_key = cjk_title(rng), None
        ops.append("cjk_title")
    elif rng.random() < s.headline_p:
        lede = next((t for p in content for t, k in p if k is not None and k >= 0), st.title)
        title, title_key = rewrite_headline(st.title, lede, rng), None
        ops.append("headline")
    ocr = 0.0
    if rng.random() < s.ocr_p:
        ocr = rng.choice(s.ocr_rates)
        ops.append(f"ocr:{ocr}")
    # Copies appear minutes to days after their parent (lognormal, median ~3 h).
    t = parent.when + 300 + min(10 * 86400, rng.lognormvariate(math.log(3 * 3600), 1.2))
    outlet = rng.choice(b.outlets)
    d = Doc(b.new_id(), title, _iso(t), outlet.name, "copy", st.sid, ops, when=t)
    render(d, outlet, content, rng, section=_section(st.article), shown_date=_shown(t),
           title_key=title_key, ocr_rate=ocr)
    d.content = content
    st.docs.append(d)
    return d


def make_partial(b: "Builder", st: Story, art: Article, s: Strength) -> Doc:
    """A new article (other base text) quoting 1-3 consecutive paragraphs of the wire story."""
    rng = b.rng
    origin = st.docs[0]
    pars = [[u for u in p if u[1] is not None and u[1] >= 0] for p in origin.content]
    pars = [p for p in pars if p]
    n = rng.randint(1, min(3, len(pars)))
    i = rng.randint(0, len(pars) - n)
    taken = [list(p) for p in pars[i:i + n]]
    ops = [f"partial:{i}+{n}"]
    if rng.random() < s.reword_p:
        for p in taken:
            for j, (t, k) in enumerate(p):
                if rng.random() < s.reword_rate:
                    p[j] = (reword(t, rng, 2), k)
        ops.append("reword")
    content = plain_content(art)
    at = rng.randint(1, len(content))
    content = content[:at] + taken + content[at:]
    t = st.when + rng.uniform(3600, 7 * 86400)
    outlet = rng.choice(b.outlets)
    d = Doc(b.new_id(), art.title, _iso(t), outlet.name, "partial", st.sid, ops, when=t)
    render(d, outlet, content, rng, section=_section(art), shown_date=_shown(t), title_key=None)
    st.docs.append(d)
    return d
