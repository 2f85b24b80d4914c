"""The generator's opt-in inline furniture: inserted inside paragraphs, never in truth spans."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/ is not part of the installed package
DATA = next((d for d in (REPO.parent / "shared" / "data", REPO.parents[1] / "shared" / "data")
             if (d / "reuters21578.jsonl.gz").exists()), None)
pytestmark = pytest.mark.skipif(DATA is None, reason="source corpora not found")


def test_inline_furniture_sits_inside_paragraphs_and_outside_truth_spans(tmp_path, monkeypatch):
    from benchmarks.score import load_truth
    from benchmarks.synth import build, inline

    rendered: list[str] = []
    real = inline.Widget.render
    monkeypatch.setattr(inline.Widget, "render", lambda self, rng: rendered.append(real(self, rng)) or rendered[-1])
    build(DATA, tmp_path, size=150, seed=3, phenomena=frozenset({"inline-furniture"}))
    docs = {r["id"]: r["text"] for r in map(json.loads, (tmp_path / "corpus.jsonl").read_text().splitlines())}
    assert len(rendered) > 50
    # Inside paragraphs: most widgets share a line with story text.
    inside = sum(any(w in line and line.strip() != w for t in docs.values() for line in t.split("\n")) for w in set(rendered))
    assert inside >= len(set(rendered)) // 2
    truth = load_truth(tmp_path / "truth.jsonl")
    for (a, b), (sa, sb) in truth.pairs.items():
        for doc, spans in ((a, sa), (b, sb)):
            for s, e in spans:
                assert not any(w in docs[doc][s:e] for w in set(rendered))


def test_unknown_phenomenon_is_refused(tmp_path):
    from benchmarks.synth import build

    with pytest.raises(ValueError):
        build(DATA, tmp_path, size=10, seed=1, phenomena=frozenset({"no-such-thing"}))
