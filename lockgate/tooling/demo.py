"""The summary `make demo` prints: every stage's outcome for a run date, and where to look."""

from __future__ import annotations

from lockgate.config import Settings
from lockgate.release.deploy import environment_status, open_ledger
from lockgate.storage import Layout, read_json, uri_exists


def _model_lines(layout: Layout, model: str, run_date: str, environment: str) -> list[str]:
    training = read_json(layout.training_set_manifest(model, run_date))
    trained = read_json(layout.model_manifest(model, run_date))
    scores_path = layout.scores_manifest(environment, model, run_date)
    m = trained["metrics"]
    gate = trained["gate"]
    verdict = ("gate passed" if gate["passed"] else "gate REFUSED") + (
        "" if gate["passed"] else f": {gate['explain']}"
    )
    dataset, snapshot = training.get("dataset", "documents"), training["snapshot"][:16]
    if dataset == "documents":
        trained_on = f"{training['rows']} labelled documents (snapshot {snapshot})"
    else:
        trained_on = (
            f"{training['rows']} rows of {dataset} ({training['immature_rows']} too recent for "
            f"their label, left out; snapshot {snapshot})"
        )
    lines = [
        f"  model        {model} v{trained['version']} on {trained_on}, params {trained['params']}"
    ]
    alerting = "precision_at_capacity" in m
    if alerting:
        auc = "n/a" if m.get("auc") is None else f"{m['auc']:.3f}"
        lines.append(
            f"               top {int(m['alerts_per_day'])} a day over {int(m['days'])} test "
            f"days: precision {m['precision_at_capacity']:.3f}, recall "
            f"{m['recall_at_capacity']:.3f}, loss avoided {m['loss_avoided_share']:.1%}, "
            f"AUC {auc}; {verdict}"
        )
    else:
        lines.append(
            f"               macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}, manual "
            f"review {m['manual_review_rate']:.1%}; {verdict}"
        )
    # An alerting model's classes are never auto-routed: its decision is the day's alerts.
    classes = {} if alerting else (gate.get("classes") or {})
    if classes:
        auto = [
            f"{c} {r['auto_lower_bound']:.3f}"
            for c, r in sorted(classes.items())
            if r["auto_routed"]
        ]
        manual = [c for c, r in sorted(classes.items()) if not r["auto_routed"]]
        lines.append(
            f"               auto-routed (precision's lower bound): "
            f"{', '.join(auto) or 'none'}; to manual review: "
            f"{', '.join(manual) or 'none'}"
        )
    if uri_exists(scores_path):
        scores = read_json(scores_path)
        lines.append(
            f"  scores       {model}: {scores['rows']} rows by {scores['release_id']} "
            f"{scores['by_decision']}"
        )
    return lines


def summarise(settings: Settings, run_date: str, environment: str = "test") -> str:
    from lockgate.models import registered_models

    layout = Layout(settings.storage_root)
    extraction = read_json(layout.extraction_manifest(run_date))
    deployed = environment_status(settings)[environment]
    chain = open_ledger(settings).verify_audit()
    models = [m for m in registered_models() if uri_exists(layout.model_manifest(m, run_date))]
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
        f"  data         {settings.storage_root}/ (landing, extracted, quarantine, label_store, "
        "training, scores, validation)",
        f"  MLflow       {settings.mlflow_tracking_uri}",
        f"  ledger       {settings.ledger_url}  (lockgate status --json, lockgate audit verify)",
        "  changes      lockgate change list, lockgate change show <id>, "
        "lockgate history --env prod [--at TIME]",
        "  models       lockgate models, lockgate model-card <model> <version>, "
        "lockgate reproduce <model> <version>",
        f"  Airflow UI   make ui{' PROFILE=' + settings.profile if settings.profile != 'local' else ''}, "
        "then http://localhost:8080 (users and passwords in "
        f"{settings.home}/airflow/simple_auth_manager_passwords.json.generated)",
        "  lockgate UI  http://localhost:8080/lockgate/environments, or the UI's menu "
        "Plugins > lockgate (changes, models, audit, data quality)",
    ]
    if settings.yarn_rm_url:
        lines.append(f"  YARN         {settings.yarn_rm_url}/cluster/apps (lockgate cluster apps)")
    if settings.webhdfs_url:
        lines.append(f"  HDFS         {settings.webhdfs_url}/explorer.html#/lockgate/lake")
    return "\n".join(lines)


# -- the change-management story `make demo` tells after the pipeline run --------------------------
# The prod change's pace on the ledger's clock: each approval, then the deploy.
APPROVAL_MINUTES = 20
DEPLOY_MINUTES = 30
PEOPLE = {
    "author": "demo:lee.data-scientist",
    "model-owner": "demo:ana.model-owner",
    "risk": "demo:raj.risk",
    "operations": "demo:olu.operations",
    "deployer": "demo:mia.operations",
}


class SimulatedClock:
    """The ledger's clock during the story: starts at a given moment and only moves forward."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


def _corrupt_artifact(settings: Settings, model: str, version: str) -> None:
    """What the story's incident is: a model file changed in the registry after it was tested."""
    import tempfile
    from pathlib import Path

    from lockgate.registry.mlflow_registry import MODEL_FILE, _artifact, _client, get_version

    record = get_version(settings, model, version)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, MODEL_FILE)
        path.write_bytes(_artifact(record.source, MODEL_FILE) + b"\0overwritten")
        _client(settings).log_artifact(record.run_id, str(path), artifact_path="model")


