"""The change state machine and its rules, on a real SQLite ledger with a simulated clock.

Verification here is a function of the bundle (the bundle of code rel-bad fails); the real verifier
(MLflow artifacts, digests, canaries) runs in the integration suite.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from support import release_bundle

from lockgate.config import ReleasePolicy
from lockgate.release.bundle import ReleaseBundle
from lockgate.release.changes import (
    STATES,
    TRANSITIONS,
    ChangeManager,
    ChangeRefused,
    check_transition,
)
from lockgate.release.history import describe, history
from lockgate.release.identity import Access
from lockgate.release.ledger import IllegalTransition, Ledger
from lockgate.tooling.demo import SimulatedClock

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, inside prod's window
AUTHOR, OWNER, RISK, OPS, OPS2, NOBODY = (
    "os:sam",
    "os:ana",
    "os:raj",
    "os:olu",
    "os:mia",
    "os:eve",
)
POLICIES = {
    "dev": ReleasePolicy(),
    "test": ReleasePolicy(),
    "prod": ReleasePolicy(
        required_approver_roles=["model-owner", "risk", "operations"],
        soak_environment="test",
        soak_days=7,
        min_scoring_runs=2,
        change_windows=["Mon-Thu 07:00-17:00"],
        emergency_deadline_hours=72,
    ),
}
ACCESS = Access(
    {
        "model-owner": frozenset({OWNER, AUTHOR}),
        "risk": frozenset({RISK, OWNER}),
        "operations": frozenset({OPS, OPS2}),
    }
)


def verify(bundle: ReleaseBundle) -> None:
    if bundle.code["commit"] == "rel-bad":
        raise RuntimeError("canary doc-1 scored custody/0.41, recorded payments/0.97")


@pytest.fixture
def clock():
    return SimulatedClock(MONDAY - timedelta(days=7))


@pytest.fixture
def manager(tmp_path, clock):
    ledger = Ledger(f"sqlite:///{tmp_path}/ledger.db", clock=clock)
    for name in ("rel-a", "rel-b", "rel-bad"):
        ledger.record_release(name, release_bundle(name), "airflow:pipeline")
    return ChangeManager(ledger, POLICIES.__getitem__, ACCESS, verify)


def to_test(manager, release, runs=2, failed=0):
    change = manager.open(
        "airflow:pipeline", "normal", "test", f"{release} passed its gates", release
    )
    assert manager.ledger.change(change)["state"] == "approved"  # test needs no approvals
    result = manager.deploy("airflow:pipeline", change)
    for day in range(runs + failed):
        manager.ledger.record_scoring_run(
            "test", release, f"2026-11-{10 + day}", day < runs, "validated", "airflow:pipeline"
        )
    return result


def approve_all(manager, change):
    manager.approve(OWNER, change, "model-owner")
    manager.approve(RISK, change, "risk")
    return manager.approve(OPS, change, "operations")


def to_prod(manager, clock, release="rel-a"):
    to_test(manager, release)
    clock.now = MONDAY
    change = manager.open(AUTHOR, "normal", "prod", "quarterly retrain", release)
    approve_all(manager, change)
    return change, manager.deploy(OPS2, change)


def prod_then_second_release_soaked(manager, clock):
    """rel-a in prod; rel-b soaked in test a week later (Monday, window open); rel-a's change."""
    first, _ = to_prod(manager, clock, "rel-a")
    to_test(manager, "rel-b")
    clock.advance(days=7)
    return first


def last_refusal(manager):
    entry = manager.ledger.audit_entries()[-1]
    assert entry["action"].startswith("refused."), entry
    return entry


# -- the state machine ---------------------------------------------------------------------------
@pytest.mark.parametrize("state,new", list(itertools.product(STATES, STATES)))
def test_every_transition_is_allowed_or_refused_by_the_table(state, new):
    change = {"change_id": 7, "state": state}
    if new in TRANSITIONS[state]:
        check_transition(change, new)
    else:
        with pytest.raises(IllegalTransition, match=f"change 7 is {state}; it cannot become {new}"):
            check_transition(change, new)


def test_normal_change_reaches_prod_with_evidence_and_approvals(manager, clock):
    change, result = to_prod(manager, clock)
    assert result.status == "deployed" and manager.ledger.pointer("prod").release_id == "rel-a"
    states = [
        e["action"] for e in manager.ledger.audit_entries() if e["subject"] == f"change-{change}"
    ]
    assert states == [
        "change.opened",
        "change.approve",
        "change.approve",
        "change.approve",
        "change.approved",
        "change.deploying",
        "deployment.deploy",
        "change.deployed",
    ]
    assert manager.ledger.verify_audit().intact


