"""Every DAG file imports cleanly and the pipeline's task graph is what DESIGN.md describes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_FILES = sorted((REPO / "dags").glob("*.py"))


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_every_dag_file_imports_without_errors(dagbag):
    assert DAG_FILES, "no DAG files found"
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == sorted(f.stem for f in DAG_FILES)  # dag_id = file name


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_files_do_not_import_heavy_libraries(dag_file):
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]); "
        "heavy = [m for m in ('pyspark', 'sklearn', 'pandas', 'great_expectations', 'mlflow') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(dag_file)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
    )
    assert result.stdout.strip() == ""


def test_pipeline_task_graph(dagbag):
    from lockgate.models import registered_models

    dag = dagbag.dags["lockgate_pipeline"]
    head = ["ensure_person_model", "extract_documents", "validate_extraction", "build_training_set"]
    tail = ["release_to_test", "score_documents", "validate_scores", "report_refusals"]
    models = list(registered_models())
    assert {"routing", "urgency"} <= set(models)
    per_model = [f"{m}.{t}" for m in models for t in ("validate_training_set", "train_model")]
    assert sorted(dag.task_ids) == sorted(head + per_model + tail + ["report_broken_models"])
    for upstream, downstream in zip(head, head[1:], strict=False):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}
    assert dag.get_task("build_training_set").downstream_task_ids == {
        f"{m}.validate_training_set" for m in models
    }
    for m in models:
        assert dag.get_task(f"{m}.validate_training_set").downstream_task_ids == {
            f"{m}.train_model"
        }
        assert dag.get_task(f"{m}.train_model").downstream_task_ids == {"release_to_test"}
        args = dag.get_task(f"{m}.train_model").application_args
        assert args[args.index("--model") + 1] == m
    for upstream, downstream in zip(tail, tail[1:], strict=False):
        # report_refusals also reads what release_to_test returned (its refusals).
        extra = {"report_refusals"} if upstream == "release_to_test" else set()
        assert dag.get_task(upstream).downstream_task_ids == {downstream} | extra
    assert dag.get_task("report_refusals").downstream_task_ids == set()
    assert dag.get_task("report_refusals").trigger_rule == "all_done"
    assert dag.catchup is False and "lockgate" in dag.tags


def test_spark_tasks_submit_the_jobs_with_the_run_date(dagbag):
    dag = dagbag.dags["lockgate_pipeline"]
    for task_id, job in (
        ("extract_documents", "extract_documents"),
        ("build_training_set", "build_training_set"),
        ("routing.train_model", "train_model"),
        ("urgency.train_model", "train_model"),
        ("score_documents", "score_documents"),
    ):
        task = dag.get_task(task_id)
        assert task.application == str(REPO / "jobs" / f"{job}.py")
        assert Path(task.application).is_file()
        assert "{{ ds }}" in task.application_args
        # The local profile (this suite's) runs a job in the task's process.
        assert type(task).__name__ == "LockgateSparkJobOperator"


@pytest.mark.parametrize(
    ("profile", "operator"),
    [("local", "LockgateSparkJobOperator"), ("yarn", "LockgateSparkSubmitOperator")],
)
def test_spark_tasks_run_in_the_task_process_locally_and_by_spark_submit_on_yarn(
    monkeypatch, tmp_path, profile, operator
):
    import lockgate.config
    from lockgate.orchestration import spark_job

    profile_settings = lockgate.config.load_settings(profile, "test", tmp_path)
    monkeypatch.setattr(lockgate.config, "settings", lambda: profile_settings)
    task = spark_job("score_documents", "score_documents", "--run-date", "{{ ds }}")
    assert type(task).__name__ == operator
    assert task.application == str(REPO / "jobs" / "score_documents.py")
    assert task.application_args == ["--run-date", "{{ ds }}"]
    if profile == "yarn":
        assert task._conn_id == "spark_default"
        assert task.conf["spark.yarn.appMasterEnv.LOCKGATE_ENV"] == "test"


def test_scoring_dag_scores_the_chosen_environment_without_training(dagbag):
    dag = dagbag.dags["lockgate_scoring"]
    chain = ["extract_documents", "validate_extraction", "score_documents", "validate_scores"]
    assert sorted(dag.task_ids) == sorted(chain)
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}
    args = dag.get_task("score_documents").application_args
    assert args[args.index("--environment") + 1] == "{{ params.environment }}"
    assert dag.schedule is None and dag.params["environment"] == "test"


@pytest.mark.parametrize(
    "conf,error",
    [
        ({"change_id": "7", "kind": "normal"}, "'7' is not of type 'integer'"),
        ({"change_id": 0, "kind": "normal"}, "0 is less than the minimum of 1"),
        ({"change_id": 7, "kind": "hotfix"}, "'hotfix' is not one of"),
        ({"kind": "normal"}, "None is not of type 'integer'"),
    ],
)
def test_release_dag_validates_its_params(dagbag, conf, error):
    import copy

    from airflow.sdk.definitions.param import ParamValidationError

    params = copy.deepcopy(dagbag.dags["lockgate_release"].params)
    with pytest.raises(ParamValidationError, match=error):
        params.update(conf)
        params.validate()


def test_release_dag_accepts_a_well_formed_change(dagbag):
    import copy

    dag = dagbag.dags["lockgate_release"]
    params = copy.deepcopy(dag.params)
    params.update({"change_id": 7, "kind": "rollback"})
    assert params.validate() == {"change_id": 7, "kind": "rollback"}
    assert dag.task_ids == ["execute_change"] and dag.schedule is None


def test_monitor_dag_computes_judges_then_alerts_and_publishes_the_drift_asset(dagbag):
    dag = dagbag.dags["lockgate_monitor"]
    assert sorted(dag.task_ids) == ["alert", "compute_statistics", "drift_report", "publish_drift"]
    assert dag.get_task("compute_statistics").downstream_task_ids == {"drift_report"}
    assert dag.get_task("drift_report").downstream_task_ids == {"alert", "publish_drift"}
    args = dag.get_task("compute_statistics").application_args
    assert args[args.index("--run-date") + 1] == "{{ ds }}"
    assert args[args.index("--environment") + 1] == "{{ params.environment }}"
    assert dag.get_task("compute_statistics").application.endswith("jobs/monitor_statistics.py")
    assert [o.name for o in dag.get_task("publish_drift").outlets] == ["lockgate_drift"]
    assert dag.params["environment"] == "prod"


def test_retrain_dag_runs_on_the_drift_asset_and_retrains_only_what_drifted(dagbag):
    from lockgate.models import registered_models

    dag = dagbag.dags["lockgate_retrain"]
    monitor = dagbag.dags["lockgate_monitor"]
    published = {o.name for o in monitor.get_task("publish_drift").outlets}
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    assert [asset.name for asset in dag.schedule] == ["lockgate_drift"] == sorted(published)
    models = list(registered_models())
    assert dag.get_task("what_drifted").downstream_task_ids >= {
        "build_training_set",
        "release_to_test",
    }
    for m in models:
        assert dag.get_task("build_training_set").downstream_task_ids >= {f"{m}.drifted"}
        assert dag.get_task(f"{m}.drifted").downstream_task_ids == {f"{m}.validate_training_set"}
        assert dag.get_task(f"{m}.validate_training_set").downstream_task_ids == {
            f"{m}.train_model"
        }
        assert dag.get_task(f"{m}.train_model").downstream_task_ids == {"release_to_test"}
        args = dag.get_task(f"{m}.train_model").application_args
        assert args[args.index("--run-date") + 1] == (
            "{{ ti.xcom_pull(task_ids='what_drifted')['run_date'] }}"
        )
    # A model that did not drift is skipped, and the release still runs for the others.
    assert dag.get_task("release_to_test").trigger_rule == "none_failed_min_one_success"
    assert dag.get_task("release_to_test").downstream_task_ids == {"report_refusals"}
    assert dag.get_task(f"{models[0]}.drifted").ignore_downstream_trigger_rules is False
    assert dag.catchup is False and dag.max_active_runs == 1


def _parsed_with(env: dict) -> dict:
    """The DAG folder parsed in a fresh interpreter with `env` (a plug-in's site on its path):
    the import errors, and each of the pipeline and scoring DAGs' tasks with their downstream
    tasks."""
    import json

    code = (
        "import json, sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "bag = DagBag(dag_folder=sys.argv[1])\n"
        "up = {d: {t: sorted(bag.dags[d].get_task(t).downstream_task_ids)\n"
        "          for t in bag.dags[d].task_ids}\n"
        "      for d in ('lockgate_pipeline', 'lockgate_scoring')}\n"
        "print(json.dumps({'errors': list(bag.import_errors), 'downstream': up}))\n"
    )
    parsed = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "dags")],
        capture_output=True,
        text=True,
        check=True,
        env=env | {"AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
    )
    return json.loads(parsed.stdout.splitlines()[-1])


def test_a_plugin_model_on_a_dataset_gets_the_days_ingestion_of_what_it_reads(tmp_path):
    """A team's package declaring two datasets and a model on them, entry points only: the
    pipeline ingests and validates each dataset the model reads before the training sets and
    trains the model beside the document models, the scoring DAG ingests them before it
    scores; no other dataset is ingested."""

    from support import DISPUTES, PAYMENTS, RISK, install_plugins

    env = install_plugins(
        tmp_path / "site",
        {"payments": PAYMENTS, "disputes": DISPUTES, "payment_risk": RISK},
        groups={"payments": "lockgate.datasets", "disputes": "lockgate.datasets"},
    )
    found = _parsed_with(env)
    assert found["errors"] == []
    downstream, scoring = (
        found["downstream"]["lockgate_pipeline"],
        found["downstream"]["lockgate_scoring"],
    )
    for dataset in ("payments", "disputes"):
        assert downstream[f"dataset_{dataset}.ingest"] == [f"dataset_{dataset}.validate_delivery"]
        assert downstream[f"dataset_{dataset}.validate_delivery"] == ["build_training_set"]
        # The scoring DAG ingests the day's delivery before the release scores it.
        assert scoring[f"dataset_{dataset}.validate_delivery"] == ["score_documents"]
    assert not any(t.startswith("dataset_transactions") for t in downstream)  # no model reads it
    assert downstream["payment_risk.train_model"] == ["release_to_test"]
    assert {"routing.train_model", "urgency.train_model"} <= set(downstream)


def test_a_broken_plugin_is_skipped_by_every_dag_and_its_alert_names_it(tmp_path, monkeypatch):
    """A team's model module that breaks on import: the DAG files still parse, the pipeline
    still has every other model's tasks, and report_broken_models e-mails and fails naming it."""

    from support import SmtpSink, install_plugins

    site = tmp_path / "site"
    env = install_plugins(site, {"half_written": "import no_such_package_anywhere\n"})
    found = _parsed_with(env)
    assert found["errors"] == []
    assert {"routing.train_model", "urgency.train_model", "report_broken_models"} <= set(
        found["downstream"]["lockgate_pipeline"]
    )

    from airflow.sdk.exceptions import AirflowFailException

    from lockgate.orchestration.tasks import report_broken_models

    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("LOCKGATE_HOME", str(tmp_path / "home"))
    with SmtpSink() as sink:
        for name, value in sink.airflow.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(AirflowFailException, match="team_models.half_written: cannot be"):
            report_broken_models.function()
    (mail,) = sink.messages
    assert mail["Subject"] == "[lockgate] 1 model module(s) skipped"
    body = "".join(
        part.get_payload(decode=True).decode() for part in mail.walk() if not part.is_multipart()
    )
    assert "No module named &#x27;no_such_package_anywhere&#x27;" in body
