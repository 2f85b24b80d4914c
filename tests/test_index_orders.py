"""Adding documents one at a time, in any order (with removals), gives the batch clusters."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup

from index_helpers import mixed_docs

DOCS = mixed_docs()
BATCH = {}


def _batch(ids: frozenset) -> str:
    if ids not in BATCH:
        BATCH[ids] = dedup.cluster([d for d in DOCS if d.id in ids], jobs=1).model_dump_json()
    return BATCH[ids]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(DOCS))), removed=st.integers(0, len(DOCS) - 1),
       bulk=st.integers(0, 4))
def test_any_order_gives_batch_clusters(tmp_path_factory, order, removed, bulk):
    path = tmp_path_factory.mktemp("ix") / "x.db"
    docs = [DOCS[i] for i in order]
    with dedup.Index.open(path, jobs=1) as index:
        index.add_many(docs[:bulk])  # some bulk-loaded first, then one at a time
        for d in docs[bulk:]:
            index.add(d)
        assert index.clusters().model_dump_json() == _batch(frozenset(d.id for d in DOCS))
        gone = docs[removed].id
        index.remove(gone)
        assert index.clusters().model_dump_json() == _batch(frozenset(d.id for d in DOCS) - {gone})
