"""`dedup show` and `dedup compare`: passages side by side in the terminal, JSON, HTML."""

import json
import shutil

import pytest

from dedup.stages.report_html import word_diff
from textgen import article

S1, S2 = "001_c66182c4c2cb1c49.txt", "002_27885933036f0cc7.txt"


@pytest.fixture
def seeds_json(seeds_report_json):
    return seeds_report_json


def _cluster_of(report: dict, doc: str) -> dict:
    return next(c for c in report["clusters"] if any(m["doc_id"] == doc for m in c["members"]))


def _words(s: str) -> list[str]:
    return " ".join(s.split()).split(" ")


def test_show_prints_every_passage_both_sides(run_cli, seeds_json, seeds_dir):
    report = json.loads(seeds_json.read_text())
    c = _cluster_of(report, S1)
    code, out, err = run_cli("show", seeds_json, c["id"], "--corpus", seeds_dir)
    assert code == 0 and err == ""
    texts = {m["doc_id"]: (seeds_dir / m["doc_id"]).read_text(encoding="utf-8") for m in c["members"]}
    n = 0
    for link in c["links"]:
        for p in link["passages"]:
            for doc, s, e in ((link["source"], p["source_start"], p["source_end"]),
                              (link["target"], p["target_start"], p["target_end"])):
                for w in _words(texts[doc][s:e]):
                    assert w in out
                n += 1
            assert f"[{p['source_start']}:{p['source_end']}] -> [{p['target_start']}:{p['target_end']}]" in out
    assert n == 6  # both sides of the three passages (two paragraphs and a reworded caption)
    for m in c["members"]:
        assert m["doc_id"] in out and m["role"] in out


def test_show_by_document_id_and_without_corpus(run_cli, seeds_json):
    report = json.loads(seeds_json.read_text())
    c = _cluster_of(report, S2)
    code, out, _ = run_cli("show", seeds_json, S2)
    assert code == 0 and out.splitlines()[0].startswith(c["id"] + " ")
    assert "pass --corpus" in out


def test_show_refuses_a_corpus_that_is_not_the_reports(run_cli, seeds_json, tmp_path):
    report = json.loads(seeds_json.read_text())
    c = _cluster_of(report, S1)
    for m in c["members"]:
        (tmp_path / m["doc_id"]).write_text("something else entirely\n", encoding="utf-8")
    code, out, err = run_cli("show", seeds_json, c["id"], "--corpus", tmp_path)
    assert code == 3 and "not the corpus of this report" in err and err.count("\n") == 1


@pytest.mark.parametrize("key", ["c99", "000_c09cbecdfc1a8c46.txt"])
def test_show_unknown_cluster_is_one_line(run_cli, seeds_json, key):
    code, out, err = run_cli("show", seeds_json, key)
    assert code == 3 and out == "" and err.startswith(f"dedup: error: {seeds_json}: ") and key in err


def test_compare_files_and_ids_agree_with_the_library(run_cli, seeds_dir):
    import dedup

    a, b = (seeds_dir / S1).read_text(encoding="utf-8"), (seeds_dir / S2).read_text(encoding="utf-8")
    expected = dedup.compare({"id": "x", "text": a}, {"id": "y", "text": b}).model_dump(mode="json")
    code, out, _ = run_cli("compare", seeds_dir / S1, seeds_dir / S2, "-f", "json")
    assert code == 0
    got = json.loads(out)
    assert got == {"a": str(seeds_dir / S1), "b": str(seeds_dir / S2), **expected}
    code, out2, _ = run_cli("compare", S1, S2, "--corpus", seeds_dir, "-f", "json")
    assert code == 0 and {**json.loads(out2), "a": 0, "b": 0} == {**got, "a": 0, "b": 0}
    assert got["passages"]
    code, out, _ = run_cli("compare", seeds_dir / S1, seeds_dir / S2)
    assert code == 0
    for p in got["passages"]:
        assert f"[{p['source_start']}:{p['source_end']}] -> [{p['target_start']}:{p['target_end']}]" in out
        for w in _words(a[p["source_start"]:p["source_end"]]) + _words(b[p["target_start"]:p["target_end"]]):
            assert w in out


def test_compare_html_embeds_both_texts(run_cli, seeds_dir, tmp_path):
    out = tmp_path / "cmp.html"
    code, _, _ = run_cli("compare", S1, S2, "--corpus", seeds_dir, "-f", "html", "-o", out)
    assert code == 0
    from test_report_html import blob

    data = blob(out.read_text(encoding="utf-8"))
    (c,) = data["clusters"]
    assert [m[0] for m in c["m"]] == [S1, S2] and c["l"][0]["p"]
    assert c["x"][S1] == [[0, (seeds_dir / S1).read_text(encoding="utf-8")]]


