"""`lockgate cluster publish|apps`: what Spark on YARN runs, and what YARN reports."""

from __future__ import annotations

import json

import click

from lockgate.config import load_settings


@click.group()
def cluster() -> None:
    """The cluster profile (PROFILE=yarn): what Spark on YARN runs, and what YARN reports."""


@cluster.command("publish")
def cluster_publish() -> None:
    """Build the job zip, the Python environment and Spark's jar archive; upload what HDFS lacks."""
    click.echo(json.dumps(publish_to_cluster(load_settings()).__dict__, indent=2))


def publish_to_cluster(settings):
    from lockgate.cluster import cluster_problems, publish

    down = cluster_problems(settings)
    if down:
        raise click.ClickException(
            f"the {settings.profile} profile's cluster is not ready: {'; '.join(down)} "
            "(`make cluster-up` starts it)"
        )
    return publish(settings)


@cluster.command("apps")
@click.option("--state", default=None, help="e.g. FINISHED, RUNNING, FAILED, KILLED")
def cluster_apps(state: str | None) -> None:
    """lockgate's YARN applications (tag `lockgate`) as JSON: id, name, state, final status."""
    from lockgate.cluster import applications

    settings = load_settings()
    if not settings.yarn_rm_url:
        raise click.ClickException(f"profile {settings.profile!r} has no YARN ResourceManager")
    filters = {"applicationTags": "lockgate"} | ({"states": state} if state else {})
    apps = applications(settings.yarn_rm_url, **filters)
    keys = ("id", "name", "state", "finalStatus", "startedTime", "finishedTime", "diagnostics")
    click.echo(json.dumps([{k: app.get(k) for k in keys} for app in apps], indent=2))
