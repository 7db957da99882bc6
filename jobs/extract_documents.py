"""Extract text and fields from one day of received documents.

Reads `landing/<run-date>/*` as binary files, writes one parquet row per document to
`extracted/documents/run_date=<run-date>/` and one per unreadable file, with its reason, to
`quarantine/run_date=<run-date>/`, plus a manifest of the counts. Fails if
parsed + duplicates + quarantined != received.

    spark-submit --master 'local[*]' jobs/extract_documents.py --run-date 2026-11-20

`--until` extracts every day from --run-date to it in one application (a backfill), each day
into its own partitions with its own manifest, exactly as one run per day would.
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession

from lockgate.config import settings
from lockgate.pipeline.extraction import extract_day, gated_person_model
from lockgate.spark import job_session
from lockgate.storage import Layout, run_dates


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--until", help="last run date of a backfill (inclusive)")
    args = parser.parse_args(argv)

    config = settings()
    layout = Layout(config.storage_root)
    days = run_dates(args.run_date, args.until)
    name = f"lockgate-extract-{days[0]}" + (f"-{days[-1]}" if args.until else "")
    with job_session(name, spark) as session:
        person_model = gated_person_model(config)
        for day in days:
            extract_day(session, config, layout, day, person_model)


if __name__ == "__main__":
    main()
