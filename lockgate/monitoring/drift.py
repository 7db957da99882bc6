"""Drift of one summary against a model version's training reference: PSI and chi-square per feature.

Both compare the same buckets: a numeric feature's reference histogram bins (edges fixed at
training) plus "missing"; a categorical feature's reference categories seen at least
`MIN_CATEGORY_COUNT` times (at most `MAX_CATEGORIES`), plus "(other)" for anything else -- a
new sender domain lands there -- and "(missing)".

PSI measures how far the distribution moved; the chi-square test of homogeneity says whether the
move is more than sampling noise at the judged sample sizes. A feature has drifted when both
cross their thresholds (`[monitoring]` in infra/envs/base.toml).
"""

from __future__ import annotations

import math

import numpy as np

MIN_CATEGORY_COUNT = 5
MAX_CATEGORIES = 30
OTHER, MISSING = "(other)", "(missing)"
# Added to every bucket's count before shares are taken, so an empty bucket has a finite log.
SMOOTHING = 0.5


def _edge_labels(edges: list[float]) -> list[str]:
    labels = [f"< {edges[0]:g}"]
    labels += [f"[{a:g}, {b:g})" for a, b in zip(edges, edges[1:], strict=False)]
    return labels + [f">= {edges[-1]:g}"]


def buckets(feature: dict, reference: dict, current: dict) -> tuple[list[str], list, list]:
    """(labels, reference counts, current counts) of one feature; `feature` is Feature.to_dict(),
    `reference` and `current` its statistic -> state."""
    ref_missing = reference["nulls"]["nulls"]
    cur_missing = current["nulls"]["nulls"]
    if feature["kind"] == "numeric":
        labels = _edge_labels(feature["edges"]) + [MISSING]
        ref = [*reference["histogram"]["counts"], ref_missing]
        cur = [*current["histogram"]["counts"], cur_missing]
        return labels, ref, cur
    seen = reference["frequencies"]["counts"]
    kept = sorted(
        (c for c, n in seen.items() if n >= MIN_CATEGORY_COUNT), key=lambda c: (-seen[c], c)
    )[:MAX_CATEGORIES]
    counts = current["frequencies"]["counts"]
    ref = [seen[c] for c in kept]
    cur = [counts.get(c, 0) for c in kept]
    ref.append(sum(n for c, n in seen.items() if c not in kept))
    cur.append(sum(n for c, n in counts.items() if c not in kept))
    return [*kept, OTHER, MISSING], [*ref, ref_missing], [*cur, cur_missing]


def shares(counts) -> np.ndarray:
    smoothed = np.asarray(counts, dtype=float) + SMOOTHING
    return smoothed / smoothed.sum()


def psi(reference, current) -> float:
    """Population stability index: sum over buckets of (current - reference) * ln(current / reference)
    on smoothed shares; 0 when nothing moved, about 0.1 a small shift, 0.2 and more a large one."""
    ref, cur = shares(reference), shares(current)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def chi_square_p(reference, current) -> float:
    """p-value of the chi-square test that both samples come from one distribution over the
    buckets (buckets empty in both are left out); 1.0 when fewer than two buckets are used."""
    from scipy.stats import chi2_contingency

    table = np.asarray([reference, current], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)


def feature_drift(
    feature: dict, reference: dict, current: dict, psi_max: float, p_value: float
) -> dict:
    """One feature's verdict with the evidence a person needs to read it."""
    labels, ref, cur = buckets(feature, reference, current)
    value, p = psi(ref, cur), chi_square_p(ref, cur)
    ref_share, cur_share = shares(ref), shares(cur)
    moved = sorted(range(len(labels)), key=lambda i: -abs(cur_share[i] - ref_share[i]))[:3]
    return {
        "name": feature["name"],
        "role": feature["role"],
        "kind": feature["kind"],
        "psi": round(value, 6),
        "p_value": p if not math.isnan(p) else 1.0,
        "drifted": bool(value >= psi_max and p < p_value),
        "moved": [
            {
                "bucket": labels[i],
                "reference": round(float(ref_share[i]), 4),
                "current": round(float(cur_share[i]), 4),
            }
            for i in moved
        ],
    }
