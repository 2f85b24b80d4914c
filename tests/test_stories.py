"""Stories: one source's takes of a running story, tied by the names they share beyond
chance; reports of the same event by other sources, a template's issues, takes far apart
in time stay apart; clusters never change."""

import io
import itertools
import math
import random
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.stages.nearest import UNDATED
from dedup.stages.stories import log_evalue, log_evalues, same_source_pairs, stories

from textgen import article, pseudo_word, sentence


def _name(rng: random.Random) -> str:
    return pseudo_word(rng).capitalize()


def _background(k: int) -> dedup.Document:
    """A story of its own, with names of its own, from one of four sites."""
    rng = random.Random(1000 + k)
    who = [f"{_name(rng)} {_name(rng)}" for _ in range(3)]
    paras = [p + f" The report was led by {who[i % 3]} of {_name(rng)}." for i, p in enumerate(article(k).split("\n\n"))]
    return dedup.Document(id=f"b{k:02d}", text="\n\n".join(paras), source=f"Site{k % 4}", date=f"2024-03-0{1 + k % 5}")


def _take(seed: int, names: list[str], formula: str = "It was heard that {} and {} were there.") -> str:
    """Sentences of its own (no passage shared with another take), the story's names in each paragraph."""
    rng = random.Random(seed)
    return "\n\n".join(" ".join(sentence(rng) for _ in range(2)) + " " + formula.format(names[i % len(names)],
                                                                                      names[(i + 1) % len(names)])
                       for i in range(6))


NAMES = (lambda rng: [f"{_name(rng)} {_name(rng)}" for _ in range(5)])(random.Random(7))
BACKGROUND = [_background(k) for k in range(16)]


def _stories(extra: list[dedup.Document], **settings) -> tuple[dict, dedup.Report]:
    report = dedup.cluster(BACKGROUND + extra, jobs=1, config=dedup.Config(**settings))
    return {d.doc_id: d.story for d in report.documents}, report


def _takes(source_b: str = "PA", date_b: str = "2024-03-05T15:00", names_b=None) -> list[dedup.Document]:
    return [dedup.Document(id="takeA", text=_take(501, NAMES), source="PA", date="2024-03-05T09:00"),
            dedup.Document(id="takeB", text=_take(502, names_b or NAMES[::-1]), source=source_b, date=date_b)]


def test_two_takes_of_one_source_sharing_the_story_s_names_are_one_story_not_one_cluster():
    story, report = _stories(_takes())
    assert story["takeA"] is not None and story["takeA"] == story["takeB"]
    assert {d.doc_id: d.cluster for d in report.documents}["takeA"] is None  # no passage: no link
    assert not any({"takeA", "takeB"} & {m.doc_id for m in c.members} for c in report.clusters)
    assert all(story[d.id] is None for d in BACKGROUND)


def test_other_sources_times_names_and_settings_keep_them_apart():
    assert _stories(_takes(source_b="Reuters"))[0]["takeB"] is None  # the same event, another source
    assert _stories(_takes(date_b="2024-03-09T15:00"))[0]["takeB"] is None  # four days on
    assert _stories(_takes(date_b="2024-03-09T15:00"), story_days=5)[0]["takeB"] == "r1"
    assert _stories(_takes(), story_days=0)[0]["takeB"] is None
    # the same formula with other names: a template's issues, not takes of one story
    rng = random.Random(99)
    others = [f"{_name(rng)} {_name(rng)}" for _ in range(5)]
    assert _stories(_takes(names_b=others))[0]["takeB"] is None


def test_the_tie_s_bar_is_fewer_than_one_chance_tie_in_the_search():
    rng = random.Random(99)
    others = [f"{_name(rng)} {_name(rng)}" for _ in range(5)]

    def tied(shared: int, **settings) -> bool:
        return _stories(_takes(names_b=NAMES[:shared] + others[shared:]), **settings)[0]["takeB"] == "r1"

    # two of the story's five names shared: expected less than once by chance, far more than 1e-3 times
    assert dedup.Config().story_evalue == 1.0
    assert tied(2) and not tied(2, story_evalue=1e-3)
    assert not tied(1)  # one name: chance
    assert tied(3, story_evalue=1e-3) and not tied(3, story_evalue=1e-6)


def test_names_only_a_quoted_statement_shares_tie_nothing():
    def takes(formula):
        return [dedup.Document(id=f"take{x}", text=_take(seed, names, formula), source="PA", date="2024-03-05T09:00")
                for x, seed, names in (("A", 501, NAMES), ("B", 502, NAMES[::-1]))]

    story, report = _stories(takes('Then "it was heard that {} and {} were there," a spokesman said.'))
    assert story["takeB"] is None
    assert {d.doc_id: d.cluster for d in report.documents}["takeB"] is None
    # the same names, not quoted
    assert _stories(takes("Then it was heard that {} and {} were there, a spokesman said."))[0]["takeB"] == "r1"


