"""Inputs by http(s) URL against a real web server on loopback (fsspec's HTTP filesystem,
aiohttp): the same answer as local paths, globs over a directory listing, and a server
that fails, or never answers, as one line each."""
from __future__ import annotations

import http.server
import importlib
import json
import socket
import threading
from functools import partial

import pytest

import dedup
from conftest import SEEDS

importlib.import_module("aiohttp")  # the test extra's (fsspec reads http(s) through it): never skipped


class _Handler(http.server.SimpleHTTPRequestHandler):
    broken = "broken.txt"  # answered with HTTP 500

    def do_GET(self):
        if self.path.rsplit("/", 1)[-1] == self.broken:
            self.send_error(500, "boom")
            return
        super().do_GET()

    def log_message(self, *args):  # the test's output is not the server's log
        pass


@pytest.fixture
def served(tmp_path):
    """A web server on loopback serving ``tmp_path/site``; its base URL and that folder."""
    site = tmp_path / "site"
    site.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()


def _records(n: int) -> str:
    text = ("The port authority said on {d} that dredging of the northern channel would begin in the spring, "
            "with ships of up to {k} metres able to dock once the work is done, a spokesman added.")
    return "".join(json.dumps({"id": f"r{k}", "text": text.format(d=k % 3, k=200 + k % 2)}) + "\n" for k in range(n))


def test_a_jsonl_file_by_url_gives_the_local_answer(run_cli, served, tmp_path):
    base, site = served
    (site / "news.jsonl").write_text(_records(12), encoding="utf-8")
    code, out, err = run_cli("cluster", f"{base}/news.jsonl", "-f", "json", "-q")
    assert code == 0, err
    local = run_cli("cluster", site / "news.jsonl", "-f", "json", "-q")
    assert out == local[1] and json.loads(out)["clusters"]


def test_a_glob_over_a_directory_listing_reads_the_seeds(run_cli, served, seeds_report_json):
    base, site = served
    for f in SEEDS.glob("*.txt"):
        (site / f.name).write_bytes(f.read_bytes())
    (site / "notes.md.bak").write_text("not matched")
    code, out, err = run_cli("cluster", f"{base}/*.txt", "-f", "json", "-q")
    assert code == 0, err
    assert json.loads(out)["clusters"] == json.loads(seeds_report_json.read_text(encoding="utf-8"))["clusters"]


def test_a_missing_file_is_one_line_exit_3(run_cli, served):
    base, _ = served
    code, out, err = run_cli("cluster", f"{base}/nope.jsonl")
    assert (code, out) == (3, "")
    assert err.strip() == f"dedup: error: {base}/nope.jsonl: no such file or directory"


@pytest.mark.parametrize("where", ["*.txt", ""])  # a glob over the listing, the directory itself
def test_a_file_the_server_fails_is_skipped_and_the_rest_read(run_cli, served, where):
    base, site = served
    for f in sorted(SEEDS.glob("*.txt"))[:2]:
        (site / f.name).write_bytes(f.read_bytes())
    (site / _Handler.broken).write_text("never served")
    code, out, err = run_cli("cluster", f"{base}/{where}", "-f", "json")
    assert code == 1
    report = json.loads(out)
    assert sorted(d["doc_id"] for d in report["documents"]) == sorted(f.name for f in SEEDS.glob("*.txt"))[:2]
    # one problem, named by its URL (not left out of a glob; the part copied not read as an empty document)
    assert report["problems"] == [{"path": f"{base}/{_Handler.broken}", "line": None,
                                   "message": "cannot read: HTTP 500 boom", "skipped": True}]
    [line] = [ln for ln in err.splitlines() if ln.startswith("dedup: warning:")]
    assert line == f"dedup: warning: skipped {base}/{_Handler.broken}: cannot read: HTTP 500 boom"


