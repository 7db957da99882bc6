"""The cluster profile: packaging for Spark on YARN, and what the ResourceManager reports."""

from lockgate.cluster.package import Published, publish
from lockgate.cluster.yarn import applications, cluster_problems, failure_report, node_problem

__all__ = [
    "Published",
    "applications",
    "cluster_problems",
    "failure_report",
    "node_problem",
    "publish",
]
