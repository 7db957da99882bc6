"""Provenance: the commit, digests, and the job zip a YARN container imports lockgate from."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lockgate.config import repo_root
from lockgate.provenance import NOT_FOR_JOBS, build_job_zip, digest, job_zip_entries

# Import every job's module (its `main` is not run) with nothing of lockgate but the zip: no
# checkout on sys.path and no editable install (-S skips the .pth that would add one).
_PROBE = """
import importlib.util, json, pathlib, sys
loaded = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.py")):
    spec = importlib.util.spec_from_file_location(f"job_{path.stem}", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    loaded[path.stem] = sorted({m.split(".")[1] for m in sys.modules
                                if m.startswith("lockgate.") and m.count(".") >= 1})
print(json.dumps({"jobs": loaded, "from": sys.modules["lockgate"].__file__}))
"""


def _import_jobs(job_zip: Path, jobs: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-S", "-c", _PROBE, str(jobs)],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        env={
            "PYTHONPATH": f"{job_zip}:{site.getsitepackages()[0]}",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LOCKGATE_HOME": str(tmp_path / "home"),
        },
    )


@pytest.fixture(scope="module")
def job_zip(tmp_path_factory) -> Path:
    return build_job_zip(repo_root(), tmp_path_factory.mktemp("dist"))


def test_every_job_imports_from_the_job_zip_alone(job_zip, tmp_path):
    done = _import_jobs(job_zip, repo_root() / "jobs", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["from"].startswith(str(job_zip))
    assert set(result["jobs"]) == {p.stem for p in (repo_root() / "jobs").glob("*.py")}


def test_a_job_that_needs_what_the_zip_leaves_out_fails_the_probe(job_zip, tmp_path):
    """The probe can fail: a job importing the command line does not load from the zip."""
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "needs_cli.py").write_text("from lockgate.cli.main import cli\n")
    done = _import_jobs(job_zip, jobs, tmp_path)
    assert done.returncode != 0 and "No module named 'lockgate.cli'" in done.stderr


def test_the_job_zip_leaves_out_what_no_job_imports_and_is_smaller(job_zip):
    names = zipfile.ZipFile(job_zip).namelist()
    assert not [name for name in names if name.startswith(NOT_FOR_JOBS)]
    assert "lockgate/pipeline/scoring.py" in names and "lockgate/BUILD.json" in names
    everything = sum(len(p.read_bytes()) for p in (repo_root() / "lockgate").rglob("*.py"))
    shipped = sum(len(data) for name, data in job_zip_entries(repo_root()))
    assert shipped < 0.85 * everything


def test_a_digest_is_of_the_content_not_the_key_order():
    assert digest({"a": 1, "b": [2, 3]}) == digest({"b": [2, 3], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})
