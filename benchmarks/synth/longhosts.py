"""Long host documents (``--phenomena long-hosts``): live blogs, transcripts and
concatenated scraped pages, 20k-200k characters made of several background articles,
each carrying one passage (a paragraph, or paragraphs up to 40+ words) of a
syndicated story at a random place.

The host joins the story as a ``partial`` member (cluster = the story), so the truth
pairs with every story document come out of :func:`render.shared_spans` like any
partial's: exact character spans of the story sentences it carries. The articles it is
made of are taken from the pool like background articles (never reused elsewhere).
"""
from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from .furniture import _FIRST, _LAST
from .render import Content, Doc, render
from .story import Story, _iso, _section, _shown, plain_content

if TYPE_CHECKING:  # pragma: no cover
    from .build import Builder

EVERY = 200  # one long host per this many documents
MIN_CHARS, MAX_CHARS = 20_000, 200_000
MIN_PASSAGE_WORDS = 40
KINDS = ("live_blog", "transcript", "pages")


def _passage(st: Story, rng: random.Random) -> tuple[list[list[tuple[str, int]]], int, int]:
    """Consecutive origin paragraphs (story sentence units) holding 40+ words (all of
    them when the story is shorter)."""
    pars = [[u for u in p if u[1] is not None and u[1] >= 0] for p in st.docs[0].content]
    pars = [p for p in pars if p]
    words = [sum(len(t.split()) for t, _ in p) for p in pars]
    i = rng.randrange(len(pars))
    n = 1
    while sum(words[i : i + n]) < MIN_PASSAGE_WORDS and n < len(pars):
        if i + n < len(pars):
            n += 1
        else:
            i, n = i - 1, n + 1
    return [list(p) for p in pars[i : i + n]], i, n


def _dress(kind: str, content: Content, title: str, rng: random.Random) -> Content:
    """The host flavour's furniture around one article's paragraphs (not reuse: key None)."""
    if kind == "live_blog":
        stamp = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
        return [[(f"{stamp} Update: {title}", None)]] + content
    if kind == "transcript":
        who = f"{rng.choice(_FIRST).upper()} {rng.choice(_LAST).upper()}:"
        return [[(who, None)] + content[0]] + content[1:] if content else content
    return [[(title, None)]] + content + [[("Share this page", None)]]


def make_long_host(b: "Builder") -> Doc:
    """A long host carrying one passage of an open story, appended to that story."""
    rng = b.rng
    st = rng.choice(b.open)
    kind = rng.choice(KINDS)
    target = int(math.exp(rng.uniform(math.log(MIN_CHARS), math.log(MAX_CHARS))))
    content: Content = []
    size = 0
    while size < target:
        art = b.pool.take(rng)
        content += _dress(kind, plain_content(art), art.title, rng)
        size += sum(len(t) + 1 for p in plain_content(art) for t, _ in p)
    taken, i, n = _passage(st, rng)
    at = rng.randint(0, len(content))
    content = content[:at] + taken + content[at:]
    t = st.when + rng.uniform(3600, 7 * 86400)
    outlet = rng.choice(b.outlets)
    title = {"live_blog": "Live: ", "transcript": "Transcript: ", "pages": ""}[kind] + st.article.title
    d = Doc(b.new_id(), title, _iso(t), outlet.name, "partial", st.sid,
            [f"long_host:{kind}", f"partial:{i}+{n}", f"at:{at}/{len(content)}"], when=t)
    render(d, outlet, content, rng, section=_section(st.article), shown_date=_shown(t), title_key=None)
    st.docs.append(d)
    return d
