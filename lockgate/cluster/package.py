"""What a YARN application needs from lockgate, built reproducibly and published once to HDFS.

- the job zip (`--py-files`, built by `lockgate.provenance`): what the jobs import of `lockgate`
  plus `infra/profiles` and `infra/envs`, and BUILD.json with the git commit; named by
  version and content digest;
- the Python environment (`--archives`): a venv with `infra/spark/job-requirements.txt` at the
  versions of constraints.txt, packed with venv-pack; named by a digest of its inputs;
- Spark's jars (`spark.yarn.archive`), so applications do not upload 460 MB each.

`publish` uploads what HDFS does not have yet and renders `infra/spark/spark-defaults.conf`
into SPARK_CONF_DIR, so Airflow and a hand-run spark-submit submit the same thing.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from lockgate.config import Settings, db_password
from lockgate.provenance import build_job_zip, deterministic_zip
from lockgate.storage.files import filesystem, replace


@dataclass(frozen=True)
class Published:
    job_zip: str
    job_zip_bytes: int
    environment: str
    spark_archive: str
    spark_conf_dir: str


def environment_key(repo: Path) -> str:
    """Digest of what decides the environment's content: requirements, pins, Python, platform."""
    digest = hashlib.sha256()
    for name in ("infra/spark/job-requirements.txt", "constraints.txt"):
        digest.update((repo / name).read_bytes())
    digest.update(f"{sys.version_info[:3]}{sys.platform}{os.uname().machine}".encode())
    return digest.hexdigest()[:12]


def environment_archive_name(repo: Path) -> str:
    return f"lockgate-env-{environment_key(repo)}.tar.gz"


def spark_archive_name() -> str:
    import pyspark

    return f"spark-jars-{pyspark.__version__}.zip"


def build_environment(repo: Path, out_dir: Path) -> Path:
    """`lockgate-env-<key>.tar.gz`, a venv-pack archive of the job runtime (built once per key)."""
    import venv_pack

    key = environment_key(repo)
    target = out_dir / environment_archive_name(repo)
    if target.exists():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    venv_dir = out_dir / f"jobenv-{key}"
    shutil.rmtree(venv_dir, ignore_errors=True)
    # The base interpreter, not .venv's: venv-pack links the archive's python to it.
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv_dir)], check=True)
    uv = Path(sys.executable).parent / "uv"
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "-q",
            "-p",
            str(venv_dir / "bin" / "python"),
            "-c",
            str(repo / "constraints.txt"),
            "-r",
            str(repo / "infra/spark/job-requirements.txt"),
        ],
        check=True,
    )
    partial = target.with_suffix(".partial")
    venv_pack.pack(prefix=str(venv_dir), output=str(partial), format="tar.gz", force=True)
    partial.rename(target)
    shutil.rmtree(venv_dir)
    return target


def build_spark_archive(out_dir: Path) -> Path:
    """Spark's jars as an uncompressed zip, named by the Spark version."""
    import pyspark

    target = out_dir / spark_archive_name()
    if target.exists():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    jars = Path(pyspark.__file__).parent / "jars"
    partial = target.with_suffix(".partial")
    deterministic_zip(partial, [(p.name, p.read_bytes()) for p in jars.glob("*.jar")], False)
    partial.rename(target)
    return target


def _put(fs, local: Path, path: str) -> None:
    """Upload as `.partial`, then rename: a file at `path` is always complete."""

    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    fs.put(str(local), path + ".partial")
    replace(fs, path + ".partial", path)


def _upload(local: Path, dist_root: str) -> str:
    """Put `local` under dist_root unless a file of that name and size is already there."""

    uri = f"{dist_root.rstrip('/')}/{local.name}"
    fs, path = filesystem(uri)
    if not (fs.exists(path) and fs.size(path) == local.stat().st_size):
        _put(fs, local, path)
    return uri


def _publish_archive(name: str, build: Callable[[], Path], dist_root: str) -> str:
    """dist_root/name, built and uploaded only if HDFS lacks it; the local build is deleted
    once uploaded. These archives (0.2-0.5 GB) are named by what decides their content, so
    the copy in HDFS is the only one needed, and on a small disk a second copy is what
    pushes the NodeManager's local dirs under their free-space floor."""

    uri = f"{dist_root.rstrip('/')}/{name}"
    fs, path = filesystem(uri)
    if fs.exists(path):  # uploads land as .partial and are renamed: present means complete
        return uri
    local = build()
    _put(fs, local, path)
    local.unlink()
    return uri


def render_spark_conf(settings: Settings, values: dict[str, str]) -> Path:
    """Fill infra/spark/spark-defaults.conf into $LOCKGATE_HOME/cluster/spark (mode 0600)."""
    template = (settings.repo_root / "infra" / "spark" / "spark-defaults.conf").read_text()
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    if "@" in "".join(line.split("#")[0] for line in template.splitlines()):
        raise ValueError("spark-defaults.conf has placeholders left unfilled")
    conf_dir = settings.home / "cluster" / "spark"
    conf_dir.mkdir(parents=True, exist_ok=True)
    target = conf_dir / "spark-defaults.conf"
    partial = conf_dir / ".spark-defaults.conf.partial"
    partial.touch(mode=0o600)
    partial.write_text(template)
    partial.rename(target)
    return conf_dir


def publish(settings: Settings) -> Published:
    """Build what is missing, upload what HDFS lacks, and write SPARK_CONF_DIR's defaults."""
    if not settings.dist_root:
        raise ValueError(f"profile {settings.profile!r} has no dist_root: nothing to publish to")
    build_dir = settings.home / "cluster" / "dist"
    built = build_job_zip(settings.repo_root, build_dir)
    job_zip = _upload(built, settings.dist_root)
    environment = _publish_archive(
        environment_archive_name(settings.repo_root),
        lambda: build_environment(settings.repo_root, build_dir),
        settings.dist_root,
    )
    spark_archive = _publish_archive(
        spark_archive_name(), lambda: build_spark_archive(build_dir), settings.dist_root
    )
    conf_dir = render_spark_conf(
        settings,
        {
            "JOB_ZIP": job_zip,
            "ENV_ARCHIVE": environment,
            "SPARK_ARCHIVE": spark_archive,
            "DB_PASSWORD": db_password(settings.home),
            "USER": os.environ.get("HADOOP_USER_NAME") or getpass.getuser(),
        },
    )
    published = Published(job_zip, built.stat().st_size, environment, spark_archive, str(conf_dir))
    (conf_dir / "published.json").write_text(json.dumps(asdict(published), indent=2) + "\n")
    return published
