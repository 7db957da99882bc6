"""A deploy killed at each point of its procedure, in a real process on a real ledger: before the
pointer moves, during verification (SIGKILL and SIGTERM), and after it committed. `status` must
tell the truth about the environment, scoring must refuse an unverified release, and
`change recover` must bring the environment back to a verified state."""

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import release_bundle

from lockgate.config import load_settings
from lockgate.pipeline.scoring import ReleaseRefused, deployed_models
from lockgate.release.changes import ChangeRefused
from lockgate.release.deploy import change_manager, environment_status

CHILD = """
import sys, time
from pathlib import Path
from lockgate.config import load_settings
from lockgate.release.deploy import change_manager

home, point, marker, change_id = sys.argv[1:]
manager = change_manager(load_settings("local", "test", home))

def hold(*args, **kwargs):
    Path(marker).write_text(point)
    time.sleep(300)

if point == "before the pointer moves":
    manager.ledger.point = hold
elif point == "during verification":
    manager.verify = hold
elif point == "after it committed":
    manager.mirror = hold
manager.deploy("os:ci", int(change_id))
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A home with rel-1 verified in test and a change for rel-2 ready to deploy (made once)."""
    home = tmp_path_factory.mktemp("crash") / "home"
    manager = change_manager(load_settings("local", "test", home))
    for release in ("rel-1", "rel-2"):
        manager.ledger.record_release(release, release_bundle(release), "os:ci")
    manager.deploy("os:ci", manager.open("os:ci", "normal", "test", "first", "rel-1"))
    manager.open("os:ci", "normal", "test", "second", "rel-2")
    return home


@pytest.fixture
def home(template, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(template, copy)
    return copy


def _kill_deploy(home: Path, point: str, sig: int = signal.SIGKILL) -> None:
    marker = home / "reached"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(home), point, str(marker), "2"])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, f"the deploy ended before {point}"
            assert time.monotonic() < deadline, f"the deploy never reached {point}"
            time.sleep(0.05)
        child.send_signal(sig)
        child.wait(timeout=60)
    finally:
        child.kill()


def _settings(home):
    return load_settings("local", "test", home)


def test_killed_before_the_pointer_moves_nothing_changed(home):
    _kill_deploy(home, "before the pointer moves")
    manager = change_manager(_settings(home))
    assert manager.ledger.change(2)["state"] == "approved"
    status = environment_status(_settings(home))["test"]
    assert status["release_id"] == "rel-1" and status["health"] == "healthy"
    assert manager.recover("os:ci") == []
    assert manager.deploy("os:ci", 2).status == "deployed"  # the change simply runs again
    assert manager.ledger.verify_audit().intact


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_during_verification_is_stranded_refused_and_recovered(home, sig):
    _kill_deploy(home, "during verification", sig)
    settings = _settings(home)
    manager = change_manager(settings)
    status = environment_status(settings)["test"]
    assert status["release_id"] == "rel-2" and status["health"] == "stranded"
    assert status["change"]["state"] == "deploying"
    with pytest.raises(ReleaseRefused, match="state 'deploying'"):
        deployed_models(settings, "test")
    with pytest.raises(ChangeRefused, match="is gone; run `lockgate change recover`"):
        manager.deploy("os:ci", manager.open("os:ci", "rollback", "test", "back", None))
    [result] = manager.recover("os:ops")
    assert result.status == "deployed" and manager.ledger.change(2)["state"] == "deployed"
    finished = [e for e in manager.ledger.audit_entries() if e["action"] == "change.deployed"][-1]
    assert "recovered" in finished["payload"] and finished["actor"] == "os:ops"
    assert environment_status(settings)["test"]["health"] == "healthy"
    assert manager.ledger.verify_audit().intact


def test_a_stranded_release_that_no_longer_verifies_is_rolled_back_by_recovery(home):
    _kill_deploy(home, "during verification")
    manager = change_manager(_settings(home))

    def broken(bundle):
        raise RuntimeError("canary doc-1 scored custody/0.41, recorded payments/0.97")

    manager.verify = broken
    [result] = manager.recover("os:ops")
    assert result.status == "rolled_back" and "back on rel-1" in result.detail
    assert manager.ledger.pointer("test").release_id == "rel-1"
    assert environment_status(_settings(home))["test"]["health"] == "healthy"


def test_killed_after_it_committed_is_deployed_and_recover_has_nothing_to_do(home):
    _kill_deploy(home, "after it committed")
    manager = change_manager(_settings(home))
    assert manager.ledger.change(2)["state"] == "deployed"
    assert environment_status(_settings(home))["test"]["health"] == "healthy"
    assert manager.recover("os:ci", remirror=True) == []


