"""The label store: every decision about a document's label, append-only, in the lake.

A decision says that `decided_by` set `label_column` of `doc_id` to `value` at `decided_at`,
through `source` (`review`, `import`, `generator`, `label-studio`) of `system` (the case system
an export came from, the review queue, the generator), maybe answering a score of
`answers_release`. Decisions are Parquet files under `label_store/decisions/decided_on=<day>/`
(the day of `decided_at`, UTC), written whole and never rewritten: a later decision for the same
document and column supersedes an earlier one when labels are read (`labels_as_of`), and both
stay. A decision's id is a digest of what it says, so recording it twice adds nothing.

Integrity (`verify`): every row must still say what its id says, every file must hold the
decisions its name is the digest of, and every file must be one an audited lockgate command
wrote (the names in the audit log's entries, which are hash-chained and signed). An edited row,
a planted or renamed file and a deleted one each show.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from lockgate.storage import Layout, read_rows, uri_exists, write_bytes_atomic
from lockgate.storage.files import filesystem
from lockgate.storage.layout import day_cutoff

SOURCES = ("review", "import", "generator", "label-studio")
# The key of an audit entry's payload naming the store's files the audited command wrote.
AUDIT_KEY = "label_store_files"
COLUMNS = (
    "decision_id",
    "doc_id",
    "label_column",
    "value",
    "decided_by",
    "decided_at",
    "source",
    "system",
    "answers_release",
    "import_id",
    "recorded_at",
)


@dataclass(frozen=True)
class Decision:
    doc_id: str
    label_column: str
    value: str
    decided_by: str
    decided_at: datetime  # time-zone aware
    source: str
    system: str
    answers_release: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"a decision's source is one of {SOURCES}, not {self.source!r}")
        if self.decided_at.tzinfo is None:
            raise ValueError("a decision's time must carry its time zone")
        object.__setattr__(self, "decided_at", self.decided_at.astimezone(UTC))

    @property
    def decision_id(self) -> str:
        said = asdict(self) | {"decided_at": self.decided_at.isoformat(timespec="microseconds")}
        return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()

    @property
    def decided_on(self) -> str:
        return self.decided_at.date().isoformat()


def _schema():
    import pyarrow as pa

    moment = pa.timestamp("us", tz="UTC")
    types = {"decided_at": moment, "recorded_at": moment}
    nullable = {"answers_release"}
    return pa.schema(
        [pa.field(c, types.get(c, pa.string()), nullable=c in nullable) for c in COLUMNS]
    )


def as_frame(decisions: Iterable[Decision], import_id: str, recorded_at: datetime):
    """The rows the store keeps for `decisions` (a pandas frame, in the given order)."""
    import pandas as pd

    rows = [
        asdict(d)
        | {"decision_id": d.decision_id, "import_id": import_id, "recorded_at": recorded_at}
        for d in decisions
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("decided_at", "recorded_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def known_ids(layout: Layout, days: Iterable[str], files: frozenset[str] | None = None) -> set[str]:
    """The ids of every decision stored for these decision days (only in `files`, names
    relative to the store, when given)."""
    found: set[str] = set()
    for name in stored_files(layout, days):  # it skips a day with no folder
        if files is None or name in files:
            found.update(r["decision_id"] for r in read_rows(_uri(layout, name), ["decision_id"]))
    return found


def unrecorded(
    layout: Layout, decisions: Iterable[Decision], files: frozenset[str] | None = None
) -> tuple[list[Decision], int]:
    """(the decisions the store does not hold yet, once each, in order; how many it held or
    were given twice). With `files`, a decision counts as held only in one of those files (the
    audited ones: a file a killed command wrote but never recorded is written again and then
    recorded)."""
    decisions = list(decisions)
    held = known_ids(layout, (d.decided_on for d in decisions), files)
    new: dict[str, Decision] = {}
    for d in decisions:
        if d.decision_id not in held:
            new.setdefault(d.decision_id, d)
    return list(new.values()), len(decisions) - len(new)


def _file_name(decision_ids: Iterable[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(decision_ids)).encode()).hexdigest()
    return f"part-{digest[:32]}.parquet"


def _uri(layout: Layout, name: str) -> str:
    return f"{layout.label_decisions}/{name}"


def stored_files(layout: Layout, days: Iterable[str] | None = None) -> list[str]:
    """The store's files (`decided_on=<day>/part-<digest>.parquet`), of `days` or all."""
    fs, root = filesystem(layout.label_decisions)
    if not fs.exists(root):
        return []
    folders = (
        [f"decided_on={d}" for d in sorted(set(days))]
        if days is not None
        else sorted(p.rsplit("/", 1)[-1] for p in fs.ls(root, detail=False))
    )
    names = []
    for folder in folders:
        if not folder.startswith("decided_on=") or not fs.exists(f"{root}/{folder}"):
            continue
        for path in sorted(fs.ls(f"{root}/{folder}", detail=False)):
            name = path.rsplit("/", 1)[-1]
            if not name.startswith((".", "_")):
                names.append(f"{folder}/{name}")
    return names


