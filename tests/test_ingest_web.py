"""HTML and WARC input: the issue's "done when" (the seeds as web pages cluster as the
seeds do) and the readers' metadata, encodings and damage handling."""

from __future__ import annotations

import gzip
import html
import io
import json
from pathlib import Path

import pytest

import dedup
from dedup import FieldMap, read_corpus
from dedup.engines import as_engine

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


@pytest.fixture(scope="module")
def txt_report():
    return dedup.cluster(SEEDS, jobs=1)


@pytest.fixture(scope="module")
def txt_clusters(txt_report):
    return membership(txt_report, lambda i: Path(i).stem)


def test_seeds_as_web_pages_have_the_seeds_origins_and_dates(tmp_path, txt_report):
    """The original publication date, not an "Updated ..." line (seed 001 prints both), so
    the origins are the plain-text run's: in a directory and inside a WARC."""
    stem = lambda i: Path(i).stem  # noqa: E731
    uris = {f"https://news.example/{s}": s for s in seed_pages()}
    for s, text in seed_pages().items():
        (tmp_path / f"{s}.html").write_text(text, encoding="utf-8")
    (tmp_path / "w").mkdir()
    write_warc(tmp_path / "w" / "crawl.warc.gz", {u: seed_pages()[s].encode() for u, s in uris.items()})
    want = origins(txt_report, stem)
    dates = {stem(d.doc_id): d.date for d in txt_report.documents}
    for report, name_of in ((dedup.cluster(sorted(tmp_path.glob("*.html")), jobs=1), stem),
                            (dedup.cluster(tmp_path / "w" / "crawl.warc.gz", jobs=1), uris.__getitem__)):
        assert origins(report, name_of) == want
        got = {name_of(d.doc_id): d.date for d in report.documents}
        # The same dates as the text files; a page whose text has none takes the crawl's WARC-Date.
        assert {k: v for k, v in got.items() if dates[k]} == {k: v for k, v in dates.items() if v}


def test_seeds_as_web_pages_in_a_directory_cluster_as_the_seeds_do(tmp_path, txt_clusters):
    for stem, text in seed_pages().items():
        (tmp_path / f"{stem}.html").write_text(text, encoding="utf-8")
    report = dedup.cluster(tmp_path, jobs=1, keep_texts=True)
    assert membership(report, lambda i: Path(i).stem) == txt_clusters
    assert len(txt_clusters) == 2 and all(len(c) == 2 for c in txt_clusters)  # the seeds' known shape
    # The furniture is gone from the text the offsets refer to, and that text is the report's.
    for c in report.clusters:
        for m in c.members:
            text = report.text_of(m.doc_id)
            assert "Share on Facebook" not in text and "Privacy policy" not in text and "<p>" not in text
        for link in c.links:
            p = link.passages[0]
            assert report.text_of(link.source)[p.source_start:p.source_end].strip()
    info = {d.doc_id: d for d in report.documents}
    assert {d.source for d in info.values()} == {s["name"] for s in SITES}
    from dedup.stages.report_html import to_html

    shown = to_html(report)  # the HTML report shows the extracted text around the passages
    assert "Share on Facebook" not in shown and "Most read story" not in shown
    p = report.clusters[0].links[0].passages[0]
    src = report.text_of(report.clusters[0].links[0].source)
    assert json.dumps(src[p.source_start:p.source_end])[1:40] in shown


def test_seeds_as_web_pages_in_a_warc_cluster_as_the_seeds_do(tmp_path, txt_clusters):
    uris = {f"https://news.example/{stem}": stem for stem in seed_pages()}
    write_warc(tmp_path / "crawl.warc.gz", {u: seed_pages()[s].encode() for u, s in uris.items()})
    report = dedup.cluster(tmp_path / "crawl.warc.gz", jobs=1)
    assert membership(report, uris.__getitem__) == txt_clusters
    assert sorted(d.doc_id for d in report.documents) == sorted(uris)
    assert report.problems == []  # requests and warcinfo are not articles, and not problems


