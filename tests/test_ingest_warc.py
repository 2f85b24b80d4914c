"""WARC input: ids and dates, records that are not articles, and damage (corrupt gzip
members, cut files, any flipped byte) that never costs the records before it."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

import dedup
from dedup import read_corpus
from hypothesis import HealthCheck, given, settings, strategies as st
from webpages import article_pages, gzip_members, write_warc


def test_warc_ids_dates_and_other_records(tmp_path):
    pages = article_pages(3)
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

    pages = article_pages(2)
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
    spans = gzip_members(path)
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
    pages = article_pages(2)
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


def test_a_corrupt_gzip_member_is_reported_and_the_rest_read(tmp_path):
    path = tmp_path / "c.warc.gz"
    write_warc(path, article_pages(6), extra=False)
    data = bytearray(path.read_bytes())
    off, length = gzip_members(path)[2]
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
    write_warc(path, article_pages(6), extra=False)
    clean = path.read_bytes()
    off, length = gzip_members(path)[2]
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
    write_warc(path, article_pages(4), extra=False)
    off, length = gzip_members(path)[3]
    path.write_bytes(path.read_bytes()[: off + length // 2])
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == [f"https://port.example/{k}" for k in range(3)]
    assert len(problems) == 1 and problems[0].line == 4, problems
    assert problems[0].message == f"damaged record at byte {off}: the file ends inside it (cut short?)"


def test_progress_counts_bytes_of_the_total(tmp_path):
    write_warc(tmp_path / "a.warc.gz", article_pages(40))
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gz=st.booleans(), where=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255),
       cut=st.booleans())
def test_any_damage_to_a_warc_keeps_the_records_before_it(tmp_path_factory, gz, where, flip, cut):
    """A byte changed, or the file cut, anywhere: never an exception, and every page
    whose record ends before the damage is read."""
    path = tmp_path_factory.mktemp("warc") / ("c.warc.gz" if gz else "c.warc")
    write_warc(path, article_pages(5), extra=False)
    spans = gzip_members(path)
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
    write_warc(tmp_path / "ok.warc.gz", article_pages(1), extra=False)
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["https://port.example/0"]
    msgs = {Path(p.path).name: (p.line, p.message) for p in problems}
    assert msgs["empty.warc"] == (None, "no WARC records (an empty file?)")
    line, message = msgs["text.warc"]
    assert line == 1 and message.startswith("damaged record at byte 0: ")
    assert message.endswith("; no record found after it") and len(problems) == 2


def test_a_warc_cut_inside_a_record_is_damage_not_a_short_page(tmp_path):
    """Uncompressed, the last record cut short gives fewer bytes than its Content-Length:
    it is reported (it was read silently as a page of its first bytes)."""
    path = tmp_path / "c.warc"
    write_warc(path, article_pages(3), extra=False)
    offsets = [off for off, _ in gzip_members(path)]
    path.write_bytes(path.read_bytes()[:-300])
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == ["https://port.example/0", "https://port.example/1"]
    assert [(p.line, p.message) for p in problems] == [
        (3, f"damaged record at byte {offsets[2]}: the file ends inside it (cut short?)")]


@pytest.mark.parametrize("name", ["c.warc", "c.warc.gz"])
def test_a_response_without_a_target_uri_is_named_so(tmp_path, name):
    # warcio fails on such a record with a Python error ('NoneType' object has no attribute ...)
    path = tmp_path / name
    pages = article_pages(3)
    write_warc(path, pages, extra=False)
    spans = gzip_members(path)
    data = path.read_bytes()
    if name.endswith(".gz"):
        off, length = spans[1]
        member = gzip.decompress(data[off:off + length])
        member = member.replace(b"WARC-Target-URI: https://port.example/1\r\n", b"")
        data = data[:off] + gzip.compress(member) + data[off + length:]
    else:
        off = spans[1][0]
        data = data.replace(b"WARC-Target-URI: https://port.example/1\r\n", b"")
    path.write_bytes(data)
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == ["https://port.example/0", "https://port.example/2"]
    assert [(p.line, p.skipped, p.message) for p in problems] == [
        (2, True, f"response without a WARC-Target-URI (the document id) (record at byte {off})")]


@pytest.mark.parametrize("extra", [True, False])
def test_a_warc_gzipped_whole_as_one_member_is_read_whole(tmp_path, extra):
    # `gzip crawl.warc` makes one gzip member of every record; warcio stops after the first
    # (it will not seek in such a file). It is read as one stream (before: the first record
    # only, and one problem for the rest).
    plain = tmp_path / "c.warc"
    write_warc(plain, article_pages(3), extra=extra)
    whole = tmp_path / "c.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    docs, problems = read_corpus(whole)
    assert [d.id for d in docs] == [f"https://port.example/{k}" for k in range(3)]
    assert problems == []
    assert [d.text for d in docs] == [d.text for d in read_corpus(plain)[0]]


def test_a_one_member_warc_cut_short_keeps_the_records_before_the_cut(tmp_path):
    plain = tmp_path / "c.warc"
    write_warc(plain, article_pages(4), extra=False)
    data = gzip.compress(plain.read_bytes())
    whole = tmp_path / "c.warc.gz"
    whole.write_bytes(data[: len(data) * 3 // 4])
    docs, problems = read_corpus(whole)
    ids = [d.id for d in docs]
    assert ids == [f"https://port.example/{k}" for k in range(len(ids))] and 1 <= len(ids) < 4
    assert len(problems) == 1 and problems[0].line == len(ids) + 1, problems
    assert "ends inside it (cut short?)" in problems[0].message and "one gzip member" in problems[0].message


@pytest.mark.parametrize("name", ["c.warc", "c.warc.gz"])
def test_a_content_length_past_the_next_records_loses_only_its_own(tmp_path, name):
    """Record 2's Content-Length made 100,000 bytes too large ran through records 3 and 4 to
    the end of the file: they were lost (plain) or misread as "not articles" (gzip)."""
    import re
    import zlib

    path = tmp_path / name
    write_warc(path, article_pages(4), extra=False)
    if name.endswith(".gz"):
        members = gzip_members(path)
        data = path.read_bytes()
        off, length = members[1]
        record = zlib.decompress(data[off:off + length], 31)
        record = re.sub(rb"Content-Length: (\d+)", lambda m: b"Content-Length: %d" % (int(m[1]) + 100000), record, 1)
        path.write_bytes(data[:off] + gzip.compress(record) + data[off + length:])
    else:
        data = path.read_bytes()
        second = data.index(b"WARC/1.", 1)
        head = re.sub(rb"Content-Length: (\d+)", lambda m: b"Content-Length: %d" % (int(m[1]) + 100000),
                      data[second:second + 2000], 1)
        path.write_bytes(data[:second] + head + data[second + 2000:])
    docs, problems = read_corpus(path)
    assert [d.id for d in docs] == [f"https://port.example/{k}" for k in (0, 2, 3)]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(2, problems[0].message.split(":")[0])]
    assert "read on from the next record" in problems[0].message
