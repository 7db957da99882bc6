"""Many processes opening, approving, deploying and rolling back changes on one ledger at once,
and the invariants the ledger must hold afterwards. Used against SQLite (unit suite) and
PostgreSQL (cluster suite)."""

from __future__ import annotations

import multiprocessing
import random

from support import release_bundle

from lockgate.config import ReleasePolicy
from lockgate.release.bundle import ReleaseBundle
from lockgate.release.changes import ChangeManager, ChangeRefused
from lockgate.release.identity import Access
from lockgate.release.ledger import IllegalTransition, Ledger

RELEASES = [f"rel-race-{i}" for i in range(4)]
BROKEN = "rel-race-3"  # fails verification wherever it goes: exercises automatic rollback
ENVIRONMENTS = ("test", "prod")
ROLES = ("model-owner", "risk", "operations")
POLICIES = {
    "test": ReleasePolicy(),
    "prod": ReleasePolicy(required_approver_roles=list(ROLES), soak_environment=None),
}


def _access(workers: int) -> Access:
    return Access({role: frozenset(f"w{w}:{role}" for w in range(workers)) for role in ROLES})


def _verify(bundle: ReleaseBundle) -> None:
    if bundle.code["commit"] == BROKEN:
        raise RuntimeError("canary mismatch")


def seed(url: str) -> None:
    ledger = Ledger(url)
    for release in RELEASES:
        ledger.record_release(release, release_bundle(release), "seed")


def worker(url: str, number: int, workers: int, rounds: int) -> dict:
    """One process's share: random changes driven as far as the rules let them go."""
    manager = ChangeManager(Ledger(url), POLICIES.__getitem__, _access(workers), _verify)
    rng = random.Random(number)
    outcome = {"deployed": 0, "rolled_back": 0, "refused": 0}
    me = {role: f"w{number}:{role}" for role in ROLES}
    others = [w for w in range(workers) if w != number]
    for _ in range(rounds):
        env = rng.choice(ENVIRONMENTS)
        try:
            if rng.random() < 0.25:
                change = manager.open(me["operations"], "rollback", env, "race rollback", None)
            else:
                change = manager.open(
                    me["model-owner"], "normal", env, "race", rng.choice(RELEASES)
                )
            for role in manager.evidence(change).roles_now:
                manager.approve(f"w{rng.choice(others)}:{role}", change, role)
            result = manager.deploy(me["operations"], change)
            outcome[result.status] += 1
        except (ChangeRefused, IllegalTransition):
            outcome["refused"] += 1
    return outcome


def race(url: str, workers: int = 6, rounds: int = 25) -> list[dict]:
    seed(url)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return pool.starmap(worker, [(url, n, workers, rounds) for n in range(workers)])


def check_invariants(url: str) -> None:
    """One release per environment, a gap-free chain of pointer moves, rules held, audit intact."""
    ledger = Ledger(url)
    report = ledger.verify_audit()
    assert report.intact, report
    for env in ENVIRONMENTS:
        moves = ledger.deployments(env)
        for before, after in zip(moves, moves[1:], strict=False):
            assert after["previous_release_id"] == (before["release_id"] or None), (before, after)
        pointer = ledger.pointer(env)
        if moves and moves[-1]["release_id"]:
            assert pointer.release_id == moves[-1]["release_id"]
            assert pointer.change_id == moves[-1]["change_id"]
        else:
            assert pointer is None
        assert BROKEN not in {m["release_id"] for m in moves if m["action"] != "deploy"}
        if pointer:
            assert pointer.release_id != BROKEN
    changes = ledger.changes()
    assert not [c for c in changes if c["state"] == "deploying"]
    for change in changes:
        if change["environment"] == "prod" and change["state"] in ("deployed", "rolled_back"):
            decided = ledger.approvals(change["change_id"])
            approvers = [a["approver"] for a in decided]
            assert sorted(a["role"] for a in decided) == sorted(
                ["operations"] if change["kind"] == "rollback" else ROLES
            ), change
            assert len(set(approvers)) == len(approvers) and change["author"] not in approvers
