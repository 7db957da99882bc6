"""Ingest a dataset's delivery for a run date (or each day of a range).

Every row is typed and checked against the dataset's declaration (lockgate.datasets); the rows
kept go to `datasets/<name>/run_date=<date>/`, the others to `dataset_quarantine/` with their
reasons, and the manifest counts them: ingested + duplicates + quarantined = received.

    spark-submit --master 'local[*]' jobs/ingest_dataset.py --dataset transactions --run-date 2026-11-20
"""

from __future__ import annotations

import argparse
import logging

from pyspark.sql import SparkSession

from lockgate.config import settings
from lockgate.pipeline.ingestion import ingest_delivery
from lockgate.spark import job_session
from lockgate.storage import Layout
from lockgate.storage.layout import run_dates

log = logging.getLogger("lockgate.jobs.ingest_dataset")


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--until", help="the last day of a range (each day ingested in turn)")
    args = parser.parse_args(argv)

    layout = Layout(settings().storage_root)
    with job_session(f"lockgate-ingest-{args.dataset}-{args.run_date}", spark) as session:
        for day in run_dates(args.run_date, args.until):
            manifest = ingest_delivery(session, layout, args.dataset, day)
            if manifest.get("awaiting_first_delivery"):
                log.info(
                    "%s %s: no delivery has reached this installation yet (none landed for "
                    "the day, none ingested before it); its models wait for the first",
                    args.dataset,
                    day,
                )
            else:
                log.info("ingested %s %s: %s", args.dataset, day, manifest)


if __name__ == "__main__":
    main()
