"""The lockgate_release DAG through real Airflow (dags test on a migrated SQLite metadata DB):
it executes an approved change as the Airflow user who triggered the run, and refuses one whose
kind is not what the trigger said. The releases carry no models, so verification is instant;
verification of real models runs in test_pipeline.py."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text
from support import release_bundle, run

from lockgate.config import load_settings
from lockgate.release.deploy import change_manager
from lockgate.release.identity import airflow_identity

BIN = Path(sys.executable).parent
DAG = "lockgate_release"


def _trigger(env, day: str, conf: dict) -> str:
    lockgate = str(BIN / "lockgate")
    run([lockgate, "airflow", "dags", "test", DAG, day, "-c", json.dumps(conf)], env, check=False)
    state = run([lockgate, "airflow", "dags", "state", DAG, day], env).stdout.strip().splitlines()
    return state[-1].split(",")[0]


DEPLOY_AND_DIE = """
import sys, time
from pathlib import Path
from lockgate.config import load_settings
from lockgate.release.deploy import change_manager

home, marker, change_id = sys.argv[1:]
manager = change_manager(load_settings("local", "dev", home))

def hold(bundle):
    Path(marker).write_text("verifying")
    time.sleep(300)

manager.verify = hold
manager.deploy("os:ci", int(change_id))
"""


def _kill_while_verifying(home: Path, change_id: int) -> None:
    """A deploy of `change_id` in a process of its own, killed (SIGKILL) while it verifies."""
    marker = home / "verifying"
    child = subprocess.Popen(
        [sys.executable, "-c", DEPLOY_AND_DIE, str(home), str(marker), str(change_id)]
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline, "it never verified"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()


def test_release_dag_executes_approved_changes_as_the_triggering_user(tmp_path):
    home = tmp_path / "home"
    env = os.environ | {
        "LOCKGATE_HOME": str(home),
        "LOCKGATE_PROFILE": "local",
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    home.mkdir()
    # `airflow dags test` runs as the user `dag_test`; this site lets it execute changes.
    (home / "access.toml").write_text(
        '[roles]\noperations = ["airflow:dag_test", "demo:olu.operations"]\n'
    )
    manager = change_manager(load_settings("local", "prod", home))
    for release in ("rel-dag-1", "rel-dag-2"):
        manager.ledger.record_release(release, release_bundle(release), "t")
    to_test = manager.open("demo:lee.data-scientist", "normal", "test", "dag", "rel-dag-1")
    run([str(BIN / "lockgate"), "airflow", "db", "migrate"], env)

    assert _trigger(env, "2026-11-20", {"change_id": to_test, "kind": "rollback"}) == "failed"
    assert manager.ledger.pointer("test") is None
    refusal = manager.ledger.audit_entries()[-1]
    assert refusal["action"] == "refused.deploy" and refusal["actor"] == "airflow:dag_test"
    assert "is a normal change, not rollback" in refusal["payload"]

    assert _trigger(env, "2026-11-21", {"change_id": to_test, "kind": "normal"}) == "success"
    pointer = manager.ledger.pointer("test")
    assert pointer.release_id == "rel-dag-1" and pointer.deployed_by == "airflow:dag_test"

    emergency = manager.open("demo:lee.data-scientist", "emergency", "prod", "hotfix", "rel-dag-2")
    manager.approve("demo:olu.operations", emergency, "operations")
    assert _trigger(env, "2026-11-22", {"change_id": emergency, "kind": "emergency"}) == "success"
    assert manager.ledger.pointer("prod").release_id == "rel-dag-2"
    assert manager.ledger.verify_audit().intact

    # A deploy whose process died is recovered by the next run, before it executes its change.
    manager.ledger.record_release("rel-dag-3", release_bundle("rel-dag-3"), "t")
    stranded = manager.open("demo:lee.data-scientist", "normal", "dev", "dies", "rel-dag-3")
    _kill_while_verifying(home, stranded)
    assert [c["change_id"] for c in manager.stranded()] == [stranded]
    after = manager.open("demo:lee.data-scientist", "normal", "test", "next", "rel-dag-3")
    assert _trigger(env, "2026-11-24", {"change_id": after, "kind": "normal"}) == "success"
    assert manager.ledger.change(stranded)["state"] == "deployed" and not manager.stranded()
    finished = [
        e
        for e in manager.ledger.entries_about(f"change-{stranded}")
        if e["action"] == "change.deployed"
    ][-1]
    assert "recovered" in finished["payload"] and finished["actor"] == "airflow:dag_test"
    assert manager.ledger.pointer("test").release_id == "rel-dag-3"
    assert manager.ledger.verify_audit().intact

    # A second run for a logical date is refused in one line that says how to rerun the date.
    trigger = [
        str(BIN / "lockgate"),
        "airflow",
        "dags",
        "trigger",
        DAG,
        "-l",
        "2026-11-23T00:00:00+00:00",
        "-c",
        json.dumps({"change_id": 999, "kind": "normal"}),
    ]
    # The run acts as the OS account that triggered it, whatever LOGNAME or USER say.
    assert run(trigger, env | {"LOGNAME": "mia", "USER": "mia", "LNAME": "mia"}).returncode == 0
    with create_engine(load_settings("local", "test", home).airflow_db_url).connect() as db:
        [who] = db.execute(
            text(
                "SELECT triggering_user_name FROM dag_run WHERE dag_id = :d "
                "AND logical_date LIKE '2026-11-23%'"
            ),
            {"d": DAG},
        ).scalars()
    assert who == f"os:{pwd.getpwuid(os.getuid()).pw_name}"
    assert airflow_identity({"dag_run": SimpleNamespace(triggering_user_name=who)}) == who
    again = run(trigger, env, check=False)
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        f"{DAG} already has a run for logical date 2026-11-23T00:00:00+00:00; a date runs once. "
        f"To run it again, clear its tasks and the scheduler reruns them: lockgate airflow tasks "
        f"clear {DAG} -s 2026-11-23T00:00:00+00:00 -e 2026-11-23T00:00:00+00:00 --yes"
    ]
