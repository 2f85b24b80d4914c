"""One pair on its own: :func:`compare`, the pipeline's judgement of two texts with no
corpus (nothing is rare, nothing OCR-noisy), through the same stages as :func:`dedup.cluster`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional, Union

from .config import Config, given_config
from .engines import Inline
from .errors import InputError
from .models import Comparison, Document
from .stages.facts import fact_mask
from .stages.ingest import to_document
from .stages.link import align_judged
from .stages.prepare import prepare_corpus
from .stages.provenance import coverage, passages, rounded, weighted_score
from .storage.spill import workdir
from .storage.workspace import DocStore


def _side(name: str, x) -> Document:
    """One side of :func:`compare` as a Document named ``name``."""
    if isinstance(x, str):
        x = {"text": x}
    elif isinstance(x, Document):
        x = x.model_dump()
    elif not isinstance(x, Mapping):
        raise InputError(f"{name}: expected a text, a dedup.Document or a dict with 'text', got {type(x).__name__}")
    try:
        return to_document({**x, "id": name})
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def compare(a: Union[str, Document, dict], b: Union[str, Document, dict], config: Optional[Config] = None) -> Comparison:
    """Align two texts on their own (no corpus statistics): passages, score, coverage.

    ``kind`` is ``template`` when the passages differ in their facts (see
    :mod:`dedup.stages.template`). Default settings: :meth:`Config.pairwise`. Symmetric: ``compare(b, a)`` mirrors
    ``compare(a, b)``; a text compared with itself is a duplicate with score 1 when it
    has the words of a passage (``min_passage_tokens``: a shorter text, or one of emoji or
    punctuation alone, has too few to match and is unrelated to everything). A dict needs
    no ``id``. A bad ``a`` or ``b`` is an :class:`InputError` naming it.
    """
    cfg = given_config(config, Config.pairwise)
    # Renamed "a" and "b" so that two documents with one id stay two, in this order.
    da, db = (_side(k, x) for k, x in (("a", a), ("b", b)))
    with workdir() as tmp:
        docs = DocStore(tmp)
        prepared = None
        try:
            docs.add_all([da, db], [])
            prepared, _ = prepare_corpus(docs, tmp, cfg, engine=Inline())
            pa, pb = prepared[0], prepared[1]
        finally:
            (prepared or docs).close()
    # the corpus's judgement of one pair, with no corpus: nothing is rare, nothing OCR-noisy
    text = (da.text, db.text)  # by document number: the workspace kept the texts
    kind, spans, _ = align_judged(pa, pb, 2, cfg, facts=lambda p: fact_mask(text[p.index], p.starts, p.ends, p.hashes),
                                  texts=lambda p: (text[p.index], p.starts, p.ends))
    cov_a, cov_b = coverage(spans, pa.ntokens, pb.ntokens)
    return Comparison(
        kind=kind,
        score=rounded(weighted_score(spans)),
        coverage_source=rounded(cov_a),
        coverage_target=rounded(cov_b),
        passages=passages(pa, pb, spans),
    )
