"""What lockgate_monitor does with a monitoring summary: an Asset event on drift, and on any
breach an e-mail through Airflow's [smtp] settings followed by a failed task."""

from __future__ import annotations

import html

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException


def drift_event(summary: dict, event) -> dict:
    """Fill the `lockgate_drift` event's extra with what drifted; skip (no event) when nothing did."""
    drifted = {model: m["drifted"] for model, m in summary["models"].items() if m["drifted"]}
    if not drifted:
        raise AirflowSkipException("no model drifted: no lockgate_drift event")
    event.extra = {
        "environment": summary["environment"],
        "run_date": summary["to"],
        "from": summary["from"],
        "drifted": drifted,
        "versions": {model: summary["models"][model]["version"] for model in drifted},
    }
    return event.extra


def alert_subject(summary: dict) -> str:
    drifted = [f"{model} ({', '.join(m['drifted'])})"
               for model, m in summary["models"].items() if m["drifted"]]  # fmt: skip
    kinds = sorted({a["kind"] for a in summary["anomalies"]})
    parts = ([f"drift in {'; '.join(drifted)}"] if drifted else []) + [
        f"{kind} anomaly" for kind in kinds
    ]
    return f"[lockgate] {summary['environment']} {summary['to']}: {', '.join(parts)}"


def alert_on_breach(summary: dict) -> str:
    """Nothing breached: say so. Otherwise e-mail `[monitoring] alert_to` and fail the task."""
    if not summary["breach"]:
        return f"no drift and no anomaly in {summary['environment']} {summary['from']}..{summary['to']}"
    from airflow.utils.email import send_email

    from lockgate.config import settings

    body = "<pre>" + html.escape(summary["message"]) + "</pre>"
    body += ("<p>Reports: <code>lockgate monitor report --environment "
             f"{html.escape(summary['environment'])}</code>, or Plugins &gt; lockgate &gt; "
             "Monitoring in the Airflow UI.</p>")  # fmt: skip
    send_email(settings().policy.monitoring.alert_to, alert_subject(summary), body)
    raise AirflowFailException(f"monitoring breach:\n{summary['message']}")
