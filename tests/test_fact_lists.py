"""Names and figures count as evidence of copying only as far as wording stands beside
them (dedup.stages.event.unlicensed_facts): a team sheet or a list of names that two
different stories both carry does not link them; a copied sentence that names people
does, and so does a short table issued again."""

import random

import dedup
from textgen import PSEUDO_VOCAB as VOCAB, pseudo_word


def _sentence(rng: random.Random, n: int = 16) -> str:
    words = [rng.choice(VOCAB) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _story(rng: random.Random, sentences: int = 12) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _names(rng: random.Random, n: int) -> list[str]:
    return [pseudo_word(rng).capitalize() + " " + pseudo_word(rng).capitalize() for _ in range(n)]


def _corpus(shared: str, seed: int = 3) -> list[dict]:
    """Two reports of different stories that both carry ``shared`` in their middle, and
    60 unrelated texts (so that words have a rarity)."""
    rng = random.Random(seed)
    a = f"{_story(rng, 6)}\n\n{shared}\n\n{_story(rng, 6)}"
    b = f"{_story(rng, 6)}\n\n{shared}\n\n{_story(rng, 6)}"
    docs = [{"id": "a", "text": a}, {"id": "b", "text": b}]
    return docs + [{"id": f"other{k}", "text": _story(rng, 5)} for k in range(60)]


def _linked(report, x: str = "a", y: str = "b") -> bool:
    return any({link.source, link.target} == {x, y} for c in report.clusters for link in c.links)


def test_a_team_sheet_shared_by_two_different_stories_does_not_link_them():
    rng = random.Random(7)
    sheet = ", ".join(_names(rng, 22)) + "."
    assert not _linked(dedup.cluster(_corpus(sheet)))


def test_a_copied_sentence_that_names_people_still_links():
    rng = random.Random(7)
    names = _names(rng, 3)
    words = [rng.choice(VOCAB) for _ in range(36)]
    for k, name in zip((5, 17, 29), names):
        words[k] = name
    shared = words[0].capitalize() + " " + " ".join(words[1:]) + "."
    assert _linked(dedup.cluster(_corpus(shared)))


def test_a_short_table_issued_again_is_a_copy():
    rng = random.Random(11)
    table = "Results: " + ", ".join(f"{name} {rng.randint(10, 99)}" for name in _names(rng, 14)) + "."
    docs = [{"id": "a", "text": table}, {"id": "b", "text": table + " Corrected."}]
    docs += [{"id": f"other{k}", "text": _story(rng, 5)} for k in range(60)]
    assert _linked(dedup.cluster(docs))


def test_a_team_sheet_in_lines_of_positions_does_not_link_two_stories():
    """Team sheets list positions between semicolons ("R O'Gara, P Stringer; R Corrigan"):
    a capital after a semicolon is a name, not a sentence's first word."""
    rng = random.Random(5)
    initials = [chr(ord("A") + rng.randrange(26)) + " " + pseudo_word(rng).capitalize() for _ in range(22)]
    sheet = "; ".join(", ".join(initials[k:k + 3]) for k in range(0, 22, 3)) + "."
    assert not _linked(dedup.cluster(_corpus(sheet)))


def test_a_capital_after_a_semicolon_is_a_name():
    from dedup.stages.facts import fact_mask
    from dedup.stages.normalize import tokenize

    text = "the side was named in the morning and the coach kept faith with the pack; Corrigan starts."
    s, e, h = tokenize(text)
    assert [text[a:b] for a, b, u in zip(s.tolist(), e.tolist(), fact_mask(text, s, e, h).tolist()) if u >= 0] == ["Corrigan"]


def _facts(text: str) -> list[str]:
    from dedup.stages.facts import fact_mask
    from dedup.stages.normalize import tokenize

    s, e, h = tokenize(text)
    return [text[a:b] for a, b, u in zip(s.tolist(), e.tolist(), fact_mask(text, s, e, h).tolist()) if u >= 0]


def test_a_capital_after_a_joined_full_stop_or_hyphen_is_a_name():
    """A full stop or a hyphen joined to the next word is inside a name or a code
    ("AVMD.PA", "Dassault-Breguet"); followed by a space, it still ends a sentence or a clause."""
    text = "the maker, Avions Marcel Dassault-Breguet Aviation <AVMD.PA>, said so. Deliveries stop - Egypt waits."
    assert _facts(text) == ["Avions", "Marcel", "Dassault", "Breguet", "Aviation", "AVMD", "PA"]


def test_a_company_name_with_its_code_does_not_link_two_stories():
    """Two stories about one company that share only its full name and stock code (a
    name, however rare its words) are not copies."""
    rng = random.Random(11)
    name = "Avions " + " ".join(pseudo_word(rng).capitalize() + "-" + pseudo_word(rng).capitalize() for _ in range(4))
    code = "<" + ".".join(pseudo_word(rng)[:4].upper() for _ in range(3)) + ">"
    docs = _corpus(f"{name} {code} has")
    assert not _linked(dedup.cluster(docs))


def test_an_apostrophe_after_a_capital_is_inside_a_name():
    """"O'Driscoll", "D’Arcy": the capital after the apostrophe goes on with the name (one
    fact), where a quote that opens after a space still starts its words afresh."""
    from dedup.stages.facts import fact_mask
    from dedup.stages.normalize import tokenize

    text = "the coach kept faith with Murphy, O'Driscoll and D\u2019Arcy and said 'Nothing' here."
    s, e, h = tokenize(text)
    mask = fact_mask(text, s, e, h).tolist()
    facts = {}
    for a, b, u in zip(s.tolist(), e.tolist(), mask):
        if u >= 0:
            facts.setdefault(u, []).append(text[a:b])
    assert sorted(facts.values()) == [["D", "Arcy"], ["Murphy"], ["O", "Driscoll"]]


def test_a_team_sheet_of_names_with_apostrophes_does_not_link_two_stories():
    """A team sheet whose names carry an apostrophe ("O'Driscoll, D'Arcy, O'Gara") is a
    list of names like any other: the halves after the apostrophes are names too, not
    wording that two different reports share."""
    rng = random.Random(9)
    names = [rng.choice("ODLN") + "'" + pseudo_word(rng).capitalize() for _ in range(22)]
    sheet = "Ireland: " + ", ".join(names) + "."
    assert not _linked(dedup.cluster(_corpus(sheet)))


def test_a_capital_in_brackets_inside_a_sentence_is_a_name():
    """A bracket inside a sentence holds a name ("Robinson (Sale Sharks, capt)"); one that
    opens after a full stop opens a sentence, and a dateline's credit ("(AFP) -") opens
    the story, whichever agency a copy names."""
    lead = "the side was named in the morning and the coach kept faith with the pack "
    assert _facts(lead + "of J Robinson (Sale Sharks, capt) and M Cueto (Wasps).") == [
        "J", "Robinson", "Sale", "Sharks", "M", "Cueto", "Wasps"]
    assert _facts(lead + "at home. (The figures exclude Harlow.)") == ["Harlow"]
    assert _facts(lead + "today.\n\nSTAMFORD, Jan 28 (AFP) - Acme said so.") == ["Jan", "28"]


def test_a_team_sheet_with_clubs_in_brackets_does_not_link_two_stories():
    """Each player with his club in brackets ("J Robinson (Sale Sharks)"): the clubs are
    names too, not wording that two different reports share."""
    rng = random.Random(5)
    clubs = [pseudo_word(rng).capitalize() + " " + pseudo_word(rng).capitalize() for _ in range(6)]
    sheet = "England: " + "; ".join(f"{name} ({clubs[k % 6]})" for k, name in enumerate(_names(rng, 22))) + "."
    assert not _linked(dedup.cluster(_corpus(sheet)))


def test_a_bracket_left_open_at_a_texts_end_is_read_within_its_text():
    """Texts are laid end to end in a batch: a bracket open at one text's end must not
    close in the next text (its facts would depend on which texts share its batch)."""
    from dedup.stages.facts import fact_mask, fact_masks
    from dedup.stages.normalize import tokenize

    lead = "the side was named in the morning and the coach kept faith with the pack "
    docs = [lead + "and Smith (Jones", ") - Brown said the side was ready for the match on Sunday."]
    toks = [tokenize(t) for t in docs]
    batch = fact_masks(docs, [t[0] for t in toks], [t[1] for t in toks], [t[2] for t in toks])
    assert [m.tolist() for m in batch] == [fact_mask(t, *tokenize(t)).tolist() for t in docs]
