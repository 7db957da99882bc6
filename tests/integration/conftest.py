"""The demo home the end-to-end suites share: `make demo` with its change-management story, run
once per session rather than once per suite; and that home with two months of monitored
correspondence after it, for monitoring's suite and the UI's.

Under `make test` (pytest -n 2, tests/conftest.py) the files that use it run in one worker, in
file order on a single home, each adding to it as a user would: the pipeline suite retrains,
trains a plug-in model and a refused candidate; the UI suite then shows it, and has the
scheduler run a drift-triggered retraining and a daily run on it.
LOCKGATE_TEST_DEMO_HOME reuses a home kept from an earlier run while working on a suite (it is
then changed in place; use it with one process).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import BIN, STORY_DATE, STORY_DOCUMENTS, local_env, run, run_demo

DEMO_OUTPUT = "demo-output.txt"  # what `lockgate demo` printed, kept in the home
DEMO_ERRORS = "demo-errors.txt"  # and what it wrote to stderr (on a terminal, the same screen)


@pytest.fixture(scope="session")
def story_home(tmp_path_factory) -> dict[str, str]:
    """The environment of a home where `lockgate demo` has run, story included."""
    kept = os.environ.get("LOCKGATE_TEST_DEMO_HOME")
    home = Path(kept) if kept else tmp_path_factory.mktemp("lockgate-story-home")
    env = local_env(home)
    if not kept:
        result = run_demo(env, STORY_DATE, STORY_DOCUMENTS)
        (home / DEMO_OUTPUT).write_text(result.stdout)
        (home / DEMO_ERRORS).write_text(result.stderr)
    return env


@pytest.fixture(scope="session")
def story_output(story_home) -> str:
    """What the story's `lockgate demo` printed."""
    return (Path(story_home["LOCKGATE_HOME"]) / DEMO_OUTPUT).read_text()


@pytest.fixture(scope="session")
def story_errors(story_home) -> str:
    """What the story's `lockgate demo` wrote to stderr."""
    return (Path(story_home["LOCKGATE_HOME"]) / DEMO_ERRORS).read_text()


# Two "months" after the story's day, fifteen days of 72 documents each: the usual population,
# then a shifted one (complaints and KYC surge, most letters in German, from firms never seen
# before). Contiguous, so one extraction and one scoring application backfill both. Fifteen
# fuller days rather than thirty: a day costs its Spark jobs whatever its size, and the monitor
# judges a 7-day window (504 documents) either way. They start after any day this suite runs
# on, so the scheduler test's daily run (today) never lands in them.
DAYS = 15
USUAL = ("2026-12-31", "2027-01-14")
SHIFTED = ("2027-01-15", "2027-01-29")
PER_DAY = 72
SHIFTED_MIX = {
    "departments": {
        "complaints": 35,
        "kyc": 30,
        "payments": 10,
        "settlements": 10,
        "custody": 8,
        "corporate_actions": 7,
    },
    "languages": {"de": 60, "en": 25, "fr": 8, "nl": 7},
    "correspondents": [
        "neue-wertpapier.de",
        "zugspitze-invest.de",
        "baltic-custody.ee",
        "nordlicht-kapital.de",
        "adriatic-securities.hr",
        "vistula-brokers.pl",
    ],
}


@pytest.fixture(scope="session")
def monitored_months(story_home, tmp_path_factory) -> dict[str, str]:
    """The story home with both months landed, extracted and scored in prod (two applications);
    a home kept through LOCKGATE_TEST_DEMO_HOME that has them already is used as it is."""
    env = story_home
    scored = Path(
        env["LOCKGATE_HOME"], "lake", "scores", "prod", "routing", f"run_date={SHIFTED[1]}"
    )
    if os.environ.get("LOCKGATE_TEST_DEMO_HOME") and scored.exists():
        return env
    lockgate, submit = str(BIN / "lockgate"), [str(BIN / "spark-submit"), "--master", "local[2]"]
    mix = tmp_path_factory.mktemp("mix") / "shifted.json"
    mix.write_text(json.dumps(SHIFTED_MIX))
    # Monitoring reads documents, never labels, and a day's labels come long after it is scored:
    # the months arrive unlabelled, as production mail does. The suites that retrain on this
    # home later then learn what the story and people labelled, not 2,000 more documents (which
    # cost CI minutes, not coverage).
    generate = [lockgate, "corpus", "--days", str(DAYS), "--documents", str(PER_DAY)]
    generate.append("--unlabelled")
    run([*generate, "--run-date", USUAL[0]], env)
    run([*generate, "--run-date", SHIFTED[0], "--mix", str(mix)], env)
    decided = Path(env["LOCKGATE_HOME"], "lake", "label_store", "decisions")
    assert not [d for d in decided.iterdir() if d.name >= f"decided_on={USUAL[0]}"]
    backfill = ["--run-date", USUAL[0], "--until", SHIFTED[1]]
    run(submit + ["jobs/extract_documents.py", *backfill], env, timeout=2400)
    run(submit + ["jobs/score_documents.py", *backfill, "--environment", "prod"], env, timeout=2400)
    return env
