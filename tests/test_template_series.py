"""Template series over a corpus: issues whose new names are one-off words, and the
formula's fixed names (issue 11, item 2)."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dedup
from benchmarks.synth.transforms import ocr_noise
from textgen import article

_SYL = ("ka", "ro", "mel", "dan", "vi", "tor", "sa", "len", "bra", "ost", "nu", "gar", "pel", "zi", "mon")

NOTICE = (
    "The steelmaker {a} said on Monday it would raise base prices on plate products by {n1} dlrs a ton, "
    "or about {n2} pct, effective with shipments on {m} {d}, a spokesman for the company said. "
    "The increase follows a similar move announced yesterday by {b}, and dealers said other mills "
    "were expected to follow within days as demand from the construction and shipbuilding industries "
    "remained firm through the spring, according to figures compiled by {c} analysts."
)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(3)).capitalize()


def notice(rng: random.Random) -> str:
    # every issue names new companies: one-off words, as real issuers and agents are
    return NOTICE.format(a=_name(rng), b=_name(rng), c=_name(rng), n1=rng.randint(10, 99),
                         n2=rng.randint(2, 9), m=rng.choice(["March", "April", "May"]), d=rng.randint(1, 28))


def _background(k: int) -> list[dict]:
    return [{"id": f"bg{i}", "text": article(500 + i)} for i in range(k)]


def test_issues_with_new_one_off_names_are_a_template_series_not_copies():
    # The new names make the issues look OCR-damaged (many one-off words) and pull the
    # weighted word similarity under the passage score, so characters link them; the
    # changes are all facts, so they are a series (before: linked as duplicates).
    rng = random.Random(3)
    docs = [{"id": f"day{k}", "text": notice(rng)} for k in range(4)] + _background(8)
    report = dedup.cluster(docs, jobs=1)
    assert not any(m.doc_id.startswith("day") for c in report.clusters for m in c.members)
    assert {m.doc_id for c in report.templates for m in c.members} == {f"day{k}" for k in range(4)}


def test_an_ocr_damaged_copy_stays_a_copy():
    text = notice(random.Random(4))
    docs = [{"id": "clean", "text": text}, {"id": "scan", "text": ocr_noise(text, random.Random(1), 0.04)}]
    report = dedup.cluster(docs + _background(8), jobs=1)
    assert [{m.doc_id for m in c.members} for c in report.clusters] == [{"clean", "scan"}]


FIXED = (
    "Grain dealers at the Ostrava Mercantile Exchange said the Kelborough Grain Board bought {a} tonnes "
    "of wheat from Tamsin Vireo Trading, and the Halvard Shipping Agency loaded {b} tonnes for the "
    "Dunmarrow Milling Cooperative, while the Westmere Port Authority reported {c} tonnes in store."
)


def series_issue(k: int) -> str:
    # the formula names six bodies in every issue; two figures are new each day and the
    # third takes one of two values (so half the issues share it)
    return FIXED.format(a=100 + 7 * k, b=40 + 3 * k, c=(300, 350)[k % 2])


def test_a_series_whose_fixed_names_outweigh_its_figures_is_kept_out_of_copy_clusters():
    # Issues that also differ in the third figure are a template by their facts; those that
    # share it would be copies by the formula's six names, rare in the corpus. The names the
    # issues repeat with most of their series are its frame and are left out when a pair
    # is judged again (before: the issues sharing a figure were clustered as copies).
    docs = [{"id": f"day{k}", "text": series_issue(k)} for k in range(8)] + _background(10)
    report = dedup.cluster(docs, jobs=1)
    assert not any(m.doc_id.startswith("day") for c in report.clusters for m in c.members)
    assert {m.doc_id for c in report.templates for m in c.members} == {f"day{k}" for k in range(8)}


def test_a_correction_of_an_issue_stays_a_copy_of_it():
    issues = [series_issue(k) for k in range(8)]
    fix = issues[0].replace("bought 100 tonnes", "bought 109 tonnes")
    docs = [{"id": f"day{k}", "text": t} for k, t in enumerate(issues)] + [{"id": "day0-fix", "text": fix}]
    report = dedup.cluster(docs + _background(10), jobs=1)
    assert {"day0", "day0-fix"} in [{m.doc_id for m in c.members} for c in report.clusters]


NAMED = (
    "Dealers at the Ostrava Mercantile Exchange said the Kelborough Grain Board, Tamsin Vireo Trading, "
    "the Halvard Shipping Agency, the Dunmarrow Milling Cooperative, Brackley Feeds, Orrin Maltings and "
    "the Westmere Port Authority together handled {a} tonnes of wheat, {b} tonnes of barley and {c} "
    "tonnes of maize in the week, compared with the previous week's totals."
)


def test_a_series_with_no_pair_judged_a_template_at_first_still_finds_its_frame():
    # Nine fixed names outweigh the three figures each issue states anew, so no pair of
    # issues is a template by its facts alone and no frame could be learned from template
    # pairs; every pair still restates three facts and nothing else, which is how a
    # series' issues differ (before: all eight issues were clustered as copies). The
    # names are rare in a corpus of 200 other documents, so they weigh as a story's would.
    docs = [{"id": f"day{k}", "text": NAMED.format(a=100 + 7 * k, b=40 + 3 * k, c=500 + 11 * k)}
            for k in range(8)] + _background(200)
    report = dedup.cluster(docs, jobs=1)
    assert not any(m.doc_id.startswith("day") for c in report.clusters for m in c.members)
    assert {m.doc_id for c in report.templates for m in c.members} == {f"day{k}" for k in range(8)}


LAUNCH = (
    "Eastman {co} Co said it is introducing four information technology systems that will be led by "
    "today's highest-capacity system for data storage and retrieval. The company said information "
    "management products will be the focus of a multi-mln dlr business-to-business communications "
    "campaign under the theme \"The {t1} {t2} of {co}.\"\n\nNoting that it is well-known as a "
    "photographic company, {co} said its information technology sales exceeded four billion dlrs in {y}. "
    "A {co} spokesman declined to comment on the plans."
)


def _launches(seed: int) -> list[str]:
    rng = random.Random(seed)
    issuers = [_name(rng) for _ in range(8)]
    issuers[6] = issuers[4]  # two issues of one issuer, as a daily series has
    return [LAUNCH.format(co=co, t1=_name(rng), t2=_name(rng), y=rng.randint(1980, 1999)) for co in issuers]


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_two_issues_of_one_issuer_are_a_template_however_often_they_name_it(seed):
    # Issues 4 and 6 name the same issuer four times and state a new campaign and year:
    # the issuer is one slot of the formula they agree on, the campaign and year two they
    # fill anew (before: counted as four repeated facts, a copy).
    issues = _launches(seed)
    report = dedup.cluster([{"id": f"day{k}", "text": t} for k, t in enumerate(issues)] + _background(200), jobs=1)
    assert not any(m.doc_id.startswith("day") for c in report.clusters for m in c.members)
    assert {m.doc_id for c in report.templates for m in c.members} == {f"day{k}" for k in range(8)}


def test_a_corrected_issue_that_names_its_issuer_often_stays_a_copy():
    issues = _launches(5)
    year = issues[3].rsplit(" dlrs in ", 1)[1][:4]
    fix = issues[3].replace(f"dlrs in {year}", f"dlrs in {int(year) + 1}")
    docs = [{"id": f"day{k}", "text": t} for k, t in enumerate(issues)] + [{"id": "day3-fix", "text": fix}]
    report = dedup.cluster(docs + _background(200), jobs=1)
    assert {"day3", "day3-fix"} in [{m.doc_id for m in c.members} for c in report.clusters]


def test_evidence_that_came_back_from_a_worker_shares_its_empty_lists_and_keeps_its_values():
    import pickle

    from dedup.stages.template import _no_swap, compact

    ev = _no_swap(3, 2)._replace(differ=0.5, distinct=0.25)
    a, b = pickle.loads(pickle.dumps(ev)), pickle.loads(pickle.dumps(ev))
    assert a.ids_a is not b.ids_a  # each came back with lists of its own
    ca, cb = compact("duplicate", a), compact("duplicate", b)
    assert ca.ids_a is cb.ids_a and ca.first_b is cb.first_b
    assert (ca.differ, ca.swaps, ca.plain, ca.distinct) == (0.5, 2, 3, 0.25)
    assert all(x.dtype == y.dtype and len(x) == 0 for x, y in zip(ca[1:5], ev[1:5]))
    full = ev._replace(ids_a=np.array([4]), weight_a=np.array([1.0]))
    assert compact("duplicate", full) is full and compact("partial", None) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from(["duplicate", "partial", "template"]),
                          st.integers(0, 4), st.integers(0, 2), st.sampled_from([0.0, 0.5, 1.0]),
                          st.lists(st.integers(0, 3), max_size=3), st.lists(st.integers(0, 3), max_size=3)),
                max_size=12))
def test_a_link_keeps_only_evidence_that_can_change_the_frames_judgement(links):
    from dedup.stages.link import frames_judged
    from dedup.stages.provenance import PairAlignment
    from dedup.stages.template import Evidence, compact

    found = []
    for i, j, kind, swaps, plain, distinct, ids_a, ids_b in links:
        a, b = np.array(ids_a, np.int64), np.array(ids_b, np.int64)
        ev = Evidence(distinct, a, np.ones(len(a)), b, np.ones(len(b)), swaps, plain, distinct,
                      np.ones(len(a), bool), np.ones(len(b), bool))
        found.append((PairAlignment(min(i, j), max(i, j) + 1, kind, b""), ev))
    kept = [(al, compact(al.kind, ev)) for al, ev in found]
    assert [al.kind for al in frames_judged(kept)] == [al.kind for al in frames_judged(found)]
    assert all(ev is None for (al, ev), (_, full) in zip(kept, found)
               if full.distinct == 0 and al.kind != "template" and (full.swaps < 3 or full.plain))
