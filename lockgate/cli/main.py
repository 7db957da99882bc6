"""`lockgate`: corpus, demo, airflow, status and audit commands for operators and auditors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

from lockgate.cli.params import RUN_DATE
from lockgate.config import ENVIRONMENTS, load_settings

DAG_ID = "lockgate_pipeline"
# The demo's documents: enough labelled rows for both models to show their precision at the
# lower bound (at 5,000 routing's complaints class falls short: 133 of 135, bound 0.948).
DEMO_DOCUMENTS = 10_000
# Each soak day of the story scores this many new documents in test.
SOAK_DOCUMENTS = 200


def _local_path(uri: str) -> Path:
    if not uri.startswith("file://"):
        raise click.ClickException(
            f"{uri} is not on the local disk; this command needs the local profile"
        )
    return Path(uri.removeprefix("file://"))


@click.group()
def cli() -> None:
    """lockgate: batch ML for inbound correspondence, with change-managed model releases."""


@cli.command()
@click.option("--run-date", required=True, type=RUN_DATE, help="The landing folder to fill.")
@click.option("--documents", default=600, show_default=True, type=click.IntRange(1),
              help="Documents per day.")  # fmt: skip
@click.option("--seed", default=7, show_default=True)
@click.option("--broken-share", default=0.03, show_default=True, type=click.FloatRange(0, 1))
@click.option("--days", default=1, show_default=True, type=click.IntRange(1),
              help="Consecutive days to generate, starting at RUN_DATE.")  # fmt: skip
@click.option("--mix", "mix_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON file: departments and languages (name -> weight) and correspondents "
                   "(e-mail domains) to draw from instead of the default population.")  # fmt: skip
def corpus(run_date: str, documents: int, seed: int, broken_share: float, days: int,
           mix_file: str | None) -> None:  # fmt: skip
    """Generate days of sample correspondence into landing/ and their ground truth into labels/.

    A generated day replaces the old one whole, never mixed with it. On HDFS the files are
    generated locally and uploaded through WebHDFS.
    """
    from datetime import date, timedelta

    from lockgate.tooling.corpus import CorpusMix

    try:
        mix = CorpusMix.from_dict(json.loads(Path(mix_file).read_text())) if mix_file else None
    except (ValueError, TypeError) as exc:
        raise click.ClickException(f"{mix_file}: {exc}") from exc
    start = date.fromisoformat(run_date)
    for n in range(days):
        day = (start + timedelta(days=n)).isoformat()
        summary = _generate_day(day, documents, seed, broken_share, mix)
        click.echo(json.dumps(summary.__dict__, indent=2))


def _generate_day(run_date: str, documents: int, seed: int = 7, broken_share: float = 0.03,
                  mix=None):  # fmt: skip
    """The day's generated corpus in the lake's landing and labels (copied from the machine's
    cache, generated there first when it is not yet)."""
    from lockgate.storage import Layout, upload_tree
    from lockgate.tooling.corpus import generated_day

    layout = Layout(load_settings().storage_root)
    landing_uri, labels_uri = layout.landing(run_date), layout.labels(run_date)
    with generated_day(run_date, documents, seed, broken_share, mix) as (landing, labels, summary):
        if landing_uri.startswith("file://"):
            target = _local_path(landing_uri)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(landing, target)
            shutil.copytree(labels, _local_path(labels_uri), dirs_exist_ok=True)
            summary.landing, summary.labels = str(target), str(_local_path(labels_uri))
        else:
            upload_tree(str(landing), landing_uri)
            upload_tree(str(labels), labels_uri)
            summary.landing, summary.labels = landing_uri, labels_uri
    return summary


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def airflow(args: tuple[str, ...]) -> None:
    """Run the `airflow` CLI against this checkout's DAGs and metadata DB (e.g. `lockgate airflow standalone`)."""
    binary, env = _airflow_command()
    if args[:2] == ("dags", "trigger"):
        from lockgate.release.identity import trigger_environment

        raise SystemExit(_trigger(binary, trigger_environment(env), list(args)))
    if args[:1] == ("standalone",):
        raise SystemExit(_serving_spark(binary, list(args), env))
    os.execve(binary, [binary, *args], env)


