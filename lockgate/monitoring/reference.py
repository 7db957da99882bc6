"""The training reference stored with every model version: what "no drift" looks like.

Inputs and document attributes are summarised over every document of the training snapshot;
outputs over the held-out validation and test rows only, because the rows a model was fitted on
get more confident predictions than any new letter will. Numeric edges are the reference's own
deciles, so each reference bin holds about a tenth of the training documents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lockgate.models import ModelSpec
from lockgate.monitoring.profile import (
    DOCUMENT_COLUMNS,
    Feature,
    monitored_columns,
    summarise_table,
)
from lockgate.monitoring.statistics import reference_edges
from lockgate.storage import Layout

REFERENCE_KEY = "monitoring_reference"


class NoReference(LookupError):
    """A model version was registered without a monitoring reference (before monitoring)."""


def build_reference(spark: SparkSession, layout: Layout, spec: ModelSpec, splits, estimator,
                    thresholds: dict[str, float], trained_up_to: str) -> dict:  # fmt: skip
    """The reference of a candidate trained on `splits` (lockgate.training.fit.Splits)."""
    from lockgate.scoring.batch import decide
    from lockgate.training.features import document_features
    from lockgate.training.fit import predict_proba

    snapshot = pd.concat([splits.train, splits.validation, splits.test])
    extracted = spark.read.parquet(layout.extracted).where(F.col("run_date") <= trained_up_to)
    documents = document_features(extracted).dropDuplicates(["doc_id"])
    ids = spark.createDataFrame(snapshot[["doc_id"]].drop_duplicates())
    wanted = {*spec.inputs, *DOCUMENT_COLUMNS}
    types = {f.name: _arrow_type(f.dataType) for f in documents.schema if f.name in wanted}
    features = monitored_columns(spec.inputs, types)
    columns = [f.name for f in features if f.role != "output"]
    table = pa.Table.from_pandas(
        documents.join(ids, "doc_id").select(*columns).toPandas(), preserve_index=False
    )

    held_out = pd.concat([splits.validation, splits.test])
    proba, classes = predict_proba(estimator, spec, held_out)
    prediction, confidence, decision = decide(proba, np.asarray(classes), thresholds)
    outputs = pa.table({"prediction": prediction, "confidence": confidence, "decision": decision})

    with_edges = [
        Feature(f.name, f.kind, f.role, _edges(outputs if f.role == "output" else table, f))
        if f.kind == "numeric" else f
        for f in features
    ]  # fmt: skip
    inputs = [f for f in with_edges if f.role != "output"]
    produced = [f for f in with_edges if f.role == "output"]
    summary = summarise_table(inputs, table) | summarise_table(produced, outputs)
    return {
        "trained_up_to": trained_up_to,
        "documents": table.num_rows,
        "held_out_rows": outputs.num_rows,
        "features": [f.to_dict() for f in with_edges],
        "summary": summary,
    }


def _arrow_type(spark_type):
    from pyspark.sql.pandas.types import to_arrow_type

    return to_arrow_type(spark_type)


def _edges(table: pa.Table, feature: Feature) -> tuple[float, ...]:
    values = table.column(feature.name).cast(pa.float64()).to_numpy(zero_copy_only=False)
    return tuple(reference_edges(values[~np.isnan(values)]))


def reference_of(metadata: dict, model: str, version: str) -> dict:
    """The reference stored with a version's metadata; NoReference names what to do."""
    reference = metadata.get(REFERENCE_KEY)
    if reference is None:
        raise NoReference(f"{model} v{version} has no monitoring reference (registered before "
                          "monitoring existed); retrain it to monitor it")  # fmt: skip
    return reference
