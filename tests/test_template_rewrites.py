"""A series issue whose formula sentence is restated with new facts (paired only as a
rewritten sentence) is judged a template with it; a copy's rewritten sentence is not."""

import random

import dedup
from textgen import PSEUDO_VOCAB as VOCAB, pseudo_word

NAMES = sorted({pseudo_word(random.Random(10_000 + k)).capitalize() for k in range(60)})
FIGURES = [str(100 + 37 * k) for k in range(60)]


def _sent(words: list[str]) -> str:
    return " ".join([words[0].capitalize(), *words[1:]]) + "."


def _corpus(lead_b, facts_in_lead: bool = True, seed: int = 3):
    """Two texts: a first sentence (every other word a fact, or none a fact), then two
    sentences of fixed wording (names repeated; the last one's closing figure differs, as
    a series' or a correction's does); 60 other texts name the facts too (so none is a word
    no other text has)."""
    rng = random.Random(seed)
    facts = NAMES + FIGURES
    wording = [rng.choice(VOCAB) for _ in range(10 if facts_in_lead else 20)]
    lead_a = [w for w in wording for w in (w, rng.choice(facts))] if facts_in_lead else wording
    fixed = [[rng.choice(VOCAB) for _ in range(14)] + [rng.choice(NAMES), rng.choice(NAMES)] for _ in range(2)]
    tail_a, tail_b = [*fixed[1], "in", FIGURES[1]], [*fixed[1], "in", FIGURES[2]]
    a = " ".join(_sent(s) for s in (lead_a, fixed[0], tail_a))
    b = " ".join(_sent(s) for s in (lead_b(lead_a, wording, rng), fixed[0], tail_b))
    docs = [{"id": "a", "text": a, "date": "2020-01-01"}, {"id": "b", "text": b, "date": "2020-01-02"}]
    for k in range(60):
        words = [rng.choice(VOCAB) for _ in range(40)] + [facts[(3 * k + i) % len(facts)] for i in range(8)]
        rng.shuffle(words)
        docs.append({"id": f"o{k}", "text": _sent(words)})
    return docs


def _link(docs):
    report = dedup.cluster(docs)
    for c in list(report.clusters) + list(report.templates):
        for link in c.links:
            if {link.source, link.target} == {"a", "b"}:
                return link
    return None


def test_a_formula_sentence_restated_with_new_facts_makes_the_pair_a_template():
    # the next issue states every fact of the formula's sentence anew: too broken for word
    # alignment, paired as a rewritten sentence, whose changes are all facts
    def new_issue(lead_a, wording, rng):
        return [w for w in wording for w in (w, rng.choice(NAMES + FIGURES))]

    assert _link(_corpus(new_issue)).kind == "template"


def test_a_copy_with_a_reworded_sentence_stays_a_copy():
    # every other word of the first sentence reworded, no fact in it: paired as a rewritten
    # sentence too, whose changes are wording, not facts
    def reworded(lead_a, wording, rng):
        return [w if k % 2 else rng.choice(VOCAB) for k, w in enumerate(lead_a)]

    link = _link(_corpus(reworded, facts_in_lead=False))
    assert link.kind in ("duplicate", "partial")
    assert link.passages[0].source_start == 0  # the reworded sentence is a passage (a rewrite)
