"""The terminal tables: plain text whatever the documents hold, readable at 80 columns."""

import io
import re

from rich.console import Console

import dedup
from dedup.cli.table import clean, middle, print_results, print_table

from textgen import article

ESC = "\x1b"


def _render(fn, *args, width=80) -> str:
    console = Console(width=width, record=True, force_terminal=True, color_system="truecolor", file=io.StringIO())
    fn(*args, console)
    return console.export_text(styles=False)


def _corpus():
    base = article(3, paragraphs=6)
    title = "Central bank raises interest rates for the third time this year amid inflation"
    ids = ["[/x]", "[wire] b2", "feeds/europe/2024/03/01/reuters-world-news-central-bank-raises-rates.txt"]
    evil = f"Evil {ESC}]8;;http://x.example{ESC}\\link{ESC}]8;;{ESC}\\ {ESC}[31mred{ESC}[0m\x07 \x9b2J title"
    docs = [dedup.Document(id=ids[0], text=base, title=title, date="2024-03-01T10:00:00"),
            dedup.Document(id=ids[1], text=base + "\n\nA closing line of its own.", title=evil),
            dedup.Document(id=ids[2], text="\n\n".join(base.split("\n\n")[1:]), title=title),
            dedup.Document(id="d4", text="\n\n".join(base.split("\n\n")[:-1]))]
    return docs, dedup.cluster(docs, jobs=1, keep_texts=True)


def test_cluster_table_is_plain_readable_text():
    docs, report = _corpus()
    assert len(report.clusters) == 1
    out = _render(print_table, report)
    lines = out.split("\n")
    assert all(line == line.rstrip() for line in lines), "trailing spaces"
    assert all(len(line) <= 80 for line in lines)
    assert "[/x]" in out and "[wire] b2" in out  # ids shown as they are, not read as markup
    assert ESC not in out and "\x07" not in out and "\x9b" not in out
    assert "Evil link red" in out and "title" in out
    # titles get the room at 80 columns; a path-like id is shortened in its middle
    assert "Central bank raises interest rates" in out
    long_id = docs[2].id
    assert long_id not in out and re.search(r"feeds/\S*\u2026\S*rates\.txt", out)
    assert "4 documents" in out and "1 document," not in out and "1 cluster," in out
    # passages show both sides, and say how many more there are
    n = sum(len(link.passages) for link in report.clusters[0].links)
    assert n > 3 and out.count("    < \u201c") == 3 == out.count("    > \u201c")
    assert f"\u2026 {n - 3} more passage{'s' if n > 4 else ''} " in out


def test_cluster_table_one_of_each_is_singular():
    docs, _ = _corpus()
    report = dedup.cluster(docs[:2], jobs=1, keep_texts=True)
    assert len(report.clusters) == 1
    out = _render(print_table, report)
    assert "2 documents, 1 cluster, 0 alone, 0 skipped" in out
    lone = dedup.cluster([docs[0]], jobs=1)
    assert _render(print_table, lone).strip() == "1 document, 0 clusters, 1 alone, 0 skipped"


def test_query_table_is_plain_readable_text(tmp_path):
    docs, _ = _corpus()
    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        index.add_many(docs)
        results = [index.query(docs[1]), index.query({"id": "new [b]x[/b]", "text": docs[0].text})]
        texts = {m.doc_id: index.get(m.doc_id).text for r in results for m in r.matches}
    out = _render(print_results, results, {d.id: d.text for d in docs} | {"new [b]x[/b]": docs[0].text}, texts)
    lines = out.split("\n")
    assert all(line == line.rstrip() for line in lines) and all(len(line) <= 80 for line in lines)
    assert "new [b]x[/b]" in out and "[wire] b2" in out and "[/x]" in out
    assert "already in the index" in out  # docs[1] is stored under its id
    assert out.count("    < \u201c") == out.count("    > \u201c") > 0
    assert "[wire] b2  98% copied from 3 documents" in out and "1 more passage (" in out


def test_clean_and_middle():
    assert clean(f"a{ESC}[1;31mb{ESC}[0m\tc\nd\x00e\u202ef") == "ab c d e f"
    assert clean(f"x{ESC}]0;title\x07y") == "xy"
    assert middle("abcdefghij", 5) == "ab\u2026ij" and middle("abc", 5) == "abc"
    assert len(middle("x" * 100, 20)) == 20


def test_query_table_says_template_for_a_series_issue(tmp_path):
    # an issue of a series matches earlier issues as templates: it copies none of them
    from test_template_series import _background, series_issue
    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        index.add_many(_background(10) + [{"id": f"day{k}", "text": series_issue(k)} for k in range(6)])
        result = index.query({"id": "day7", "text": series_issue(7)})
        stored = {m.doc_id: index.get(m.doc_id).text for m in result.matches}
    assert result.matches and {m.kind for m in result.matches} == {"template"}
    out = _render(print_results, [result], {"day7": series_issue(7)}, stored)
    assert f"day7  100% a template of {len(result.matches)} documents" in out and "copied" not in out
