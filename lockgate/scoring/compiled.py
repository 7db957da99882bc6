"""Tree ensembles compiled to native code: the same probabilities as the skops model, faster.

A release may carry, beside a tree model's skops file, a shared library that tl2cgen generated
from it (`lockgate.release.compile`). The featurizer still runs from the skops pipeline; only
the trees run as native code. A library is loaded only from bytes whose sha256 the release
recorded, and only for a model the release verified it on (identical decisions, probabilities
within `TOLERANCE`); everywhere else the skops model scores.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

# Largest difference in any class probability between the library and the skops model.
TOLERANCE = 1e-9
_DIRECTORY: list[Path] = []


def _private_directory() -> Path:
    """A directory of this process only (mode 0700): nobody else can place a file where a
    library is about to be opened."""
    if not _DIRECTORY:
        _DIRECTORY.append(Path(tempfile.mkdtemp(prefix="lockgate-trees-")))
    return _DIRECTORY[0]


class CompiledTrees:
    """predict_proba of a fitted pipeline whose trees run from a compiled library."""

    def __init__(self, pipeline, library: bytes, sha256: str):
        import tl2cgen

        actual = hashlib.sha256(library).hexdigest()
        if actual != sha256:
            raise ValueError(f"compiled library sha256 {actual} is not the recorded {sha256}")
        path = _private_directory() / f"{sha256}.so"
        if not path.exists():
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(library)
            partial.replace(path)
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            raise ValueError(f"compiled library {path} does not hold the recorded bytes")
        self.featurizer = pipeline[:-1]
        self.classes_ = pipeline.classes_
        self.sha256 = sha256
        self._predictor = tl2cgen.Predictor(str(path), nthread=1)

    def predict_proba(self, frame) -> np.ndarray:
        import tl2cgen

        matrix = np.ascontiguousarray(self.featurizer.transform(frame), dtype=np.float64)
        raw = self._predictor.predict(tl2cgen.DMatrix(matrix))
        out = raw.reshape(len(matrix), -1)
        if out.shape[1] == 1 and len(self.classes_) == 2:  # binary: P(second class)
            return np.column_stack([1.0 - out[:, 0], out[:, 0]])
        return out