def test_a_live_deploy_is_not_recovered_from_under_it(home):
    marker = home / "reached"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), "during verification", str(marker), "2"]
    )
    try:
        while not marker.exists():
            assert child.poll() is None
            time.sleep(0.05)
        manager = change_manager(_settings(home))
        assert manager.stranded() == [] and manager.recover("os:ci") == []
        assert environment_status(_settings(home))["test"]["health"] == "verifying"
    finally:
        child.kill()
        child.wait()
    assert [c["change_id"] for c in change_manager(_settings(home)).stranded()] == [2]


@pytest.mark.parametrize("change_id", [1, 99], ids=["another environment's change", "no change"])
def test_a_pointer_inserted_by_sql_is_broken_in_status_and_refused_by_scoring(home, change_id):
    import sqlite3

    with sqlite3.connect(home / "ledger.db") as db:
        db.execute(
            "INSERT INTO environment_pointers VALUES ('prod', 'rel-1', ?, 'os:mallory', "
            "'2026-12-01T00:00:00.000000+00:00')",
            (change_id,),
        )
    settings = _settings(home)
    status = environment_status(settings)
    assert status["prod"]["health"] == "broken" and status["prod"]["change"] is None
    assert any("the audit log has no release there" in p for p in status["prod"]["problems"])
    assert status["test"]["health"] == "healthy"
    with pytest.raises(ReleaseRefused, match="not to be believed"):
        deployed_models(settings, "prod")
    if change_id == 1:
        return  # the command line is asked once
    cli = subprocess.run(
        [str(Path(sys.executable).with_name("lockgate")), "status"],
        env={"LOCKGATE_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert "prod  BROKEN" in cli.stdout and "no release there" in cli.stdout


def test_a_digest_mismatch_at_scoring_is_a_failed_run_and_the_environment_shows_failing(home):
    """A model file overwritten in the registry after its release verified: scoring refuses it,
    and the refusal is a failed scoring run in the ledger (soak evidence), an audit entry, and
    FAILING in status; `lockgate verify --env` finds the same on demand."""
    import hashlib
    from dataclasses import replace

    from lockgate.registry.mlflow_registry import register_model
    from lockgate.tooling.demo import _corrupt_artifact

    settings = _settings(home)
    model = b"a model's bytes"
    record = register_model(
        settings, "tiny", model, {"gate": {"passed": True}}, {}, {}, {"snapshot_digest": "s" * 64}
    )
    bundle = release_bundle("tiny", ("tiny", record.version))
    tiny = replace(bundle.models[0], artifact_sha256=hashlib.sha256(model).hexdigest())
    bundle = replace(bundle, models=(tiny,))
    manager = change_manager(settings, verify=lambda bundle: None)  # verified when it deployed
    manager.ledger.record_release("rel-tiny", bundle, "os:ci")
    manager.deploy("os:ci", manager.open("os:ci", "emergency", "dev", "tiny", "rel-tiny"))
    assert environment_status(settings)["dev"]["health"] == "healthy"

    _corrupt_artifact(settings, "tiny", record.version)
    with pytest.raises(Exception, match="does not match the release's"):
        deployed_models(settings, "dev", "2026-11-24")
    [run] = manager.ledger.scoring_runs("dev", "rel-tiny")
    assert run["status"] == "failed" and run["run_date"] == "2026-11-24"
    assert "DigestMismatch" in run["detail"]
    assert manager.ledger.audit_entries()[-1]["action"] == "scoring.failed"
    status = environment_status(settings)["dev"]
    assert status["health"] == "failing" and "2026-11-24" in status["problems"][0]

    manager.ledger.record_scoring_run("dev", "rel-tiny", "2026-11-25", True, "ok", "os:ci")
    assert environment_status(settings)["dev"]["health"] == "healthy"
    cli = subprocess.run(
        [str(Path(sys.executable).with_name("lockgate")), "verify", "--env", "dev"],
        env={"LOCKGATE_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1 and "FAILED: dev on rel-tiny" in cli.stderr, cli.stderr
    assert manager.ledger.audit_entries()[-1]["action"] == "verification.failed"
    assert environment_status(settings)["dev"]["health"] == "failing"


def test_a_refusal_that_is_not_the_release_s_fault_is_audited_without_a_failed_run(home):
    settings = _settings(home)
    with pytest.raises(ReleaseRefused, match="no release is deployed in prod"):
        deployed_models(settings, "prod", "2026-11-24")
    entry = change_manager(settings).ledger.audit_entries()[-1]
    assert entry["action"] == "scoring.refused" and "2026-11-24" in entry["payload"]
