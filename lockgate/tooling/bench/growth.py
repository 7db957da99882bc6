"""How cost grows with the data: the exponent k of cost ∝ n^k."""

from __future__ import annotations

import math


def growth_exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(cost) on log(n) over (n, cost) points with distinct n.

    Two points give the exact slope between them; k = 1 is linear, k < 1 means fixed costs
    still weigh, k > 1 grows faster than the data.
    """
    usable = [(n, cost) for n, cost in points if n > 0 and cost > 0]
    if len({n for n, _ in usable}) < 2:
        raise ValueError("a growth exponent needs costs at two or more distinct sizes")
    xs = [math.log(n) for n, _ in usable]
    ys = [math.log(cost) for _, cost in usable]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
