"""Change-managed releases: bundles, change requests, approvals, deployment with verification and
automatic rollback, history, and the audit chain.

Import from the module that holds a name (`lockgate.release.deploy`, `.changes`, `.ledger`,
`.history`...): the light ones (identity, owner) do not pull in MLflow.
"""
