"""The HTML report: one self-contained file, escaped, opened in a real browser.

Browser tests drive Debian's chromium (``/usr/bin/chromium``, or ``DEDUP_CHROMIUM``)
with playwright. Without either they are skipped, except in CI (``CI=true``), where
they fail. Screenshots go to ``DEDUP_SCREENSHOTS`` (default: pytest's temp directory).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.stages.report_html import to_html, word_diff

from conftest import REPO, SEEDS

DATA = Path(os.environ.get("DEDUP_DATA") or REPO.parent / "shared" / "data")
CHROMIUM = os.environ.get("DEDUP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE_ID = 'x</script><img src=x onerror="window.pwned=1">.txt'
HOSTILE_TITLE = "<img src=y onerror=window.pwned=2> &amp; </SCRIPT> <!-- \u2028\u2029 \x07"


def blob(html: str) -> dict:
    """The report data embedded in a page."""
    m = re.search(r'<script id="dedup-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def _passage_sides(data: dict, a: str, b: str) -> list[tuple[str, str]]:
    """Both sides of every passage linking ``a`` and ``b``, cut from the page's own data."""
    def cut(c, doc, s, e):
        for start, text in c["x"][doc]:
            if start <= s and e <= start + len(text):
                return text[s - start:e - start]
        raise AssertionError(f"{doc}[{s}:{e}] not in the page's texts")

    c = next(c for c in data["clusters"] if {a, b} <= {m[0] for m in c["m"]})
    return [(cut(c, lk["s"], p[0], p[1]), cut(c, lk["t"], p[2], p[3]))
            for lk in c["l"] if {lk["s"], lk["t"]} == {a, b} for p in lk["p"]]


def _hostile_docs() -> list[dict]:
    shared = " ".join(f"word{i} appears in both of these documents" for i in range(12))
    return [{"id": HOSTILE_ID, "title": HOSTILE_TITLE, "text": "Opening. " + shared + " Closing one."},
            {"id": "b<b>\x01", "title": "</script><script>window.pwned=3</script>",
             "text": "Another start. " + shared + " Different end."}]


@pytest.fixture(scope="module")
def seeds_html(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "seeds.html"
    from dedup.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["cluster", str(SEEDS), "-f", "html", "-o", str(path), "-q"])
    assert exc.value.code == 0
    return path


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory) -> Path:
    report = dedup.cluster(_hostile_docs(), keep_texts=True, jobs=1)
    assert len(report.clusters) == 1
    path = tmp_path_factory.mktemp("html") / "hostile.html"
    path.write_text(to_html(report), encoding="utf-8")
    return path


def test_hostile_ids_and_titles_stay_data(hostile_html):
    html = hostile_html.read_text(encoding="utf-8")
    assert html.count("</script>") == 2  # the data's end and the renderer's end: nothing else
    assert "<img" not in html and "<!--" not in html and "\u2028" not in html
    data = blob(html)
    (c,) = data["clusters"]
    assert {m[0] for m in c["m"]} == {HOSTILE_ID, "b<b>\x01"}
    assert {m[4] for m in c["m"]} == {HOSTILE_TITLE, "</script><script>window.pwned=3</script>"}


def test_lone_surrogates_and_controls_survive_the_blob():
    from dedup.stages.report_html import _dumps

    value = {"t": "a\ud800b\x00</script>\u2028"}
    text = _dumps(value)
    text.encode("utf-8")  # a lone surrogate raw in the page could not be written as UTF-8
    assert json.loads(text) == value and "</" not in text


def test_page_needs_nothing_from_the_network(seeds_html):
    html = seeds_html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "default-src 'none'" in html  # and the browser is told so


def test_html_is_deterministic(seeds_html, tmp_path):
    report = dedup.cluster([SEEDS], keep_texts=True, jobs=1)
    assert to_html(report) == seeds_html.read_text(encoding="utf-8")


