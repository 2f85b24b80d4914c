"""The index's rare-bigram seeds: a short rewrite that shares no MinHash band with the
story it copies from is found, as the batch finds it."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.config import Config
from dedup.index import analysis as an, seeds

from index_helpers import made_before_seeds


def _vocab(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(n)]


def _corpus(seed: int):
    """40 unrelated stories, a 400-word wire story, and a 72-word rewrite of it that keeps
    three runs of twelve of its words among words of its own (too few shared word
    3-grams for a MinHash band; each run significant on its own)."""
    rng = random.Random(seed)
    words = _vocab(rng, 6000)
    filler = "the of to and in on for with at by".split()

    def text(n: int) -> str:
        out = [rng.choice(words) if rng.random() < 0.7 else rng.choice(filler) for _ in range(n)]
        return " ".join(out) + "."

    stories = [dedup.Document(id=f"s{k:02d}", text=text(150)) for k in range(40)]
    wire = text(400).split()
    own = text(36).split()
    rewrite = []
    for k, at in enumerate((30, 143, 256)):
        rewrite += own[12 * k : 12 * (k + 1)] + wire[at : at + 12]
    return stories, dedup.Document(id="wire", text=" ".join(wire)), dedup.Document(id="paper", text=" ".join(rewrite))


def _index_finds(tmp_path, seed: int, channel: bool, bulk: bool) -> set[str]:
    stories, wire, paper = _corpus(seed)
    with dedup.Index.open(str(tmp_path / f"{seed}-{channel}-{bulk}.db"), Config(rare_bigrams=channel), jobs=1) as index:
        if bulk:
            index.add_many([*stories, wire], batch_size=7)
        else:
            for d in [*stories, wire]:
                index.add(d)
        found = {m.doc_id for m in index.query(paper).matches}
        assert {m.doc_id for m in index.add(paper).matches} == found  # the same answer when it is stored
    return found


@pytest.mark.parametrize("bulk", [False, True])
def test_a_short_rewrite_is_found_by_its_rare_bigrams_as_the_batch_finds_it(tmp_path, bulk):
    linked = 0
    for seed in range(1, 6):
        stories, wire, paper = _corpus(seed)
        report = dedup.cluster([*stories, wire, paper], jobs=1)
        batch = any({m.doc_id for m in c.members} == {"wire", "paper"} for c in report.clusters)
        assert _index_finds(tmp_path, seed, True, bulk) == ({"wire"} if batch else set())
        assert _index_finds(tmp_path, seed, False, bulk) == set()  # no band: only the seeds reach it
        linked += batch
    assert linked >= 3  # most of these rewrites are significant (so the test can fail)


def test_a_query_of_a_stored_document_does_not_count_itself(tmp_path):
    """A stored document queried again under its id is left out, and so are its bigrams'
    rows: the stored copy does not make the rewrite's bigrams look common."""
    stories, wire, paper = _corpus(2)
    with dedup.Index.open(str(tmp_path / "q.db"), jobs=1) as index:
        for d in [*stories, wire, paper]:
            index.add(d)
        got = index.query(paper)
        assert got.in_index and {m.doc_id for m in got.matches} == {"wire"}


def test_removing_documents_keeps_full_bigrams_full(tmp_path):
    """A bigram carried by more documents than may seed keeps FULL rows when carriers go,
    so it never seeds; one that is not full loses the removed document's row."""
    common = " ".join(["alpha beta"] * 3)
    docs = [dedup.Document(id=f"d{k:02d}", text=f"{common} unique{k} words{k} here{k} now{k}")
            for k in range(seeds.FULL + 3)]
    with dedup.Index.open(str(tmp_path / "r.db"), jobs=1) as index:
        for d in docs:
            index.add(d)
        key = seeds.bigram_keys(index._stored_prepared(index._store.doc_by_id("d00")))
        store = index._store

        def rows(k):
            return {r for _, r in store.band_rows(np.array(k, dtype=np.int64))}

        full = [k for k in key.tolist() if len(rows([k])) == seeds.FULL]
        own = [k for k in key.tolist() if len(rows([k])) == 1]
        assert full and own
        index.remove("d00")
        assert all(len(rows([k])) == seeds.FULL for k in full)
        assert all(not rows([k]) for k in own)


