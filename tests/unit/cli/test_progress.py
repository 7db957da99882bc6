"""The demo's screen: a command's output goes to the log, the screen gets one line per stage,
and a failed task's part of the log in full."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from lockgate.cli.progress import Screen, keep_task_logs

# What `airflow dags test` writes about a run of two tasks, the second failing (the lines
# lockgate reads, among others it does not).
DAG_TEST = """
import sys
print("2026-12-06T10:38:01Z [info] [DAG TEST] starting task_id=extract map_index=-1")
print("[info] [DAG TEST] running task <TaskInstance: lockgate_pipeline.extract "
      "manual__2026-12-06T10:38:01.377457+00:00 [TaskInstanceState.SCHEDULED]>")
print("WARN SparkContext: noise from the JVM")
print("[info] Task instance state updated new_state=success rows_affected=1")
print("2026-12-06T10:38:49Z [info] [DAG TEST] end task task_id=extract map_index=-1")
print("[info] [DAG TEST] starting task_id=train map_index=-1")
print("[info] Pushing xcom ti=RuntimeTaskInstance(task_id='train', try_number=2, map_index=-1)")
print("Traceback (most recent call last):\\n  ValueError: the gate's thresholds are missing")
print("[info] Task instance state updated new_state=failed rows_affected=1")
print("[info] [DAG TEST] end task task_id=train map_index=-1")
sys.exit(1)
"""


def _screen(tmp_path):
    out = io.StringIO()
    console = Console(file=out, highlight=False, soft_wrap=True, emoji=False, width=200)
    return Screen(tmp_path / "logs" / "demo.log", console), out


def test_a_run_goes_to_the_log_and_the_screen_gets_one_line_and_the_failed_task(tmp_path):
    screen, out = _screen(tmp_path)
    stage = screen.run("lockgate_pipeline 2026-11-20", [sys.executable, "-c", DAG_TEST], {})
    assert stage.returncode == 1
    assert stage.states == {"extract": "success", "train": "failed"}
    assert stage.failed_tasks == ["train"]
    assert stage.outcome() == "1 success, 1 failed"
    assert out.getvalue() == ""  # nothing reaches a screen that is not a terminal while it runs
    log = (tmp_path / "logs" / "demo.log").read_text()
    assert "noise from the JVM" in log and "ValueError" in log
    assert log.startswith("\n===== lockgate_pipeline 2026-11-20: ")

    screen.report(stage)
    shown = out.getvalue().splitlines()
    assert shown[0].split() == [
        "lockgate_pipeline",
        "2026-11-20",
        "1",
        "success,",
        "1",
        "failed",
        shown[0].split()[6],
        "FAILED",
    ]
    assert "ValueError: the gate's thresholds are missing" in out.getvalue()
    assert "noise from the JVM" not in out.getvalue()  # the succeeded task's log stays in the file


def test_a_clean_run_is_one_line_and_the_log_keeps_every_run(tmp_path):
    screen, out = _screen(tmp_path)
    for day in ("2026-11-21", "2026-11-22"):
        ok = DAG_TEST.replace("new_state=failed", "new_state=success").replace("sys.exit(1)", "")
        stage = screen.run(f"lockgate_scoring {day}", [sys.executable, "-c", ok], {})
        screen.report(stage, "scored")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(line.endswith("done  scored") for line in lines)
    assert "2 success" in lines[0]
    assert (tmp_path / "logs" / "demo.log").read_text().count("=====") == 2


def test_each_tasks_part_of_the_run_is_kept_where_airflows_ui_reads_task_logs(tmp_path):
    screen, _ = _screen(tmp_path)
    stage = screen.run("lockgate_pipeline 2026-11-20", [sys.executable, "-c", DAG_TEST], {})
    written = keep_task_logs(stage, "lockgate_pipeline", tmp_path / "airflow" / "logs")
    run = (
        tmp_path
        / "airflow"
        / "logs"
        / "dag_id=lockgate_pipeline"
        / ("run_id=manual__2026-12-06T10:38:01.377457+00:00")
    )
    assert written == [
        run / "task_id=extract" / "attempt=1.log",
        run / "task_id=train" / "attempt=2.log",
    ]
    assert "noise from the JVM" in written[0].read_text()
    assert "ValueError" in written[1].read_text() and "JVM" not in written[1].read_text()


def test_runs_of_several_dates_in_one_process_get_a_stage_each(tmp_path):
    """`lockgate.orchestration.dag_tests` runs the soak days in one process: each date gets its
    own line, tasks, run id and state; a failed second date fails that date only."""
    from lockgate.orchestration.dag_tests import RUN_ENDED, RUN_STARTS

    ok = DAG_TEST.replace("new_state=failed", "new_state=success").replace("sys.exit(1)", "")
    body = ok.replace("import sys", "")
    failing = (
        DAG_TEST.replace("import sys", "")
        .replace("sys.exit(1)", "")
        .replace("2026-12-06T10:38:01.377457", "2026-12-06T10:40:00.000000")
    )
    script = "\n".join(
        [
            "import sys",
            f"print('{RUN_STARTS} lockgate_scoring 2026-11-21')",
            body,
            f"print('{RUN_ENDED} lockgate_scoring 2026-11-21 success')",
            f"print('{RUN_STARTS} lockgate_scoring 2026-11-22')",
            failing,
            f"print('{RUN_ENDED} lockgate_scoring 2026-11-22 failed')",
            "sys.exit(1)",
        ]
    )
    screen, out = _screen(tmp_path)
    first, second = screen.runs("lockgate_scoring 2026-11-21", [sys.executable, "-c", script], {})
    assert (first.label, first.final, first.returncode) == (
        "lockgate_scoring 2026-11-21",
        "success",
        0,
    )
    assert (second.label, second.final, second.returncode) == (
        "lockgate_scoring 2026-11-22",
        "failed",
        1,
    )
    assert first.states == {"extract": "success", "train": "success"}
    assert second.failed_tasks == ["train"]
    assert first.run_id == "manual__2026-12-06T10:38:01.377457+00:00"
    assert second.run_id == "manual__2026-12-06T10:40:00.000000+00:00"
    assert "new_state=failed" not in "".join(first.sections["train"])
    assert "new_state=failed" in "".join(second.sections["train"])
    for stage in (first, second):
        screen.report(stage)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  lockgate_scoring 2026-11-21") and lines[0].endswith("done")
    assert lines[1].startswith("  lockgate_scoring 2026-11-22") and lines[1].endswith("FAILED")


def test_the_runs_of_several_dags_are_asked_for_in_order():
    """The demo runs the pipeline's date, then the soak days' scoring runs, in one process."""
    from lockgate.orchestration.dag_tests import parse_runs

    conf = '{"environment": "test"}'
    assert parse_runs(
        [
            "lockgate_pipeline",
            "2026-11-20",
            "--then",
            "lockgate_scoring",
            conf,
            "2026-11-21",
            "2026-11-22",
        ]
    ) == [
        ("lockgate_pipeline", "2026-11-20", None),
        ("lockgate_scoring", "2026-11-21", conf),
        ("lockgate_scoring", "2026-11-22", conf),
    ]
    assert parse_runs(["lockgate_scoring", "2026-11-21", "2026-11-22", "-c", conf]) == [
        ("lockgate_scoring", "2026-11-21", conf),
        ("lockgate_scoring", "2026-11-22", conf),
    ]
    with pytest.raises(SystemExit):
        parse_runs(["lockgate_pipeline", "2026-11-20", "--then", "lockgate_scoring", conf])
