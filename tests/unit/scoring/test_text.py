"""The scorer's TF-IDF path gives scikit-learn's matrix bit for bit, and so the same
probabilities, on real-world text, generated letters and awkward strings; any vectorizer it
does not reproduce, or a batch holding something other than text, keeps scikit-learn's path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.models import get_model
from lockgate.registry import load_model
from lockgate.scoring.text import (
    FASTER_PATTERNS,
    counts,
    fast_transform,
    reproducible,
    speed_up,
)
from lockgate.training.fit import model_to_bytes

REALWORLD = Path(__file__).parents[2] / "data" / "realworld" / "files"
ROUTING = get_model("routing")
AWKWARD = [
    "",
    "   ",
    "<IBAN> <IBAN><IBAN> <<PERSON>> <a>b<c> x>y <z",
    "İstanbul İİ ǅemal ß STRASSE ﬁnance",  # lower() changes lengths and letters
    "e\u0301te\u0301 cafe\u0301 n\u0303 ２０２６ ²³ ½ ٣ ४",  # combining marks, other digits
    "snake_case __init__ a_b_ _ __",
    "payments payments payments payments settle settle",
    "😀 emoji 😀😀 tab\tnew\nline\r\nend",
    "x" * 5000,
]


def _texts(small_corpus) -> list[str]:
    root, _ = small_corpus
    texts = [
        p.read_bytes().decode("utf-8", "replace")
        for p in sorted(REALWORLD.rglob("*"))[:400]
        if p.is_file()
    ]
    texts += [
        p.read_bytes().decode("utf-8", "replace")
        for p in sorted((root / "landing").rglob("*"))
        if p.is_file()
    ]
    return texts + AWKWARD


@pytest.fixture(scope="module")
def fitted(small_corpus):
    """The shipped routing pipeline fitted on the texts (labels in turn: any six classes do)."""
    texts = _texts(small_corpus)
    labels = [ROUTING.classes[i % len(ROUTING.classes)] for i in range(len(texts))]
    frame = pd.DataFrame({"masked_text": texts})
    pipeline = ROUTING.build_pipeline(ROUTING.params, 1).fit(frame, labels)
    return load_model(model_to_bytes(pipeline)), frame


def _same(a, b) -> None:
    assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def test_the_matrix_is_scikit_learns_bit_for_bit(fitted):
    pipeline, frame = fitted
    vectorizer = pipeline[0].transformers_[0][1]
    assert reproducible(vectorizer)
    texts = frame["masked_text"]
    _same(fast_transform(vectorizer, texts), vectorizer.transform(texts))
    # Unknown words only, and an empty batch.
    _same(fast_transform(vectorizer, ["zzqx qqzx"]), vectorizer.transform(["zzqx qqzx"]))
    _same(counts(vectorizer, []), vectorizer._count_vocab([], fixed_vocab=True)[1])


def test_the_sped_up_pipeline_gives_the_same_probabilities(fitted):
    pipeline, frame = fitted
    fast = load_model(model_to_bytes(pipeline))
    assert speed_up(fast) == 1
    assert np.array_equal(fast.predict_proba(frame), pipeline.predict_proba(frame))
    # Without the speed-up the object is scikit-learn's, untouched.
    assert "transform" not in vars(pipeline[0].transformers_[0][1])


def test_a_batch_holding_anything_but_text_takes_scikit_learns_path(fitted):
    pipeline, _ = fitted
    fast = load_model(model_to_bytes(pipeline))
    speed_up(fast)
    with pytest.raises(ValueError, match="np.nan is an invalid document"):
        fast.predict_proba(pd.DataFrame({"masked_text": ["payments", np.nan]}))
    mixed = pd.DataFrame({"masked_text": [b"payment of the invoice", "custody"]})
    assert np.array_equal(fast.predict_proba(mixed), pipeline.predict_proba(mixed))


@pytest.mark.parametrize(
    "setting",
    [
        {"stop_words": "english"},
        {"strip_accents": "unicode"},
        {"ngram_range": (1, 3)},
        {"binary": True},
        {"analyzer": "char_wb"},
        {"lowercase": False},
    ],
    ids=lambda s: next(iter(s)),
)
def test_a_vectorizer_it_does_not_reproduce_keeps_scikit_learns_transform(setting):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["Payments are due", "the custody of assets", "payments and custody"] * 3
    vectorizer = TfidfVectorizer(**setting).fit(texts)
    if setting == {"lowercase": False}:
        # Lower-casing is the preprocessor's business: the same preprocessor is used.
        assert reproducible(vectorizer)
        _same(fast_transform(vectorizer, texts), vectorizer.transform(texts))
        return
    assert not reproducible(vectorizer)
    from sklearn.pipeline import make_pipeline

    assert speed_up(make_pipeline(vectorizer)) == 0


@settings(max_examples=2000, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>< >ab_Zé1²\u0301\u0130ß- .\n\t<>")) | st.characters(),
        max_size=60,
    )
)
def test_each_faster_token_pattern_finds_the_same_tokens(text):
    import re

    for pattern, faster in FASTER_PATTERNS.items():
        assert re.findall(faster, text) == re.findall(pattern, text)
