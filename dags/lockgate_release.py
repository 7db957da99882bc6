"""
### lockgate_release

Executes one approved change request: a normal or emergency change, or a rollback. The
pointer moves, the release is verified (artifacts load, digests match, canaries reproduce),
and a release that does not verify is rolled back on its own, with the reason in the audit log.

Trigger with `{"change_id": 12, "kind": "rollback"}`: `kind` must match the change, so that a
mistyped id cannot execute a different kind of change. The run acts as the Airflow user who
triggered it, who must hold the operations role where the environment requires approvals.
Every rule (approvals, soak, windows, deadlines) is checked again by the ledger at execution.
A deploy whose process died earlier (left `deploying`) is recovered first: verified again, then
finished or rolled back.
"""

from __future__ import annotations

# Airflow's DAG processor imports the airflow modules a DAG file names once, before it forks a
# parser for the file ([dag_processor] parsing_pre_import_modules); naming TaskFlow's decorators
# here keeps them out of every parse.
import airflow.providers.standard.decorators.python  # noqa: F401
from airflow.sdk import Param, dag, task

from lockgate.orchestration import dag_settings


@dag(
    dag_id="lockgate_release",
    schedule=None,
    doc_md=__doc__,
    params={
        "change_id": Param(None, type="integer", minimum=1, description="The change to execute"),
        "kind": Param(
            None,
            type="string",
            enum=["normal", "emergency", "rollback"],
            description="What the change is expected to be",
        ),
    },
    **dag_settings(tags=["lockgate", "release"]),
)
def lockgate_release():
    @task
    def execute_change(params: dict | None = None, **context) -> dict:
        from lockgate.config import settings
        from lockgate.release.deploy import change_manager
        from lockgate.release.identity import airflow_identity

        manager, who = change_manager(settings()), airflow_identity(context)
        for recovered in manager.recover(who):  # a deploy that died earlier is finished first
            print(f"recovered change {recovered.change_id}: {recovered.status}: {recovered.detail}")
        return manager.execute(who, params["change_id"], params["kind"]).__dict__

    execute_change()


lockgate_release()