def story_skipped(settings: Settings) -> str | None:
    """Why the story does not run in this home (what to say instead), or None when it runs."""
    from lockgate.release.deploy import change_manager
    from lockgate.release.history import describe, history
    from lockgate.release.identity import load_access

    access = load_access(settings)
    if not access.holds(PEOPLE["operations"], "operations"):
        return (
            f"== the story is skipped: its personas hold no roles in {access.source} "
            "(the cluster profile's access is the site's own)"
        )
    if open_ledger(settings).deployments("prod"):
        return "== the story already ran in this home; the ledger remembers it:\n" + describe(
            history(change_manager(settings), "prod")
        )
    return None


def release_story(
    settings: Settings, run_date: str, soak_days: list[str], score_days, retrain, say
) -> dict:
    """train -> test -> soak -> approvals -> prod -> a bad release -> automatic rollback.

    `score_days(days)` runs the scoring DAG in test for each day (soak evidence), `retrain()` trains
    a second urgency version, `say(text)` prints. The ledger runs on a simulated clock that
    jumps over the soak time to the next prod change window; everything else is real: the
    DAG runs, the approvals and their rules, the verification against MLflow, the rollback.
    """
    from datetime import UTC, datetime, timedelta

    from lockgate.config import load_settings
    from lockgate.config.windows import next_open
    from lockgate.models import registered_models
    from lockgate.pipeline.release import release_trained_models
    from lockgate.release.deploy import change_manager
    from lockgate.release.history import describe, history

    skipped = story_skipped(settings)
    if skipped:
        say(skipped)
        return {}
    ledger = open_ledger(settings)
    first = ledger.pointer("test")
    if first is None:
        raise RuntimeError("the pipeline run deployed nothing to test; the story cannot start")
    release = first.release_id
    say(
        f"== soak: {release} scores {', '.join(soak_days)} in test (lockgate_scoring DAG, a run "
        "a day)"
    )
    score_days(soak_days)
    prod = load_settings(settings.profile, "prod", settings.home).policy.release
    soaked = datetime.fromisoformat(first.deployed_at) + timedelta(days=prod.soak_days, minutes=1)
    # Three approvals 20 minutes apart, the deploy 30 minutes later: all inside the window.
    story = timedelta(minutes=3 * APPROVAL_MINUTES + DEPLOY_MINUTES)
    clock = SimulatedClock(next_open(max(soaked, datetime.now(UTC)), prod.change_windows, story))
    say(
        f"== the ledger's clock jumps to {clock.now.isoformat(timespec='minutes')}: "
        f"{prod.soak_days:g} days of soak later, inside a prod change window "
        f"({', '.join(prod.change_windows) or 'any time'} UTC)"
    )
    manager = change_manager(settings, clock=clock)
    change = manager.open(
        PEOPLE["author"], "normal", "prod", f"models trained on {run_date}, soaked in test", release
    )
    soak = manager.evidence(change).soak
    say(
        f"== change {change} (normal) opened by {PEOPLE['author']}: {release} to prod; soak "
        f"{soak.days_soaked:.1f} days, {soak.runs_passed} scoring runs passed"
    )
    for role in ("model-owner", "risk", "operations"):
        clock.advance(minutes=APPROVAL_MINUTES)
        state = manager.approve(PEOPLE[role], change, role, "reviewed the evidence")["state"]
        say(f"   approved as {role} by {PEOPLE[role]} -> {state}")
    clock.advance(minutes=DEPLOY_MINUTES)
    deployed = manager.deploy(PEOPLE["deployer"], change)
    say(f"== deploy by {PEOPLE['deployer']}: {deployed.status}: {deployed.detail}")
    in_prod = clock.now

    clock.advance(days=1)
    say("== a second urgency version is trained and released to test")
    retrain()
    models = [
        m
        for m in registered_models()
        if uri_exists(Layout(settings.storage_root).model_manifest(m, run_date))
    ]
    outcome = release_trained_models(models, run_date, "test", PEOPLE["author"], clock=clock)
    bad = outcome["release_id"]
    if outcome["status"] != "deployed":
        raise RuntimeError(f"the second release did not reach test: {outcome}")
    urgency = ledger.bundle(bad).model("urgency")
    say(f"   {bad} ({urgency.label}) verified and deployed in test")
    clock.advance(hours=2)
    _corrupt_artifact(settings, "urgency", urgency.version)
    say(f"== incident: {urgency.label}'s model file is overwritten in the registry")
    emergency = manager.open(
        PEOPLE["author"],
        "emergency",
        "prod",
        "urgency v2 flags more urgent letters; needed before month end",
        bad,
    )
    clock.advance(minutes=10)
    manager.approve(PEOPLE["operations"], emergency, "operations", "emergency accepted")
    say(
        f"== change {emergency} (emergency) approved by operations alone; model-owner and risk "
        f"are due within {prod.emergency_deadline_hours:g} hours"
    )
    clock.advance(minutes=5)
    failed = manager.deploy(PEOPLE["deployer"], emergency)
    say(f"== deploy by {PEOPLE['deployer']}: {failed.status}: {failed.detail}")
    clock.advance(minutes=15)
    back = manager.open(
        PEOPLE["deployer"],
        "rollback",
        "test",
        f"{urgency.label}'s artifact no longer matches its digest",
        None,
    )
    manager.deploy(PEOPLE["deployer"], back)
    say(f"== change {back} (rollback) puts test back on {ledger.pointer('test').release_id}")
    say("\n" + describe(history(manager, "prod")))
    after = in_prod + timedelta(minutes=1)
    return {"good": release, "bad": bad, "in_prod_at": after.isoformat(timespec="minutes")}
