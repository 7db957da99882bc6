"""Exports read into decisions: every reason a row is quarantined, the three formats alike."""

import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lockgate.labels import imports
from lockgate.labels.store import Decision

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
A, B, C1, C2 = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)
KNOWN = imports.KnownDocuments(
    frozenset({A, B, C1, C2}), {"a.eml": (A,), "b.pdf": (B,), "c.txt": (C1, C2)}
)
CLASSES = {
    "department": frozenset({"payments", "kyc"}),
    "urgency": frozenset({"routine", "urgent"}),
}
HEADER = ["doc_id", "source_file", "department", "urgency", "decided_by", "decided_at"]


def _row(**fields):
    return {c: fields.get(c) for c in HEADER}


def _check(rows):
    return imports.check_rows(rows, CLASSES, KNOWN, NOW, "import", "cases")


def test_an_accepted_row_gives_a_decision_per_label_in_the_classes_spelling():
    checked = _check(
        [
            _row(
                doc_id=A,
                department="Payments",
                urgency="URGENT",
                decided_by="ana",
                decided_at="2026-11-20T10:00:00+01:00",
            )
        ]
    )
    assert checked.accepted_rows == 1 and not checked.quarantined
    assert [(d.label_column, d.value) for d in checked.decisions] == [
        ("department", "payments"),
        ("urgency", "urgent"),
    ]
    assert checked.decisions[0].decided_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert {d.doc_id for d in checked.decisions} == {A}


def test_a_file_name_received_once_names_its_document_and_a_time_without_zone_is_utc():
    checked = _check(
        [
            _row(
                source_file="b.pdf",
                department="kyc",
                decided_by="bob",
                decided_at="2026-11-21 09:00",
            )
        ]
    )
    (decision,) = checked.decisions
    assert decision.doc_id == B
    assert decision.decided_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "row, reason",
    [
        (
            _row(source_file="c.txt", department="kyc", decided_by="x", decided_at="2026-11-20"),
            imports.AMBIGUOUS_FILE_NAME,
        ),
        (
            _row(doc_id="e" * 64, department="kyc", decided_by="x", decided_at="2026-11-20"),
            imports.UNKNOWN_DOCUMENT,
        ),
        (
            _row(
                source_file="never.eml", department="kyc", decided_by="x", decided_at="2026-11-20"
            ),
            imports.UNKNOWN_DOCUMENT,
        ),
        (
            _row(doc_id=A, department="treasury", decided_by="x", decided_at="2026-11-20"),
            imports.UNKNOWN_CLASS,
        ),
        (
            _row(
                doc_id=A, department="kyc", urgency="asap", decided_by="x", decided_at="2026-11-20"
            ),
            imports.UNKNOWN_CLASS,
        ),
        (
            _row(doc_id=A, department="kyc", decided_by="x", decided_at="2030-01-01"),
            imports.FUTURE_TIME,
        ),
        (
            _row(doc_id=A, department="kyc", decided_by="x", decided_at="2026-12-01T12:00:01Z"),
            imports.FUTURE_TIME,
        ),
        (
            _row(doc_id=A, department="kyc", decided_by="x", decided_at="yesterday"),
            imports.BAD_TIME,
        ),
        (_row(doc_id=A, department="kyc", decided_at="2026-11-20"), imports.MISSING_FIELD),
        (_row(doc_id=A, decided_by="x", decided_at="2026-11-20"), imports.MISSING_FIELD),
        (_row(department="kyc", decided_by="x", decided_at="2026-11-20"), imports.MISSING_FIELD),
        (None, imports.UNREADABLE_ROW),
    ],
)
def test_a_row_that_does_not_validate_is_quarantined_whole_with_its_reason(row, reason):
    good = _row(doc_id=B, department="kyc", decided_by="y", decided_at="2026-11-20")
    checked = _check([good, row])
    assert checked.rows == 2 and checked.accepted_rows == 1
    (quarantined,) = checked.quarantined
    assert (quarantined["row"], quarantined["reason"]) == (2, reason)
    assert quarantined["detail"]
    assert {d.doc_id for d in checked.decisions} == {B}  # nothing of the bad row


def test_a_file_that_cannot_be_an_export_is_refused_whole():
    with pytest.raises(imports.ExportError, match="no decided_at"):
        _check([{"doc_id": A, "department": "kyc", "decided_by": "x"}])
    with pytest.raises(imports.ExportError, match="a label column"):
        _check([{"doc_id": A, "decided_by": "x", "decided_at": "2026-11-20"}])
    with pytest.raises(imports.ExportError, match="a document column"):
        _check([{"department": "kyc", "decided_by": "x", "decided_at": "2026-11-20"}])


def test_csv_json_lines_and_parquet_give_the_same_decisions(tmp_path):
    rows = [
        _row(
            doc_id=A,
            department="payments",
            urgency="routine",
            decided_by="ana",
            decided_at="2026-11-20T10:00:00Z",
        ),
        _row(source_file="b.pdf", urgency="urgent", decided_by="bob", decided_at="2026-11-21"),
    ]
    csv_path = tmp_path / "cases.csv"
    lines = [",".join(HEADER)] + [",".join(r[c] or "" for c in HEADER) for r in rows]
    csv_path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")  # with a BOM
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text("\n".join(json.dumps({k: v for k, v in r.items() if v}) for r in rows) + "\n")
    parquet = tmp_path / "cases.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    found = [_check(imports.read_export(p)).decisions for p in (csv_path, jsonl, parquet)]
    assert len(found[0]) == 3
    assert found[0] == found[1] == found[2]


def test_a_json_line_that_is_no_object_is_a_row_of_its_own(tmp_path):
    path = tmp_path / "cases.jsonl"
    good = {"doc_id": A, "department": "kyc", "decided_by": "x", "decided_at": "2026-11-20"}
    path.write_text(json.dumps(good) + "\n[1, 2]\n{not json\n")
    checked = _check(imports.read_export(path))
    assert (checked.rows, checked.accepted_rows) == (3, 1)
    assert [q["reason"] for q in checked.quarantined] == [imports.UNREADABLE_ROW] * 2


def test_an_unknown_suffix_is_refused(tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(imports.ExportError, match="by its suffix"):
        imports.read_export(path)


def test_a_decision_is_named_by_what_it_says():
    one = Decision(
        A, "department", "kyc", "ana", datetime(2026, 11, 20, tzinfo=UTC), "import", "cases"
    )
    same = Decision(
        A,
        "department",
        "kyc",
        "ana",
        datetime.fromisoformat("2026-11-20T01:00+01:00"),
        "import",
        "cases",
    )
    assert one.decision_id == same.decision_id  # the same moment in another zone
    other = Decision(A, "department", "kyc", "bob", one.decided_at, "import", "cases")
    assert other.decision_id != one.decision_id
    with pytest.raises(ValueError, match="time zone"):
        Decision(A, "department", "kyc", "ana", datetime(2026, 11, 20), "import", "cases")
    with pytest.raises(ValueError, match="source"):
        Decision(A, "department", "kyc", "ana", one.decided_at, "email", "cases")
