"""Executors' memory as Spark itself measures it, for Spark sides whose executors are not
children of the bench (YARN containers under a NodeManager).

A session made with `SPARK_METRICS` has each executor poll the RSS of its process tree (the
JVM, the Python workers it forks, anything else) every 500 ms and report the peaks of each
stage to the driver with its task ends and heartbeats. `job_group_peaks` reads them back from
the driver's status store (what the UI and its REST API serve, read in-process: the bench is
the driver, and on YARN the UI sits behind the ResourceManager's proxy) for the jobs a side
ran under its job group: per executor, the largest of its peaks over those stages; the side's
figure is the sum over executors, an upper bound of what they held at one moment (their peaks
need not coincide).
"""

from __future__ import annotations

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


def peaks_by_executor(
    jobs: list[dict], stages: dict[int, list[dict]], group: str
) -> dict[str, dict[str, int]]:
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
    roles = {
        f"{role}_mb": round(sum(p[role] for p in peaks.values()) / MB, 1) for role in ROLE_METRICS
    }
    return {"total_mb": round(sum(roles.values()), 1), **roles, "executors": len(peaks)}


def job_group_peaks(spark, group: str) -> dict[str, float]:
    """The executors' peak RSS while running the jobs of `group` (see the module)."""
    from py4j.protocol import Py4JJavaError

    tracker = spark.sparkContext.statusTracker()
    store = spark.sparkContext._jsc.sc().statusStore()
    jobs = []
    for job_id in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job_id)
        if info is not None:
            jobs.append({"jobGroup": group, "stageIds": list(info.stageIds)})
    stages: dict[int, list[dict]] = {}
    for stage in {stage for job in jobs for stage in job["stageIds"]}:
        try:
            last = store.lastStageAttempt(stage).attemptId()
        except Py4JJavaError:  # never ran: skipped, its output reused
            continue
        stages[stage] = [
            {"executorSummary": _executor_summary(store, stage, attempt)}
            for attempt in range(last + 1)
        ]
    return summed(peaks_by_executor(jobs, stages, group))


def _executor_summary(store, stage: int, attempt: int) -> dict[str, dict]:
    """A stage attempt's `executorSummary`, as the REST API shows it (peak metrics only)."""
    from py4j.protocol import Py4JJavaError

    try:
        entries = store.executorSummary(stage, attempt).iterator()
    except Py4JJavaError:
        return {}
    summary = {}
    while entries.hasNext():
        entry = entries.next()
        peaks = entry._2().peakMemoryMetrics()
        summary[entry._1()] = {
            "peakMemoryMetrics": {
                name: peaks.get().getMetricValue(name) for name in ROLE_METRICS.values()
            }
            if peaks.isDefined()
            else None
        }
    return summary
