"""The summary `make demo` prints: every stage's outcome for a run date, and where to look."""

from __future__ import annotations

from lockgate.config import Settings
from lockgate.release import environment_status, open_ledger
from lockgate.storage import Layout, read_json, uri_exists


def _model_lines(layout: Layout, model: str, run_date: str, environment: str) -> list[str]:
    training = read_json(layout.manifest(f"training_set/{model}", run_date))
    trained = read_json(layout.manifest(f"model/{model}", run_date))
    scores_path = layout.manifest(f"scores/{environment}/{model}", run_date)
    m = trained["metrics"]
    gate = trained["gate"]
    lines = [
        f"  model        {model} v{trained['version']} on {training['rows']} labelled documents "
        f"(snapshot {training['snapshot'][:16]}), params {trained['params']}",
        f"               macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}, "
        f"lowest class precision {m['min_class_precision']:.3f}, manual review "
        f"{m['manual_review_rate']:.1%}; gate {'passed' if gate['passed'] else 'REFUSED'}"
        + ("" if gate["passed"] else f": {gate['explain']}"),
    ]
    if uri_exists(scores_path):
        scores = read_json(scores_path)
        lines.append(f"  scores       {model}: {scores['rows']} rows by {scores['release_id']} "
                     f"{scores['by_decision']}")  # fmt: skip
    return lines


def summarise(settings: Settings, run_date: str, environment: str = "test") -> str:
    from lockgate.models import registered_models

    layout = Layout(settings.storage_root)
    extraction = read_json(layout.manifest("extraction", run_date))
    deployed = environment_status(settings)[environment]
    chain = open_ledger(settings).verify_audit()
    models = [m for m in registered_models() if uri_exists(layout.manifest(f"model/{m}", run_date))]
    lines = [
        "",
        f"lockgate demo, run date {run_date} ({settings.profile} profile)",
        f"  documents    received {extraction['received']}, parsed {extraction['parsed']}, "
        f"duplicates {extraction['duplicates']}, quarantined {extraction['quarantined']} "
        f"{extraction['quarantine_by_reason']}",
        *[line for model in models for line in _model_lines(layout, model, run_date, environment)],
        f"  release      {environment}: {deployed['release_id'] if deployed else 'none'}"
        + (
            f" (change {deployed['change']['id']}, by {deployed['deployed_by']})"
            if deployed
            else ""
        ),
        f"  audit chain  {'intact' if chain.intact else 'BROKEN'}, {chain.entries} entries",
        "",
        "Where to look:",
        f"  data         {settings.storage_root}/ (landing, extracted, quarantine, training, scores, validation)",
        f"  MLflow       {settings.mlflow_tracking_uri}",
        f"  ledger       {settings.ledger_url}  (lockgate status --json, lockgate audit verify)",
        "  models       lockgate models, lockgate model-card <model> <version>, "
        "lockgate reproduce <model> <version>",
        f"  Airflow UI   make ui{' PROFILE=' + settings.profile if settings.profile != 'local' else ''}, "
        "then http://localhost:8080 (user admin, password in "
        f"{settings.home}/airflow/simple_auth_manager_passwords.json.generated)",
    ]
    if settings.yarn_rm_url:
        lines.append(f"  YARN         {settings.yarn_rm_url}/cluster/apps (lockgate cluster apps)")
    if settings.webhdfs_url:
        lines.append(f"  HDFS         {settings.webhdfs_url}/explorer.html#/lockgate/lake")
    return "\n".join(lines)