def _serving_spark(binary: str, args: list[str], env: dict[str, str]) -> int:
    """`airflow standalone` with the home's Spark Connect server running while it does (started
    first, stopped after it if this call started it): every task the scheduler starts then
    connects to a warm Spark application instead of starting one."""
    import signal

    from lockgate.spark_connect import serving

    with serving(load_settings(), env) as endpoint:
        if endpoint is not None:
            click.echo(f"Spark Connect server on 127.0.0.1:{endpoint.port} (pid {endpoint.pid})")
        process = subprocess.Popen([binary, *args], env=env)
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # the terminal sent it to Airflow too: wait for it to stop
                continue


@cli.group("spark-server")
def spark_server() -> None:
    """The home's Spark Connect server (local profile): one warm Spark application for every
    task and process, started and stopped by `lockgate demo` and `make ui` themselves."""


@spark_server.command("start")
def spark_server_start() -> None:
    """Start it (for this environment: PYTHONPATH, home, profile) unless it runs."""
    from lockgate.orchestration import airflow_process_env
    from lockgate.spark_connect import start

    settings = load_settings()
    if not settings.spark_master.startswith("local"):
        raise click.ClickException("the Spark Connect server is for the local profile; on YARN "
                                   "every task is spark-submit")  # fmt: skip
    endpoint, started = start(settings, airflow_process_env(settings))
    click.echo(f"{'started' if started else 'running'}: 127.0.0.1:{endpoint.port} "
               f"(pid {endpoint.pid})")  # fmt: skip


@spark_server.command("stop")
def spark_server_stop() -> None:
    """Stop it and its Python workers."""
    from lockgate.spark_connect import stop

    click.echo("stopped" if stop(load_settings()) else "not running")


@spark_server.command("status")
def spark_server_status() -> None:
    """Whether it runs, where, and whether this environment's tasks would use it."""
    from lockgate.orchestration import airflow_environment
    from lockgate.spark_connect import fingerprint, running

    settings = load_settings()
    endpoint = running(settings)
    if endpoint is None:
        click.echo("not running: each Spark task starts an application of its own")
        raise SystemExit(3)
    same = endpoint.fingerprint == fingerprint(settings, os.environ | airflow_environment(settings))
    click.echo(f"running: 127.0.0.1:{endpoint.port} (pid {endpoint.pid}, local[{endpoint.parallelism}])"
               + ("" if same else "; started for another environment (PYTHONPATH): this "
                  "environment's tasks would not use it"))  # fmt: skip


# The metadata DB's answer to a second run of a DAG for one logical date (SQLite, PostgreSQL).
_RUN_EXISTS = re.compile(
    r"(UNIQUE constraint failed|duplicate key value violates unique constraint).*dag_run"
)


def _trigger(binary: str, env: dict[str, str], args: list[str]) -> int:
    """`airflow dags trigger`, except that a logical date that already has a run gets one line
    saying so and how to run it again, instead of the database's 100-line traceback."""
    done = subprocess.run([binary, *args], env=env, text=True, capture_output=True, check=False)
    said = done.stdout + done.stderr
    if done.returncode != 0 and _RUN_EXISTS.search(said):
        dag_id = args[2] if len(args) > 2 else "the DAG"
        given = [a for a in args if a.startswith(("-l=", "--logical-date="))]
        flag = next((i for i, a in enumerate(args) if a in ("-l", "--logical-date")), None)
        day = given[0].split("=", 1)[1] if given else args[flag + 1] if flag is not None else "?"
        click.echo(f"{dag_id} already has a run for logical date {day}; a date runs once. To run "
                   f"it again, clear its tasks and the scheduler reruns them: lockgate airflow tasks "
                   f"clear {dag_id} -s {day} -e {day} --yes", err=True)  # fmt: skip
        return 1
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


def _airflow_command() -> tuple[str, dict[str, str]]:
    """The venv's airflow binary and the environment that points it at this checkout."""
    from lockgate.orchestration import airflow_process_env

    return str(Path(sys.executable).parent / "airflow"), airflow_process_env(load_settings())