@pytest.mark.parametrize("args, why", [(("missing.txt", "seeds"), "missing.txt"),
                                       (("nope", "nada", "--corpus", "seeds"), "no document 'nope'")])
def test_compare_bad_input_is_one_line(run_cli, args, why):
    code, out, err = run_cli("compare", *args)
    assert code == 3 and out == "" and why in err and err.count("\n") == 1


def test_compare_unwritable_output_exit_4(run_cli, seeds_dir, tmp_path):
    code, _, err = run_cli("compare", seeds_dir / S1, seeds_dir / S2, "-o", tmp_path / "no" / "x.txt")
    assert code == 4 and "cannot write" in err


def test_compare_never_writes_over_its_inputs(run_cli, seeds_dir, tmp_path):
    """`-o` naming A, B or a --corpus file is refused before the work, as `cluster` refuses it."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    shutil.copy(seeds_dir / S1, a)
    shutil.copy(seeds_dir / S2, b)
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    victim = corpus / S2
    before = {f: f.read_bytes() for f in (a, b, victim)}
    for args in ((a, b, "-o", a), (a, b, "-o", b), (S1, S2, "--corpus", corpus, "-o", victim)):
        code, out, err = run_cli("compare", *args, "-f", "json")
        assert code == 2 and "input file" in err and err.count("\n") == 1, err
        assert {f: f.read_bytes() for f in before} == before
    # the same checks as `cluster`'s: an empty name is a usage error, a slash names a directory
    code, _, err = run_cli("compare", a, b, "-o", "")
    assert code == 2 and "is empty" in err
    code, _, err = run_cli("compare", a, b, "-o", f"{tmp_path / 'new.json'}/")
    assert code == 4 and not (tmp_path / "new.json").exists()


def test_word_diff_marks_only_words_that_differ():
    a, b = "The cat sat on the mat, quietly.", "the cat sat ON a mat quietly!"
    da, db = word_diff(a, b)
    assert [a[s:e] for s, e in zip(da[::2], da[1::2])] == ["the"]
    assert [b[s:e] for s, e in zip(db[::2], db[1::2])] == ["a"]
    assert word_diff("same words", "same words") == ([], [])


def _newid_corpus(seeds_dir, tmp_path):
    """The seeds as a JSONL file keyed as Reuters-21578 is (``newid``, ``body``)."""
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps({"newid": p.name, "body": p.read_text(encoding="utf-8")}) + "\n"
                            for p in sorted(seeds_dir.glob("*.txt"))), encoding="utf-8")
    return path


def test_compare_show_and_query_take_the_field_flags(run_cli, seeds_dir, tmp_path):
    corpus = _newid_corpus(seeds_dir, tmp_path)
    flags = ("--id-field", "newid", "--text-field", "body")
    report = tmp_path / "r.json"
    code, _, err = run_cli("cluster", corpus, *flags, "-f", "json", "-o", report, "-q")
    assert code == 0, err
    code, out, err = run_cli("compare", S1, S2, "--corpus", corpus, *flags, "-f", "json")
    assert code == 0 and json.loads(out)["kind"] == "partial", err
    c = _cluster_of(json.loads(report.read_text()), S1)
    code, out, err = run_cli("show", report, c["id"], "--corpus", corpus, *flags)
    assert code == 0 and "not found in the corpus" not in out and "pass --corpus" not in out, err
    one = tmp_path / "one.jsonl"
    one.write_text(corpus.read_text().splitlines()[2] + "\n")
    code, out, err = run_cli("index", "add", tmp_path / "i.db", corpus, *flags, "-q")
    assert code == 0, err
    code, out, err = run_cli("index", "query", tmp_path / "i.db", one, *flags, "-f", "json")
    assert code == 0 and json.loads(out)["results"][0]["doc_id"] == S2, err


def test_show_and_compare_print_no_escape_sequence_of_the_data(run_cli, tmp_path):
    """Ids, titles and texts are data: an escape sequence in them (a retitled window, a
    cleared screen) never reaches the terminal, as in the cluster table."""
    import re

    body = ("The harbour board met on Monday and agreed to dredge the northern channel before the winter storms "
            "arrive, a spokesman said. Work will begin in October \x1b[31mand cost about four million dollars, paid "
            "from the port reserves rather than new fees\r on shipping lines.")
    rows = [{"id": "a\x1b[1m", "title": "EVIL\x1b]0;pwned\x07\x1b[2J", "source": "\x9b31m", "text": body},
            {"id": "b", "text": body + " More."}]
    corpus, report = tmp_path / "esc.jsonl", tmp_path / "esc.json"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert run_cli("cluster", corpus, "-f", "json", "-q", "-o", report)[0] == 0
    outputs = [run_cli("show", report, "c1", "--corpus", corpus), run_cli("show", report, "b"),
               run_cli("compare", "a\x1b[1m", "b", "--corpus", corpus)]
    for code, out, _ in outputs:
        assert code == 0 and "harbour" in outputs[0][1]
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), repr(out[:200])


def test_compare_by_id_says_when_records_of_the_corpus_were_skipped(run_cli, tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a", "text": "one two three"}\nnot json\n')
    code, out, err = run_cli("compare", "a", "zz", "--corpus", corpus)
    assert code == 3 and out == "" and err.count("\n") == 1
    assert err.endswith("(1 skipped: 'dedup cluster' on it names them)\n")


def test_show_with_a_corpus_holding_none_of_the_cluster_is_refused(run_cli, seeds_json, tmp_path):
    """Another corpus (or one file of it): the passages were shown as offsets, exit 0."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("Some other text altogether, of another corpus.\n")
    report = json.loads(seeds_json.read_text())
    c = _cluster_of(report, S1)
    code, out, err = run_cli("show", seeds_json, c["id"], "--corpus", other)
    assert code == 3 and out == "" and "not the corpus of this report" in err and err.count("\n") == 1


