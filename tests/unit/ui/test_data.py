"""The UI's rules without a server: who may decide, path safety, and form tokens."""

import pytest
from fastapi import HTTPException
from starlette.requests import Request
from support import release_bundle

from lockgate.release.request import ChangeRequest
from lockgate.ui import data
from lockgate.ui.security import Viewer, check_form, form_token

RAJ = Viewer("raj", "airflow:raj", ("risk",))
OLU = Viewer("olu", "airflow:olu", ("operations",))


def _change(**overrides):
    row = {"change_id": 7, "kind": "normal", "state": "open", "author": "airflow:ana"}
    return ChangeRequest.of(row | overrides)


def test_the_page_offers_the_roles_the_request_still_takes_from_this_person():
    assert data.decisions(_change(), RAJ, ["risk"], []) == (["risk"], None)
    late = _change(kind="emergency", state="deployed")
    assert data.decisions(late, RAJ, ["risk"], []) == (["risk"], None)
    assert data.decisions(_change(), RAJ, ["risk", "operations"], []) == (["risk"], None)


def test_the_page_says_why_a_person_gets_no_buttons():
    def why(request, who, roles_due, approvals=()):
        may, reason = data.decisions(request, who, roles_due, list(approvals))
        assert may == []
        return reason

    assert "author cannot approve" in why(_change(author="airflow:raj"), RAJ, ["risk"])
    decided = [{"approver": "airflow:raj", "role": "operations", "decision": "approve"}]
    assert "already decided" in why(_change(), RAJ, ["risk"], decided)
    assert why(_change(), OLU, ["risk"]) == "you hold operations; this change still needs risk"
    assert why(_change(state="cancelled"), RAJ, ["risk"]) == "the change is cancelled"
    assert why(_change(state="approved"), RAJ, ["risk"]) == "the change is approved"
    assert why(_change(), RAJ, []) == "every required role has approved"


def test_dag_run_actors_become_links_and_people_do_not():
    assert data.dag_run_of("airflow:lockgate_scoring:manual__2026-11-21T00:00:00+00:00") == {
        "dag_id": "lockgate_scoring",
        "run_id": "manual__2026-11-21T00:00:00+00:00",
    }
    assert data.dag_run_of("airflow:raj") is None and data.dag_run_of("os:root") is None


@pytest.mark.parametrize("path", ["../../secrets", "a/../../b", "x/%2e%2e/y", "a b.html"])
def test_data_docs_paths_outside_the_site_are_refused(path, tmp_path):
    from lockgate.config import settings

    with pytest.raises(ValueError, match="not a Data Docs path"):
        data.data_docs_file(settings(), "scores", "test", "2026-11-20", path)


def test_data_docs_serve_the_installed_cdn_files():
    from lockgate.config import settings

    body = data.data_docs_file(
        settings(),
        "scores",
        "test",
        "2026-11-20",
        "vendor/@fortawesome/fontawesome-free/css/all.min.css",
    )
    assert b"Font Awesome" in body[:500]
    script = data.data_docs_file(
        settings(), "scores", "test", "2026-11-20", "vendor/jquery/dist/jquery.min.js"
    )
    assert b"jQuery v3.7.1" in script[:200]


def _post(origin=None, site=None) -> Request:
    headers = [(b"host", b"lockgate.bank:8080")]
    headers += [(b"origin", origin.encode())] if origin else []
    headers += [(b"sec-fetch-site", site.encode())] if site else []
    return Request(
        {
            "type": "http",
            "method": "POST",
            "scheme": "http",
            "path": "/x",
            "headers": headers,
            "server": ("lockgate.bank", 8080),
        }
    )


def test_a_form_token_is_good_only_for_its_user_action_and_change_from_our_origin():
    token = form_token(RAJ, "approve", "change-7")
    same = _post("http://lockgate.bank:8080", "same-origin")
    check_form(same, RAJ, "approve", "change-7", token)  # accepted
    check_form(_post(), RAJ, "approve", "change-7", token)  # a client that sends neither header
    refusals = [
        (same, OLU, "approve", "change-7", token, "another user"),
        (same, RAJ, "reject", "change-7", token, "another user or action"),
        (same, RAJ, "approve", "change-8", token, "another user or action"),
        (same, RAJ, "approve", "change-7", token[:-2] + "xx", "token invalid"),
        (
            _post("http://evil.example", "cross-site"),
            RAJ,
            "approve",
            "change-7",
            token,
            "cross-site",
        ),
        (_post("http://evil.example"), RAJ, "approve", "change-7", token, "cross-site"),
        (_post(site="same-site"), RAJ, "approve", "change-7", token, "cross-site"),
    ]
    for request, who, action, subject, signed, why in refusals:
        with pytest.raises(HTTPException, match=why) as refused:
            check_form(request, who, action, subject, signed)
        assert refused.value.status_code == 403


