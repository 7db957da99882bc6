"""One delivery of a dataset, from its files to typed rows, duplicates and quarantined rows.

Every column is read as text first, so a value that is not what the declaration says is a
reason on its row, never a job that dies or a value silently made null: `not_<type>:<column>`
(present but not of its type), `missing:<column>` (empty where the column may not be),
`not_allowed:<column>`, `below_minimum:<column>`, `unreadable_row` (a CSV line with the wrong
number of fields, a JSON line that does not parse), and, between rows, `conflicting_key` (rows
with the same key that say different things; all of them go, none is chosen). An exact copy of
a row is a duplicate: one is kept, the copies are counted.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lockgate.datasets import DatasetSpec

SPARK_TYPES = {
    "string": T.StringType(),
    "long": T.LongType(),
    "double": T.DoubleType(),
    "boolean": T.BooleanType(),
    "date": T.DateType(),
    "timestamp": T.TimestampType(),
}
EXTENSIONS = {"csv": (".csv",), "jsonl": (".jsonl", ".json"), "parquet": (".parquet",)}
_CORRUPT = "_corrupt_record"


class DeliveryRefused(ValueError):
    """A delivery that cannot be read as its dataset at all (no files, a CSV header that
    names other columns, a Parquet file without a declared column): refused whole."""


def read_delivery(spark: SparkSession, spec: DatasetSpec, files: list[str]) -> DataFrame:
    """Every row of the delivery's `files`, as text: the declared columns, `_source_file`,
    `_raw` (the row as received) and `_unreadable`."""
    if not files:
        raise DeliveryRefused(f"no {spec.landing_format} files in the delivery of {spec.name}")
    text = T.StructType(
        [T.StructField(n, T.StringType()) for n in spec.names]
        + [T.StructField(_CORRUPT, T.StringType())]
    )
    source = F.col("_metadata.file_path")
    if spec.landing_format == "csv":
        _check_headers(spec, files)
        rows = (
            spark.read.schema(text)
            .option("header", True)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
            .csv(files)
            .select(*spec.names, _CORRUPT, source.alias("_source_file"))
        )
        raw = F.coalesce(F.col(_CORRUPT), F.to_json(F.struct(*spec.names)))
    elif spec.landing_format == "jsonl":
        lines = spark.read.text(files).select("value", source.alias("_source_file"))
        lines = lines.where(F.trim("value") != "")
        parsed = F.from_json(
            "value", text, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT}
        )
        rows = lines.select(parsed.alias("r"), "value", "_source_file").select(
            *[F.col(f"r.{n}").alias(n) for n in spec.names],
            F.when(F.col("r").isNull(), F.col("value"))
            .otherwise(F.col(f"r.{_CORRUPT}"))
            .alias(_CORRUPT),
            "value",
            "_source_file",
        )
        raw = F.col("value")
    else:
        table = spark.read.parquet(*files)
        missing = [n for n in spec.names if n not in table.columns]
        if missing:
            raise DeliveryRefused(f"{spec.name}: the Parquet files have no columns {missing}")
        rows = table.select(
            *[F.col(n).cast("string").alias(n) for n in spec.names],
            F.lit(None).cast("string").alias(_CORRUPT),
            source.alias("_source_file"),
        )
        raw = F.to_json(F.struct(*spec.names))
    return rows.select(
        *spec.names,
        "_source_file",
        raw.alias("_raw"),
        F.col(_CORRUPT).isNotNull().alias("_unreadable"),
    )


def _check_headers(spec: DatasetSpec, files: list[str]) -> None:
    import csv

    from lockgate.storage.files import filesystem

    wanted = list(spec.names)
    for uri in files:
        fs, path = filesystem(uri)
        with fs.open(path, "rb") as stream:
            first = stream.readline(1 << 20).decode("utf-8-sig", errors="replace")
        header = [h.strip() for h in next(csv.reader([first]), [])]
        if header != wanted:
            raise DeliveryRefused(f"{uri}: its header is {header}; {spec.name} has {wanted}")


def _blank(name: str) -> Column:
    return F.col(name).isNull() | (F.trim(F.col(name)) == "")


def checked_rows(spec: DatasetSpec, delivered: DataFrame) -> DataFrame:
    """The delivered rows typed as declared, each with `_problems` (its reasons, empty when
    none) and `_digest` (sha256 of its typed values)."""
    typed, reasons = [], []
    for c in spec.columns:
        value = F.when(~_blank(c.name), F.trim(F.col(c.name))).try_cast(SPARK_TYPES[c.type])
        if c.type == "string":
            value = F.when(~_blank(c.name), F.col(c.name))
        typed.append(value.alias(c.name))
        reasons.append(F.when(~_blank(c.name) & value.isNull(), F.lit(f"not_{c.type}:{c.name}")))
        if not c.nullable:
            reasons.append(F.when(_blank(c.name), F.lit(f"missing:{c.name}")))
        if c.allowed:
            outside = value.isNotNull() & ~value.isin(*c.allowed)
            reasons.append(F.when(outside, F.lit(f"not_allowed:{c.name}")))
        if c.minimum is not None:
            below = value.isNotNull() & (value < F.lit(c.minimum))
            reasons.append(F.when(below, F.lit(f"below_minimum:{c.name}")))
    unreadable = F.when(F.col("_unreadable"), F.lit("unreadable_row"))
    problems = F.filter(F.array(unreadable, *reasons), lambda r: r.isNotNull())
    rows = delivered.select(*typed, "_source_file", "_raw", problems.alias("_problems"))
    digest = F.sha2(F.to_json(F.struct(*spec.names)), 256)
    return rows.withColumn("_digest", digest)


def split(spec: DatasetSpec, checked: DataFrame) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(the rows to keep: typed, once each; the quarantined rows: `_source_file`, `_raw`,
    `reasons`; the exact copies left out: `_digest`)."""
    good = checked.where(F.size("_problems") == 0)
    by_key = Window.partitionBy(*spec.key)
    copies = Window.partitionBy("_digest").orderBy("_source_file", "_raw")
    ranked = good.withColumn("_versions", F.size(F.collect_set("_digest").over(by_key))).withColumn(
        "_copy", F.row_number().over(copies)
    )
    kept = ranked.where((F.col("_versions") == 1) & (F.col("_copy") == 1)).select(*spec.names)
    duplicates = ranked.where((F.col("_versions") == 1) & (F.col("_copy") > 1)).select("_digest")
    conflicting = ranked.where(F.col("_versions") > 1).withColumn(
        "_problems", F.array(F.lit("conflicting_key"))
    )
    bad = checked.where(F.size("_problems") > 0).unionByName(conflicting.select(*checked.columns))
    quarantined = bad.select("_source_file", "_raw", F.col("_problems").alias("reasons"), "_digest")
    return kept, quarantined, duplicates
