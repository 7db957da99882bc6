"""A wall-clock budget for one document: a parser that runs too long is interrupted, not waited for."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class BudgetExceeded(BaseException):  # noqa: N818 - BaseException so that parsers' `except Exception` cannot swallow it
    """The document used up its time budget."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise `BudgetExceeded` inside the block after `seconds` (SIGALRM; main thread only).

    Outside the main thread (or on a platform without SIGALRM) the block runs unbounded,
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
        raise BudgetExceeded(f"over the {seconds:g} s budget")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
