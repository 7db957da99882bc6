"""Batch-score one day's extracted documents with the release deployed in an environment.

Refuses to run if no release is deployed there or an artifact's digest does not match the
release. Writes `scores/<environment>/<model>/run_date=<run-date>/` with the release id.

    spark-submit --master 'local[*]' jobs/score_documents.py --run-date 2026-11-20 --environment test

`--until` scores every day from --run-date to it in one application (a backfill).
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lockgate.config import ENVIRONMENTS, settings
from lockgate.scoring.batch import deployed_models, score_run
from lockgate.spark import job_session
from lockgate.storage import Layout, run_dates, write_json_atomic
from lockgate.storage.spark_io import read_partition, write_partition


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
    with job_session(name, spark) as session:
        # The release is checked once (deployed, approved, digests): a backfill scores every
        # day with the release deployed when it started.
        deployed = deployed_models(config, args.environment, days[0])
        for day in days:
            score_day(session, config, layout, args.environment, day, deployed)


def score_day(spark, config, layout: Layout, environment: str, run_date: str, deployed) -> None:
    partition = Layout.partition(run_date)
    documents = read_partition(spark, layout.extracted, partition)
    scored = score_run(spark, config, documents, environment, deployed)
    # A bound on each model's scores (one per document at most), from the files' footers.
    rows = documents.count()
    for model, (scores, entry) in scored.items():
        scores = scores.withColumn("run_date", F.lit(run_date))
        write_partition(scores, layout.scores(environment, model), partition, ["doc_id"],
                        rows=rows)  # fmt: skip
        written = read_partition(spark, layout.scores(environment, model), partition)
        # One pass over what was written: rows per release and decision.
        counts = written.groupBy("release_id", "decision").count().collect()
        releases = sorted({r["release_id"] for r in counts})
        if len(releases) != 1:
            raise SystemExit(f"scores of {model} for {run_date} name releases {releases}; "
                             "one scoring run writes one release's scores")  # fmt: skip
        by_decision = {r["decision"]: r["count"] for r in counts}
        summary = {
            "model": model,
            "model_version": entry["version"],
            "release_id": releases[0],
            "rows": sum(by_decision.values()),
            "by_decision": by_decision,
        }
        write_json_atomic(layout.manifest(f"scores/{environment}/{model}", run_date), summary)
        print(f"scores {environment} {model} {run_date}: {summary}")


if __name__ == "__main__":
    main()
