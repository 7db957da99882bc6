"""A change request's own rules: which decisions it still takes, and maker-checker."""

import pytest

from lockgate.release.request import LATE_APPROVAL_STATES, ChangeRequest


def _request(**overrides) -> ChangeRequest:
    row = {
        "change_id": 3,
        "kind": "normal",
        "environment": "prod",
        "release_id": "rel-1",
        "state": "open",
        "author": "os:ana",
        "reason": "r",
        "created_at": "t",
        "updated_at": "t",
    }
    return ChangeRequest.of(row | overrides)


def test_an_open_request_takes_approvals_and_rejections():
    assert _request().takes("approve") and _request().takes("reject")


@pytest.mark.parametrize("state", LATE_APPROVAL_STATES)
def test_an_emergency_that_went_ahead_takes_late_approvals_only(state):
    emergency = _request(kind="emergency", state=state)
    assert emergency.takes_late_approvals()
    assert emergency.takes("approve") and not emergency.takes("reject")
    normal = _request(state=state)
    assert not normal.takes_late_approvals() and not normal.takes("approve")


@pytest.mark.parametrize("state", ["rejected", "cancelled", "rolled_back"])
def test_a_closed_request_takes_nothing(state):
    for kind in ("normal", "emergency", "rollback"):
        request = _request(kind=kind, state=state)
        assert not request.takes("approve") and not request.takes("reject")


def test_maker_checker_the_author_a_role_and_a_person_decide_once():
    request = _request()
    assert "os:ana opened change 3 and cannot also reject it" == request.maker_checker(
        "os:ana", "risk", [], "reject"
    )
    decided = [{"approver": "os:raj", "role": "risk", "decision": "approve"}]
    assert "risk already decided change 3 (os:raj, approve)" == request.maker_checker(
        "os:kim", "risk", decided
    )
    assert "each role needs a different person" in request.maker_checker(
        "os:raj", "operations", decided
    )
    assert request.maker_checker("os:kim", "operations", decided) is None


def test_a_row_with_columns_the_value_does_not_know_is_read():
    assert _request(extra="ignored").change_id == 3
