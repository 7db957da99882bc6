"""Names the words around them give away (lockgate.extraction.name_context), with the word
lists the name model carries (built here as the model builds them)."""

import pytest

from lockgate.extraction import person_model as pm
from lockgate.extraction.name_context import context_names


@pytest.fixture(scope="module")
def lists():
    return frozenset(pm.name_lexicon()), frozenset(pm.common_words())


def _names(text, lists):
    return [(text[s:e], rule) for s, e, rule in context_names(text, *lists)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hallo Herr Specht,\nentschuldigen Sie", [("Specht", "honorific")]),
        ("Sehr geehrte Frau Dr. Anna Weber, vielen Dank", [("Anna Weber", "honorific")]),
        ("Hello Allan! Did you ask", [("Allan", "greeting")]),
        ("Vorstand: Roland Boekhout (Vorsitzender), Bernd Geilen,\nZeljko Kaurin   Sitz: Frankfurt",
         [("Roland Boekhout", "role"), ("Bernd Geilen", "role"), ("Zeljko Kaurin", "role")]),
        ("Geschäftsführer: Martin Hetzner Tel.: 09831 5050", [("Martin Hetzner", "role")]),
        ("thanks!\n-- \r\nEv Kontsevoy,\r\nCo-founder and CEO", [("Ev Kontsevoy", "party")]),
        ("Zahlbar durch\nPeter Muster\nMusterstrasse 1", [("Peter Muster", "party")]),
    ],
)  # fmt: skip
def test_names_given_away_by_their_context(text, found, lists):
    assert _names(text, lists) == found


@pytest.mark.parametrize(
    "text",
    [
        "Sehr geehrte Damen und Herren,",  # "Herren" is no form of address before a name
        "Hello World! Did you",  # a greeting before a word that is no given name
        "Vorstand: Market News, Annual Report",  # frequent words only
        "Vorsitzender des Aufsichtsrates: Amtsgericht München HRB 1234",  # capitals, frequent
        "Zahlbar durch\nMachina Futura AG\nAlte Fabrik 3A",  # a company
        "-- \nотдел расписания",  # a department, in lower case
    ],
)
def test_context_without_a_name_gives_none(text, lists):
    assert _names(text, lists) == []


def test_the_finder_adds_context_names_only_with_its_word_lists(lists):
    class _Nothing:
        def pipe(self, lines, batch_size):
            from types import SimpleNamespace

            return (SimpleNamespace(ents=[]) for _ in lines)

    text = "Hallo Herr Specht,\nwie besprochen."
    with_lists = pm.PersonFinder(_Nothing(), "test", *lists)
    assert [(e.value, e.confidence) for e in with_lists(text, "body")] == [("Specht", 0.8)]
    assert pm.PersonFinder(_Nothing(), "old", lists[0])(text, "body") == []  # an older blob