def _report(to: str, version: str = "2") -> dict:
    psi = [{"language": 0.05, "prediction": 0.02}, {"language": 0.9, "prediction": 0.31}]
    return {
        "environment": "prod",
        "model": "routing",
        "version": version,
        "from": "2027-01-01",
        "to": to,
        "days": ["2027-01-01", "2027-01-02"],
        "training_days": [],
        "other_versions": [],
        "thresholds": {"psi": 0.2, "p_value": 0.01, "min_rows": 100},
        "reference_documents": 290,
        "reference_held_out_rows": 116,
        "rows": 240,
        "judged": True,
        "drifted": ["language", "prediction"],
        "features": [
            {
                "name": "language",
                "role": "document",
                "kind": "categorical",
                "psi": 0.91,
                "p_value": 1e-40,
                "drifted": True,
                "moved": [{"bucket": "de", "reference": 0.15, "current": 0.6}],
            },
            {
                "name": "prediction",
                "role": "output",
                "kind": "categorical",
                "psi": 0.3,
                "p_value": 1e-5,
                "drifted": True,
                "moved": [],
            },
        ],
        "daily": [
            {"run_date": d, "rows": 120, "psi": p}
            for d, p in zip(["2027-01-01", "2027-01-02"], psi, strict=True)
        ],
    }


@pytest.fixture
def client(tmp_path, monkeypatch):
    """The UI app on a temporary lake, signed in as raj (`viewer` is Airflow's sign-in)."""
    from fastapi.testclient import TestClient

    from lockgate.config import load_settings
    from lockgate.ui import app
    from lockgate.ui.security import viewer

    settings = load_settings("local", "prod", tmp_path)
    monkeypatch.setattr(app, "settings", lambda: settings)
    app._manager.cache_clear()  # one ledger per worker: this test's home, not an earlier one's
    ui = app.create_app()
    ui.dependency_overrides[viewer] = lambda: RAJ
    yield TestClient(ui), settings
    app._manager.cache_clear()


def test_the_monitoring_page_shows_the_latest_drift_and_its_days(client):
    from lockgate.storage import Layout, write_json_atomic

    http, settings = client
    layout = Layout(settings.storage_root)
    for to, version in (("2027-01-29", "1"), ("2027-02-05", "2")):
        write_json_atomic(layout.monitoring("prod", "routing", to, "drift"), _report(to, version))
    page = http.get("/monitoring")
    assert page.status_code == 200
    html = page.text
    assert "routing v2 in prod" in html and "DRIFTED" in html and "<svg" in html
    assert "<b>language, prediction</b>" in html and "de 15% → 60%" in html
    assert "<td>2027-01-01</td><td>120</td>" in html and "<td>2027-01-02</td><td>120</td>" in html
    assert "<td>2027-01-29</td><td>1</td><td>240</td>" in html  # the earlier report


def test_the_monitoring_page_says_when_nothing_was_judged_yet(client):
    http, _ = client
    html = http.get("/monitoring").text
    assert "no monitoring report yet" in html and "<svg" not in html


def test_an_anonymous_request_to_monitoring_is_refused_like_the_other_pages():
    from fastapi.testclient import TestClient

    from lockgate.ui.app import create_app

    http = TestClient(create_app())
    for page in ("quality", "monitoring"):
        browser = http.get(f"/{page}", headers={"accept": "text/html"}, follow_redirects=False)
        assert browser.status_code == 303  # to Airflow's sign-in page, like every other page
        assert "/api/v2/auth/login?next=" in browser.headers["location"]
        assert http.get(f"/{page}").status_code == 401


