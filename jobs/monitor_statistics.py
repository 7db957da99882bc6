"""Summarise each scored model's days in an environment into mergeable daily statistics.

Writes `monitoring/<environment>/<model>/run_date=<d>/statistics.json` for every day from
--run-date to --until (default: just --run-date), in one pass over the scored rows.

    spark-submit --master 'local[*]' jobs/monitor_statistics.py --run-date 2026-12-01 --environment prod
"""

from __future__ import annotations

import argparse
import logging

from pyspark.sql import SparkSession

from lockgate.config import ENVIRONMENTS, settings
from lockgate.pipeline.monitoring import compute_statistics
from lockgate.spark import job_session

log = logging.getLogger("lockgate.jobs.monitor_statistics")


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--until", help="last run date (inclusive)")
    parser.add_argument("--environment", default="prod", choices=ENVIRONMENTS)
    args = parser.parse_args(argv)

    with job_session(f"lockgate-monitor-{args.environment}-{args.run_date}", spark) as session:
        written = compute_statistics(
            session, settings(), args.environment, args.run_date, args.until or args.run_date
        )
    for model, days in written.items():
        log.info("monitoring statistics %s %s: %d days", args.environment, model, len(days))


if __name__ == "__main__":
    main()
