"""Chargebacks as the card scheme reports them: the late label of a transaction."""

from lockgate.datasets import Column, DatasetSpec

DATASET = DatasetSpec(
    name="chargebacks",
    description="A cardholder's dispute of a transaction, delivered on the day it is reported.",
    columns=(
        Column("chargeback_id", "string", nullable=False),
        Column("txn_id", "string", nullable=False),
        Column("reported_at", "timestamp", nullable=False),
        Column("reason", "string", nullable=False, allowed=("fraud", "dispute")),
    ),
    key=("chargeback_id",),
    event_time="reported_at",
    landing_format="csv",
    owner="cards operations",
    limitations="Reported 10 to 60 days after the transaction: a recent day's labels are not "
    "known yet.",
)