def test_html_metadata_becomes_document_fields_and_json(tmp_path, run_cli):
    body = ("<p>The council voted on Tuesday to approve the new budget after a long debate that ran late into "
            "the night, officials said.</p><p>The plan funds schools and roads across the region for the next "
            "five years, and the mayor called it a turning point for the city.</p>")
    (tmp_path / "a.html").write_text(
        '<html><head><title>Council backs budget | Daily Planet</title>'
        '<meta property="og:site_name" content="Daily Planet">'
        '<link rel="canonical" href="https://planet.example/2017/03/council-budget">'
        '<meta name="author" content="Jane Roe">'
        '<meta property="article:published_time" content="2017-03-10T08:00:00Z"></head>'
        f'<body><nav><a href="/">Home</a></nav><article><h1>Council backs budget</h1>{body}</article></body></html>')
    [doc], problems = read_corpus(tmp_path)
    assert problems == []
    assert (doc.id, doc.title, doc.date, doc.source, doc.url, doc.author) == (
        "a.html", "Council backs budget", "2017-03-10", "Daily Planet",
        "https://planet.example/2017/03/council-budget", "Jane Roe")
    assert doc.text.startswith("Council backs budget\nThe council voted") and "Home" not in doc.text
    code, out, err = run_cli("cluster", tmp_path, "-f", "json")
    [info] = json.loads(out)["documents"]
    assert code == 0 and info["url"] == "https://planet.example/2017/03/council-budget"
    assert info["author"] == "Jane Roe" and info["source"] == "Daily Planet" and info["date"].startswith("2017-03-10")


@pytest.mark.parametrize("encoding,declare,noted", [
    ("utf-16", "utf-16", False),            # a byte-order mark
    ("windows-1251", "windows-1251", False),  # the charset of the <meta> tag
    ("koi8-r", None, True),                 # none declared: guessed, and said so
])
def test_html_encodings(tmp_path, encoding, declare, noted):
    text = ("Совет депутатов во вторник утвердил новый бюджет города после долгих споров, которые "
            "продолжались до поздней ночи. Мэр назвал его поворотным моментом для всего региона. ") * 3
    head = f'<meta charset="{declare}">' if declare and declare != "utf-16" else ""
    doc_html = f"<html><head>{head}<title>Бюджет</title></head><body><article><p>{text}</p></article></body></html>"
    (tmp_path / "ru.html").write_bytes(doc_html.encode(encoding))
    [doc], problems = read_corpus(tmp_path)
    assert "Совет депутатов во вторник утвердил" in doc.text
    assert [(p.skipped, "guessed by charset-normalizer" in p.message) for p in problems] == ([(False, True)]
                                                                                            if noted else [])


def _dated_page(head: str, lines: str) -> str:
    return (f"<html><head>{head}</head><body><article><h1>Harbour to dredge channel</h1>{lines}{ARTICLE}"
            "</article></body></html>")


@pytest.mark.parametrize("head,lines,want", [
    # The markup names the publication date: it wins over an "Updated" line and a modified date.
    ('<meta property="article:published_time" content="2019-05-04T08:00:00Z">'
     '<meta property="article:modified_time" content="2019-05-09T08:00:00Z">',
     "<p>Updated 2019.05.09 10:00 GMT</p>", "2019-05-04"),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-05-04", '
     '"dateModified": "2019-05-10"}</script>', "<p>Updated 2019.05.10</p>", "2019-05-04"),
    # No date in the markup: the text's own head, read as for a text file (the first date, not the update).
    ("", "<p>2019.05.04 11:55 GMT+8</p><p>Updated 2019.05.05 09:45 GMT+8</p>", "2019-05-04T11:55:00+08:00"),
])
def test_an_html_page_is_dated_by_its_original_publication(tmp_path, head, lines, want):
    (tmp_path / "a.html").write_text(_dated_page(head, lines))
    report = dedup.cluster(tmp_path, jobs=1)
    assert report.documents[0].date.startswith(want)


