"""The OCR flag: a high share of one-off words, when they are several different words."""
import random

import numpy as np

from benchmarks.synth.transforms import ocr_noise
from dedup.config import Config
from dedup.engines import Inline
from dedup.pipeline import ingest_corpus
from dedup.stages.prepare import is_noisy, noisy_flags, prepare_corpus
from dedup.storage.spill import workdir
from dedup.storage.workspace import DocStore
from textgen import article

BANKS = ("Zorvath", "Kelmoor", "Dunraven", "Ashcombe", "Velloria", "Brantwick")


def notice(bank: str) -> str:
    return f"{bank} Bancshares said its {bank} National Bank raised the prime rate to 7-3/4 pct from 7-1/2 pct, effective immediately."


def test_one_rare_name_said_twice_is_no_damage():
    ntokens = np.array([25, 25, 25, 19])
    single_tokens = np.array([2, 3, 3, 3])  # shares 8%, 12%, 12%, 16%
    single_words = np.array([1, 1, 3, 3])
    assert noisy_flags(single_tokens, ntokens, 100, single_words).tolist() == [False, False, True, False]


def _prepared(docs):
    with workdir(None) as tmp:
        store = DocStore(tmp)
        ingest_corpus(store, docs, [])
        prepared, facts = prepare_corpus(store, tmp, Config(), lambda *x: None, engine=Inline())
        try:
            return {f.doc_id: (bool(prepared.noisy[k]), is_noisy(prepared[k], len(docs))) for k, f in enumerate(facts)}
        finally:
            prepared.close()


def test_notices_naming_their_issuer_twice_are_not_flagged_a_scan_is():
    # Before: each bank's notice (23 words) held its name twice, 9% one-off tokens, and
    # was flagged OCR-damaged (Reuters' Boatmen's prime-rate notice: its template pair
    # with First Chicago's was then judged as a damaged copy).
    scan = ocr_noise(article(7), random.Random(1), 0.04)
    docs = ([{"id": f"notice{k}", "text": notice(b)} for k, b in enumerate(BANKS)] + [{"id": "scan", "text": scan}]
            + [{"id": f"bg{i}", "text": article(500 + i)} for i in range(10)])
    flags = _prepared(docs)
    assert [flags[f"notice{k}"] for k in range(len(BANKS))] == [(False, False)] * len(BANKS)
    assert flags["scan"] == (True, True)
    # the index's flag (one document's df) agrees with the batch's on every document
    assert all(batch == one for batch, one in flags.values())
