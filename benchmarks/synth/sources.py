"""Read the real base articles (Reuters-21578, BBC News) into paragraphs of sentences.

Only structure is derived here; the generator decides dates, outlets and edits.
Articles that are tables, too short, or re-issues of an already kept article are
dropped so that two base articles never share text by accident.
"""
from __future__ import annotations

import functools
import gzip
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

# Abbreviations that end with a period but rarely end a sentence in news copy.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "inc", "corp", "co", "ltd", "jr", "sr", "no", "vs",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "gov", "sen", "rep", "gen", "col", "lt", "capt", "prof", "bros", "u.s", "u.k", "e.g",
    "i.e", "dept", "est", "approx", "fig", "mt", "ft",
}
_BREAK = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
# Four lowercase words in a row: prose has them, tables of figures and lists of names do not.
_PROSE_RUN = re.compile(r"(?:\b[a-z]{2,}\b[ ,]+){4}")
_PARA = re.compile(r"\n[ \t]{3,}(?=\S)")
_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


@dataclass(frozen=True)
class Article:
    """One real base article; ``paragraphs`` is a tuple of tuples of sentences."""

    aid: str
    corpus: str  # "reuters" | "bbc"
    topic: str
    title: str
    city: str
    paragraphs: tuple[tuple[str, ...], ...]

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]


def split_sentences(text: str) -> list[str]:
    """Rule-based sentence split; fragments under 25 chars are glued to a neighbour."""
    out: list[str] = []
    start = 0
    for m in _BREAK.finditer(text):
        end = m.start() + 1
        last = text[start:end].rsplit(None, 1)[-1].rstrip(".").lower()
        # "U.S." / single initials like "J." are abbreviations, not sentence ends.
        if last in _ABBREV or (len(last) == 1 and last.isalpha()):
            continue
        piece = text[start:m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    merged: list[str] = []
    for s in out:
        if merged and (len(s) < 25 or len(merged[-1]) < 25):
            merged[-1] = merged[-1] + " " + s
        else:
            merged.append(s)
    return merged


def _prose(par: str) -> bool:
    """True when a paragraph reads like prose rather than a table or list of figures."""
    if len(par) < 30:
        return False
    raw = par.encode("utf-8")
    letters = len(raw) - len(raw.translate(None, _LETTERS))
    return letters / len(raw) > 0.7 and _PROSE_RUN.search(par) is not None and par.count("...") < 2


def _reuters_paragraphs(text: str) -> list[str]:
    text = html.unescape(text).replace("\x03", "")
    text = text.rstrip()
    for tail in ("Reuter", "REUTER"):
        if text.endswith(tail):
            text = text[: -len(tail)].rstrip()
    # Company names are marked <Like This> in the collection; readers never see the brackets.
    text = text.replace("<", "").replace(">", "")
    # Mark paragraph starts (indented lines) before unwrapping the hard-wrapped lines.
    text = " ".join(_PARA.sub("\x00", text).split())
    return [p.strip() for p in text.split("\x00")]


def _city(dateline: str) -> str:
    city = (dateline or "").split(",")[0].strip(" -")
    return city.title() if 0 < len(city) <= 24 else ""


def _make(aid, corpus, topic, title, city, pars) -> Article | None:
    paragraphs = []
    for p in pars:
        if not _prose(p):
            continue
        sents = tuple(s for s in split_sentences(p) if len(s) >= 20)
        if sents:
            paragraphs.append(sents)
    n = sum(len(p) for p in paragraphs)
    if n < 3 or sum(len(s) for p in paragraphs for s in p) < 300:
        return None
    return Article(aid, corpus, topic, title.strip(), city, tuple(paragraphs))


# Two independently written articles rarely share twelve words in a row; a run that
# long is reuse (a re-issue, a quoted paragraph) or a formula (a daily notice), and
# either one would be unlabelled in the truth.
SHARED_RUN = 12
_WORD = re.compile(r"\w+")


def load_articles(data_dir: str | Path) -> list[Article]:
    """Cached wrapper around :func:`read_articles` (articles are immutable)."""
    return _cached(str(Path(data_dir).resolve()))


@functools.lru_cache(maxsize=2)
def _cached(data_dir: str) -> list[Article]:
    return read_articles(data_dir)


def read_articles(data_dir: str | Path) -> list[Article]:
    """Load usable articles in a fixed order (Reuters by newid, then BBC by id).

    An article is dropped if it shares a run of :data:`SHARED_RUN` words with a kept
    article: the sources hold byte-identical and re-issued stories, re-edited ones
    (a clause changed, "Reuter" for "Reuters") and stories quoting a paragraph of
    another, which would otherwise be unlabelled reuse inside the benchmark (the
    truth would call a link between them a false one). Dropping only articles whose
    sentences repeat exactly kept most of these.
    """
    data_dir = Path(data_dir)
    arts: list[Article] = []
    with gzip.open(data_dir / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if not r.get("text") or not r.get("title"):
                continue
            topic = (r.get("topics") or r.get("places") or ["misc"])[0]
            title = html.unescape(r["title"]).replace("<", "").replace(">", "").title()
            a = _make(f"reuters/{r['newid']}", "reuters", topic, title,
                      _city(r.get("dateline", "")), _reuters_paragraphs(r["text"]))
            if a:
                arts.append(a)
    with gzip.open(data_dir / "bbc_news.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            pars = [" ".join(p.split()) for p in r["text"].split("\n\n")]
            a = _make(f"bbc/{r['id']}", "bbc", r["category"], r["title"], "London", pars)
            if a:
                arts.append(a)
    seen: set[int] = set()
    kept: list[Article] = []  # shared via the cache: callers must not mutate it
    for a in arts:
        runs = _runs(a)
        if not runs.isdisjoint(seen):
            continue
        seen.update(runs)
        kept.append(a)
    return kept


def _runs(a: Article) -> set[int]:
    """Hashes of the article's runs of :data:`SHARED_RUN` words (lowercased, digits kept)."""
    w = _WORD.findall(" ".join(a.sentences).lower())
    return {hash(tuple(w[i : i + SHARED_RUN])) for i in range(len(w) - SHARED_RUN + 1)}
