"""The UI's Review page: the queue for everyone signed in, a document's content and the decide
form for reviewers only, every route refused without a session, with a forged token, as a user
without the role, and with another user's form."""

import json

import pytest
from support import OLD, review_home

from lockgate.release.deploy import open_ledger
from lockgate.ui.security import Viewer

RHEA = Viewer("rhea", "airflow:rhea", ("reviewer",))
VIC = Viewer("vic", "airflow:vic", ())
TEXT = "Please open an account &lt;IBAN&gt; (2026-11-20)"  # as the page escapes it
PAGE = f"/review/test/routing/{OLD}"


@pytest.fixture
def ui(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from lockgate.config import load_settings
    from lockgate.ui import app
    from lockgate.ui.security import viewer

    home = review_home(tmp_path / "home", ["airflow:rhea"])
    settings = load_settings("local", "test", home)
    monkeypatch.setattr(app, "settings", lambda: settings)
    app._manager.cache_clear()
    served = app.create_app()
    signed_in = {"as": RHEA}
    served.dependency_overrides[viewer] = lambda: signed_in["as"]
    yield TestClient(served), signed_in, settings
    app._manager.cache_clear()


def _audit(settings, action):
    return [e for e in open_ledger(settings).audit_entries() if e["action"] == action]


def _token(html: str) -> str:
    return html.split('name="token" value="', 1)[1].split('"', 1)[0]


def test_a_reviewer_opens_a_document_and_records_its_label(ui):
    http, _, settings = ui
    queue = http.get("/review?model=routing&environment=test")
    assert queue.status_code == 200 and f'href="/review/test/routing/{OLD}"' in queue.text
    assert "kyc 0.55, payments 0.30" in queue.text
    assert "feedback-total" in queue.text and "2026-11-21" in queue.text
    page = http.get(PAGE)
    assert page.status_code == 200 and TEXT in page.text and "DE445001" in page.text
    decided = http.post(
        f"{PAGE}/decide",
        data={"label": "custody", "token": _token(page.text)},
        follow_redirects=False,
    )
    assert decided.status_code == 303 and f"done={OLD}" in decided.headers["location"]
    after = http.get(decided.headers["location"])
    assert "recorded in the label store" in after.text and f"/routing/{OLD}" not in after.text
    (event,) = _audit(settings, "review.decide")
    assert event["actor"] == "airflow:rhea" and json.loads(event["payload"])["label"] == "custody"
    assert [e["actor"] for e in _audit(settings, "review.view")] == ["airflow:rhea"]


def test_a_label_outside_the_classes_is_refused_on_the_page(ui):
    http, _, _ = ui
    page = http.get(PAGE)
    refused = http.post(f"{PAGE}/decide", data={"label": "treasury", "token": _token(page.text)})
    assert refused.status_code == 409 and "is not a class of routing" in refused.text


def test_without_the_role_the_queue_shows_no_links_and_no_route_gives_content(ui):
    http, signed_in, settings = ui
    rhea_token = _token(http.get(PAGE).text)
    signed_in["as"] = VIC
    queue = http.get("/review?model=routing&environment=test")
    assert queue.status_code == 200 and "do not hold the reviewer role" in queue.text
    assert "/review/test/routing/" not in queue.text
    page = http.get(PAGE)
    assert page.status_code == 403 and "Please open" not in page.text
    # Her own form token (as if she had one) and rhea's are both refused.
    from lockgate.ui.security import form_token

    for token in (form_token(VIC, "review", f"test/routing/{OLD}"), rhea_token):
        posted = http.post(f"{PAGE}/decide", data={"label": "kyc", "token": token})
        assert posted.status_code == 403 and "Please open" not in posted.text
    assert [e["actor"] for e in _audit(settings, "review.refused")] == ["airflow:vic"] * 2
    assert _audit(settings, "review.decide") == []


@pytest.mark.parametrize(
    "path",
    ["/review/../../etc/routing/x", "/review/staging/routing/" + OLD, f"/review/test/nope/{OLD}"],
)
def test_a_path_that_names_no_environment_or_model_is_not_found(ui, path):
    http, _, _ = ui
    assert http.get(path).status_code == 404


def test_anonymous_requests_get_no_content():
    """(A forged token needs Airflow's auth manager: the browser suite sends one to the API
    server, `test_a_reviewer_decides_in_the_browser_and_no_one_else_sees_content`.)"""
    from fastapi.testclient import TestClient

    from lockgate.ui.app import create_app

    http = TestClient(create_app())
    for method, path in (("get", "/review"), ("get", PAGE), ("post", f"{PAGE}/decide")):
        response = getattr(http, method)(path)
        assert response.status_code == 401, (path, response.status_code)
        assert "Please open" not in response.text
