"""Monitoring as the DAG, the job and the CLI run it: daily statistics, judgement, day anomalies.

* `compute_statistics` (Spark): for each model scored in an environment, one mergeable summary
  per run date -- `monitoring/<env>/<model>/run_date=<d>/statistics.json`.
* `judge` (no Spark): merges the stored daily summaries of a window of days and compares them
  with the training reference of the model version that scored them; writes `drift.json` for
  the window's last day and a run summary with the day anomalies (volume, quarantine rate).

Days up to a version's `trained_up_to` are never judged: their documents are the ones the
model was trained on (the report names them).
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median

from lockgate.config import Settings
from lockgate.models import get_model, registered_models
from lockgate.monitoring.drift import feature_drift
from lockgate.monitoring.profile import (
    Feature,
    merge_summaries,
    rows_of,
    summarise_frame,
)
from lockgate.monitoring.reference import reference_of
from lockgate.storage import Layout, read_json, run_dates, uri_exists, write_json_atomic


def _version_reference(settings: Settings, model: str, version: str) -> dict:
    from lockgate.registry.mlflow_registry import get_version

    return reference_of(get_version(settings, model, version).metadata, model, version)


def compute_statistics(
    spark, settings: Settings, environment: str, first: str, last: str
) -> dict[str, list[str]]:
    """Summarise every scored model's days from `first` to `last`; model -> days written."""
    from pyspark.sql import functions as F

    from lockgate.spark import kept
    from lockgate.training.features import document_features

    layout = Layout(settings.storage_root)
    between = F.col("run_date").between(first, last)
    documents = None  # read once, when a document model has scores to summarise
    written: dict[str, list[str]] = {}
    for model in registered_models():
        if not uri_exists(layout.scores(environment, model)):
            continue
        scores = spark.read.parquet(layout.scores(environment, model)).where(between)
        # A model on a dataset keeps its inputs as scored beside its scores.
        if get_model(model).on_documents:
            if documents is None:
                documents = document_features(spark.read.parquet(layout.extracted).where(between))
            frame = kept(scores.join(documents, ["doc_id", "run_date"], "left"))
        else:
            frame = kept(scores)
        for row in frame.select("model_version").distinct().collect():
            version = row["model_version"]
            reference = _version_reference(settings, model, version)
            features = [Feature.from_dict(f) for f in reference["features"]]
            by_day = summarise_frame(
                frame.where(F.col("model_version") == version), features, "run_date"
            )
            for day, summary in sorted(by_day.items()):
                write_json_atomic(
                    layout.monitoring(environment, model, day, "statistics"),
                    {
                        "model": model,
                        "version": version,
                        "run_date": day,
                        "rows": rows_of(summary),
                        "features": reference["features"],
                        "summary": summary,
                    },
                )
                written.setdefault(model, []).append(day)
        frame.unpersist()
    return written


def _stored_days(layout: Layout, environment: str, model: str, days: list[str]) -> list[dict]:
    stored = []
    for day in days:
        uri = layout.monitoring(environment, model, day, "statistics")
        if uri_exists(uri):
            stored.append(read_json(uri))
    return stored


def judge_model(settings: Settings, environment: str, model: str, days: list[str]) -> dict | None:
    """The drift report of `model` over `days` merged (None when none of them was summarised)."""
    layout = Layout(settings.storage_root)
    stored = _stored_days(layout, environment, model, days)
    if not stored:
        return None
    version = stored[-1]["version"]
    reference = _version_reference(settings, model, version)
    features = [Feature.from_dict(f) for f in reference["features"]]
    training_days = [s["run_date"] for s in stored if s["run_date"] <= reference["trained_up_to"]]
    other_versions = sorted({s["version"] for s in stored} - {version})
    judged = [s for s in stored if s["version"] == version and s["run_date"] not in training_days]
    limits = settings.policy.monitoring.drift_thresholds(model)
    report = {
        "environment": environment,
        "model": model,
        "version": version,
        "from": days[0],
        "to": days[-1],
        "days": [s["run_date"] for s in judged],
        "training_days": training_days,
        "other_versions": other_versions,
        "thresholds": limits.model_dump(),
        "reference_documents": reference["documents"],
        "reference_held_out_rows": reference["held_out_rows"],
        "rows": 0,
        "judged": False,
        "drifted": [],
        "features": [],
        "daily": [],
    }
    if not judged:
        report["reason"] = "no scored day after the version's training data to judge"
        return report
    merged = judged[0]["summary"]
    for day in judged[1:]:
        merged = merge_summaries(features, merged, day["summary"])
    report["rows"] = rows_of(merged)
    verdicts = [
        feature_drift(
            f.to_dict(), reference["summary"][f.name], merged[f.name], limits.psi, limits.p_value
        )
        for f in features
    ]
    report["features"] = verdicts
    report["daily"] = [
        {
            "run_date": s["run_date"],
            "rows": s["rows"],
            "psi": {
                f.name: feature_drift(
                    f.to_dict(),
                    reference["summary"][f.name],
                    s["summary"][f.name],
                    limits.psi,
                    limits.p_value,
                )["psi"]
                for f in features
            },
        }
        for s in judged
    ]
    if report["rows"] < limits.min_rows:
        report["reason"] = (
            f"{report['rows']} scored documents in the judged days, fewer than "
            f"min_rows={limits.min_rows}: drift not judged"
        )
        return report
    report["judged"] = True
    report["drifted"] = [v["name"] for v in verdicts if v["drifted"]]
    return report