def write_frame(layout: Layout, frame) -> list[str]:
    """Append `frame` (from `as_frame`) to the store: one new file per decision day, named by
    the digest of its decision ids, so the same decisions land on the same name and nothing
    already written is ever replaced by other content. The names (relative to the store) of
    the files that hold the frame, written now or found already written: the caller records
    them in the audit log."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    held = []
    days: dict[str, list[int]] = defaultdict(list)
    for position, moment in enumerate(frame["decided_at"]):
        days[moment.date().isoformat()].append(position)
    for day, positions in sorted(days.items()):
        part = frame.iloc[positions].sort_values("decision_id", kind="stable")
        name = f"decided_on={day}/{_file_name(part['decision_id'])}"
        held.append(name)
        if uri_exists(_uri(layout, name)):
            continue
        buffer = io.BytesIO()
        table = pa.Table.from_pandas(part, schema=_schema(), preserve_index=False)
        pq.write_table(table, buffer, compression="zstd")
        write_bytes_atomic(_uri(layout, name), buffer.getvalue())
    return held


UNRECORDED = "no audited lockgate command recorded it"


@dataclass(frozen=True)
class Finding:
    """Something wrong with a file of the store: `file` relative to it, `problem` in words."""

    file: str
    problem: str


def verify(layout: Layout, recorded: Iterable[str]) -> tuple[int, int, list[Finding]]:
    """(files, decisions, findings) of the whole store against `recorded`, the file names the
    audit log says lockgate wrote: a row whose id is not the digest of what it says (edited),
    a file that does not hold the decisions its name is the digest of (rows added, removed or
    moved), a file no audited command wrote (planted or renamed), a recorded file that is
    gone (deleted)."""
    recorded = set(recorded)
    findings: list[Finding] = []
    names = stored_files(layout)
    count = 0
    for name in names:
        try:
            rows = read_rows(_uri(layout, name), list(COLUMNS))
        except Exception as exc:  # an unreadable file is a finding, not a crash of the check
            findings.append(Finding(name, f"unreadable: {type(exc).__name__}: {exc}"))
            continue
        count += len(rows)
        for number, row in enumerate(rows, start=1):
            said = _decision_id(row)
            if said != row["decision_id"]:
                findings.append(
                    Finding(
                        name,
                        f"row {number} ({row['doc_id']}, {row['label_column']}) does not say what "
                        f"its id {row['decision_id']} says: it was edited after it was written",
                    )
                )
        if name.rsplit("/", 1)[-1] != _file_name(r["decision_id"] for r in rows):
            findings.append(Finding(name, "holds other decisions than its name is the digest of"))
        day = name.split("/", 1)[0].removeprefix("decided_on=")
        if any(
            r["decided_at"] is None or r["decided_at"].astimezone(UTC).date().isoformat() != day
            for r in rows
        ):
            findings.append(Finding(name, f"holds a decision not made on {day}"))
        if name not in recorded:
            findings.append(Finding(name, UNRECORDED))
    for name in sorted(recorded - set(names)):
        findings.append(Finding(name, "the audit log records it, but it is gone"))
    return len(names), count, findings


def _decision_id(row: dict) -> str | None:
    try:
        return Decision(
            **{k: row[k] for k in Decision.__dataclass_fields__ if k != "decided_at"},
            decided_at=row["decided_at"],
        ).decision_id
    except (TypeError, ValueError, AttributeError):
        return None


def decisions(spark, layout: Layout):
    """Every stored decision as a Spark frame (no rows, same columns, when there are none)."""
    from pyspark.sql import types as T

    if uri_exists(layout.label_decisions):
        frame = spark.read.parquet(layout.label_decisions)
        return frame.select(*COLUMNS)
    fields = [
        T.StructField(
            c, T.TimestampType() if c in ("decided_at", "recorded_at") else T.StringType()
        )
        for c in COLUMNS
    ]
    return spark.createDataFrame([], T.StructType(fields))


def labels_as_of(spark, layout: Layout, as_of: str, label_columns: Iterable[str]):
    """One row per labelled document: doc_id and each of `label_columns`, the value of the
    latest decision made on or before `as_of` (UTC); a decision made later never shows.
    Ties on the same moment go to the decision recorded last, then to the larger id."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    label_columns = list(label_columns)
    before = F.unix_micros("decided_at") < int(day_cutoff(as_of).timestamp() * 1_000_000)
    known = decisions(spark, layout).where(before & F.col("label_column").isin(label_columns))
    newest = Window.partitionBy("doc_id", "label_column").orderBy(
        F.col("decided_at").desc(), F.col("recorded_at").desc(), F.col("decision_id").desc()
    )
    latest = known.withColumn("_n", F.row_number().over(newest)).where(F.col("_n") == 1)
    return latest.groupBy("doc_id").pivot("label_column", label_columns).agg(F.first("value"))
