"""The ingestion stage: a dataset's delivery for a day, from `landing/datasets/<name>/<date>/`
to its partition of typed rows, its quarantine and its counts.

    datasets/<name>/run_date=<date>/            the rows kept, typed as declared, once each
    dataset_quarantine/<name>/run_date=<date>/  each row that failed, as received, with reasons
    manifests/ingestion/<name>/run_date=<date>.json   received = ingested + duplicates +
                                                      quarantined, reasons counted, files named

Both partitions are replaced whole by a rerun, with the same bytes (`write_partition`).
"""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lockgate.datasets import get_dataset
from lockgate.ingestion import DeliveryRefused, checked_rows, read_delivery, split
from lockgate.ingestion.tables import EXTENSIONS
from lockgate.pipeline.onboarding import awaiting_first_delivery
from lockgate.storage import Layout, write_json_atomic
from lockgate.storage.spark_io import list_entries, write_partition


def ingest_delivery(spark: SparkSession, layout: Layout, dataset: str, run_date: str) -> dict:
    """Ingest `dataset`'s delivery of `run_date`; its manifest. A delivery that cannot be read
    as the dataset at all raises `DeliveryRefused` and writes nothing. A dataset still awaiting
    its first delivery (`awaiting_first_delivery`) writes nothing either, and says so."""
    if awaiting_first_delivery(layout, dataset, run_date):
        return {"dataset": dataset, "run_date": run_date, "awaiting_first_delivery": True}
    spec = get_dataset(dataset)
    landing = layout.dataset_landing(dataset, run_date)
    listing = list_entries(spark, landing)
    ending = EXTENSIONS[spec.landing_format]
    files = sorted(uri for uri, _ in listing.files if uri.lower().endswith(ending))
    # A delivery is read whole or not at all: a stray file, a link, an upload in progress
    # refuse it, named, and nothing is written.
    strange = [
        f"{uri} (not .{spec.landing_format})" for uri, _ in listing.files if uri not in files
    ]
    strange += [f"{uri} ({detail})" for uri, _, _, detail in listing.others]
    if strange:
        raise DeliveryRefused(f"{landing} holds what is no file of {dataset}: {strange[:10]}")
    checked = checked_rows(spec, read_delivery(spark, spec, files)).persist()
    try:
        kept, quarantined, duplicates = split(spec, checked)
        received = checked.count()
        ingested, copies = kept.count(), duplicates.count()
        partition = Layout.partition(run_date)
        write_partition(
            kept.withColumn("run_date", F.lit(run_date)),
            layout.dataset(dataset),
            partition,
            list(spec.key),
            rows=ingested,
        )
        reasons = {
            r["reason"]: r["count"]
            for r in quarantined.select(F.explode("reasons").alias("reason"))
            .groupBy("reason")
            .count()
            .collect()
        }
        write_partition(
            quarantined.withColumn("dataset", F.lit(dataset)).withColumn(
                "run_date", F.lit(run_date)
            ),
            layout.dataset_quarantine(dataset),
            partition,
            ["_digest", "_source_file", "_raw"],
        )
        held = quarantined.count()
    finally:
        checked.unpersist()
    manifest = {
        "dataset": dataset,
        "run_date": run_date,
        "files": [uri.rsplit("/", 1)[-1] for uri in files],
        "received": received,
        "ingested": ingested,
        "duplicates": copies,
        "quarantined": held,
        "quarantined_by_reason": dict(sorted(reasons.items())),
    }
    if received != ingested + copies + held:
        raise RuntimeError(f"{dataset} {run_date}: the counts do not add up: {manifest}")
    write_json_atomic(layout.ingestion_manifest(dataset, run_date), manifest)
    return manifest
