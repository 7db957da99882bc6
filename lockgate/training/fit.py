"""Fit a model on a snapshot, evaluate it on the held-out split, and serialise it safely (skops)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lockgate.models import ModelSpec
from lockgate.training.evaluation import Threshold, choose_threshold, is_holdout

CANARY_SIZE = 25
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
# An object id in a skops schema: the `__id__` field, or the file an array is stored in.
_CACHED_ID_ATTRS = frozenset({"_stop_words_id"})
_OBJECT_ID = re.compile(r'"(?:__id__": |file": ")(\d+)')


@dataclass
class TrainedModel:
    estimator: object
    classes: list[str]
    metrics: dict[str, float]
    per_class: dict[str, dict[str, float]]
    threshold: Threshold
    train_rows: int
    holdout_rows: int
    canary: list[dict] = field(default_factory=list)


def _single_threaded() -> None:
    # The same bytes on every machine: BLAS and OpenMP thread counts change float sums.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def fit_and_evaluate(
    snapshot: pd.DataFrame, spec: ModelSpec, target_precision: float, seed: int = 20261120
) -> TrainedModel:
    """Train on the stable training split of `snapshot` and measure on its held-out split."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    _single_threaded()
    frame = snapshot.sort_values("doc_id", kind="stable").reset_index(drop=True)
    holdout = frame["doc_id"].map(is_holdout).to_numpy()
    train, test = frame[~holdout], frame[holdout]
    if train[spec.label].nunique() < 2 or len(test) == 0:
        raise ValueError(
            f"snapshot too small to train {spec.name}: {len(train)} training rows with "
            f"{train[spec.label].nunique()} classes, {len(test)} held-out rows"
        )
    estimator = spec.build_pipeline(seed)
    estimator.fit(train[spec.text_column].tolist(), train[spec.label].tolist())

    proba = estimator.predict_proba(test[spec.text_column].tolist())
    classes = [str(c) for c in estimator.classes_]
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    truth = test[spec.label].to_numpy()
    threshold = choose_threshold(confidence, predicted == truth, target_precision)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    metrics = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "auto_route_precision": threshold.precision,
        "manual_review_rate": threshold.manual_review_rate,
        "auto_route_threshold": threshold.value,
    }
    per_class = {
        cls: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for cls, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    }
    canary_rows = test.head(CANARY_SIZE)
    canary = [
        {"doc_id": row.doc_id, "text": row_text, "prediction": str(pred), "confidence": float(conf)}
        for row, row_text, pred, conf in zip(
            canary_rows.itertuples(),
            canary_rows[spec.text_column],
            predicted[:CANARY_SIZE],
            confidence[:CANARY_SIZE],
            strict=True,
        )
    ]
    return TrainedModel(
        estimator=estimator,
        classes=classes,
        metrics=metrics,
        per_class=per_class,
        threshold=threshold,
        train_rows=len(train),
        holdout_rows=len(test),
        canary=canary,
    )


def model_to_bytes(estimator: object) -> bytes:
    """skops bytes made canonical, so the same fitted model always has the same sha256.

    skops names array files and `__id__` fields after CPython object ids, and zips them
    with the current time. Ids are renumbered in order of first appearance in schema.json
    (consistently, so shared references still resolve) and zip timestamps are fixed.
    Fitted state that caches an object id (TfidfVectorizer's `_stop_words_id`) is dropped;
    scikit-learn recomputes it when needed.
    """
    import skops.io as sio

    raw = sio.dumps(estimator)
    with zipfile.ZipFile(io.BytesIO(raw)) as src:
        members = {info.filename: src.read(info.filename) for info in src.infolist()}
    schema = json.dumps(_without_object_ids(json.loads(members.pop("schema.json"))), indent=2)
    ids: dict[str, str] = {}
    for match in _OBJECT_ID.finditer(schema):
        ids.setdefault(match.group(1), str(len(ids) + 1))
    schema = _OBJECT_ID.sub(lambda m: m.group(0).replace(m.group(1), ids[m.group(1)]), schema)
    renamed = {"schema.json": schema.encode()}
    for name, data in members.items():
        stem, _, ext = name.partition(".")
        if stem not in ids:
            raise ValueError(f"skops member {name} is not referenced by its schema")
        renamed[f"{ids[stem]}.{ext}"] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in sorted(renamed):
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, renamed[name])
    return out.getvalue()


def _without_object_ids(node):
    if isinstance(node, dict):
        return {k: _without_object_ids(v) for k, v in node.items() if k not in _CACHED_ID_ATTRS}
    if isinstance(node, list):
        return [_without_object_ids(v) for v in node]
    return node


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
