"""What each page shows, as plain dicts read from the ledger, the registry and the lake.

Nothing here renders HTML or knows about HTTP; the routes in `app` pass these to templates.
No page shows text from documents: only identifiers, counts, metrics and digests.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict

from lockgate.config import ENVIRONMENTS, Settings
from lockgate.release.changes import ChangeManager
from lockgate.release.identity import dag_run_of, identity
from lockgate.release.request import ChangeRequest
from lockgate.ui.security import Viewer


def environments(settings: Settings, manager: ChangeManager) -> list[dict]:
    """Each environment: what is deployed, since when, by whom, on which change, and what is
    waiting to go there with what it still lacks."""
    from lockgate.release.deploy import environment_status

    status = environment_status(settings)
    pages = []
    for environment in ENVIRONMENTS:
        pending = [
            {**c, "blocking": manager.evidence(c["change_id"]).blocking}
            for c in manager.ledger.changes(environment)
            if ChangeRequest.of(c).pending()
        ]
        pages.append({"name": environment, "status": status[environment], "pending": pending})
    return pages


def change(manager: ChangeManager, change_id: int, who: Viewer) -> dict:
    """A change request with its evidence, the release it carries (models, gates, champion),
    its approvals and deployments, its audit entries, and what `who` may decide on it."""
    ledger = manager.ledger
    evidence = manager.evidence(change_id)
    record = evidence.change
    release = ledger.release(record["release_id"]) if record["release_id"] else None
    bundle = release["bundle"].as_dict() if release else {}
    release = release and release | {"bundle": bundle}
    request = ChangeRequest.of(record)
    may_decide, why_not = decisions(request, who, evidence.roles_due, evidence.approvals)
    policy = manager.policy_for(record["environment"])
    soak_runs = []
    if evidence.soak is not None and record["release_id"]:
        soak_runs = [
            run | {"dag_run": dag_run_of(run["recorded_by"])}
            for run in ledger.scoring_runs(policy.soak_environment, record["release_id"])
        ]
    subject = f"change-{change_id}"
    history = ledger.release_history(record["release_id"]) if record["release_id"] else []
    return {
        "change": record,
        "evidence": asdict(evidence) | {"soak": asdict(evidence.soak) if evidence.soak else None},
        "release": release,
        "models": bundle.get("models", []),
        "code": bundle.get("code", {}),
        "suites": bundle.get("suites", {}),
        "soak_runs": soak_runs,
        "deployments": [
            d for d in ledger.deployments(record["environment"]) if d["change_id"] == change_id
        ],
        "audit": [e for e in ledger.audit_entries() if e["subject"] == subject],
        "release_history": history,
        "seen": manager.decisions_seen(change_id),
        "release_failed": any(m["failed"] for m in history),
        "may_decide": may_decide,
        "may_reject": request.takes("reject"),
        "why_not": why_not,
        "dag_run": dag_run_of(record["author"]),
    }


def decisions(
    request: ChangeRequest, who: Viewer, roles_due: list[str], approvals: list[dict]
) -> tuple[list[str], str | None]:
    """The roles `who` may approve `request` in now, and when none, why, said to them: the rules
    are the request's (`ChangeRequest.takes`, `maker_checker`)."""
    if not request.takes("approve"):
        return [], f"the change is {request.state}"
    if request.authored_by(who.identity):
        return [], "you opened this change; its author cannot approve it"
    if request.decided_by(who.identity, approvals):
        return [], "you have already decided on this change"
    if not roles_due:
        return [], "every required role has approved"
    may = [
        role
        for role in roles_due
        if role in who.roles and request.maker_checker(who.identity, role, approvals) is None
    ]
    if may:
        return may, None
    held = ", ".join(who.roles) or "no approver role"
    return [], f"you hold {held}; this change still needs {', '.join(roles_due)}"


def changes(manager: ChangeManager) -> list[dict]:
    return sorted(manager.ledger.changes(), key=lambda c: -c["change_id"])


