"""Mergeable statistics ("monoids") that summarise model inputs and outputs for monitoring.

Why monoids: a scoring run is split into Spark partitions, and each executor summarises its own
partition in parallel. The driver then combines the partial summaries. That is only correct if every
statistic has an identity (``zero``) and an associative, commutative ``merge``. With those, any
partitioning, any task order and any tree of merges give the same result as one pass over all
the data (for floating-point moments, the same up to rounding).

Why JSON states: partial states leave the executors as JSON and are stored next to the run, so a
state is a plain dict of str keys, ints, floats, lists, dicts and None. It holds no numpy scalars,
NaN or infinity, and ``finish`` turns it into the readable result.

Missing values (None, NaN) count as missing. Moments and QuantileSketch also skip ±inf, because
a mean or a log-scale bucket can't hold it. Nulls does not count ±inf as missing, and Histogram
puts it in an outer bin. All methods are pure: they return new dicts and leave their inputs alone.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

State = dict[str, Any]

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@runtime_checkable
class Statistic(Protocol):
    name: str

    def zero(self) -> State: ...
    def add(self, state: State, value: Any) -> State: ...
    def update(self, state: State, values: Any) -> State: ...
    def merge(self, a: State, b: State) -> State: ...
    def finish(self, state: State) -> dict: ...


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _array(values: Any) -> np.ndarray:
    """A 1-d numpy view of a numpy array, list, pandas Series or pyarrow (Chunked)Array."""
    return np.asarray(values).reshape(-1)  # pyarrow nulls become NaN (numeric) or None (object)


def _floats(values: Any, finite: bool = False) -> np.ndarray:
    """The non-missing values as float64 (None -> NaN, dropped); with finite, ±inf dropped too."""
    arr = _array(values)
    arr = arr.astype(np.float64) if arr.dtype == object else arr.astype(np.float64, copy=False)
    return arr[np.isfinite(arr)] if finite else arr[~np.isnan(arr)]


def _missing_mask(values: Any) -> np.ndarray:
    # A list stays object-typed: np.asarray(["a", nan]) would turn the NaN into the string "nan".
    arr = np.asarray(values, dtype=object) if isinstance(values, list | tuple) else _array(values)
    if arr.dtype.kind in "fc":
        return np.isnan(arr)
    if arr.dtype == object:
        return np.fromiter((_is_missing(v) for v in arr), dtype=bool, count=arr.size)
    return np.zeros(arr.size, dtype=bool)


def _is_arrow_strings(values: Any) -> bool:
    import pyarrow as pa

    return isinstance(values, pa.Array | pa.ChunkedArray) and pa.types.is_string(values.type)


class _Batched:
    """``add`` as a batch of one, so both paths share one implementation."""

    def add(self, state: State, value: Any) -> State:
        return self.update(state, [value])  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Moments(_Batched):
    """Count, mean, population variance, min and max via Chan's parallel update of (n, mean, m2)."""

    name: str = field(default="moments", init=False)

    def zero(self) -> State:
        return {"n": 0, "mean": 0.0, "m2": 0.0, "min": None, "max": None}

    def update(self, state: State, values: Any) -> State:
        x = _floats(values, finite=True)
        if x.size == 0:
            return dict(state)
        mean = float(x.mean())
        batch = {
            "n": int(x.size),
            "mean": mean,
            "m2": float(np.square(x - mean).sum()),
            "min": float(x.min()),
            "max": float(x.max()),
        }
        return self.merge(state, batch)

    def merge(self, a: State, b: State) -> State:
        if b["n"] == 0 or a["n"] == 0:
            return dict(a if b["n"] == 0 else b)
        n = a["n"] + b["n"]
        delta = b["mean"] - a["mean"]
        return {
            "n": n,
            "mean": a["mean"] + delta * b["n"] / n,
            "m2": a["m2"] + b["m2"] + delta * delta * a["n"] * b["n"] / n,
            "min": min(a["min"], b["min"]),
            "max": max(a["max"], b["max"]),
        }

    def finish(self, state: State) -> dict:
        n = state["n"]
        variance = state["m2"] / n if n else None
        return {
            "count": n,
            "mean": state["mean"] if n else None,
            "variance": variance,
            "std": math.sqrt(variance) if n else None,
            "min": state["min"],
            "max": state["max"],
        }


