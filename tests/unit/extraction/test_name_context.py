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
        (
            "Vorstand: Roland Boekhout (Vorsitzender), Bernd Geilen,\nZeljko Kaurin   Sitz: Frankfurt",
            [("Roland Boekhout", "role"), ("Bernd Geilen", "role"), ("Zeljko Kaurin", "role")],
        ),
        ("Geschäftsführer: Martin Hetzner Tel.: 09831 5050", [("Martin Hetzner", "role")]),
        ("thanks!\n-- \r\nEv Kontsevoy,\r\nCo-founder and CEO", [("Ev Kontsevoy", "party")]),
        ("Zahlbar durch\nPeter Muster\nMusterstrasse 1", [("Peter Muster", "party")]),
        ("Ansprechpartner: Tim Kleine\nAnschrift", [("Tim Kleine", "label")]),
        ("Besteller: Hr. Mayer, Personalnr. 4488", [("Mayer", "honorific")]),
        ("Sent: Friday\nTo: Dan Le\nSubject: The manager", [("Dan Le", "header")]),
        (
            "Bei Spiel GmbH\nTheodor Est\nBahnstr. 42\n88802 Spielkreis\n",
            [("Theodor Est", "address")],
        ),
        (
            "ALEXINUX\nde Lattre Alexis\n27 rue Henri Rolland\n69100 Villeurbanne",
            [("de Lattre Alexis", "address")],
        ),
        ("> On Tuesday, 1 May 2012 at 4:19 PM, bob wrote:\n> > Hi", [("bob", "wrote")]),
        ("Mitglieder der Geschäftsleitung\nT. Müller Prokurist\n", [("T. Müller", "initial")]),
        (
            "The GnuPG hackers,\n\n   Andre, dkg, gniibe, Justus, Marcus, Neal, and Werner\n\n",
            [
                ("Andre", "list"),
                ("Justus", "list"),
                ("Marcus", "list"),
                ("Neal", "list"),
                ("Werner", "list"),
            ],
        ),
        ("Hopefully this works...\n\nJeff\n\n", [("Jeff", "sign-off")]),
    ],
)
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
        "Name: Lieferant GmbH & Co. KG\nAnschrift",  # a company after a name label
        "LE FOURNISSEUR\n12 rue de la Paix\n75002 Paris",  # capitals, no known name
        "To: xxx <x@example.com>; xxx <y@example.com>",  # no known name in the header
        "Price, Quantity, Total, Amount",  # a table header, not a list of people
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