def models(settings: Settings, manager: ChangeManager) -> list[dict]:
    """Every registered version with its test metrics, gate, lineage, and where it is deployed."""
    from lockgate.registry import list_versions

    where: dict[tuple[str, str], list[str]] = {}
    for environment in ENVIRONMENTS:
        for name, version in manager.deployed_models(environment).items():
            where.setdefault((name, str(version)), []).append(environment)
    rows = []
    for version in list_versions(settings):
        tags = version["tags"]
        rows.append(
            version
            | {
                "deployed_in": where.get((version["name"], version["version"]), []),
                "gate_passed": tags.get("gate_passed") == "True",
                "macro_f1": version["metrics"].get("test_macro_f1"),
                "manual_review_rate": version["metrics"].get("test_manual_review_rate"),
                # An alerting model's own measure: the share of its daily alerts that are right.
                "precision_at_capacity": version["metrics"].get("test_precision_at_capacity"),
                "dag_run": {"dag_id": "lockgate_pipeline", "run_id": tags["airflow_run_id"]}
                if tags.get("airflow_run_id", "manual") != "manual"
                else None,
            }
        )
    return rows


def model_version(settings: Settings, manager: ChangeManager, name: str, version: str) -> dict:
    """One version's metadata (metrics per class, gate, champion, lineage) and its pictures, and
    every release that carries it with where it went and whether it failed verification."""
    from lockgate.registry import get_version
    from lockgate.ui import charts

    record = get_version(settings, name, version)
    meta = record.metadata
    classes = meta.get("classes", [])
    pictures = {}
    if meta.get("confusion"):
        pictures["confusion"] = charts.confusion_matrix(meta["confusion"], classes)
    if meta.get("per_class"):
        pictures["per_class"] = charts.precision_recall(meta["per_class"])
    if meta.get("confidence"):
        pictures["confidence"] = charts.confidence_histogram(meta["confidence"])
    training = meta.get("training", {})
    run_id = training.get("airflow_run_id")
    releases = []
    for release_id in manager.ledger.releases_carrying(name, version):
        moves = manager.ledger.release_history(release_id)
        releases.append(
            {"release_id": release_id, "moves": moves, "failed": any(m["failed"] for m in moves)}
        )
    return {
        "record": record,
        "releases": releases,
        "meta": meta,
        "gate": meta.get("gate", {}),
        "pictures": pictures,
        "dag_run": {"dag_id": "lockgate_pipeline", "run_id": run_id}
        if run_id and run_id != "manual"
        else None,
    }


def audit(
    manager: ChangeManager,
    environment: str = "",
    person: str = "",
    since: str = "",
    until: str = "",
) -> dict:
    """The chain's verification and its entries, newest first, filtered by environment, person
    (a part of the actor) and date (YYYY-MM-DD, inclusive)."""
    ledger = manager.ledger
    report = ledger.verify_audit()
    entries = []
    for entry in reversed(ledger.audit_entries()):
        day = entry["ts"][:10]
        if environment and entry["environment"] != environment:
            continue
        if person and person.lower() not in entry["actor"].lower():
            continue
        if (since and day < since) or (until and day > until):
            continue
        entries.append(
            entry | {"payload": json.loads(entry["payload"]), "dag_run": dag_run_of(entry["actor"])}
        )
    return {
        "report": asdict(report),
        "entries": entries,
        "filters": {"environment": environment, "person": person, "since": since, "until": until},
    }


def data_quality(settings: Settings) -> dict:
    """Every stored validation result (suite, scope, run date, outcome, failures) and each run's
    quarantine counts by reason, newest run first."""
    from lockgate.storage import Layout
    from lockgate.storage.files import filesystem

    layout = Layout(settings.storage_root)
    results = []
    fs, pattern = filesystem(layout.validation_results)
    for path in sorted(fs.glob(pattern), reverse=True):
        suite, scope, run_date = Layout.validation_key(path)
        summary = json.loads(fs.cat_file(path))["summary"]
        docs = f"{path.rsplit('/', 1)[0]}/data_docs/index.html"
        results.append(
            {
                "suite": suite,
                "scope": scope,
                "run_date": run_date,
                "success": summary["success"],
                "evaluated": summary["evaluated"],
                "critical_failures": summary["critical_failures"],
                "warnings": summary["warnings"],
                "data_docs": fs.exists(docs),
            }
        )
    quarantine = []
    fs, pattern = filesystem(layout.extraction_manifests)
    for path in sorted(fs.glob(pattern), reverse=True):
        manifest = json.loads(fs.cat_file(path))
        quarantine.append(
            {
                "run_date": Layout.manifest_run_date(path),
                "received": manifest["received"],
                "parsed": manifest["parsed"],
                "duplicates": manifest["duplicates"],
                "quarantined": manifest["quarantined"],
                "by_reason": manifest["quarantine_by_reason"],
            }
        )
    results.sort(key=lambda r: (r["run_date"], r["suite"], r["scope"]), reverse=True)
    return {"results": results, "quarantine": quarantine}


