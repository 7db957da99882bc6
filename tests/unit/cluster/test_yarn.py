"""The check that keeps a Spark task from waiting forever on a YARN that cannot run containers.

A small HTTP server here answers `/ws/v1/cluster/nodes` the way the ResourceManager does (the
health report is the one a real NodeManager gave when its disk crossed the utilisation
threshold); the cluster suite runs every Spark task through the same check against the real
ResourceManager."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from airflow.sdk.exceptions import AirflowFailException

from lockgate.cluster.yarn import node_problem
from lockgate.orchestration.operators import LockgateSparkSubmitOperator

FULL_DISK = (
    "1/1 local-dirs usable space is below configured utilization percentage/no more usable "
    "space [ /home/cluster/hadoop/data/nm-local : used space above threshold of 99.0% ] "
)


def _node(state: str, report: str = "") -> dict:
    return {
        "id": "127.0.0.1:8041",
        "nodeHostName": "127.0.0.1",
        "state": state,
        "healthReport": report,
    }


@pytest.fixture
def resource_manager():
    """(url, set_nodes): an RM nodes endpoint answering whatever list was set last."""
    answer = {"nodes": None}
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            calls.append(self.path)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def set_nodes(nodes):
        answer["nodes"] = {"node": nodes} if nodes is not None else None

    yield f"http://127.0.0.1:{server.server_port}", set_nodes, calls
    server.shutdown()


def test_a_running_node_is_no_problem(resource_manager):
    url, set_nodes, _ = resource_manager
    set_nodes([_node("UNHEALTHY", FULL_DISK), _node("RUNNING")])
    assert node_problem(url) is None


def test_an_unhealthy_only_node_is_reported_with_its_health_report(resource_manager):
    url, set_nodes, _ = resource_manager
    set_nodes([_node("UNHEALTHY", FULL_DISK)])
    problem = node_problem(url)
    assert problem.startswith("no YARN NodeManager can run containers: 127.0.0.1 is UNHEALTHY")
    assert "used space above threshold of 99.0%" in problem


def test_no_registered_node_is_reported(resource_manager):
    url, set_nodes, _ = resource_manager
    set_nodes(None)
    assert node_problem(url) == "YARN has no NodeManager registered"


def test_the_spark_task_fails_at_once_instead_of_submitting(resource_manager):
    url, set_nodes, calls = resource_manager
    set_nodes([_node("LOST")])
    task = LockgateSparkSubmitOperator(
        task_id="extract",
        application="jobs/extract_documents.py",
        yarn_rm_url=url,
        conn_id="spark_default",
    )
    with pytest.raises(AirflowFailException, match="not submitted: .* 127.0.0.1 is LOST"):
        task.execute({})
    assert task._hook is None, "spark-submit must not have been started"
    assert calls == ["/ws/v1/cluster/nodes"]
