"""The dataset protocol: what a declaration must say, and the suite it gives."""

import pytest

from lockgate.datasets import Column, DatasetSpec, InvalidDataset, _dataset_of

GOOD = dict(
    name="cards",
    description="d",
    columns=(
        Column("txn_id", "string", nullable=False),
        Column("amount", "double", nullable=False, minimum=0),
        Column("currency", "string", allowed=("EUR", "USD")),
        Column("booked_at", "timestamp", nullable=False),
    ),
    key=("txn_id",),
    event_time="booked_at",
)


def _declared(tmp_path, monkeypatch, name: str, **changes) -> DatasetSpec:
    """A module declaring GOOD with `changes` (a Column's repr is the code that makes it)."""
    module = f"toy_dataset_{name}"
    (tmp_path / f"{module}.py").write_text(
        "from lockgate.datasets import Column, DatasetSpec\n"
        f"DATASET = DatasetSpec(**{ ({**GOOD, **changes})!r})\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return _dataset_of(module)


@pytest.mark.parametrize(
    "name, changes, refusal",
    [
        ("nokey", {"key": ()}, "declares no key"),
        ("nullkey", {"key": ("currency",)}, "key column 'currency' must be declared nullable"),
        ("time", {"event_time": "amount"}, "event_time 'amount' is not a date or timestamp"),
        ("type", {"columns": (Column("txn_id", "text", nullable=False),)}, "has type 'text'"),
        (
            "allowed",
            {"columns": (*GOOD["columns"], Column("n", "long", allowed=("1",)))},
            "allowed values are for strings",
        ),
        (
            "reserved",
            {"columns": (*GOOD["columns"], Column("run_date", "date"))},
            "column 'run_date' is not a usable name",
        ),
        ("format", {"landing_format": "xlsx"}, "landing_format 'xlsx'"),
    ],
)
def test_a_declaration_that_breaks_the_protocol_is_refused_with_why(
    tmp_path, monkeypatch, name, changes, refusal
):
    with pytest.raises(InvalidDataset, match=refusal):
        _declared(tmp_path, monkeypatch, name, **changes)


def test_a_declaration_that_keeps_the_protocol_is_read(tmp_path, monkeypatch):
    assert _declared(tmp_path, monkeypatch, "good") == DatasetSpec(**GOOD)


def test_a_declaration_gives_its_suite():
    suite = DatasetSpec(**GOOD).suite()
    assert suite["name"] == "dataset.cards"
    kinds = [(e["type"], e["kwargs"].get("column")) for e in suite["expectations"]]
    assert kinds == [
        ("expect_table_row_count_to_be_between", None),
        ("expect_column_values_to_be_unique", "txn_id"),
        ("expect_column_values_to_not_be_null", "txn_id"),
        ("expect_column_values_to_not_be_null", "amount"),
        ("expect_column_values_to_be_between", "amount"),
        ("expect_column_values_to_be_in_set", "currency"),
        ("expect_column_values_to_not_be_null", "booked_at"),
    ]
    compound = DatasetSpec(**{**GOOD, "key": ("txn_id", "booked_at")}).suite()
    assert compound["expectations"][1] == {
        "type": "expect_compound_columns_to_be_unique",
        "kwargs": {"column_list": ["txn_id", "booked_at"]},
        "severity": "critical",
    }
