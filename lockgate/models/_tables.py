"""What a model over a table declares beside its estimator: point-in-time features of its
dataset (`Rolling`, `Ratio`), its label (`LabelDefinition`, with a horizon), and, for a model
that raises alerts, the gate judged at the alert capacity operations can work through
(`CapacityGate`). Declarations only: `lockgate.training.pointintime` builds the windows and
cut-offs from them, `lockgate.training.capacity` measures the figures the gate judges.

A private module (its name starts with `_`), so model discovery does not read it as a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WINDOW = re.compile(r"\bover\b", re.IGNORECASE)

_UNITS = {"m": 60, "h": 3600, "d": 86_400}
AGGREGATES = ("count", "sum", "mean", "max", "distinct")


def window_seconds(window: str) -> int:
    """'15m', '24h', '30d' in seconds."""
    number, unit = window[:-1], window[-1:]
    if unit not in _UNITS or not number.isdigit() or int(number) <= 0:
        raise ValueError(f"a window is a positive number of m, h or d (e.g. '24h'), not {window!r}")
    return int(number) * _UNITS[unit]


@dataclass(frozen=True)
class Rolling:
    """`agg` of `column` (none for `count`) over the entity's (`by`) events in the `window`
    before each row's moment: `count`, `sum`, `mean`, `max`, or `distinct` values."""

    name: str
    agg: str
    column: str | None
    window: str
    by: str

    def __post_init__(self) -> None:
        if self.agg not in AGGREGATES:
            raise ValueError(f"{self.name}: agg is one of {AGGREGATES}, not {self.agg!r}")
        if (self.agg == "count") != (self.column is None):
            raise ValueError(f"{self.name}: count takes no column, and every other agg one")
        window_seconds(self.window)

    @property
    def reads(self) -> tuple[str, ...]:
        """The dataset's columns (or earlier features) this feature reads."""
        return (self.by,) if self.column is None else (self.by, self.column)

    def describe(self) -> str:
        what = {
            "count": "number of",
            "distinct": f"distinct {self.column} values among",
        }.get(self.agg, f"{self.agg} of {self.column} over")
        return f"{self.name}: {what} the {self.by}'s events in the {self.window} before the row"


@dataclass(frozen=True)
class Ratio:
    """`numerator / denominator` (columns or earlier features); null when the denominator is
    zero or null."""

    name: str
    numerator: str
    denominator: str

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)

    def describe(self) -> str:
        return f"{self.name}: {self.numerator} / {self.denominator}"


@dataclass(frozen=True)
class Derived:
    """A Spark SQL expression over the row's own columns (and earlier features), e.g.
    `cast(merchant_country <> home_country as double)`. It sees one row only: a window
    (`OVER`) is refused, since only `Rolling` windows are kept to the past by the platform."""

    name: str
    sql: str
    reads: tuple[str, ...]

    def __post_init__(self) -> None:
        if _WINDOW.search(self.sql):
            raise ValueError(
                f"{self.name}: a Derived feature reads its own row only; write a window as a "
                "Rolling feature, which the platform keeps to the row's past"
            )

    def describe(self) -> str:
        return f"{self.name}: {self.sql}"


Feature = Rolling | Ratio | Derived


@dataclass(frozen=True)
class LabelDefinition:
    """A row is `positive` when an event of the `dataset` joined on `key` happened within
    `horizon_days` of the row's moment (and matched `where`, Spark SQL), else `negative`."""

    dataset: str
    key: str
    event_time: str
    horizon_days: int
    where: str | None = None
    positive: str = "positive"
    negative: str = "negative"

    def __post_init__(self) -> None:
        if self.horizon_days <= 0:
            raise ValueError("a label's horizon is a positive number of days")
        if self.positive == self.negative:
            raise ValueError("a label's positive and negative values differ")

    def describe(self) -> str:
        """One line for the model card and `lockgate models`."""
        where = f" where {self.where}" if self.where else ""
        return (
            f"{self.positive} when a {self.dataset} row{where} on the same {self.key} is "
            f"reported within {self.horizon_days} days of the row, else {self.negative}"
        )


@dataclass(frozen=True)
class CapacityGate:
    """The thresholds of an alerting model, judged at `alerts_per_day` alerts a day on the
    test days: the precision floor holds whatever the AUC. `amount` names the column whose sum
    over the alerted positives is the loss avoided; `champion_margin` is how much lower than
    the production version's precision at capacity a candidate's may be."""

    alerts_per_day: int
    min_precision: float
    min_recall: float = 0.0
    min_loss_avoided_share: float = 0.0
    amount: str | None = None
    champion_margin: float = 0.02

    def __post_init__(self) -> None:
        if self.alerts_per_day <= 0:
            raise ValueError("alerts_per_day is what operations can review a day: at least 1")
        for name in ("min_precision", "min_recall", "min_loss_avoided_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} is a share between 0 and 1")
