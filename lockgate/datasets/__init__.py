"""The dataset protocol, and the registry of the tables lockgate ingests.

A dataset is a table an upstream system delivers as files, a delivery a day: CSV (with a
header), JSON lines or Parquet under `landing/datasets/<name>/<date>/`. One module declares it
with `DATASET = DatasetSpec(...)`: its columns and their types, its key, its event time, and
what its values may be. lockgate finds datasets as it finds models: every module of this
package, then every entry point in the group `lockgate.datasets`, e.g. in a team's
pyproject.toml: `[project.entry-points."lockgate.datasets"] cards = "acme_data.cards"`. A
module that breaks the protocol is skipped and named, never fatal (`lockgate.plugins`).

lockgate ingests each delivery with a Spark job (`jobs/ingest_dataset.py`): every row is typed
and checked against the declaration, a row that fails goes to the quarantine with its reasons,
an exact copy of a row counts as a duplicate, and ingested + duplicates + quarantined =
received. The lake keeps a delivery as one partition, `datasets/<name>/run_date=<date>/`,
replaced whole by a rerun with the same bytes. Its GX suite is derived from the declaration
(`suite`), with the dataset's own `expectations` added.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from lockgate import plugins
from lockgate.plugins import InvalidPlugin, Skipped

ENTRY_POINT_GROUP = "lockgate.datasets"
TYPES = ("string", "long", "double", "boolean", "date", "timestamp")
FORMATS = ("csv", "jsonl", "parquet")
RESERVED = ("run_date",)  # the lake's partition column
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class InvalidDataset(InvalidPlugin):
    """A dataset module does not follow the protocol."""


class UnknownDataset(KeyError):
    pass


@dataclass(frozen=True)
class Column:
    """One column of a dataset: its name, type (`TYPES`), whether it may be empty, the values a
    string may take (`allowed`, empty: any) and the least a number may be (`minimum`)."""

    name: str
    type: str
    nullable: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    description: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    """What the platform needs to ingest, validate and partition a delivered table.

    Attributes:
        name: the folder under landing/datasets/ and datasets/; lower case, digits, '_'.
        description: one line for `lockgate models` and the model cards.
        columns: every column a delivery holds, in order (a CSV's header names them).
        key: the columns that identify a row; unique within a delivery, never empty.
        event_time: the date or timestamp column saying when the row's event happened
            (point-in-time features and labels are cut on it).
        landing_format: `csv`, `jsonl` or `parquet`.
        expectations: GX expectations (`{"type": ..., "kwargs": ..., "severity": ...}`) added
            to the suite derived from the columns.
        owner: who answers for the data upstream.
        limitations: what the data must not be used for.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    event_time: str
    landing_format: str = "csv"
    expectations: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    owner: str = ""
    limitations: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def suite_name(self) -> str:
        return f"dataset.{self.name}"

    def suite(self) -> dict[str, Any]:
        """The GX suite of an ingested delivery: at least a row, the key unique and never
        empty, every non-nullable column filled, allowed values, minimums; then `expectations`."""
        critical = "critical"
        expectations: list[dict[str, Any]] = [
            {
                "type": "expect_table_row_count_to_be_between",
                "kwargs": {"min_value": 1},
                "severity": critical,
            },
            {
                "type": "expect_compound_columns_to_be_unique"
                if len(self.key) > 1
                else "expect_column_values_to_be_unique",
                "kwargs": {"column_list": list(self.key)}
                if len(self.key) > 1
                else {"column": self.key[0]},
                "severity": critical,
            },
        ]
        for c in self.columns:
            if not c.nullable:
                expectations.append(
                    {
                        "type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": c.name},
                        "severity": critical,
                    }
                )
            if c.allowed:
                expectations.append(
                    {
                        "type": "expect_column_values_to_be_in_set",
                        "kwargs": {"column": c.name, "value_set": list(c.allowed)},
                        "severity": critical,
                    }
                )
            if c.minimum is not None:
                expectations.append(
                    {
                        "type": "expect_column_values_to_be_between",
                        "kwargs": {"column": c.name, "min_value": c.minimum},
                        "severity": critical,
                    }
                )
        return {
            "name": self.suite_name,
            "meta": {"notes": f"Derived from the declaration of dataset {self.name}."},
            "expectations": expectations + [dict(e) for e in self.expectations],
        }


def _problems(spec: DatasetSpec) -> list[str]:
    problems = []
    if not _NAME.match(spec.name):
        problems.append(f"name {spec.name!r} is not lower case letters, digits and '_'")
    if spec.landing_format not in FORMATS:
        problems.append(f"landing_format {spec.landing_format!r} is none of {FORMATS}")
    names = [c.name for c in spec.columns]
    if not names:
        problems.append("declares no columns")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"columns {twice} are declared twice")
    for c in spec.columns:
        if not _NAME.match(c.name) or c.name in RESERVED:
            problems.append(f"column {c.name!r} is not a usable name (reserved: {RESERVED})")
        if c.type not in TYPES:
            problems.append(f"column {c.name!r} has type {c.type!r}, none of {TYPES}")
        if c.allowed and c.type != "string":
            problems.append(f"column {c.name!r}: allowed values are for strings")
        if c.minimum is not None and c.type not in ("long", "double"):
            problems.append(f"column {c.name!r}: a minimum is for numbers")
    if not spec.key:
        problems.append("declares no key")
    for k in spec.key:
        if k not in names:
            problems.append(f"key column {k!r} is not a column")
        elif spec.column(k).nullable:
            problems.append(f"key column {k!r} must be declared nullable=False")
    if spec.event_time not in names:
        problems.append(f"event_time {spec.event_time!r} is not a column")
    elif spec.column(spec.event_time).type not in ("date", "timestamp"):
        problems.append(f"event_time {spec.event_time!r} is not a date or timestamp column")
    return problems


def _dataset_of(module_name: str) -> DatasetSpec:
    module = importlib.import_module(module_name)
    spec = getattr(module, "DATASET", None)
    if not isinstance(spec, DatasetSpec):
        raise InvalidDataset(f"{module_name} defines no DATASET = DatasetSpec(...)")
    problems = _problems(spec)
    if problems:
        raise InvalidDataset(f"{module_name}: {spec.name}: {'; '.join(problems)}")
    return spec


def discover() -> tuple[dict[str, DatasetSpec], list[Skipped]]:
    """(every dataset that loads, by name; every module skipped, with its problem)."""
    sources = plugins.modules(__name__, __path__, ENTRY_POINT_GROUP)
    return plugins.discover(sources, _dataset_of, lambda spec: spec.name, "dataset")


def registered_datasets() -> dict[str, DatasetSpec]:
    return discover()[0]


def get_dataset(name: str) -> DatasetSpec:
    return plugins.lookup(discover(), name, "dataset", UnknownDataset)
