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
