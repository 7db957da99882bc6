"""Airflow plugin: lockgate's pages (lockgate/ui) mounted at /lockgate, in the UI's menu under
"lockgate", and a "lockgate" tab on every DAG run linking to what that run produced."""

from airflow.plugins_manager import AirflowPlugin

from lockgate.ui.app import create_app

PAGES = [
    ("Environments", "environments"),
    ("Change requests", "changes"),
    ("Models", "models"),
    ("Audit", "audit"),
    ("Data quality", "quality"),
    ("Monitoring", "monitoring"),
    ("Review", "review"),
]


class LockgatePlugin(AirflowPlugin):
    name = "lockgate"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/lockgate", "name": "lockgate"}]
    external_views = [
        {
            "name": title,
            "href": f"lockgate/{page}",
            "url_route": f"lockgate-{page}",
            "category": "lockgate",
            "destination": "nav",
        }
        for title, page in PAGES
    ] + [
        {
            "name": "lockgate",
            "href": "lockgate/runs/{DAG_ID}/{RUN_ID}",
            "url_route": "lockgate-run",
            "destination": "dag_run",
        },
    ]
