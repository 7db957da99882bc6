"""A document's time budget counts the CPU it makes the parser spend, so a busy machine does not
quarantine good files, and still bounds a wait (a hung subprocess) by a wall-clock ceiling."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from lockgate.extraction.budget import WALL_FACTOR, BudgetExceeded, time_budget


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_work_over_the_budget_is_interrupted():
    started = time.process_time()
    with pytest.raises(BudgetExceeded, match=r"at its budget of 0.2 s of CPU time"):
        with time_budget(0.2):
            _spin(5)
    assert time.process_time() - started < 1


def test_waiting_costs_no_budget():
    """A block that waits longer than its CPU budget (as a file parsed on a loaded machine waits
    for a core) is not interrupted while under the wall-clock ceiling."""
    with time_budget(0.3):
        time.sleep(0.6)  # twice the budget, a third of the ceiling
        _spin(0.1)


def test_a_wait_past_the_ceiling_is_interrupted_and_its_subprocess_killed():
    started = time.monotonic()
    child = None
    with pytest.raises(BudgetExceeded, match=rf"after 0.3 s of wall-clock time \({WALL_FACTOR} "):
        with time_budget(0.05):
            child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                child.wait()
            finally:
                child.kill()
    assert time.monotonic() - started < 5
    assert child.wait(timeout=10) is not None


def test_the_timers_and_handlers_are_restored():
    import signal

    before = (signal.getsignal(signal.SIGPROF), signal.getsignal(signal.SIGALRM))
    with time_budget(1):
        _spin(0.01)
    assert (signal.getsignal(signal.SIGPROF), signal.getsignal(signal.SIGALRM)) == before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
