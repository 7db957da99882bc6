"""The extraction step as Spark transforms: received files in, documents and quarantine out."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lockgate.extraction import reasons
from lockgate.extraction.documents import FILES_PER_MODEL_PASS, Limits, extract_batch, unread_row
from lockgate.spark import parallelism, share, udf_schema
from lockgate.storage.spark_io import Listing, literal_path

ENTITY_TYPE = StructType(
    [
        StructField("type", StringType(), False),
        StructField("value", StringType(), False),
        StructField("normalized", StringType(), False),
        StructField("source", StringType(), False),
        StructField("start", IntegerType(), False),
        StructField("end", IntegerType(), False),
        StructField("valid", BooleanType(), False),
        StructField("confidence", DoubleType(), False),
    ]
)
OUTCOME_SCHEMA = StructType(
    [
        StructField("doc_id", StringType(), False),
        StructField("parent_doc_id", StringType(), True),
        StructField("source_file", StringType(), False),
        StructField("size_bytes", LongType(), False),
        StructField("format", StringType(), True),
        StructField("language", StringType(), True),
        StructField("language_confidence", DoubleType(), True),
        StructField("sender_domain", StringType(), True),
        StructField("attachment_count", IntegerType(), False),
        StructField("has_signature", BooleanType(), False),
        StructField("text_chars", LongType(), False),
        StructField("masked_text", StringType(), True),
        StructField("entities", ArrayType(ENTITY_TYPE, False), False),
        StructField("defects", ArrayType(StringType(), False), False),
        StructField("extractor_version", StringType(), False),
        StructField("quarantine_reason", StringType(), True),
        StructField("quarantine_detail", StringType(), True),
    ]
)
DOCUMENT_COLUMNS = [
    "doc_id",
    "parent_doc_id",
    "source_file",
    "size_bytes",
    "format",
    "language",
    "language_confidence",
    "sender_domain",
    "attachment_count",
    "has_signature",
    "text_chars",
    "masked_text",
    "entities",
    "defects",
    "extractor_version",
    "run_date",
]
QUARANTINE_COLUMNS = [
    "doc_id",
    "parent_doc_id",
    "source_file",
    "size_bytes",
    "quarantine_reason",
    "quarantine_detail",
    "run_date",
]


def _top_level():
    return F.col("parent_doc_id").isNull()


def _parsed():
    return F.col("quarantine_reason").isNull()


FILES_PER_PARTITION = 5_000


def parse_partitions(spark: SparkSession, files: int) -> int:
    """How many partitions a day of `files` files is parsed in: two per core, and more for a
    large day so that no task holds over FILES_PER_PARTITION files (a retried task redoes
    minutes, not hours, of parsing)."""
    return max(2, 2 * parallelism(spark), -(-files // FILES_PER_PARTITION))


def read_landing(spark: SparkSession, landing: str, files: int | Listing) -> DataFrame:
    """The `binaryFile` rows of a landing folder of `files` files, read in as many partitions
    as they are parsed in. Spark's default (a 4 MB open cost per file, 128 MB per partition)
    would make a read task of every 32 small files: 31,000 tasks for a million letters.
    Sets the session's spark.sql.files.maxPartitionNum for the read that follows.

    Given the folder's `Listing`, only its regular files are read: when the folder holds
    anything else (a symlink, a directory, an unreadable file), Spark is handed the files by
    name instead of the folder, so it follows no link and fails on no entry."""
    listing = files if isinstance(files, Listing) else None
    count = len(listing.files) if listing is not None else files
    spark.conf.set("spark.sql.files.maxPartitionNum", str(parse_partitions(spark, max(1, count))))
    reader = spark.read.format("binaryFile")
    if listing is None or not listing.others:
        return reader.load(landing)
    if not listing.files:
        return spark.createDataFrame([], udf_schema(spark, BINARY_FILE))
    return reader.load([literal_path(p) for p, _ in listing.files])


BINARY_FILE = StructType(
    [
        StructField("path", StringType(), False),
        StructField("modificationTime", TimestampType()),
        StructField("length", LongType(), False),
        StructField("content", BinaryType()),
    ]
)


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def extract_outcomes(
    received: DataFrame,
    listing: list[tuple[str, int]] | Listing,
    limits: Limits,
    run_date: str,
    person_model: tuple[str, bytes] | None = None,
) -> DataFrame:
    """One top-level outcome row per listed file, then a row per attachment (`parent_doc_id` set).

    `received` holds the `binaryFile` rows Spark read; a listed file Spark did not read (it
    skips empty files) still gets its outcome row, and so does every entry of a `Listing` that
    is not read at all (quarantined as `symlink`, `not_a_file`, `hidden_name`, `unreadable`).
    `person_model` is (version, bytes) of the registered name model, broadcast once and loaded
    once per Python worker.
    """
    others = listing.others if isinstance(listing, Listing) else []
    listing = listing.files if isinstance(listing, Listing) else listing
    arrow_schema = to_arrow_schema(OUTCOME_SCHEMA)
    spark = received.sparkSession
    model = share(spark, person_model) if person_model else None

    def parse(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        finder = None
        for batch in batches:
            if finder is None and model is not None:  # not for a partition with no files
                from lockgate.extraction.person_model import finder_from_bytes

                version, data = model.value
                finder = finder_from_bytes(data, version)
            for first in range(0, batch.num_rows, FILES_PER_MODEL_PASS):
                chunk = batch.slice(first, FILES_PER_MODEL_PASS)
                files = zip(
                    map(_file_name, chunk.column("path").to_pylist()),
                    (content or b"" for content in chunk.column("content").to_pylist()),
                    strict=True,
                )
                rows = extract_batch(files, limits, finder)
                yield pa.RecordBatch.from_pylist(rows, schema=arrow_schema)

    listed = spark.createDataFrame(  # through Arrow: a million tuples pickle in 90 s, this 2 s
        pa.table(
            {"path": [p for p, _ in listing], "length": [n for _, n in listing]},
            schema=pa.schema([("path", pa.string()), ("length", pa.int64())]),
        )
    )
    unread = listed.join(received.select("path"), "path", "left_anti").select(
        "path", F.lit(b"").cast("binary").alias("content")
    )
    # Each side is parsed where it is: the files in the partitions they were read in (as many
    # as the parse needs, `read_landing`), so no file's content is shuffled.
    schema = udf_schema(spark, OUTCOME_SCHEMA)
    outcomes = received.select("path", "content").mapInArrow(parse, schema)
    outcomes = outcomes.unionByName(unread.mapInArrow(parse, schema))
    if others:
        never_read = [
            unread_row(_file_name(path), size, reasons.LANDING[kind], detail)
            for path, size, kind, detail in others
        ]
        outcomes = outcomes.unionByName(spark.createDataFrame(never_read, schema))
    return outcomes.withColumn("run_date", F.lit(run_date))


def documents_of(outcomes: DataFrame) -> DataFrame:
    """Parsed documents and attachments, one row per distinct doc_id (the same bytes twice is one document)."""
    parsed = outcomes.where(_parsed())
    first_file = parsed.groupBy("doc_id").agg(F.min("source_file").alias("source_file"))
    return parsed.join(first_file, ["doc_id", "source_file"]).select(*DOCUMENT_COLUMNS)


def quarantine_of(outcomes: DataFrame) -> DataFrame:
    """Files and attachments that could not be extracted, with their reason; one row each."""
    return outcomes.where(~_parsed()).select(*QUARANTINE_COLUMNS)


class AccountingError(RuntimeError):
    """Documents were lost or invented between landing and the extracted/quarantine outputs."""


def extraction_report(outcomes: DataFrame, received_files: int, run_date: str) -> dict:
    """Counts for the run's manifest; raises when parsed + duplicates + quarantined != received.

    The invariant is over received files (top-level rows); attachments are counted beside it.
    """
    counts: dict[tuple[bool, str], int] = {
        (row["top"], row["quarantine_reason"] or "parsed"): row["n"]
        for row in outcomes.groupBy(_top_level().alias("top"), "quarantine_reason")
        .agg(F.count("*").alias("n"))
        .collect()
    }
    by_reason = {reason: n for (top, reason), n in counts.items() if top}
    children = {reason: n for (top, reason), n in counts.items() if not top}
    parsed_rows = by_reason.pop("parsed", 0)
    parsed = outcomes.where(_top_level() & _parsed()).select("doc_id").distinct().count()
    quarantined = sum(by_reason.values())
    report = {
        "run_date": run_date,
        "received": received_files,
        "parsed": parsed,
        "duplicates": parsed_rows - parsed,
        "quarantined": quarantined,
        "quarantine_by_reason": dict(sorted(by_reason.items())),
        "attachments": {
            "parsed": children.pop("parsed", 0),
            "quarantined": sum(children.values()),
            "quarantine_by_reason": dict(sorted(children.items())),
        },
    }
    if parsed + report["duplicates"] + quarantined != received_files:
        raise AccountingError(
            f"run {run_date}: received {received_files} files but parsed {parsed} + duplicates "
            f"{report['duplicates']} + quarantined {quarantined} differ; nothing may be lost"
        )
    return report
