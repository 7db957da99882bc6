"""`lockgate demo`: a corpus, the pipeline DAG through Airflow, the soak days, and the change
management story, one line per stage on screen and everything else in a log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from lockgate.cli.cluster import publish_to_cluster
from lockgate.cli.corpus import generate_day
from lockgate.cli.params import RUN_DATE
from lockgate.cli.runtime import airflow_command
from lockgate.config import load_settings

DAG_ID = "lockgate_pipeline"
# The demo's documents: enough labelled rows for both models to show their precision at the
# lower bound (at 5,000 routing's complaints class falls short: 133 of 135, bound 0.948).
DEMO_DOCUMENTS = 10_000
# Each soak day of the story scores this many new documents in test.
SOAK_DOCUMENTS = 200


def _run_dags(screen, groups: list[tuple[str, list[str], dict | None]]) -> list:
    """`airflow dags test` each DAG of `groups` (dag_id, dates, conf) for each of its dates, one
    run after another in one process (the Spark session and its warm Python workers serve them
    all: `lockgate.orchestration.dag_tests`), stopping at the first that fails; the output in
    the demo's log, each task's part of it where Airflow's UI reads task logs. A stage per run
    that started; `_report_runs` puts them on screen."""
    from lockgate.cli.progress import keep_task_logs

    _, env = airflow_command()
    (dag_id, dates, conf), later = groups[0], groups[1:]
    command = [
        sys.executable,
        "-m",
        "lockgate.orchestration.dag_tests",
        dag_id,
        *dates,
        *(["-c", json.dumps(conf)] if conf else []),
    ]
    for other, days, settings_ in later:
        command += ["--then", other, json.dumps(settings_) if settings_ else "", *days]
    stages = screen.runs(f"{dag_id} {dates[0]}", command, env)
    logs = env.get("AIRFLOW__LOGGING__BASE_LOG_FOLDER") or f"{env['AIRFLOW_HOME']}/logs"
    for stage in stages:
        keep_task_logs(stage, stage.label.split()[0], Path(logs))
    return stages


def _report_runs(screen, stages: list, expected: int) -> None:
    """A line per run on screen; fails with a run's state (its failed task's log shown) unless
    all `expected` runs succeeded."""
    for stage in stages:
        screen.report(stage)
    for stage in stages:
        if stage.returncode != 0 or stage.final != "success":
            raise click.ClickException(
                f"DAG run {stage.label} ended {stage.final or 'unknown'!r}; "
                f"its whole log is in {screen.log}"
            )
    if len(stages) < expected:
        raise click.ClickException(
            f"{len(stages)} of {expected} DAG runs ran; its whole log is in {screen.log}"
        )


def _soak_days(settings, run_date: str) -> list[str]:
    """The days after `run_date` the story scores in test: enough scoring runs for prod."""
    from datetime import date, timedelta

    needed = load_settings(settings.profile, "prod", settings.home).policy.release.min_scoring_runs
    start = date.fromisoformat(run_date)
    return [(start + timedelta(days=n)).isoformat() for n in range(1, needed)]


def _story(screen, run_date: str, days: list[str], soaked: list) -> None:
    """The change-management part of the demo (lockgate.tooling.demo.release_story); `soaked` are the
    scoring runs of the soak `days`, which ran after the pipeline's in its process."""
    from lockgate.storage import Layout, read_json
    from lockgate.tooling.demo import release_story

    settings = load_settings()

    def score_days(days: list[str]) -> None:
        _report_runs(screen, soaked, len(days))

    def retrain() -> None:
        from lockgate.release.deploy import deployed_version

        # A second version close to the one in prod (ten more boosting rounds): it must pass
        # the gate and the champion comparison on the same test rows to tell the story.
        params = dict(deployed_version(settings, "urgency", "prod").metadata["training"]["params"])
        params["max_iter"] = params.get("max_iter", 100) + 10
        # By hand, as a data scientist would run the job (`python jobs/train_model.py`): on the
        # home's Spark Connect server, which the demo runs.
        submit = [
            sys.executable,
            str(settings.repo_root / "jobs" / "train_model.py"),
            "--run-date",
            run_date,
            "--model",
            "urgency",
            "--params",
            json.dumps(params),
            "--airflow-run-id",
            "demo-story",
        ]
        spark_env = os.environ | {
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
        }
        stage = screen.run("train urgency (jobs/train_model.py)", submit, spark_env)
        trained = read_json(Layout(settings.storage_root).model_manifest("urgency", run_date))
        gate = trained["gate"]
        screen.report(
            stage,
            f"urgency v{trained['version']}: gate {'passed' if gate['passed'] else 'REFUSED'}",
        )
        if stage.returncode != 0:
            raise click.ClickException(f"training urgency failed; its log is in {screen.log}")

    screen.say("\n== change management: soak, approvals, prod, a bad release, rollback")
    story = release_story(settings, run_date, days, score_days, retrain, screen.say)
    if story:
        screen.say(
            f"\n   ask the ledger about any moment: lockgate history --env prod --at "
            f"{story['in_prod_at']}"
        )


