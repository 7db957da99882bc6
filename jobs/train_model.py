"""Search, train, evaluate, gate and register one model from the run's snapshot.

The search space's trials run as Spark tasks on the executors; the best is refitted on the
driver, evaluated on the held-out test split, compared with the version in production, and
registered in MLflow with its lineage and model card. A refused candidate is still registered
(as evidence) but is never released.

    spark-submit --master 'local[*]' jobs/train_model.py --run-date 2026-11-20 --model routing \
        --airflow-run-id manual [--params '{"C": 0.01}']
"""

from __future__ import annotations

import argparse
import json
import logging

from pyspark.sql import SparkSession

from lockgate.config import settings
from lockgate.pipeline.training import train_and_register
from lockgate.provenance import code_version
from lockgate.spark import job_session
from lockgate.storage import Layout

log = logging.getLogger("lockgate.jobs.train_model")


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--airflow-run-id", default="manual")
    parser.add_argument(
        "--params",
        type=json.loads,
        default=None,
        help="JSON estimator parameters: skip the search and train with these",
    )
    args = parser.parse_args(argv)

    config = settings()
    with job_session(f"lockgate-train-{args.model}-{args.run_date}", spark) as session:
        record = train_and_register(
            session,
            config,
            Layout(config.storage_root),
            args.model,
            args.run_date,
            lineage={"code_version": code_version(), "airflow_run_id": args.airflow_run_id},
            params=args.params,
        )
    gate = record.metadata["gate"]
    log.info(
        "registered %s v%s sha256=%s gate=%s: %s",
        record.name,
        record.version,
        record.artifact_sha256,
        "passed" if gate["passed"] else "refused",
        gate["explain"],
    )


if __name__ == "__main__":
    main()
