"""The demo home the integration suites share: `make demo` with its change-management story, run
once per session (about 14 minutes in CI) rather than once per suite.

The suites run in file order on it, each adding to it as a user would: the pipeline suite reruns
the day, retrains, trains a plug-in model and a refused candidate; the UI suite then shows it.
LOCKGATE_TEST_DEMO_HOME reuses a home kept from an earlier run while working on a suite (it is
then changed in place).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import STORY_DATE, STORY_DOCUMENTS, local_env, run_demo

DEMO_OUTPUT = "demo-output.txt"  # what `lockgate demo` printed, kept in the home


@pytest.fixture(scope="session")
def story_home(tmp_path_factory) -> dict[str, str]:
    """The environment of a home where `lockgate demo` has run, story included."""
    kept = os.environ.get("LOCKGATE_TEST_DEMO_HOME")
    home = Path(kept) if kept else tmp_path_factory.mktemp("lockgate-story-home")
    env = local_env(home)
    if not kept:
        (home / DEMO_OUTPUT).write_text(run_demo(env, STORY_DATE, STORY_DOCUMENTS).stdout)
    return env


@pytest.fixture(scope="session")
def story_output(story_home) -> str:
    """What the story's `lockgate demo` printed."""
    return (Path(story_home["LOCKGATE_HOME"]) / DEMO_OUTPUT).read_text()
