"""The summary `make demo` prints: every stage's outcome for a run date, and where to look."""

from __future__ import annotations

from lockgate.config import Settings
from lockgate.release import environment_status, open_ledger
from lockgate.storage import Layout, read_json


def summarise(
    settings: Settings, run_date: str, model: str = "routing", environment: str = "test"
) -> str:
    layout = Layout(settings.storage_root)
    extraction = read_json(layout.manifest("extraction", run_date))
    training = read_json(layout.manifest(f"training_set/{model}", run_date))
    trained = read_json(layout.manifest(f"model/{model}", run_date))
    scores = read_json(layout.manifest(f"scores/{environment}/{model}", run_date))
    deployed = environment_status(settings)[environment]
    chain = open_ledger(settings).verify_audit()
    metrics = trained["metrics"]
    lines = [
        "",
        f"lockgate demo, run date {run_date} ({settings.profile} profile)",
        f"  documents    received {extraction['received']}, parsed {extraction['parsed']}, "
        f"duplicates {extraction['duplicates']}, quarantined {extraction['quarantined']} "
        f"{extraction['quarantine_by_reason']}",
        f"  training set {training['rows']} labelled documents, snapshot {training['snapshot'][:16]}",
        f"  model        {model} v{trained['version']}: accuracy {metrics['accuracy']:.3f}, "
        f"macro-F1 {metrics['macro_f1']:.3f}, auto-route precision "
        f"{metrics['auto_route_precision']:.3f}, manual review {metrics['manual_review_rate']:.1%}; "
        f"gate {'passed' if trained['gate']['passed'] else 'REFUSED'}",
        f"  release      {environment}: {deployed['release_id'] if deployed else 'none'}"
        + (
            f" (change {deployed['change']['id']}, by {deployed['deployed_by']})"
            if deployed
            else ""
        ),
        f"  scores       {scores['rows']} rows by {scores['release_id']} {scores['by_decision']}",
        f"  audit chain  {'intact' if chain.intact else 'BROKEN'}, {chain.entries} entries",
        "",
        "Where to look:",
        f"  data         {settings.storage_root}/ (landing, extracted, quarantine, training, scores, validation)",
        f"  MLflow       {settings.mlflow_tracking_uri}",
        f"  ledger       {settings.ledger_url}  (lockgate status --json, lockgate audit verify)",
        f"  Airflow UI   make ui{' PROFILE=' + settings.profile if settings.profile != 'local' else ''}, "
        "then http://localhost:8080 (user admin, password in "
        f"{settings.home}/airflow/simple_auth_manager_passwords.json.generated)",
    ]
    if settings.yarn_rm_url:
        lines.append(f"  YARN         {settings.yarn_rm_url}/cluster/apps (lockgate cluster apps)")
    if settings.webhdfs_url:
        lines.append(f"  HDFS         {settings.webhdfs_url}/explorer.html#/lockgate/lake")
    return "\n".join(lines)
