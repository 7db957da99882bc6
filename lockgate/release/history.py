"""What was deployed in an environment at a moment: which release, by whom, when, on which
change, approved by whom, and every pointer move that led there."""

from __future__ import annotations

from datetime import UTC, datetime

from lockgate.release.changes import ChangeManager
from lockgate.release.ledger import timestamp


def parse_moment(text: str) -> str:
    """'2026-03-31T12:00Z', '2026-03-31 12:00' (UTC when no zone is given) -> ledger timestamp."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-03-31T12:00Z") from exc
    return timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def history(manager: ChangeManager, environment: str, at: str | None = None) -> dict:
    """The environment as of `at` (default: its latest record), and its deployments up to then."""
    ledger = manager.ledger
    until = parse_moment(at) if at else None
    rows = ledger.deployments(environment, until)
    until = until or max([ledger.now(), *(r["at"] for r in rows)])
    timeline = [
        {
            k: r[k]
            for k in (
                "at",
                "action",
                "release_id",
                "change_id",
                "actor",
                "reason",
                "previous_release_id",
            )
        }
        for r in rows
    ]
    state = {"environment": environment, "at": until, "deployed": None, "timeline": timeline}
    if not rows or not rows[-1]["release_id"]:
        return state
    last = rows[-1]
    change = ledger.change(last["change_id"])
    approvals = [
        {k: a[k] for k in ("approver", "role", "decision", "decided_at", "comment")}
        for a in ledger.approvals(change["change_id"])
        if a["decided_at"] <= until
    ]
    approved = {a["role"] for a in approvals if a["decision"] == "approve"}
    policy = manager.policy_for(environment)
    due = [r for r in manager.roles_allowed(change["kind"], policy) if r not in approved]
    due_at = change["approvals_due_at"]
    bundle = ledger.bundle(last["release_id"])
    state["deployed"] = {
        "release_id": last["release_id"],
        "since": last["at"],
        "by": last["actor"],
        "how": last["action"],
        "models": [
            {"name": m.name, "version": m.version, "artifact_sha256": m.artifact_sha256}
            for m in bundle.models
        ],
        "code": dict(bundle.code),
        "change": {k: change[k] for k in ("change_id", "kind", "author", "reason", "created_at")},
        "approvals": approvals,
        "approvals_due": due if change["kind"] == "emergency" else [],
        "approvals_due_at": due_at,
        "overdue": bool(change["kind"] == "emergency" and due and due_at and until > due_at),
    }
    return state


def describe(state: dict) -> str:
    """`lockgate history` as text: the deployed release, its change and approvals, the timeline."""
    env, lines = state["environment"], []
    deployed = state["deployed"]
    if deployed is None:
        lines.append(f"{env} at {state['at']}: nothing deployed")
    else:
        change = deployed["change"]
        models = ", ".join(f"{m['name']} v{m['version']}" for m in deployed["models"])
        lines += [
            f"{env} at {state['at']}: {deployed['release_id']} ({models})",
            f"  deployed {deployed['since']} by {deployed['by']} ({deployed['how']}), "
            f"code {deployed['code'].get('commit', '?')[:12]}",
            f"  change {change['change_id']} ({change['kind']}) opened by {change['author']}: "
            f"{change['reason']}",
        ]
        lines += [
            f"  {a['decision']}d by {a['approver']} as {a['role']} at {a['decided_at']}"
            for a in deployed["approvals"]
        ]
        if deployed["approvals_due"]:
            flag = "OVERDUE" if deployed["overdue"] else "due"
            lines.append(
                f"  {flag}: approvals from {', '.join(deployed['approvals_due'])} "
                f"by {deployed['approvals_due_at']}"
            )
    lines.append("  timeline:")
    for row in state["timeline"]:
        target = row["release_id"] or "nothing"
        lines.append(
            f"    {row['at']}  {row['action']:<13} {target} (change {row['change_id']}, "
            f"{row['actor']}) {row['reason']}"
        )
    return "\n".join(lines)
