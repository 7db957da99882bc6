"""A parquet footer's encoding lists are put in one order, whichever JVM wrote the file; the
file stays readable by pyarrow and by Spark (whose local file system checks the .crc)."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockgate.storage import parquet_footer
from lockgate.storage.parquet_footer import canonicalise


def _encodings(path) -> list[tuple[str, ...]]:
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(0).column(i).encodings for i in range(meta.num_columns)]


def _reverse_encodings(path) -> None:
    """What another JVM may write: the same file with every encoding list in reverse order,
    its checksum file kept right."""
    data = bytearray(path.read_bytes())
    length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - length
    footer = data[start:-8]
    lists: list = []
    parquet_footer._Reader(footer, lists).struct(())
    for items in lists:
        chunks = [bytes(footer[b:e]) for b, e in items]
        footer[items[0][0] : items[-1][1]] = b"".join(reversed(chunks))
    data[start:-8] = footer
    path.write_bytes(bytes(data))
    parquet_footer._update_checksums(path, start, start + length)


@pytest.fixture(scope="module")
def spark_file(spark, tmp_path_factory):
    """A one-file parquet partition written by Spark, with Hadoop's .crc beside it."""
    root = tmp_path_factory.mktemp("footer")
    rows = [(i, f"doc-{i % 7}", i * 0.5) for i in range(200)]
    spark.createDataFrame(rows, "n long, doc string, x double").coalesce(1).write.parquet(
        str(root / "written")
    )
    (part,) = (root / "written").glob("part-*.parquet")
    assert (root / "written" / f".{part.name}.crc").exists()
    canonicalise(part)
    return part


def test_a_file_from_another_jvm_gets_the_same_bytes_and_stays_readable(
    spark, spark_file, tmp_path
):
    other = tmp_path / "other"
    shutil.copytree(spark_file.parent, other)
    part = other / spark_file.name
    _reverse_encodings(part)
    assert part.read_bytes() != spark_file.read_bytes()
    assert _encodings(part) == [tuple(reversed(e)) for e in _encodings(spark_file)]
    assert any(len(e) > 1 for e in _encodings(part))

    assert canonicalise(part) is True
    assert part.read_bytes() == spark_file.read_bytes()
    assert canonicalise(part) is False  # already in order: nothing written
    assert pq.read_table(part).equals(pq.read_table(spark_file))
    # Spark's local file system verifies the .crc on read: the changed chunk's sum was updated.
    assert spark.read.parquet(str(other)).count() == 200


def test_a_stale_checksum_is_caught_by_spark_so_the_update_matters(spark, spark_file, tmp_path):
    other = tmp_path / "stale"
    shutil.copytree(spark_file.parent, other)
    crc = other / f".{spark_file.name}.crc"
    kept = crc.read_bytes()
    _reverse_encodings(other / spark_file.name)
    crc.write_bytes(kept)  # the sums of the file before the change
    with pytest.raises(Exception, match="(?i)checksum"):
        spark.read.parquet(str(other)).count()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "no parquet file"),
        (b"PAR1" + b"x" * 20, "no plain parquet footer"),
        (b"PAR1" + b"\x00" * 4 + (9999).to_bytes(4, "little") + b"PAR1", "does not fit"),
        (b"PAR1" + b"\x00" * 4 + (4).to_bytes(4, "little") + b"PARE", "no plain parquet footer"),
    ],
)
def test_what_is_not_a_plain_parquet_file_is_refused(tmp_path, content, error):
    path = tmp_path / "f.parquet"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=error):
        canonicalise(path)
    assert path.read_bytes() == content


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(footer=st.binary(min_size=1, max_size=300))
def test_a_corrupt_footer_gives_a_clear_error_and_no_change(tmp_path, footer):
    path = tmp_path / "corrupt.parquet"
    content = b"PAR1" + footer + len(footer).to_bytes(4, "little") + b"PAR1"
    path.write_bytes(content)
    try:
        canonicalise(path)
    except ValueError:
        assert path.read_bytes() == content
