"""`lockgate change` acts as the account that runs it: no variable or option changes who."""

import os
import pwd

from support import BIN, release_bundle, run

from lockgate.config import load_settings
from lockgate.release.changes import ChangeManager
from lockgate.release.deploy import open_ledger
from lockgate.release.identity import load_access

ME = f"os:{pwd.getpwuid(os.getuid()).pw_name}"


def _prod_change(home) -> int:
    settings = load_settings("local", "prod", home)
    ledger = open_ledger(settings)
    ledger.record_release("rel-cli", release_bundle("cli"), "airflow:pipeline")
    manager = ChangeManager(
        ledger, lambda env: settings.policy.release, load_access(settings), lambda bundle: None
    )
    return manager.open("demo:ana.model-owner", "normal", "prod", "retrain", "rel-cli")


def test_the_cli_cannot_approve_as_someone_else(tmp_path):
    change = _prod_change(tmp_path)
    env = os.environ | {
        "LOCKGATE_HOME": str(tmp_path),
        "LOCKGATE_PROFILE": "local",
        "LOCKGATE_USER": "demo:raj.risk",
        "USER": "raj.risk",
        "LOGNAME": "raj.risk",
    }
    lockgate = str(BIN / "lockgate")
    refused = run([lockgate, "change", "approve", str(change), "--role", "risk"], env, check=False)
    assert refused.returncode == 1
    assert f"refused: {ME} does not hold the role 'risk'" in refused.stderr
    ledger = open_ledger(load_settings("local", "prod", tmp_path))
    assert ledger.approvals(change) == []
    assert ledger.audit_entries()[-1]["actor"] == ME

    # The site grants the role to this account: the approval is recorded under its own name.
    (tmp_path / "access.toml").write_text(f'[roles]\nrisk = ["{ME}"]\n')
    approved = run([lockgate, "change", "approve", str(change), "--role", "risk"], env)
    assert f"approved as risk by {ME}; now open" in approved.stdout
    assert [(a["approver"], a["role"]) for a in ledger.approvals(change)] == [(ME, "risk")]
    shown = run([lockgate, "change", "show", str(change)], env).stdout
    assert "blocking: approval missing: model-owner" in shown
    assert "blocking: soak: in test for 0.00 days without a break; policy needs 7" in shown
