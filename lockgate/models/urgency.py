"""The urgency model: tabular, on the fields extraction found (amounts, identifiers, dates).

Gradient-boosted trees over counts and magnitudes of the extracted fields; the text itself is
not read, so the model explains itself in terms an operations analyst already works with.
"""

from __future__ import annotations

from lockgate.models import Gate, ModelSpec

NUMERIC = (
    "amount_count",
    "max_amount",
    "date_count",
    "iban_count",
    "invalid_identifier_count",
    "isin_count",
    "person_count",
    "attachment_count",
    "has_signature",
    "text_chars",
)


def featurizer():
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    return ColumnTransformer(
        [
            ("fields", "passthrough", list(NUMERIC)),
            ("language", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["language"]),
        ],
        sparse_threshold=0.0,
    )


def estimator(params, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # No early stopping: its validation split would draw from the random state per fit.
    return HistGradientBoostingClassifier(early_stopping=False, random_state=seed, **params)


def urgent_recall(truth, predicted) -> float:
    """Share of truly urgent letters the model calls urgent: a missed one costs a deadline."""
    urgent = truth == "urgent"
    return float((predicted[urgent] == "urgent").mean()) if urgent.any() else 1.0


SPEC = ModelSpec(
    name="urgency",
    description="Flags letters that need handling today, from the fields extraction found in them.",
    label="urgency",
    inputs=(*NUMERIC, "language"),
    featurizer=featurizer,
    estimator=estimator,
    params={"learning_rate": 0.1, "max_depth": 3, "max_iter": 100},
    search_space={"learning_rate": (0.05, 0.2), "max_depth": (3, 5)},
    gate=Gate(min_precision=0.90, max_manual_review_rate=0.40, min_macro_f1=0.80),
    extra_metrics={"urgent_recall": urgent_recall},
    classes=("routine", "urgent"),
    limitations=(
        "Sees only extracted fields, never the text: a letter whose urgency is stated in words "
        "alone (a threat of legal action, a deadline written out) is invisible to it. Amounts "
        "are compared across currencies without conversion."
    ),
)
