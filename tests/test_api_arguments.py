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


@pytest.mark.parametrize("call, why", [
    (lambda: dedup.cluster(DOCS, progress=5, jobs=1), "progress must be a callable"),
    (lambda: dedup.cluster(DOCS, progress=lambda stage, done: None, jobs=1), "progress must take three arguments"),
    (lambda: dedup.cluster(DOCS, fields={"id": "newid"}, jobs=1), r"fields must be a dedup\.FieldMap"),
    (lambda: dedup.read_corpus(DOCS, fields={"id": "newid"}), r"fields must be a dedup\.FieldMap"),
    (lambda: dedup.cluster(None), "inputs must be paths, documents or records"),
    (lambda: dedup.read_corpus(5), "inputs must be paths, documents or records"),
    (lambda: dedup.cluster(DOCS, work_dir=5, jobs=1), "work_dir must be a path"),
    (lambda: dedup.cluster(DOCS, keep_texts="no", jobs=1), "keep_texts must be True or False"),
    (lambda: dedup.Index.open(None), "path must be a file name"),
])
def test_a_wrong_argument_is_a_type_error_naming_it_before_any_work(call, why, tmp_path, monkeypatch):
    """Before: the progress callback failed after a stage had run, a dict of fields was an
    AttributeError from the reader, None was read as one bad record (InputError)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(TypeError, match=why):
        call()
    assert not list(tmp_path.iterdir())  # no workspace was made


def test_add_many_checks_its_arguments_before_writing(tmp_path):
    """A progress that is no callable failed after the first batch was committed."""
    with dedup.Index.open(tmp_path / "i.db") as index:
        for kwargs, why in (({"progress": 5}, "progress must be a callable"),
                            ({"docs": None}, "docs must be an iterable of documents"),
                            ({"docs": DOCS[0]}, r"docs must be an iterable of documents \(one document: add\(\)\)")):
            with pytest.raises(TypeError, match=why):
                index.add_many(**{"docs": DOCS, **kwargs})
        with pytest.raises(TypeError, match="progress must be a callable"):
            index.clusters(progress=3)
        assert len(index) == 0


def test_bytes_and_empty_paths_read_alike_in_cluster_and_read_corpus(seeds_dir):
    """read_corpus walked a bytes path byte by byte (nothing read); an empty path read the
    working directory."""
    docs, _ = dedup.read_corpus(bytes(seeds_dir))
    assert [d.id for d in docs] == [d.doc_id for d in dedup.cluster(bytes(seeds_dir), jobs=1).documents]
    for call in (lambda: dedup.read_corpus(""), lambda: dedup.cluster("", jobs=1), lambda: dedup.cluster([""], jobs=1)):
        with pytest.raises(dedup.InputError, match="an empty path names no file"):
            call()


def test_a_field_map_refuses_what_config_refuses():
    with pytest.raises(dedup.ConfigError, match="no such field"):
        dedup.FieldMap(idd="newid")
    with pytest.raises(dedup.ConfigError, match="invalid field name id"):
        dedup.FieldMap(id="")


@pytest.mark.parametrize("a, why", [(None, "a: expected a text"), (b"x", "a: expected a text"),
                                    ({"id": "x"}, "a: record has no 'text'")])
def test_compare_names_the_bad_side(a, why):
    with pytest.raises(dedup.InputError, match=why):
        dedup.compare(a, "some text")
    text = " ".join(d["text"] for d in DOCS) * 2
    assert dedup.compare({"text": text}, text).score == 1.0  # a dict needs no id


def test_a_repeated_id_among_records_in_memory_says_which_copy_is_kept():
    """Was "the copy at <record> is kept" (records given in memory have no place)."""
    text = " ".join(d["text"] for d in DOCS) * 2
    report = dedup.cluster([{"id": "a", "text": text}, {"id": "a", "text": text + " More."}], jobs=1)
    assert [p.message for p in report.problems] == [
        "duplicate document id 'a'; another record given in memory (of such copies, the one whose fields sort "
        "first) is kept"]


def test_a_bad_record_given_in_memory_is_named_by_its_id():
    """Records in memory have no place (a report must not depend on their order): a batch
    of thousands said `<record>: record has no 'text'` and nothing to find it by."""
    docs, problems = dedup.read_corpus([{"text": "no id here"}, {"id": "x"}, {"id": 7, "text": "a text", "title": ["a"]},
                                        {"id": 10 ** 5000, "text": "a huge id"}])
    assert [d.id for d in docs] == ["7"]
    assert [str(p) for p in problems] == [
        "<record>: bad field 'id': Value error, id is an integer too long to be a name",  # (no name to give)
        "<record>: field 'title': a list, not text; left out (record id '7')",
        "<record>: record has no 'id'",
        "<record>: record has no 'text' (record id 'x')"]


def test_each_progress_stage_counts_one_thing_and_never_goes_back():
    """A stage's name is one count of one total: "read" counted bytes, then the prepare
    stage's documents under the same name (a bar went from 20,185 back to 5)."""
    from conftest import SEEDS

    calls = []
    dedup.cluster([str(SEEDS)], jobs=1, progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = {}
    for stage, done, total in calls:
        stages.setdefault(stage, []).append((done, total))
    assert {"read", "lines", "segment"} <= stages.keys()
    for stage, counts in stages.items():
        assert len({t for _, t in counts}) == 1, (stage, counts)
        assert [d for d, _ in counts] == sorted(d for d, _ in counts), (stage, counts)
    assert stages["read"][-1][0] == sum(p.stat().st_size for p in SEEDS.glob("*.txt"))


@pytest.mark.parametrize("given", [{"partitions": 2}, {"client": object()}])
def test_the_dask_engines_arguments_with_the_local_engine_are_refused(given):
    """The CLI refuses --partitions without --engine dask; the library ignored them."""
    from conftest import SEEDS

    with pytest.raises(dedup.ConfigError, match="for engine='dask'"):
        dedup.cluster([str(SEEDS)], jobs=1, **given)


def test_a_document_id_with_a_lone_surrogate_is_refused_with_its_place():
    """A lone surrogate is not text: the id is refused, naming the code point and where
    it is (pydantic alone said only "unable to parse raw data as a unicode string")."""
    with pytest.raises(ValueError, match=r"lone surrogate \(U\+D800\) at character 4"):
        dedup.Document(id="wire\ud800x", text="Some text.")
    assert dedup.Document(id="wire\ufffdx", text="Some \ud800 text.").id == "wire\ufffdx"  # text keeps it
