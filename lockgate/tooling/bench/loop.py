"""The per-core ceiling of scoring: one process, lockgate's scorer (`load_scorer`: the compiled
trees when a library is given, the faster TF-IDF path) per batch, no Spark.

    python -m lockgate.tooling.bench.loop FEATURES_PARQUET MODEL_SKOPS OUT_PARQUET '{"inputs": [...], "thresholds": {...}, "batch": 10000, "library": LIBRARY_SO, "library_sha256": ...}'

Prints one JSON line: rows, seconds (wall, from the first batch read to the scores written),
cpu_seconds and threads (the most any native thread pool was allowed). Loading the model is
not timed, as it is not on the Spark sides (warm-up).

The loop runs on one core: native thread pools (OpenMP in HistGradientBoosting, BLAS) and
Arrow's are held to one thread, as Spark holds each Python worker to its task's cores (it sets
OMP_NUM_THREADS), so that its rows per second are a per-core figure. Before, HistGB's OpenMP
used every core here and the "per-core" ceiling of urgency was the machine's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    from threadpoolctl import threadpool_info, threadpool_limits

    from lockgate.scoring.batch import decide, load_scorer, model_input

    features, model_file, out, options = argv
    options = json.loads(options)
    inputs = options["inputs"]
    library = options.get("library")
    estimator = load_scorer(
        Path(model_file).read_bytes(),
        Path(library).read_bytes() if library else None,
        options.get("library_sha256"),
    )
    classes = np.asarray([str(c) for c in estimator.classes_])
    threadpool_limits(1)
    pa.set_cpu_count(1)
    started, cpu = time.perf_counter(), time.process_time()
    parts = []
    for batch in ds.dataset(features, format="parquet").to_batches(
        columns=["doc_id", *inputs], batch_size=options["batch"], use_threads=False
    ):
        if batch.num_rows == 0:
            continue
        proba = estimator.predict_proba(model_input(batch, inputs))
        prediction, confidence, decision = decide(proba, classes, options["thresholds"])
        parts.append(
            pa.table(
                {
                    "doc_id": batch.column("doc_id"),
                    "prediction": prediction,
                    "confidence": confidence,
                    "decision": decision,
                }
            )
        )
    table = pa.concat_tables(parts)
    Path(out).mkdir(parents=True, exist_ok=True)
    pq.write_table(table, Path(out) / "part-0.parquet")
    threads = max((pool["num_threads"] for pool in threadpool_info()), default=1)
    print(
        json.dumps(
            {
                "rows": table.num_rows,
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "threads": threads,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
