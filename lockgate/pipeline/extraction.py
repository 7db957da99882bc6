"""The extraction stage: a day's landing folder to documents, quarantine and counts, with the
gated person-name model."""

from __future__ import annotations

import logging

from pyspark.sql import SparkSession

from lockgate.config import Settings
from lockgate.extraction import person_model
from lockgate.extraction.dataset import (
    documents_of,
    extract_outcomes,
    extraction_report,
    quarantine_of,
    read_landing,
)
from lockgate.extraction.parsed import Limits
from lockgate.extraction.person_model import MODEL_NAME
from lockgate.pipeline import StageRefused
from lockgate.registry import fetch_verified_model, latest_passing_version
from lockgate.spark import kept
from lockgate.storage import Layout, write_json_atomic
from lockgate.storage.spark_io import list_entries, write_partition

log = logging.getLogger(__name__)


def released_person_model(settings: Settings) -> tuple[str, bytes] | None:
    """(version, verified bytes) of the newest gated person model, or None when none is registered."""
    record = latest_passing_version(settings, person_model.MODEL_NAME)
    if record is None:
        return None
    data = fetch_verified_model(settings, record.name, record.version, record.artifact_sha256)
    return record.version, data


def gated_person_model(settings: Settings) -> tuple[str, bytes]:
    """`released_person_model`, or a refusal saying which task registers one."""
    released = released_person_model(settings)
    if released is None:
        raise StageRefused(
            f"no gated {MODEL_NAME} in the registry: the pipeline's "
            "ensure_person_model task trains and registers it first"
        )
    return released


def extract_day(
    spark: SparkSession,
    config: Settings,
    layout: Layout,
    run_date: str,
    person_model: tuple[str, bytes],
) -> dict:
    """Extract one run date's landing folder into its documents and quarantine partitions and a
    manifest of the counts: the manifest. Nothing is lost: a run whose counts do not add up to
    what was received writes nothing."""
    landing = layout.landing(run_date)
    listing = list_entries(spark, landing)  # every entry: what is not a file is quarantined
    if not len(listing):
        raise StageRefused(f"nothing landed in {landing}: no documents to extract for {run_date}")
    received = read_landing(spark, landing, listing)
    # Read three times: documents, quarantine, counts.
    outcomes = kept(
        extract_outcomes(
            received, listing, Limits.of(config.policy.extraction), run_date, person_model
        )
    )
    partition = Layout.partition(run_date)
    # Counted first: a run that loses a file writes nothing, and the counts size the files.
    report = extraction_report(outcomes, len(listing), run_date)
    attachments = report["attachments"]
    write_partition(
        documents_of(outcomes),
        layout.extracted,
        partition,
        ["doc_id"],
        rows=report["parsed"] + attachments["parsed"],
    )
    write_partition(
        quarantine_of(outcomes),
        layout.quarantine,
        partition,
        ["source_file"],
        rows=report["quarantined"] + attachments["quarantined"],
    )
    report["person_model"] = {"name": MODEL_NAME, "version": person_model[0]}
    write_json_atomic(layout.extraction_manifest(run_date), report)
    outcomes.unpersist()
    log.info("extraction %s: %s", run_date, report)
    return report
