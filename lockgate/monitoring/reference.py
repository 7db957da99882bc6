"""The training reference stored with every model version: what "no drift" looks like.

Inputs and document attributes are summarised over every document of the training snapshot;
outputs over the held-out validation and test rows only, because the rows a model was fitted on
get more confident predictions than any new letter will. Numeric edges are the reference's own
deciles, so each reference bin holds about a tenth of the training documents.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from lockgate.monitoring.profile import Feature, summarise_table
from lockgate.monitoring.statistics import reference_edges

REFERENCE_KEY = "monitoring_reference"


class NoReference(LookupError):
    """A model version was registered without a monitoring reference (before monitoring)."""


def build_reference(
    features: list[Feature], documents: pa.Table, outputs: pa.Table, trained_up_to: str
) -> dict:
    """The reference of a candidate: `documents` holds the input and document columns of every
    document of its training snapshot, `outputs` its prediction, confidence and decision on the
    held-out rows (`monitored_columns` names both)."""
    with_edges = [
        Feature(f.name, f.kind, f.role, _edges(outputs if f.role == "output" else documents, f))
        if f.kind == "numeric"
        else f
        for f in features
    ]
    inputs = [f for f in with_edges if f.role != "output"]
    produced = [f for f in with_edges if f.role == "output"]
    summary = summarise_table(inputs, documents) | summarise_table(produced, outputs)
    return {
        "trained_up_to": trained_up_to,
        "documents": documents.num_rows,
        "held_out_rows": outputs.num_rows,
        "features": [f.to_dict() for f in with_edges],
        "summary": summary,
    }


def _edges(table: pa.Table, feature: Feature) -> tuple[float, ...]:
    values = table.column(feature.name).cast(pa.float64()).to_numpy(zero_copy_only=False)
    return tuple(reference_edges(values[~np.isnan(values)]))


def reference_of(metadata: dict, model: str, version: str) -> dict:
    """The reference stored with a version's metadata; NoReference names what to do."""
    reference = metadata.get(REFERENCE_KEY)
    if reference is None:
        raise NoReference(
            f"{model} v{version} has no monitoring reference (registered before "
            "monitoring existed); retrain it to monitor it"
        )
    return reference
