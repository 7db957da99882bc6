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
from lockgate.extraction.dataset import (
    documents_of,
    extract_outcomes,
    extraction_report,
    quarantine_of,
    read_landing,
)
from lockgate.extraction.parsed import Limits
from lockgate.extraction.person_model import MODEL_NAME
from lockgate.extraction.stage import released_person_model
from lockgate.spark import job_session, kept
from lockgate.storage import Layout, run_dates, write_json_atomic
from lockgate.storage.spark_io import list_entries, write_partition


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
        person_model = released_person_model(config)
        if person_model is None:
            raise SystemExit(
                f"no gated {MODEL_NAME} in the registry: the pipeline's ensure_person_model task "
                "trains and registers it first"
            )
        for day in days:
            extract_day(session, config, layout, day, person_model)


def extract_day(spark, config, layout: Layout, run_date: str, person_model) -> None:
    landing = layout.landing(run_date)
    listing = list_entries(spark, landing)  # every entry: what is not a file is quarantined
    if not len(listing):
        raise SystemExit(f"nothing landed in {landing}: no documents to extract for {run_date}")
    received = read_landing(spark, landing, listing)
    # Read three times: documents, quarantine, counts.
    outcomes = kept(extract_outcomes(
        received, listing, Limits.of(config.policy.extraction), run_date, person_model
    ))  # fmt: skip
    partition = Layout.partition(run_date)
    # Counted first: a run that loses a file writes nothing, and the counts size the files.
    report = extraction_report(outcomes, len(listing), run_date)
    attachments = report["attachments"]
    write_partition(documents_of(outcomes), layout.extracted, partition, ["doc_id"],
                    rows=report["parsed"] + attachments["parsed"])  # fmt: skip
    write_partition(quarantine_of(outcomes), layout.quarantine, partition, ["source_file"],
                    rows=report["quarantined"] + attachments["quarantined"])  # fmt: skip
    report["person_model"] = {"name": MODEL_NAME, "version": person_model[0]}
    write_json_atomic(layout.manifest("extraction", run_date), report)
    outcomes.unpersist()
    print(f"extraction {run_date}: {report}")


if __name__ == "__main__":
    main()
