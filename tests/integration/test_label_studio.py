"""Issue 30's interoperability against a real Label Studio, started by the project's own script
(infra/label-studio/label-studio, its pinned venv): lockgate's review queue exported as tasks is
imported into a Label Studio project with lockgate's labelling config; an annotator labels
both documents and skips one of them once, through Label Studio's REST API (the calls its own
editor makes); Label Studio's JSON export, imported back, becomes exactly those decisions and
quarantines the skip; the same export again adds nothing."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import requests
from support import BIN, NEW, OLD, REPO, free_port, local_env, review_home, run

from lockgate.release.identity import cli_identity

SCRIPT = REPO / "infra" / "label-studio" / "label-studio"


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """(its URL, a requests session signed in with a personal access token); stopped after."""
    home = tmp_path_factory.mktemp("label-studio-home")
    env = local_env(home) | {"LOCKGATE_LABEL_STUDIO_PORT": str(free_port())}
    started = run([str(SCRIPT), "start"], env, check=False, timeout=1200)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        url = f"http://127.0.0.1:{env['LOCKGATE_LABEL_STUDIO_PORT']}"
        secrets = home / "label-studio" / "secrets"
        assert (secrets / "password").stat().st_mode & 0o777 == 0o600
        yield url, _signed_in(url, (secrets / "password").read_text().strip())
    finally:
        run([str(SCRIPT), "stop"], env, check=False)


def _signed_in(url: str, password: str) -> requests.Session:
    """Sign in as the one account, make a personal access token (Label Studio's API keys) and
    return a session that sends its access token, as an integration would."""
    browser = requests.Session()
    browser.get(f"{url}/user/login/", timeout=60)
    csrf = browser.cookies["csrftoken"]
    login = browser.post(
        f"{url}/user/login/",
        data={
            "email": "reviewer@lockgate.local",
            "password": password,
            "csrfmiddlewaretoken": csrf,
        },
        headers={"Referer": f"{url}/user/login/"},
        allow_redirects=False,
        timeout=60,
    )
    assert login.status_code == 302, login.text[:500]
    headers = {"X-CSRFToken": browser.cookies["csrftoken"], "Referer": url}
    refresh = browser.post(f"{url}/api/token/", headers=headers, timeout=60)
    assert refresh.status_code == 201, refresh.text
    access = requests.post(
        f"{url}/api/token/refresh/", json={"refresh": refresh.json()["token"]}, timeout=60
    )
    assert access.status_code == 200, access.text
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {access.json()['access']}"
    return api


def _ok(response: requests.Response, status: int = 200) -> dict | list:
    assert response.status_code == status, (response.request.url, response.text[:1000])
    return response.json()


def _choice(value: str) -> dict:
    return {
        "from_name": "label",
        "to_name": "text",
        "type": "choices",
        "value": {"choices": [value]},
    }


def test_label_studio_round_trip(label_studio, tmp_path):
    url, api = label_studio
    home = review_home(tmp_path / "home", [cli_identity()])  # the test's account reviews
    env = local_env(home) | {"LOCKGATE_ENV": "test"}
    lockgate = str(BIN / "lockgate")
    out = tmp_path / "to-label-studio"
    run([lockgate, "review", "export-label-studio", "--model", "routing", "--out", str(out)], env)
    tasks = json.loads((out / "tasks.json").read_text())
    assert [t["data"]["doc_id"] for t in tasks] == [OLD, NEW]

    # Label Studio validates the labelling config against the tasks' data when it takes both.
    config = (out / "config.xml").read_text()
    project = _ok(
        api.post(f"{url}/api/projects", json={"title": "routing queue", "label_config": config}),
        201,
    )
    imported = _ok(api.post(f"{url}/api/projects/{project['id']}/import", json=tasks), 201)
    assert imported["task_count"] == 2 and imported["prediction_count"] == 2, imported
    listed = _ok(api.get(f"{url}/api/tasks", params={"project": project["id"]}))
    ids = {t["data"]["doc_id"]: t["id"] for t in listed["tasks"]}
    assert set(ids) == {OLD, NEW}
    # The model's guess arrived as the task's prediction, to be accepted or changed.
    shown = _ok(api.get(f"{url}/api/tasks/{ids[OLD]}"))
    assert shown["predictions"][0]["result"][0]["value"] == {"choices": ["kyc"]}

    chosen = {OLD: "custody", NEW: "payments"}
    annotated = {
        doc: _ok(
            api.post(
                f"{url}/api/tasks/{ids[doc]}/annotations/",
                json={"result": [_choice(value)], "was_cancelled": False},
            ),
            201,
        )
        for doc, value in chosen.items()
    }
    skipped = api.post(
        f"{url}/api/tasks/{ids[NEW]}/annotations/", json={"result": [], "was_cancelled": True}
    )
    _ok(skipped, 201)
    export = api.get(
        f"{url}/api/projects/{project['id']}/export", params={"exportType": "JSON"}, timeout=120
    )
    _ok(export)
    path = tmp_path / "label-studio-export.json"
    path.write_bytes(export.content)

    done = run([lockgate, "labels", "import-label-studio", str(path), "--model", "routing"], env)
    assert "3 rows: 2 accepted, 1 quarantined" in done.stdout, done.stdout
    stored = [
        row
        for part in sorted((home / "lake" / "label_store" / "decisions").rglob("*.parquet"))
        for row in pq.read_table(part).to_pylist()
        if row["source"] == "label-studio"
    ]
    me = _ok(api.get(f"{url}/api/current-user/whoami"))
    assert sorted(
        (r["doc_id"], r["value"], r["decided_by"], r["system"]) for r in stored
    ) == sorted(
        (doc, value, f"label-studio:{me['id']}", "label-studio") for doc, value in chosen.items()
    )
    # Each decision is dated when its annotation was last changed in Label Studio.
    for row in stored:
        when = annotated[row["doc_id"]]["updated_at"]
        assert row["decided_at"].isoformat()[:19] == when[:19], (row, when)
    quarantined = list((home / "lake" / "label_store" / "quarantine").glob("*.jsonl"))
    (reason,) = [json.loads(line)["reason"] for line in quarantined[0].read_text().splitlines()]
    assert reason == "missing_field"  # the skip: an annotation without a label

    queue = run([lockgate, "review", "queue", "--model", "routing"], env)
    assert OLD not in queue.stdout and NEW not in queue.stdout  # both decided by a person
    files = sorted((home / "lake" / "label_store" / "decisions").rglob("*.parquet"))
    again = run([lockgate, "labels", "import-label-studio", str(path), "--model", "routing"], env)
    assert "nothing added" in again.stdout
    assert sorted((home / "lake" / "label_store" / "decisions").rglob("*.parquet")) == files
