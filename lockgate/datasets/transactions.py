"""Card transactions as the card system delivers them, a CSV file a day."""

from lockgate.datasets import Column, DatasetSpec

DATASET = DatasetSpec(
    name="transactions",
    description="Card payments and withdrawals, one row each, as the card system delivers them.",
    columns=(
        Column("txn_id", "string", nullable=False),
        Column("account_id", "string", nullable=False),
        Column("merchant_id", "string", nullable=False),
        Column("merchant_category", "string", nullable=False),
        Column("merchant_country", "string", nullable=False),
        Column("home_country", "string", nullable=False),
        Column(
            "channel", "string", nullable=False, allowed=("chip", "contactless", "online", "atm")
        ),
        Column("amount", "double", nullable=False, minimum=0),
        Column("currency", "string", nullable=False, allowed=("EUR", "GBP", "USD", "PLN")),
        Column("booked_at", "timestamp", nullable=False),
    ),
    key=("txn_id",),
    event_time="booked_at",
    landing_format="csv",
    owner="cards operations",
    limitations="Amounts are in the currency of the merchant's country, never converted.",
)
