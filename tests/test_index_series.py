"""Template series in the index: a new issue's matches are judged without the frame its
matches show (the formula's fixed names), as the batch judges its links; a correction
stays a copy. On SQLite and Redis."""

import pytest

import dedup

from test_template_series import _background, series_issue


@pytest.fixture(params=["sqlite", "redis"])
def path(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "ix.db")
    return request.getfixturevalue("url")


def _issue_matches(answer) -> dict[str, str]:
    return {m.doc_id: m.kind for m in answer.matches if m.doc_id.startswith("day")}


def test_issues_whose_fixed_names_outweigh_their_figures_are_template_matches(path):
    # Issues sharing the third figure are copies by the formula's six names alone; the
    # batch leaves out each issue's frame (the names it repeats with most of its series)
    # and calls them a series. Once an issue has two earlier issues to learn its frame
    # from, the index answers the same (before: "duplicate", and one story of them all).
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(_background(10))
        answers = [index.add({"id": f"day{k}", "text": series_issue(k)}) for k in range(8)]
        later = [_issue_matches(a) for a in answers[3:]]
        assert all(later) and all(set(m.values()) == {"template"} for m in later)
        stories = [index.query({"id": f"day{k}", "text": series_issue(k)}).stored_cluster for k in range(3, 8)]
        assert len(set(stories)) == len(stories)  # no issue joins another's story


def test_a_correction_of_an_issue_stays_a_copy_in_the_index(path):
    issues = [series_issue(k) for k in range(8)]
    fix = issues[0].replace("bought 100 tonnes", "bought 109 tonnes")
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(_background(10))
        for k, text in enumerate(issues):
            index.add({"id": f"day{k}", "text": text})
        answer = index.add({"id": "day0-fix", "text": fix})
        assert _issue_matches(answer)["day0"] in ("duplicate", "partial")
        assert answer.cluster == index.query({"id": "day0", "text": issues[0]}).stored_cluster