def test_the_change_page_says_its_release_failed_verification_before(client):
    from lockgate.release.deploy import change_manager

    ui, settings = client
    manager = change_manager(settings)
    manager.verify = lambda bundle: (_ for _ in ()).throw(RuntimeError("canary moved"))
    manager.ledger.record_release("rel-bad", release_bundle("x"), "os:ci")
    failed = manager.open("os:ci", "normal", "test", "first", "rel-bad")
    assert manager.deploy("os:ci", failed).status == "rolled_back"
    page = ui.get(f"/changes/{failed}")
    assert page.status_code == 200
    assert 'id="release-failed"' in page.text and "FAILED verification, undone" in page.text
    assert "canary moved" in page.text


def test_the_change_page_shows_what_each_approver_saw_and_a_deployed_change_as_it_deployed(client):
    from lockgate.release.deploy import change_manager

    ui, settings = client
    manager = change_manager(settings)
    manager.ledger.record_release("rel-1", release_bundle("x"), "os:ci")
    test = manager.open("os:ci", "normal", "test", "first", "rel-1")
    manager.deploy("os:ci", test)
    prod = manager.open("os:ana", "emergency", "prod", "hotfix", "rel-1")
    manager.access = type(manager.access)({"operations": frozenset({"os:olu"})})
    manager.approve("os:olu", prod, "operations")
    page = ui.get(f"/changes/{prod}").text
    assert "window open" in page and "sha256" in page
    manager.deploy("os:olu", prod)
    assert 'id="frozen"' in ui.get(f"/changes/{prod}").text


def test_the_environments_page_shows_a_pointer_the_audit_log_does_not_know_as_broken(client):
    import sqlite3

    from lockgate.release.deploy import change_manager

    ui, settings = client
    manager = change_manager(settings)
    manager.ledger.record_release("rel-1", release_bundle("x"), "os:ci")
    manager.deploy("os:ci", manager.open("os:ci", "normal", "test", "first", "rel-1"))
    with sqlite3.connect(settings.home / "ledger.db") as db:
        db.execute(
            "INSERT INTO environment_pointers VALUES ('prod', 'rel-1', 1, 'os:mallory', "
            "'2026-12-01T00:00:00.000000+00:00')"
        )
    page = ui.get("/environments").text
    assert 'id="health-prod"' in page and "BROKEN" in page and "no release there" in page
    assert 'id="health-test"' not in page


def test_an_alerting_model_page_shows_its_dataset_label_and_figures_at_capacity(
    client, monkeypatch
):
    """The page of a model on a dataset (its metadata as `train_and_register` records it; the
    browser suite opens a registered one): what it reads and learns, and how its alerts did."""
    import lockgate.registry
    from lockgate.registry import ModelVersionRecord

    metadata = {
        "description": "Payments likely to be disputed.",
        "snapshot_digest": "2384f8d9" * 8,
        "training": {"run_date": "2026-11-21", "params": {}, "seed": 1, "immature_rows": 62},
        "data": {
            "dataset": "payments",
            "features": ["account_payments_1d: number of the account's events in the 1d before"],
            "label_definition": "disputed when a disputes row on the same payment_id is "
            "reported within 2 days of the row, else accepted",
            "horizon_days": 2,
            "split": "by time",
        },
        "capacity": {
            "alerts_per_day": 1,
            "days": 4,
            "alerts": 4,
            "positives": 5,
            "alerted_positives": 3,
            "precision_at_capacity": 0.75,
            "recall_at_capacity": 0.6,
            "loss": 2000.0,
            "loss_avoided": 1200.0,
            "loss_avoided_share": 0.6,
            "auc": None,
        },
        "gate": {"passed": True, "checks": []},
    }
    record = ModelVersionRecord("payment_risk", "1", "run", "src", "a" * 64, metadata)
    monkeypatch.setattr(lockgate.registry, "get_version", lambda settings, name, version: record)
    test_client, _ = client
    page = test_client.get("/models/payment_risk/1")
    assert page.status_code == 200, page.text
    html = page.text
    for said in (
        "<td>payments</td>",
        "number of the account&#39;s events in the 1d before",
        "reported within 2 days of the row",
        "2 days; 62 rows too recent for their label were left out",
        "1 over 4 days: 4 alerts, 3 of 5 positives",
        "<td>0.750</td>",
        "<td>0.600</td>",
        "1,200.00 of 2,000.00 (60.0%)",
        "n/a (one class only)",
    ):
        assert said in html, said
