"""Moving a release into an environment: change request, verification, pointer move, with audit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from lockgate.config import ENVIRONMENTS, Settings, load_settings
from lockgate.provenance import digest
from lockgate.registry import (
    ModelVersionRecord,
    alias_drift,
    fetch_verified_model,
    load_model,
    mirror_aliases,
)
from lockgate.registry.mlflow_registry import get_version
from lockgate.release import owner
from lockgate.release.anchor import Anchor
from lockgate.release.bundle import ReleaseBundle, build_bundle
from lockgate.release.changes import ChangeManager, ChangeRefused
from lockgate.release.compile import compile_release_models, fetch_library
from lockgate.release.history import history
from lockgate.release.identity import Access, cli_identity, installation_digest, load_access
from lockgate.release.integrity import disagreements, environment_problems
from lockgate.release.ledger import Ledger
from lockgate.release.request import ChangeRequest
from lockgate.scoring.batch import load_scorer
from lockgate.scoring.compiled import TOLERANCE


class VerificationFailed(RuntimeError):
    """A release did not reproduce its recorded canary outputs or its artifacts did not match."""


def open_ledger(settings: Settings, clock: Callable[[], datetime] | None = None) -> Ledger:
    if settings.ledger_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(settings.ledger_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    return Ledger(
        settings.database_url(settings.ledger_url),
        clock=clock,
        anchor=Anchor(settings.home / "audit"),
    )


def change_manager(
    settings: Settings,
    clock: Callable[[], datetime] | None = None,
    verify: Callable[[dict], None] | None = None,
) -> ChangeManager:
    """The change manager over this installation's ledger, policies, access and verification.
    Roles and policy that differ from the last ones the audit log recorded are recorded first
    (`installation.configured`, with each file's sha256), by whoever runs this."""
    ledger = open_ledger(settings, clock)
    access = load_access(settings)
    ledger.record_if_changed(
        cli_identity(), "installation.configured", "roles-and-policy", installation_digest(settings)
    )
    return ChangeManager(
        ledger,
        lambda env: load_settings(settings.profile, env, settings.home).policy.release,
        access,
        verify or (lambda bundle: verify_release(settings, bundle)),
        lambda env, models: mirror_aliases(settings, env, models),
    )


@dataclass(frozen=True)
class DeploymentOutcome:
    environment: str
    release_id: str
    change_id: int | None
    status: str  # deployed | already_deployed | refused_by_gate | verification_failed | awaiting_approval | refused
    detail: str


def deployed_version(settings: Settings, model: str, environment: str) -> ModelVersionRecord | None:
    """The version of `model` in the release deployed in `environment`, if there is one."""
    bundle = open_ledger(settings).deployed_bundle(environment)
    entry = bundle.model(model) if bundle else None
    if entry is None:
        return None
    record = get_version(settings, model, entry.version)
    if record.artifact_sha256 != entry.artifact_sha256:
        raise RuntimeError(f"{entry.label} in {environment} no longer matches its release's digest")
    return record


def unapproved(settings: Settings, ledger: Ledger, change: dict) -> list[str]:
    """Roles whose approval `change` needed before deploying and does not have (the ledger only:
    no access list, no MLflow, so it also runs on a Spark driver in a YARN container)."""
    policy = load_settings(settings.profile, change["environment"], settings.home).policy.release
    manager = ChangeManager(ledger, lambda env: policy, Access(), lambda bundle: None)
    return manager.evidence(change["change_id"]).roles_now


def verify_release(settings: Settings, bundle: ReleaseBundle) -> None:
    """Artifacts load and match their digests; canary documents score as when the release was
    built, through the skops model and through what scoring runs (`load_scorer`: the
    compiled library where the release has one, the faster TF-IDF path)."""
    for entry in bundle.models:
        data = fetch_verified_model(settings, entry.name, entry.version, entry.artifact_sha256)
        estimator = load_model(data)
        record = get_version(settings, entry.name, entry.version)
        canary = record.metadata["canary"]
        if digest(canary) != entry.canary_sha256:
            raise VerificationFailed(
                f"{entry.label}: its canary is not the one recorded in the release"
            )
        rows = pd.DataFrame([c["inputs"] for c in canary], columns=list(entry.inputs))
        classes = np.asarray([str(c) for c in estimator.classes_])
        _check_canary(entry.label, canary, classes, estimator.predict_proba(rows))
        # A library that is missing, altered or scores differently fails the release.
        library = fetch_library(settings, entry)
        scorer = load_scorer(data, library, entry.library_sha256)
        _check_canary(f"{entry.label} (as scored)", canary, classes, scorer.predict_proba(rows))


def _check_canary(label: str, canary: list[dict], classes: np.ndarray, proba: np.ndarray) -> None:
    predicted, confidence = classes[proba.argmax(axis=1)], proba.max(axis=1)
    for expected, got, conf in zip(canary, predicted, confidence, strict=True):
        if got != expected["prediction"] or abs(conf - expected["confidence"]) > TOLERANCE:
            raise VerificationFailed(
                f"{label}: canary {expected['doc_id'][:12]} scored "
                f"{got}/{conf:.6f}, recorded {expected['prediction']}/{expected['confidence']:.6f}"
            )


def record_refusals(
    settings: Settings, refused: list[ModelVersionRecord], environment: str, actor: str
) -> str:
    """Audit each refused candidate with the gate's explanation; returns the explanation."""
    ledger = open_ledger(settings)
    detail = "; ".join(f"{r.name} v{r.version}: {r.metadata['gate']['explain']}" for r in refused)
    with ledger.transaction() as conn:
        for r in refused:
            ledger.append_audit(
                conn,
                actor,
                "release.refused_by_gate",
                r.name,
                {
                    "version": r.version,
                    "checks": r.metadata["gate"]["checks"],
                    "detail": r.metadata["gate"]["explain"],
                },
                environment,
            )
    return detail


def release_to_environment(
    settings: Settings,
    records: list[ModelVersionRecord],
    environment: str,
    actor: str,
    reason: str,
    clock: Callable[[], datetime] | None = None,
) -> DeploymentOutcome:
    """Bundle gated model versions and deploy them to `environment` under a change request.

    Only environments whose policy needs no approvals are deployed at once (test by
    default); elsewhere the change stays open for approvers.
    """
    refused = [r for r in records if not r.metadata["gate"]["passed"]]
    if refused:
        detail = record_refusals(settings, refused, environment, actor)
        return DeploymentOutcome(environment, "", None, "refused_by_gate", detail)
    manager = change_manager(settings, clock)
    bundle = build_bundle(settings, records, compile_release_models(settings, records))
    release_id = bundle.release_id
    manager.ledger.record_release(release_id, bundle, actor)
    current = manager.ledger.pointer(environment)
    if current and current.runs(release_id):
        return DeploymentOutcome(
            environment,
            release_id,
            current.change_id,
            "already_deployed",
            f"{release_id} is already in {environment}",
        )
    change_id = manager.open(actor, "normal", environment, reason, release_id)
    evidence = manager.evidence(change_id)
    if evidence.change["state"] != "approved":
        return DeploymentOutcome(
            environment, release_id, change_id, "awaiting_approval", "; ".join(evidence.blocking)
        )
    try:
        result = manager.deploy(actor, change_id)
    except ChangeRefused as refused:
        return DeploymentOutcome(environment, release_id, change_id, "refused", str(refused))
    status = "deployed" if result.status == "deployed" else "verification_failed"
    return DeploymentOutcome(environment, release_id, change_id, status, result.detail)


def _drift(settings: Settings, environment: str, models: dict[str, str]) -> list[str]:
    try:
        return alias_drift(settings, environment, models)
    except Exception as exc:  # noqa: BLE001 - status reports what it cannot check
        return [f"cannot read the registry's aliases: {type(exc).__name__}: {exc}"]


def _health(change: dict | None, problems: list[str], failing: list[str]) -> str:
    """broken (the tables disagree with the audit log, or point at nothing real), verifying (a
    deploy is under way), stranded (its deploy died: `lockgate change recover`), failing (its
    last scoring run or on-demand verification failed), or healthy."""
    if problems or change is None:
        return "broken"
    if change["state"] == "deploying":
        alive = owner.holds(change["deploy_owner"], change["deploy_lease_until"])
        return "verifying" if alive else "stranded"
    return "failing" if failing else "healthy"


def failures(ledger: Ledger, environment: str) -> list[str]:
    """Why the release deployed in `environment` is failing now: its latest scoring run there, or
    its latest on-demand verification (`lockgate verify`) since it was deployed, failed."""
    pointer = ledger.pointer(environment)
    if pointer is None:
        return []
    found = []
    runs = ledger.scoring_runs(environment, pointer.release_id)
    if runs and runs[-1]["status"] == "failed":
        found.append(f"the last scoring run ({runs[-1]['run_date']}) failed: {runs[-1]['detail']}")
    checks = [
        e
        for e in ledger.entries_about(pointer.release_id)
        if e["action"].startswith("verification.")
        and e["environment"] == environment
        and pointer.since(e["ts"])
    ]
    if checks and checks[-1]["action"] == "verification.failed":
        detail = json.loads(checks[-1]["payload"])["detail"]
        found.append(f"verification on demand at {checks[-1]['ts']} failed: {detail}")
    return found


def verify_environment(settings: Settings, environment: str, who: str) -> tuple[bool, str]:
    """`lockgate verify --env`: check the deployed release again (its record against the audit
    log, artifacts and digests, canaries) and audit the outcome; (passed, what was found)."""

    ledger = open_ledger(settings)
    pointer = ledger.pointer(environment)
    problems = environment_problems(ledger, environment)
    if pointer is None and not problems:
        return False, f"nothing is deployed in {environment}"
    release_id = pointer.release_id if pointer else "-"
    if problems:
        passed, detail = False, "the ledger's record is not to be believed: " + "; ".join(problems)
    else:
        try:
            verify_release(settings, ledger.bundle(release_id))
            passed, detail = True, "artifacts, digests and canaries match"
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            passed, detail = False, f"{type(exc).__name__}: {exc}"
    ledger.record_event(
        who,
        f"verification.{'passed' if passed else 'failed'}",
        release_id,
        {"detail": detail[:2000]},
        environment,
    )
    return passed, f"{environment} on {release_id}: {detail}"


def environment_status(settings: Settings) -> dict:
    """What release is in each environment, who put it there, when, by which change, approved by
    whom, and whether it is to be believed (`health`, `problems`): a pointer that disagrees with
    the audit log, or a deploy that did not finish, is reported, never shown as deployed.
    Emergency changes whose approvals are overdue are flagged, and open changes listed."""
    manager = change_manager(settings)
    ledger = manager.ledger
    found = disagreements(ledger)
    status = {}
    for environment in ENVIRONMENTS:
        pointer = ledger.pointer(environment)
        problems = environment_problems(ledger, environment, found)
        pending = [
            {
                "id": c["change_id"],
                "kind": c["kind"],
                "state": c["state"],
                "release_id": c["release_id"],
            }
            for c in ledger.changes(environment)
            if ChangeRequest.of(c).pending()
        ]
        if pointer is None and not problems:
            status[environment] = None
            continue
        try:
            change = ledger.change(pointer.change_id) if pointer else None
        except KeyError:
            change = None
        failing = failures(ledger, environment)
        entry = {
            "release_id": pointer and pointer.release_id,
            "deployed_by": pointer and pointer.deployed_by,
            "deployed_at": pointer and pointer.deployed_at,
            "change": None,
            "approvals": [],
            "approvals_due": [],
            "overdue": False,
            "models": [],
            "alias_drift": [],
            "pending_changes": pending,
            "health": _health(change, problems, failing),
            "problems": problems or failing,
        }
        if change is not None and not problems:
            deployed = history(manager, environment)["deployed"] or {}
            entry |= {
                "change": {
                    "id": change["change_id"],
                    "kind": change["kind"],
                    "author": change["author"],
                    "reason": change["reason"],
                    "state": change["state"],
                    "deploying_process": owner.describe(change["deploy_owner"])
                    if change["state"] == "deploying"
                    else None,
                },
                "approvals": deployed.get("approvals", []),
                "approvals_due": deployed.get("approvals_due", []),
                "overdue": deployed.get("overdue", False),
                "models": deployed.get("models", []),
                "alias_drift": _drift(settings, environment, manager.deployed_models(environment)),
            }
        status[environment] = entry
    return status