def test_a_page_without_main_text_is_one_problem(tmp_path):
    (tmp_path / "a.txt").write_text("An article that is fine.")
    (tmp_path / "menu.html").write_text('<html><body><img src="logo.png"><script>var x = 1;</script></body></html>')
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["a.txt"]
    assert [(Path(p.path).name, p.message) for p in problems] == [("menu.html", "no main text found in the HTML page")]


ARTICLE = ("<p>The harbour board met on Monday and agreed to dredge the northern channel before the winter "
           "storms arrive, a spokesman said.</p><p>Work will begin in October and cost about four million "
           "dollars, paid from the port's reserves rather than new fees on shipping lines.</p>")


def _pages(n: int) -> dict[str, bytes]:
    return {f"https://port.example/{k}": f"<html><body><article><h1>Story {k}</h1>{ARTICLE}<p>Item {k}.</p>"
                                         f"</article></body></html>".encode() for k in range(n)}


def test_warc_ids_dates_and_other_records(tmp_path):
    pages = _pages(3)
    pages["https://port.example/logo.png"] = b"\x89PNG\r\n\x1a\n" + bytes(200)
    dated = dict(pages)
    dated["https://port.example/0"] = dated["https://port.example/0"].replace(
        b"<body>", b'<head><meta property="article:published_time" content="2019-05-04"></head><body>')
    write_warc(tmp_path / "c.warc", dated, dates={u: "2020-01-02T03:04:05Z" for u in pages},
               types={"https://port.example/logo.png": "image/png"})
    docs, problems = read_corpus(tmp_path / "c.warc")
    assert [d.id for d in docs] == [f"https://port.example/{k}" for k in range(3)]
    assert [d.date for d in docs] == ["2019-05-04", "2020-01-02T03:04:05Z", "2020-01-02T03:04:05Z"]
    assert all(d.url == d.id for d in docs)
    assert problems == []


