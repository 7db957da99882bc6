"""Build every registered model's content-addressed training snapshot for a run date.

One pass over the extracted documents and the labels makes the labelled document table; each
model's snapshot is its columns of it, written to `training/<model>/snapshot=<sha256>/` only
when that content is new, with a manifest naming the snapshot for the run date. A label store
that fails its integrity check against the audit log stops the job before anything is read.

    spark-submit --master 'local[*]' jobs/build_training_set.py --run-date 2026-11-20 [--model routing]
"""

from __future__ import annotations

import argparse
import logging

from pyspark.sql import SparkSession

from lockgate.config import settings
from lockgate.pipeline.labels import require_intact
from lockgate.pipeline.training import build_training_snapshots
from lockgate.spark import job_session
from lockgate.storage import Layout

log = logging.getLogger("lockgate.jobs.build_training_set")


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--model", action="append", help="only these models (repeatable)")
    args = parser.parse_args(argv)

    config = settings()
    require_intact(config)  # nothing learns from labels edited, planted or lost in the lake
    with job_session(f"lockgate-training-sets-{args.run_date}", spark) as session:
        manifests = build_training_snapshots(
            session,
            Layout(config.storage_root),
            args.run_date,
            args.model,
            config.policy.training.max_rows,
        )
    for manifest in manifests.values():
        log.info("training set %s %s: %s", manifest["model"], args.run_date, manifest)


if __name__ == "__main__":
    main()