def monitoring(settings: Settings) -> list[dict]:
    """The latest drift report of each model in each environment, with its daily PSI chart and
    the earlier reports (newest first); empty when no monitoring run has stored one."""
    from lockgate.models import registered_models
    from lockgate.pipeline.monitoring import stored_reports
    from lockgate.ui import charts

    pages = []
    for environment in ENVIRONMENTS:
        for model in registered_models():
            reports = stored_reports(settings, environment, model)
            if not reports:
                continue
            latest = reports[-1]
            daily = latest.get("daily", [])
            threshold = latest["thresholds"]["psi"]
            pages.append(
                {
                    "environment": environment,
                    "model": model,
                    "report": latest,
                    "names": list(daily[0]["psi"]) if daily else [],
                    "chart": charts.drift_over_time(daily, threshold) if daily else None,
                    "earlier": [
                        {
                            k: r.get(k)
                            for k in ("to", "version", "rows", "judged", "drifted", "reason")
                        }
                        for r in reversed(reports[:-1])
                    ],
                }
            )
    return pages


_SAFE_PART = re.compile(r"^[\w.=-]+$")
_ASSET_PART = re.compile(r"^@?[\w.=-]+$")  # npm scopes (@fortawesome) in vendor/ paths


def data_docs_file(
    settings: Settings, suite: str, scope: str, run_date: str, path: str, site: str = ""
) -> bytes:
    """A file of the GX Data Docs site stored beside one validation result. A page comes with
    its CDN addresses replaced by this site's `vendor/` (`site` is the site root's URL), so it
    renders with no internet; `vendor/...` are those installed scripts and styles."""
    from lockgate.storage import Layout
    from lockgate.storage.files import filesystem
    from lockgate.validation import datadocs
    from lockgate.validation.suites import data_docs_static

    parts = [suite, scope, run_date, *path.split("/")]
    if not all(_SAFE_PART.match(p) and p not in (".", "..") for p in parts[:3]) or not all(
        _ASSET_PART.match(p) and p not in (".", "..") for p in parts[3:]
    ):
        raise ValueError(f"not a Data Docs path: {path!r}")
    if path.startswith("vendor/"):  # the CDN files, installed by `make install`
        return datadocs.vendor_file(path.removeprefix("vendor/"))
    if path.startswith("static/"):  # GX's own assets, shared by every site
        return (data_docs_static() / path.removeprefix("static/")).read_bytes()
    result = Layout(settings.storage_root).validation_result(suite, run_date, scope)
    fs, where = filesystem(f"{result.rsplit('/', 1)[0]}/data_docs/{path}")
    body = fs.cat_file(where)
    if path.endswith(".html"):
        return datadocs.offline(body.decode("utf-8"), site).encode("utf-8")
    return body


def dag_run(settings: Settings, manager: ChangeManager, dag_id: str, run_id: str) -> dict:
    """What one Airflow DAG run left in lockgate: model versions it registered, changes it
    opened, scoring runs it recorded and every audit entry it wrote."""
    from lockgate.registry import list_versions

    actor = identity("airflow", dag_id, run_id)
    ledger = manager.ledger
    scoring = []
    for environment in ENVIRONMENTS:
        pointer_releases = {c["release_id"] for c in ledger.changes(environment) if c["release_id"]}
        for release_id in sorted(pointer_releases):
            scoring += [
                r for r in ledger.scoring_runs(environment, release_id) if r["recorded_by"] == actor
            ]
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "models": [v for v in list_versions(settings) if v["tags"].get("airflow_run_id") == run_id],
        "changes": [c for c in ledger.changes() if c["author"] == actor],
        "scoring_runs": scoring,
        "audit": [e for e in ledger.audit_entries() if e["actor"] == actor],
    }