def _crawl(path: Path) -> None:
    """A WARC as a crawler writes it: warcinfo, requests, a metadata record, an image, robots.txt,
    a redirect and a 404 around two articles."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = _pages(2)
    pages["https://port.example/logo.png"] = b"\x89PNG\r\n\x1a\n" + bytes(200)
    pages["https://port.example/robots.txt"] = b"User-agent: *\nDisallow: /private\n"
    write_warc(path, pages, types={"https://port.example/logo.png": "image/png",
                                   "https://port.example/robots.txt": "text/plain"})
    with open(path, "ab") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        writer.write_record(writer.create_warc_record("https://port.example/0", "metadata",
                                                      payload=io.BytesIO(b"outlinks: 3\r\n"),
                                                      warc_content_type="application/warc-fields"))
        for status, uri in (("301 Moved Permanently", "https://port.example/old"), ("404 Not Found",
                                                                                    "https://port.example/gone")):
            headers = StatusAndHeaders(status, [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(b"<html></html>"),
                                                          http_headers=headers))


def test_records_that_are_not_articles_are_counted_not_problems(tmp_path, run_cli):
    _crawl(tmp_path / "crawl.warc.gz")
    calls = []
    docs = list(dedup.stages.ingest.iter_corpus([tmp_path], problems := [], progress=lambda *a: calls.append(a)))
    assert [d.id for d in docs] == ["https://port.example/0", "https://port.example/1"] and problems == []
    # 1 warcinfo, 4 requests, an image, robots.txt, a metadata record, a redirect and a 404
    assert [c for c in calls if c[0] == "not articles"][-1] == ("not articles", 10, 0)
    code, out, err = run_cli("cluster", tmp_path, "-f", "json")
    assert code == 0, err
    assert json.loads(out)["problems"] == []
    assert err == ("dedup: 10 web-archive records were not articles (requests, warcinfo, metadata, responses "
                   "that are not HTML or not 2xx); not read\n")
    code, _, err = run_cli("cluster", tmp_path, "-f", "json", "-q")
    assert (code, err) == (0, "")


def test_a_damaged_record_among_records_that_are_not_articles_exits_1(tmp_path, run_cli):
    path = tmp_path / "crawl.warc.gz"
    _crawl(path)
    spans = _members(path)
    data = path.read_bytes()
    off, length = spans[4]  # the second article's response (after warcinfo, request, response, request)
    # Its header damaged, the member recompressed: the same damage every run (random bytes
    # inside a deflate stream fail in ways that depend on the record ids warcio draws).
    member = gzip.decompress(data[off : off + length]).replace(b"WARC/1.", b"WARX/1.", 1)
    path.write_bytes(data[:off] + gzip.compress(member) + data[off + length :])
    code, out, err = run_cli("cluster", path, "-f", "json")
    assert code == 1
    [problem] = json.loads(out)["problems"]
    assert problem["line"] == 5 and problem["message"] == f"damaged record at byte {off}: not a WARC/ARC record header; read on from the next record"
    assert f"dedup: warning: skipped {path.as_posix()}:5: damaged" in err and "Traceback" not in err
    assert [d["doc_id"] for d in json.loads(out)["documents"]] == ["https://port.example/0"]


def test_an_undecodable_page_names_its_record(tmp_path):
    pages = _pages(2)
    pages["https://port.example/bin"] = b"<html><body><p>" + bytes(range(256)) * 4 + b"</p></body></html>"
    write_warc(tmp_path / "c.warc", pages, types={"https://port.example/bin": "text/html"}, extra=False)
    from warcio.archiveiterator import ArchiveIterator

    with open(tmp_path / "c.warc", "rb") as fh:
        it = ArchiveIterator(fh)
        offsets = [it.get_record_offset() for _ in it]
    docs, problems = read_corpus(tmp_path / "c.warc")
    assert [d.id for d in docs] == ["https://port.example/0", "https://port.example/1"]
    [p] = problems
    assert p.line == 3 and p.skipped and p.message.startswith("page https://port.example/bin: binary file")
    assert p.message.endswith(f"(record at byte {offsets[2]})")


def _members(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each gzip member of a WARC.gz, found with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        return [(it.get_record_offset(), it.get_record_length()) for _ in it]


def test_a_corrupt_gzip_member_is_reported_and_the_rest_read(tmp_path):
    path = tmp_path / "c.warc.gz"
    write_warc(path, _pages(6), extra=False)
    data = bytearray(path.read_bytes())
    off, length = _members(path)[2]
    data[off + length // 2: off + length // 2 + 40] = b"\xff" * 40  # the third page's member, mid-stream
    path.write_bytes(bytes(data))
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == [f"https://port.example/{k}" for k in (0, 1, 3, 4, 5)]
    assert len(problems) == 1 and problems[0].line == 3 and "damaged" in problems[0].message
    assert "read on from the next record" in problems[0].message


@pytest.mark.parametrize("warc", range(4))
def test_a_corrupt_gzip_member_never_takes_the_next_pages_with_it(tmp_path, capfd, warc):
    # Damage can inflate into garbage that runs on through the next members, between
    # records too, without a zlib error; it can make warcio's offsets run backwards and
    # count a wrong Content-Length. At 95 places in the member, the pages after it are
    # always read, once each, and only damage is reported. Each WARC differs (its record
    # ids are random), so four are tried: one alone missed a rare case about 1 run in 10.
    path = tmp_path / "c.warc.gz"
    write_warc(path, _pages(6), extra=False)
    clean = path.read_bytes()
    off, length = _members(path)[2]
    for k in range(1, 96):
        data = bytearray(clean)
        at = off + 12 + (length - 60) * k // 96
        data[at: at + 40] = b"\xff" * 40
        path.write_bytes(bytes(data))
        docs, problems = read_corpus(path)
        assert [d.id for d in docs][-3:] == [f"https://port.example/{k}" for k in (3, 4, 5)], at
        assert len({d.id for d in docs}) == len(docs), at
        assert problems and all("damaged" in p.message for p in problems), (at, problems)
    assert capfd.readouterr().err == ""  # warcio's warnings about mended headers are not printed


def test_a_truncated_warc_keeps_the_records_before_the_cut(tmp_path):
    path = tmp_path / "c.warc.gz"
    write_warc(path, _pages(4), extra=False)
    off, length = _members(path)[3]
    path.write_bytes(path.read_bytes()[: off + length // 2])
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == [f"https://port.example/{k}" for k in range(3)]
    assert len(problems) == 1 and problems[0].line == 4, problems
    assert problems[0].message == f"damaged record at byte {off}: the file ends inside it (cut short?)"


def test_progress_counts_bytes_of_the_total(tmp_path):
    write_warc(tmp_path / "a.warc.gz", _pages(40))
    (tmp_path / "b.jsonl").write_text("".join(json.dumps({"id": f"j{k}", "text": "some words here " * 400}) + "\n"
                                              for k in range(600)))
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    calls = []
    docs = list(dedup.stages.ingest.iter_corpus([tmp_path], [], progress=lambda *a: calls.append(a)))
    assert len(docs) == 640
    read = [c for c in calls if c[0] == "read"]
    assert read and read[-1] == ("read", total, total)
    warc = (tmp_path / "a.warc.gz").stat().st_size  # read first; then the 4 MiB of JSONL, counted as it is read
    assert any(warc < done < total for _, done, _ in read)
    assert all(0 <= done <= t == total for _, done, t in read)
    assert [d for _, d, _ in read] == sorted(d for _, d, _ in read)


from hypothesis import HealthCheck, given, settings, strategies as st


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gz=st.booleans(), where=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255),
       cut=st.booleans())
def test_any_damage_to_a_warc_keeps_the_records_before_it(tmp_path_factory, gz, where, flip, cut):
    """A byte changed, or the file cut, anywhere: never an exception, and every page
    whose record ends before the damage is read."""
    path = tmp_path_factory.mktemp("warc") / ("c.warc.gz" if gz else "c.warc")
    write_warc(path, _pages(5), extra=False)
    spans = _members(path)
    data = bytearray(path.read_bytes())
    at = int(where * len(data))
    if cut:
        data = data[:at]
    else:
        data[at] ^= flip
    path.write_bytes(bytes(data))
    docs, problems = read_corpus(path)
    intact = {f"https://port.example/{k}" for k, (off, length) in enumerate(spans) if off + length <= at}
    ids = [d.id for d in docs]
    # A changed byte inside a record's target URI is a different id (the bytes are data), so
    # the ids past the damage are only counted: at most one document per record.
    assert intact <= set(ids) and len(ids) <= 5
    for p in problems:
        assert "\n" not in str(p) and p.path == path.as_posix()


def test_an_empty_or_foreign_warc_is_one_problem(tmp_path):
    (tmp_path / "empty.warc").write_bytes(b"")
    (tmp_path / "text.warc").write_text("hello world\nthis is not an archive\n")
    write_warc(tmp_path / "ok.warc.gz", _pages(1), extra=False)
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["https://port.example/0"]
    msgs = {Path(p.path).name: (p.line, p.message) for p in problems}
    assert msgs["empty.warc"] == (None, "no WARC records (an empty file?)")
    line, message = msgs["text.warc"]
    assert line == 1 and message.startswith("damaged record at byte 0: ")
    assert message.endswith("; no record found after it") and len(problems) == 2


def test_pages_are_extracted_on_workers_with_the_same_output(tmp_path, run_cli, monkeypatch):
    """jobs > 1: HTML files and the pages of a WARC are extracted in worker processes, and
    the JSON report is byte-identical to one process's."""
    for stem, text in seed_pages().items():
        (tmp_path / f"{stem}.html").write_text(text, encoding="utf-8")
    write_warc(tmp_path / "port.warc.gz", _pages(8))
    outs = []
    for jobs in ("1", "2"):
        code, out, err = run_cli("cluster", tmp_path, "-f", "json", "-j", jobs, "-q")
        assert code == 0, err
        outs.append(out)
    assert outs[0] == outs[1]
    assert len(json.loads(outs[0])["documents"]) == 13

    import os

    from dedup.stages.ingest import html as ingest_html, warc as ingest_warc

    def tagged(html, url=None, fallback_date=None):
        page = real(html, url, fallback_date)
        page["author"] = str(os.getpid())
        return page

    real = ingest_html.extract
    monkeypatch.setattr(ingest_html, "extract", tagged)
    monkeypatch.setattr(ingest_warc, "extract", tagged)
    for path in (tmp_path / "port.warc.gz", sorted(tmp_path.glob("*.html"))):
        docs = list(dedup.stages.ingest.iter_corpus(path if isinstance(path, list) else [path], [], engine=as_engine(2)))
        pids = {d.author for d in docs}
        assert len(docs) in (5, 8) and str(os.getpid()) not in pids


