"""The SparkSession every job uses: master from spark-submit when given, else from the profile."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyspark
from pyspark import SparkConf, SparkContext, StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructField, StructType

from lockgate.config import read_toml_file, repo_root, settings
from lockgate.spark_connect import client_url
from lockgate.storage import write_bytes_atomic


def build_session(
    app_name: str, master: str | None = None, conf: dict[str, str] | None = None
) -> SparkSession:
    """A session for a job; spark-submit's --master and --conf win over the profile's defaults.

    `master` replaces the profile's (the CLI reads small datasets in-process with local[*]);
    `conf` is set over the profile's.
    """
    profile = settings()
    # Python workers run this interpreter unless told otherwise (a bare `pyspark` would start
    # the system's, without lockgate's libraries); the cluster profile's spark.pyspark.python
    # (the shipped environment) still wins on YARN.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        # Under spark-submit its JVM already holds --master and --conf: attach to it first, or
        # SparkConf() is an empty stand-in and the profile's defaults overwrite them.
        SparkContext._ensure_initialized()
    submitted = SparkConf()
    builder = SparkSession.builder.appName(app_name)
    if not submitted.contains("spark.master"):
        builder = builder.master(master or profile.spark_master)
    for key, value in (profile.spark_conf | (conf or {})).items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    session = builder.getOrCreate()
    quiet_file_reads(session)
    return session


@contextmanager
def job_session(app_name: str, spark: SparkSession | None = None) -> Iterator[SparkSession]:
    """The session a job runs in: `spark` when its caller shares one with it (an Airflow task
    on the local profile; the job leaves it running), else one for the job, stopped when the
    job ends, also when it fails: under spark-submit the application spark-submit started;
    `python jobs/<job>.py` a session on the home's Spark Connect server when it runs for this
    environment, else an application of its own."""
    _job_logging()
    if spark is not None:
        yield spark
        return
    session = None
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):
        url = client_url(settings())
        session = SparkSession.builder.remote(url).create() if url else None
    session = session or build_session(app_name)
    try:
        yield session
    finally:
        session.stop()


def _job_logging() -> None:
    """A job's `lockgate.*` loggers report at INFO: into the handlers of its caller (Airflow's task
    log) when it has some, else to stdout (spark-submit's driver log)."""
    logger = logging.getLogger("lockgate")
    logger.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


@contextmanager
def task_session() -> Iterator[SparkSession]:
    """The session of one task's job, on a Spark application that outlives the task.

    - The home's Spark Connect server when it runs for this environment
      (`lockgate.spark_connect`): every process, also each task the scheduler starts, gets a
      warm application in about a second. A process keeps one session on it, so its Python
      workers (with the models they loaded) stay warm from one task to the next; the SQL
      settings a job changes are put back when it ends, so they never reach the next job.
    - Else this process's one application, started by the first call (`airflow dags test`
      runs a whole DAG run in one process, so only its first Spark task pays the start), and a
      new session on it per job: its own SQL settings and temporary views.
    """
    from pyspark.sql.utils import is_remote

    url = None if SparkContext._active_spark_context else client_url(settings())
    if url is not None:
        session = _connect_session(url)
        before = dict(session.conf.getAll)
        try:
            yield session
        finally:
            _restore_conf(session, before)
        return
    if is_remote():  # pyspark's rule: a process that used Spark Connect stays in Connect mode
        raise RuntimeError(
            "the home's Spark Connect server, which this process used, is gone: "
            "start it again (lockgate spark-server start) and rerun the task"
        )
    if SparkContext._active_spark_context is None:
        build_session("lockgate-tasks")
    yield SparkSession.builder.getOrCreate().newSession()


_connected: dict[str, SparkSession] = {}


def _connect_session(url: str) -> SparkSession:
    """This process's session on the server at `url` (a new one if it was stopped)."""
    session = _connected.get(url)
    if session is None or session.is_stopped:
        session = _connected[url] = SparkSession.builder.remote(url).create()
    return session


def _restore_conf(session: SparkSession, before: dict[str, str]) -> None:
    """Put the session's SQL settings back as they were in `before`."""
    after = dict(session.conf.getAll)
    for key in after.keys() - before.keys():
        session.conf.unset(key)
    for key, value in before.items():
        if after.get(key) != value:
            session.conf.set(key, value)


def is_connect(spark: SparkSession) -> bool:
    """`spark` is a Spark Connect session (no SparkContext, no JVM in this process)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def describe(spark: SparkSession) -> str:
    """Where `spark` runs, for a log line."""
    if is_connect(spark):
        return f"Spark Connect server, {spark.conf.get('spark.master')}"
    return spark.sparkContext.master


def parallelism(spark: SparkSession) -> int:
    """The application's default parallelism (cores of `local[*]`, executor cores on YARN)."""
    if is_connect(spark):
        return int(spark.conf.get("spark.default.parallelism"))
    return spark.sparkContext.defaultParallelism


def udf_schema(spark: SparkSession, schema: StructType) -> StructType:
    """`schema` as the output schema of a Python function (`mapInArrow`) or of local rows,
    for `spark`: as it is on a classic session; under Spark Connect with its string types sent
    without a collation (`default_collation`), so that what is written has the same bytes."""
    return default_collation(schema) if is_connect(spark) else schema


def default_collation(schema: DataType) -> DataType:
    """`schema` with every string type the default one. A Spark Connect client names each
    string type's collation (UTF8_BINARY) and the server keeps it: written as sent, a Parquet
    file's Spark schema says `string collate UTF8_BINARY` where a classic session's says
    `string`, the same rows in other bytes (`DataFrame.to` does not undo it). Sent with no
    collation, a string type is the default one."""
    if isinstance(schema, StringType):
        return StringType("")
    if isinstance(schema, StructType):
        return StructType(
            [
                StructField(f.name, default_collation(f.dataType), f.nullable, f.metadata)
                for f in schema.fields
            ]
        )
    if isinstance(schema, ArrayType):
        return ArrayType(default_collation(schema.elementType), schema.containsNull)
    if isinstance(schema, MapType):
        return MapType(
            default_collation(schema.keyType),
            default_collation(schema.valueType),
            schema.valueContainsNull,
        )
    return schema


class Carried:
    """A value a Spark Connect client hands the server's Python workers with the function that
    reads it (Connect has no broadcasts); `.value` as a broadcast's."""

    def __init__(self, value) -> None:
        self.value = value

    def unpersist(self) -> None:
        self.value = None


def share(spark: SparkSession, value):
    """`value` for the application's Python workers, read as `.value` there: a broadcast (sent
    to each executor once), or under Spark Connect the value itself, pickled with the function
    (the server and its workers are on this machine, and Connect chunks large plans)."""
    if is_connect(spark):
        return Carried(value)
    return spark.sparkContext.broadcast(value)


def driver_session(app_name: str, conf: dict[str, str] | None = None) -> SparkSession:
    """A session whose driver is this process, on the profile's cluster: `local[*]` on the
    local profile; on YARN, a client-mode application submitted with the published
    spark-defaults.conf (the job zip, the Python environment, the executors' sizes), the
    driver's Python being this interpreter. `conf` is set over both."""
    profile = settings()
    if not profile.spark_master.startswith("yarn"):
        return build_session(app_name, master="local[*]", conf=conf)
    # Read by the spark-submit that starts the session's JVM, so set before it starts.
    environment = profile.submit_environment()
    os.environ.update(environment)
    # PySpark tells executors to run the driver's PYSPARK_PYTHON (spark.pyspark.python is read
    # only by spark-submit's own Python runner): the shipped environment's, not this venv's.
    published = published_conf(Path(environment["SPARK_CONF_DIR"]))
    os.environ["PYSPARK_PYTHON"] = published.get("spark.pyspark.python", sys.executable)
    client = {"spark.submit.deployMode": "client", "spark.pyspark.driver.python": sys.executable}
    return build_session(app_name, conf=client | (conf or {}))


def published_conf(conf_dir: Path) -> dict[str, str]:
    """The settings of `spark-defaults.conf` in `conf_dir` (`lockgate cluster publish`)."""
    defaults = conf_dir / "spark-defaults.conf"
    if not defaults.is_file():
        raise FileNotFoundError(
            f"{defaults} is missing: run `lockgate cluster publish` (make cluster-up does)"
        )
    found = {}
    for line in defaults.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and not parts[0].startswith("#"):
            found[parts[0]] = parts[1].strip()
    return found


def local_defaults() -> dict[str, str]:
    """The local profile's Spark settings (`infra/profiles/local.toml` `[spark_conf]`)."""
    return dict(read_toml_file(repo_root() / "infra" / "profiles" / "local.toml")["spark_conf"])


def local_defaults_file() -> Path:
    """Where this environment's Spark installation keeps its defaults (SPARK_HOME/conf)."""
    return Path(pyspark.__file__).parent / "conf" / "spark-defaults.conf"


def install_local_defaults() -> Path:
    """Write the local profile's Spark settings into this environment's Spark installation
    (`pyspark/conf/spark-defaults.conf`, `make install` does), so that every JVM Spark starts
    from it gets them: a `spark-submit` typed by hand, a test's own session. The sessions
    lockgate builds pass them anyway; a JVM that spark-submit starts before any Python runs
    cannot take its heap, JIT and GC flags from anywhere else. Where SPARK_CONF_DIR is set (the
    cluster profile's published settings) Spark reads that directory instead. Returns the file."""
    target = local_defaults_file()
    lines = [
        "# Written by `make install` (lockgate.spark.install_local_defaults) from",
        "# infra/profiles/local.toml [spark_conf]: edit that file, then run make install.",
        *(f"{key} {value}" for key, value in sorted(local_defaults().items())),
    ]
    write_bytes_atomic(str(target), ("\n".join(lines) + "\n").encode())
    return target


# Spark logs one INFO line per file it reads; a local session's JVM runs the executors, so a
# day of 100,000 letters put 200,000 such lines (65 MB) into the extraction task's Airflow log.
QUIET_LOGGERS = ("org.apache.spark.sql.execution.datasources.FileScanRDD",)


def quiet_file_reads(session: SparkSession) -> None:
    """Raise the per-file read loggers of the session's JVM to WARN (YARN executors log to
    their containers, not to the task; a Spark Connect server is quiet by its own log4j2
    configuration, `lockgate.spark_connect`)."""
    log4j = session._jvm.org.apache.logging.log4j
    for name in QUIET_LOGGERS:
        log4j.core.config.Configurator.setLevel(name, log4j.Level.WARN)


def kept(frame: DataFrame) -> DataFrame:
    """`frame`, persisted on the executors' local disks, for a plan read more than once.

    Not in the heap, as `persist()` would: what a day holds grows with its documents. At a
    million documents the extraction outcomes cached as values filled a 2 GB driver's heap
    (OutOfMemoryError, 73 of 200 parse tasks done) while Spark's own estimate of the cache
    still showed 300 MB free."""
    return frame.persist(StorageLevel.DISK_ONLY)


class Kept:
    """`kept` for one piece of work whose frames are released together when it ends: a backfill
    scores day after day in one application (or on a shared Spark Connect server), and a day's
    persisted frames would otherwise stay on the executors' disks until the application ends.

        with Kept() as keep:
            features = keep(frame)
            ...  # write what reads it
    """

    def __init__(self) -> None:
        self._frames: list[DataFrame] = []

    def __call__(self, frame: DataFrame) -> DataFrame:
        frame = kept(frame)
        self._frames.append(frame)
        return frame

    def __enter__(self) -> Kept:
        return self

    def __exit__(self, *_exc) -> None:
        for frame in self._frames:
            frame.unpersist()
        self._frames.clear()
