"""`lockgate monitor run | report`: drift and day anomalies of the models scoring an environment."""

from __future__ import annotations

import json
import sys

import click

from lockgate.cli.params import RUN_DATE, date_range
from lockgate.config import ENVIRONMENTS, load_settings

ENVIRONMENT = click.option(
    "--environment", default="prod", show_default=True, type=click.Choice(ENVIRONMENTS)
)


@click.group()
def monitor() -> None:
    """Drift of every scored model against its training reference, and day anomalies."""


@monitor.command("run")
@ENVIRONMENT
@click.option("--from", "first", required=True, type=RUN_DATE, help="First run date.")
@click.option("--to", "last", required=True, type=RUN_DATE, help="Last run date, inclusive.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def monitor_run(environment: str, first: str, last: str, as_json: bool) -> None:
    """Summarise the days FROM..TO (Spark, one pass) and judge them merged; exit 1 on a breach."""
    from lockgate.pipeline.monitoring import compute_statistics, judge
    from lockgate.spark import build_session
    from lockgate.storage import Layout, read_json, uri_exists

    date_range(first, last)
    settings = load_settings()
    extracted = Layout(settings.storage_root).extracted
    if not uri_exists(extracted):
        raise click.ClickException(
            f"nothing to monitor: {extracted} does not exist (run the pipeline first)"
        )
    spark = build_session(f"lockgate-monitor-{environment}-{first}-{last}", master="local[*]")
    try:
        compute_statistics(spark, settings, environment, first, last)
    finally:
        spark.stop()
    summary = judge(settings, environment, first, last)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        layout = Layout(settings.storage_root)
        for model in summary["models"]:
            _print_report(read_json(layout.monitoring(environment, model, last, "drift")))
        for anomaly in summary["anomalies"]:
            click.echo(f"ANOMALY {anomaly['run_date']} {anomaly['kind']}: {anomaly['detail']}")
        click.echo(
            "BREACH\n" + summary["message"]
            if summary["breach"]
            else f"no drift and no anomaly in {environment} {first}..{last}"
        )
    sys.exit(1 if summary["breach"] else 0)


def _print_report(report: dict) -> None:
    click.echo(
        f"== {report['model']} v{report['version']} in {report['environment']}, "
        f"{report['from']}..{report['to']}: {report['rows']} documents"
    )
    if report["training_days"]:
        click.echo(
            f"   not judged (training data of this version): {', '.join(report['training_days'])}"
        )
    if not report["judged"]:
        click.echo(f"   {report['reason']}")
        return
    click.echo(f"   {'feature':24s} {'role':9s} {'PSI':>8s} {'p-value':>9s}  verdict")
    for verdict in report["features"]:
        moved = ", ".join(
            f"{m['bucket']} {m['reference']:.0%}->{m['current']:.0%}" for m in verdict["moved"][:2]
        )
        flag = f"DRIFTED ({moved})" if verdict["drifted"] else "ok"
        click.echo(
            f"   {verdict['name']:24s} {verdict['role']:9s} {verdict['psi']:8.3f} "
            f"{verdict['p_value']:9.2g}  {flag}"
        )


@monitor.command("report")
@ENVIRONMENT
@click.option("--model", help="One model; default all with reports.")
@click.option("--days", default=14, show_default=True, help="Days of the per-day table.")
def monitor_report(environment: str, model: str | None, days: int) -> None:
    """The latest drift report per model, and a per-day table of each feature's PSI."""
    from lockgate.cli.review import feedback_lines
    from lockgate.models import registered_models
    from lockgate.pipeline.monitoring import stored_reports
    from lockgate.pipeline.review import feedback

    settings = load_settings()
    models = [model] if model else list(registered_models())
    shown = False
    for name in models:
        reports = stored_reports(settings, environment, name)
        if not reports:
            continue
        shown = True
        latest = reports[-1]
        _print_report(latest)
        found = feedback(settings, environment, name, latest["from"], latest["to"])
        if found["total"]["scored"]:
            click.echo("   people: " + feedback_lines(found)[0])
        daily = latest["daily"][-days:]
        if daily:
            names = list(daily[0]["psi"])
            click.echo(
                "   PSI per day (" + ", ".join(f"{i + 1}={n}" for i, n in enumerate(names)) + ")"
            )
            click.echo(
                "   "
                + f"{'run_date':10s} {'rows':>5s} "
                + " ".join(f"{i + 1:>6d}" for i in range(len(names)))
            )
            for day in daily:
                click.echo(
                    f"   {day['run_date']:10s} {day['rows']:5d} "
                    + " ".join(f"{day['psi'][n]:6.2f}" for n in names)
                )
    if not shown:
        raise click.ClickException(
            f"no monitoring report in {environment}; run `lockgate monitor run` or the "
            "lockgate_monitor DAG first"
        )
