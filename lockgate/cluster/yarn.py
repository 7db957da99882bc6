"""The ResourceManager and NodeManager REST APIs: application states and driver log excerpts.

Used by the Spark task operator to put a failed application's diagnostics and the end of its
driver's stderr into the Airflow task log, and by tests and `lockgate cluster apps`.
"""

from __future__ import annotations

import requests

TIMEOUT = 15


def applications(rm_url: str, **filters: str) -> list[dict]:
    """`/ws/v1/cluster/apps` (filters such as states=FINISHED, applicationTags=lockgate)."""
    response = requests.get(f"{rm_url}/ws/v1/cluster/apps", params=filters, timeout=TIMEOUT)
    response.raise_for_status()
    return (response.json().get("apps") or {}).get("app", [])


def application(rm_url: str, app_id: str) -> dict:
    response = requests.get(f"{rm_url}/ws/v1/cluster/apps/{app_id}", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()["app"]


def driver_logs(rm_url: str, app_id: str, filenames: tuple[str, ...], size: int = 8192) -> dict:
    """The last `size` bytes of each of the ApplicationMaster container's log files (the
    driver's, in cluster mode), read from its NodeManager; missing logs are left out."""
    response = requests.get(f"{rm_url}/ws/v1/cluster/apps/{app_id}/appattempts", timeout=TIMEOUT)
    response.raise_for_status()
    attempts = response.json().get("appAttempts", {}).get("appAttempt", [])
    last = attempts[-1] if attempts else {}
    node, container = last.get("nodeHttpAddress"), last.get("containerId")
    if not node or not container:
        return {}
    logs = {}
    for filename in filenames:
        response = requests.get(
            f"http://{node}/ws/v1/node/containers/{container}/logs/{filename}",
            params={"size": str(-size)},
            timeout=TIMEOUT,
        )
        if response.status_code == 200:
            logs[filename] = response.text
    return logs


def node_problem(rm_url: str) -> str | None:
    """Why YARN cannot start a container now, or None: no NodeManager is RUNNING (each node's
    state and health report, e.g. a local dir under its free-space floor). Without this check
    an application waits in ACCEPTED for as long as the node stays unhealthy."""
    response = requests.get(f"{rm_url}/ws/v1/cluster/nodes", timeout=TIMEOUT)
    response.raise_for_status()
    nodes = (response.json().get("nodes") or {}).get("node", [])
    if any(node.get("state") == "RUNNING" for node in nodes):
        return None
    if not nodes:
        return "YARN has no NodeManager registered"
    reports = "; ".join(
        f"{node.get('nodeHostName') or node.get('id')} is {node.get('state')}"
        + (f" ({node['healthReport'].strip()})" if node.get("healthReport", "").strip() else "")
        for node in nodes
    )
    return f"no YARN NodeManager can run containers: {reports}"


def cluster_problems(settings) -> list[str]:
    """What keeps the profile's cluster from running lockgate's work: services (WebHDFS,
    ResourceManager, MLflow) that do not answer, and a YARN without a usable NodeManager."""
    endpoints = {
        "WebHDFS": settings.webhdfs_url and f"{settings.webhdfs_url}/webhdfs/v1/?op=GETFILESTATUS",
        "YARN ResourceManager": settings.yarn_rm_url
        and f"{settings.yarn_rm_url}/ws/v1/cluster/info",
        "MLflow": settings.mlflow_tracking_uri.startswith("http")
        and f"{settings.mlflow_tracking_uri}/health",
    }
    down = []
    for name, url in endpoints.items():
        if not url:
            continue
        try:
            requests.get(url, timeout=5).raise_for_status()
        except requests.RequestException:
            down.append(f"{name} at {url.split('/', 3)[2]} does not answer")
    if settings.yarn_rm_url and not any(d.startswith("YARN") for d in down):
        problem = node_problem(settings.yarn_rm_url)
        down += [problem] if problem else []
    return down


def failure_report(rm_url: str, app_id: str) -> str:
    """State, final status and diagnostics of an application, and the end of its driver's
    stdout (where PySpark puts the Python traceback) and stderr (Spark's own errors)."""
    try:
        app = application(rm_url, app_id)
    except requests.RequestException as exc:
        return f"YARN application {app_id}: the ResourceManager could not be asked ({exc})"
    lines = [
        f"YARN application {app_id} ({app.get('name')}): state {app.get('state')}, "
        f"final status {app.get('finalStatus')}",
        f"YARN diagnostics: {app.get('diagnostics') or '(none)'}",
        f"tracking URL: {app.get('trackingUrl')}",
    ]
    try:
        logs = driver_logs(rm_url, app_id, ("stdout", "stderr"))
    except requests.RequestException:
        logs = {}
    for filename, keep in (("stdout", None), ("stderr", ("ERROR", "Exception", "Error:"))):
        body = logs.get(filename, "").split("LogContents:", 1)[-1].rstrip()
        if keep:
            body = "\n".join(line for line in body.splitlines() if any(k in line for k in keep))
        if body.strip():
            lines += [f"--- driver {filename} (ApplicationMaster container), last lines ---", body]
    return "\n".join(lines)
