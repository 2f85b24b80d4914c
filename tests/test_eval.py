"""dedup.evaluate and `dedup eval`: the scorer in the library and on the command line."""

import json
import random

import pytest

from dedup.evaluate import Truth, evaluate, load_truth, truth_from_dict

KEYS = ["ari", "pair_precision", "pair_recall", "pair_f1"]
CHAR_KEYS = ["char_precision", "char_recall", "char_f1"]


@pytest.fixture
def seeds_report(seeds_report_json):
    return seeds_report_json


def _truth_of(report: dict, passages: bool = True) -> dict:
    """The report's own answer written as a truth file."""
    clusters = {d["doc_id"]: d["cluster"] or "alone:" + d["doc_id"] for d in report["documents"]}
    if not passages:
        return clusters
    spans = [{"a": link["source"], "b": link["target"],
              "a_spans": [[p["source_start"], p["source_end"]] for p in link["passages"]],
              "b_spans": [[p["target_start"], p["target_end"]] for p in link["passages"]]}
             for c in report["clusters"] for link in c["links"]]
    return {"clusters": clusters, "passages": spans}


def _report(groups: list[list[str]], singles: list[str]) -> dict:
    docs = [{"doc_id": d, "chars": 100, "cluster": f"c{k}"} for k, g in enumerate(groups) for d in g]
    docs += [{"doc_id": d, "chars": 100, "cluster": None} for d in singles]
    clusters = [{"id": f"c{k}", "members": [{"doc_id": d} for d in g], "links": []} for k, g in enumerate(groups)]
    return {"clusters": clusters, "documents": docs}


def test_json_keys_are_exact_without_and_with_passages(run_cli, seeds_report, tmp_path):
    report = json.loads(seeds_report.read_text())
    for passages, keys in ((False, KEYS), (True, KEYS + CHAR_KEYS)):
        truth = tmp_path / f"truth{passages}.json"
        truth.write_text(json.dumps(_truth_of(report, passages)))
        code, out, err = run_cli("eval", seeds_report, "--truth", truth, "--format", "json")
        assert code == 0 and err == ""
        assert list(json.loads(out)) == keys


def test_perfect_prediction_scores_one(run_cli, seeds_report, tmp_path):
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(_truth_of(json.loads(seeds_report.read_text()))))
    code, out, _ = run_cli("eval", seeds_report, "--truth", truth, "-f", "json")
    assert code == 0
    assert json.loads(out) == {k: 1.0 for k in KEYS + CHAR_KEYS}
    code, out, _ = run_cli("eval", seeds_report, "--truth", truth)  # the table
    assert code == 0 and "pair_f1" in out and "1.0000" in out


def test_shuffled_truth_scores_below_one():
    groups = [[f"a{i}" for i in range(4)], [f"b{i}" for i in range(3)], [f"c{i}" for i in range(5)]]
    singles = [f"s{i}" for i in range(6)]
    report = _report(groups, singles)
    perfect = {d: f"g{k}" for k, g in enumerate(groups) for d in g} | {d: d for d in singles}
    assert evaluate(report, truth_from_dict(perfect)) == {k: 1.0 for k in KEYS}
    ids, labels = list(perfect), list(perfect.values())
    rng = random.Random(1)
    for _ in range(20):
        rng.shuffle(labels)
        got = evaluate(report, truth_from_dict(dict(zip(ids, labels))))
        assert got["ari"] < 1 and got["pair_f1"] < 1


def test_character_scores_follow_the_spans():
    report = _report([["a", "b"]], [])
    report["clusters"][0]["links"] = [{"source": "a", "target": "b", "passages": [
        {"source_start": 0, "source_end": 50, "target_start": 10, "target_end": 60}]}]
    truth = truth_from_dict({"clusters": {"a": 1, "b": 1},
                             "passages": [{"a": "b", "b": "a", "a_spans": [[10, 35]], "b_spans": [[0, 25]]}]})
    got = evaluate(report, truth)
    assert got["char_precision"] == pytest.approx(0.5) and got["char_recall"] == 1.0


def test_generator_truth_jsonl_is_read(tmp_path, seeds_report, run_cli):
    report = json.loads(seeds_report.read_text())
    lines = [{"type": "doc", "id": d["doc_id"], "cluster": d["cluster"] or d["doc_id"], "role": "x", "ops": []}
             for d in report["documents"]]
    lines += [{"type": "pair", **p} for p in _truth_of(report)["passages"]]
    path = tmp_path / "truth.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    truth = load_truth(path)
    assert isinstance(truth, Truth) and truth.has_passages and len(truth.labels) == 5
    code, out, _ = run_cli("eval", seeds_report, "--truth", path, "-f", "json")
    assert code == 0 and json.loads(out)["char_f1"] == 1.0


@pytest.mark.parametrize("content, where", [("not json at all\n", ":1: "), ('{"type": "doc"}\n', ":1: "),
                                            ('{"a": {"nested": 1}}', ": not a truth file")])
def test_bad_truth_is_one_line_exit_3(run_cli, seeds_report, tmp_path, content, where):
    path = tmp_path / "truth.json"
    path.write_text(content)
    code, out, err = run_cli("eval", seeds_report, "--truth", path)
    assert code == 3 and out == ""
    assert err.startswith(f"dedup: error: {path}{where}") and err.count("\n") == 1


