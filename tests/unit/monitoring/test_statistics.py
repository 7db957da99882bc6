"""Property tests of the mergeable monitoring statistics: merge laws, exactness, JSON states."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.monitoring.statistics import (
    Frequencies,
    Histogram,
    Moments,
    Nulls,
    QuantileSketch,
    Statistic,
    categorical_statistics,
    numeric_statistics,
    reference_edges,
)

FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)
MISSING = st.one_of(st.none(), st.just(math.nan))
NUMBERS = st.lists(st.one_of(FLOATS, st.just(0.0), MISSING), max_size=60)
CATEGORIES = st.lists(
    st.one_of(st.sampled_from(["a", "b", "c"]), st.text(max_size=3), MISSING), max_size=60
)
EDGES = st.lists(FLOATS, min_size=1, max_size=8, unique=True).map(lambda e: tuple(sorted(e)))
EXAMPLES = settings(max_examples=60, deadline=None)
LEVELS = (0.01, 0.25, 0.5, 0.75, 0.99)


def _scale(values) -> float:
    return max([1.0] + [abs(v) for v in values])


def _moments_close(a: dict, b: dict, scale: float) -> bool:
    if a["count"] != b["count"] or a["min"] != b["min"] or a["max"] != b["max"]:
        return False
    if a["count"] == 0:
        return a == b
    return math.isclose(a["mean"], b["mean"], rel_tol=1e-9, abs_tol=1e-9 * scale) and (
        math.isclose(a["variance"], b["variance"], rel_tol=1e-7, abs_tol=1e-9 * scale**2)
    )


def _same(stat: Statistic, a: dict, b: dict, values) -> bool:
    """finish() results equal: exactly, or for Moments within floating-point tolerance."""
    if isinstance(stat, Moments):
        finite = [v for v in values if v is not None and not math.isnan(v)]
        return _moments_close(a, b, _scale(finite))
    return a == b


CASES = [
    pytest.param(Moments(), NUMBERS, id="moments"),
    pytest.param(Nulls(), NUMBERS, id="nulls-numeric"),
    pytest.param(Nulls(), CATEGORIES, id="nulls-categorical"),
    pytest.param(Histogram((-10.0, 0.0, 1.5, 1e6)), NUMBERS, id="histogram"),
    pytest.param(Frequencies(), CATEGORIES, id="frequencies"),
    pytest.param(QuantileSketch(), NUMBERS, id="sketch"),
    pytest.param(QuantileSketch(0.05), NUMBERS, id="sketch-coarse"),
]


def _plain(obj) -> bool:
    """Only JSON's own types (no numpy scalars), str keys, and finite floats."""
    if isinstance(obj, dict):
        return all(type(k) is str and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    if type(obj) is float:
        return math.isfinite(obj)
    return obj is None or type(obj) in (int, str, bool)


def _chunks(data, values: list) -> list[list]:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=6), label="cuts"))
    bounds = [0, *cuts, len(values)]
    return [values[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]


def _merge_randomly(stat: Statistic, states: list[dict], data) -> dict:
    """Merge in a drawn order and a drawn binary tree, swapping arguments at random."""
    pool = [states[i] for i in data.draw(st.permutations(range(len(states))), label="order")]
    while len(pool) > 1:
        i = data.draw(st.integers(0, len(pool) - 2), label="pair")
        a, b = pool[i], pool[i + 1]
        if data.draw(st.booleans(), label="swap"):
            a, b = b, a
        pool[i : i + 2] = [stat.merge(a, b)]
    return pool[0]


@pytest.mark.parametrize(("stat", "values"), CASES)
@EXAMPLES
@given(data=st.data())
def test_chunked_merge_in_any_order_equals_one_pass(stat, values, data):
    values = data.draw(values, label="values")
    whole = stat.update(stat.zero(), values)
    partials = [stat.update(stat.zero(), chunk) for chunk in _chunks(data, values)]
    snapshot = copy.deepcopy(partials)
    merged = _merge_randomly(stat, partials, data)
    assert partials == snapshot  # merge did not mutate its inputs
    assert _same(stat, stat.finish(merged), stat.finish(whole), values)


@pytest.mark.parametrize(("stat", "values"), CASES)
@EXAMPLES
@given(data=st.data())
def test_add_one_at_a_time_equals_update_and_zero_is_identity(stat, values, data):
    values = data.draw(values, label="values")
    state = stat.update(stat.zero(), values)
    one_by_one = reduce(stat.add, values, stat.zero())
    assert _same(stat, stat.finish(one_by_one), stat.finish(state), values)
    before = copy.deepcopy(state)
    assert stat.merge(stat.zero(), state) == state
    assert stat.merge(state, stat.zero()) == state
    assert stat.update(state, []) == state
    assert stat.add(state, None) is not state
    assert state == before  # nothing above mutated it


@pytest.mark.parametrize(("stat", "values"), CASES)
@EXAMPLES
@given(data=st.data())
def test_states_are_plain_json(stat, values, data):
    left = stat.update(stat.zero(), data.draw(values, label="left"))
    right = stat.update(stat.zero(), data.draw(values, label="right"))
    assert _plain(stat.zero()) and _plain(left) and _plain(right)
    wire = [json.loads(json.dumps(s, allow_nan=False)) for s in (left, right)]
    assert wire == [left, right]
    assert stat.finish(stat.merge(*wire)) == stat.finish(stat.merge(left, right))
    json.dumps(stat.finish(stat.merge(left, right)), allow_nan=False)


@EXAMPLES
@given(NUMBERS)
def test_moments_match_numpy(values):
    result = Moments().finish(Moments().update(Moments().zero(), values))
    x = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    assert result["count"] == x.size
    if x.size == 0:
        assert result == dict.fromkeys(["mean", "variance", "std", "min", "max"], None) | {
            "count": 0
        }
        return
    scale = _scale(x.tolist())
    assert math.isclose(result["mean"], np.mean(x), rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(result["variance"], np.var(x), rel_tol=1e-7, abs_tol=1e-9 * scale**2)
    assert math.isclose(result["std"] ** 2, result["variance"], rel_tol=1e-9, abs_tol=1e-300)
    assert (result["min"], result["max"]) == (x.min(), x.max())


def test_moments_is_stable_for_a_large_offset():
    x = 1e9 + np.array([4.0, 7.0, 13.0, 16.0] * 250)
    stat = Moments()
    state = reduce(stat.merge, (stat.update(stat.zero(), c) for c in np.split(x, 10)))
    assert math.isclose(stat.finish(state)["variance"], 22.5, rel_tol=1e-9)


@EXAMPLES
@given(st.one_of(NUMBERS, CATEGORIES))
def test_nulls_count_none_and_nan(values):
    result = Nulls().finish(Nulls().update(Nulls().zero(), values))
    nulls = sum(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)
    assert (result["rows"], result["nulls"]) == (len(values), nulls)
    assert result["null_rate"] == (nulls / len(values) if values else None)


@EXAMPLES
@given(EDGES, st.data())
def test_histogram_counts(edges, data):
    on_edges = st.sampled_from(edges)  # a value on an edge belongs to the bin it opens
    values = data.draw(st.lists(st.one_of(FLOATS, on_edges, MISSING), max_size=60))
    stat = Histogram(edges)
    result = stat.finish(stat.update(stat.zero(), values))
    x = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    assert result["edges"] == list(edges)
    assert len(result["counts"]) == len(edges) + 1
    expected = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
    assert result["counts"] == expected.tolist()
    by_hand = Counter(sum(e <= v for e in edges) for v in x.tolist())
    assert result["counts"] == [by_hand[i] for i in range(len(edges) + 1)]
    if len(edges) >= 2:
        inside = x[(x >= edges[0]) & (x < edges[-1])]
        assert result["counts"][1:-1] == np.histogram(inside, bins=edges)[0].tolist()


@EXAMPLES
@given(CATEGORIES)
def test_frequencies_match_counter(values):
    result = Frequencies().finish(Frequencies().update(Frequencies().zero(), values))
    expected = Counter(str(v) for v in values if v is not None and v == v)
    assert result["counts"] == dict(expected)
    assert list(result["counts"]) == sorted(expected)
    assert result["distinct"] == len(expected)


SKETCH_VALUES = st.lists(
    st.one_of(
        FLOATS,
        st.sampled_from([0.0, -0.0, 1e-13, -1e-13, 1.0, -1.0]),
        st.floats(min_value=-1e-3, max_value=1e-3),
        MISSING,
    ),
    max_size=80,
)


@EXAMPLES
@given(SKETCH_VALUES, st.sampled_from([0.001, 0.01, 0.05, 0.2]))
def test_sketch_quantiles_within_relative_accuracy(values, accuracy):
    stat = QuantileSketch(accuracy)
    state = stat.update(stat.zero(), values)
    x = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    result = stat.finish(state)
    assert result["count"] == x.size
    assert list(result["quantiles"]) == ["0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"]
    for q in (*LEVELS, 0.0, 1.0):
        got = stat.quantile(state, q)
        if x.size == 0:
            assert got is None
            continue
        exact = float(np.quantile(x, q, method="lower"))
        assert abs(got - exact) <= accuracy * abs(exact) * (1 + 1e-9) + 1e-12, (q, got, exact)
        if str(q) in result["quantiles"]:
            assert result["quantiles"][str(q)] == got


def test_sketch_orders_negatives_zeros_and_positives():
    stat = QuantileSketch()
    state = stat.update(stat.zero(), [-100.0, -1.0, 0.0, 0.0, 5.0, 1000.0])
    got = [stat.quantile(state, q) for q in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    for value, exact in zip(got, [-100.0, -1.0, 0.0, 0.0, 5.0, 1000.0], strict=True):
        assert abs(value - exact) <= 0.01 * abs(exact) + 1e-12
    with pytest.raises(ValueError):
        stat.quantile(state, 1.5)


def test_input_types_agree():
    pa = pytest.importorskip("pyarrow")
    values = [1.5, None, -2.0, float("nan"), 0.0, 3.0]
    inputs = [values, np.array(values, dtype=float), pa.array(values, from_pandas=True)]
    for stat in numeric_statistics((0.0, 1.0)).values():
        results = [stat.finish(stat.update(stat.zero(), v)) for v in inputs]
        assert results[0] == results[1] == results[2], stat.name
    words = ["x", None, "y", "x"]
    for stat in categorical_statistics().values():
        results = [
            stat.finish(stat.update(stat.zero(), v))
            for v in (words, np.array(words, dtype=object), pa.array(words))
        ]
        assert results[0] == results[1] == results[2], stat.name


@pytest.mark.parametrize(
    "edges", [(), (1.0, 1.0), (2.0, 1.0), (0.0, 2.0, 1.0), (math.nan,), (0.0, math.inf)]
)
def test_histogram_rejects_bad_edges(edges):
    with pytest.raises(ValueError, match="histogram edges"):
        Histogram(edges)


def test_merging_incompatible_states_is_refused():
    small, large = Histogram((0.0,)), Histogram((0.0, 1.0))
    with pytest.raises(ValueError, match="bins"):
        large.merge(large.zero(), small.update(small.zero(), [1.0]))
    with pytest.raises(ValueError, match="bins"):
        small.merge(large.zero(), small.zero())
    fine, coarse = QuantileSketch(0.01), QuantileSketch(0.02)
    with pytest.raises(ValueError, match="relative_accuracy"):
        fine.merge(fine.zero(), coarse.update(coarse.zero(), [1.0]))
    with pytest.raises(ValueError, match="relative_accuracy"):
        coarse.merge(coarse.zero(), fine.zero())
    with pytest.raises(ValueError):
        QuantileSketch(1.0)


def test_statistic_sets():
    numeric = numeric_statistics((0.0, 1.0))
    assert list(numeric) == ["nulls", "moments", "histogram", "sketch"]
    assert numeric["histogram"].edges == (0.0, 1.0)
    assert list(categorical_statistics()) == ["nulls", "frequencies"]
    for stat in [*numeric.values(), *categorical_statistics().values()]:
        assert isinstance(stat, Statistic)


@EXAMPLES
@given(NUMBERS, st.integers(2, 20))
def test_reference_edges_are_strictly_increasing(values, bins):
    edges = reference_edges(values, bins)
    x = [v for v in values if v is not None and not math.isnan(v)]
    assert 1 <= len(edges) <= bins - 1
    assert all(lo < hi for lo, hi in zip(edges, edges[1:], strict=False))
    assert all(type(e) is float and math.isfinite(e) for e in edges)
    if x:
        assert min(x) <= edges[0] and edges[-1] <= max(x)
    Histogram(edges)  # always valid edges


def test_reference_edges_special_cases():
    assert reference_edges([]) == (0.0,)
    assert reference_edges([None, math.nan, math.inf]) == (0.0,)
    assert reference_edges([3.5] * 7 + [None]) == (3.5,)
    assert reference_edges(np.arange(101.0), bins=4) == (25.0, 50.0, 75.0)
    with pytest.raises(ValueError):
        reference_edges([1.0, 2.0], bins=1)
