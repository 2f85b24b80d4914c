"""The generator's opt-in template series and the scorer's template metric."""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DEDUP_DATA", REPO.parent / "shared" / "data"))  
sys.path.insert(0, str(REPO))  # benchmarks/ is not part of the installed package


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.skipif(not (DATA / "reuters21578.jsonl.gz").exists(), reason=f"source corpora not found at {DATA}")
def test_template_series_are_opt_in_and_not_clusters(tmp_path):
    from benchmarks.synth import build

    plain, tpl = tmp_path / "plain", tmp_path / "tpl"
    build(DATA, plain, size=200, seed=7)
    build(DATA, tpl, size=200, seed=7, phenomena=("templates",))
    assert not any(r.get("kind") for r in _read(plain / "truth.jsonl"))
    truth = _read(tpl / "truth.jsonl")
    docs = {r["id"]: r for r in truth if r["type"] == "doc"}
    assert sum(1 for _ in (tpl / "corpus.jsonl").open()) == 200
    kinds = Counter(r.get("kind") for r in truth if r["type"] == "pair")
    assert kinds["template"] > 0
    for r in truth:
        if r.get("kind") == "template":  # two issues of a series are never one cluster
            assert docs[r["a"]]["cluster"] != docs[r["b"]]["cluster"]
            assert docs[r["a"]]["ops"][0] == docs[r["b"]]["ops"][0]
        elif r.get("kind") == "copy":  # an issue and its re-issue are
            assert docs[r["a"]]["cluster"] == docs[r["b"]]["cluster"]
    with pytest.raises(ValueError):
        build(DATA, tmp_path / "x", size=10, seed=7, phenomena=("nonsense",))


def test_scorer_counts_template_pairs_called_copies(tmp_path):
    from benchmarks.score import load_truth, score

    lines = [{"type": "doc", "id": x, "cluster": x, "role": "template", "ops": []} for x in "abc"]
    lines += [{"type": "pair", "a": "a", "b": "b", "a_spans": [[0, 5]], "b_spans": [[0, 5]], "kind": "template"},
              {"type": "pair", "a": "c", "b": "b", "a_spans": [[0, 5]], "b_spans": [[0, 5]], "kind": "template"}]
    (tmp_path / "truth.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    truth = load_truth(tmp_path / "truth.jsonl")
    assert truth.pairs == {} and truth.templates == {("a", "b"), ("b", "c")}
    labels = {"a": "k1", "b": "k1", "c": "k2"}
    out = score(truth, labels, {("a", "b"): ([[0, 5]], [[0, 5]])}, {"a": 5, "b": 5, "c": 5})
    assert out["template_pairs"] == 2 and out["template_as_copy"] == 1 and out["template_same_cluster"] == 1
