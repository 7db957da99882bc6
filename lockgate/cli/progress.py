"""What `lockgate demo` shows while it works: one line per stage, its tasks, time and outcome.

Airflow's, Spark's and the libraries' output goes to the demo's log file, never to the screen;
a stage that fails puts its failed task's part of that log on the screen in full. On a
terminal a stage's line is a live progress bar (rich); elsewhere (CI, a pipe) it is printed
once, when the stage ends.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

STARTED = re.compile(r"\[DAG TEST\] starting task_id=(\S+)")
ENDED = re.compile(r"\[DAG TEST\] end task task_id=(\S+)")
STATE = re.compile(r"\bnew_state=(\w+)")
# "[DAG TEST] running task <TaskInstance: lockgate_pipeline.routing.train_model manual__... [...]>"
RUNNING = re.compile(r"<TaskInstance: [^.\s]+\.\S+ (\S+) \[")
TRY = re.compile(r"\btry_number=(\d+)")
# Lines of `lockgate.orchestration.dag_tests`, which runs several dates in one process.
RUN_STARTS = re.compile(r"^===== lockgate dags test: starting (\S+) (\S+)$")
RUN_ENDED = re.compile(r"^===== lockgate dags test: ended (\S+) (\S+) (\w+)$")
FAILED_STATES = ("failed", "upstream_failed")


@dataclass
class Stage:
    """What a logged command did: its tasks' states in the order they ended, its log lines per
    task, its exit code and how long it took."""

    label: str
    returncode: int = 0
    seconds: float = 0.0
    states: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)
    run_id: str | None = None
    tries: dict[str, int] = field(default_factory=dict)
    final: str | None = None  # the DAG run's state, when the command said it

    @property
    def failed_tasks(self) -> list[str]:
        return [task for task, state in self.states.items() if state in FAILED_STATES]

    def outcome(self) -> str:
        counts = Counter(self.states.values())
        return ", ".join(f"{n} {state}" for state, n in counts.most_common())


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class Screen:
    """The demo's screen and its log file (appended to; every command's output goes there)."""

    def __init__(self, log: Path, console: Console | None = None) -> None:
        self.log = log
        self.console = console or Console(highlight=False, soft_wrap=True, emoji=False)
        log.parent.mkdir(parents=True, exist_ok=True)

    def say(self, text: str = "") -> None:
        self.console.print(text, markup=False)

    def run(self, label: str, args: list[str], env: dict[str, str]) -> Stage:
        """Run `args` with its output appended to the log; show `label`, the tasks done so far,
        the one running and the time; return what it did."""
        return self.runs(label, args, env)[0]

    def runs(self, label: str, args: list[str], env: dict[str, str]) -> list[Stage]:
        """`run` for a command that runs several DAG runs one after another (`dags_tests`):
        a stage per run, each labelled with its DAG and date, timed from its start."""
        stages = [Stage(label)]
        stage = stages[0]
        current: str | None = None
        started = time.monotonic()
        # A DAG's task count is not known before its run starts: the bar pulses, the count grows.
        columns = [
            TextColumn("  {task.description}"),
            BarColumn(bar_width=20),
            TextColumn("{task.completed} tasks done"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[now]}"),
        ]
        with (
            self.log.open("a", encoding="utf-8") as log,
            Progress(
                *columns, console=self.console, transient=True, disable=not self.console.is_terminal
            ) as progress,
        ):
            log.write(f"\n===== {label}: {' '.join(args)}\n")
            log.flush()
            bar = progress.add_task(label, total=None, now="")
            process = subprocess.Popen(
                args,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                if found := RUN_STARTS.match(line):
                    if stage.sections or stage.final:
                        stage.seconds = time.monotonic() - started
                        stage = Stage("")
                        stages.append(stage)
                        started = time.monotonic()
                    stage.label = f"{found.group(1)} {found.group(2)}"
                    progress.update(bar, description=stage.label, completed=0)
                if found := RUN_ENDED.match(line):
                    stage.final = found.group(3)
                if found := STARTED.search(line):
                    current = found.group(1)
                    stage.sections[current] = []
                    progress.update(bar, now=current)
                if current is not None:
                    stage.sections[current].append(line)
                    if found := STATE.search(line):
                        stage.states[current] = found.group(1)
                    if stage.run_id is None and (found := RUNNING.search(line)):
                        stage.run_id = found.group(1)
                    if found := TRY.search(line):
                        stage.tries[current] = int(found.group(1))
                if (found := ENDED.search(line)) and found.group(1) == current:
                    stage.states.setdefault(current, "unknown")
                    progress.update(bar, advance=1, now="")
                    current = None
            returncode = process.wait()
            log.flush()
        stage.seconds = time.monotonic() - started
        for each in stages[:-1]:  # ended, or the next would not have started
            each.returncode = 0 if each.final == "success" else 1
        stage.returncode = returncode
        return stages

    def report(self, stage: Stage, detail: str = "") -> None:
        """The stage's one line; for a failed task its section of the log, in full."""
        failed = stage.failed_tasks or stage.returncode != 0
        mark = "FAILED" if failed else "done"
        self.say(
            f"  {stage.label:<44} {stage.outcome():<28} {minutes(stage.seconds):>5}  {mark}"
            + (f"  {detail}" if detail else "")
        )
        for task in stage.failed_tasks:
            self.say(f"\n----- {task} (from {self.log}) -----")
            self.say("".join(stage.sections.get(task, [])).rstrip())
            self.say("-----")


def keep_task_logs(stage: Stage, dag_id: str, base_log_folder: Path) -> list[Path]:
    """Write each task's part of an `airflow dags test` run's output where Airflow's UI reads a
    task's log (`dag_id=/run_id=/task_id=/attempt=N.log`, its default file name template):
    `dags test` runs the tasks in its own process and writes no task log of its own."""
    if stage.run_id is None:
        return []
    written = []
    for task, lines in stage.sections.items():
        folder = base_log_folder / f"dag_id={dag_id}" / f"run_id={stage.run_id}" / f"task_id={task}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"attempt={stage.tries.get(task, 1)}.log"
        path.write_text("".join(lines), encoding="utf-8")
        written.append(path)
    return written