def test_stories_do_not_change_clusters_and_do_not_depend_on_input_order():
    docs = BACKGROUND + _takes() + [dedup.Document(id="copyA", text=_take(501, NAMES), source="Site1",
                                                   date="2024-03-05T10:00")]
    base = dedup.cluster(docs, jobs=1).model_dump()
    off = dedup.cluster(docs, jobs=1, config=dedup.Config(story_days=0)).model_dump()
    assert base["clusters"] == off["clusters"]
    story = {d["doc_id"]: d["story"] for d in base["documents"]}
    assert story["copyA"] == story["takeA"] == "r1"  # a copy's story is its source's
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    assert dedup.cluster(shuffled, jobs=2).model_dump_json() == dedup.cluster(docs, jobs=1).model_dump_json()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.one_of(st.just(None), st.integers(0, 20))), max_size=30),
       st.integers(0, 6))
def test_same_source_pairs_counts_what_brute_force_counts(docs, window):
    sources = np.array([s for s, _ in docs], np.int64)
    dates = np.array([UNDATED if d is None else d * 100 for _, d in docs], np.int64)
    want = sum(1 for (s1, d1), (s2, d2) in itertools.combinations(docs, 2)
               if s1 >= 0 and s1 == s2 and d1 is not None and d2 is not None and abs(d1 - d2) * 100 <= window * 100)
    assert same_source_pairs(sources, dates, window * 100) == want


def test_the_e_value_falls_with_rarer_and_more_shared_names_and_grows_with_the_search():
    rare = np.log(np.full(6, 0.01))
    assert log_evalue(rare[:5], 20, 100) > log_evalue(rare, 20, 100)  # one more name shared
    assert log_evalue(np.log(np.full(6, 0.1)), 20, 100) > log_evalue(rare, 20, 100)  # commoner names
    assert math.isclose(log_evalue(rare, 20, 1000) - log_evalue(rare, 20, 100), math.log(10))
    assert log_evalue(rare, 200, 100) > log_evalue(rare, 20, 100)  # more names it could have shared
    assert log_evalue(rare[:0], 20, 100) == math.inf
    # more shared words never weaken the evidence: the best k over the rarest first
    assert log_evalue(np.r_[rare, np.zeros(10)], 20, 100) <= log_evalue(rare, 20, 100)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.lists(st.floats(-20.0, 0.0), max_size=30), st.integers(0, 200)), min_size=1, max_size=12),
       st.integers(1, 10**9))
def test_the_e_values_of_many_pairs_are_each_pairs_own(pairs, tests):
    """The stage scores every pair at once (flat arrays, pairs of one length as a
    matrix): each pair's float is the one it gets alone, whatever the pairs beside it."""
    logp = np.array([x for words, _ in pairs for x in words], np.float64)
    counts = np.array([len(words) for words, _ in pairs], np.int64)
    fewer = np.array([len(words) + extra for words, extra in pairs], np.int64)
    row = np.repeat(np.arange(len(pairs)), counts)
    got = log_evalues(logp, row, counts, fewer, tests)
    for k, (words, extra) in enumerate(pairs):
        alone = log_evalue(np.array(words, np.float64), len(words) + extra, tests)
        assert got[k] == alone


def test_stories_number_groups_by_size_then_first_member():
    story = stories(8, [[5, 6]], np.array([[0, 1], [1, 2]], np.int64))
    assert story.tolist() == [0, 0, 0, -1, -1, 1, 1, -1]


def test_same_source_pairs_over_many_sources_and_the_calendar_s_span(monkeypatch):
    """Dates from year 1 to 9999 and nearly a source per document; counted with one
    sorted key, and a source at a time (the way past int64's range, forced here): both
    as brute force counts."""
    from dedup.stages import stories as module
    rng = np.random.default_rng(5)
    n = 2000
    sources = rng.integers(0, 40_000_000, n)
    sources[:10] = 7  # one source with ten documents, two of them within the window
    dates = rng.integers(-62_000_000_000, 253_000_000_000, n)
    dates[:10] = [0, 50, 10**9, 2 * 10**9, 3 * 10**9, 4 * 10**9, 5 * 10**9, 6 * 10**9, 7 * 10**9, 8 * 10**9]
    want = sum(1 for a, b in itertools.combinations(range(n), 2)
               if sources[a] == sources[b] and abs(int(dates[a]) - int(dates[b])) <= 100)
    assert want >= 1
    assert same_source_pairs(sources, dates, 100) == want
    monkeypatch.setattr(module, "KEY_LIMIT", 1000)
    assert same_source_pairs(sources, dates, 100) == want