def test_bad_report_is_one_line_exit_3(run_cli, tmp_path):
    truth, report = tmp_path / "t.json", tmp_path / "r.json"
    truth.write_text('{"a": "1"}')
    report.write_text('{"clusters": 3}')
    code, _, err = run_cli("eval", report, "--truth", truth)
    assert code == 3 and err.startswith(f"dedup: error: {report}: not a dedup JSON report") and err.count("\n") == 1


def test_benchmarks_score_is_the_library_scorer():
    import sys

    from conftest import REPO
    sys.path.insert(0, str(REPO))
    import benchmarks.score as bench
    import dedup.evaluate as lib

    assert bench.cluster_metrics is lib.cluster_metrics and bench.passage_metrics is lib.passage_metrics
    assert bench.load_truth is lib.load_truth and bench.report_to_prediction is lib.report_to_prediction


def test_a_truth_that_names_none_of_the_reports_documents_is_refused(run_cli, seeds_report, tmp_path):
    """Another corpus's truth scored a perfect 1.0 (every truth document a singleton of the
    prediction, all labels different): one line, exit 3."""
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"a": 1, "b": 2}))
    code, out, err = run_cli("eval", seeds_report, "--truth", path)
    assert code == 3 and out == "" and "names none of the report's 5 documents" in err and err.count("\n") == 1


def _edited(seeds_report, tmp_path, edit) -> str:
    report = json.loads(seeds_report.read_text())
    edit(report)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(report))
    return str(path)


def _first_passage(r):
    return next(c for c in r["clusters"] if c["links"])["links"][0]["passages"][0]


@pytest.mark.parametrize("edit, why", [
    (lambda r: _first_passage(r).update(source_start=-5), "is outside its"),
    (lambda r: _first_passage(r).update(target_end=10**12), "is outside its"),
    (lambda r: _first_passage(r).update(source_start=True), "valid integer"),
    (lambda r: next(c for c in r["clusters"] if c["links"])["links"][0].update(source="nosuchdoc"),
     "a link names 'nosuchdoc', not a member"),
    (lambda r: r["clusters"][1].update(id=r["clusters"][0]["id"]), "two clusters are called c1"),
    (lambda r: r["clusters"][0].update(size=7), "size 7, but 2 distinct members of 2"),
    (lambda r: r["clusters"][0]["members"][0].update(coverage=float("nan")), "has coverage nan"),
    (lambda r: r["documents"][0].update(cluster="c9"), "in cluster c9, which the report does not have"),
    (lambda r: r["documents"].append(r["documents"][0]), "a document is listed twice"),
])
@pytest.mark.parametrize("command", ["show", "eval"])
def test_a_hand_edited_report_dedup_cannot_have_written_is_refused(run_cli, seeds_report, tmp_path, edit, why, command):
    """Offsets past a text's end were shown as the whole text (`[-5:10**12]`), a boolean
    read as 1, a link to a non-member shown: exit 0 before."""
    path = _edited(seeds_report, tmp_path, edit)
    truth = tmp_path / "t.json"
    truth.write_text(json.dumps(_truth_of(json.loads(seeds_report.read_text()), passages=False)))
    args = ["show", path, "c1"] if command == "show" else ["eval", path, "--truth", truth]
    code, out, err = run_cli(*args)
    assert code == 3 and out == "" and err.startswith(f"dedup: error: {path}: not a dedup JSON report (")
    assert why in err and err.count("\n") == 1


@pytest.mark.parametrize("truth, why", [
    (lambda a, b: {a: None, b: None}, "is not a string or number: null"),
    (lambda a, b: {a: True, b: 1}, "is not a string or number: true"),
    (lambda a, b: {"clusters": {a: "x"}, "passages": [{"a": a, "b": b, "a_spans": [[0, 1.5]], "b_spans": [[0, 4]]}]},
     "whole numbers"),
    (lambda a, b: {"clusters": {a: "x"}, "passages": [{"a": a, "b": b, "a_spans": 5, "b_spans": [[0, 4]]}]},
     "spans are not a list of [start, end]: 5"),
    (lambda a, b: {"clusters": {a: "x"}, "passages": [{"a": a, "b": b, "a_spans": [[0, 10**11]], "b_spans": [[0, 4]]}]},
     "ends at 100000000000, past its"),
])
def test_a_truth_of_impossible_labels_or_spans_is_refused(run_cli, seeds_report, tmp_path, truth, why):
    """null or true labels made one cluster of every document so labelled (ARI 1.0), a span
    of 1.5 was cut to 1, one past the text's end scored characters that are not there."""
    docs = [d["doc_id"] for d in json.loads(seeds_report.read_text())["documents"]]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(truth(docs[0], docs[1])))
    code, out, err = run_cli("eval", seeds_report, "--truth", path)
    assert code == 3 and out == "" and why in err and err.count("\n") == 1 and err.count(str(path)) == 1


def test_a_truth_line_without_a_field_names_it(run_cli, seeds_report, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"type": "doc", "id": "a"}\n')
    code, _, err = run_cli("eval", seeds_report, "--truth", path)
    assert code == 3 and err == f"dedup: error: {path}:1: not a truth line: no 'cluster' field\n"