@click.command()
@click.option("--run-date", default="2026-11-20", show_default=True, type=RUN_DATE)
@click.option(
    "--documents",
    default=DEMO_DOCUMENTS,
    show_default=True,
    type=click.IntRange(50),
    help="Documents of the run date. The gates judge each class's precision at its "
    "lower bound, which takes thousands of labelled documents to show.",
)
@click.option(
    "--story/--no-story",
    default=True,
    show_default=True,
    help="After the pipeline: soak in test, approvals, prod, a bad release and its "
    "automatic rollback, on a simulated clock.",
)
def demo(run_date: str, documents: int, story: bool) -> None:
    """Generate a corpus, run the pipeline DAG through Airflow for RUN_DATE, and summarise.

    One line per stage on screen; Airflow's, Spark's and the libraries' output goes to a log
    file under the home, whose path is printed first and last.
    """
    import time
    from datetime import UTC, datetime

    from lockgate.cli.progress import Screen, minutes

    settings = load_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    screen = Screen(Path(settings.home) / "logs" / f"demo-{run_date}-{stamp}.log")
    screen.say(
        f"lockgate demo for {run_date} ({settings.profile} profile); every tool's output "
        f"goes to {screen.log}"
    )
    if settings.dist_root:
        started = time.monotonic()
        published = publish_to_cluster(settings)
        screen.say(
            f"  {'published the job zip and environment':<44} {published.job_zip} "
            f"{minutes(time.monotonic() - started):>5}  done"
        )
    from lockgate.orchestration import airflow_process_env
    from lockgate.spark_connect import serving

    # Started now, ready by the time the corpus is: every Spark task of the demo's runs
    # connects to it.
    with serving(settings, airflow_process_env(settings), wait=False) as server:
        _demo(screen, settings, run_date, documents, story, server)


def _demo(screen, settings, run_date: str, documents: int, story: bool, server) -> None:
    import time

    from lockgate.cli.progress import minutes
    from lockgate.spark_connect import wait_ready
    from lockgate.tooling.demo import story_skipped, summarise

    started = time.monotonic()
    # On the other core while the corpus is generated: the name model (it trains on letters of
    # its own, not the day's) into the machine's cache with the home's model registry, and
    # Airflow's metadata DB. The name model's failure is the pipeline task's to report: it
    # trains again, and says why.
    binary, env = airflow_command()
    prepare = (
        "from lockgate.config import load_settings; "
        "from lockgate.pipeline.name_model import prepare; prepare(load_settings())"
    )
    with screen.log.open("a", encoding="utf-8") as log:
        ahead = [
            subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            for command in ([sys.executable, "-c", prepare], [binary, "db", "migrate"])
        ]
    try:
        generated = generate_day(run_date, documents)
    finally:
        migrated = [process.wait() for process in ahead][1]
    screen.say(
        f"  {'corpus ' + run_date + ', name model':<44} {generated.documents} documents in "
        f"{generated.landing} {minutes(time.monotonic() - started):>5}  done"
    )
    if migrated != 0:
        raise click.ClickException(
            f"airflow db migrate failed (its output is in {screen.log}); "
            "run `lockgate airflow db migrate`"
        )
    # The soak days' scoring runs follow the pipeline's in its process, where the Spark session
    # and its Python workers (the name model loaded) are warm; the story reports them.
    soak = _soak_days(settings, run_date) if story and not story_skipped(settings) else []
    for day in soak:
        generate_day(day, SOAK_DOCUMENTS)
    if server is not None:
        wait_ready(settings, server)
    groups = [(DAG_ID, [run_date], None)]
    if soak:
        groups.append(("lockgate_scoring", soak, {"environment": "test"}))
    stages = _run_dags(screen, groups)
    try:
        _report_runs(screen, stages[:1], 1)
    except click.ClickException:
        try:  # what the run did do (a gate's refusal: which class, rows and bound)
            screen.say(summarise(load_settings(), run_date))
        except Exception:  # noqa: BLE001 - a stage's output is missing; the error says which
            pass
        raise
    # The pipeline run's summary, written before the story changes test and prints last.
    summary = summarise(load_settings(), run_date)
    if story:
        _story(screen, run_date, soak, stages[1:])
    screen.say(summary)
    screen.say(f"every tool's output: {screen.log}")