def _bannered(seed: int, n: int, carriers: int):
    """``n`` unrelated stories, ``carriers`` of them (spread out) ending with a cookie
    banner misread at three letters (OCR: each copy's own misreadings, so few of its word
    8-grams recur and it is not cut as furniture)."""
    rng = random.Random(seed)
    words = _vocab(rng, 6000)
    banner = ("We and our partners store and access information on your device to personalise ads and "
              "content and to measure how our services are used Accept Reject Manage choices").split()
    docs = []
    for k in range(n):
        text = " ".join(rng.choice(words) for _ in range(120)) + "."
        if k % (n // carriers) == 0:
            b = list(banner)
            for at in rng.sample(range(len(b)), 3):
                i = rng.randrange(len(b[at]))
                b[at] = b[at][:i] + rng.choice("xqz") + b[at][i + 1 :]
            text += " " + " ".join(b)
        docs.append(dedup.Document(id=f"b{k:02d}", text=text))
    return docs


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_a_recurring_banner_stops_linking_once_it_recurs(tmp_path, monkeypatch, seed):
    """Twelve of 120 stories end with a banner (each copy misread differently). The
    first few carriers to arrive are linked (nothing says yet that it recurs; the batch,
    which sees them all, links none). Counted as phrases, its bigrams carry little
    evidence once it has recurred: the later carriers link at most one document each;
    counted as independent rare words (no phrase counts), they link several."""
    docs = _bannered(seed, 120, 12)
    assert not dedup.cluster(docs, jobs=1).clusters

    def later_links(name: str) -> list[int]:
        with dedup.Index.open(str(tmp_path / name), jobs=1) as index:
            found = [len(index.add(d).matches) for d in docs]
        return [found[k] for k in range(0, 120, 10)][6:]  # the banner's 7th to 12th carriers

    assert max(later_links("phrases.db")) <= 1
    monkeypatch.setattr(seeds, "with_phrases", lambda x, table, keys=None: None)
    assert min(later_links("words.db")) >= 3


def test_an_index_made_before_seeds_goes_on_without_them(tmp_path, monkeypatch):
    """An index created before rare-bigram seeds has no bigram rows for its documents:
    it stores none and proposes none (counted from a few new documents, a common bigram
    would look rare), and answers as it did; its bulk loads do not find bigram keys."""
    stories, wire, paper = _corpus(3)
    path = str(tmp_path / "old.db")
    made_before_seeds(path)
    found = []
    real = seeds.bigram_keys
    monkeypatch.setattr(seeds, "bigram_keys", lambda p: found.append(p) or real(p))
    with dedup.Index.open(path, jobs=1) as index:  # one job: the workers' work runs here
        index.add_many(stories, batch_size=9)
        index.add(wire)
        assert not found
        assert index.query(paper).matches == []
        p = index._stored_prepared(index._store.doc_by_id("wire"))
        assert not index._store.band_rows(seeds.bigram_keys(p))
    assert _index_finds(tmp_path, 3, True, False) == {"wire"}  # a new index finds it


@pytest.mark.parametrize("text", ["", "word", "again again again again", "a short text with a short text in it"])
def test_phrases_give_each_document_its_distinct_bigrams(text):
    """The distinct keys with_phrases finds from a document's positions are its
    bigram_keys, for no word, one word and one word repeated too."""
    p = an.from_paragraphs(text, [(0, len(text))] if text else [], Config())
    keys = seeds.bigram_keys(p)
    table = seeds.phrase_table(keys, {})
    seeds.with_phrases(p, table)
    assert p.phrases[4].dtype == np.int64 and p.phrases[4].tolist() == keys.tolist()
    assert len(keys) == len(set(p.phrases[0][1:].tolist())) and len(p.phrases[0]) == p.ntokens


_KEYS = st.sampled_from([0, 1, 2, 3, 5, 8, -1, -(2**63), 2**63 - 1, 0x5BD1E9955BD1E995])
_CARRIED = st.dictionaries(_KEYS, st.lists(st.integers(1, 99), max_size=seeds.FULL + 2, unique=True))


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(st.sets(_KEYS), max_size=seeds.FULL + 4), by_key=_CARRIED)
def test_bigram_rows_fill_up_in_batch_order_and_stop_at_full(docs, by_key):
    """to_store and to_delete as the rule says, one key and one document at a time: a
    document stores a bigram while fewer than FULL carry it, the stored ones and the
    batch's before it; a removal deletes a bigram's row unless it is full."""
    keys = [np.array(sorted(d), dtype=np.int64) for d in docs]
    count = {k: len(v) for k, v in by_key.items()}
    want = []
    for d in keys:
        mine = [k for k in d.tolist() if count.get(k, 0) < seeds.FULL]
        for k in mine:
            count[k] = count.get(k, 0) + 1
        want.append(mine)
    got = seeds.to_store(keys, by_key)
    assert [g.dtype for g in got] == [np.dtype(np.int64)] * len(keys)
    assert [g.tolist() for g in got] == want
    for d in keys:
        assert seeds.to_delete(d, by_key).tolist() == [k for k in d.tolist() if len(by_key.get(k, [])) < seeds.FULL]
        assert seeds.phrase_table(d, by_key)[1].tolist() == [len(by_key.get(k, [])) + 1 for k in d.tolist()]


