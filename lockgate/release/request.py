"""A change request as a value, with the rules that read only the request and its decisions.

The ledger stores change requests as rows; `ChangeRequest.of(row)` gives the value. The change
manager enforces these rules, and the UI and the command line ask them (which buttons to show,
what to flag) instead of restating them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

KINDS = ("normal", "emergency", "rollback")
# An emergency change goes out on fewer approvals; the other roles approve it afterwards, in
# these states, until a deadline (`approvals_due_at`).
LATE_APPROVAL_STATES = ("approved", "deploying", "deployed")
# States in which a change still holds its environment's attention.
ACTIVE_STATES = ("open", "approved", "deploying")
# Waiting to go out: still collecting approvals, or approved and not yet deploying.
PENDING_STATES = ("open", "approved")


@dataclass(frozen=True)
class ChangeRequest:
    change_id: int
    kind: str
    environment: str
    release_id: str
    state: str
    author: str
    reason: str
    created_at: str
    updated_at: str
    approvals_due_at: str | None = None
    deploy_owner: str | None = None
    deploy_lease_until: str | None = None

    @classmethod
    def of(cls, row: Mapping) -> ChangeRequest:
        return cls(**{f.name: row.get(f.name) for f in fields(cls)})

    def pending(self) -> bool:
        """Waiting to go out; what blocks it is worth showing."""
        return self.state in PENDING_STATES

    def takes_late_approvals(self) -> bool:
        """An emergency change that went ahead on its first approvals takes the others late."""
        return self.kind == "emergency" and self.state in LATE_APPROVAL_STATES

    def takes(self, decision: str) -> bool:
        """Whether the request still takes an approval or a rejection: an open one takes both;
        an emergency one that went ahead takes late approvals only."""
        return self.state == "open" or (decision == "approve" and self.takes_late_approvals())

    def authored_by(self, who: str) -> bool:
        return who == self.author

    @staticmethod
    def decided_by(who: str, decisions: Sequence[Mapping]) -> bool:
        """Whether `who` already decided the request (a person decides it once)."""
        return any(d["approver"] == who for d in decisions)

    def maker_checker(
        self, who: str, role: str, decisions: Sequence[Mapping], decision: str = "approve"
    ) -> str | None:
        """Why `who` may not take `decision` on this request in `role`, given the `decisions`
        taken so far (the ledger's approvals), or None: its author never decides it, each role
        decides once, and each person once (a second role needs a second person)."""
        if self.authored_by(who):
            return f"{who} opened change {self.change_id} and cannot also {decision} it"
        same_role = [d for d in decisions if d["role"] == role]
        if same_role:
            return (
                f"{role} already decided change {self.change_id} "
                f"({same_role[0]['approver']}, {same_role[0]['decision']})"
            )
        if self.decided_by(who, decisions):
            own = next(d for d in decisions if d["approver"] == who)
            return (
                f"{who} already approved change {self.change_id} as {own['role']}; "
                "each role needs a different person"
            )
        return None