def _run_dags(screen, groups: list[tuple[str, list[str], dict | None]]) -> list:
    """`airflow dags test` each DAG of `groups` (dag_id, dates, conf) for each of its dates, one
    run after another in one process (the Spark session and its warm Python workers serve them
    all: `lockgate.orchestration.dag_tests`), stopping at the first that fails; the output in
    the demo's log, each task's part of it where Airflow's UI reads task logs. A stage per run
    that started; `_report_runs` puts them on screen."""
    from lockgate.cli.progress import keep_task_logs

    _, env = _airflow_command()
    (dag_id, dates, conf), later = groups[0], groups[1:]
    command = [sys.executable, "-m", "lockgate.orchestration.dag_tests", dag_id, *dates,
               *(["-c", json.dumps(conf)] if conf else [])]  # fmt: skip
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
            raise click.ClickException(f"DAG run {stage.label} ended {stage.final or 'unknown'!r}; "
                                       f"its whole log is in {screen.log}")  # fmt: skip
    if len(stages) < expected:
        raise click.ClickException(f"{len(stages)} of {expected} DAG runs ran; "
                                   f"its whole log is in {screen.log}")  # fmt: skip


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
        submit = [sys.executable, str(settings.repo_root / "jobs" / "train_model.py"),
                  "--run-date", run_date,
                  "--model", "urgency", "--params", json.dumps(params),
                  "--airflow-run-id", "demo-story"]  # fmt: skip
        spark_env = os.environ | {"PYSPARK_PYTHON": sys.executable,
                                  "PYSPARK_DRIVER_PYTHON": sys.executable}  # fmt: skip
        stage = screen.run("train urgency (jobs/train_model.py)", submit, spark_env)
        trained = read_json(Layout(settings.storage_root).model_manifest("urgency", run_date))
        gate = trained["gate"]
        screen.report(stage, f"urgency v{trained['version']}: gate "
                             f"{'passed' if gate['passed'] else 'REFUSED'}")  # fmt: skip
        if stage.returncode != 0:
            raise click.ClickException(f"training urgency failed; its log is in {screen.log}")

    screen.say("\n== change management: soak, approvals, prod, a bad release, rollback")
    story = release_story(settings, run_date, days, score_days, retrain, screen.say)
    if story:
        screen.say(f"\n   ask the ledger about any moment: lockgate history --env prod --at "
                   f"{story['in_prod_at']}")  # fmt: skip


@cli.command()
@click.option("--run-date", default="2026-11-20", show_default=True, type=RUN_DATE)
@click.option(
    "--documents",
    default=DEMO_DOCUMENTS,
    show_default=True,
    type=click.IntRange(50),
    help="Documents of the run date. The gates judge each class's precision at its "
    "lower bound, which takes thousands of labelled documents to show.",
)
@click.option("--story/--no-story", default=True, show_default=True,
              help="After the pipeline: soak in test, approvals, prod, a bad release and its "
                   "automatic rollback, on a simulated clock.")  # fmt: skip
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
    screen.say(f"lockgate demo for {run_date} ({settings.profile} profile); every tool's output "
               f"goes to {screen.log}")  # fmt: skip
    if settings.dist_root:
        started = time.monotonic()
        published = _publish(settings)
        screen.say(f"  {'published the job zip and environment':<44} {published.job_zip} "
                   f"{minutes(time.monotonic() - started):>5}  done")  # fmt: skip
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
    binary, env = _airflow_command()
    prepare = ("from lockgate.config import load_settings; "
               "from lockgate.pipeline.name_model import prepare; prepare(load_settings())")  # fmt: skip
    with screen.log.open("a", encoding="utf-8") as log:
        ahead = [subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
                 for command in ([sys.executable, "-c", prepare], [binary, "db", "migrate"])]  # fmt: skip
    try:
        generated = _generate_day(run_date, documents)
    finally:
        migrated = [process.wait() for process in ahead][1]
    screen.say(f"  {'corpus ' + run_date + ', name model':<44} {generated.documents} documents in "
               f"{generated.landing} {minutes(time.monotonic() - started):>5}  done")  # fmt: skip
    if migrated != 0:
        raise click.ClickException(f"airflow db migrate failed (its output is in {screen.log}); "
                                   "run `lockgate airflow db migrate`")  # fmt: skip
    # The soak days' scoring runs follow the pipeline's in its process, where the Spark session
    # and its Python workers (the name model loaded) are warm; the story reports them.
    soak = _soak_days(settings, run_date) if story and not story_skipped(settings) else []
    for day in soak:
        _generate_day(day, SOAK_DOCUMENTS)
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """What release is in each environment, who put it there, when, by which change."""
    from lockgate.release.deploy import environment_status

    result = environment_status(load_settings())
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for environment in ENVIRONMENTS:
        entry = result[environment]
        if entry is None:
            click.echo(f"{environment:5s} (nothing deployed)")
            continue
        if entry["change"] is None:
            click.echo(f"{environment:5s} BROKEN: the ledger's record of {environment} is not to "
                       "be believed")  # fmt: skip
            for problem in entry["problems"]:
                click.echo(f"      {problem}")
            continue
        models = ", ".join(f"{m['name']} v{m['version']}" for m in entry["models"])
        click.echo(
            f"{environment:5s} {entry['release_id']} [{models}] deployed {entry['deployed_at']} "
            f"by {entry['deployed_by']} (change {entry['change']['id']}, {entry['change']['kind']})"
        )
        if entry["health"] == "verifying":
            click.echo(f"      VERIFYING: not yet verified; {entry['change']['deploying_process']} "
                       "is verifying it, and scoring refuses it until then")  # fmt: skip
        elif entry["health"] == "failing":
            for problem in entry["problems"]:
                click.echo(f"      FAILING: {problem}")
        elif entry["health"] == "stranded":
            click.echo(f"      STRANDED: not verified; {entry['change']['deploying_process']}, "
                       "which was deploying it, is gone. Scoring refuses it; run "
                       "`lockgate change recover`")  # fmt: skip
        approvals = ", ".join(f"{a['role']}: {a['approver']}" for a in entry["approvals"])
        if approvals:
            click.echo(f"      approved by {approvals}")
        if entry["approvals_due"]:
            flag = "OVERDUE" if entry["overdue"] else "due"
            click.echo(f"      {flag}: approvals from {', '.join(entry['approvals_due'])}")
        for drift in entry["alias_drift"]:
            click.echo(f"      DRIFT: {drift} (the ledger decides; aliases are a copy)")
        for pending in entry["pending_changes"]:
            click.echo(f"      pending change {pending['id']} ({pending['kind']}, "
                       f"{pending['state']}): {pending['release_id']}")  # fmt: skip


