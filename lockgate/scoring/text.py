"""TF-IDF word n-grams at scoring, with fewer Python steps than scikit-learn takes: the same matrix.

scikit-learn's `TfidfVectorizer.transform` analyses each text into a list of n-gram strings
(a slice and a join per bigram), then looks each one up in the vocabulary and counts it in a
dict, one Python step per n-gram. Here the same preprocessor and tokens (the vectorizer's
own lower-casing and `token_pattern`) are used; the n-grams are looked up in C
(`map` over the vocabulary's `get`); the counting is numpy's, once per batch. The counts are
handed to the vectorizer's own fitted TF-IDF transformer. Routing's token pattern is
run as an equivalent one that `re` searches faster (`FASTER_PATTERNS`). The matrix, and so every
probability after it, is bit for bit scikit-learn's (tests compare them on the corpora).
Any vectorizer setting this does not reproduce (stop words, accent stripping, a custom
analyzer, n-grams past bigrams, binary counts...) keeps scikit-learn's own transform.
"""

from __future__ import annotations

import re
from array import array
from itertools import pairwise, repeat

import numpy as np
import scipy.sparse as sp

# Token patterns that find exactly the tokens of a faster pattern (`findall`), each with why.
# `<?\b\w+\b>?`, routing's: a match starts only at `<` or a word character, so the look-ahead
# just lets `re` skip the other positions without trying the pattern there; and `\w+` is
# greedy and `>?` cannot fail, so a match always takes a whole run of word characters. Every
# search therefore starts outside a run or at its first character (or at the `<` before
# it), where both `\b` hold; dropping them changes no match. A property test compares the
# two on arbitrary text.
FASTER_PATTERNS = {r"<?\b\w+\b>?": r"(?=[<\w])<?\w+>?"}


class _NotText(TypeError):
    """A value that is not a str (None, NaN, bytes): scikit-learn's transform decides."""


def reproducible(vectorizer) -> bool:
    """Whether `fast_transform` gives exactly `vectorizer.transform`'s matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (
        type(vectorizer) is TfidfVectorizer
        and hasattr(vectorizer, "vocabulary_")
        and vectorizer.analyzer == "word"
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and vectorizer.strip_accents is None
        and vectorizer.ngram_range in ((1, 1), (1, 2))
        and not vectorizer.binary
    )


def counts(vectorizer, texts) -> sp.csr_matrix:
    """The n-gram counts of `texts` over the vectorizer's vocabulary: CountVectorizer's matrix."""
    preprocess = vectorizer.build_preprocessor()
    faster = FASTER_PATTERNS.get(vectorizer.token_pattern)
    tokenize = re.compile(faster).findall if faster else vectorizer.build_tokenizer()
    get = vectorizer.vocabulary_.get
    bigrams = vectorizer.ngram_range[1] == 2
    join = " ".join
    ids = array("q")
    lengths = array("q")
    for text in texts:
        if not isinstance(text, str):
            raise _NotText(type(text).__name__)
        tokens = tokenize(preprocess(text))
        before = len(ids)
        ids.extend(map(get, tokens, repeat(-1)))
        if bigrams:
            ids.extend(map(get, map(join, pairwise(tokens)), repeat(-1)))
        lengths.append(len(ids) - before)
    found = np.frombuffer(ids, dtype=np.int64) if ids else np.empty(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(lengths)), np.frombuffer(lengths, dtype=np.int64))
    known = found >= 0
    matrix = sp.coo_matrix(
        (np.ones(int(known.sum()), dtype=vectorizer.dtype), (rows[known], found[known])),
        shape=(len(lengths), len(vectorizer.vocabulary_)),
    ).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def fast_transform(vectorizer, texts):
    """`vectorizer.transform(texts)`, the same matrix, faster (see the module); a batch with
    anything but str in it goes through scikit-learn's transform (which decodes bytes and
    refuses NaN with its own error)."""
    try:
        matrix = counts(vectorizer, texts)
    except _NotText:
        return type(vectorizer).transform(vectorizer, texts)
    return vectorizer._tfidf.transform(matrix, copy=False)


def speed_up(pipeline):
    """The pipeline with each TF-IDF vectorizer `fast_transform` reproduces transforming that
    way (on this loaded instance only); returns how many it changed."""
    from sklearn.compose import ColumnTransformer

    changed = 0
    for step in getattr(pipeline, "steps", []):
        transformer = step[1]
        fitted = (
            [t for _, t, _ in transformer.transformers_]
            if isinstance(transformer, ColumnTransformer)
            else [transformer]
        )
        for vectorizer in fitted:
            if reproducible(vectorizer):
                vectorizer.transform = lambda texts, v=vectorizer: fast_transform(v, texts)
                changed += 1
    return changed