def test_approvals_arriving_in_any_order_complete_the_change_only_when_all_roles_are_in(
    manager, clock
):
    to_test(manager, "rel-a")
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    assert manager.approve(OPS, change, "operations")["state"] == "open"
    assert manager.approve(RISK, change, "risk")["state"] == "open"
    assert manager.approve(OWNER, change, "model-owner")["state"] == "approved"


# -- maker-checker -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "who,role,message",
    [
        (AUTHOR, "model-owner", "opened change .* and cannot also approve it"),
        (NOBODY, "risk", "does not hold the role 'risk'"),
        (OWNER, "auditor", "approved by .*not 'auditor'"),
    ],
)
def test_maker_checker_refusals_are_explained_and_audited(manager, who, role, message):
    to_test(manager, "rel-a")
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    with pytest.raises(ChangeRefused, match=message):
        manager.approve(who, change, role)
    refusal = last_refusal(manager)
    assert refusal["actor"] == who and refusal["action"] == "refused.approve"
    assert manager.ledger.approvals(change) == [] and manager.ledger.verify_audit().intact


def test_one_person_cannot_fill_two_roles_and_a_role_is_decided_once(manager):
    to_test(manager, "rel-a")
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    manager.approve(OWNER, change, "model-owner")
    with pytest.raises(ChangeRefused, match="already approved change .* as model-owner"):
        manager.approve(OWNER, change, "risk")  # OWNER holds risk too
    manager.approve(OPS, change, "operations")
    with pytest.raises(ChangeRefused, match="operations already decided"):
        manager.approve(OPS2, change, "operations")
    assert manager.ledger.change(change)["state"] == "open"


def test_a_rejection_closes_the_change_and_needs_a_comment(manager):
    to_test(manager, "rel-a")
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    with pytest.raises(ChangeRefused, match="rejection needs a comment"):
        manager.reject(RISK, change, "risk", " ")
    assert manager.reject(RISK, change, "risk", "drift on NL letters")["state"] == "rejected"
    with pytest.raises(IllegalTransition, match="is rejected; it takes no approve"):
        manager.approve(OWNER, change, "model-owner")


def test_only_operations_deploys_to_prod(manager, clock):
    to_test(manager, "rel-a")
    clock.now = MONDAY
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    approve_all(manager, change)
    with pytest.raises(ChangeRefused, match="only operations deploys to prod"):
        manager.deploy(OWNER, change)
    assert manager.ledger.pointer("prod") is None and last_refusal(manager)["actor"] == OWNER


# -- soak and windows ----------------------------------------------------------------------------
def test_soak_time_is_required(manager, clock):
    to_test(manager, "rel-a")
    clock.advance(days=6, hours=23)
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    approve_all(manager, change)
    with pytest.raises(
        ChangeRefused, match=r"in test for 6\.96 days without a break; policy needs 7"
    ):
        manager.deploy(OPS2, change)
    clock.advance(hours=1)
    assert manager.deploy(OPS2, change).status == "deployed"


def test_soak_needs_passed_scoring_runs_and_no_failed_one(manager, clock):
    to_test(manager, "rel-a", runs=1, failed=1)
    clock.now = MONDAY
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    approve_all(manager, change)
    with pytest.raises(ChangeRefused) as refused:
        manager.deploy(OPS2, change)
    assert "scoring passed on 1 day(s) in test; policy needs 2" in str(refused.value)
    assert "scoring run failed in test: 2026-11-11: validated" in str(refused.value)


def test_soak_restarts_when_another_release_replaced_it(manager, clock):
    to_test(manager, "rel-a")
    clock.advance(days=3)
    to_test(manager, "rel-b")
    clock.advance(days=5)
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    assert manager.evidence(change).soak.days_soaked == pytest.approx(3)


@pytest.mark.parametrize(
    "moment,open_",
    [
        (datetime(2026, 11, 27, 10, 0, tzinfo=UTC), False),  # Friday
        (datetime(2026, 11, 24, 17, 0, tzinfo=UTC), False),  # Tuesday, window closed at 17:00
        (datetime(2026, 11, 24, 6, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 26, 16, 59, tzinfo=UTC), True),  # Thursday
    ],
)
def test_normal_changes_deploy_only_inside_the_window(manager, clock, moment, open_):
    to_test(manager, "rel-a")
    clock.now = moment
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    approve_all(manager, change)
    if open_:
        assert manager.deploy(OPS2, change).status == "deployed"
    else:
        with pytest.raises(
            ChangeRefused, match=r"outside the change windows of prod \(Mon-Thu 07:00-17:00 UTC\)"
        ):
            manager.deploy(OPS2, change)


