"""`lockgate change ...` and `lockgate history`: change requests for approvers and operators.

Every command acts as the operating-system account running it (`identity.cli_identity`); no
option or environment variable lets it act as someone else.
"""

from __future__ import annotations

import json
import sys

import click

from lockgate.config import ENVIRONMENTS, load_settings
from lockgate.release.request import ChangeRequest


def _manager():
    from lockgate.release.deploy import change_manager

    return change_manager(load_settings())


def _act(action):
    """Run a change action; refusals print their reason and exit 1 (they are already audited)."""
    from lockgate.release.changes import ChangeRefused
    from lockgate.release.ledger import IllegalTransition

    try:
        return action()
    except (ChangeRefused, IllegalTransition, KeyError) as refused:
        click.echo(f"refused: {refused}", err=True)
        sys.exit(1)


def _who() -> str:
    from lockgate.release.identity import cli_identity

    return cli_identity()


@click.group("change")
def change() -> None:
    """Change requests: open, approve, reject, cancel, deploy, roll back, show, list."""


@change.command("show")
@click.argument("change_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(change_id: int, as_json: bool) -> None:
    """A change with its evidence: approvals, soak, window, deadlines, each model's gate."""
    manager = _manager()
    evidence = _act(lambda: manager.evidence(change_id))
    record = evidence.change
    bundle = manager.ledger.bundle(record["release_id"])
    report = {
        "change": record,
        "release_id": record["release_id"],
        "code": dict(bundle.code),
        "approvals": evidence.approvals,
        "roles_now": evidence.roles_now,
        "roles_due": evidence.roles_due,
        "approvals_due_at": evidence.approvals_due_at,
        "overdue": evidence.overdue,
        "window_open": evidence.window_open,
        "soak": evidence.soak.__dict__ if evidence.soak else None,
        "blocking": evidence.blocking,
        "models": [
            {
                k: getattr(m, k)
                for k in (
                    "name",
                    "version",
                    "artifact_sha256",
                    "snapshot_digest",
                    "gate",
                    "compiled",
                )
            }
            for m in bundle.models
        ],
    }
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo(
        f"change {change_id} ({record['kind']}) {record['state']}: {record['release_id']} "
        f"to {record['environment']} by {record['author']}\n  reason: {record['reason']}"
    )
    for a in evidence.approvals:
        click.echo(
            f"  {a['decision']}d by {a['approver']} as {a['role']} at {a['decided_at']}"
            + (f": {a['comment']}" if a["comment"] else "")
        )
    request = ChangeRequest.of(record)
    if evidence.roles_due and evidence.approvals_due_at and request.takes_late_approvals():
        flag = "OVERDUE" if evidence.overdue else "due"
        click.echo(f"  {flag}: {', '.join(evidence.roles_due)} by {evidence.approvals_due_at}")
    if evidence.soak:
        s = evidence.soak
        click.echo(
            f"  soak in {s.environment}: {s.days_soaked:.2f}/{s.days_required:g} days, "
            f"{s.runs_passed}/{s.runs_required} scoring runs passed, "
            f"{len(s.runs_failed)} failed"
        )
    if request.pending():
        for reason in evidence.blocking:
            click.echo(f"  blocking: {reason}")
    for m in report["models"]:
        gate = m["gate"]
        click.echo(
            f"  {m['name']} v{m['version']} gate {'passed' if gate['passed'] else 'REFUSED'}"
            f" ({gate['environment']}), snapshot {m['snapshot_digest'][:16]}"
        )
        for c in gate["checks"]:
            click.echo(
                f"    {'ok  ' if c['passed'] else 'FAIL'} {c['metric']} = {c['value']:.4f} "
                f"{c['comparison']} {c['threshold']:.4f}"
            )
        champion = gate.get("champion")
        click.echo(f"    champion: {champion['version'] if champion else 'none in production'}")
        compiled = m["compiled"]
        click.echo(
            f"    scores from: compiled trees {compiled['sha256'][:16]} ({compiled['engine']}; "
            f"{compiled['rows_compared']:,} rows as skops, largest difference "
            f"{compiled['max_abs_diff']:.1e})"
            if compiled
            else "    scores from: the skops model"
        )


@change.command("list")
@click.option("--env", "environment", type=click.Choice(ENVIRONMENTS))
def list_changes(environment: str | None) -> None:
    """Change requests, oldest first."""
    for c in _manager().ledger.changes(environment):
        click.echo(
            f"{c['change_id']:>4} {c['environment']:5s} {c['kind']:9s} {c['state']:11s} "
            f"{c['release_id']} by {c['author']}: {c['reason']}"
        )


@change.command("open")
@click.option("--env", "environment", required=True, type=click.Choice(ENVIRONMENTS))
@click.option("--release", "release_id", help="The release to deploy (default: what --from runs).")
@click.option(
    "--from",
    "source",
    type=click.Choice(ENVIRONMENTS),
    help="Take the release deployed in this environment.",
)
@click.option("--kind", type=click.Choice(["normal", "emergency"]), default="normal")
@click.option("--reason", required=True)
def open_change(
    environment: str, release_id: str | None, source: str | None, kind: str, reason: str
) -> None:
    """Open a change that carries a release to an environment."""
    manager = _manager()
    if release_id is None:
        pointer = manager.ledger.pointer(source) if source else None
        if pointer is None:
            raise click.UsageError("give --release, or --from an environment with a release")
        release_id = pointer.release_id
    change_id = _act(lambda: manager.open(_who(), kind, environment, reason, release_id))
    click.echo(f"change {change_id} opened: {release_id} to {environment} ({kind})")


@change.command("rollback")
@click.option("--env", "environment", required=True, type=click.Choice(ENVIRONMENTS))
@click.option("--to", "release_id", help="A release verified there before (default: the previous).")
@click.option("--reason", required=True)
def rollback(environment: str, release_id: str | None, reason: str) -> None:
    """Open a rollback change; operations approves and deploys it like any other."""
    manager = _manager()
    change_id = _act(lambda: manager.open(_who(), "rollback", environment, reason, release_id))
    target = manager.ledger.change(change_id)["release_id"]
    click.echo(f"change {change_id} opened: roll {environment} back to {target}")


@change.command("approve")
@click.argument("change_id", type=int)
@click.option("--role", required=True)
@click.option("--comment", default="")
def approve(change_id: int, role: str, comment: str) -> None:
    """Approve a change in one of your roles."""
    record = _act(lambda: _manager().approve(_who(), change_id, role, comment))
    click.echo(f"change {change_id} approved as {role} by {_who()}; now {record['state']}")


@change.command("reject")
@click.argument("change_id", type=int)
@click.option("--role", required=True)
@click.option("--comment", required=True)
def reject(change_id: int, role: str, comment: str) -> None:
    """Reject an open change in one of your roles; it is closed."""
    _act(lambda: _manager().reject(_who(), change_id, role, comment))
    click.echo(f"change {change_id} rejected as {role} by {_who()}")


@change.command("cancel")
@click.argument("change_id", type=int)
@click.option("--reason", required=True)
def cancel(change_id: int, reason: str) -> None:
    """Withdraw a change that has not started deploying (its author, or operations)."""
    _act(lambda: _manager().cancel(_who(), change_id, reason))
    click.echo(f"change {change_id} cancelled")


@change.command("deploy")
@click.argument("change_id", type=int)
def deploy(change_id: int) -> None:
    """Execute an approved change: move the pointer, verify, roll back on its own if it fails."""
    result = _act(lambda: _manager().deploy(_who(), change_id))
    click.echo(f"change {change_id}: {result.status}: {result.detail}")
    if result.status != "deployed":
        sys.exit(1)


@change.command("recover")
@click.option(
    "--env",
    "environment",
    type=click.Choice(ENVIRONMENTS),
    default=None,
    help="Only this environment (default: every environment).",
)
def recover(environment: str | None) -> None:
    """Finish deploys whose process died: verify the release again, then complete the change or
    roll it back; exit 1 if one was rolled back."""
    manager = _manager()
    stranded = manager.stranded(environment)
    results = _act(lambda: manager.recover(_who(), environment, remirror=True))
    if not stranded:
        click.echo("nothing to recover: no change is left deploying by a process that is gone")
    for result in results:
        click.echo(
            f"change {result.change_id} ({result.environment}): recovered, "
            f"{result.status}: {result.detail}"
        )
    if any(r.status != "deployed" for r in results):
        sys.exit(1)


@click.command("history")
@click.option("--env", "environment", required=True, type=click.Choice(ENVIRONMENTS))
@click.option("--at", "at", help="ISO 8601 time, e.g. 2026-03-31T12:00Z (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def history(environment: str, at: str | None, as_json: bool) -> None:
    """What was deployed in an environment at a time: release, who, when, change, approvals."""
    from lockgate.release.history import describe
    from lockgate.release.history import history as history_at

    if at is not None and not at.strip():
        raise click.BadParameter(
            "is empty; give an ISO 8601 time such as 2026-03-31T12:00Z, or leave --at out for now",
            param_hint="--at",
        )
    try:
        state = history_at(_manager(), environment, at)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from exc
    click.echo(json.dumps(state, indent=2) if as_json else describe(state))