@cli.command("verify")
@click.option("--env", "environment", required=True, type=click.Choice(ENVIRONMENTS))
def verify(environment: str) -> None:
    """Check the release deployed in an environment now: its record against the audit log, its
    artifacts against their digests, its canaries; audited, exit 1 if it fails."""
    from lockgate.release.deploy import verify_environment
    from lockgate.release.identity import cli_identity

    passed, detail = verify_environment(load_settings(), environment, cli_identity())
    click.echo(f"{'verified' if passed else 'FAILED'}: {detail}", err=not passed)
    if not passed:
        sys.exit(1)


@cli.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Check signatures with this Ed25519 public key (a copy kept away from the "
                   "installation) instead of the installation's own.")  # fmt: skip
def audit_verify(public_key: str | None) -> None:
    """Exit 0 if the audit chain is intact, signed to its end, and the ledger's tables agree with
    it; otherwise say what is wrong and exit 1."""
    from lockgate.release.anchor import Verifier
    from lockgate.release.deploy import open_ledger
    from lockgate.release.integrity import disagreements

    ledger = open_ledger(load_settings())
    report = ledger.verify_audit(Verifier.from_file(public_key) if public_key else None)
    problems = [] if report.intact else [
        f"audit chain BROKEN at entry {report.first_broken_seq}: {report.problem}"
    ]  # fmt: skip
    if report.intact and not report.anchored:
        problems.append("audit chain is not anchored: no signed checkpoint covers it")
    problems += [f"ledger disagrees with its audit log: {d}" for d in disagreements(ledger)]
    if not problems:
        head = f", signed head at entry {report.head_seq}" if report.head_seq else ""
        click.echo(f"audit chain intact: {report.entries} entries, signed by key "
                   f"{report.key_id}{head}; the ledger's tables agree with it")  # fmt: skip
        return
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"({report.entries} entries)", err=True)
    sys.exit(1)


@cli.group()
def cluster() -> None:
    """The cluster profile (PROFILE=yarn): what Spark on YARN runs, and what YARN reports."""


@cluster.command("publish")
def cluster_publish() -> None:
    """Build the job zip, the Python environment and Spark's jar archive; upload what HDFS lacks."""
    click.echo(json.dumps(_publish(load_settings()).__dict__, indent=2))


def _publish(settings):
    from lockgate.cluster import cluster_problems, publish

    down = cluster_problems(settings)
    if down:
        raise click.ClickException(
            f"the {settings.profile} profile's cluster is not ready: {'; '.join(down)} "
            "(`make cluster-up` starts it)"
        )
    return publish(settings)


