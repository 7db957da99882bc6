"""The local profile's Spark task: a job's `main` run in the task's process on the process's
one Spark application; each job has its own SQL settings, a job's exit message fails the task,
and killing the task cancels its Spark jobs."""

from __future__ import annotations

import json
import textwrap
import threading
import time

import pytest

JOB = textwrap.dedent('''
    """A job as lockgate's are: main(argv, spark) under an operator, spark-submit otherwise."""
    import argparse
    import json
    import time

    from lockgate.spark import job_session


    def main(argv=None, spark=None):
        parser = argparse.ArgumentParser()
        parser.add_argument("--out", required=True)
        parser.add_argument("--then", choices=["exit", "sleep", "ok"], default="ok")
        args = parser.parse_args(argv)
        with job_session("probe", spark) as session:
            seen = session.conf.get("spark.sql.shuffle.partitions")
            session.conf.set("spark.sql.shuffle.partitions", "1")  # this job's own setting
            rows = session.range(10).count()
            facts = {"app": session.sparkContext.applicationId, "partitions": seen, "rows": rows}
            with open(args.out, "w") as out:
                json.dump(facts, out)
            if args.then == "exit":
                raise SystemExit("nothing landed in /lake/landing/2026-11-20")
            if args.then == "sleep":
                def slow(batches):
                    for batch in batches:
                        time.sleep(120)
                        yield batch
                session.range(2, numPartitions=2).mapInArrow(slow, "id long").count()
''')


@pytest.fixture
def job(tmp_path):
    path = tmp_path / "probe_job.py"
    path.write_text(JOB)
    return path


def _operator(job, *args):
    from lockgate.orchestration.operators import LockgateSparkJobOperator

    return LockgateSparkJobOperator(
        task_id="probe", application=str(job), application_args=list(args), name="lockgate-probe"
    )


def test_jobs_share_the_application_but_not_their_settings(spark, job, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    _operator(job, "--out", str(first)).execute({})
    _operator(job, "--out", str(second)).execute({})
    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    assert one["app"] == two["app"] == spark.sparkContext.applicationId
    assert one["rows"] == two["rows"] == 10
    # The first job set its shuffle partitions to 1; the second still has the session's.
    assert two["partitions"] == one["partitions"] == spark.conf.get("spark.sql.shuffle.partitions")
    assert two["partitions"] != "1"
    assert not spark.sparkContext._jsc.sc().isStopped()  # a job leaves a shared session running


def test_a_job_that_exits_with_a_message_fails_the_task_with_it(job, tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException, match="probe_job.py: nothing landed in /lake"):
        _operator(job, "--out", str(tmp_path / "o.json"), "--then", "exit").execute({})
    with pytest.raises(AirflowFailException, match="probe_job.py: 2"):  # argparse's usage error
        _operator(job, "--no-such-flag").execute({})


def test_killing_the_task_cancels_its_spark_jobs(spark, job, tmp_path):
    out = tmp_path / "o.json"
    operator = _operator(job, "--out", str(out), "--then", "sleep")
    failure: list[BaseException] = []

    def run():
        try:
            operator.execute({})
        except BaseException as error:  # noqa: BLE001 - what the task would see
            failure.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    tracker, deadline = spark.sparkContext.statusTracker(), time.monotonic() + 60

    def sleeping() -> bool:  # the facts are written, then the stage of two sleeping tasks runs
        infos = [tracker.getStageInfo(stage) for stage in tracker.getActiveStageIds()]
        return out.exists() and any(info and info.numActiveTasks == 2 for info in infos)

    while not sleeping():
        assert time.monotonic() < deadline, "the sleeping job never started"
        time.sleep(0.2)
    killed = time.monotonic()
    operator.on_kill()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert time.monotonic() - killed < 60  # not the 120 s the job would have slept
    assert failure and "cancel" in str(failure[0]).lower()
    assert spark.range(3).count() == 3  # the application still serves the next task
