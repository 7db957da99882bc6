"""The ledger's state tables checked against its audit log.

Every write to releases, change requests, approvals, pointers, deployments and scoring runs
appends an audit entry in the same transaction. Replaying the log therefore gives what those
tables must hold; a row that was inserted, edited or deleted by hand shows as a disagreement.
`status`, `audit verify` and scoring report disagreements and never believe the table.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from lockgate.release import tables
from lockgate.release.ledger import Ledger


@dataclass
class Derived:
    """What the tables hold according to the audit log."""

    releases: dict[str, str | None] = field(default_factory=dict)  # id -> bundle sha256
    changes: dict[int, dict] = field(default_factory=dict)
    approvals: Counter = field(default_factory=Counter)
    deployments: dict[str, list[tuple]] = field(default_factory=dict)
    pointers: dict[str, tuple] = field(default_factory=dict)
    scoring: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Disagreement:
    """One way a state table differs from the audit log, and what it concerns."""

    text: str
    environment: str | None = None
    change_id: int | None = None
    release_id: str | None = None

    def __str__(self) -> str:
        return self.text


CHANGE_FIELDS = ("kind", "environment", "release_id", "author", "reason", "state")


def _change_id(subject: str) -> int:
    return int(subject.removeprefix("change-"))


def derive(entries: list[dict]) -> Derived:
    state = Derived()
    for entry in entries:
        action, env, actor = entry["action"], entry["environment"], entry["actor"]
        payload = json.loads(entry["payload"])
        if action == "release.built":
            state.releases[entry["subject"]] = payload.get("bundle_sha256")
        elif action == "change.opened":
            state.changes[_change_id(entry["subject"])] = {
                "kind": payload["kind"],
                "environment": env,
                "release_id": payload["release_id"],
                "author": actor,
                "reason": payload["reason"],
                "state": "open",
            }
        elif action in ("change.approve", "change.reject"):
            state.approvals[
                (
                    _change_id(entry["subject"]),
                    actor,
                    payload["role"],
                    action.removeprefix("change."),
                    payload["comment"],
                    payload.get("at"),
                )
            ] += 1
        elif action.startswith("change."):
            change = state.changes.get(_change_id(entry["subject"]))
            if change is not None:
                change["state"] = action.removeprefix("change.")
        elif action.startswith("deployment."):
            change_id = _change_id(entry["subject"])
            release = payload["release_id"] or ""
            state.deployments.setdefault(env, []).append(
                (
                    release,
                    change_id,
                    action.removeprefix("deployment."),
                    actor,
                    payload["reason"],
                    payload["previous_release_id"],
                    payload.get("at"),
                )
            )
            if release:
                state.pointers[env] = (release, change_id, actor, payload.get("at"))
            else:
                state.pointers.pop(env, None)
        elif action in ("scoring.passed", "scoring.failed"):
            state.scoring[
                (
                    env,
                    entry["subject"],
                    payload["run_date"],
                    action.removeprefix("scoring."),
                    payload["detail"],
                    actor,
                    payload.get("at"),
                )
            ] += 1
    return state


def _differences(
    table: Counter,
    logged: Counter,
    unlogged: Callable[[tuple], Disagreement],
    missing: Callable[[tuple], Disagreement],
) -> list[Disagreement]:
    """Rows (keyed with their time last) in the table and not the log, and the other way round;
    times are compared only when every logged entry recorded one (older entries did not)."""
    if not all(key[-1] is not None for key in logged):
        table = Counter({k[:-1]: n for k, n in table.items()})
        logged = Counter({k[:-1]: n for k, n in logged.items()})
    return [unlogged(k) for k in sorted((table - logged).keys(), key=str)] + [
        missing(k) for k in sorted((logged - table).keys(), key=str)
    ]


def disagreements(ledger: Ledger) -> list[Disagreement]:
    """Every way the state tables differ from what the audit log says they hold."""
    expected = derive(ledger.audit_entries())
    found: list[Disagreement] = []
    d = Disagreement

    releases = {r["release_id"]: r["bundle"] for r in ledger.read(select(tables.releases))}
    for release_id in sorted(set(releases) | set(expected.releases)):
        if release_id not in expected.releases:
            found.append(
                d(f"releases: {release_id} is not in the audit log", release_id=release_id)
            )
        elif release_id not in releases:
            found.append(
                d(
                    f"releases: {release_id} is in the audit log but not in the table",
                    release_id=release_id,
                )
            )
        else:
            logged = expected.releases[release_id]
            if logged and hashlib.sha256(releases[release_id].encode()).hexdigest() != logged:
                found.append(
                    d(
                        f"releases: the bundle of {release_id} is not the one built",
                        release_id=release_id,
                    )
                )

    rows = {c["change_id"]: c for c in ledger.read(select(tables.changes))}
    for change_id in sorted(set(rows) | set(expected.changes)):
        row, logged = rows.get(change_id), expected.changes.get(change_id)
        if logged is None:
            found.append(
                d(
                    f"change_requests: change {change_id} is not in the audit log",
                    change_id=change_id,
                )
            )
        elif row is None:
            found.append(
                d(
                    f"change_requests: change {change_id} is in the audit log, not the table",
                    change_id=change_id,
                )
            )
        else:
            found += [
                d(
                    f"change_requests: change {change_id} has {name}={row[name]!r}, the audit log "
                    f"says {logged[name]!r}",
                    change_id=change_id,
                )
                for name in CHANGE_FIELDS
                if row[name] != logged[name]
            ]

    approvals = Counter(
        (a["change_id"], a["approver"], a["role"], a["decision"], a["comment"], a["decided_at"])
        for a in ledger.read(select(tables.approvals))
    )
    found += _differences(
        approvals,
        expected.approvals,
        lambda k: d(
            f"approvals: change {k[0]} has a {k[3]} by {k[1]} as {k[2]} that the "
            "audit log does not record",
            change_id=k[0],
        ),
        lambda k: d(
            f"approvals: the audit log records a {k[3]} of change {k[0]} by {k[1]} as "
            f"{k[2]} that the table does not hold",
            change_id=k[0],
        ),
    )

    moves: dict[str, list[tuple]] = {}
    for m in ledger.read(select(tables.deployments).order_by(tables.deployments.c.deployment_id)):
        moves.setdefault(m["environment"], []).append(
            (
                m["release_id"],
                m["change_id"],
                m["action"],
                m["actor"],
                m["reason"],
                m["previous_release_id"],
                m["at"],
            )
        )
    for env in sorted(set(moves) | set(expected.deployments)):
        table, logged = moves.get(env, []), expected.deployments.get(env, [])
        if len(table) != len(logged):
            found.append(
                d(
                    f"deployments: {env} has {len(table)} pointer move(s), the audit "
                    f"log {len(logged)}",
                    environment=env,
                )
            )
            continue
        for number, (row, log) in enumerate(zip(table, logged, strict=True), start=1):
            if row[:6] != log[:6] or (log[6] is not None and row[6] != log[6]):
                found.append(
                    d(
                        f"deployments: move {number} in {env} is {row[2]} of "
                        f"{row[0] or 'nothing'} (change {row[1]}, by {row[3]} at "
                        f"{row[6]}); the audit log says {log[2]} of {log[0] or 'nothing'} "
                        f"(change {log[1]}, by {log[3]} at {log[6]})",
                        environment=env,
                    )
                )

    pointers = {p["environment"]: p for p in ledger.read(select(tables.pointers))}
    for env in sorted(set(pointers) | set(expected.pointers)):
        row, logged = pointers.get(env), expected.pointers.get(env)
        if logged is None:
            found.append(
                d(
                    f"environment_pointers: {env} points at {row['release_id']} (change "
                    f"{row['change_id']}); the audit log has no release there",
                    environment=env,
                )
            )
        elif row is None:
            found.append(
                d(
                    f"environment_pointers: {env} has no pointer; the audit log says "
                    f"{logged[0]} (change {logged[1]})",
                    environment=env,
                )
            )
        elif (row["release_id"], row["change_id"], row["deployed_by"]) != logged[:3] or (
            logged[3] is not None and row["deployed_at"] != logged[3]
        ):
            found.append(
                d(
                    f"environment_pointers: {env} points at {row['release_id']} (change "
                    f"{row['change_id']}, by {row['deployed_by']} at "
                    f"{row['deployed_at']}); the audit log says {logged[0]} (change "
                    f"{logged[1]}, by {logged[2]})",
                    environment=env,
                )
            )

    scoring = Counter(
        (
            r["environment"],
            r["release_id"],
            r["run_date"],
            r["status"],
            r["detail"],
            r["recorded_by"],
            r["recorded_at"],
        )
        for r in ledger.read(select(tables.scoring_runs))
    )
    found += _differences(
        scoring,
        expected.scoring,
        lambda k: d(
            f"scoring_runs: a {k[3]} run of {k[1]} in {k[0]} on {k[2]} that the audit "
            "log does not record",
            environment=k[0],
            release_id=k[1],
        ),
        lambda k: d(
            f"scoring_runs: the audit log records a {k[3]} run of {k[1]} in {k[0]} on "
            f"{k[2]} that the table does not hold",
            environment=k[0],
            release_id=k[1],
        ),
    )
    return found


def environment_problems(
    ledger: Ledger, environment: str, found: list[Disagreement] | None = None
) -> list[str]:
    """Why what the ledger's tables say is deployed in `environment` is not to be believed: a
    disagreement with the audit log about the environment, its change or its release, or a
    pointer whose change does not exist or carries another environment or release."""
    pointer = ledger.pointer(environment)
    change_id = pointer.change_id if pointer else None
    release_id = pointer.release_id if pointer else None
    found = [
        str(item)
        for item in (disagreements(ledger) if found is None else found)
        if item.environment == environment
        or (change_id is not None and item.change_id == change_id)
        or (release_id is not None and item.release_id == release_id)
    ]
    if pointer:
        try:
            change = ledger.change(change_id)
        except KeyError:
            return [*found, f"{environment} points at change {change_id}, which does not exist"]
        if (change["environment"], change["release_id"]) != (environment, release_id):
            found.append(
                f"{environment} points at {release_id} through change {change_id}, which "
                f"carries {change['release_id']} to {change['environment']}"
            )
    return found
