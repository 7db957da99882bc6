"""Where a result came from: the commit lockgate runs from, content digests, and the job zip.

The job zip (`--py-files` on YARN) is what a Spark job's driver and executors import: the
product's packages and `infra/profiles` and `infra/envs`, with BUILD.json naming the commit.
The packages a job never imports (the command line, the Airflow UI, the Airflow wiring and the
tooling: bench, demo, corpus generator, evaluations) stay out of it. A release bundle records
the zip's sha256, and the cluster's packaging publishes the same zip, both from here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import zipfile
from pathlib import Path

from lockgate.config import Settings, repo_root
from lockgate.storage.files import sha256_file

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CONFIG_DIRS = ("infra/profiles", "infra/envs")
# Packages of lockgate that no job imports (tests/unit/test_provenance.py runs every job's
# imports from the zip alone, so a job that needs one of them fails there, not on YARN).
NOT_FOR_JOBS = ("lockgate/cli", "lockgate/ui", "lockgate/orchestration", "lockgate/tooling")


def code_version() -> str:
    """The git commit lockgate runs from (`-dirty` if the tree has changes); LOCKGATE_CODE_VERSION wins."""
    configured = os.environ.get("LOCKGATE_CODE_VERSION")
    if configured:
        return configured
    root = repo_root()
    if zipfile.is_zipfile(root):  # a YARN container: the job zip records its commit
        return json.loads(zipfile.Path(root, "lockgate/BUILD.json").read_text())["code_version"]
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def digest(payload: object) -> str:
    """sha256 of a JSON-able value, keys sorted: the same content gives the same digest."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def deterministic_zip(target: Path, entries: list[tuple[str, bytes]], compress: bool) -> None:
    """Same entries, same bytes: sorted names, fixed timestamps and permissions."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(target, "w", compression=method) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def job_zip_entries(repo: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file the job zip holds except BUILD.json."""
    sources = [
        path
        for path in sorted((repo / "lockgate").rglob("*.py"))
        if not path.relative_to(repo).as_posix().startswith(NOT_FOR_JOBS)
    ]
    for folder in CONFIG_DIRS:
        sources += sorted((repo / folder).glob("*.toml"))
    return [(path.relative_to(repo).as_posix(), path.read_bytes()) for path in sources]


def build_job_zip(repo: Path, out_dir: Path) -> Path:
    """`lockgate-<version>-<digest12>.zip`; unchanged sources give the same name and bytes."""
    from importlib.metadata import version

    entries = job_zip_entries(repo)
    build = {"code_version": code_version(), "version": version("lockgate")}
    entries.append(("lockgate/BUILD.json", json.dumps(build, sort_keys=True).encode()))
    hashed = hashlib.sha256()
    for name, data in sorted(entries):
        hashed.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    target = out_dir / f"lockgate-{build['version']}-{hashed.hexdigest()[:12]}.zip"
    if not target.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        deterministic_zip(partial, entries, compress=True)
        partial.rename(target)
    return target


def job_zip_sha256(settings: Settings) -> str:
    """sha256 of the job zip this code builds (the zip itself when running from one)."""
    source = settings.repo_root
    if not zipfile.is_zipfile(source):
        source = build_job_zip(settings.repo_root, Path(settings.home) / "cluster" / "dist")
    return sha256_file(source)