@dataclass(frozen=True)
class Nulls(_Batched):
    """Rows seen and how many of them were missing (None or NaN)."""

    name: str = field(default="nulls", init=False)

    def zero(self) -> State:
        return {"rows": 0, "nulls": 0}

    def update(self, state: State, values: Any) -> State:
        if _is_arrow_strings(values):  # the hot path on executors: Arrow knows its nulls
            rows, nulls = len(values), values.null_count
        else:
            mask = _missing_mask(values)
            rows, nulls = mask.size, mask.sum()
        return {"rows": state["rows"] + int(rows), "nulls": state["nulls"] + int(nulls)}

    def merge(self, a: State, b: State) -> State:
        return {"rows": a["rows"] + b["rows"], "nulls": a["nulls"] + b["nulls"]}

    def finish(self, state: State) -> dict:
        rows, nulls = state["rows"], state["nulls"]
        return {"rows": rows, "nulls": nulls, "null_rate": nulls / rows if rows else None}


@dataclass(frozen=True)
class Histogram(_Batched):
    """Counts in fixed reference bins (-inf, e0), [e0, e1), ..., [e_last, +inf)."""

    edges: tuple[float, ...]
    name: str = field(default="histogram", init=False)

    def __post_init__(self) -> None:
        edges = tuple(float(e) for e in self.edges)
        if not edges or not all(math.isfinite(e) for e in edges):
            raise ValueError(f"histogram edges must be one or more finite numbers, got {edges}")
        if any(lo >= hi for lo, hi in zip(edges, edges[1:], strict=False)):
            raise ValueError(f"histogram edges must be strictly increasing, got {edges}")
        object.__setattr__(self, "edges", edges)

    @property
    def bins(self) -> int:
        return len(self.edges) + 1

    def _check(self, *states: State) -> None:
        for state in states:
            if len(state["counts"]) != self.bins:
                raise ValueError(
                    f"histogram state has {len(state['counts'])} bins, expected {self.bins}"
                )

    def zero(self) -> State:
        return {"counts": [0] * self.bins}

    def update(self, state: State, values: Any) -> State:
        self._check(state)
        index = np.searchsorted(np.asarray(self.edges), _floats(values), side="right")
        batch = np.bincount(index, minlength=self.bins).tolist()
        return {"counts": [c + d for c, d in zip(state["counts"], batch, strict=True)]}

    def merge(self, a: State, b: State) -> State:
        self._check(a, b)
        return {"counts": [c + d for c, d in zip(a["counts"], b["counts"], strict=True)]}

    def finish(self, state: State) -> dict:
        self._check(state)
        return {"edges": list(self.edges), "counts": list(state["counts"])}


@dataclass(frozen=True)
class Frequencies(_Batched):
    """How often each category (the value's ``str()``) occurs; missing values are not counted."""

    name: str = field(default="frequencies", init=False)

    def zero(self) -> State:
        return {"counts": {}}

    def update(self, state: State, values: Any) -> State:
        if _is_arrow_strings(values):  # the hot path on executors: counted by Arrow, in C++
            import pyarrow.compute as pc

            counted = pc.value_counts(values.drop_null())
            batch = dict(
                zip(
                    counted.field("values").to_pylist(),
                    counted.field("counts").to_pylist(),
                    strict=True,
                )
            )
            return self.merge(state, {"counts": batch})
        if hasattr(values, "to_pylist"):  # other pyarrow: keep the values' Python str() forms
            values = values.to_pylist()
        elif isinstance(values, np.ndarray):
            values = values.reshape(-1).tolist()
        batch = Counter(str(v) for v in values if not _is_missing(v))
        return self.merge(state, {"counts": batch})

    def merge(self, a: State, b: State) -> State:
        counts = dict(a["counts"])
        for category, n in b["counts"].items():
            counts[category] = counts.get(category, 0) + int(n)
        return {"counts": counts}

    def finish(self, state: State) -> dict:
        counts = dict(sorted(state["counts"].items()))
        return {"counts": counts, "distinct": len(counts)}


