"""The yarn profile's pure parts: settings, the job zip, Airflow's Spark connection, HDFS paths.

The services themselves are exercised by tests/cluster."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from lockgate.config import ConfigError, load_settings, repo_root
from lockgate.orchestration import airflow_environment, spark_connection
from lockgate.provenance import build_job_zip


def test_yarn_profile_points_at_hdfs_yarn_and_postgresql(tmp_path):
    settings = load_settings("yarn", "test", tmp_path)
    assert settings.storage_root.startswith("hdfs://")
    assert settings.spark_master == "yarn" and settings.spark_deploy_mode == "cluster"
    assert settings.ledger_url.startswith("postgresql")
    assert settings.hadoop_conf_dir == f"{tmp_path}/cluster/hadoop/conf"


def test_database_password_comes_from_the_secret_store_not_the_profile(tmp_path, monkeypatch):
    settings = load_settings("yarn", "test", tmp_path)
    monkeypatch.delenv("LOCKGATE_DB_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="no database password"):
        settings.database_url(settings.ledger_url)
    secret = tmp_path / "cluster" / "secrets" / "postgres.password"
    secret.parent.mkdir(parents=True)
    secret.write_text("s3cret\n")
    secret.chmod(0o600)  # a secret others can read is refused (test_installation.py)
    assert settings.database_url(settings.ledger_url).startswith(
        "postgresql+psycopg2://lockgate:s3cret@127.0.0.1:5433/"
    )
    monkeypatch.setenv("LOCKGATE_DB_PASSWORD", "from-env")
    assert ":from-env@" in settings.database_url(settings.ledger_url)
    local = load_settings("local", "test", tmp_path)
    assert local.database_url(local.ledger_url) == local.ledger_url


def test_job_zip_is_reproducible_and_self_contained(tmp_path):
    first = build_job_zip(repo_root(), tmp_path / "a")
    second = build_job_zip(repo_root(), tmp_path / "b")
    assert first.name == second.name and first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert "lockgate/config/__init__.py" in names and "lockgate/BUILD.json" in names
    assert "infra/profiles/yarn.toml" in names and "infra/envs/prod.toml" in names
    assert not any(name.startswith(("tests/", "dags/", ".lockgate")) for name in names)


def test_code_in_the_zip_reads_its_config_and_commit_from_the_zip(tmp_path):
    """What a YARN container does: import lockgate from the zip alone, no checkout around."""
    job_zip = build_job_zip(repo_root(), tmp_path)
    build = json.loads(zipfile.ZipFile(job_zip).read("lockgate/BUILD.json"))
    probe = (
        "import json, lockgate.config as c, lockgate.provenance as b;"
        "s = c.load_settings('yarn', 'prod');"
        "print(json.dumps([c.__file__, s.policy.gates['routing'].min_macro_f1, b.code_version()]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        check=True,
        env={"PYTHONPATH": str(job_zip), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    module_file, min_f1, version = json.loads(result.stdout)
    assert module_file.startswith(str(job_zip))
    assert min_f1 == 0.90
    assert version == build["code_version"] != "unknown"


def test_spark_connection_submits_to_yarn_in_cluster_mode(tmp_path):
    yarn = load_settings("yarn", "test", tmp_path)
    connection = spark_connection(yarn)
    assert connection["host"] == "yarn"
    assert connection["extra"] == {
        "deploy-mode": "cluster",
        "yarn_resourcemanager_webapp_address": "http://127.0.0.1:8088",
    }
    assert spark_connection(load_settings("local", "test", tmp_path)) == {
        "conn_type": "spark",
        "host": "local[*]",
    }


def test_airflow_on_yarn_finds_hadoop_and_spark_config(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCKGATE_DB_PASSWORD", "pw")
    env = airflow_environment(load_settings("yarn", "test", tmp_path))
    assert env["HADOOP_CONF_DIR"] == f"{tmp_path}/cluster/hadoop/conf"
    assert env["SPARK_CONF_DIR"] == f"{tmp_path}/cluster/spark"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith(
        "postgresql+psycopg2://lockgate:pw@"
    )
    assert str(repo_root() / "infra" / "hadoop" / "bin") in env["PATH"].split(":")
    local = airflow_environment(load_settings("local", "test", tmp_path))
    assert "HADOOP_CONF_DIR" not in local


def test_tasks_are_told_the_api_servers_port(tmp_path, monkeypatch):
    """Airflow's tasks report to the execution API; it assumes port 8080 unless told, so an
    API server on another port (`make ui PORT=...`) would leave every task unable to start."""
    settings = load_settings("local", "test", tmp_path)
    monkeypatch.delenv("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", raising=False)
    monkeypatch.delenv("AIRFLOW__API__PORT", raising=False)
    url = "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"
    assert airflow_environment(settings)[url] == "http://localhost:8080/execution/"
    monkeypatch.setenv("AIRFLOW__API__PORT", "8181")
    assert airflow_environment(settings)[url] == "http://localhost:8181/execution/"
    monkeypatch.setenv(url, "http://airflow.bank.internal/execution/")  # set by the site: kept
    assert airflow_environment(settings)[url] == "http://airflow.bank.internal/execution/"


def test_hdfs_uris_go_through_webhdfs(monkeypatch, tmp_path):
    from lockgate.config import settings
    from lockgate.storage.files import filesystem

    monkeypatch.setenv("LOCKGATE_PROFILE", "yarn")
    monkeypatch.setenv("LOCKGATE_HOME", str(tmp_path))
    settings.cache_clear()
    try:
        fs, path = filesystem("hdfs://127.0.0.1:8020/lockgate/lake/manifests/x.json")
    finally:
        settings.cache_clear()
    assert fs.protocol in ("webhdfs", ("webhdfs", "webHDFS"))
    assert fs.url == "http://127.0.0.1:9870/webhdfs/v1"
    assert path == "/lockgate/lake/manifests/x.json"


# What the code that runs in YARN containers imports: every module of these parts of lockgate.
IN_CONTAINERS = ("extraction", "scoring", "training", "models", "storage", "pipeline", "registry")
# Imported by that code but not packed, each for its reason.
NOT_PACKED = {
    "pyspark": "Spark ships pyspark.zip and py4j with each application",
    "wordfreq": "the name model's word lists are read where it is trained, on the Airflow host",
    "pycountry": "the name model's place names are read where it is trained, on the Airflow host",
}


def _packed_distributions() -> set[str]:
    """infra/spark/job-requirements.txt and everything they require, as installed here."""
    import importlib.metadata as metadata

    from packaging.requirements import Requirement

    path = repo_root() / "infra" / "spark" / "job-requirements.txt"
    wanted = [line.strip() for line in path.read_text().splitlines()]
    todo = [Requirement(line) for line in wanted if line and not line.startswith("#")]
    packed: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = requirement.name.lower().replace("_", "-")
        if name in packed or (
            requirement.marker and not requirement.marker.evaluate({"extra": ""})
        ):
            continue  # seen, or only for an extra or another platform
        packed.add(name)
        todo += [Requirement(r) for r in metadata.requires(name) or []]
    return packed


def test_the_job_environment_holds_every_library_the_container_code_imports():
    """A library that the extraction or scoring code imports but the packed environment lacks
    fails every document on YARN (an HTML parser missing there quarantined 1,643 of 10,000
    documents as parser errors), and no local test sees it: check the imports against the
    packed requirements and what they require."""
    import ast
    import importlib.metadata as metadata

    by_module = metadata.packages_distributions()
    packed = _packed_distributions()
    missing = {}
    for part in IN_CONTAINERS:
        for source in sorted((repo_root() / "lockgate" / part).rglob("*.py")):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top == "lockgate" or top in NOT_PACKED:
                        continue
                    distributions = {d.lower() for d in by_module.get(top, [top])}
                    if not distributions & packed:
                        missing.setdefault(top, []).append(str(source.relative_to(repo_root())))
    assert not missing, f"imported in YARN containers but not in the job environment: {missing}"