def test_a_server_that_never_answers_is_given_up(run_cli, monkeypatch):
    import dedup.stages.ingest.url as url

    monkeypatch.setattr(url, "HTTP_TIMEOUT", 1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts connections (the kernel's backlog) and never answers
    try:
        target = f"http://127.0.0.1:{silent.getsockname()[1]}/news.jsonl"
        code, out, err = run_cli("cluster", target)
    finally:
        silent.close()
    assert (code, out) == (3, "")
    assert err.strip() == f"dedup: error: {target}: cannot read: no answer from the server within 1 s"


def test_the_library_reads_a_url_as_the_cli_does(served):
    base, site = served
    (site / "news.jsonl").write_text(_records(6), encoding="utf-8")
    assert dedup.cluster(f"{base}/news.jsonl").model_dump_json() == dedup.cluster(site / "news.jsonl").model_dump_json()


def test_a_bad_record_is_named_by_its_url_and_line(run_cli, served):
    base, site = served
    (site / "news.jsonl").write_text(_records(3) + "{oops\n", encoding="utf-8")
    code, out, err = run_cli("cluster", f"{base}/news.jsonl", "-f", "json", "-q")
    assert code == 1
    assert [(p["path"], p["line"]) for p in json.loads(out)["problems"]] == [(f"{base}/news.jsonl", 4)]


def test_urls_and_local_paths_together_give_ids_without_the_workspace(run_cli, served, tmp_path, monkeypatch):
    base, site = served
    first, second = sorted(SEEDS.glob("*.txt"))[1:3]
    (site / second.name).write_bytes(second.read_bytes())
    outs = []
    for k in range(2):  # workspaces of other random names, in other temporary directories
        tmp = tmp_path / f"tmp{k}"
        tmp.mkdir()
        monkeypatch.setenv("TMPDIR", str(tmp))
        code, out, err = run_cli("cluster", first, f"{base}/{second.name}", "-f", "json", "-q")
        assert code == 0, err
        outs.append(out)
    assert outs[0] == outs[1]
    host = base.split("://", 1)[1]
    assert sorted(d["doc_id"] for d in json.loads(outs[0])["documents"]) == sorted(
        [f"http/{host}/{second.name}", first.as_posix().lstrip("/")])


def test_a_repeated_id_names_the_kept_copy_by_its_url(run_cli, served):
    base, site = served
    (site / "news.jsonl").write_text(_records(2) + _records(1), encoding="utf-8")
    code, out, _ = run_cli("cluster", f"{base}/news.jsonl", "-f", "json", "-q")
    assert code == 1
    assert json.loads(out)["problems"] == [{"path": f"{base}/news.jsonl", "line": 3, "skipped": True,
                                            "message": f"duplicate document id 'r0'; the copy at {base}/news.jsonl:1 is kept"}]
    docs, problems = dedup.read_corpus(f"{base}/news.jsonl")  # the library, the same
    assert [d.id for d in docs] == ["r0", "r1"] and [p.model_dump() for p in problems] == json.loads(out)["problems"]


def test_the_index_adds_and_queries_by_url(run_cli, served, tmp_path):
    base, site = served
    (site / "news.jsonl").write_text(_records(4) + "{oops\n", encoding="utf-8")
    db = tmp_path / "ix.db"
    code, out, err = run_cli("index", "add", db, f"{base}/news.jsonl")
    assert code == 1 and out.endswith("added 4 documents; the index holds 4\n")
    assert f"dedup: warning: skipped {base}/news.jsonl:5: malformed JSON" in err
    (site / "probe.jsonl").write_text(json.dumps({"id": "p", "text": json.loads(_records(1))["text"]}) + "\n")
    code, out, err = run_cli("index", "query", db, f"{base}/probe.jsonl", "-f", "json")
    assert code == 0, err
    [result] = json.loads(out)["results"]
    assert result["doc_id"] == "p" and {m["doc_id"] for m in result["matches"]} >= {"r0"}
