"""Spark transforms on small in-code data: extraction accounting, atomic partitions, snapshots, scoring."""

import hashlib

import pandas as pd
import pytest
from pyspark.sql import functions as F

from lockgate.extraction.dataset import (
    AccountingError,
    documents_of,
    extract_outcomes,
    extraction_report,
    parse_partitions,
    quarantine_of,
    read_landing,
)
from lockgate.extraction.formats import Limits
from lockgate.storage.spark_io import list_entries, list_files, read_partition, write_partition

LIMITS = Limits(max_bytes=10_000)

LETTER = b"Payment query\n\nPlease pay EUR 1.000,00 into GB82 WEST 1234 5698 7654 32.\nKind regards,\nJane Doe\n"


def _received(spark, files):
    return spark.createDataFrame(
        [(path, data) for path, data in files.items() if data],  # binaryFile skips empty files
        "path string, content binary",
    )


def _email_with_attachments() -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["Subject"] = "a@client.example", "Statement"
    msg.set_content("See the attachments.")
    msg.add_attachment("Pay EUR 10,00 into GB82 WEST 1234 5698 7654 32.", filename="a.txt")
    msg.add_attachment(b"PK\x03\x04zip", maintype="application", subtype="zip", filename="b.zip")
    return bytes(msg)


def test_every_listed_file_is_accounted_for_including_empty_and_duplicate(spark):
    email = _email_with_attachments()
    files = {
        "file:/l/a.txt": LETTER,
        "file:/l/b.txt": LETTER,  # same bytes: one document, one duplicate
        "file:/l/c.txt": b"",  # Spark never reads it; it must still be counted
        "file:/l/d.pdf": b"%PDF-1.4 broken",
        "file:/l/e.eml": email,  # one received file, two attachments beside the invariant
    }
    listing = [(p, len(d)) for p, d in files.items()]
    outcomes = extract_outcomes(_received(spark, files), listing, LIMITS, "2026-11-20").cache()
    report = extraction_report(outcomes, len(listing), "2026-11-20")
    assert report == {
        "run_date": "2026-11-20",
        "received": 5,
        "parsed": 2,
        "duplicates": 1,
        "quarantined": 2,
        "quarantine_by_reason": {"corrupt_pdf": 1, "empty": 1},
        "attachments": {
            "parsed": 1,
            "quarantined": 1,
            "quarantine_by_reason": {"unsupported_format": 1},
        },
    }
    docs = {d.source_file: d for d in documents_of(outcomes).collect()}
    assert sorted(docs) == ["a.txt", "e.eml", "e.eml#1/a.txt"]
    assert docs["a.txt"].doc_id == hashlib.sha256(LETTER).hexdigest()
    assert (
        docs["e.eml#1/a.txt"].parent_doc_id
        == docs["e.eml"].doc_id
        == hashlib.sha256(email).hexdigest()
    )
    assert "<IBAN>" in docs["a.txt"].masked_text and "GB82" not in docs["a.txt"].masked_text
    quarantined = {r.source_file: r for r in quarantine_of(outcomes).collect()}
    assert sorted(quarantined) == ["c.txt", "d.pdf", "e.eml#2/b.zip"]
    assert quarantined["e.eml#2/b.zip"].parent_doc_id == docs["e.eml"].doc_id


def test_report_refuses_a_run_that_lost_documents(spark):
    files = {"file:/l/a.txt": LETTER}
    outcomes = extract_outcomes(
        _received(spark, files), [("file:/l/a.txt", 1)], LIMITS, "2026-11-20"
    )
    with pytest.raises(AccountingError, match="received 2"):
        extraction_report(outcomes, 2, "2026-11-20")


@pytest.mark.parametrize("rows, files", [(None, 1), (50, 3)])
def test_partition_rewrite_replaces_with_the_same_rows_and_file_names(spark, tmp_path, rows, files):
    """Whatever order and partitioning the rows come in, a rewrite gives the same files: one,
    or with a row count a file per `rows_per_file` (here 20), each sorted by its key."""
    dataset = f"file://{tmp_path}/ds"
    folder = tmp_path / "ds" / "run_date=2026-11-20"
    keys = spark.range(50).select(
        F.sha2(F.col("id").cast("string"), 256).alias("k"), (F.col("id") * 2).alias("v")
    )
    written = []
    for seed, partitions in ((1, 7), (2, 3)):
        shuffled = keys.repartition(partitions).orderBy(F.rand(seed))
        write_partition(
            shuffled, dataset, "run_date=2026-11-20", ["k"], rows=rows, rows_per_file=20
        )
        written.append({p.name: p.read_bytes() for p in sorted(folder.glob("part-*"))})
    assert written[0] == written[1]
    assert list(written[0]) == [f"part-{i:05d}.parquet" for i in range(files)]
    per_file = [pd.read_parquet(folder / name)["k"].tolist() for name in written[0]]
    assert all(k == sorted(k) for k in per_file) and all(k for k in per_file)
    assert sorted(k for ks in per_file for k in ks) == sorted(
        r["k"] for r in keys.select("k").collect()
    )
    back = read_partition(spark, dataset, "run_date=2026-11-20")
    assert back.count() == 50 and back.select("run_date").distinct().count() == 1


