"""Labels from a case-management export (CSV, JSON lines or Parquet) as decisions, or quarantined.

An export has a row per decided document: `doc_id` (lockgate's sha256 of the received file) or
`source_file` (the name it was received under), one or more label columns (`department`,
`urgency`: the labels the registered models learn), `decided_by` and `decided_at` (ISO 8601; a
time without a zone is UTC). A row that does not validate is quarantined whole with its reason
and nothing of it becomes a decision: no document named, a document lockgate never received, a
file name received more than once, a value outside the label's classes, a time that cannot be
read or lies in the future, or no label at all.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lockgate.labels.store import Decision

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
DOCUMENT_COLUMNS = ("doc_id", "source_file")
REQUIRED = ("decided_by", "decided_at")

# Why a row was quarantined.
UNREADABLE_ROW = "unreadable_row"
MISSING_FIELD = "missing_field"
BAD_TIME = "bad_time"
FUTURE_TIME = "future_time"
UNKNOWN_DOCUMENT = "unknown_document"
AMBIGUOUS_FILE_NAME = "ambiguous_file_name"
UNKNOWN_CLASS = "unknown_class"


class ExportError(ValueError):
    """The file cannot be an export at all (format, header): nothing of it is imported."""


@dataclass
class KnownDocuments:
    """The documents lockgate received: their ids, and the ids each file name was received as."""

    doc_ids: frozenset[str]
    by_file_name: Mapping[str, tuple[str, ...]]


@dataclass
class Checked:
    rows: int
    decisions: list[Decision] = field(default_factory=list)
    accepted_rows: int = 0
    quarantined: list[dict] = field(default_factory=list)  # {row, reason, detail, fields}


def read_export(path: Path) -> list[dict | None]:
    """The export's rows as {column: text or None}; None for a JSON line that is no object."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ExportError(f"{path.name}: an export is one of {sorted(FORMATS)}, by its suffix")
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            records = pq.read_table(path).to_pylist()
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
            raise ExportError(f"{path.name}: not a readable Parquet file ({exc})") from exc
        return [_texts(r) for r in records]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path.name}: not UTF-8 text ({exc})") from exc
    if kind == "csv":
        return [_texts(r) for r in csv.DictReader(io.StringIO(text, newline=""))]
    rows: list[dict | None] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        rows.append(_texts(record) if isinstance(record, dict) else None)
    return rows


def _texts(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if key is None:  # a CSV row longer than its header
            continue
        text = None if value is None else str(value).strip()
        out[str(key).strip()] = text or None
    return out


def check_header(rows: list[dict | None], label_columns: Mapping[str, object]) -> list[str]:
    """The label columns the export holds; ExportError when it cannot be an export."""
    columns = set().union(*(r.keys() for r in rows if r)) if rows else set()
    problems = []
    if not columns & set(DOCUMENT_COLUMNS):
        problems.append(f"a document column ({' or '.join(DOCUMENT_COLUMNS)})")
    problems += [c for c in REQUIRED if c not in columns]
    labels = [c for c in label_columns if c in columns]
    if not labels:
        problems.append(f"a label column ({', '.join(label_columns)})")
    if problems:
        raise ExportError("the export has no " + ", no ".join(problems))
    return labels


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_rows(
    rows: list[dict | None],
    label_classes: Mapping[str, frozenset[str]],
    known: KnownDocuments,
    now: datetime,
    source: str,
    system: str,
) -> Checked:
    """Each row's decisions, or the row quarantined with its reason. `label_classes` maps a
    label column to its classes (empty: any value); values match them ignoring case."""
    labels = check_header(rows, label_classes)
    checked = Checked(rows=len(rows))
    for number, row in enumerate(rows, start=1):
        if row is None:
            checked.quarantined.append(
                _quarantined(number, {}, UNREADABLE_ROW, "not a JSON object")
            )
            continue
        found = _row_decisions(row, labels, label_classes, known, now, source, system)
        if isinstance(found, tuple):
            checked.quarantined.append(_quarantined(number, row, *found))
        else:
            checked.decisions += found
            checked.accepted_rows += 1
    return checked


def _quarantined(number: int, row: dict, reason: str, detail: str) -> dict:
    return {"row": number, "reason": reason, "detail": detail, "fields": row}


def _row_decisions(row, labels, label_classes, known, now, source, system):
    """The row's decisions, or (reason, detail)."""
    missing = [c for c in REQUIRED if not row.get(c)]
    if not (row.get("doc_id") or row.get("source_file")):
        missing.insert(0, "doc_id or source_file")
    values = {c: row[c] for c in labels if row.get(c)}
    if not values:
        missing.append("a label (" + ", ".join(labels) + ")")
    if missing:
        return MISSING_FIELD, "no " + ", no ".join(missing)
    try:
        decided_at = parse_time(row["decided_at"])
    except ValueError:
        return BAD_TIME, f"decided_at {row['decided_at']!r} is not an ISO 8601 time"
    if decided_at > now:
        return FUTURE_TIME, f"decided_at {decided_at.isoformat()} is after {now.isoformat()}"
    doc_id = row.get("doc_id")
    if doc_id:
        if doc_id not in known.doc_ids:
            return UNKNOWN_DOCUMENT, f"no document {doc_id} was received"
    else:
        ids = known.by_file_name.get(row["source_file"], ())
        if not ids:
            return UNKNOWN_DOCUMENT, f"no file {row['source_file']!r} was received"
        if len(ids) > 1:
            return AMBIGUOUS_FILE_NAME, (
                f"{row['source_file']!r} was received {len(ids)} times; name its doc_id"
            )
        doc_id = ids[0]
    decided = []
    for column, value in values.items():
        classes = label_classes[column]
        canonical = {c.lower(): c for c in classes}
        if classes and value.lower() not in canonical:
            return UNKNOWN_CLASS, f"{column} {value!r} is none of {', '.join(sorted(classes))}"
        decided.append(
            Decision(
                doc_id=doc_id,
                label_column=column,
                value=canonical.get(value.lower(), value),
                decided_by=row["decided_by"],
                decided_at=decided_at,
                source=source,
                system=system,
            )
        )
    return decided
