"""What a benchmark measures besides time: the machine, and the memory of a process tree.

Memory is the resident set (RSS) of a process and all its descendants, sampled every
`interval` seconds and summed, split by role: the JVM (Spark's driver and executors), Spark's
Python workers, and everything else (the Python driver, Airflow). Forked Python workers share
pages with their parent, so a sum of RSS is an upper bound of what the tree really holds.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from lockgate.config import repo_root

ROLES = ("jvm", "python_workers", "other")
MB = 1024 * 1024


def machine() -> dict:
    """Cores, memory and the versions that decide the figures."""
    import sklearn

    def version(module: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as installed

        try:
            return installed(module)
        except PackageNotFoundError:
            return "absent"

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return {
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: version(name)
            for name in ("pyspark", "scikit-learn", "mlflow", "apache-airflow", "pyarrow", "pandas")
        }
        | {"sklearn_runtime": sklearn.__version__},
    }


# What a bench measures: the library, its jobs and DAGs, their configuration and pins; not
# the bench's own code, which measures it (its sampler and report may change between runs).
CODE_PATHS = (
    "lockgate",
    "jobs",
    "dags",
    "plugins",
    "expectations",
    "infra",
    "pyproject.toml",
    "constraints.txt",
)
NOT_MEASURED = ("lockgate/tooling/bench/", "lockgate/cli/bench.py")


def code_digest(root: Path | None = None) -> dict:
    """A digest of the code a bench measures (the files of CODE_PATHS as they are on disk, but
    NOT_MEASURED) and the commit it sits on, if any. Two runs with one digest ran the same
    code."""
    root = root or repo_root()
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--", *CODE_PATHS],
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        files = sorted(name for name in listed.stdout.decode().split("\0") if name)
    else:  # not a checkout: every file under the paths but caches
        files = sorted(
            str(f.relative_to(root))
            for name in CODE_PATHS
            for f in ([root / name] if (root / name).is_file() else (root / name).rglob("*"))
            if f.is_file() and "__pycache__" not in f.parts
        )
    files = [name for name in files if not name.startswith(NOT_MEASURED)]
    digest = hashlib.sha256()
    for name in files:
        path = root / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return {
        "digest": digest.hexdigest()[:16],
        "files": len(files),
        "commit": head.stdout.strip() if head.returncode == 0 else None,
    }


def _role(process: psutil.Process) -> str:
    try:
        name = process.name()
        if name == "java":
            return "jvm"
        cmdline = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "other"
    return (
        "python_workers" if "pyspark.daemon" in cmdline or "pyspark.worker" in cmdline else "other"
    )


@dataclass
class Sample:
    at: float  # time.time()
    rss: dict[str, int]  # bytes per role

    @property
    def total(self) -> int:
        return sum(self.rss.values())


@dataclass
class TreeSampler:
    """Samples the RSS of `pid` and its descendants on a thread until stopped."""

    pid: int
    interval: float = 0.1
    include_root: bool = True
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._roles: dict[tuple[int, str], str] = {}

    def _sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            tree = (
                [root, *root.children(recursive=True)]
                if self.include_root
                else root.children(recursive=True)
            )
        except psutil.NoSuchProcess:
            return
        rss = dict.fromkeys(ROLES, 0)
        for process in tree:
            try:
                # By pid and name: spark-submit is a shell script that execs java in its own
                # process, which a role kept by pid alone would leave counted as "other".
                key = (process.pid, process.name())
                role = self._roles.get(key) or self._roles.setdefault(key, _role(process))
                rss[role] += process.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        self.samples.append(Sample(time.time(), rss))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak(self, start: float | None = None, end: float | None = None) -> dict[str, float]:
        """Peak MB in [start, end] (wall clock): of the whole tree, and of each role alone."""
        window = [
            s
            for s in self.samples
            if (start is None or s.at >= start) and (end is None or s.at <= end)
        ]
        if not window:
            return {"total_mb": 0.0, **{f"{role}_mb": 0.0 for role in ROLES}}
        return {
            "total_mb": round(max(s.total for s in window) / MB, 1),
            **{f"{role}_mb": round(max(s.rss[role] for s in window) / MB, 1) for role in ROLES},
        }


@dataclass
class Measured:
    returncode: int
    seconds: float
    started: float
    sampler: TreeSampler


def run_measured(
    command: list[str], env: dict[str, str] | None = None, log=None, interval: float = 0.2
) -> Measured:
    """Run `command` to its end, sampling its process tree; output goes to `log` (a file)."""
    started = time.time()
    clock = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    with TreeSampler(process.pid, interval) as sampler:
        returncode = process.wait()
    return Measured(returncode, time.perf_counter() - clock, started, sampler)
