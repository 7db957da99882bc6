"""Train a model on the run's snapshot, evaluate it on held-out data, gate it, and register it in MLflow.

The gate's verdict is recorded with the model version; a refused candidate is still
registered (as evidence) but is never released.

    spark-submit --master 'local[*]' jobs/train_model.py --run-date 2026-11-20 --model routing \
        --airflow-run-id manual
"""

from __future__ import annotations

import argparse

from lockgate.config import settings
from lockgate.release.bundle import code_version
from lockgate.spark import build_session
from lockgate.storage import Layout
from lockgate.training.stage import train_and_register


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--model", default="routing")
    parser.add_argument("--airflow-run-id", default="manual")
    args = parser.parse_args(argv)

    config = settings()
    spark = build_session(f"lockgate-train-{args.model}-{args.run_date}")
    record = train_and_register(
        spark, config, Layout(config.storage_root), args.model, args.run_date,
        lineage={"code_version": code_version(), "airflow_run_id": args.airflow_run_id},
    )  # fmt: skip
    gate = record.metadata["gate"]
    print(f"registered {record.name} v{record.version} sha256={record.artifact_sha256} "
          f"gate={'passed' if gate['passed'] else 'refused'}: {gate['explain']}")  # fmt: skip
    spark.stop()


if __name__ == "__main__":
    main()
