"""The bounded-memory machinery: records on disk, ragged arrays, word counts, the
streamed JSON, and the workspace giving the same prepared documents as in memory."""

from collections import Counter

import numpy as np
from hypothesis import given, settings, strategies as st
from textgen import article, write_articles

import dedup
import dedup.pipeline  # a submodule is an attribute of its package once imported, whatever ran before
from dedup.stages import words as words_mod
from dedup.models import Document
from dedup.stages.report import to_json
from dedup.stages.segment import paragraphs, prepare
from dedup.stages.boilerplate import line_spans
from dedup.storage.spill import Ragged, Records
from dedup.stages.words import WordTable
from dedup.storage.workspace import DocStore, pack_prepared, unpack_prepared


@given(st.lists(st.binary(max_size=50), max_size=30), st.data())
@settings(max_examples=50, deadline=None)
def test_records_read_back_what_was_written_and_replaced(tmp_path_factory, records, data):
    path = tmp_path_factory.mktemp("rec") / "r"
    rec = Records(str(path))
    for r in records:
        rec.append(r)
    if records:
        k = data.draw(st.integers(0, len(records) - 1))
        records[k] = b"new" + records[k]
        rec.replace(k, records[k])
    assert [rec.get(k) for k in range(len(rec))] == records
    rec.close()


@given(st.lists(st.lists(st.integers(0, 2**63), max_size=8), max_size=40))
def test_ragged_gives_back_each_array(items):
    r = Ragged(np.uint64)
    for x in items:
        r.append(np.array(x, dtype=np.uint64))
    r.freeze()
    assert len(r) == len(items)
    assert [r[k].tolist() for k in range(len(items))] == items
    assert r.lengths.tolist() == [len(x) for x in items]


@given(st.lists(st.lists(st.integers(0, 30), min_size=0, max_size=25), min_size=1, max_size=40), st.integers(1, 64))
@settings(max_examples=60, deadline=None)
def test_word_table_counts_documents_per_word_in_any_batching(docs, batch):
    old, words_mod.BATCH = words_mod.BATCH, batch
    try:
        table = WordTable()
        for d, toks in enumerate(docs):
            vocab, occ = np.unique(np.array(toks, dtype=np.uint64), return_counts=True)
            table.add(d, vocab, occ)
        values, counts, single = table.finish(len(docs))
    finally:
        words_mod.BATCH = old
    df = Counter(w for toks in docs for w in set(toks))
    assert dict(zip(values.tolist(), counts.tolist())) == dict(df)
    expected = [sum(1 for w in toks if df[w] == 1) for toks in docs]
    assert single.tolist() == expected


def test_prepared_documents_survive_the_round_trip_to_disk():
    text = article(3, paragraphs=4) + '\n\n"A quoted line," he said.'
    p = prepare(7, text, paragraphs(text, line_spans(text), np.ones(len(line_spans(text)), bool)), 40)
    q = unpack_prepared(7, pack_prepared(p))
    for name in ("starts", "ends", "hashes", "seg_bounds", "quoted"):
        assert np.array_equal(getattr(p, name), getattr(q, name)), name
    assert q.paragraphs == p.paragraphs and q.nchars == p.nchars and q.index == 7


def test_doc_store_keeps_one_copy_of_each_id_whatever_the_order_in_id_order(tmp_path):
    docs = [Document(id="b", text="two"), Document(id="a", text="one \ud800", title="T"),
            Document(id="b", text="dup")]
    kept = set()
    for k, order in enumerate((docs, docs[::-1])):
        (tmp_path / str(k)).mkdir()
        store = DocStore(str(tmp_path / str(k)))
        problems = []
        store.add_all(order, problems)
        assert store.ids == ["a", "b"] and len(problems) == 1 and "duplicate" in problems[0].message
        assert store.doc(0).title == "T" and store.text(0) == "one \ud800"
        kept.add(store.text(1))
        store.close()
    assert len(kept) == 1


def test_streamed_json_is_the_models_own_json():
    docs = [{"id": f"d{k}", "text": article(k % 3, paragraphs=5), "title": f"Title {k}"} for k in range(6)]
    docs.append({"id": "x", "text": "", "title": None})  # an empty text: a problem entry
    report = dedup.cluster([d for d in docs if d["text"]] + [{"id": "bad"}])
    assert report.clusters and report.problems
    assert to_json(report) == report.model_dump_json(indent=2) + "\n"


def test_streamed_json_with_empty_lists_is_the_models_own_json():
    report = dedup.cluster([{"id": "a", "text": article(1)}, {"id": "b", "text": article(2)}])
    assert not report.clusters and not report.problems
    assert to_json(report) == report.model_dump_json(indent=2) + "\n"


def test_run_hands_over_the_same_clusters_one_at_a_time():
    docs = [{"id": f"d{k}", "text": article(k % 3, paragraphs=5)} for k in range(6)]
    report = dedup.cluster(docs)
    with dedup.pipeline.run(docs) as outcome:
        assert to_json(outcome) == to_json(report)


def test_a_run_hands_over_its_documents_without_the_corpus_counts():
    import pytest

    docs = [{"id": f"d{k}", "text": article(k % 3, paragraphs=5)} for k in range(6)]
    with dedup.pipeline.run(docs) as outcome:
        store = outcome._prepared
        # alignment is over: the word and phrase tables are gone from the store and
        # from every document it still caches
        assert store.table is None and store.phrase_table is None and not store._cache
        assert len(store.stored(0).hashes) == len(store.hashes(0)) > 0
        with pytest.raises(RuntimeError, match="released"):
            store[0]
        assert [c.size for c in outcome.clusters()] == [2, 2, 2]