def test_a_warc_cut_inside_a_record_is_damage_not_a_short_page(tmp_path):
    """Uncompressed, the last record cut short gives fewer bytes than its Content-Length:
    it is reported (it was read silently as a page of its first bytes)."""
    path = tmp_path / "c.warc"
    write_warc(path, _pages(3), extra=False)
    offsets = [off for off, _ in _members(path)]
    path.write_bytes(path.read_bytes()[:-300])
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == ["https://port.example/0", "https://port.example/1"]
    assert [(p.line, p.message) for p in problems] == [
        (3, f"damaged record at byte {offsets[2]}: the file ends inside it (cut short?)")]


def test_hostile_web_inputs_in_a_directory(tmp_path, run_cli):
    """A FIFO named .html, link loops, a cut and a garbage .warc.gz, a page nested 100k
    deep, UTF-16 and windows-1251 pages, a file name that is not UTF-8: one line each,
    exit 1, the rest read, no traceback."""
    import os

    d = tmp_path / "in"
    d.mkdir()
    os.mkfifo(d / "x.html")
    (d / "loop").mkdir()
    os.symlink("..", d / "loop" / "up")
    os.symlink("self", d / "self")
    write_warc(d / "cut.warc.gz", _pages(3))
    off, length = _members(d / "cut.warc.gz")[-1]
    (d / "cut.warc.gz").write_bytes((d / "cut.warc.gz").read_bytes()[: off + length // 2])
    (d / "garbage.warc.gz").write_bytes(gzip.compress(bytes(range(256)) * 20))
    (d / "nested.html").write_text("<html><body>" + "<div>" * 100_000 + ARTICLE + "</div>" * 100_000 + "</body></html>")
    ru = "Совет депутатов во вторник утвердил новый бюджет города после долгих споров до поздней ночи. " * 4
    (d / "u16.html").write_bytes(f"<html><body><article><p>{ru}</p></article></body></html>".encode("utf-16"))
    (d / "cp.html").write_bytes(f'<html><head><meta charset="windows-1251"></head><body><article><p>{ru} Второй.'
                                f'</p></article></body></html>'.encode("windows-1251"))
    with open(os.path.join(os.fsencode(d), b"caf\xe9.html"), "wb") as fh:
        fh.write(_pages(1)["https://port.example/0"].replace(b"Story 0", b"Cafe story"))
    code, out, err = run_cli("cluster", d, "-f", "json")
    assert code == 1 and "Traceback" not in err
    report = json.loads(out)
    assert sorted(x["doc_id"] for x in report["documents"]) == [
        "caf\\xe9.html", "cp.html", "https://port.example/0", "https://port.example/1", "u16.html"]
    texts = {x["doc_id"]: x["chars"] for x in report["documents"]}
    assert texts["cp.html"] > texts["u16.html"] > 300  # both decoded, not guessed into mojibake and cut
    lines = [ln for ln in err.splitlines() if ln.startswith("dedup: warning:")]
    why = {Path(p["path"]).name: p["message"] for p in report["problems"]}
    assert why == {
        "x.html": "a FIFO, not a regular file; not read",
        "self": "not read: symbolic link loop (too many levels of links)",
        "cut.warc.gz": f"damaged record at byte {off}: the file ends inside it (cut short?)",
        "garbage.warc.gz": "damaged record at byte 0: not a WARC/ARC record header; no record found after it",
        "nested.html": "HTML nested too deeply to parse (over 255 levels of elements); no text read",
        "caf\\xe9.html": "file name is not UTF-8; its id is caf\\xe9.html",
    }
    assert len(lines) == len(why) and all(d.as_posix() in ln for ln in lines)
