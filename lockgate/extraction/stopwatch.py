"""Where extraction's CPU time goes, stage by stage, for the benchmarks (off unless asked for).

`with Stopwatch() as watch: extract_batch(...)` adds the CPU seconds of each stage the
extraction passes through (`parse.pdf`, `language`, `field.PHONE`, `names.model` ...) to
`watch.seconds`; with no stopwatch running, `stage(name)` costs a context-variable look-up.
Stages nest (an e-mail's `parse.eml` includes its HTML part's `html_to_text`): a stage's time
is its own and its inner stages' together.

The clock is the calling thread's CPU time. The process's (`time.process_time`) stops moving
between scheduler ticks once a process-wide CPU timer has been armed, which every document's
time budget does (`budget.time_budget`): a stage of a few microseconds then reads as 0 or as a
whole tick. Extraction runs in one thread, so its own time is the thread's.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

_running: ContextVar[Stopwatch | None] = ContextVar("lockgate_extraction_stopwatch", default=None)


class Stopwatch:
    def __init__(self):
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._token = None

    def __enter__(self) -> Stopwatch:
        self._token = _running.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _running.reset(self._token)

    @contextmanager
    def _timed(self, name: str):
        started = time.thread_time()
        try:
            yield
        finally:
            self.seconds[name] += time.thread_time() - started
            self.calls[name] += 1


def stage(name: str):
    """A context that adds its CPU time to the running stopwatch's `name`, if one runs."""
    watch = _running.get()
    return nullcontext() if watch is None else watch._timed(name)
