"""Library arguments of the wrong type or out of range: one clear error naming the
argument, raised before any work (not an AttributeError or TypeError from deep inside)."""

import math

import pytest

import dedup

DOCS = [{"id": "a", "text": "One story about the harbour and its new cranes."},
        {"id": "b", "text": "Another story about a school and its garden."}]


@pytest.mark.parametrize("call", [
    lambda c: dedup.cluster(DOCS, config=c, jobs=1),
    lambda c: dedup.compare("one text", "another text", config=c),
])
def test_a_dict_for_config_is_a_type_error_that_names_it(call):
    with pytest.raises(TypeError, match=r"config must be a dedup\.Config \(dedup\.Config\(\*\*settings\)\), not dict"):
        call({"threshold": 0.5})


def test_index_open_checks_its_arguments_before_opening(tmp_path):
    path = tmp_path / "i.db"
    with pytest.raises(TypeError, match="config must be a dedup.Config"):
        dedup.Index.open(path, config={"threshold": 0.5})
    for bad in (math.nan, math.inf, -1):
        with pytest.raises(ValueError, match="timeout must be a finite number of seconds, 0 or more"):
            dedup.Index.open(path, timeout=bad)
    with pytest.raises(TypeError, match="timeout must be a number of seconds, not str"):
        dedup.Index.open(path, timeout="5")
    with pytest.raises(TypeError, match="jobs must be a whole number of processes or None, not str"):
        dedup.Index.open(path, jobs="2")
    assert not path.exists()  # nothing was created


@pytest.mark.parametrize("jobs", ["2", 1.5, True])
def test_jobs_of_another_type_is_a_type_error(jobs):
    with pytest.raises(TypeError, match="jobs must be a whole number of processes or None"):
        dedup.cluster(DOCS, jobs=jobs)


@pytest.mark.parametrize("one", [DOCS[0], dedup.Document(**DOCS[0])])
def test_one_record_given_alone_is_one_document(one):
    """A dict or Document given alone, not in a list, is that record (its keys were read
    as paths: 'id: no such file or directory'; a Document's fields as records)."""
    alone = dedup.cluster(one, jobs=1)
    assert alone.model_dump_json() == dedup.cluster([one], jobs=1).model_dump_json()
    assert [d.doc_id for d in alone.documents] == ["a"]