def test_clusters_dumped_on_the_workers_are_the_reports_bytes(monkeypatch):
    from dedup import pipeline
    from dedup.stages.report import to_csv, to_jsonl

    # copies of 8 stories: 8 clusters; batches of 3 clusters and of 5 documents make
    # several tasks for two workers
    docs = [{"id": f"d{k:02d}", "text": article(k % 8, paragraphs=5)} for k in range(24)]
    report = dedup.cluster(docs)
    assert len(report.clusters) == 8 and len(report.documents) == 24
    monkeypatch.setattr(pipeline, "DUMP_BATCH", 3)
    monkeypatch.setattr(pipeline, "DUMP_DOCUMENTS", 5)
    calls = []
    for name in ("_dump_batch", "_dump_documents"):
        real = getattr(pipeline, name)
        monkeypatch.setattr(pipeline, name, lambda state, item, real=real, name=name:
                            calls.append((name, len(item) if name == "_dump_batch" else item)) or real(state, item))
    with pipeline.run(docs, jobs=2) as outcome:
        assert to_json(outcome) == to_json(report)
        assert to_jsonl(outcome) == to_jsonl(report)
        assert to_csv(outcome) == to_csv(report)
    assert calls == []  # run on the workers (forked): none in this process
    with pipeline.run(docs, jobs=1) as outcome:
        assert to_json(outcome) == to_json(report)
    # one job: the batches run here, in order
    assert calls == [("_dump_batch", 3), ("_dump_batch", 3), ("_dump_batch", 2),
                     *(("_dump_documents", (s, min(24, s + 5))) for s in range(0, 24, 5))]


def test_a_terminated_run_removes_its_workspace(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = tmp_path / "big.jsonl"
    write_articles(corpus, 4000, 500)
    work = tmp_path / "tmp"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(work)}
    proc = subprocess.Popen([sys.executable, "-m", "dedup", "cluster", str(corpus), "-f", "json", "-q", "-j", "2",
                             "-o", str(tmp_path / "out.json")], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not any(p.name.startswith("dedup-") for p in work.iterdir()) and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)  # interrupted, not finished
    assert "Traceback" not in err
    assert not [p for p in work.iterdir() if p.name.startswith("dedup-")]
    assert not (tmp_path / "out.json").exists()


@given(st.lists(st.integers(0, 50), max_size=60), st.integers(1, 8), st.integers(1, 100))
def test_cluster_batches_keep_the_order_and_bound_the_work(sizes, batch, links):
    from dedup import pipeline

    items = [(f"c{k}", [k], [None] * n) for k, n in enumerate(sizes)]
    saved = pipeline.DUMP_BATCH, pipeline.DUMP_LINKS
    pipeline.DUMP_BATCH, pipeline.DUMP_LINKS = batch, links
    try:
        batches = pipeline._by_work(items)
    finally:
        pipeline.DUMP_BATCH, pipeline.DUMP_LINKS = saved
    assert [x for b in batches for x in b] == items
    assert all(0 < len(b) <= batch for b in batches)
    # over the link budget only by the batch's last cluster: a large cluster is a task of its own
    assert all(sum(len(x[2]) for x in b[:-1]) < links for b in batches)


def test_a_stored_document_s_words_and_facts_read_alone_are_those_it_was_stored_with(tmp_path):
    from dedup.storage.workspace import PreparedStore
    store = PreparedStore(str(tmp_path), None)
    kept = []
    for k, text in enumerate([article(5, paragraphs=3), "", article(6, paragraphs=1) + ' "Quoted," said Ann Lee.']):
        spans = line_spans(text)
        p = prepare(k, text, paragraphs(text, spans, np.ones(len(spans), bool)), 40)
        facts = np.arange(p.ntokens, dtype=np.int64) % 3 - 1  # some -1 (no fact), some not
        store.append(p, facts)
        kept.append((p, facts))
    store.finish((np.zeros(0, np.uint64), np.zeros(0, np.int64)), np.zeros(3, bool))
    for k, (p, facts) in enumerate(kept):
        assert np.array_equal(store.vocab(k), np.unique(p.hashes)) and store.vocab(k).dtype == np.uint64
        assert np.array_equal(store.vocab(k), store.stored(k).vocab)
        assert np.array_equal(store.facts(k), facts) and np.array_equal(store.hashes(k), p.hashes)
        hashes, got_facts, quoted = store.facts_quoted(k)
        assert np.array_equal(hashes, p.hashes)
        assert np.array_equal(got_facts, facts) and np.array_equal(quoted, p.quoted) and quoted.dtype == bool
    assert store.facts_quoted(2)[2].any()  # the quotation's words


def test_the_align_stage_reads_each_document_s_stored_fact_mask_never_computes_it(monkeypatch, seeds_dir):
    # link._align_range finds the stored masks by duck typing (PreparedStore.facts): a
    # renamed method silently computed every mask again per worker
    import dedup
    import dedup.stages.link as link

    def computed(*args, **kwargs):
        raise AssertionError("a fact mask computed in the align stage")

    monkeypatch.setattr(link, "fact_mask", computed)
    report = dedup.cluster(seeds_dir, jobs=1)
    assert report.clusters  # the seeds link: masks were asked for