@dataclass(frozen=True)
class QuantileSketch(_Batched):
    """A DDSketch: every quantile is within ``relative_accuracy`` of the exact (lower) quantile.

    |v| falls in bucket i = ceil(log_gamma |v|), i.e. (gamma**(i-1), gamma**i], whose
    representative 2 * gamma**i / (gamma + 1) is within a relative ``relative_accuracy`` of every
    value in it. Positive and negative values have separate buckets; |v| < 1e-12 counts as zero.
    """

    relative_accuracy: float = 0.01
    name: str = field(default="sketch", init=False)

    ZERO = 1e-12

    def __post_init__(self) -> None:
        if not 0 < self.relative_accuracy < 1:
            raise ValueError(f"relative_accuracy must be in (0, 1), got {self.relative_accuracy}")
        object.__setattr__(self, "relative_accuracy", float(self.relative_accuracy))

    @property
    def gamma(self) -> float:
        return (1 + self.relative_accuracy) / (1 - self.relative_accuracy)

    def _check(self, *states: State) -> None:
        for state in states:
            if state["relative_accuracy"] != self.relative_accuracy:
                raise ValueError(
                    f"sketch state has relative_accuracy {state['relative_accuracy']}, "
                    f"expected {self.relative_accuracy}"
                )

    def zero(self) -> State:
        return {
            "relative_accuracy": self.relative_accuracy,
            "zeros": 0,
            "positive": {},
            "negative": {},
        }

    def _buckets(self, magnitudes: np.ndarray) -> dict[str, int]:
        index = np.ceil(np.log(magnitudes) / math.log(self.gamma)).astype(np.int64)
        keys, counts = np.unique(index, return_counts=True)
        return {str(k): c for k, c in zip(keys.tolist(), counts.tolist(), strict=True)}

    def update(self, state: State, values: Any) -> State:
        self._check(state)
        x = _floats(values, finite=True)
        batch = {
            "relative_accuracy": self.relative_accuracy,
            "zeros": int(np.count_nonzero(np.abs(x) < self.ZERO)),
            "positive": self._buckets(x[x >= self.ZERO]),
            "negative": self._buckets(-x[x <= -self.ZERO]),
        }
        return self.merge(state, batch)

    def merge(self, a: State, b: State) -> State:
        self._check(a, b)

        def add(x: dict[str, int], y: dict[str, int]) -> dict[str, int]:
            out = dict(x)
            for key, n in y.items():
                out[key] = out.get(key, 0) + n
            return out

        return {
            "relative_accuracy": self.relative_accuracy,
            "zeros": a["zeros"] + b["zeros"],
            "positive": add(a["positive"], b["positive"]),
            "negative": add(a["negative"], b["negative"]),
        }

    @staticmethod
    def count(state: State) -> int:
        return state["zeros"] + sum(state["positive"].values()) + sum(state["negative"].values())

    def quantile(self, state: State, q: float) -> float | None:
        """The value at rank floor(q * (n - 1)) (numpy's "lower"), within relative accuracy."""
        if not 0 <= q <= 1:
            raise ValueError(f"quantile must be in [0, 1], got {q}")
        self._check(state)
        n = self.count(state)
        if n == 0:
            return None
        rank, seen, gamma = math.floor(q * (n - 1)), 0, self.gamma
        walk = [(-1, int(i), c) for i, c in state["negative"].items()]
        walk.sort(key=lambda bucket: -bucket[1])  # most negative (largest |v|) first
        walk.append((0, 0, state["zeros"]))
        walk += sorted((1, int(i), c) for i, c in state["positive"].items())
        for sign, index, bucket_count in walk:
            seen += bucket_count
            if seen > rank:
                return sign * 2 * gamma**index / (gamma + 1) if sign else 0.0
        raise AssertionError("unreachable: rank < count")

    def finish(self, state: State) -> dict:
        return {
            "count": self.count(state),
            "quantiles": {str(q): self.quantile(state, q) for q in QUANTILES},
        }


def numeric_statistics(edges: tuple[float, ...]) -> dict[str, Statistic]:
    """The statistics of a numeric feature whose reference histogram has these edges."""
    return {
        "nulls": Nulls(),
        "moments": Moments(),
        "histogram": Histogram(tuple(edges)),
        "sketch": QuantileSketch(),
    }


def categorical_statistics() -> dict[str, Statistic]:
    """The statistics of a categorical (string-like) feature."""
    return {"nulls": Nulls(), "frequencies": Frequencies()}


def reference_edges(values: Any, bins: int = 10) -> tuple[float, ...]:
    """Histogram edges for a numeric feature: the distinct interior quantiles of its reference data.

    Always strictly increasing and non-empty: constant data gives (value,), and no finite data
    gives (0.0,). Missing and infinite values are ignored.
    """
    if bins < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    x = _floats(values, finite=True)
    if x.size == 0:
        return (0.0,)
    qs = np.arange(1, bins) / bins
    edges = np.unique(np.quantile(x, qs, method="linear"))
    return tuple(float(e) for e in edges[np.isfinite(edges)])