def test_a_partition_has_a_file_per_rows_per_file_rows():
    from lockgate.storage.spark_io import ROWS_PER_FILE, files_for

    assert [files_for(n) for n in (None, 0, 1, ROWS_PER_FILE)] == [1, 1, 1, 1]
    assert [files_for(n) for n in (ROWS_PER_FILE + 1, 10 * ROWS_PER_FILE)] == [2, 10]


def test_listing_sees_empty_files(spark, tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x")
    (tmp_path / "b.txt").write_bytes(b"")
    listed = list_files(spark, f"file://{tmp_path}")
    assert [(p.rsplit("/", 1)[1], n) for p, n in listed] == [("a.txt", 1), ("b.txt", 0)]


def test_a_local_listing_names_files_as_hadoop_and_spark_do(spark, tmp_path):
    from lockgate.storage.spark_io import _hadoop_fs, _hadoop_listing

    names = [
        "plain.eml",
        "with space.pdf",
        "ünïcode é.txt",
        "hash#1.html",
        "pct%20.txt",
        "plus+[x].txt",
        "empty.txt",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"" if name == "empty.txt" else name.encode())
    (tmp_path / ".hidden").write_bytes(b"x")
    (tmp_path / "_SUCCESS").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deeper.txt").write_bytes(b"x")
    uri = f"file://{tmp_path}"
    entries = list_entries(spark, uri)
    assert entries == _hadoop_listing(*_hadoop_fs(spark, uri))  # the Hadoop API's own answer
    assert [(p.rsplit("/", 1)[1], kind) for p, _, kind, _ in entries.others] == [
        (".hidden", "hidden"),
        ("_SUCCESS", "hidden"),
        ("sub", "directory"),
    ]
    listed = list_files(spark, uri)
    assert sorted(p.rsplit("/", 1)[1] for p, _ in listed) == sorted(names)
    read = {r.path: r.length for r in spark.read.format("binaryFile").load(uri).collect()}
    assert read == {p: n for p, n in listed if n}  # Spark's path column joins with the listing


def test_a_landing_folder_is_read_in_as_many_partitions_as_it_is_parsed_in(spark, tmp_path):
    for i in range(400):
        (tmp_path / f"{i:03}.txt").write_bytes(b"letter %d" % i)
    # Spark alone would cut 400 small files into a read task per ~32 (its 4 MB open cost).
    spark.conf.unset("spark.sql.files.maxPartitionNum")
    default = spark.read.format("binaryFile").load(f"file://{tmp_path}").rdd.getNumPartitions()
    received = read_landing(spark, f"file://{tmp_path}", 400)
    assert parse_partitions(spark, 400) == 4 < default
    assert received.rdd.getNumPartitions() <= 4 and received.count() == 400
    spark.conf.unset("spark.sql.files.maxPartitionNum")
    # A large day is parsed in tasks of at most FILES_PER_PARTITION files.
    assert parse_partitions(spark, 1_000_000) == 200 and parse_partitions(spark, 10_001) == 4


def _extracted(spark, rows):
    from pyspark.sql.types import ArrayType, StructField, StructType

    from lockgate.extraction.dataset import ENTITY_TYPE, OUTCOME_SCHEMA

    fields = {f.name: f for f in OUTCOME_SCHEMA.fields}
    schema = StructType(
        [
            fields[c]
            for c in (
                "doc_id",
                "parent_doc_id",
                "language",
                "attachment_count",
                "has_signature",
                "text_chars",
                "masked_text",
            )
        ]
        + [
            StructField("entities", ArrayType(ENTITY_TYPE, False), False),
            StructField("run_date", fields["doc_id"].dataType, False),
        ]
    )
    # Every extracted row also says its format and sender domain (document attributes).
    return spark.createDataFrame(rows, schema).select(
        "*", F.lit("eml").alias("format"), F.lit(None).cast("string").alias("sender_domain")
    )


def _entity(kind, normalized, valid=True):
    return (kind, normalized, normalized, "body", 0, 1, valid, 1.0)


def test_document_features_count_the_fields_of_received_documents(spark):
    from lockgate.training.features import document_features

    extracted = _extracted(
        spark,
        [
            (
                "d1",
                None,
                "fr",
                1,
                True,
                120,
                "text <IBAN>",
                [
                    _entity("AMOUNT", "1200.50 EUR"),
                    _entity("AMOUNT", "3000000.00 USD"),
                    _entity("IBAN", "FR76..."),
                    _entity("IBAN", "XX00", valid=False),
                    _entity("DATE", "2026-11-20"),
                ],
                "2026-11-20",
            ),
            (
                "d1-child",
                "d1",
                "fr",
                0,
                False,
                30,
                "attachment",
                [_entity("AMOUNT", "5.00 EUR")],
                "2026-11-20",
            ),
            ("d2", None, None, 0, False, 10, None, [], "2026-11-20"),
        ],
    )
    from lockgate.models import DOCUMENT_COLUMNS, SNAPSHOT_KEYS

    features = document_features(extracted)
    # The table's columns are the ones the model protocol says it offers (`lockgate models`).
    assert tuple(features.columns) == (*SNAPSHOT_KEYS, *DOCUMENT_COLUMNS)
    rows = {r.doc_id: r for r in features.collect()}
    assert set(rows) == {"d1", "d2"}  # attachments are not scored or trained on alone
    d1, d2 = rows["d1"], rows["d2"]
    assert (
        d1.amount_count,
        d1.max_amount,
        d1.iban_count,
        d1.invalid_identifier_count,
        d1.date_count,
        d1.has_signature,
        d1.language,
    ) == (2.0, 3_000_000.0, 1.0, 1.0, 1.0, 1.0, "fr")
    assert (d2.max_amount, d2.language, d2.masked_text) == (0.0, "unknown", "")


def test_snapshot_digest_depends_on_content_not_order(spark):
    from lockgate.models import get_model
    from lockgate.training.dataset import model_snapshot, snapshot_digest
    from lockgate.training.features import labelled_documents

    extracted = _extracted(
        spark,
        [
            (d, None, "en", 0, True, 10, f"text {d}", [], day)
            for d, day in (("d1", "2026-11-19"), ("d2", "2026-11-20"), ("d3", "2026-11-21"))
        ],
    )
    labels = spark.createDataFrame(  # as `labels_as_of` gives them
        [("d1", "kyc", "routine"), ("d2", "payments", None), ("d3", "kyc", "urgent")],
        "doc_id string, department string, urgency string",
    )
    labelled = labelled_documents(extracted, labels, "2026-11-20")
    routing = model_snapshot(labelled, get_model("routing"))
    assert routing.columns == ["doc_id", "run_date", "masked_text", "label"]
    assert sorted(r.doc_id for r in routing.collect()) == ["d1", "d2"]  # nothing after the run date
    urgency = model_snapshot(labelled, get_model("urgency"))
    assert [r.doc_id for r in urgency.collect()] == [
        "d1"
    ]  # rows without this model's label are left out
    assert snapshot_digest(routing) == snapshot_digest(routing.orderBy(F.desc("doc_id")))
    # training.max_rows keeps the newest labelled documents
    newest = model_snapshot(labelled, get_model("routing"), max_rows=1)
    assert [r.doc_id for r in newest.collect()] == ["d2"] and newest.columns == routing.columns
    assert model_snapshot(labelled, get_model("routing"), max_rows=5).count() == 2
    changed = routing.withColumn("label", F.lit("custody"))
    assert snapshot_digest(changed) != snapshot_digest(routing)


def test_score_frame_applies_each_classs_threshold(spark):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from lockgate.scoring.batch import score_frame
    from lockgate.training.fit import model_to_bytes

    texts = ["pay the invoice", "payment sent", "complaint about fees", "I want to complain"] * 5
    labels = ["payments", "payments", "complaints", "complaints"] * 5
    frame = pd.DataFrame({"masked_text": texts})
    model = make_pipeline(
        ColumnTransformer([("t", TfidfVectorizer(), "masked_text")]), LogisticRegression()
    ).fit(frame, labels)
    data = model_to_bytes(model)
    docs = spark.createDataFrame(
        [("a", "payment of the invoice"), ("b", "complaint")], "doc_id string, masked_text string"
    )
    expected = model.predict_proba(
        pd.DataFrame({"masked_text": ["payment of the invoice", "complaint"]})
    )
    # payments decided automatically at its confidence; complaints needs more than it has.
    thresholds = {
        "payments": float(expected[0].max()),
        "complaints": float(expected[1].max()) + 0.01,
    }
    rows = {
        r.doc_id: r for r in score_frame(docs, data, "sha", ["masked_text"], thresholds).collect()
    }
    assert rows["a"].prediction == "payments" and rows["b"].prediction == "complaints"
    assert rows["a"].confidence == pytest.approx(expected[0].max())
    assert (rows["a"].decision, rows["b"].decision) == ("auto_route", "manual_review")
    # The document sent to manual review carries the model's classes, best first, for the
    # reviewer; the one decided automatically carries none.
    assert rows["a"].top_classes is None
    assert [(c.label, c.probability) for c in rows["b"].top_classes] == [
        ("complaints", pytest.approx(expected[1].max())),
        ("payments", pytest.approx(expected[1].min())),
    ]


def test_a_session_does_not_log_every_file_it_reads(spark):
    from lockgate.spark import QUIET_LOGGERS, quiet_file_reads

    log4j = spark._jvm.org.apache.logging.log4j
    quiet_file_reads(spark)
    for name in QUIET_LOGGERS:
        assert str(log4j.LogManager.getLogger(name).getLevel()) == "WARN"
        assert not log4j.LogManager.getLogger(name).isInfoEnabled()


def test_a_kept_frame_is_on_disk_not_in_the_heap_and_reads_back_the_same(spark):
    """A day's frames read more than once are kept on disk: cached in the heap, a million
    documents' extraction outcomes ran a 2 GB driver out of memory."""
    from lockgate.spark import kept

    frame = spark.range(1000).withColumn("text", F.repeat(F.lit("x"), 100))
    held = kept(frame)
    try:
        level = held.storageLevel
        assert level.useDisk and not level.useMemory and not level.useOffHeap
        assert held.count() == 1000
        assert sorted(r["id"] for r in held.collect()) == list(range(1000))
    finally:
        held.unpersist()


def test_what_a_piece_of_work_kept_is_released_when_it_ends_even_on_failure(spark):
    """A backfill scores day after day in one application: each day's persisted frames go when
    the day is written, and when it fails."""
    from pyspark import StorageLevel

    from lockgate.spark import Kept

    with Kept() as keep:
        first, second = keep(spark.range(10)), keep(spark.range(20))
        assert (first.count(), second.count()) == (10, 20)
        assert first.storageLevel.useDisk and second.storageLevel.useDisk
    assert first.storageLevel == second.storageLevel == StorageLevel.NONE
    with pytest.raises(RuntimeError), Kept() as keep:
        third = keep(spark.range(5))
        raise RuntimeError("the day failed")
    assert third.storageLevel == StorageLevel.NONE


def test_score_frame_with_a_compiled_library_writes_the_scores_skops_writes(spark):
    """The scorer the job runs, on Spark's Python workers, with and without the release's
    library: every row the same prediction and decision, confidence within the tolerance."""
    import hashlib

    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from lockgate.registry import load_model
    from lockgate.release.compile import compile_trees
    from lockgate.scoring.batch import score_frame
    from lockgate.scoring.compiled import TOLERANCE
    from lockgate.training.fit import model_to_bytes

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=800), "b": rng.normal(size=800)})
    labels = np.where(frame["a"] + 0.5 * frame["b"] > 0, "urgent", "routine")
    data = model_to_bytes(
        make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=40)).fit(
            frame, labels
        )
    )
    library = compile_trees(load_model(data))
    sha256 = hashlib.sha256(library).hexdigest()
    docs = spark.createDataFrame(frame.assign(doc_id=[f"d{i}" for i in range(800)]))
    thresholds = {"urgent": 0.8, "routine": 0.8}
    skops = score_frame(docs, data, "trees", ["a", "b"], thresholds).toPandas()
    compiled = score_frame(docs, data, "trees", ["a", "b"], thresholds, library, sha256).toPandas()
    both = skops.merge(compiled, on="doc_id", suffixes=("_skops", "_compiled"))
    assert len(both) == 800
    assert (both["prediction_skops"] == both["prediction_compiled"]).all()
    assert (both["decision_skops"] == both["decision_compiled"]).all()
    assert set(both["decision_skops"]) == {"auto_route", "manual_review"}
    assert (both["confidence_skops"] - both["confidence_compiled"]).abs().max() <= TOLERANCE
    # The workers load the library they were given, checked by its digest: a wrong one fails.
    with pytest.raises(Exception, match="is not the recorded"):
        score_frame(docs, data, "trees", ["a", "b"], thresholds, library, "0" * 64).collect()
