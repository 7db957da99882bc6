"""Change requests: the state machine and the rules a change must satisfy to move.

    open ──approvals complete──▶ approved ──deploy──▶ deploying ──verified──▶ deployed
     │  └─an approver rejects─▶ rejected     │           └─verification failed─▶ rolled_back
     └──────withdrawn──────────▶ cancelled ◀─┘      deployed ──a rollback change──▶ rolled_back

Kinds:
- normal: every required role approves, each a different person and none the author; before
  it deploys, the release must have soaked in the soak environment (time without a break,
  scoring runs that passed, none that failed) and the clock must be inside a change window.
- emergency: one operations approval and it may deploy at once, any time; the other roles
  are due by `approvals_due_at` and the change is flagged overdue after that.
- rollback: back to the previous or a named release that was verified in the environment
  before; a reason is required, operations approves it, windows do not apply.

Every refusal is raised with its reason and written to the audit log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from lockgate.config import ENVIRONMENTS, ReleasePolicy
from lockgate.config.windows import in_window
from lockgate.release import owner
from lockgate.release.bundle import ReleaseBundle
from lockgate.release.deployment import Deployment
from lockgate.release.identity import Access, identity
from lockgate.release.ledger import IllegalTransition, Ledger
from lockgate.release.request import KINDS, ChangeRequest

TRANSITIONS: dict[str, dict[str, str]] = {
    "open": {
        "approved": "approvals complete",
        "rejected": "an approver rejected it",
        "cancelled": "withdrawn",
    },
    "approved": {"deploying": "deployment started", "cancelled": "withdrawn"},
    "deploying": {
        "deployed": "verification passed",
        "rolled_back": "verification failed; the previous release was restored",
    },
    "deployed": {"rolled_back": "a rollback change restored an earlier release"},
    "rejected": {},
    "cancelled": {},
    "rolled_back": {},
}
STATES = tuple(TRANSITIONS)


class ChangeRefused(RuntimeError):
    """A change action broke a rule: roles, maker-checker, soak, window, deadline, evidence."""


def check_transition(change: dict, new: str) -> None:
    allowed = TRANSITIONS[change["state"]]
    if new not in allowed:
        options = ", ".join(allowed) or "nothing: it is final"
        raise IllegalTransition(
            f"change {change['change_id']} is {change['state']}; it cannot become {new} "
            f"(from {change['state']} it can become {options})"
        )


@dataclass(frozen=True)
class Soak:
    environment: str
    days_required: float
    days_soaked: float
    runs_required: int
    runs_passed: int
    runs_failed: list[str]

    def problems(self) -> list[str]:
        found = []
        if self.days_soaked < self.days_required:
            found.append(
                f"soak: in {self.environment} for {self.days_soaked:.2f} days without a "
                f"break; policy needs {self.days_required:g}"
            )
        if self.runs_passed < self.runs_required:
            found.append(
                f"soak: scoring passed on {self.runs_passed} day(s) in "
                f"{self.environment}; policy needs {self.runs_required}"
            )
        found += [f"soak: scoring run failed in {self.environment}: {r}" for r in self.runs_failed]
        return found


@dataclass(frozen=True)
class Evidence:
    """What a change has and lacks; `blocking` lists why it cannot deploy now."""

    change: dict
    approvals: list[dict]
    roles_now: list[str]  # roles that must approve before it deploys
    roles_due: list[str]  # roles still to approve (emergency: after it deployed)
    approvals_due_at: str | None
    overdue: bool
    soak: Soak | None
    window_open: bool
    blocking: list[str] = field(default_factory=list)
    # When the change started deploying, the evidence is what was recorded then (its time),
    # not what is true now: a deployed change stays as its deployer saw it.
    frozen_at: str | None = None

    def snapshot(self) -> dict:
        """The figures a decision was taken on, as recorded in the audit log with its digest."""
        figures = {
            "approved_roles": sorted(
                a["role"] for a in self.approvals if a["decision"] == "approve"
            ),
            "roles_now": self.roles_now,
            "window_open": self.window_open,
            "blocking": self.blocking,
            "soak": asdict(self.soak) if self.soak else None,
        }
        digest = hashlib.sha256(json.dumps(figures, sort_keys=True).encode()).hexdigest()
        return {"evidence": figures, "evidence_sha256": digest}


@dataclass(frozen=True)
class DeployResult:
    change_id: int
    environment: str
    release_id: str
    status: str  # deployed | rolled_back
    detail: str


class ChangeManager:
    """Opens, approves, rejects, cancels and deploys changes under the ledger's lock.

    `policy_for(env)` gives an environment's release policy, `access` who holds which role,
    and `verify(bundle)` raises when a deployed release does not verify. `mirror(env, models)`
    copies what the ledger deployed ({model: version}) to the registry's aliases afterwards;
    when it fails the ledger still holds, and the failure is audited (status reports drift).
    """

    def __init__(
        self,
        ledger: Ledger,
        policy_for: Callable[[str], ReleasePolicy],
        access: Access,
        verify: Callable[[ReleaseBundle], None],
        mirror: Callable[[str, dict[str, str]], None] | None = None,
    ):
        self.ledger, self.policy_for, self.access, self.verify = ledger, policy_for, access, verify
        self.mirror = mirror

    def deployed_models(self, environment: str) -> dict[str, str]:
        """{model: version} of the release `environment` points at."""
        bundle = self.ledger.deployed_bundle(environment)
        return bundle.versions() if bundle else {}

    def _mirror(self, who: str, environment: str) -> None:
        if self.mirror is None:
            return
        models = self.deployed_models(environment)
        try:
            self.mirror(environment, models)
        except Exception as exc:  # noqa: BLE001 - the ledger is the truth; drift is reported
            self.ledger.record_event(
                who,
                "aliases.mirror_failed",
                environment,
                {"models": models, "error": f"{type(exc).__name__}: {exc}"},
                environment,
            )

    # -- helpers -------------------------------------------------------------------------------
    def _refuse(
        self, who: str, action: str, subject: str, environment: str | None, error: Exception
    ) -> None:
        """Audit a refused action, then raise it."""
        self.ledger.record_event(
            who,
            f"refused.{action}",
            subject,
            {"reason": str(error), "error": type(error).__name__},
            environment,
        )
        raise error

    def _roles_now(self, kind: str, policy: ReleasePolicy) -> list[str]:
        if not policy.required_approver_roles:
            return []
        if kind == "normal":
            return list(policy.required_approver_roles)
        return [policy.operations_role]

    def roles_allowed(self, kind: str, policy: ReleasePolicy) -> list[str]:
        return (
            [policy.operations_role] if kind == "rollback" else list(policy.required_approver_roles)
        )

    def _verified_releases(self, environment: str, until: str | None = None) -> list[dict]:
        """Deployments in `environment` whose release verified, newest first."""
        rows = self.ledger.deployments(environment, until)
        failed = {r["previous_change_id"] for r in rows if r["action"] == "auto_rollback"}
        return [
            r
            for r in reversed(rows)
            if r["action"] in ("deploy", "rollback") and r["change_id"] not in failed
        ]

    # -- evidence ------------------------------------------------------------------------------
    def soak(self, release_id: str, policy: ReleasePolicy, now: datetime) -> Soak | None:
        env = policy.soak_environment
        if not env:
            return None
        longest, since = timedelta(0), None
        for row in self.ledger.deployments(env):
            at = datetime.fromisoformat(row["at"])
            if row["release_id"] == release_id and since is None:
                since = at
            elif row["release_id"] != release_id and since is not None:
                longest, since = max(longest, at - since), None
        if since is not None:
            longest = max(longest, now - since)
        runs = self.ledger.scoring_runs(env, release_id)
        return Soak(
            environment=env,
            days_required=policy.soak_days,
            days_soaked=longest.total_seconds() / 86400,
            runs_required=policy.min_scoring_runs,
            # Days, not runs: scoring a day again is not more evidence.
            runs_passed=len({r["run_date"] for r in runs if r["status"] == "passed"}),
            runs_failed=[
                f"{r['run_date']}: {r['detail']}" for r in runs if r["status"] == "failed"
            ],
        )

    def evidence(self, change_id: int) -> Evidence:
        """What `change_id` has and lacks now; once it started deploying, the soak and window
        figures are the ones recorded when it did (`frozen_at`), and nothing blocks it."""
        change = self.ledger.change(change_id)
        if change["state"] in ("deploying", "deployed") or (
            change["state"] == "rolled_back" and self._recorded(change_id, "change.deploying")
        ):
            return self._frozen(change)
        return self._evidence_now(change)

    def _recorded(self, change_id: int, action: str) -> dict | None:
        """The payload and time of the last `action` entry about `change_id` that carries
        evidence, or None."""
        entries = [
            e
            for e in self.ledger.entries_about(f"change-{change_id}")
            if e["action"] == action and "evidence" in e["payload"]
        ]
        if not entries:
            return None
        return json.loads(entries[-1]["payload"]) | {"at": entries[-1]["ts"]}

    def decisions_seen(self, change_id: int) -> dict[str, dict]:
        """approver -> the evidence they decided on, as recorded with their decision."""
        seen = {}
        for entry in self.ledger.entries_about(f"change-{change_id}"):
            payload = json.loads(entry["payload"])
            if entry["action"] in ("change.approve", "change.reject") and "evidence" in payload:
                seen[entry["actor"]] = payload | {"at": entry["ts"]}
        return seen

    def _frozen(self, change: dict) -> Evidence:
        now = self._evidence_now(change)
        recorded = self._recorded(change["change_id"], "change.deploying")
        if recorded is None:  # deployed before evidence was recorded: what is known now
            return now
        figures = recorded["evidence"]
        soak = Soak(**figures["soak"]) if figures["soak"] else None
        return replace(
            now,
            soak=soak,
            window_open=figures["window_open"],
            blocking=[],
            frozen_at=recorded["at"],
        )

    def _evidence_now(self, change: dict) -> Evidence:
        change_id = change["change_id"]
        policy = self.policy_for(change["environment"])
        now = self.ledger.clock()
        decided = self.ledger.approvals(change_id)
        approved = {a["role"] for a in decided if a["decision"] == "approve"}
        roles_now = [r for r in self._roles_now(change["kind"], policy) if r not in approved]
        roles_due = [r for r in self.roles_allowed(change["kind"], policy) if r not in approved]
        due_at = change["approvals_due_at"]
        overdue = bool(
            due_at
            and roles_due
            and now > datetime.fromisoformat(due_at)
            and ChangeRequest.of(change).takes_late_approvals()
        )
        soak = self.soak(change["release_id"], policy, now) if change["kind"] == "normal" else None
        window_open = change["kind"] != "normal" or in_window(now, policy.change_windows)
        blocking = [f"approval missing: {role}" for role in roles_now]
        blocking += soak.problems() if soak else []
        if not window_open:
            blocking.append(
                f"outside the change windows of {change['environment']} "
                f"({', '.join(policy.change_windows)} UTC)"
            )
        return Evidence(
            change, decided, roles_now, roles_due, due_at, overdue, soak, window_open, blocking
        )

    # -- opening -------------------------------------------------------------------------------
    def open(
        self, who: str, kind: str, environment: str, reason: str, release_id: str | None = None
    ) -> int:
        """Open a change; a rollback without `release_id` goes back to the previous release."""
        try:
            return self._open(who, kind, environment, reason, release_id)
        except (ChangeRefused, IllegalTransition) as error:
            self._refuse(who, f"open.{kind}", release_id or "-", environment, error)
            raise  # unreachable: _refuse raises

    def _open(self, who, kind, environment, reason, release_id) -> int:
        if kind not in KINDS:
            raise ChangeRefused(f"unknown change kind {kind!r}; choose one of {KINDS}")
        if environment not in ENVIRONMENTS:
            raise ChangeRefused(
                f"unknown environment {environment!r}; choose one of {ENVIRONMENTS}"
            )
        if not reason.strip():
            raise ChangeRefused("a change needs a reason")
        policy = self.policy_for(environment)
        with self.ledger.transaction() as conn:
            current = self.ledger.pointer(environment)
            if kind == "rollback":
                release_id = self._rollback_target(environment, current, release_id)
            elif release_id is None or self.ledger.release(release_id) is None:
                raise ChangeRefused(f"no release {release_id!r} in the ledger")
            else:
                self._refuse_known_bad(release_id)
            if current and current.runs(release_id):
                raise ChangeRefused(f"{release_id} is already deployed in {environment}")
            active = self.ledger.active_change(environment, release_id)
            if active:
                raise ChangeRefused(
                    f"change {active} already carries {release_id} to {environment}"
                )
            change_id = self.ledger.insert_change(conn, kind, environment, release_id, who, reason)
            if not self._roles_now(kind, policy):
                self.ledger.set_state(
                    conn,
                    change_id,
                    "open",
                    "approved",
                    who,
                    {"rule": f"{environment} requires no approvals"},
                )
        return change_id

    def _refuse_known_bad(self, release_id: str) -> None:
        """A release that failed verification anywhere is not carried again: its bytes are what
        failed, so only a release with a new artifact (a new release id) may go."""
        moves = self.ledger.release_history(release_id)
        failures = [(i, r) for i, r in enumerate(moves) if r["failed"]]
        if failures:
            at, last = failures[-1]
            change = next(
                m["change_id"]
                for m in reversed(moves[:at])
                if m["environment"] == last["environment"]
            )
            raise ChangeRefused(
                f"{release_id} failed verification in {last['environment']} at {last['at']} "
                f"(change {change}): {last['reason']}; build a release with a new artifact instead"
            )

    def _rollback_target(
        self, environment: str, current: Deployment | None, named: str | None
    ) -> str:
        if current is None:
            raise ChangeRefused(
                f"nothing is deployed in {environment}; there is nothing to roll back"
            )
        candidates = [
            r["release_id"]
            for r in self._verified_releases(environment)
            if not current.runs(r["release_id"])
        ]
        if named is None:
            if not candidates:
                raise ChangeRefused(
                    f"{environment} has no earlier verified release to roll back to"
                )
            return candidates[0]
        if named not in candidates:
            raise ChangeRefused(
                f"{named} was never verified in {environment}; a rollback goes back "
                "to a release that ran there before"
            )
        return named

    # -- decisions -----------------------------------------------------------------------------
    def approve(self, who: str, change_id: int, role: str, comment: str = "") -> dict:
        """Record an approval; the change becomes approved when the roles it needs now are in."""
        return self._decide(who, change_id, role, "approve", comment)

    def reject(self, who: str, change_id: int, role: str, comment: str) -> dict:
        return self._decide(who, change_id, role, "reject", comment)

    def _decide(self, who, change_id, role, decision, comment) -> dict:
        change = self.ledger.change(change_id)
        try:
            with self.ledger.transaction() as conn:
                change = self.ledger.change(change_id)
                self._check_decision(who, change, role, decision, comment)
                seen = self._evidence_now(change).snapshot() if change["state"] == "open" else {}
                self.ledger.insert_approval(
                    conn, change_id, who, role, decision, comment, change["environment"], seen
                )
                if decision == "reject":
                    self.ledger.set_state(
                        conn, change_id, "open", "rejected", who, {"role": role, "comment": comment}
                    )
                elif change["state"] == "open":
                    self._approve_if_complete(conn, change)
        except (ChangeRefused, IllegalTransition) as error:
            self._refuse(who, decision, f"change-{change_id}", change["environment"], error)
        return self.ledger.change(change_id)

    def _check_decision(self, who, change, role, decision, comment) -> None:
        request = ChangeRequest.of(change)
        change_id, kind = request.change_id, request.kind
        policy = self.policy_for(request.environment)
        if not request.takes(decision):
            raise IllegalTransition(
                f"change {change_id} is {request.state}; it takes no {decision} any more"
            )
        allowed = self.roles_allowed(kind, policy)
        if role not in allowed:
            raise ChangeRefused(
                f"a {kind} change to {request.environment} is approved by "
                f"{allowed or 'nobody (no approvals needed)'}, not {role!r}"
            )
        if not self.access.holds(who, role):
            raise ChangeRefused(
                f"{who} does not hold the role {role!r} "
                f"(holds {self.access.roles_of(who) or 'none'})"
            )
        refusal = request.maker_checker(who, role, self.ledger.approvals(change_id), decision)
        if refusal:
            raise ChangeRefused(refusal)
        if decision == "reject" and not comment.strip():
            raise ChangeRefused("a rejection needs a comment")

    def _approve_if_complete(self, conn, change: dict) -> None:
        policy = self.policy_for(change["environment"])
        with_now = {
            a["role"]
            for a in self.ledger.approvals(change["change_id"])
            if a["decision"] == "approve"
        }
        missing = [r for r in self._roles_now(change["kind"], policy) if r not in with_now]
        if missing:
            return
        values = {}
        if change["kind"] == "emergency":
            due = self.ledger.clock() + timedelta(hours=policy.emergency_deadline_hours)
            values["approvals_due_at"] = due.isoformat(timespec="microseconds")
        self.ledger.set_state(
            conn,
            change["change_id"],
            "open",
            "approved",
            identity("lockgate", "policy"),
            {"approved_roles": sorted(with_now)} | values,
            **values,
        )

    def cancel(self, who: str, change_id: int, reason: str) -> dict:
        """The author or operations withdraws a change that has not started deploying."""
        change = self.ledger.change(change_id)
        policy = self.policy_for(change["environment"])
        try:
            with self.ledger.transaction() as conn:
                change = self.ledger.change(change_id)
                check_transition(change, "cancelled")
                if who != change["author"] and not self.access.holds(who, policy.operations_role):
                    raise ChangeRefused(
                        f"only the author ({change['author']}) or "
                        f"{policy.operations_role} may cancel change {change_id}"
                    )
                if not reason.strip():
                    raise ChangeRefused("cancelling a change needs a reason")
                self.ledger.set_state(
                    conn, change_id, change["state"], "cancelled", who, {"reason": reason}
                )
        except (ChangeRefused, IllegalTransition) as error:
            self._refuse(who, "cancel", f"change-{change_id}", change["environment"], error)
        return self.ledger.change(change_id)

    # -- deployment ----------------------------------------------------------------------------
    def deploy(self, who: str, change_id: int) -> DeployResult:
        """Move the pointer, then verify; a release that does not verify is rolled back at once.

        The change is `deploying`, with this process named as its owner, from the moment the
        pointer moves until verification has decided; a process that dies in between leaves it
        so, and `recover` finishes it. Scoring refuses an environment whose change is deploying.
        """
        change = self.ledger.change(change_id)
        env = change["environment"]
        try:
            previous = self._start(who, change_id)
        except (ChangeRefused, IllegalTransition) as error:
            self._refuse(who, "deploy", f"change-{change_id}", env, error)
        return self._verify_and_settle(who, change, previous, {})

    def _verify_and_settle(
        self, who: str, change: dict, previous: dict, note: dict
    ) -> DeployResult:
        """Verify a deploying change's release; finish it or roll it back, and say so."""
        change_id, env = change["change_id"], change["environment"]
        bundle = self.ledger.bundle(change["release_id"])
        try:
            self.verify(bundle)
        except Exception as exc:  # noqa: BLE001 - whatever fails verification is rolled back
            why = f"verification failed: {type(exc).__name__}: {exc}"
            with self.ledger.transaction() as conn:
                self.ledger.set_state(
                    conn,
                    change_id,
                    "deploying",
                    "rolled_back",
                    who,
                    {"automatic": True, "reason": why} | note,
                )
                if previous:
                    self.ledger.point(
                        conn,
                        env,
                        previous["release_id"],
                        previous["change_id"],
                        who,
                        "auto_rollback",
                        why,
                    )
                else:
                    self.ledger.clear_pointer(conn, env, change_id, who, why)
            self._mirror(who, env)
            restored = previous["release_id"] if previous else "nothing"
            return DeployResult(
                change_id,
                env,
                change["release_id"],
                "rolled_back",
                f"{why}; {env} is back on {restored}",
            )
        with self.ledger.transaction() as conn:
            self.ledger.set_state(
                conn,
                change_id,
                "deploying",
                "deployed",
                who,
                {"verification": "artifacts, digests and canaries match"} | note,
            )
            if change["kind"] == "rollback" and previous:
                reverted = self.ledger.change(previous["change_id"])
                if reverted["state"] == "deployed":
                    self.ledger.set_state(
                        conn,
                        reverted["change_id"],
                        "deployed",
                        "rolled_back",
                        who,
                        {"by_change": change_id, "reason": change["reason"]},
                    )
        self._mirror(who, env)
        return DeployResult(
            change_id,
            env,
            change["release_id"],
            "deployed",
            f"{change['release_id']} deployed to {env} by change {change_id}",
        )

    def stranded(self, environment: str | None = None) -> list[dict]:
        """Changes left `deploying` by a process that is gone (or whose lease ran out)."""
        return [
            c
            for c in self.ledger.changes(environment)
            if c["state"] == "deploying"
            and not owner.holds(c["deploy_owner"], c["deploy_lease_until"])
        ]

    def recover(
        self, who: str, environment: str | None = None, remirror: bool = False
    ) -> list[DeployResult]:
        """Finish every stranded deploy: its release is verified again, and the change becomes
        deployed when it verifies and is rolled back when it does not; the audit log says which,
        and that it was a recovery. With `remirror`, registry aliases are copied again from the
        ledger for every environment (a deploy that died after committing, before mirroring,
        leaves them behind)."""
        results = []
        for change in self.stranded(environment):
            policy = self.policy_for(change["environment"])
            if policy.required_approver_roles and not self.access.holds(
                who, policy.operations_role
            ):
                self._refuse(
                    who,
                    "recover",
                    f"change-{change['change_id']}",
                    change["environment"],
                    ChangeRefused(
                        f"{who} does not hold {policy.operations_role!r}; only "
                        f"{policy.operations_role} recovers a deploy to "
                        f"{change['environment']}"
                    ),
                )
            moves = [
                m
                for m in self.ledger.deployments(change["environment"])
                if m["change_id"] == change["change_id"] and m["action"] in ("deploy", "rollback")
            ]
            last = moves[-1]
            previous = (
                {"release_id": last["previous_release_id"], "change_id": last["previous_change_id"]}
                if last["previous_release_id"]
                else {}
            )
            note = {
                "recovered": f"{owner.describe(change['deploy_owner'])}, which was deploying "
                "it, is gone; its release was verified again by recovery"
            }
            results.append(self._verify_and_settle(who, change, previous, note))
        for env in ([environment] if environment else ENVIRONMENTS) if remirror else ():
            self._mirror(who, env)
        return results

    def execute(self, who: str, change_id: int, kind: str) -> DeployResult:
        """What the release DAG runs: deploy `change_id`, which must be of `kind`; a release that
        failed verification raises after its automatic rollback, so the run shows failed."""
        change = self.ledger.change(change_id)
        if change["kind"] != kind:
            self._refuse(
                who,
                "deploy",
                f"change-{change_id}",
                change["environment"],
                ChangeRefused(
                    f"change {change_id} is a {change['kind']} change, "
                    f"not {kind}; nothing was executed"
                ),
            )
        result = self.deploy(who, change_id)
        if result.status != "deployed":
            raise ChangeRefused(f"change {change_id}: {result.detail}")
        return result

    def _start(self, who: str, change_id: int) -> dict:
        """approved -> deploying and the pointer moved, in one transaction; returns the old pointer."""
        with self.ledger.transaction() as conn:
            change = self.ledger.change(change_id)
            env = change["environment"]
            policy = self.policy_for(env)
            check_transition(change, "deploying")
            if policy.required_approver_roles and not self.access.holds(
                who, policy.operations_role
            ):
                raise ChangeRefused(
                    f"{who} does not hold {policy.operations_role!r}; only "
                    f"{policy.operations_role} deploys to {env}"
                )
            evidence = self._evidence_now(change)
            if evidence.blocking:
                raise ChangeRefused(
                    f"change {change_id} cannot deploy to {env}: " + "; ".join(evidence.blocking)
                )
            busy = self.ledger.active_change(env, states=("deploying",))
            if busy:
                holder = self.ledger.change(busy)
                if owner.holds(holder["deploy_owner"], holder["deploy_lease_until"]):
                    raise ChangeRefused(
                        f"change {busy} is deploying to {env} "
                        f"({owner.describe(holder['deploy_owner'])}); one "
                        "deployment at a time"
                    )
                raise ChangeRefused(
                    f"change {busy} was left deploying to {env}: "
                    f"{owner.describe(holder['deploy_owner'])} that deployed it "
                    "is gone; run `lockgate change recover` first"
                )
            current = self.ledger.pointer(env)
            if current and current.runs(change["release_id"]):
                raise ChangeRefused(f"{change['release_id']} is already deployed in {env}")
            self.ledger.set_state(
                conn,
                change_id,
                "approved",
                "deploying",
                who,
                evidence.snapshot(),
                deploy_owner=owner.token(),
                deploy_lease_until=owner.lease_until(),
            )
            action = "rollback" if change["kind"] == "rollback" else "deploy"
            return self.ledger.point(
                conn, env, change["release_id"], change_id, who, action, change["reason"]
            )