def test_only_dated_pairs_of_one_source_within_the_window_and_not_excluded_are_tested():
    from dedup.stages.stories import _same_source
    sources = np.array([0, 0, 0, 1, 0, -1], np.int64)
    dates = np.array([0, 10, 20, 20, UNDATED, 20], np.int64)
    pairs = np.array([[0, 1], [1, 2], [0, 2], [2, 3], [2, 4], [2, 5]], np.int64)
    assert _same_source(pairs, sources, dates, [], 15).tolist() == [[0, 1], [1, 2]]
    assert _same_source(pairs, sources, dates, iter([(1, 0)]), 15).tolist() == [[1, 2]]  # either order
    assert _same_source(pairs, sources, dates, [(2, 1), (0, 1)], 20).tolist() == [[0, 2]]


def test_the_cli_s_story_days_sets_the_window(tmp_path, run_cli):
    import json

    path = tmp_path / "takes.jsonl"
    path.write_text("".join(json.dumps(d.model_dump(exclude_none=True)) + "\n"
                            for d in BACKGROUND + _takes(date_b="2024-03-09T15:00")))

    def story_of_b(*flags):
        code, out, err = run_cli("cluster", path, "-f", "json", "-q", "-j", "1", *flags)
        assert code == 0, err
        return {d["doc_id"]: d["story"] for d in json.loads(out)["documents"]}["takeB"]

    assert story_of_b() is None  # four days apart: beyond the default two
    assert story_of_b("--story-days", "5") == "r1"
    code, _, err = run_cli("cluster", path, "--story-days", "-1")
    assert code == 2 and "invalid value for --story-days" in err



def test_the_table_names_a_cluster_s_story_when_it_holds_more(seeds_dir):
    from rich.console import Console

    from dedup.cli.table import print_table

    def heads(report):
        console = Console(record=True, width=120, file=io.StringIO())
        print_table(report, console)
        return [line for line in console.export_text().splitlines() if re.match(r"c\d+  ", line)]

    report = dedup.cluster(seeds_dir, jobs=1)
    plain = heads(report)
    assert len(plain) == 2 and not any("story" in h for h in plain)  # each story is its cluster
    c1 = {m.doc_id for m in report.clusters[0].members}
    story = next(d.story for d in report.documents if d.doc_id in c1)
    # one more document in c1's story (a take of one source, tied by its names)
    docs = [d.model_copy(update={"story": story}) if d.cluster is None else d for d in report.documents]
    assert sum(d.cluster is None for d in docs) == 1
    got = heads(report.model_copy(update={"documents": docs}))
    assert got == [plain[0] + f"  story {story} (+1 document)", plain[1]]


class _Names:
    """A stub of the prepared corpus for :func:`story_ties`: each document only its names."""

    def __init__(self, names: list[list[int]]):
        self._names = [np.array(sorted(set(n)), np.uint64) for n in names]
        values, counts = np.unique(np.concatenate(self._names), return_counts=True)
        self.table = (values, counts)
        self.ntokens = [40] * len(names)

    def __len__(self):
        return len(self._names)

    def vocab(self, k):
        return self._names[k]

    def facts_quoted(self, k):
        h = self._names[k]
        return h, np.zeros(len(h), np.int64), np.zeros(len(h), bool)


def _tied_with(crowd_days: list[int]) -> bool:
    """Two takes of source 0 on day 30 sharing two of their story's names, which other
    documents (source 1) carry on ``crowd_days``; 300 documents of names of their own,
    from four other sources, over 60 days."""
    from dedup.engines.base import Inline
    from dedup.stages.stories import DAY, story_ties

    rng = random.Random(5)
    story = [1, 2, 3, 4, 5]
    names = [[1, 2, 100], [1, 2, 101]] + [story[:] for _ in crowd_days]
    names += [[1000 + 3 * k, 1001 + 3 * k, 1002 + 3 * k] for k in range(300)]
    sources = np.array([0, 0] + [1] * len(crowd_days) + [2 + k % 4 for k in range(300)])
    days = [30, 30] + list(crowd_days) + [rng.randrange(60) for _ in range(300)]
    dates = np.array(days, np.int64) * DAY + 3600
    ties = story_ties(_Names(names), np.array([[0, 1]]), sources, dates, (), 2.0, 1.0, 20.0, engine=Inline())
    return [tuple(t) for t in ties.tolist()] == [(0, 1)]


def test_a_running_story_s_own_takes_do_not_make_its_names_common():
    """A name's chance is counted outside the pair's days: the story's other takes around
    them (twenty on the same day) leave its names as rare as they are elsewhere, while
    the same names in twenty documents spread over the other days are common."""
    assert _tied_with([])
    assert _tied_with([30] * 20) and _tied_with([29, 31, 32] * 7)
    assert not _tied_with([k for k in range(60) if abs(k - 30) > 3][:20])
