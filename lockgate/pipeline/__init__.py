"""The pipeline: each stage of a run wired from the capabilities below it.

One module per stage: `name_model` (the person-name model, trained once), `extraction`,
`validation`, `training` (snapshots, fit, gate, monitoring reference, register), `release`
(the trained versions to an environment), `scoring` (the deployed release, checked, scores a
day) and `monitoring` (daily statistics, drift, day anomalies). Jobs, DAG tasks and the command
line call these; the capability packages never import them.
"""


class StageRefused(SystemExit):
    """A stage that will not run on what it was given (nothing landed, no gated name model,
    scores naming two releases). The job exits with this message, as a refusal: Airflow fails the
    task without retrying it, and spark-submit's application fails with it in the driver's log."""


class AwaitingFirstDelivery(Exception):
    """A model's work that cannot start yet: a dataset it reads has not been delivered to this
    installation (`lockgate.pipeline.onboarding.awaiting_first_delivery`). Its DAG tasks are
    skipped, saying so; the other models' run goes on."""