def _byline_story(rng: random.Random, words: list[str], k: int) -> str:
    """An unrelated article of one outlet: a long byline in its first paragraph."""
    def body(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    first = ["Anna", "Mei", "Ken", "Olu", "Ivan", "Sarah", "Marco", "David", "Yuki", "Fatima", "Ana", "Lars"][k % 12]
    return (f"{first} {rng.choice(words).capitalize()}, Senior Political Correspondent, The Global Times, "
            f"London Bureau\n{body(30)}\n\n{body(60)}\n")


def test_a_bylines_bucket_counts_as_over_full_at_a_query(tmp_path, monkeypatch):
    """Thirty unrelated articles share a byline's words in their first paragraph, and
    with them a band key (this outlet's byline words hash low in one band: 13 of the 30
    carry it). The batch leaves such common shingles out of every signature; at a query
    the index judges the new document's shingles by its stored bigrams' carriers, and
    the bucket they make yields only its first few members, as an over-full one does.
    A copy of one of them is still found."""
    rng = random.Random(7)
    words = _vocab(rng, 5000)
    stored = [dedup.Document(id=f"g{k:02d}", text=_byline_story(random.Random(k), words, k)) for k in range(30)]
    aligned = []
    align_pair = an.align_pair
    monkeypatch.setattr(an, "align_pair", lambda *a, **k: aligned.append(1) or align_pair(*a, **k))
    with dedup.Index.open(str(tmp_path / "byline.db"), jobs=1) as index:
        for d in stored:
            index.add(d)
        keys = an.doc_band_keys([index._stored_prepared(index._store.doc_by_id(d.id)) for d in stored], index.config)
        key, carried = np.unique(np.concatenate(keys), return_counts=True)
        crowded, carried = key[carried.argmax()], carried.max()
        assert carried > 2 * an.HUBS  # the crowded bucket is there (so the test can fail)
        for seed in range(100, 200):  # a new article that falls into it too
            new = dedup.Document(id="new", text=_byline_story(random.Random(seed), words, seed))
            if crowded in an.doc_band_keys([an.from_paragraphs(new.text, [(0, len(new.text))], index.config)],
                                           index.config)[0]:
                break
        else:
            pytest.fail("no new article falls into the crowded bucket")
        aligned.clear()
        assert index.query(new).matches == [] and len(aligned) <= an.HUBS
        copy = stored[5].text.replace(stored[5].text.split(",")[0], "Lars Kemp", 1)
        assert "g05" in {m.doc_id for m in index.query(dedup.Document(id="copy", text=copy)).matches}