# -- emergency -----------------------------------------------------------------------------------
def test_emergency_deploys_on_one_operations_approval_outside_windows_and_soak(manager, clock):
    to_test(manager, "rel-a", runs=0)
    clock.now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # Saturday night, no soak at all
    change = manager.open(AUTHOR, "emergency", "prod", "fraud pattern in production", "rel-a")
    assert manager.approve(RISK, change, "risk")["state"] == "open"  # waits for operations
    record = manager.approve(OPS, change, "operations")
    assert record["state"] == "approved"
    assert record["approvals_due_at"] == "2026-12-01T02:00:00.000000+00:00"
    assert manager.deploy(OPS2, change).status == "deployed"
    evidence = manager.evidence(change)
    assert evidence.roles_due == ["model-owner"] and not evidence.overdue


def test_emergency_approvals_become_overdue_and_are_flagged_until_given(manager, clock):
    to_test(manager, "rel-a", runs=0)
    change = manager.open(AUTHOR, "emergency", "prod", "fraud pattern", "rel-a")
    manager.approve(OPS, change, "operations")
    manager.deploy(OPS2, change)
    clock.advance(hours=72, seconds=1)
    assert manager.evidence(change).overdue
    state = history(manager, "prod")
    assert state["deployed"]["overdue"] and "OVERDUE: approvals from model-owner, risk" in describe(
        state
    )
    manager.approve(OWNER, change, "model-owner", "reviewed after the fact")
    manager.approve(RISK, change, "risk")
    assert (
        not manager.evidence(change).overdue and not history(manager, "prod")["deployed"]["overdue"]
    )
    with pytest.raises(ChangeRefused, match="operations already decided"):
        manager.approve(OPS2, change, "operations")


# -- verification and rollback -------------------------------------------------------------------
def test_failed_verification_rolls_back_on_its_own(manager, clock):
    first, _ = to_prod(manager, clock, "rel-a")
    to_test(manager, "rel-b")
    clock.advance(days=7)  # Monday again
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-b")
    approve_all(manager, change)
    manager.verify = lambda bundle: verify(release_bundle("rel-bad"))  # changed since test
    result = manager.deploy(OPS2, change)
    assert result.status == "rolled_back" and "canary doc-1 scored custody" in result.detail
    prod = manager.ledger.pointer("prod")
    assert (prod.release_id, prod.change_id) == ("rel-a", first)
    assert manager.ledger.change(change)["state"] == "rolled_back"
    assert manager.ledger.change(first)["state"] == "deployed"
    moves = [(d["action"], d["release_id"]) for d in manager.ledger.deployments("prod")]
    assert moves == [("deploy", "rel-a"), ("deploy", "rel-b"), ("auto_rollback", "rel-a")]
    assert "auto_rollback" in describe(history(manager, "prod"))


def test_a_first_deployment_that_fails_verification_leaves_nothing_deployed(manager):
    result = to_test(manager, "rel-bad", runs=0)
    assert result.status == "rolled_back" and manager.ledger.pointer("test") is None
    assert manager.ledger.verify_audit().intact


def test_manual_rollback_to_the_previous_release(manager, clock):
    first = prod_then_second_release_soaked(manager, clock)
    second = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-b")
    approve_all(manager, second)
    manager.deploy(OPS2, second)
    clock.advance(days=4, hours=10)  # Friday evening: rollbacks ignore windows
    with pytest.raises(ChangeRefused, match="needs a reason"):
        manager.open(OPS, "rollback", "prod", "", None)
    rollback = manager.open(OPS, "rollback", "prod", "complaints about routing", None)
    assert manager.ledger.change(rollback)["release_id"] == "rel-a"
    with pytest.raises(ChangeRefused, match="cannot also approve"):
        manager.approve(OPS, rollback, "operations")
    with pytest.raises(ChangeRefused, match=r"approved by \['operations'\], not 'risk'"):
        manager.approve(RISK, rollback, "risk")
    manager.approve(OPS2, rollback, "operations")
    assert manager.deploy(OPS2, rollback).status == "deployed"
    assert manager.ledger.pointer("prod").release_id == "rel-a"
    assert manager.ledger.change(second)["state"] == "rolled_back"
    assert manager.ledger.change(first)["state"] == "deployed"


