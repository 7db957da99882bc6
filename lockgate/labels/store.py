"""The label store: every decision about a document's label, append-only, in the lake.

A decision says that `decided_by` set `label_column` of `doc_id` to `value` at `decided_at`,
through `source` (`review`, `import`, `generator`, `label-studio`) of `system` (the case system
an export came from, the review queue, the generator), maybe answering a score of
`answers_release`. Decisions are Parquet files under `label_store/decisions/decided_on=<day>/`
(the day of `decided_at`, UTC), written whole and never rewritten: a later decision for the same
document and column supersedes an earlier one when labels are read (`labels_as_of`), and both
stay. A decision's id is a digest of what it says, so recording it twice adds nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from lockgate.storage import Layout, read_rows, uri_exists, write_bytes_atomic

SOURCES = ("review", "import", "generator", "label-studio")
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


def known_ids(layout: Layout, days: Iterable[str]) -> set[str]:
    """The ids of every decision stored for these decision days."""
    found: set[str] = set()
    for day in sorted(set(days)):
        uri = layout.label_decision_day(day)
        if uri_exists(uri):
            found.update(r["decision_id"] for r in read_rows(uri, ["decision_id"]))
    return found


def unrecorded(layout: Layout, decisions: Iterable[Decision]) -> tuple[list[Decision], int]:
    """(the decisions the store does not hold yet, once each, in order; how many it held or
    were given twice)."""
    decisions = list(decisions)
    held = known_ids(layout, (d.decided_on for d in decisions))
    new: dict[str, Decision] = {}
    for d in decisions:
        if d.decision_id not in held:
            new.setdefault(d.decision_id, d)
    return list(new.values()), len(decisions) - len(new)


def write_frame(layout: Layout, frame) -> list[str]:
    """Append `frame` (from `as_frame`) to the store: one new file per decision day, named by
    the digest of its decision ids, so the same decisions land on the same name and nothing
    already written is ever replaced by other content. The URIs written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    days: dict[str, list[int]] = defaultdict(list)
    for position, moment in enumerate(frame["decided_at"]):
        days[moment.date().isoformat()].append(position)
    for day, positions in sorted(days.items()):
        part = frame.iloc[positions].sort_values("decision_id", kind="stable")
        digest = hashlib.sha256("\n".join(part["decision_id"]).encode()).hexdigest()
        uri = f"{layout.label_decision_day(day)}/part-{digest[:32]}.parquet"
        if uri_exists(uri):
            continue
        buffer = io.BytesIO()
        table = pa.Table.from_pandas(part, schema=_schema(), preserve_index=False)
        pq.write_table(table, buffer, compression="zstd")
        write_bytes_atomic(uri, buffer.getvalue())
        written.append(uri)
    return written


def cutoff(as_of: str) -> datetime:
    """The first moment after day `as_of` (UTC): decisions before it are known on that day."""
    return datetime.combine(date.fromisoformat(as_of) + timedelta(days=1), time(), UTC)


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
    before = F.unix_micros("decided_at") < int(cutoff(as_of).timestamp() * 1_000_000)
    known = decisions(spark, layout).where(before & F.col("label_column").isin(label_columns))
    newest = Window.partitionBy("doc_id", "label_column").orderBy(
        F.col("decided_at").desc(), F.col("recorded_at").desc(), F.col("decision_id").desc()
    )
    latest = known.withColumn("_n", F.row_number().over(newest)).where(F.col("_n") == 1)
    return latest.groupBy("doc_id").pivot("label_column", label_columns).agg(F.first("value"))
