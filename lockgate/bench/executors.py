"""Executors' memory as Spark itself measures it, for Spark sides whose executors are not
children of the bench (YARN containers under a NodeManager).

A session made with `SPARK_METRICS` has each executor poll the RSS of its process tree (the
JVM, the Python workers it forks, anything else) every 500 ms and report the peaks of each
stage to the driver with its task ends and heartbeats. `job_group_peaks` reads them back from
the driver's REST API (`/api/v1/applications/<app>/jobs` and `/stages/<id>`) for the jobs a
side ran under its job group: per executor, the largest of its peaks over those stages; the
side's figure is the sum over executors, an upper bound of what they held at one moment (their
peaks need not coincide).
"""

from __future__ import annotations

import requests

SPARK_METRICS = {
    "spark.executor.processTreeMetrics.enabled": "true",
    "spark.executor.metrics.pollingInterval": "500ms",
}
ROLE_METRICS = {
    "jvm": "ProcessTreeJVMRSSMemory",
    "python_workers": "ProcessTreePythonRSSMemory",
    "other": "ProcessTreeOtherRSSMemory",
}
MB = 1024 * 1024
TIMEOUT = 30


def _get(url: str, missing=None):
    # On YARN the driver's UI redirects to the ResourceManager's web proxy, which serves it.
    response = requests.get(url, timeout=TIMEOUT)
    if response.status_code == 404 and missing is not None:
        return missing
    response.raise_for_status()
    return response.json()


def peaks_by_executor(jobs: list[dict], stages: dict[int, list[dict]], group: str
                      ) -> dict[str, dict[str, int]]:  # fmt: skip
    """Per executor, the peak bytes of each role over the stages of `group`'s jobs; `stages`
    maps a stage id to its attempts as the REST API returns them (with `executorSummary`)."""
    wanted = {stage for job in jobs if job.get("jobGroup") == group for stage in job["stageIds"]}
    peaks: dict[str, dict[str, int]] = {}
    for stage in sorted(wanted):
        for attempt in stages.get(stage, []):
            for executor, summary in (attempt.get("executorSummary") or {}).items():
                metrics = summary.get("peakMemoryMetrics") or {}
                mine = peaks.setdefault(executor, dict.fromkeys(ROLE_METRICS, 0))
                for role, name in ROLE_METRICS.items():
                    mine[role] = max(mine[role], int(metrics.get(name, 0)))
    return peaks


def summed(peaks: dict[str, dict[str, int]]) -> dict[str, float]:
    """MB per role and in total, summed over executors, with how many there were."""
    roles = {f"{role}_mb": round(sum(p[role] for p in peaks.values()) / MB, 1)
             for role in ROLE_METRICS}  # fmt: skip
    return {"total_mb": round(sum(roles.values()), 1), **roles, "executors": len(peaks)}


def job_group_peaks(spark, group: str) -> dict[str, float]:
    """The executors' peak RSS while running the jobs of `group` (see the module)."""
    context = spark.sparkContext
    base = f"{context.uiWebUrl}/api/v1/applications/{context.applicationId}"
    jobs = _get(f"{base}/jobs")
    wanted = {stage for job in jobs if job.get("jobGroup") == group for stage in job["stageIds"]}
    stages = {stage: _get(f"{base}/stages/{stage}?details=true", missing=[])
              for stage in sorted(wanted)}  # fmt: skip
    return summed(peaks_by_executor(jobs, stages, group))
