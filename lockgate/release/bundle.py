"""Release bundles: the exact models, code, suites and config a release is made of, each with a
digest. A bundle is a value (`ReleaseBundle`); the ledger stores it as JSON (`as_dict`), and
the release id is the digest of that JSON, so equal content is an equal id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from lockgate.config import Settings
from lockgate.models import DOCUMENTS
from lockgate.provenance import code_version, digest, job_zip_sha256
from lockgate.registry import ModelVersionRecord
from lockgate.validation import suite_digest, suite_exists

SUITES = ("extracted_documents", "extraction_run", "training_set", "scores")


@dataclass(frozen=True)
class BundledModel:
    """One model version as a release carries it: what scoring loads, checks and decides with."""

    name: str
    version: str
    artifact_sha256: str
    snapshot_digest: str
    inputs: tuple[str, ...]
    thresholds: Mapping[str, float]
    gate: Mapping
    canary_sha256: str
    # The tree model compiled to native code (`lockgate.release.compile`): its library's
    # sha256, engine and how it compared with the skops model; None: the skops model scores.
    compiled: Mapping | None = None
    # The dataset the model reads (`ModelSpec.dataset`): what scoring reads it from, even when
    # the package that declared the model is no longer installed.
    dataset: str = DOCUMENTS

    @classmethod
    def of(cls, entry: Mapping) -> BundledModel:
        # Absent from bundles made before each existed, and from a document model's entry.
        optional = {"compiled": None, "dataset": DOCUMENTS}
        return cls(
            **{
                f.name: entry[f.name]
                if f.name not in optional
                else entry.get(f.name, optional[f.name])
                for f in fields(cls)
            }
            | {"inputs": tuple(entry["inputs"])}
        )

    @classmethod
    def of_version(
        cls, record: ModelVersionRecord, compiled: Mapping | None = None
    ) -> BundledModel:
        """A registered version (`ModelVersionRecord`) as a release carries it."""
        return cls(
            name=record.name,
            version=record.version,
            artifact_sha256=record.artifact_sha256,
            snapshot_digest=record.metadata["snapshot_digest"],
            inputs=tuple(record.metadata["inputs"]),
            thresholds=record.metadata["thresholds"],
            gate=record.metadata["gate"],
            canary_sha256=digest(record.metadata["canary"]),
            compiled=compiled,
            dataset=record.metadata.get("data", {}).get("dataset", DOCUMENTS),
        )

    def as_dict(self) -> dict:
        """Its JSON; `compiled` only when there is one and `dataset` only when it is not the
        documents, so a release made before either existed keeps its id."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if data["compiled"] is None:
            del data["compiled"]
        if data["dataset"] == DOCUMENTS:
            del data["dataset"]
        return data | {"inputs": list(self.inputs)}

    @property
    def library_sha256(self) -> str | None:
        """The sha256 of the compiled library the release carries for this model, or None."""
        return self.compiled["sha256"] if self.compiled is not None else None

    @property
    def alerting(self) -> bool:
        """Gated at an alert capacity (its recorded gate has `alerts_per_day`)."""
        return "alerts_per_day" in self.gate.get("thresholds", {})

    @property
    def label(self) -> str:
        """`routing v1`."""
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class ReleaseBundle:
    models: tuple[BundledModel, ...]
    code: Mapping[str, str]
    suites: Mapping[str, str]
    config_sha256: str

    @classmethod
    def of(cls, data: Mapping) -> ReleaseBundle:
        """The bundle of its stored JSON (the ledger's `releases.bundle`)."""
        return cls(
            models=tuple(BundledModel.of(m) for m in data["models"]),
            code=dict(data["code"]),
            suites=dict(data["suites"]),
            config_sha256=data["config_sha256"],
        )

    def as_dict(self) -> dict:
        """The JSON the ledger stores and the release id is the digest of."""
        return {
            "models": [m.as_dict() for m in self.models],
            "code": dict(self.code),
            "suites": dict(self.suites),
            "config_sha256": self.config_sha256,
        }

    @property
    def release_id(self) -> str:
        return f"rel-{digest(self.as_dict())[:16]}"

    def model(self, name: str) -> BundledModel | None:
        """The version of `name` the release carries, or None."""
        return next((m for m in self.models if m.name == name), None)

    def carries(self, name: str, version: str) -> bool:
        found = self.model(name)
        return found is not None and str(found.version) == str(version)

    def versions(self) -> dict[str, str]:
        """{model: version}."""
        return {m.name: str(m.version) for m in self.models}

    def describe(self) -> str:
        """`routing v1, urgency v1`."""
        return ", ".join(m.label for m in self.models)


def _of_kinds(models: list[BundledModel]) -> tuple[str, ...]:
    """The suites of kinds of model the release holds: an alerting model's scores are checked
    with `alerts`, a model on a dataset's snapshot with `training_set_on_dataset` (a release of
    document models alone keeps the suites, and so the id, it always had)."""
    alerting = ("alerts",) if any(m.alerting for m in models) else ()
    on_dataset = ("training_set_on_dataset",) if any(m.dataset != DOCUMENTS for m in models) else ()
    return alerting + on_dataset


def model_suites(models: list[str]) -> list[str]:
    """Suites that exist for some models only: `training_set.<model>` (e.g. its label values)."""
    return [f"training_set.{m}" for m in models if suite_exists(f"training_set.{m}")]


def build_bundle(
    settings: Settings,
    models: list[ModelVersionRecord],
    compiled: Mapping[str, Mapping] | None = None,
) -> ReleaseBundle:
    """The bundle of gated model versions with this code, these suites and this policy;
    `compiled`: {model: its compiled library's entry} (`lockgate.release.compile`)."""
    bundled = tuple(
        BundledModel.of_version(m, (compiled or {}).get(m.name))
        for m in sorted(models, key=lambda m: m.name)
    )
    return ReleaseBundle(
        models=bundled,
        code={"commit": code_version(), "job_zip_sha256": job_zip_sha256(settings)},
        suites={
            name: suite_digest(name)
            for name in (*SUITES, *model_suites([m.name for m in bundled]), *_of_kinds(bundled))
        },
        config_sha256=digest(settings.policy.model_dump()),
    )
