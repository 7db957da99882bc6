"""Batch-score one day's extracted documents with the release deployed in an environment.

Refuses to run if no release is deployed there or an artifact's digest does not match the
release. Writes `scores/<environment>/<model>/run_date=<run-date>/` with the release id.

    spark-submit --master 'local[*]' jobs/score_documents.py --run-date 2026-11-20 --environment test
"""

from __future__ import annotations

import argparse

from pyspark.sql import functions as F

from lockgate.config import ENVIRONMENTS, settings
from lockgate.scoring.batch import score_run
from lockgate.spark import build_session
from lockgate.storage import Layout, write_json_atomic
from lockgate.storage.spark_io import read_partition, write_partition


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--environment", default="test", choices=ENVIRONMENTS)
    args = parser.parse_args(argv)

    config = settings()
    layout = Layout(config.storage_root)
    spark = build_session(f"lockgate-score-{args.environment}-{args.run_date}")
    partition = Layout.partition(args.run_date)
    documents = read_partition(spark, layout.extracted, partition)
    for model, (scores, entry) in score_run(spark, config, documents, args.environment).items():
        scores = scores.withColumn("run_date", F.lit(args.run_date))
        write_partition(scores, layout.scores(args.environment, model), partition, ["doc_id"])
        written = read_partition(spark, layout.scores(args.environment, model), partition)
        summary = {
            "model": model,
            "model_version": entry["version"],
            "release_id": written.select("release_id").first()["release_id"],
            "rows": written.count(),
            "by_decision": {r["decision"]: r["count"] for r in written.groupBy("decision").count().collect()},
        }  # fmt: skip
        write_json_atomic(
            layout.manifest(f"scores/{args.environment}/{model}", args.run_date), summary
        )
        print(f"scores {args.environment} {model} {args.run_date}: {summary}")
    spark.stop()


if __name__ == "__main__":
    main()
