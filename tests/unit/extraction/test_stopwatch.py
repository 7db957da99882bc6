"""Where extraction's time goes: the stopwatch the benchmarks read, and that it is off otherwise."""

from __future__ import annotations

from lockgate.extraction import Limits, extract_batch
from lockgate.extraction.stopwatch import Stopwatch, stage

LETTER = (
    b"From: Anna Weber <anna@example.de>\nSubject: Zahlung\n\n"
    b"Bitte ueberweisen Sie 1.234,56 EUR bis 17.03.2026 auf DE89 3704 0044 0532 0130 00.\n"
    b"Tel.: +49 30 1234567\n\nMit freundlichen Gruessen\nAnna Weber\n"
)
HTML = b"<html><head><title>t</title></head><body><p>Betrag 10,00 EUR</p></body></html>"


def test_a_batch_under_a_stopwatch_reports_each_stage_it_passed_through():
    with Stopwatch() as watch:
        extract_batch([("a.eml", LETTER), ("b.html", HTML)], Limits())
    assert {"parse.eml", "parse.html", "html_to_text", "language", "country", "mask"} <= set(
        watch.seconds
    )
    assert {f"field.{kind}" for kind in ("IBAN", "AMOUNT", "DATE", "PHONE")} <= set(watch.calls)
    assert watch.calls["parse.eml"] == 1 and watch.calls["parse.html"] == 1
    # each section of each document is read by every field finder once: subject and body of
    # the letter, title and body of the page
    assert watch.calls["field.IBAN"] == 4
    assert all(seconds >= 0 for seconds in watch.seconds.values())


def test_stages_nest_and_time_outside_a_stopwatch_is_not_counted():
    extract_batch([("a.eml", LETTER)], Limits())  # no stopwatch: nothing to report to
    with Stopwatch() as watch:
        with stage("outer"):
            with stage("inner"):
                sum(range(200_000))
    assert watch.seconds["outer"] >= watch.seconds["inner"] > 0
    assert set(watch.seconds) == {"outer", "inner"}
    with stage("after"):
        pass
    assert "after" not in watch.seconds
