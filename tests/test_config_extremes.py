"""Settings at the ends of what validation allows run to the end, without warnings."""

import warnings

import pytest

import dedup

from index_helpers import mixed_docs


@pytest.mark.parametrize("max_evalue", [1e-310, 5e-324])
def test_the_smallest_max_evalue_runs_and_prints_nothing(tmp_path, max_evalue):
    """ln(search x sizes / max_evalue) overflowed to inf: an OverflowError (the gap width
    int(inf)) in the batch, numpy's overflow warning on stderr in the rare-bigram seeds.
    Nothing is significant at such a setting; the fixed rules still link copies."""
    cfg = dedup.Config(max_evalue=max_evalue)
    docs = mixed_docs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = dedup.cluster(docs, config=cfg, jobs=1)
        with dedup.Index.open(tmp_path / "i.db", cfg, jobs=1) as index:
            for d in docs:
                index.add(d)
    assert [str(w.message) for w in caught] == []
    assert report.clusters  # the seeds' copies and the syndicated story still link


def test_the_link_length_follows_a_longer_passage_length_unless_given():
    """As --min-link's default follows --min-passage: Config(min_passage_tokens=40) and
    Config.pairwise(min_passage_tokens=20) were refused for min_link_tokens, a setting the
    user never gave."""
    assert dedup.Config(min_passage_tokens=40).min_link_tokens == 40
    assert dedup.Config(min_passage_tokens=10).min_link_tokens == dedup.Config().min_link_tokens == 30
    assert dedup.Config.pairwise(min_passage_tokens=20).min_link_tokens == 20
    assert dedup.Config.pairwise(min_passage_tokens=5).min_link_tokens == dedup.Config.pairwise().min_link_tokens == 15
    assert dedup.Config.pairwise(min_passage_tokens=20, min_link_tokens=25).min_link_tokens == 25
    with pytest.raises(dedup.ConfigError, match=r"min_link_tokens: must be at least min_passage_tokens \(20 < 40\)") as exc:
        dedup.Config(min_passage_tokens=40, min_link_tokens=20)  # given: checked as given
    assert exc.value.setting == "min_link_tokens"  # as the README says: .setting names it


@pytest.mark.parametrize("setting", ["min_passage_tokens", "min_link_tokens", "max_bucket", "boilerplate_min_docs"])
def test_a_count_past_any_corpus_is_refused(setting):
    """Counts of words or documents are bounded like the other settings (10**20 was taken,
    past the arrays' integers, and written to an index's settings as 1e20)."""
    extra = {"min_link_tokens": 10**20} if setting == "min_passage_tokens" else {}
    with pytest.raises(dedup.ConfigError, match="less than or equal to 2147483647") as exc:
        dedup.Config(**{setting: 10**20}, **extra)
    assert exc.value.setting == setting
    assert getattr(dedup.Config(**{setting: 2**31 - 1, **({"min_link_tokens": 2**31 - 1} if extra else {})}),
                   setting) == 2**31 - 1
