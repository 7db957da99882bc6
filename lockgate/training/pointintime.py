"""Point in time, the platform's job: features that see only what happened before each row's
own moment, and labels used only once they have matured and only as they were known on the
snapshot's day. A model declares what it wants (`Rolling` and `Ratio` features over an entity,
a `LabelDefinition` with a horizon); the windows and cut-offs are built here, the same way for
every model, so no feature function of a model's can reach into the future by mistake.

For a snapshot as of day S (its cut-off is the first moment after S, UTC):

- the history read is every event before the cut-off; nothing later exists for it;
- a row's rolling features cover `[t - window, t)` of its entity: strictly before its own
  moment t, so neither the row itself nor anything after it counts;
- a row is labelled only when its horizon has passed by the cut-off (t + horizon < cut-off);
  a younger row is left out and counted as immature;
- its label is positive when a label event (a chargeback, say) joined to it was reported
  within its horizon and before the cut-off; one reported later is unknown on S.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lockgate.models import Derived, Feature, LabelDefinition, Rolling, window_seconds
from lockgate.storage.layout import day_cutoff


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def before(frame: DataFrame, event_time: str, as_of: str) -> DataFrame:
    """The events that happened before the cut-off of `as_of`: all a snapshot may know."""
    return frame.where(F.unix_micros(F.col(event_time)) < F.lit(_micros(day_cutoff(as_of))))


def longest_window(features: tuple[Feature, ...]) -> int:
    """Seconds the longest `Rolling` window reaches back (0 without one)."""
    return max((window_seconds(f.window) for f in features if isinstance(f, Rolling)), default=0)


def _rolling(feature: Rolling, event_time: str) -> Column:
    span = window_seconds(feature.window) * 1_000_000
    past = (
        Window.partitionBy(feature.by)
        .orderBy(F.unix_micros(F.col(event_time)))
        .rangeBetween(-span, -1)  # [t - window, t): strictly before the row's own moment
    )
    if feature.agg == "count":
        return F.count(F.lit(1)).over(past).cast("double")
    value = F.col(feature.column)
    if feature.agg == "distinct":
        return F.size(F.collect_set(value).over(past)).cast("double")
    aggregate = {"sum": F.sum, "mean": F.avg, "max": F.max}[feature.agg](value).over(past)
    return aggregate.cast("double") if feature.agg != "sum" else F.coalesce(aggregate, F.lit(0.0))


def with_features(history: DataFrame, event_time: str, features: tuple[Feature, ...]) -> DataFrame:
    """`history` with each feature as a column, computed for every row from its entity's
    events strictly before the row's moment (a `Derived` one from the row itself)."""
    out = history
    for feature in features:
        if isinstance(feature, Rolling):
            out = out.withColumn(feature.name, _rolling(feature, event_time))
        elif isinstance(feature, Derived):
            out = out.withColumn(feature.name, F.expr(feature.sql))
        else:
            denominator = F.col(feature.denominator).cast("double")
            out = out.withColumn(
                feature.name,
                F.when(denominator != 0, F.col(feature.numerator).cast("double") / denominator),
            )
    return out


def labelled(
    rows: DataFrame,
    row_key: str,
    event_time: str,
    label_events: DataFrame,
    definition: LabelDefinition,
    as_of: str,
) -> tuple[DataFrame, DataFrame]:
    """(the rows whose horizon has passed by the cut-off of `as_of`, with `label`; the rows
    left out as immature). A label event counts when it happened within the row's horizon and
    before the cut-off: one reported after `as_of` is unknown to this snapshot."""
    edge = _micros(day_cutoff(as_of))
    horizon = definition.horizon_days * 86_400 * 1_000_000
    mature = F.unix_micros(F.col(event_time)) + F.lit(horizon) < F.lit(edge)
    known = label_events.where(F.unix_micros(F.col(definition.event_time)) < F.lit(edge))
    if definition.where:
        known = known.where(definition.where)
    hits = known.select(
        F.col(definition.key).alias("_label_key"),
        F.unix_micros(F.col(definition.event_time)).alias("_label_at"),
    )
    matured = rows.where(mature)
    moment = F.unix_micros(matured[event_time])
    within = (
        (matured[row_key] == hits["_label_key"])
        & (hits["_label_at"] >= moment)
        & (hits["_label_at"] <= moment + F.lit(horizon))
    )
    positives = matured.join(hits, within, "left_semi")
    negatives = matured.join(hits, within, "left_anti")
    return (
        positives.withColumn("label", F.lit(definition.positive)).unionByName(
            negatives.withColumn("label", F.lit(definition.negative))
        ),
        rows.where(~mature),
    )