def day_anomalies(settings: Settings, days: list[str]) -> list[dict]:
    """Volume and quarantine-rate anomalies of each day, from the extraction manifests."""
    from scipy.stats import binomtest

    policy = settings.policy.monitoring
    layout = Layout(settings.storage_root)
    history_start = date.fromisoformat(days[0]) - timedelta(days=policy.volume_history_days)
    received: dict[str, dict] = {}
    for day in run_dates(history_start.isoformat(), days[-1]):
        uri = layout.extraction_manifest(day)
        if uri_exists(uri):
            received[day] = read_json(uri)
    anomalies = []
    for day in days:
        manifest = received.get(day)
        if manifest is None:
            continue
        start = (date.fromisoformat(day) - timedelta(days=policy.volume_history_days)).isoformat()
        before = [m["received"] for d, m in received.items() if start <= d < day]
        if len(before) >= 3:
            usual = median(before)
            if (
                not usual / policy.volume_ratio
                <= manifest["received"]
                <= usual * policy.volume_ratio
            ):
                anomalies.append(
                    {
                        "run_date": day,
                        "kind": "volume",
                        "detail": f"{manifest['received']} documents received; the "
                        f"median of the {len(before)} days before is {usual:g}",
                    }
                )
        n, k = manifest["received"], manifest["quarantined"]
        if n and k / n > policy.max_quarantine_rate:
            p = binomtest(k, n, policy.max_quarantine_rate, alternative="greater").pvalue
            if p < policy.anomaly_p_value:
                anomalies.append(
                    {
                        "run_date": day,
                        "kind": "quarantine",
                        "detail": f"{k} of {n} documents quarantined ({k / n:.1%}), "
                        f"above {policy.max_quarantine_rate:.0%} (p={p:.2g})",
                    }
                )
    return anomalies


def judge(settings: Settings, environment: str, first: str, last: str) -> dict:
    """Judge every summarised model over the days `first`..`last` merged, and each day's volume
    and quarantine rate; writes each model's drift.json and the run summary, and returns it."""
    layout = Layout(settings.storage_root)
    days = run_dates(first, last)
    summary = {"environment": environment, "from": first, "to": last, "models": {}}
    for model in registered_models():
        report = judge_model(settings, environment, model, days)
        if report is None:
            continue
        write_json_atomic(layout.monitoring(environment, model, last, "drift"), report)
        summary["models"][model] = {
            k: report[k] for k in ("version", "rows", "judged", "drifted", "training_days")
        }
        if "reason" in report:
            summary["models"][model]["reason"] = report["reason"]
    summary["anomalies"] = day_anomalies(settings, days)
    summary["feedback"] = people_feedback(settings, environment, first, last)
    summary["breach"] = (
        bool(summary["anomalies"])
        or any(m["drifted"] for m in summary["models"].values())
        or any(f["corrections_exceed"] for f in summary["feedback"].values())
    )
    summary["message"] = breach_message(summary)
    write_json_atomic(layout.monitoring_summary(environment, last), summary)
    return summary


def people_feedback(settings: Settings, environment: str, first: str, last: str) -> dict:
    """Per scored model, what people made of its scores in the window (`review.feedback`
    totals) and whether their corrections exceed `[monitoring] max_correction_rate`."""
    from lockgate.pipeline.review import feedback

    policy = settings.policy.monitoring
    layout = Layout(settings.storage_root)
    found = {}
    for model in registered_models():
        if not uri_exists(layout.scores(environment, model)):
            continue
        total = feedback(settings, environment, model, first, last)["total"]
        if not total["scored"]:
            continue
        enough = total["auto"] >= policy.drift_thresholds(model).min_rows
        rate = total["correction_rate"]
        exceeds = enough and rate is not None and rate > policy.max_correction_rate
        found[model] = total | {
            "max_correction_rate": policy.max_correction_rate,
            "corrections_exceed": exceeds,
        }
    return found


def window(run_date: str, days: int) -> tuple[str, str]:
    """The first and last day of the `days`-day window that ends on `run_date`."""
    first = date.fromisoformat(run_date) - timedelta(days=days - 1)
    return first.isoformat(), run_date


def breach_message(summary: dict) -> str:
    """One line per drifted model and per anomaly; empty when nothing breached."""
    lines = [
        f"{model} v{m['version']} drifted in {summary['environment']} "
        f"({summary['from']}..{summary['to']}, {m['rows']} documents): {', '.join(m['drifted'])}"
        for model, m in summary["models"].items()
        if m["drifted"]
    ]
    lines += [
        f"{model}: people labelled {f['corrected']} of {f['auto']} automatically decided "
        f"documents otherwise ({f['correction_rate']:.1%}, above {f['max_correction_rate']:.0%})"
        for model, f in summary.get("feedback", {}).items()
        if f["corrections_exceed"]
    ]
    lines += [f"{a['run_date']} {a['kind']} anomaly: {a['detail']}" for a in summary["anomalies"]]
    return "\n".join(lines)


def stored_reports(settings: Settings, environment: str, model: str) -> list[dict]:
    """Every drift report written for `model` in `environment`, oldest first."""
    from lockgate.storage.files import filesystem

    layout = Layout(settings.storage_root)
    fs, path = filesystem(layout.monitoring_model(environment, model))
    if not fs.exists(path):
        return []
    days = sorted(
        p.rsplit("run_date=", 1)[1] for p in fs.ls(path, detail=False) if "run_date=" in p
    )
    reports = [layout.monitoring(environment, model, day, "drift") for day in days]
    return [read_json(uri) for uri in reports if uri_exists(uri)]