@cluster.command("apps")
@click.option("--state", default=None, help="e.g. FINISHED, RUNNING, FAILED, KILLED")
def cluster_apps(state: str | None) -> None:
    """lockgate's YARN applications (tag `lockgate`) as JSON: id, name, state, final status."""
    from lockgate.cluster import applications

    settings = load_settings()
    if not settings.yarn_rm_url:
        raise click.ClickException(f"profile {settings.profile!r} has no YARN ResourceManager")
    filters = {"applicationTags": "lockgate"} | ({"states": state} if state else {})
    apps = applications(settings.yarn_rm_url, **filters)
    keys = ("id", "name", "state", "finalStatus", "startedTime", "finishedTime", "diagnostics")
    click.echo(json.dumps([{k: app.get(k) for k in keys} for app in apps], indent=2))


def _eval_corpus(home: Path, documents: int, seed: int, broken_share: float) -> Path:
    """A generated evaluation corpus, reused while the generator's code is unchanged."""
    import lockgate.tooling.corpus as corpus_package
    from lockgate.tooling.corpus import generate_corpus

    code = hashlib.sha256()
    for source in sorted(Path(corpus_package.__file__).parent.rglob("*.py")):
        code.update(source.read_bytes())
    root = home / "eval" / f"corpus-{documents}-{seed}-{broken_share}-{code.hexdigest()[:12]}"
    if not (root / "labels" / "ground_truth.jsonl").exists():
        click.echo(f"== generating {documents} documents into {root} (once per generator version)")
        scratch = root.with_name(root.name + ".partial")
        shutil.rmtree(scratch, ignore_errors=True)
        generate_corpus(scratch / "landing", scratch / "labels", "2026-01-15", documents, seed,
                        broken_share)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
        scratch.rename(root)
    return root


def _person_model(settings) -> tuple[dict, tuple[str, bytes]]:
    """The gated name model (trained and registered first if there is none) and its verified bytes."""
    from lockgate.pipeline.name_model import ensure_person_model
    from lockgate.provenance import code_version
    from lockgate.registry import fetch_verified_model

    model = ensure_person_model(settings, {"code_version": code_version(), "airflow_run_id": ""})
    data = fetch_verified_model(
        settings, model["model"], model["version"], model["artifact_sha256"]
    )
    return model, (model["version"], data)


def _write_figures(path: Path, figures: dict) -> None:
    from lockgate.storage import write_json_atomic

    write_json_atomic(path.resolve().as_uri(), figures)
    click.echo(f"figures: {path}")


@cli.command("quarantine")
@click.option("--run-date", required=True, type=RUN_DATE)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def quarantine(run_date: str, as_json: bool) -> None:
    """The run's quarantine report: counts by reason, then every file with its reason and detail."""
    from rich.console import Console
    from rich.table import Table

    from lockgate.storage import Layout, read_json, uri_exists
    from lockgate.storage.files import read_parquet

    layout = Layout(load_settings().storage_root)
    if not uri_exists(layout.extraction_manifest(run_date)):
        raise click.ClickException(f"no extraction run for {run_date} in {layout.root}")
    manifest = read_json(layout.extraction_manifest(run_date))
    columns = [
        "source_file",
        "parent_doc_id",
        "quarantine_reason",
        "quarantine_detail",
        "size_bytes",
    ]
    frame = read_parquet(f"{layout.quarantine}/{Layout.partition(run_date)}", columns=columns)
    rows = frame.sort_values(["quarantine_reason", "source_file"]).to_dict("records")
    if as_json:
        click.echo(json.dumps({"manifest": manifest, "files": rows}, indent=2, default=str))
        return
    click.echo(f"run {run_date}: received {manifest['received']}, parsed {manifest['parsed']}, "
               f"duplicates {manifest['duplicates']}, quarantined {manifest['quarantined']}; "
               f"attachments {manifest.get('attachments', {})}")  # fmt: skip
    table = Table(title=f"quarantine {run_date}")
    for column in ("reason", "file", "bytes", "detail"):
        table.add_column(column)
    for row in rows:
        name = row["source_file"] + ("" if row["parent_doc_id"] is None else " (attachment)")
        table.add_row(row["quarantine_reason"], name, str(row["size_bytes"]),
                      str(row["quarantine_detail"])[:80])  # fmt: skip
    Console(width=160).print(table)