def test_passages_in_the_page_are_the_report_offsets(seeds_html):
    """The page's texts cut at the JSON report's offsets give the files' own text."""
    data = blob(seeds_html.read_text(encoding="utf-8"))
    report = dedup.cluster([SEEDS], jobs=1)
    for c in report.clusters:
        for link in c.links:
            src, tgt = ((SEEDS / d).read_text(encoding="utf-8") for d in (link.source, link.target))
            got = _passage_sides(data, link.source, link.target)
            assert got == [(src[p.source_start:p.source_end], tgt[p.target_start:p.target_end]) for p in link.passages]


words = st.lists(st.sampled_from(["a", "B", "c,", "d.", "é", "\U0001F600", "ß", "--"]), max_size=30)


@settings(max_examples=200, deadline=None)
@given(words, words, st.sampled_from([" ", "\n", "  \t"]))
def test_word_diff_ranges_are_exact(wa, wb, sep):
    a, b = sep.join(wa), sep.join(wb)
    da, db = word_diff(a, b)

    def outside(text, flat):
        keep, at = [], 0
        for s, e in zip(flat[::2], flat[1::2]):
            assert at <= s < e <= len(text) and not text[s:e].startswith((" ", "\n", "\t"))
            keep.append(text[at:s])
            at = e
        keep.append(text[at:])
        return [re.sub(r"[\W_]+", "", w.casefold()) or w.casefold() for w in " ".join(keep).split()]

    assert outside(a, da) == outside(b, db)  # what is not marked is the same words on both sides
    if a.split() == b.split():
        assert da == db == []