def test_rollback_targets_must_have_been_verified_there(manager, clock):
    with pytest.raises(ChangeRefused, match="nothing is deployed in prod"):
        manager.open(OPS, "rollback", "prod", "undo", None)
    to_prod(manager, clock, "rel-a")
    with pytest.raises(ChangeRefused, match="no earlier verified release"):
        manager.open(OPS, "rollback", "prod", "undo", None)
    with pytest.raises(ChangeRefused, match="rel-b was never verified in prod"):
        manager.open(OPS, "rollback", "prod", "undo", "rel-b")
    to_test(manager, "rel-b")
    to_test(manager, "rel-bad")  # fails verification: not a rollback target
    with pytest.raises(ChangeRefused, match="rel-bad was never verified in test"):
        manager.open(OPS, "rollback", "test", "undo", "rel-bad")
    assert (
        manager.ledger.change(manager.open(OPS, "rollback", "test", "undo", None))["release_id"]
        == "rel-a"
    )


# -- refused moves through the API ---------------------------------------------------------------
def test_illegal_moves_are_refused_with_their_state(manager, clock):
    to_test(manager, "rel-a")
    clock.now = MONDAY
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    with pytest.raises(IllegalTransition, match="is open; it cannot become deploying"):
        manager.deploy(OPS, change)
    with pytest.raises(ChangeRefused, match=f"change {change} already carries rel-a to prod"):
        manager.open(OWNER, "normal", "prod", "again", "rel-a")
    approve_all(manager, change)
    manager.deploy(OPS2, change)
    with pytest.raises(IllegalTransition, match="is deployed; it cannot become deploying"):
        manager.deploy(OPS2, change)
    with pytest.raises(IllegalTransition, match="is deployed; it cannot become cancelled"):
        manager.cancel(AUTHOR, change, "too late")
    with pytest.raises(ChangeRefused, match="rel-a is already deployed in prod"):
        manager.open(AUTHOR, "normal", "prod", "again", "rel-a")
    assert manager.ledger.verify_audit().intact


def test_cancel_by_author_or_operations_only(manager):
    to_test(manager, "rel-a")
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    with pytest.raises(ChangeRefused, match="only the author"):
        manager.cancel(RISK, change, "not mine")
    assert manager.cancel(OPS, change, "superseded by next week's retrain")["state"] == "cancelled"
    with pytest.raises(IllegalTransition, match="is cancelled; it cannot become cancelled"):
        manager.cancel(AUTHOR, change, "again")


# -- history -------------------------------------------------------------------------------------
def test_history_answers_for_any_moment(manager, clock):
    before = (MONDAY - timedelta(days=30)).isoformat()
    first, _ = to_prod(manager, clock, "rel-a")
    after_first = clock.now.isoformat()
    to_test(manager, "rel-b")
    clock.advance(days=7)
    second = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-b")
    approve_all(manager, second)
    manager.deploy(OPS2, second)
    assert history(manager, "prod", before)["deployed"] is None
    then = history(manager, "prod", after_first)["deployed"]
    assert then["release_id"] == "rel-a" and then["change"]["change_id"] == first
    assert {(a["role"], a["approver"]) for a in then["approvals"]} == {
        ("model-owner", OWNER),
        ("risk", RISK),
        ("operations", OPS),
    }
    now = history(manager, "prod")["deployed"]
    assert now["release_id"] == "rel-b" and now["by"] == OPS2
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        history(manager, "prod", "last tuesday")


def test_aliases_follow_the_ledger_and_a_failed_mirror_is_audited_not_fatal(manager, clock):
    mirrored = []
    manager.mirror = lambda env, models: mirrored.append((env, models))
    manager.ledger.record_release("rel-m", release_bundle("m", ("routing", 3)), "airflow:pipeline")
    to_test(manager, "rel-m")
    assert mirrored == [("test", {"routing": "3"})]

    def broken(env, models):
        raise ConnectionError("MLflow is down")

    manager.mirror = broken
    assert to_test(manager, "rel-a").status == "deployed"
    failed = [e for e in manager.ledger.audit_entries() if e["action"] == "aliases.mirror_failed"]
    assert len(failed) == 1 and "MLflow is down" in failed[0]["payload"]
    assert manager.ledger.pointer("test").release_id == "rel-a"


