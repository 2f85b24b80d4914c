"""HTML input: the issue's "done when" (the seeds as web pages cluster as the seeds do),
the readers' metadata and encodings, pages extracted on workers, hostile web inputs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import dedup
from dedup import read_corpus
from dedup.engines import as_engine
from webpages import ARTICLE, SEEDS, SITES, article_pages, gzip_members, membership, origins, seed_pages, write_warc


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


def test_pages_are_extracted_on_workers_with_the_same_output(tmp_path, run_cli, monkeypatch):
    """jobs > 1: HTML files and the pages of a WARC are extracted in worker processes, and
    the JSON report is byte-identical to one process's."""
    for stem, text in seed_pages().items():
        (tmp_path / f"{stem}.html").write_text(text, encoding="utf-8")
    write_warc(tmp_path / "port.warc.gz", article_pages(8))
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
    write_warc(d / "cut.warc.gz", article_pages(3))
    off, length = gzip_members(d / "cut.warc.gz")[-1]
    (d / "cut.warc.gz").write_bytes((d / "cut.warc.gz").read_bytes()[: off + length // 2])
    (d / "garbage.warc.gz").write_bytes(gzip.compress(bytes(range(256)) * 20))
    (d / "nested.html").write_text("<html><body>" + "<div>" * 100_000 + ARTICLE + "</div>" * 100_000 + "</body></html>")
    ru = "Совет депутатов во вторник утвердил новый бюджет города после долгих споров до поздней ночи. " * 4
    (d / "u16.html").write_bytes(f"<html><body><article><p>{ru}</p></article></body></html>".encode("utf-16"))
    (d / "cp.html").write_bytes(f'<html><head><meta charset="windows-1251"></head><body><article><p>{ru} Второй.'
                                f'</p></article></body></html>'.encode("windows-1251"))
    with open(os.path.join(os.fsencode(d), b"caf\xe9.html"), "wb") as fh:
        fh.write(article_pages(1)["https://port.example/0"].replace(b"Story 0", b"Cafe story"))
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


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "undefined", "unicode_escape", "no-such"])
def test_a_charset_that_is_no_text_encoding_is_noted_and_guessed(tmp_path, charset):
    """A page's charset label is looked up as a browser does: Python's codecs that are no
    text encoding (rot13, base64, zlib, undefined) are unknown labels, never a crash of the
    run; in a directory and in a WARC's Content-Type alike."""
    page = f"<html><head><meta charset='{charset}'><title>T</title></head><body><article>{ARTICLE}</article></body></html>"
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    write_warc(tmp_path / "c.warc.gz", {"https://port.example/0": page.encode()},
               types={"https://port.example/0": f"text/html; charset={charset}"})
    for path in (tmp_path / "p.html", tmp_path / "c.warc.gz"):
        [doc], problems = read_corpus(path)
        assert "The harbour board met on Monday" in doc.text
        assert [p.skipped for p in problems] == [False] and f"unknown declared charset '{charset}'" in problems[0].message


def test_latin1_declared_is_read_as_windows_1252(tmp_path):
    """Pages declaring ISO-8859-1 use windows-1252's curly quotes (browsers read them so):
    the text gets the quotes, not C1 control characters."""
    text = "The mayor said \x93we will build it\x94 on Tuesday, and the council\x92s vote followed. " * 4
    page = f"<html><head><meta charset='iso-8859-1'><title>T</title></head><body><article><p>{text}</p></article></body></html>"
    (tmp_path / "p.html").write_bytes(page.encode("latin-1"))
    [doc], problems = read_corpus(tmp_path)
    assert "\u201cwe will build it\u201d" in doc.text and "council\u2019s" in doc.text and problems == []


@pytest.mark.parametrize("ref", ["&#8;", "&#x1b;", "&#xFFFE;", "&#65535;", "&#1"])
def test_a_control_character_reference_does_not_lose_the_page(tmp_path, ref):
    """One reference to a code point XML forbids, anywhere in a page, made lxml refuse
    the tree and the whole page's text was lost; it is read as U+FFFD."""
    page = (f"<html><head><meta charset='utf-8'><title>T</title></head><body><article><p>A {ref} here.</p>"
            f"{ARTICLE}</article></body></html>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    [doc], problems = read_corpus(tmp_path)
    assert problems == [] and "A \ufffd here." in doc.text


@pytest.mark.parametrize("days", [1, 400])
def test_a_page_dated_after_today_keeps_its_date(tmp_path, monkeypatch, days):
    """htmldate and trafilatura read no date past today's (local time) by default: a page
    read on the day before its stated date got a made-up first of the month, or none, and
    the same page other dates on other days or in other time zones."""
    import datetime as dt
    import time

    day = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)).date().isoformat()
    page = tmp_path / "p.html"
    page.write_text(f'<html><head><meta property="article:published_time" content="{day}T10:00:00+00:00"></head>'
                    "<body><article><h1>Council approves new bridge plan</h1><p>The city council voted on Tuesday "
                    "to approve a long-debated plan for a new bridge across the river, ending years of argument "
                    "among residents and business owners about the route and its cost.</p></article></body></html>")
    for tz in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles"):
        monkeypatch.setenv("TZ", tz)
        time.tzset()
        docs, _ = dedup.read_corpus(page)
        assert docs[0].date == day, tz
    monkeypatch.delenv("TZ")
    time.tzset()
