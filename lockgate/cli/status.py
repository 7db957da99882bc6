"""`lockgate status`, `verify` and `audit verify`: what is deployed where, and whether the
ledger and its audit chain are to be believed."""

from __future__ import annotations

import json
import sys

import click

from lockgate.config import ENVIRONMENTS, load_settings


@click.command()
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
            click.echo(
                f"{environment:5s} BROKEN: the ledger's record of {environment} is not to "
                "be believed"
            )
            for problem in entry["problems"]:
                click.echo(f"      {problem}")
            continue
        models = ", ".join(f"{m['name']} v{m['version']}" for m in entry["models"])
        click.echo(
            f"{environment:5s} {entry['release_id']} [{models}] deployed {entry['deployed_at']} "
            f"by {entry['deployed_by']} (change {entry['change']['id']}, {entry['change']['kind']})"
        )
        if entry["health"] == "verifying":
            click.echo(
                f"      VERIFYING: not yet verified; {entry['change']['deploying_process']} "
                "is verifying it, and scoring refuses it until then"
            )
        elif entry["health"] == "failing":
            for problem in entry["problems"]:
                click.echo(f"      FAILING: {problem}")
        elif entry["health"] == "stranded":
            click.echo(
                f"      STRANDED: not verified; {entry['change']['deploying_process']}, "
                "which was deploying it, is gone. Scoring refuses it; run "
                "`lockgate change recover`"
            )
        approvals = ", ".join(f"{a['role']}: {a['approver']}" for a in entry["approvals"])
        if approvals:
            click.echo(f"      approved by {approvals}")
        if entry["approvals_due"]:
            flag = "OVERDUE" if entry["overdue"] else "due"
            click.echo(f"      {flag}: approvals from {', '.join(entry['approvals_due'])}")
        for drift in entry["alias_drift"]:
            click.echo(f"      DRIFT: {drift} (the ledger decides; aliases are a copy)")
        for pending in entry["pending_changes"]:
            click.echo(
                f"      pending change {pending['id']} ({pending['kind']}, "
                f"{pending['state']}): {pending['release_id']}"
            )


@click.command("verify")
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


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Check signatures with this Ed25519 public key (a copy kept away from the "
    "installation) instead of the installation's own.",
)
def audit_verify(public_key: str | None) -> None:
    """Exit 0 if the audit chain is intact, signed to its end, and the ledger's tables agree with
    it; otherwise say what is wrong and exit 1."""
    from lockgate.release.anchor import Verifier
    from lockgate.release.deploy import open_ledger
    from lockgate.release.integrity import disagreements

    ledger = open_ledger(load_settings())
    report = ledger.verify_audit(Verifier.from_file(public_key) if public_key else None)
    problems = (
        []
        if report.intact
        else [f"audit chain BROKEN at entry {report.first_broken_seq}: {report.problem}"]
    )
    if report.intact and not report.anchored:
        problems.append("audit chain is not anchored: no signed checkpoint covers it")
    problems += [f"ledger disagrees with its audit log: {d}" for d in disagreements(ledger)]
    if not problems:
        head = f", signed head at entry {report.head_seq}" if report.head_seq else ""
        click.echo(
            f"audit chain intact: {report.entries} entries, signed by key "
            f"{report.key_id}{head}; the ledger's tables agree with it"
        )
        return
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"({report.entries} entries)", err=True)
    sys.exit(1)
