"""The routing model: masked document text to the department that should handle it."""

from __future__ import annotations

from lockgate.models import Gate, ModelSpec


def featurizer():
    """Word uni- and bigrams of the masked text; placeholders such as <IBAN> are tokens too."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"<?\b\w+\b>?"
    )
    return ColumnTransformer([("text", tfidf, "masked_text")])


def estimator(params, seed: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, random_state=seed, **params)


SPEC = ModelSpec(
    name="routing",
    description="Routes a received document to the department that handles it, from its masked text.",
    label="department",
    inputs=("masked_text",),
    featurizer=featurizer,
    estimator=estimator,
    params={"C": 4.0},
    search_space={"C": (1.0, 4.0, 16.0)},
    gate=Gate(min_precision=0.95, max_manual_review_rate=0.40, min_macro_f1=0.85),
    classes=("complaints", "corporate_actions", "custody", "kyc", "payments", "settlements"),
    limitations=(
        "Trained on English, French, Dutch and German letters to the six departments above; a "
        "letter about anything else is still given one of them, with low confidence, and goes "
        "to manual review only if its confidence is under the department's threshold. Personal "
        "data is masked before the model sees the text."
    ),
)
