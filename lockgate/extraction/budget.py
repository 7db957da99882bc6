"""A CPU-time budget for one document: a parser that works too long is interrupted, not waited for.

CPU time, not wall time: what a hostile file costs is the work it makes the parser do, and on a
loaded machine (two Spark jobs on two cores) a wall-clock budget would quarantine good files
that only waited for a core. Waits are bounded too, by a wall-clock ceiling of `WALL_FACTOR`
times the budget: the OCR subprocess's CPU is not this process's, and a wait is not work.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# On two busy cores a process gets a third of one (load 6 measured under `make test`): six times
# the CPU budget in wall time is a wait no document needs.
WALL_FACTOR = 6


class BudgetExceeded(BaseException):  # noqa: N818 - BaseException so that parsers' `except Exception` cannot swallow it
    """The document used up its time budget."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise `BudgetExceeded` inside the block after `seconds` of the process's CPU time
    (ITIMER_PROF) or `WALL_FACTOR` times that in wall time (ITIMER_REAL); main thread only.

    Outside the main thread (or on a platform without setitimer) the block runs unbounded,
    and the caller's elapsed-time check is the only guard.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _expire(signum, frame):
        if signum == signal.SIGPROF:
            raise BudgetExceeded(f"at its budget of {seconds:g} s of CPU time")
        raise BudgetExceeded(
            f"after {seconds * WALL_FACTOR:g} s of wall-clock time ({WALL_FACTOR} "
            f"times its CPU budget of {seconds:g} s)"
        )

    previous = {sig: signal.signal(sig, _expire) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