def test_show_with_a_corpus_missing_some_members_warns(run_cli, seeds_json, seeds_dir, tmp_path):
    part = tmp_path / "part"
    part.mkdir()
    (part / S1).write_text((seeds_dir / S1).read_text(encoding="utf-8"), encoding="utf-8")
    report = json.loads(seeds_json.read_text())
    c = _cluster_of(report, S1)
    code, out, err = run_cli("show", seeds_json, c["id"], "--corpus", part)
    missing = sorted(m["doc_id"] for m in c["members"] if m["doc_id"] != S1)
    assert code == 1 and err == f"dedup: warning: not found in the corpus: {', '.join(missing)} (offsets shown)\n"


def test_bidirectional_overrides_never_reach_the_terminal_or_the_title(run_cli, seeds_dir, tmp_path):
    """U+202E in a text reordered what followed it on screen (the cluster table already
    dropped it; show and compare printed it), and in the HTML tab title."""
    text = (seeds_dir / S1).read_text(encoding="utf-8")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "A\u202e", "text": text.replace("the", "the\u202e", 3)}) + "\n"
                      + json.dumps({"id": "B", "text": text}) + "\n")
    code, out, _ = run_cli("compare", "A\u202e", "B", "--corpus", corpus)
    assert code == 0 and "\u202e" not in out and "A " in out
    page = tmp_path / "p.html"
    assert run_cli("compare", "A\u202e", "B", "--corpus", corpus, "-f", "html", "-o", page)[0] == 0
    title = page.read_text(encoding="utf-8").split("<title>", 1)[1].split("</title>", 1)[0]
    assert "\u202e" not in title and "A" in title


def test_show_refuses_a_name_that_is_a_cluster_and_another_clusters_document(run_cli, tmp_path):
    """A document called c1 in cluster c2: `show REPORT c1` picked cluster c1 silently."""
    corpus = tmp_path / "docs.jsonl"
    docs = [("a", 1), ("b", 1), ("e", 1), ("c1", 2), ("d", 2)]  # c1: a, b, e (the larger); c2: c1, d
    corpus.write_text("".join(json.dumps({"id": i, "text": article(k)}) + "\n" for i, k in docs))
    report = tmp_path / "r.json"
    assert run_cli("cluster", corpus, "-f", "json", "-o", report, "-q")[0] == 0
    assert [[m["doc_id"] for m in c["members"]] for c in json.loads(report.read_text())["clusters"]] == [
        ["a", "b", "e"], ["c1", "d"]]
    code, out, err = run_cli("show", report, "c1")
    assert (code, out) == (2, "") and err == ("dedup: error: Invalid value for CLUSTER: 'c1' is both a cluster id and "
                                              "a document id (in cluster c2) in the report: add --cluster or --doc "
                                              "to say which\n")
    for flag, shown in (("--cluster", "c1  duplicate  3 documents"), ("--doc", "c2  duplicate  2 documents")):
        code, out, err = run_cli("show", report, "c1", flag)
        assert code == 0 and err == "" and out.startswith(shown), out
    assert run_cli("show", report, "c1", "--cluster", "--doc")[0] == 2
    code, _, err = run_cli("show", report, "c2", "--doc")
    assert code == 3 and "no document 'c2' in the report" in err