# --- in a real browser ----------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[test]')"
    if reason is None and not Path(CHROMIUM).exists():
        reason = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ["DEDUP_SCREENSHOTS"]) if os.environ.get("DEDUP_SCREENSHOTS") else \
        tmp_path_factory.mktemp("screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


class Page:
    """A page with its console errors recorded."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message), d.dismiss()))
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                     else self.errors.append("network: " + r.url))
        start = time.perf_counter()
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready='1']")
        self.seconds = time.perf_counter() - start


def test_seeds_report_in_the_browser(browser, seeds_html, shots):
    page = Page(browser, seeds_html)
    p = page.page
    data = blob(seeds_html.read_text(encoding="utf-8"))
    a = next(m[0] for c in data["clusters"] for m in c["m"] if m[0].startswith("001_"))
    b = next(m[0] for c in data["clusters"] for m in c["m"] if m[0].startswith("002_"))
    sides = _passage_sides(data, a, b)
    # two paragraphs 002 took from 001, and the photo caption it reworded (found inside the link)
    assert len(sides) == 3 and any("Xi Jinping holds large-group talks" in s + t for s, t in sides)
    cid = next(c["id"] for c in data["clusters"] if a in {m[0] for m in c["m"]})
    p.click(f".row[data-cluster='{cid}']")
    for src, tgt in sides:
        assert src in p.locator(".side.src .ptext").all_text_contents()
        assert tgt in p.locator(".side.tgt .ptext").all_text_contents()
    assert p.locator("#detail mark").count() > 0  # word differences are marked
    assert p.locator("#detail svg.graph path.edge[data-kind]").count() >= 1
    p.screenshot(path=str(shots / "seeds.png"))
    # filters: a search that matches one cluster's document shows that cluster only
    p.fill("#q", b)
    assert p.locator(".row").count() == 1 and p.locator(f".row[data-cluster='{cid}']").count() == 1
    p.fill("#q", "no such thing anywhere")
    assert p.locator(".row").count() == 0
    assert page.errors == []


def test_hostile_report_in_the_browser(browser, hostile_html, shots):
    page = Page(browser, hostile_html)
    p = page.page
    p.click(".row")
    assert p.evaluate("window.pwned") is None and p.locator("img").count() == 0
    assert HOSTILE_ID in p.locator("#detail").text_content()
    assert "</script><script>window.pwned=3</script>" in p.locator("#detail").text_content()
    p.screenshot(path=str(shots / "hostile.png"))
    assert page.errors == []


def test_ids_that_name_object_properties_are_plain_ids(browser, tmp_path, shots):
    """The page keys its tables by document id: an id '__proto__' or 'constructor' is
    data like any other (a plain object broke the provenance graph: its nodes were
    placed at 'translate(undefined,undefined)')."""
    shared = " ".join(f"word{i} appears in each of these documents" for i in range(12))
    ids = ["__proto__", "constructor", "toString", "hasOwnProperty"]
    docs = [{"id": i, "text": "Opening words. " + shared + " Closing words.", "date": f"2024-05-0{k + 1}"}
            for k, i in enumerate(ids)]
    report = dedup.cluster(docs, keep_texts=True, jobs=1)
    assert sorted(m.doc_id for c in report.clusters for m in c.members) == sorted(ids)
    path = tmp_path / "proto.html"
    path.write_text(to_html(report), encoding="utf-8")
    page = Page(browser, path)
    p = page.page
    p.click(".row")
    nodes = p.locator("g.node")
    assert nodes.count() == len(ids)
    assert not any("undefined" in (nodes.nth(k).get_attribute("transform") or "undefined") for k in range(len(ids)))
    p.screenshot(path=str(shots / "proto.png"))
    assert page.errors == []


def test_a_cluster_names_its_running_story_in_the_browser(browser, tmp_path, shots):
    """A cluster whose story holds another cluster and a take in no cluster says so, and
    a search for the story's id finds its clusters; one whose story is itself says
    nothing (stories set by hand here: the page is what is tested)."""
    report = dedup.cluster([str(SEEDS)], keep_texts=True, jobs=1)
    first = [m.doc_id for m in report.clusters[0].members]
    alone = [d.doc_id for d in report.documents if d.cluster is None]
    assert len(report.clusters) == 2 and alone
    story = {**{x: "r1" for x in first + alone}, **{m.doc_id: "r2" for m in report.clusters[1].members}}
    docs = [d.model_copy(update={"story": story.get(d.doc_id)}) for d in report.documents]
    marked = dedup.Report(clusters=report.clusters, templates=report.templates, documents=docs,
                          problems=report.problems, config=report.config)
    marked._texts = report._texts
    path = tmp_path / "stories.html"
    path.write_text(to_html(marked), encoding="utf-8")
    page = Page(browser, path)
    p = page.page
    c1, c2 = (c.id for c in report.clusters)
    p.click(f".row[data-cluster='{c1}']")
    assert p.locator("#detail p.story").text_content() == f"Running story r1 \u00b7 in no cluster: {', '.join(alone)}"
    p.click(f".row[data-cluster='{c2}']")
    assert p.locator("#detail p.story").count() == 0
    p.fill("#q", "r1")
    assert p.locator(".row").count() == 1 and p.locator(f".row[data-cluster='{c1}']").count() == 1
    p.screenshot(path=str(shots / "stories.png"))
    assert page.errors == []


@pytest.fixture(scope="module")
def big_html(tmp_path_factory) -> Path:
    """A report of the generated 10,000-document corpus (built once per module)."""
    if not (DATA / "reuters21578.jsonl.gz").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"source corpora not found at {DATA}")
        pytest.skip(f"source corpora not found at {DATA}")
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import build

    d = tmp_path_factory.mktemp("s10k")
    build(DATA, d, size=10_000, seed=1)
    report = dedup.cluster([d / "corpus.jsonl"], keep_texts=True)
    path = d / "report.html"
    path.write_text(to_html(report), encoding="utf-8")
    return path


def test_10k_report_size_and_first_screen(browser, big_html, shots):
    size = big_html.stat().st_size
    assert size < 20_000_000, f"{size:,} bytes"
    data = blob(big_html.read_text(encoding="utf-8"))
    assert data["meta"]["documents"] == 10_000 and len(data["clusters"]) > 500
    page = Page(browser, big_html)
    p = page.page
    print(f"\n10k report: {size:,} bytes, {len(data['clusters'])} clusters, {len(data['templates'])} template series, "
          f"first screen in {page.seconds:.2f} s")
    rows = p.locator(".row").count()
    assert 0 < rows < 100  # only the rows in view exist
    p.locator("#detail details.link > summary").last.click()  # links of a large cluster open on demand
    p.locator("#detail .passage").first.wait_for()  # built on the 'toggle' event, which fires after the click
    # the last link shown (a page of links at a time: not the cluster's last link when it has more)
    shown = p.locator("#detail details.link").last.get_attribute("data-link")
    link = next(ln for ln in data["clusters"][0]["l"] if f"{ln['s']}\u2192{ln['t']}" == shown)
    assert p.locator("#detail .passage").count() == len(link["p"])
    p.screenshot(path=str(shots / "s10k.png"))
    p.locator("#list").evaluate("e => { e.scrollTop = e.scrollHeight; e.dispatchEvent(new Event('scroll')); }")
    last = (data["templates"] or data["clusters"])[-1]["id"]  # the template series come after the clusters
    p.wait_for_selector(f".row[data-cluster='{last}']")
    p.select_option("#kind", "duplicate")

    def n_dup(cs):
        return sum(1 for c in cs if c["k"] == "duplicate" or any(lk["k"] == "duplicate" for lk in c["l"]))

    clusters, series = data["clusters"], data["templates"]
    assert p.locator(".count").text_content() == f"showing {n_dup(clusters)} of {len(clusters)} clusters" + (
        f", {n_dup(series)} of {len(series)} template series" if series else "")
    assert page.errors == []


def test_any_link_kind_renders_with_its_own_style(browser, tmp_path):
    """duplicate, partial and template links are drawn distinctly; an unknown kind still renders."""
    from dedup.models import Cluster, Link, Member, Passage
    from dedup.stages.report_html import iter_page

    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    docs = ["o", "d", "p", "t", "q"]
    kinds = {"d": "duplicate", "p": "partial", "t": "template", "q": "quotation"}
    p = Passage(source_start=0, source_end=len(text), target_start=0, target_end=len(text), score=1.0)
    cluster = Cluster.model_construct(
        id="c1", kind="template", size=5, origin="o",
        members=[Member.model_construct(doc_id=d, date=None, title=None, source=None, coverage=1.0,
                                        role="origin" if d == "o" else kinds[d]) for d in docs],
        links=[Link.model_construct(source="o", target=d, kind=k, score=1.0, coverage_source=1.0,
                                    coverage_target=1.0, passages=[p]) for d, k in kinds.items()])
    meta = {"documents": 5, "clustered": 5, "clusters": 1, "problems": []}
    path = tmp_path / "kinds.html"
    path.write_text("".join(iter_page([cluster], meta, text_of=lambda d: text)), encoding="utf-8")
    page = Page(browser, path)
    edges = page.page.locator("#detail svg.graph path.edge")
    classes = {edges.nth(i).get_attribute("data-kind"): edges.nth(i).get_attribute("class") for i in range(edges.count())}
    assert classes == {"duplicate": "edge e-duplicate", "partial": "edge e-partial",
                       "template": "edge e-template", "quotation": "edge e-other"}
    strokes = {k: page.page.evaluate(f"getComputedStyle(document.querySelector('path.edge[data-kind={k}]')).strokeDasharray")
               for k in classes}
    assert len(set(strokes.values())) == 4  # four distinct line styles
    assert page.page.locator("#kind option").all_text_contents() == ["any kind", "duplicate", "partial", "quotation",
                                                                      "template"]
    closed = page.page.locator("#detail details.link:not([open]) > summary")
    while closed.count():
        closed.first.click()
    # passages are built on the 'toggle' event, which fires after the click
    # a locator wait, not wait_for_function: newer Playwright evaluates that predicate with eval,
    # which the report's Content-Security-Policy (no 'unsafe-eval') rightly refuses
    page.page.locator(".side.tgt .ptext").nth(3).wait_for(state="attached")
    assert page.page.locator(".side.tgt .ptext").all_text_contents() == [text] * 4
    assert page.errors == []


def test_a_cluster_of_many_copies_draws_its_links_a_page_at_a_time(browser, tmp_path, shots):
    """A cluster of thousands of copies has tens of thousands of links: all of them were
    built at once, and each member's flows read every link (seconds for the first screen).
    The links come 200 at a time, on demand; the members' flows are the same."""
    story = " ".join(f"Paragraph {k} of the wire story says the port authority will dredge channel {k}." for k in range(8))
    docs = [{"id": f"d{k:03d}", "text": f"Edition {k}. " + story, "date": f"2024-05-{k % 28 + 1:02d}"} for k in range(40)]
    report = dedup.cluster(docs, keep_texts=True, jobs=1)
    path = tmp_path / "many.html"
    path.write_text(to_html(report), encoding="utf-8")
    data = blob(path.read_text(encoding="utf-8"))
    [cluster] = data["clusters"]
    total = len(cluster["l"])
    assert total > 400  # three pages and a bit
    page = Page(browser, path)
    p = page.page
    links = p.locator("#detail details.link")
    button = p.locator("#detail button.more-links")
    assert links.count() == 200 and button.text_content() == f"show 200 more links ({total - 200} not shown)"
    button.click()
    assert links.count() == 400 and button.text_content() == f"show {min(200, total - 400)} more links ({total - 400} not shown)"
    while button.count():
        button.click()
    assert links.count() == total
    assert [links.nth(k).get_attribute("data-link") for k in (0, total - 1)] == [
        f"{cluster['l'][k]['s']}\u2192{cluster['l'][k]['t']}" for k in (0, total - 1)]
    # the flows of a member: the links it is the source of, with the source side's characters
    origin = cluster["o"]
    row = p.locator(f"#detail table.members tr[data-doc='{origin}'] td.flow").first.text_content()
    went = [l for l in cluster["l"] if l["s"] == origin]
    num = {m[0]: n + 1 for n, m in enumerate(cluster["m"])}
    first = went[0]
    assert row.startswith(f"#{num[first['t']]} ({sum(q[1] - q[0] for q in first['p'])} chars, {first['k']})")
    assert (f"\u2026 {len(went) - 6} more" in row) == (len(went) > 6)
    p.screenshot(path=str(shots / "many.png"))
    assert page.errors == []


# --- template series ---------------------------------------------------------------------

NOTICE = ("The steelmaker {a} said on Monday it would raise base prices on plate products by {n1} dlrs a ton, "
          "or about {n2} pct, effective with shipments on {m} {d}, a spokesman for the company said. "
          "The increase follows a similar move announced yesterday by {b}, and dealers said other mills "
          "were expected to follow within days as demand from the construction and shipbuilding industries "
          "remained firm through the spring, according to figures compiled by {c} analysts.")
_SYL = ("ka", "ro", "mel", "dan", "vi", "tor", "sa", "len", "bra", "ost", "nu", "gar", "pel", "zi", "mon")


def _series_docs() -> list[dict]:
    """Four issues of one formula with new names and figures (a template series, as in
    test_template_series), a wire story and a paper's copy of it (a cluster), and
    unrelated texts."""
    from textgen import article

    rng = random.Random(3)

    def name():
        return "".join(rng.choice(_SYL) for _ in range(3)).capitalize()

    issues = [{"id": f"day{k}", "date": f"2024-03-0{k + 1}",
               "text": NOTICE.format(a=name(), b=name(), c=name(), n1=rng.randint(10, 99), n2=rng.randint(2, 9),
                                     m=rng.choice(["March", "April", "May"]), d=rng.randint(1, 28))}
              for k in range(4)]
    story = article(77)
    return (issues + [{"id": f"bg{i}", "text": article(500 + i)} for i in range(8)]
            + [{"id": "wire", "text": story, "date": "2024-03-01"},
               {"id": "paper", "text": "Our reporter adds. " + story, "date": "2024-03-02"}])


@pytest.fixture(scope="module")
def series_report():
    report = dedup.cluster(_series_docs(), keep_texts=True, jobs=1)
    assert [[m.doc_id for m in c.members] for c in report.clusters] == [["wire", "paper"]]
    assert [(t.id, t.kind, sorted(m.doc_id for m in t.members)) for t in report.templates] == [
        ("t1", "template", ["day0", "day1", "day2", "day3"])]
    return report


def test_template_series_are_listed_searchable_and_filterable_in_the_browser(browser, series_report, tmp_path, shots):
    """The page showed the clusters only: the template series that the JSON, table and CSV
    report (``templates``) were not in its data, its kind filter or its search. They are
    listed after the clusters, as in the JSON, and open like a cluster."""
    report = series_report
    path = tmp_path / "series.html"
    path.write_text(to_html(report), encoding="utf-8")
    data = blob(path.read_text(encoding="utf-8"))
    assert [c["id"] for c in data["clusters"]] == ["c1"]  # the clusters' list is as it was
    assert [(t["id"], t["k"], [m[0] for m in t["m"]]) for t in data["templates"]] == [
        (t.id, t.kind, [m.doc_id for m in t.members]) for t in report.templates]
    assert data["meta"]["templates"] == 1
    page = Page(browser, path)
    p = page.page
    rows = p.locator(".row")
    assert [rows.nth(k).get_attribute("data-cluster") for k in range(rows.count())] == ["c1", "t1"]
    assert p.locator(".row.series").count() == 1 and p.locator(".row.series[data-cluster='t1']").count() == 1
    assert "template series" in p.locator(".row[data-cluster='t1']").text_content()
    assert p.locator("header .stats").text_content() == (
        f"{len(report.documents)} documents, 1 cluster, 2 in clusters, 1 template series")
    assert p.locator(".count").text_content() == "showing 1 of 1 clusters, 1 of 1 template series"
    assert "template" in p.locator("#kind option").all_text_contents()
    p.select_option("#kind", "template")
    assert [rows.nth(k).get_attribute("data-cluster") for k in range(rows.count())] == ["t1"]
    assert p.locator(".count").text_content() == "showing 0 of 1 clusters, 1 of 1 template series"
    p.select_option("#kind", "duplicate")
    assert [rows.nth(k).get_attribute("data-cluster") for k in range(rows.count())] == ["c1"]
    p.select_option("#kind", "")
    for term, want in (("t1", ["t1"]), ("day2", ["t1"]), ("paper", ["c1"])):  # by id and by member
        p.fill("#q", term)
        assert [rows.nth(k).get_attribute("data-cluster") for k in range(rows.count())] == want, term
    p.fill("#q", "")
    p.click(".row[data-cluster='t1']")
    (t1,) = report.templates
    assert p.locator("#detail h2").text_content().startswith("templatet1 \u00b7 template series \u00b7 4 documents")
    assert p.locator("#detail p.series").count() == 1
    assert sorted(p.locator("#detail table.members tr[data-doc]").evaluate_all(
        "rs => rs.map(r => r.getAttribute('data-doc'))")) == ["day0", "day1", "day2", "day3"]
    assert p.locator("#detail details.link").count() == len(t1.links)
    kinds = p.locator("#detail svg.graph path.edge").evaluate_all("es => es.map(e => e.getAttribute('data-kind'))")
    assert kinds == [lk.kind for lk in t1.links] and set(kinds) == {"template"}
    p.locator("#detail .side.tgt .ptext").first.wait_for()  # a few links: the first are open
    link = t1.links[0]
    ps = link.passages[0]
    assert p.locator("#detail .side.tgt .ptext").first.text_content() == \
        report.text_of(link.target)[ps.target_start:ps.target_end]
    p.screenshot(path=str(shots / "series.png"))
    # a series is reached by its id in the address, as a cluster is
    p.goto("about:blank")
    p.goto(path.as_uri() + "#t1")
    p.wait_for_selector("body[data-ready='1']")
    assert p.locator("#detail h2").text_content().startswith("templatet1 \u00b7 template series")
    assert p.locator(".row.selected").get_attribute("data-cluster") == "t1"
    assert page.errors == []


def test_series_only_report_opens_on_the_first_series_in_the_browser(browser, tmp_path):
    """No copy clusters, one series: the page opens the series (not "no clusters")."""
    report = dedup.cluster([d for d in _series_docs() if d["id"] not in ("wire", "paper")], keep_texts=True, jobs=1)
    assert not report.clusters and [t.id for t in report.templates] == ["t1"]
    path = tmp_path / "only-series.html"
    path.write_text(to_html(report), encoding="utf-8")
    page = Page(browser, path)
    p = page.page
    assert p.locator(".row").count() == 1 and p.locator(".row.selected.series").count() == 1
    assert p.locator("#detail .empty").count() == 0
    assert p.locator("#detail table.members tr[data-doc]").count() == 4
    assert p.locator(".count").text_content() == "showing 0 of 0 clusters, 1 of 1 template series"
    assert page.errors == []


def test_cluster_and_index_clusters_html_carry_the_template_series(browser, series_report, tmp_path, run_cli):
    """``dedup cluster -f html`` and ``dedup index clusters -f html`` show the series that
    their ``-f json`` reports, and the page lists them."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in _series_docs()), encoding="utf-8")
    db = tmp_path / "i.db"
    assert run_cli("index", "add", db, corpus, "-q")[0] == 0
    for args in (("cluster", corpus, "-j1"), ("index", "clusters", db)):
        code, out, _ = run_cli(*args, "-f", "json", "-q")
        assert code == 0
        want = [(t["id"], [m["doc_id"] for m in t["members"]]) for t in json.loads(out)["templates"]]
        assert [(i, sorted(m)) for i, m in want] == [("t1", ["day0", "day1", "day2", "day3"])]
        page_path = tmp_path / f"{args[0]}.html"
        assert run_cli(*args, "-f", "html", "-o", page_path, "-q")[0] == 0
        series = blob(page_path.read_text(encoding="utf-8"))["templates"]
        assert [(t["id"], [m[0] for m in t["m"]]) for t in series] == want
        page = Page(browser, page_path)
        page.page.fill("#q", "day3")
        assert page.page.locator(".row").count() == 1
        assert page.page.locator(".row.series[data-cluster='t1']").count() == 1
        assert page.errors == []


# --- problems: inputs skipped, and notes (problems with skipped false) ---------------------

def _inputs_with_problems(root: Path, skips: bool) -> Path:
    """A directory of text files, one named in bytes that are not UTF-8 (read, with a
    note); ``skips``: also two inputs that are skipped (an empty file, a binary one)."""
    root.mkdir()
    shared = " ".join(f"word{i} appears in both of these documents" for i in range(12))
    (root / "a.txt").write_text("Opening. " + shared + " Closing one.", encoding="utf-8")
    (root / "b.txt").write_text("Another start. " + shared + " Different end.", encoding="utf-8")
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as f:
        f.write(b"some text here about nothing in particular")
    if skips:
        (root / "empty.txt").write_bytes(b"")
        (root / "nul.txt").write_bytes(b"\x00\x01binary" * 10)
    return root


@pytest.mark.parametrize("skips", [False, True], ids=["a-note", "notes-and-skips"])
def test_notes_are_not_called_skipped_in_the_browser(browser, tmp_path, run_cli, skips):
    """A document read with a note (a file name that is not UTF-8) was counted as an
    input skipped ("1 input skipped", "1 inputs skipped"): the page lost the problems'
    ``skipped`` flag. Skips and notes are counted apart, in the singular for one."""
    root = _inputs_with_problems(tmp_path / "in", skips)
    code, out, _ = run_cli("cluster", root, "-f", "json", "-q")
    problems = json.loads(out)["problems"]
    assert [p["skipped"] for p in problems].count(False) == 1
    assert [p["skipped"] for p in problems].count(True) == (2 if skips else 0)
    path = tmp_path / "problems.html"
    assert run_cli("cluster", root, "-f", "html", "-o", path, "-q")[0] == code == 1  # problems: exit code 1
    assert [pr[3] for pr in blob(path.read_text(encoding="utf-8"))["meta"]["problems"]] == [
        p["skipped"] for p in problems]
    page = Page(browser, path)
    p = page.page
    stats = p.locator("header .stats").text_content()
    summary = p.locator("header details.problems > summary").text_content()
    want = "2 inputs skipped, 1 note" if skips else "1 note"
    assert stats.endswith(", " + want) and summary == want
    assert ("skipped" in stats) == skips
    p.click("header details.problems > summary")
    lines = p.locator("header details.problems > div")
    assert lines.count() == len(problems)
    texts = lines.all_text_contents()
    for line, prob in zip(texts, problems):
        where = prob["path"] + (f":{prob['line']}" if prob["line"] is not None else "")
        assert line == ("skipped: " if prob["skipped"] else "note: ") + f"{where}: {prob['message']}"
    assert p.locator("header details.problems > div.note").count() == 1
    assert p.locator("header details.problems > div.skipped").count() == (2 if skips else 0)
    assert page.errors == []
