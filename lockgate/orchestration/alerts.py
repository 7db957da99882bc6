"""What lockgate_monitor does with a monitoring summary: an Asset event on drift, and on any
breach an e-mail through Airflow's [smtp] settings followed by a failed task; and what
lockgate_retrain makes of the drift events it was triggered by."""

from __future__ import annotations

import html

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

CORRECTIONS = "people's corrections"


def drift_event(summary: dict, event) -> dict:
    """Fill the `lockgate_drift` event's extra with what drifted, and the models people
    corrected too often (named with CORRECTIONS): the retraining it proposes; skip (no event)
    when there is neither."""
    drifted = {model: m["drifted"] for model, m in summary["models"].items() if m["drifted"]}
    for model, found in summary.get("feedback", {}).items():
        if found["corrections_exceed"]:
            drifted[model] = [*drifted.get(model, []), CORRECTIONS]
    if not drifted:
        raise AirflowSkipException("no model drifted or was corrected: no lockgate_drift event")
    versions = {m: summary["models"][m]["version"] for m in drifted if m in summary["models"]}
    event.extra = {
        "environment": summary["environment"],
        "run_date": summary["to"],
        "from": summary["from"],
        "drifted": drifted,
        "versions": versions,
    }
    return event.extra


def retraining_request(extras: list[dict], params: dict, models: list[str]) -> dict:
    """The day to retrain as of and the models to retrain, from `lockgate_drift` events' extras
    (the latest day any of them judged, every registered model any of them named) or, for a run
    triggered by hand, from its params."""
    if extras:
        run_date = max(extra["run_date"] for extra in extras)
        named = {model for extra in extras for model in extra["drifted"]}
        source = f"{len(extras)} lockgate_drift event(s)"
    elif params.get("run_date") and params.get("models"):
        run_date, named, source = params["run_date"], set(params["models"]), "the run's params"
    else:
        raise AirflowFailException(
            "no lockgate_drift event triggered this run; to retrain by hand, trigger it with "
            '{"run_date": "YYYY-MM-DD", "models": ["routing", ...]}'
        )
    unknown = sorted(named - set(models))
    wanted = sorted(named & set(models))
    if not wanted:
        raise AirflowFailException(
            f"{source} named no registered model: {', '.join(unknown)} (registered: "
            f"{', '.join(models)})"
        )
    return {"run_date": run_date, "models": wanted, "not_registered": unknown, "source": source}


def alert_subject(summary: dict) -> str:
    drifted = [
        f"{model} ({', '.join(m['drifted'])})"
        for model, m in summary["models"].items()
        if m["drifted"]
    ]
    kinds = sorted({a["kind"] for a in summary["anomalies"]})
    corrected = [m for m, f in summary.get("feedback", {}).items() if f["corrections_exceed"]]
    parts = ([f"drift in {'; '.join(drifted)}"] if drifted else []) + [
        f"{kind} anomaly" for kind in kinds
    ]
    parts += [f"{model} corrected by people" for model in corrected]
    return f"[lockgate] {summary['environment']} {summary['to']}: {', '.join(parts)}"


def alert_on_breach(summary: dict) -> str:
    """Nothing breached: say so. Otherwise e-mail `[monitoring] alert_to` and fail the task."""
    if not summary["breach"]:
        return f"no drift and no anomaly in {summary['environment']} {summary['from']}..{summary['to']}"
    from airflow.utils.email import send_email

    from lockgate.config import settings

    body = "<pre>" + html.escape(summary["message"]) + "</pre>"
    body += (
        "<p>Reports: <code>lockgate monitor report --environment "
        f"{html.escape(summary['environment'])}</code>, or Plugins &gt; lockgate &gt; "
        "Monitoring in the Airflow UI.</p>"
    )
    send_email(settings().policy.monitoring.alert_to, alert_subject(summary), body)
    raise AirflowFailException(f"monitoring breach:\n{summary['message']}")


def alert_on_broken_models(broken: list) -> str:
    """No model module was skipped: say so. Otherwise e-mail `[monitoring] alert_to` (if the
    mail cannot go, the failure below still names them) and fail the task, naming each skipped
    module and why: the other models ran, these did not."""
    if not broken:
        return "every model module loaded"
    import logging

    from airflow.utils.email import send_email

    from lockgate.config import settings

    lines = [f"{b.source}: {b.problem}" for b in broken]
    message = (
        f"{len(lines)} model module(s) skipped, so their models did not run (the others did):\n"
        + "\n".join(lines)
        + "\n`lockgate models --check` shows every problem of every model."
    )
    try:
        send_email(
            settings().policy.monitoring.alert_to,
            f"[lockgate] {len(lines)} model module(s) skipped",
            "<pre>" + html.escape(message) + "</pre>",
        )
    except Exception as exc:  # the failed task is the alert of last resort
        logging.getLogger(__name__).error("could not e-mail the alert: %s", exc)
    raise AirflowFailException(message)
