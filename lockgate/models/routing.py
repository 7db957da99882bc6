"""The routing model: masked document text to the department that should handle it."""

from __future__ import annotations

from lockgate.models import ModelSpec


def build_pipeline(seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"<?\b\w+\b>?"
                ),
            ),
            ("classifier", LogisticRegression(C=4.0, max_iter=2000, random_state=seed)),
        ]
    )


SPEC = ModelSpec(
    name="routing",
    label="label",
    text_column="masked_text",
    build_pipeline=build_pipeline,
    gate="routing",
)
