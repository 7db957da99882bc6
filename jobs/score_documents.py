"""Batch-score one day's extracted documents with the release deployed in an environment.

Refuses to run if no release is deployed there or an artifact's digest does not match the
release. Writes `scores/<environment>/<model>/run_date=<run-date>/` with the release id.

    spark-submit --master 'local[*]' jobs/score_documents.py --run-date 2026-11-20 --environment test

`--until` scores every day from --run-date to it in one application (a backfill).
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession

from lockgate.config import ENVIRONMENTS, settings
from lockgate.pipeline.scoring import deployed_models, score_day
from lockgate.spark import job_session
from lockgate.storage import Layout, run_dates


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--environment", default="test", choices=ENVIRONMENTS)
    parser.add_argument("--until", help="last run date of a backfill (inclusive)")
    args = parser.parse_args(argv)

    config = settings()
    layout = Layout(config.storage_root)
    days = run_dates(args.run_date, args.until)
    name = f"lockgate-score-{args.environment}-{days[0]}" + (f"-{days[-1]}" if args.until else "")
    # The release is checked once (deployed, approved, digests), before Spark starts: a refusal
    # costs no application, and a backfill scores every day with the release deployed when it
    # started.
    deployed = deployed_models(config, args.environment, days[0])
    with job_session(name, spark) as session:
        for day in days:
            score_day(session, config, layout, args.environment, day, deployed)


if __name__ == "__main__":
    main()