@cli.command("eval-extraction")
@click.option("--documents", default=20_000, show_default=True, type=click.IntRange(20))
@click.option("--seed", default=101, show_default=True, help="Corpus seed (training uses others).")
@click.option("--broken-share", default=0.06, show_default=True, type=click.FloatRange(0, 1))
@click.option("--workers", default=os.cpu_count() or 1, show_default=True, type=click.IntRange(1))
@click.option(
    "--corpus",
    "which",
    type=click.Choice(["both", "generated", "real-world"]),
    default="both",
    show_default=True,
    help="The generated corpus, the real-world one (tests/data/realworld), or both.",
)
@click.option(
    "--real-world",
    "real_world",
    type=click.Path(file_okay=False, path_type=Path),
    help="A real-world corpus folder (manifest.jsonl, labels.jsonl, files/); "
    "default: tests/data/realworld of this checkout.",
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures here (default: under LOCKGATE_HOME/eval).")  # fmt: skip
def eval_extraction(
    documents: int, seed: int, broken_share: float, workers: int, which: str,
    real_world: Path | None, json_path: Path | None,
) -> None:  # fmt: skip
    """Precision, recall and F1 per field type: against a generated corpus's ground truth, and
    on real messages and PDFs that lockgate did not write (labelled by hand), in two tables.

    Uses the registered person-name model (trained and registered first if there is none).
    Exits 1 when a target is missed.
    """
    from rich.console import Console

    from lockgate.extraction.parsed import Limits
    from lockgate.tooling.evaluation.extraction import evaluate
    from lockgate.tooling.evaluation.realworld import default_corpus, evaluate_real_world

    settings = load_settings()
    limits = Limits.of(settings.policy.extraction)
    model, person_model = _person_model(settings)
    click.echo(f"== person model {model['model']} v{model['version']} {model['metrics']}")
    console, figures, missed = Console(width=110), {"person_model": model}, []
    if which in ("both", "generated"):
        root = _eval_corpus(settings.home, documents, seed, broken_share)
        report = evaluate(root / "landing", root / "labels", limits, workers, person_model)
        console.print(report.table())
        figures |= report.as_dict() | {"corpus": str(root)}
        missed += [f"generated: {m}" for m in report.shortfalls()]
    if which in ("both", "real-world"):
        corpus = real_world or default_corpus()
        click.echo(f"== real-world corpus {corpus} (its sources and licences: SOURCES.md)")
        real = evaluate_real_world(corpus, limits, workers, person_model)
        console.print(real.table())
        figures["real_world"] = real.as_dict() | {"corpus": str(corpus)}
        missed += [f"real-world: {m}" for m in real.shortfalls()]
    _write_figures(json_path or settings.home / "eval" / f"extraction-{documents}-{seed}.json",
                   figures)  # fmt: skip
    if missed:
        raise click.ClickException("targets missed: " + "; ".join(missed))


@cli.command("bench-extract")
@click.option("--documents", default=2_000, show_default=True, type=click.IntRange(10))
@click.option("--seed", default=202, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path))
def bench_extract(documents: int, seed: int, json_path: Path | None) -> None:
    """lockgate's extractor vs Presidio's AnalyzerEngine on the same letters: docs/s/core and F1."""
    from rich.console import Console

    from lockgate.tooling.bench.extraction import bench_letters, bench_table

    settings = load_settings()
    _, person_model = _person_model(settings)
    result = bench_letters(documents, seed, person_model)
    Console(width=110).print(bench_table(result))
    _write_figures(json_path or settings.home / "eval" / f"bench-extract-{documents}-{seed}.json",
                   result)  # fmt: skip


def _add_model_commands() -> None:
    from lockgate.cli import bench, changes, extract, models, monitor

    for command in (
        extract.extract,
        models.models,
        models.model_card,
        models.reproduce,
        changes.change,
        changes.history,
        monitor.monitor,
        bench.bench,
    ):
        cli.add_command(command)


_add_model_commands()


def main() -> None:
    from lockgate.config import ConfigError
    from lockgate.config.secrets import UnsafeSecret

    try:
        cli()
    except (ConfigError, UnsafeSecret) as exc:  # a setting or a secret that cannot be used
        click.echo(f"lockgate: {exc}", err=True)
        sys.exit(2)