@pytest.mark.parametrize(
    "moment,lasting,opens",
    [
        (datetime(2026, 11, 24, 10, 0, tzinfo=UTC), 0, datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
        (datetime(2026, 11, 24, 18, 0, tzinfo=UTC), 0, datetime(2026, 11, 25, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 27, 9, 0, tzinfo=UTC), 0, datetime(2026, 11, 30, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 24, 15, 0, tzinfo=UTC), 90, datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),
        # Open, but not for 90 more minutes: the next opening that is (the demo failed here).
        (datetime(2026, 11, 24, 16, 0, tzinfo=UTC), 90, datetime(2026, 11, 25, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), 90, datetime(2026, 11, 30, 7, 0, tzinfo=UTC)),
    ],
)
def test_next_window_opening_that_lasts_as_long_as_the_work(moment, lasting, opens):
    from datetime import timedelta

    from lockgate.config.windows import next_open

    assert next_open(moment, ["Mon-Thu 07:00-17:00"], timedelta(minutes=lasting)) == opens


@pytest.mark.parametrize(
    "window", ["Thu-Mon 07:00-17:00", "Mon-Thu 17:00-07:00", "weekdays", "Mon-Fri 7-17"]
)
def test_malformed_change_windows_are_refused_when_policy_loads(window):
    with pytest.raises(ValueError, match="change window"):
        ReleasePolicy(change_windows=[window])


def test_execute_runs_only_the_kind_it_was_told_and_fails_loudly_after_a_rollback(manager, clock):
    first = prod_then_second_release_soaked(manager, clock)
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-b")
    approve_all(manager, change)
    with pytest.raises(ChangeRefused, match=f"change {change} is a normal change, not rollback"):
        manager.execute(OPS2, change, "rollback")
    assert manager.ledger.change(change)["state"] == "approved"
    manager.verify = lambda bundle: verify({"bad": True})
    with pytest.raises(ChangeRefused, match="verification failed"):
        manager.execute(OPS2, change, "normal")
    assert manager.ledger.pointer("prod").change_id == first


def test_a_release_that_failed_verification_cannot_be_carried_again(manager, clock):
    failed = to_test(manager, "rel-bad", runs=0)
    assert failed.status == "rolled_back"
    for kind, env in (("normal", "test"), ("normal", "prod"), ("emergency", "prod")):
        with pytest.raises(
            ChangeRefused,
            match=r"rel-bad failed verification in test at .* "
            r"\(change 1\): verification failed: RuntimeError: canary doc-1",
        ):
            manager.open(AUTHOR, kind, env, "try again", "rel-bad")
        assert last_refusal(manager)["action"] == f"refused.open.{kind}"
    history = manager.ledger.release_history("rel-bad")
    assert [(m["action"], m["failed"]) for m in history] == [
        ("deploy", False),
        ("auto_rollback", True),
    ]
    assert manager.open(AUTHOR, "normal", "test", "a new artifact", "rel-a")  # others still go


def test_soak_counts_days_not_runs(manager, clock):
    to_test(manager, "rel-a", runs=0)
    for _ in range(3):  # the same day scored three times
        manager.ledger.record_scoring_run(
            "test", "rel-a", "2026-11-10", True, "validated", "airflow:pipeline"
        )
    clock.now = MONDAY
    change = manager.open(AUTHOR, "normal", "prod", "retrain", "rel-a")
    soak = manager.evidence(change).soak
    assert soak.runs_passed == 1
    assert (
        "soak: scoring passed on 1 day(s) in test; policy needs 2"
        in manager.evidence(change).blocking
    )


def test_evidence_is_frozen_when_decided_and_when_deployed(manager, clock):
    import json

    change, result = to_prod(manager, clock)
    assert result.status == "deployed"
    seen = manager.decisions_seen(change)
    assert set(seen) == {OWNER, RISK, OPS}
    assert (
        seen[RISK]["evidence"]["soak"]["runs_passed"] == 2
        and len(seen[RISK]["evidence_sha256"]) == 64
    )
    at_deploy = manager.evidence(change)
    assert at_deploy.frozen_at is not None and at_deploy.blocking == []
    # A week later the window is shut (Saturday night) and test has moved on: the deployed
    # change still shows what was true when it deployed.
    clock.now = MONDAY + timedelta(days=5, hours=14)
    to_test(manager, "rel-b", runs=1)
    later = manager.evidence(change)
    assert later.window_open and later.blocking == [] and later.soak == at_deploy.soak
    entry = [
        e
        for e in manager.ledger.entries_about(f"change-{change}")
        if e["action"] == "change.deploying"
    ][-1]
    recorded = json.loads(entry["payload"])
    assert recorded["evidence"]["soak"]["days_soaked"] == at_deploy.soak.days_soaked
