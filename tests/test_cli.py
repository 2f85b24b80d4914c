import csv
import io
import json

import pytest

from textgen import article


def test_table_is_the_default(run_cli, seeds_dir):
    code, out, err = run_cli("cluster", seeds_dir)
    assert code == 0 and err == ""
    assert "c1" in out and "c2" in out and "origin" in out
    assert "5 documents, 2 clusters, 1 alone, 0 skipped" in out


def test_json_format_has_the_documented_names(run_cli, seeds_dir):
    code, out, _ = run_cli("cluster", seeds_dir, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"clusters", "documents", "config", "problems"}
    c = data["clusters"][0]
    assert set(c) >= {"id", "kind", "origin", "members", "links"}
    assert set(c["members"][0]) >= {"doc_id", "date", "title", "coverage", "role"}
    assert set(c["links"][0]) >= {"source", "target", "kind", "score", "passages"}
    assert set(c["links"][0]["passages"][0]) == {"source_start", "source_end", "target_start", "target_end", "score"}
    assert data["config"]["num_perm"] == 128 and data["config"]["bands"] * data["config"]["rows"] <= 128


def test_json_is_byte_identical_across_runs_and_written_atomically(run_cli, seeds_dir, tmp_path):
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    assert run_cli("cluster", seeds_dir, "-f", "json", "-o", out1)[0] == 0
    assert run_cli("cluster", seeds_dir, "-f", "json", "-o", out2)[0] == 0
    assert out1.read_bytes() == out2.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_more_jobs_than_four_per_core_are_capped_once_said_and_change_no_byte(run_cli, tmp_path, one_core):
    for k in range(12):  # HTML pages, extracted on the workers
        body = "".join(f"<p>{p}</p>" for p in article(k % 6).split("\n\n"))
        (tmp_path / f"{k}.html").write_text(f"<html><head><title>T{k}</title></head><body><article>{body}</article>"
                                            "</body></html>")
    code, one, err = run_cli("cluster", tmp_path, "-f", "json", "-j", "1")
    assert code == 0 and err == "" and not one_core
    code, many, err = run_cli("cluster", tmp_path, "-f", "json", "-j", "9")
    assert code == 0 and many == one
    assert err == "dedup: warning: --jobs 9: 4 worker processes at most (4 per core this process may use)\n"
    assert one_core and max(one_core) <= 4


def test_jsonl_and_csv(run_cli, seeds_dir):
    _, out, _ = run_cli("cluster", seeds_dir, "-f", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [c["id"] for c in lines] == ["c1", "c2"]
    _, out, _ = run_cli("cluster", seeds_dir, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4 and {r["role"] for r in rows} == {"origin", "copy", "partial"}


def test_csv_reads_back_whatever_the_ids_and_titles_hold(run_cli, tmp_path):
    """Every id and title reads back, a spreadsheet formula behind a ``'`` (shown, not run)."""
    # a lone "\r" ends a line for CSV readers as "\n" does: such a cell must be quoted too
    text = ("The harbour board approved the new ferry timetable on Monday after a long debate about "
            "fares, night crossings and the cost of running two extra boats through the winter. ") * 3
    odd = ["a\rb", "c\nd", 'e,"f"', "=1+1", "g\r\nh", "plain", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3",
           '=HYPERLINK("http://x","y")', "'quoted"]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps({"id": f"{o}{k}", "text": text + f" Note {k}.", "title": o, "source": o})
                            + "\n" for k, o in enumerate(odd)), encoding="utf-8")
    code, out, err = run_cli("cluster", path, "-f", "json")
    report = json.loads(out)
    members = [m for c in report["clusters"] + report["templates"] for m in c["members"]]
    code, out, err = run_cli("cluster", path, "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    def shown(text):
        return "'" + text if text[0] in "=+-@" else text

    assert [(r["doc_id"], r["title"], r["source"]) for r in rows] == [
        (shown(m["doc_id"]), shown(m["title"]), shown(m["source"])) for m in members] and len(rows) == len(odd)
    assert sum(r["title"].startswith("'") for r in rows) == 6


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["cluster", "does-not-exist"], 3, "dedup: error: does-not-exist: no such file or directory"),
        (["cluster", "SEEDS", "--threshold", "1.5"], 2, "dedup: error: invalid value for --threshold: must be less than 1"),
        (["cluster", "SEEDS", "--num-perm", "8"], 2, "dedup: error: invalid value for --num-perm: must be greater than or equal to 16"),
        (["cluster", "SEEDS", "--format", "xml"], 2, "dedup: error: Invalid value for '--format'"),
        (["cluster", "SEEDS", "--shingle-size", "x"], 2, "dedup: error: Invalid value for '--shingle-size'"),
        (["cluster", "SEEDS", "--bogus"], 2, "dedup: error: No such option: --bogus"),
    ],
)
def test_user_mistakes_give_one_line_and_an_exit_code(run_cli, seeds_dir, args, code, message):
    args = [str(seeds_dir) if a == "SEEDS" else a for a in args]
    got, out, err = run_cli(*args)
    assert got == code
    assert err.startswith(message) and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""


