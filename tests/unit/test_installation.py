"""Roles and policy come from the installation, and every change of them is audited: what a
caller sets in the environment, or writes into a home it can reach, does not grant a role."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lockgate.config import ConfigError, load_settings, repo_root
from lockgate.release.deploy import change_manager
from lockgate.release.identity import load_access


def _configured(manager) -> list[dict]:
    return [e for e in manager.ledger.audit_entries() if e["action"] == "installation.configured"]


def test_policy_comes_from_the_installation_whatever_lockgate_repo_says(tmp_path):
    copied = tmp_path / "copy"
    (copied / "infra" / "envs").mkdir(parents=True)
    (copied / "infra" / "envs" / "prod.toml").write_text(
        "[release]\nrequired_approver_roles = []\n"
    )
    code = (
        "from lockgate.config import load_settings, repo_root; "
        "print(repo_root(), load_settings('local', 'prod').policy.release.required_approver_roles)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"LOCKGATE_REPO": str(copied), "LOCKGATE_HOME": str(tmp_path / "home")},
    ).stdout
    assert out.split()[0] == str(repo_root()) and "operations" in out


def test_a_change_of_roles_is_an_audited_event_with_its_digest(tmp_path):
    settings = load_settings("local", "prod", tmp_path)
    first = _configured(change_manager(settings))
    assert len(first) == 1 and "infra/access/local.toml" in first[0]["payload"]
    assert len(_configured(change_manager(settings))) == 1  # nothing changed: nothing recorded
    site = tmp_path / "access.toml"
    site.write_text('[roles]\noperations = ["os:mallory"]\n')
    site.chmod(0o644)
    manager = change_manager(settings)
    after = _configured(manager)
    assert len(after) == 2 and str(site) in after[-1]["payload"]
    assert manager.access.holds("os:mallory", "operations")  # granted, and on the record
    assert manager.ledger.verify_audit().intact


@pytest.mark.parametrize("hazard", ["group-writable", "world-writable", "symlink"])
def test_an_access_file_others_could_have_written_is_refused(tmp_path, hazard):
    site = tmp_path / "access.toml"
    if hazard == "symlink":
        real = tmp_path / "elsewhere.toml"
        real.write_text('[roles]\noperations = ["os:mallory"]\n')
        site.symlink_to(real)
    else:
        site.write_text('[roles]\noperations = ["os:mallory"]\n')
        site.chmod(0o664 if hazard == "group-writable" else 0o646)
    with pytest.raises(ConfigError, match="refusing the site's access file"):
        load_access(load_settings("local", "prod", tmp_path))


def test_a_malformed_access_file_is_named(tmp_path):
    site = tmp_path / "access.toml"
    site.write_text("[roles\noperations = \n")
    site.chmod(0o600)
    with pytest.raises(ConfigError, match=f"{site} is not valid TOML"):
        load_access(load_settings("local", "prod", tmp_path))


def test_airflow_s_password_file_is_made_private_and_refused_once_others_can_read_it(tmp_path):
    import stat
    from pathlib import Path

    from lockgate.orchestration import PASSWORDS_FILE, airflow_process_env

    env = airflow_process_env(load_settings("local", "test", tmp_path))
    secret = Path(env["AIRFLOW_HOME"]) / PASSWORDS_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600  # before Airflow writes a password
    secret.chmod(0o644)
    lockgate = str(Path(sys.executable).with_name("lockgate"))
    done = subprocess.run(
        [lockgate, "airflow", "version"],
        capture_output=True,
        text=True,
        env={"LOCKGATE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert f"refusing to use a secret: {secret} has mode 0644" in done.stderr


def test_a_readable_database_password_is_refused(tmp_path):
    from lockgate.config import db_password

    secret = tmp_path / "cluster" / "secrets" / "postgres.password"
    secret.parent.mkdir(parents=True)
    secret.write_text("s3cret\n")
    secret.chmod(0o600)
    assert db_password(tmp_path) == "s3cret"
    secret.chmod(0o640)
    with pytest.raises(ConfigError, match="mode 0640"):
        db_password(tmp_path)


PROBE = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
jvm = spark.sparkContext._jvm
print("ARGS", " ".join(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()))
print("PARTITIONS", spark.conf.get("spark.sql.shuffle.partitions"))
spark.stop()
"""


def test_a_spark_submit_typed_by_hand_gets_the_local_profiles_jvm_settings(tmp_path):
    """A JVM spark-submit starts before any Python runs, so the heap, JIT and GC flags of the
    local profile reach it only through the venv's Spark installation (make install writes it):
    without them a job by hand cost 40% more CPU (48 s against 28 s for a small day)."""
    from lockgate.spark import local_defaults, local_defaults_file, published_conf

    written = published_conf(local_defaults_file().parent)
    assert written == local_defaults()
    assert "-XX:TieredStopAtLevel=1" in written["spark.driver.defaultJavaOptions"]

    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONF_DIR"}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "spark-submit"), "--master", "local[1]", str(probe)],
        capture_output=True,
        text=True,
        check=True,
        env=env | {"PYSPARK_PYTHON": sys.executable},
        timeout=300,
    ).stdout
    args = next(line for line in out.splitlines() if line.startswith("ARGS")).split()
    assert {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx2g"} <= set(args), args
    assert f"PARTITIONS {written['spark.sql.shuffle.partitions']}" in out
