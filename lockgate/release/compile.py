"""Compiling a release's tree models to native code, kept only where it scores as skops does.

When a release is built, every model whose estimator is a tree ensemble is imported by
treelite and compiled by tl2cgen (with the host's C compiler) into a shared library. The
library is compared with the skops model on the model's canary rows and its recorded test
rows: the same prediction and decision on every row, every class probability within
`TOLERANCE`. Only then does the release carry it (`BundledModel.compiled`: its sha256 and the
comparison), stored content-addressed beside the skops file in the registry. Otherwise, or
where no compiler is installed, the release carries none and the skops model scores; why is
logged and returned.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lockgate.config import Settings
from lockgate.models import tree_ensemble
from lockgate.registry import (
    ModelVersionRecord,
    fetch_verified_artifact,
    fetch_verified_model,
    load_model,
    store_artifact,
)
from lockgate.release.bundle import BundledModel
from lockgate.scoring.batch import decide
from lockgate.scoring.compiled import TOLERANCE, CompiledTrees

log = logging.getLogger(__name__)


class CompileFailed(RuntimeError):
    """The library could not be built, or it does not score as the skops model does."""


@dataclass(frozen=True)
class Comparison:
    rows: int
    max_abs_diff: float
    differing_decisions: int

    @property
    def identical(self) -> bool:
        return self.differing_decisions == 0 and self.max_abs_diff <= TOLERANCE


def engine() -> str:
    import tl2cgen
    import treelite

    return f"treelite {treelite.__version__}, tl2cgen {tl2cgen.__version__}"


def compile_trees(pipeline) -> bytes | None:
    """The shared library of the pipeline's tree ensemble, or None if it has none. The same
    model and compiler give the same bytes (measured: the digest does not depend on the build
    directory)."""
    trees = tree_ensemble(pipeline)
    if trees is None:
        return None
    import tl2cgen
    import treelite

    try:
        with _into_log(), tempfile.TemporaryDirectory(prefix="lockgate-compile-") as tmp:
            model = treelite.sklearn.import_model(trees)
            library = Path(tmp) / "trees.so"
            tl2cgen.export_lib(model, toolchain="gcc", libpath=str(library), verbose=False)
            return library.read_bytes()
    except Exception as exc:  # noqa: BLE001 - any failure leaves the skops model scoring
        raise CompileFailed(f"{type(exc).__name__}: {exc}") from exc


@contextmanager
def _into_log() -> Iterator[None]:
    """What treelite and tl2cgen say goes to this module's log, not to the screen of whoever
    releases: their log lines (printed through Python), their warnings, and what their C++
    writes to file descriptor 2 (tl2cgen's own treelite reading a newer checkpoint). Other
    threads' stderr in that second is logged too, not lost."""
    printed = io.StringIO()
    warned: list[warnings.WarningMessage] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as native:
        os.dup2(native.fileno(), 2)
        try:
            with warnings.catch_warnings(record=True) as caught, redirect_stdout(printed):
                warnings.simplefilter("always")
                try:
                    yield
                finally:
                    warned.extend(caught)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            native.seek(0)
            said = native.read().decode("utf-8", "replace").splitlines()
            for line in [
                *said,
                *printed.getvalue().splitlines(),
                *(str(w.message) for w in warned),
            ]:
                if line.strip():
                    log.info("compiler: %s", line)


def compare(pipeline, compiled, rows: pd.DataFrame, thresholds: dict[str, float]) -> Comparison:
    """How far the compiled model's scores of `rows` are from the skops pipeline's."""
    expected = pipeline.predict_proba(rows)
    got = compiled.predict_proba(rows)
    if got.shape != expected.shape:
        return Comparison(len(rows), float("inf"), len(rows))
    classes = np.asarray([str(c) for c in pipeline.classes_])
    want_class, _, want_decision = decide(expected, classes, thresholds)
    got_class, _, got_decision = decide(got, classes, thresholds)
    differing = int(((want_class != got_class) | (want_decision != got_decision)).sum())
    return Comparison(len(rows), float(np.abs(got - expected).max(initial=0.0)), differing)


def compiled_release_entry(
    pipeline, rows: pd.DataFrame, thresholds: dict[str, float]
) -> tuple[bytes | None, dict | None, str]:
    """(library, the bundle's `compiled` entry, why) for one model: a library only if it
    scores `rows` as the skops pipeline does."""
    try:
        library = compile_trees(pipeline)
    except CompileFailed as failed:
        return None, None, f"not compiled: {failed}"
    if library is None:
        return None, None, "not compiled: its estimator is not a tree ensemble"
    sha256 = hashlib.sha256(library).hexdigest()
    comparison = compare(pipeline, CompiledTrees(pipeline, library, sha256), rows, thresholds)
    if not comparison.identical:
        return (
            None,
            None,
            f"compiled library not used: on {comparison.rows} rows {comparison.differing_decisions}"
            f" decisions differ, largest probability difference {comparison.max_abs_diff:.3g}",
        )
    entry = {
        "sha256": sha256,
        "engine": engine(),
        "rows_compared": comparison.rows,
        "max_abs_diff": comparison.max_abs_diff,
    }
    return library, entry, f"compiled: {comparison.rows} rows score the same"


def library_name(sha256: str) -> str:
    """The registry file of a compiled library: content-addressed, beside the skops file."""
    return f"compiled-{sha256}.so"


def comparison_rows(settings: Settings, record: ModelVersionRecord) -> pd.DataFrame | None:
    """The canary rows and the recorded test rows of a version (its inputs, in order), or None
    when the version recorded no test rows (it was not trained as a tree model)."""
    recorded = record.metadata.get("test_rows")
    if not recorded:
        return None
    data = fetch_verified_artifact(
        settings,
        record.name,
        record.version,
        recorded["file"],
        recorded["sha256"],
        "the version's recorded",
    )
    inputs = list(record.metadata["inputs"])
    test = pd.read_parquet(io.BytesIO(data))[inputs]
    canary = pd.DataFrame([c["inputs"] for c in record.metadata["canary"]], columns=inputs)
    return pd.concat([canary, test], ignore_index=True)


def compile_release_models(
    settings: Settings, records: list[ModelVersionRecord]
) -> dict[str, dict]:
    """{model: the bundle's `compiled` entry} for the versions whose compiled library scores
    their canary and test rows as the skops model does; each such library is stored in the
    registry under `library_name`. Why any other version has none is logged."""
    compiled = {}
    for record in records:
        rows = comparison_rows(settings, record)
        if rows is None:
            log.info("%s v%s: not compiled: no test rows recorded", record.name, record.version)
            continue
        pipeline = load_model(
            fetch_verified_model(settings, record.name, record.version, record.artifact_sha256)
        )
        library, entry, why = compiled_release_entry(
            pipeline, rows, dict(record.metadata["thresholds"])
        )
        log.info("%s v%s: %s", record.name, record.version, why)
        if library is not None and entry is not None:
            store_artifact(
                settings, record.name, record.version, library_name(entry["sha256"]), library
            )
            compiled[record.name] = entry
    return compiled


def fetch_library(settings: Settings, entry: BundledModel) -> bytes | None:
    """The compiled library a release carries for a model, checked against the sha256 the
    release recorded (`DigestMismatch` otherwise), or None when it carries none."""
    sha256 = entry.library_sha256
    if sha256 is None:
        return None
    return fetch_verified_artifact(
        settings, entry.name, entry.version, library_name(sha256), sha256
    )
