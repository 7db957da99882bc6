"""The cluster profile: packaging for Spark on YARN, and what the ResourceManager reports."""

from lockgate.cluster.package import Published, publish
from lockgate.cluster.yarn import applications, failure_report, unreachable_services

__all__ = ["Published", "applications", "failure_report", "publish", "unreachable_services"]
