"""Monitoring: mergeable daily statistics of every model's inputs and outputs, drift against the
training reference stored with the model version, and day anomalies (volume, quarantine rate).

Public surface: `build_reference` (the training stage stores it with a version), `reference_of`,
`NoReference`; the summaries (`profile`, `statistics`) and the drift tests (`drift`). The
pipeline's monitoring stage (`lockgate.pipeline.monitoring`) runs them over the lake.
"""

from lockgate.monitoring.reference import NoReference, build_reference, reference_of

__all__ = ["NoReference", "build_reference", "reference_of"]
