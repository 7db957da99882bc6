"""The payment fraud model: card transactions scored daily, the day's most suspicious sent to
the fraud team, as many as it can review.

Gradient-boosted trees over what a fraud analyst looks at: the payment itself (amount, channel,
merchant category, abroad or not, hour), and the card's recent past, computed by the platform
strictly before each payment (bursts within the hour, spend in the last day, the amount against
the card's usual). Labelled by chargebacks: a payment is fraud when a fraud chargeback on it is
reported within 60 days, so a payment younger than that has no label yet and is left out.

Held out of model discovery (its module name starts with `_`) until the DAGs ingest its
datasets (issue 31); `lockgate.models.fraud` will register it then.
"""

from __future__ import annotations

from lockgate.models import CapacityGate, Derived, LabelDefinition, ModelSpec, Ratio, Rolling

FEATURES = (
    Rolling("card_txns_1h", "count", None, "1h", by="account_id"),
    Rolling("card_txns_24h", "count", None, "24h", by="account_id"),
    Rolling("card_spend_24h", "sum", "amount", "24h", by="account_id"),
    Rolling("card_merchants_1h", "distinct", "merchant_id", "1h", by="account_id"),
    Rolling("card_countries_24h", "distinct", "merchant_country", "24h", by="account_id"),
    Rolling("card_mean_amount_30d", "mean", "amount", "30d", by="account_id"),
    Ratio("amount_to_usual", "amount", "card_mean_amount_30d"),
    Derived(
        "abroad",
        "cast(merchant_country <> home_country as double)",
        reads=("merchant_country", "home_country"),
    ),
    # The UTC hour, whatever the session's time zone.
    Derived(
        "hour", "cast(floor(pmod(unix_seconds(booked_at), 86400) / 3600) as double)", ("booked_at",)
    ),
)
NUMERIC = (
    "amount",
    "card_txns_1h",
    "card_txns_24h",
    "card_spend_24h",
    "card_merchants_1h",
    "card_countries_24h",
    "amount_to_usual",
    "abroad",
    "hour",
)
CATEGORICAL = ("channel", "merchant_category")


def featurizer():
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    return ColumnTransformer(
        [
            ("numbers", "passthrough", list(NUMERIC)),
            (
                "kinds",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                list(CATEGORICAL),
            ),
        ],
        sparse_threshold=0.0,
    )


def estimator(params, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # No early stopping: its validation split would draw from the random state per fit.
    return HistGradientBoostingClassifier(
        early_stopping=False, class_weight="balanced", random_state=seed, **params
    )


SPEC = ModelSpec(
    name="fraud",
    description="Ranks the day's card payments by how likely each is fraud; the fraud team "
    "reviews the top of the list.",
    label="fraud",
    inputs=(*NUMERIC, *CATEGORICAL),
    featurizer=featurizer,
    estimator=estimator,
    params={"learning_rate": 0.1, "max_depth": 4, "max_iter": 150},
    search_space={"learning_rate": (0.05, 0.1), "max_depth": (3, 5)},
    gate=CapacityGate(
        alerts_per_day=10,
        min_precision=0.5,
        min_recall=0.5,
        min_loss_avoided_share=0.5,
        amount="amount",
    ),
    classes=("fraud", "genuine"),
    dataset="transactions",
    features=FEATURES,
    label_definition=LabelDefinition(
        dataset="chargebacks",
        key="txn_id",
        event_time="reported_at",
        horizon_days=60,
        where="reason = 'fraud'",
        positive="fraud",
        negative="genuine",
    ),
    limitations=(
        "Learns the fraud of the past: a pattern the chargebacks have not shown yet is not "
        "ranked high. Amounts are compared across currencies without conversion. A payment's "
        "label is known only 60 days on, so the newest fraud is never in its training data."
    ),
)