def test_empty_directory_is_an_input_error(run_cli, tmp_path):
    code, _, err = run_cli("cluster", tmp_path)
    assert code == 3 and err.strip() == f"dedup: error: {tmp_path}: directory has no corpus files (text, HTML, JSONL, WARC, CSV/TSV or Parquet)"


def test_bad_files_are_reported_and_the_rest_still_runs(run_cli, seeds_dir, tmp_path):
    for f in seeds_dir.glob("*.txt"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "broken.txt").write_bytes(b"caf\x00 au lait")
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "text": "fine text"}\n{oops\n')
    code, out, err = run_cli("cluster", tmp_path, "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert len(data["clusters"]) == 2
    assert {(p["path"].rsplit("/", 1)[-1], p["line"]) for p in data["problems"]} == {("broken.txt", None), ("bad.jsonl", 2)}
    assert err.count("dedup: warning: skipped") == 2
    assert "bad.jsonl:2: malformed JSON" in err


@pytest.mark.parametrize("limit, named", [(None, 100), ("7", 7), ("0", 130)])
def test_warnings_name_the_first_inputs_then_count_the_rest(run_cli, tmp_path, limit, named):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": str(i), "text": f"story number {i} of the day"}) + "\n{oops\n"
                              for i in range(130)))
    flags = [] if limit is None else ["--max-warnings", limit]
    for args, listed in ((["cluster", corpus, "-f", "json"], "every one is in the report's problems; "),
                         (["cluster", corpus, "-f", "csv"], ""),
                         (["index", "add", tmp_path / f"ix{limit}.db", corpus], "")):
        code, out, err = run_cli(*args, *flags)
        lines = err.splitlines()
        assert code == 1
        assert [ln for ln in lines if ln.startswith("dedup: warning: skipped")] == [
            f"dedup: warning: skipped {corpus.as_posix()}:{2 * k + 2}: malformed JSON: Expecting property name "
            "enclosed in double quotes (column 2)" for k in range(named)]
        rest = [ln for ln in lines if ln.startswith("dedup: warning: and ")]
        assert rest == ([] if named == 130 else [
            f"dedup: warning: and {130 - named} more skipped or noted inputs ({listed}--max-warnings 0 names them all)"])
        if args[1] == corpus and "json" in args:
            assert len(json.loads(out)["problems"]) == 130  # the report keeps every one


def test_nothing_readable_is_an_input_error(run_cli, tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    code, _, err = run_cli("cluster", tmp_path)
    assert code == 3 and err.splitlines() == [
        f"dedup: warning: skipped {(tmp_path / 'bin.txt').as_posix()}: binary file (contains NUL bytes), not text",
        "dedup: error: no readable documents (1 skipped)"]


def test_unwritable_output(run_cli, seeds_dir, tmp_path):
    code, _, err = run_cli("cluster", seeds_dir, "-f", "json", "-o", tmp_path / "no" / "such" / "dir.json")
    assert code == 4 and err.startswith("dedup: error: ") and "cannot write" in err


def test_the_readme_prints_what_the_seeds_give(run_cli, seeds_dir, monkeypatch):
    # the README's first example is what `dedup cluster seeds/` prints at 80 columns
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("## What it prints for the seeds\n\n```\n", 1)[1].split("```\n", 1)[0]
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli("cluster", seeds_dir)
    assert code == 0 and out == shown


def test_json_lines_hold_one_record_each_whatever_the_text(run_cli, tmp_path):
    """U+0085, U+2028 and U+2029 end a line for str.splitlines() and are raw in JSON
    strings: in every JSON-lines output they are escaped, and read back as they were."""
    text = ("The harbour board approved the new ferry timetable on Monday after a long debate about "
            "fares, night crossings and the cost of running two extra boats through the winter. ") * 3
    odd = "one\u2028two\u2029three\x85four"
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{k}", "text": text, "title": f"{odd} {k}"}) + "\n"
                            for k in range(2)), encoding="utf-8")
    code, out, err = run_cli("cluster", path, "-f", "jsonl")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1 and {m["title"] for m in json.loads(lines[0])["members"]} == {f"{odd} 0", f"{odd} 1"}
    code, _, err = run_cli("cluster", path, "--output-dir", tmp_path / "shards", "-q")
    assert code == 0, err
    for shard in (tmp_path / "shards").rglob("*.jsonl"):
        text = shard.read_text(encoding="utf-8")
        assert len(text.splitlines()) == text.count("\n")
    code, out, err = run_cli("index", "add", tmp_path / "i.db", path, "-f", "jsonl")
    assert code == 0, err
    assert len(out.splitlines()) == 2 and json.loads(out.splitlines()[1])["matches"]


@pytest.mark.parametrize("args", [[], ["index"]])
def test_no_command_shows_the_help_as_help_does(run_cli, args):
    """Click 8.2+ raises the no-arguments help as a usage error; it was squashed into one
    'dedup: error: Usage: ...' line."""
    code, out, err = run_cli(*args)
    _, help_out, _ = run_cli(*args, "--help")
    assert code == 2 and out == "" and err.strip() == help_out.strip() and "Commands:" in err
