"""Fit a model on a snapshot, evaluate it on held-out splits, and serialise it canonically (skops)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lockgate.models import Gate, ModelSpec
from lockgate.training.evaluation import (
    Evaluation,
    choose_thresholds,
    evaluate_rows,
    split_of,
    withhold_unproven,
)

CANARY_SIZE = 25
# The test rows' inputs, stored beside a tree model: what a compiled library must reproduce.
TEST_ROWS_FILE = "test_rows.parquet"
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
# An object id in a skops schema: the `__id__` field, or the file an array is stored in.
_CACHED_ID_ATTRS = frozenset({"_stop_words_id"})
_OBJECT_ID = re.compile(r'"(?:__id__": |file": ")(\d+)')


@dataclass
class TrainedModel:
    """A fitted candidate: thresholds chosen on validation rows, evaluated on test rows.

    `withheld`: classes given a threshold on validation but too few test rows to prove it,
    so not auto-routed in this release (class -> why)."""

    estimator: object
    classes: list[str]
    params: dict[str, Any]
    seed: int
    thresholds: dict[str, float]
    validation: Evaluation
    test: Evaluation
    train_rows: int
    canary: list[dict] = field(default_factory=list)
    withheld: dict[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        return self.test.metrics


@dataclass(frozen=True)
class Splits:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


# A dataset model's test and validation splits: each the latest fifth of the snapshot's days.
TIME_SPLIT_SHARE = 0.2


def split_snapshot(snapshot: pd.DataFrame, spec: ModelSpec) -> Splits:
    """Rows sorted by doc_id (input order never matters). A document model's are split by
    content; a dataset model's by time, as it will be used: trained on the older days,
    thresholds and search on the next, judged on the latest (`TIME_SPLIT_SHARE` of the days
    each, at least one), so no row is judged by a model that saw a later day."""
    frame = snapshot.sort_values("doc_id", kind="stable").reset_index(drop=True)
    if spec.on_documents:
        side = frame["doc_id"].map(split_of)
    else:
        days = sorted(frame["day"].unique())
        held = max(1, round(len(days) * TIME_SPLIT_SHARE))
        test_days, validation_days = set(days[-held:]), set(days[-2 * held : -held])
        side = frame["day"].map(
            lambda d: (
                "test" if d in test_days else "validation" if d in validation_days else "train"
            )
        )
    splits = Splits(
        *(frame[side == s].reset_index(drop=True) for s in ("train", "validation", "test"))
    )
    if splits.train["label"].nunique() < 2 or len(splits.validation) == 0 or len(splits.test) == 0:
        raise ValueError(
            f"snapshot too small to train {spec.name}: {len(splits.train)} training rows with "
            f"{splits.train['label'].nunique()} classes, {len(splits.validation)} validation "
            f"and {len(splits.test)} test rows"
        )
    return splits


def fit_pipeline(spec: ModelSpec, params: dict[str, Any], seed: int, train: pd.DataFrame):
    """The model's pipeline fitted on one thread (thread counts change float sums, so bytes)."""
    from threadpoolctl import threadpool_limits

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    estimator = spec.build_pipeline(params, seed)
    with threadpool_limits(limits=1):
        estimator.fit(train[list(spec.inputs)], train["label"].to_numpy())
    return estimator


def predict_proba(estimator, spec: ModelSpec, frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        proba = estimator.predict_proba(frame[list(spec.inputs)])
    return proba, [str(c) for c in estimator.classes_]


def fit_and_validate(
    spec: ModelSpec,
    params: dict[str, Any],
    seed: int,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    gate: Gate,
) -> tuple[object, list[str], dict[str, float], Evaluation]:
    """Fit on `train`; choose each class's threshold on `validation` (the gate's precision at
    its lower bound) and measure it there. The search's trials and the final candidate both go
    through here.

    An alerting model gets no thresholds: its alerts are each day's best-scored rows, up to
    its capacity, so nothing is decided automatically by a cut.
    """
    estimator = fit_pipeline(spec, params, seed, train)
    proba, classes = predict_proba(estimator, spec, validation)
    thresholds = (
        {}
        if spec.alerting
        else choose_thresholds(
            proba, classes, validation["label"].to_numpy(), gate.min_precision, gate.confidence
        )
    )
    return (
        estimator,
        classes,
        thresholds,
        evaluate_rows(proba, classes, validation, thresholds, spec, gate),
    )


def train_candidate(
    splits: Splits, spec: ModelSpec, params: dict[str, Any], seed: int, gate: Gate
) -> TrainedModel:
    """Fit on train; choose each class's threshold on validation; measure everything on test,
    after withholding from automatic routing the classes the test rows cannot vouch for."""
    estimator, classes, thresholds, validation = fit_and_validate(
        spec, params, seed, splits.train, splits.validation, gate
    )
    proba, _ = predict_proba(estimator, spec, splits.test)
    test = evaluate_rows(proba, classes, splits.test, thresholds, spec, gate)
    withheld = {}
    if not spec.alerting:
        thresholds, withheld = withhold_unproven(test, thresholds, gate)
    if withheld:
        test = evaluate_rows(proba, classes, splits.test, thresholds, spec, gate)
    for cls, scores in test.per_class.items():
        scores["routing"] = (
            f"alerts: each day's {gate.alerts_per_day} best-scored rows"
            if spec.alerting
            else "auto-routed"
            if scores["auto_routed"]
            else f"manual review: {withheld[cls]}"
            if cls in withheld
            else f"manual review: no confidence cut of the {validation.per_class[cls]['predicted']}"
            f" validation rows predicted {cls} holds precision >= {gate.min_precision} at the "
            f"{gate.confidence:.0%} lower bound"
        )
    canary_rows = splits.test.head(CANARY_SIZE)
    canary_proba = proba[: len(canary_rows)]
    canary = [
        {
            "doc_id": doc_id,
            "inputs": inputs,
            "prediction": classes[int(p.argmax())],
            "confidence": float(p.max()),
        }
        for doc_id, inputs, p in zip(
            canary_rows["doc_id"],
            canary_rows[list(spec.inputs)].to_dict("records"),
            canary_proba,
            strict=True,
        )
    ]
    return TrainedModel(
        estimator=estimator,
        classes=classes,
        params=dict(params),
        seed=seed,
        thresholds=thresholds,
        validation=validation,
        test=test,
        train_rows=len(splits.train),
        canary=canary,
        withheld=withheld,
    )


def held_out_parquet(test: pd.DataFrame, spec: ModelSpec) -> bytes:
    """The test split's doc_id and inputs as Parquet (the rows a release compares a compiled
    tree model on, `lockgate.release.compile`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(test[["doc_id", *spec.inputs]], preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def model_to_bytes(estimator: object) -> bytes:
    """skops bytes made canonical, so the same fitted model always has the same sha256.

    skops names array files and `__id__` fields after CPython object ids, and zips them
    with the current time. Ids are renumbered in order of first appearance in schema.json
    (consistently, so shared references still resolve) and zip timestamps are fixed.
    Fitted state that caches an object id (TfidfVectorizer's `_stop_words_id`) is dropped;
    scikit-learn recomputes it when needed.
    """
    from lockgate.registry.mlflow_registry import skops_io

    raw = skops_io().dumps(estimator)
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
