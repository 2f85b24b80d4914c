"""An exact copy of a stored document is always found, whatever its LSH buckets hold and
however its lines read as furniture; a query under a stored id says it is stored."""

import pytest

import dedup

from index_helpers import mixed_docs
from textgen import article


def _wire(k: int, lines: int = 14) -> str:
    """A wire story hard-wrapped at ~9 words a line (every line is short), built on a
    template that most stories of its kind share word for word."""
    words = (article(k, 2) + " ").split()
    head = ("The issue is available in denominations of ten thousand and will be listed in "
            "Luxembourg the selling concession is one pct while management and underwriting "
            "combined pays five eighths pct lead manager said").split()
    body = words[: 9 * (lines - len(head) // 9)]
    tokens = head + body
    return "\n".join(" ".join(tokens[i : i + 9]) for i in range(0, len(tokens), 9)) + "\n Reuter\n"


def exact_cases():
    """Stories sharing a template (crowded buckets, cut at max_bucket), hard-wrapped in
    short lines, and some stored twice: a third copy's lines then recur in three
    documents, so it reads them all as furniture and keeps no content to align."""
    docs = [dedup.Document(id=f"r{k}", text=_wire(k)) for k in range(40)]
    return docs + [dedup.Document(id=f"twin{k}", text=docs[k].text) for k in range(0, 40, 4)]


def check_exact_copies_found(index, docs):
    for d in docs:
        copy = {"id": f"new-{d.id}", "text": d.text.upper().replace("\n", "  \n")}  # case and spacing do not count
        r = index.query(copy)
        hit = [m for m in r.matches if m.doc_id == d.id]
        assert hit, f"{d.id}: its exact copy is not found"
        assert hit[0].kind == "duplicate" and hit[0].coverage_target > 0.9 and r.coverage > 0.9
        p = hit[0].passages[0]
        assert d.text[p.source_start : p.source_end].split()[0].upper() == copy["text"][p.target_start : p.target_end].split()[0]


def fill(index, docs, bulk: bool) -> None:
    """Store ``docs`` in batches (the bulk path) or one at a time."""
    if bulk:
        index.add_many(docs, batch_size=7)
    else:
        for d in docs:
            index.add(d)


@pytest.mark.parametrize("bulk", [False, True])
def test_exact_copy_always_found(tmp_path, bulk):
    docs = exact_cases()
    with dedup.Index.open(tmp_path / "i.db", dedup.Config.make(max_bucket=4), jobs=1) as index:
        fill(index, docs, bulk)
        check_exact_copies_found(index, docs)
        index.remove("r5")
        assert not any(m.doc_id == "r5" for m in index.query({"id": "x", "text": docs[5].text}).matches)
        # an added copy joins its original's story
        r = index.add({"id": "copy-r7", "text": docs[7].text})
        assert "r7" in [m.doc_id for m in r.matches] and r.cluster


def test_query_of_a_stored_id_says_so(tmp_path):
    docs = mixed_docs()
    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        index.add_many(docs)
        index.clusters()
        r = index.query(docs[6])  # w2, stored, in the story of w1
        assert r.in_index and r.stored_cluster and r.stored_cluster == index.query(docs[5]).stored_cluster
        assert not r.stored and "w2" not in [m.doc_id for m in r.matches]
        fresh = index.query({"id": "new", "text": "Nothing like anything stored here at all."})
        assert not fresh.in_index and fresh.stored_cluster is None


def near_copy(text: str) -> str:
    """``text`` with one word in its middle line changed."""
    lines = text.split("\n")
    mid = len(lines) // 2
    words = lines[mid].split(" ")
    words[len(words) // 2] = "zzzq"
    lines[mid] = " ".join(words)
    return "\n".join(lines)


@pytest.mark.parametrize("bulk", [False, True])
def test_near_copy_of_a_reissued_story_found(tmp_path, bulk):
    """A story stored three times (re-issues) has every short line in three documents; a
    copy with one word changed must still find them (its lines are a copy's, not furniture),
    while a line that every story carries stays furniture."""
    docs = exact_cases() + [dedup.Document(id=f"again{k}", text=_wire(k)) for k in range(0, 40, 4)]
    with dedup.Index.open(tmp_path / "i.db", dedup.Config.make(max_bucket=4), jobs=1) as index:
        fill(index, docs, bulk)
        for k in range(0, 40, 4):
            r = index.query({"id": f"q{k}", "text": near_copy(docs[k].text)})
            hit = {m.doc_id: m for m in r.matches}
            assert {f"r{k}", f"twin{k}", f"again{k}"} <= set(hit), f"r{k}: near copy missed {sorted(hit)}"
            assert hit[f"r{k}"].coverage_target > 0.8
            # the sign-off every story carries is not part of any passage
            for p in hit[f"r{k}"].passages:
                assert "Reuter" not in docs[k].text[p.source_start : p.source_end]


@pytest.mark.parametrize("bulk", [False, True])
def test_buckets_read_only_as_far_as_needed_give_the_same_answers(tmp_path, monkeypatch, bulk):
    """A query reads each band bucket's first max_bucket + 1 rows per table, not all (a
    story stored 1,000 times: 941,000 rows a query). The answers are those of reading
    every row: adds and queries, new texts and stored ids (whose own row is left out),
    with the rows in levels, the main table and bulk runs."""
    from dedup.index.sqlite.store import SqliteStore

    docs = exact_cases()
    docs += [dedup.Document(id=f"again{k}", text=docs[k % 3].text + f" Filed {k}.") for k in range(18)]  # near copies: buckets of 7
    queries = [{"id": f"q{k}", "text": d.text} for k, d in enumerate(docs[::3])] + [
        {"id": d.id, "text": d.text} for d in docs[1::5]]
    answers, cut = [], []
    read = SqliteStore.band_rows

    def spied(self, keys, limit=None):  # how many rows the limit left out
        rows = read(self, keys, limit)
        cut.append(len(read(self, keys)) - len(rows))
        return rows

    for name in ("limited", "whole"):
        monkeypatch.setattr(SqliteStore, "band_rows", spied if name == "limited" else
                            lambda self, keys, limit=None: read(self, keys))
        with dedup.Index.open(tmp_path / f"{name}.db", dedup.Config.make(max_bucket=4), jobs=1) as index:
            if bulk:
                index.add_many(docs[:40] + docs[50:], batch_size=100)  # the copies in one run: cut there
                added = [index.add(d).model_dump_json() for d in docs[40:50]]
            else:
                added = [index.add(d).model_dump_json() for d in docs]
            answers.append((added, [index.query(q).model_dump_json() for q in queries]))
    assert answers[0] == answers[1]
    assert max(cut) > 0 and min(cut) == 0  # some reads were cut short, the others whole


def test_stored_exact_copies_are_aligned_once_an_add(tmp_path, monkeypatch):
    """A story stored many times (its exact copies are always candidates) is aligned once
    for all the copies with its text and stored analysis; every copy is still a match,
    with the same passages; any other candidate is aligned on its own."""
    from dedup.index import analysis

    text = article(7, 4)
    calls = []
    align = analysis.align_pair

    def counted(stored, new, *a, **k):
        calls.append(stored.ntokens)
        return align(stored, new, *a, **k)

    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        for k in range(30):
            index.add({"id": f"bg{k}", "text": article(100 + k, 4)})
        for k in range(6):
            index.add({"id": f"copy{k}", "text": text})
        index.add({"id": "edited", "text": text.rsplit(". ", 1)[0] + "."})
        monkeypatch.setattr(analysis, "align_pair", counted)
        got = index.add({"id": "new", "text": text})
    copies = [m for m in got.matches if m.doc_id.startswith("copy")]
    assert len(copies) == 6 and len({m.model_dump_json(exclude={"doc_id"}) for m in copies}) == 1
    assert copies[0].passages
    assert len(calls) == len(got.matches) - 5  # the six copies once, every other candidate once


def test_a_story_a_source_published_several_times_is_found_by_both_paths(tmp_path):
    """Three versions of one story from one site, half of that site's documents: its
    paragraphs are in most of the source's documents, but the documents are copies, so
    they are no site template. The batch clusters them, and the index, adding a fourth
    version, finds all three (it used to drop their lines as the site's furniture)."""
    story = article(7, 4)
    tails = ["Updated with reaction from the council.", "Updated with comment from officials.",
             "Updated with a statement from the union.", "Updated with the mayor's reply."]
    others = [{"id": f"bg{k}", "text": article(100 + k, 4), "source": "site" if k < 3 else None} for k in range(30)]
    versions = [{"id": f"v{k}", "text": f"{story}\n\n{tails[k]}", "source": "site"} for k in range(4)]
    report = dedup.cluster(others + versions[:3])
    assert [sorted(m.doc_id for m in c.members) for c in report.clusters] == [["v0", "v1", "v2"]]
    with dedup.Index.open(tmp_path / "i.db", jobs=1) as index:
        for d in others + versions[:3]:
            index.add(d)
        got = index.add(versions[3])
    assert sorted(m.doc_id for m in got.matches) == ["v0", "v1", "v2"]
