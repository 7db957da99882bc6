"""Join extracted documents with their labels into a content-addressed training snapshot.

Writes `training/<model>/snapshot=<sha256>/` (only when that content is new) and a manifest
naming the snapshot for the run date.

    spark-submit --master 'local[*]' jobs/build_training_set.py --run-date 2026-11-20 --model routing
"""

from __future__ import annotations

import argparse

from lockgate.config import settings
from lockgate.spark import build_session
from lockgate.storage import Layout
from lockgate.training.stage import build_training_snapshot


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--model", default="routing")
    args = parser.parse_args(argv)

    spark = build_session(f"lockgate-training-set-{args.model}-{args.run_date}")
    manifest = build_training_snapshot(
        spark, Layout(settings().storage_root), args.model, args.run_date
    )
    print(f"training set {args.model} {args.run_date}: {manifest}")
    spark.stop()


if __name__ == "__main__":
    main()
