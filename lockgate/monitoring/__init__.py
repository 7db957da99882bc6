"""Monitoring: mergeable daily statistics of every model's inputs and outputs, drift against the
training reference stored with the model version, and day anomalies (volume, quarantine rate).

Public surface: `build_reference` (training stores it), `compute_statistics` (Spark, per day),
`judge` (merges stored days, writes reports), `window`, `stored_reports`, `NoReference`.
"""

from lockgate.monitoring.reference import NoReference, build_reference
from lockgate.monitoring.stage import compute_statistics, judge, stored_reports, window

__all__ = [
    "NoReference",
    "build_reference",
    "compute_statistics",
    "judge",
    "stored_reports",
    "window",
]
