"""Web pages and WARC files for the HTML and WARC input tests, built from the seeds
and a short article (no page is kept in the repo)."""

from __future__ import annotations

import html
import io
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Two sites' furniture: menus, navigation, share bars, related links, footers. Every page
# of a site carries the same, as real sites do.
SITES = [
    {"name": "Daily Planet", "host": "planet.example", "menu": ["Home", "World", "Business", "Sport", "Opinion",
                                                               "Video", "Subscribe"]},
    {"name": "Morning Wire", "host": "wire.example", "menu": ["News", "Politics", "Markets", "Tech", "Culture",
                                                             "Podcasts", "Log in"]},
]


def page(text: str, k: int, site: dict, date: str | None = None, charset: str = "utf-8") -> str:
    """A news page around ``text``: its paragraphs in an <article>, the site's furniture around it."""
    paras = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    title = next((p for p in paras if len(p.split()) >= 3 and not p[0].isdigit()), paras[0])
    menu = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in site["menu"])
    share = ('<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> '
             '<a href="#">Email this story</a> <a href="#">Print</a></div>')
    related = "".join(f'<li><a href="/story/{k}{j}">Most read story number {j} on {site["name"]}</a></li>'
                      for j in range(5))
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{html.escape(title)} | {site["name"]}'
            f'</title><meta property="og:site_name" content="{site["name"]}">{meta}</head><body>'
            f'<header><div class="logo">{site["name"]}</div><nav><ul class="menu">{menu}</ul></nav></header>'
            f'{share}<main><article><h1>{html.escape(title)}</h1>{body}</article>{share}'
            f'<aside><h2>Most read</h2><ul>{related}</ul></aside></main>'
            f'<footer><p>Copyright 2024 {site["name"]}. All rights reserved.</p><ul><li><a href="/about">About us'
            f'</a></li><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li>'
            f'</ul></footer></body></html>')


def seed_pages() -> dict[str, str]:
    """Seed stem -> its page (built now from the seed text; no copy is kept in the repo)."""
    return {p.stem: page(p.read_text(encoding="utf-8"), k, SITES[k % 2])
            for k, p in enumerate(sorted(SEEDS.glob("*.txt")))}


def write_warc(path: Path, pages: dict[str, bytes], dates: dict[str, str] | None = None,
               types: dict[str, str] | None = None, extra: bool = True) -> None:
    """A WARC.gz of the pages (key: the target URI), with request and warcinfo records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        if extra:
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for uri, body in pages.items():
            if extra:
                writer.write_record(writer.create_warc_record(uri, "request",
                                                              payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            content_type = (types or {}).get(uri, "text/html; charset=utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            warc_headers = {"WARC-Date": (dates or {}).get(uri, "2024-06-01T10:00:00Z")}
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers,
                                               warc_headers_dict=warc_headers)
            writer.write_record(record)


def membership(report, name_of) -> list[frozenset]:
    """The clusters as sets of seed stems (``name_of``: document id -> stem)."""
    return sorted((frozenset(name_of(m.doc_id) for m in c.members) for c in report.clusters), key=sorted)


def origins(report, name_of) -> list[tuple[str, list[str]]]:
    """Each cluster's origin and members, as seed stems."""
    return sorted((name_of(c.origin), sorted(name_of(m.doc_id) for m in c.members)) for c in report.clusters)


ARTICLE = ("<p>The harbour board met on Monday and agreed to dredge the northern channel before the winter "
           "storms arrive, a spokesman said.</p><p>Work will begin in October and cost about four million "
           "dollars, paid from the port's reserves rather than new fees on shipping lines.</p>")


def article_pages(n: int) -> dict[str, bytes]:
    return {f"https://port.example/{k}": f"<html><body><article><h1>Story {k}</h1>{ARTICLE}<p>Item {k}.</p>"
                                         f"</article></body></html>".encode() for k in range(n)}


def gzip_members(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each gzip member of a WARC.gz, found with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        return [(it.get_record_offset(), it.get_record_length()) for _ in it]
