"""The lake's layout (docs/architecture.md, Data flow), one method per dataset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


def _checked_date(run_date: str) -> str:
    try:
        return date.fromisoformat(run_date).isoformat()
    except ValueError as exc:
        raise ValueError(f"run date must be YYYY-MM-DD, got {run_date!r}") from exc


@dataclass(frozen=True)
class Layout:
    """Dataset URIs below one storage root."""

    root: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.rstrip("/"))

    def landing(self, run_date: str) -> str:
        """Raw documents as received; never modified."""
        return f"{self.root}/landing/{_checked_date(run_date)}"

    def labels(self, run_date: str) -> str:
        """The generator's answer key of a generated day (`ground_truth.jsonl`: the files it
        wrote, their fields and labels), kept for evaluation; models learn from the label store."""
        return f"{self.root}/labels/{_checked_date(run_date)}"

    # The label store (lockgate.labels): decisions, append-only, a folder per decision day.
    @property
    def label_decisions(self) -> str:
        return f"{self.root}/label_store/decisions"

    def label_decision_day(self, day: str) -> str:
        return f"{self.label_decisions}/decided_on={_checked_date(day)}"

    def label_import(self, import_id: str) -> str:
        """The record of one import: its file's digest, who ran it, its counts."""
        return f"{self.root}/label_store/imports/{import_id}.json"

    def label_quarantine(self, import_id: str) -> str:
        """The rows of one import that did not validate, each with its reason."""
        return f"{self.root}/label_store/quarantine/{import_id}.jsonl"

    # Delivered tables (lockgate.datasets): as received, ingested, and the rows that failed.
    @property
    def datasets_landing(self) -> str:
        return f"{self.root}/landing/datasets"

    def dataset_landing(self, name: str, run_date: str) -> str:
        return f"{self.datasets_landing}/{name}/{_checked_date(run_date)}"

    def dataset(self, name: str) -> str:
        return f"{self.root}/datasets/{name}"

    def dataset_quarantine(self, name: str) -> str:
        return f"{self.root}/dataset_quarantine/{name}"

    def ingestion_manifests(self, name: str) -> str:
        """Where the ingestion manifests of `name` are, one per ingested delivery."""
        return f"{self.root}/manifests/ingestion/{name}"

    def ingestion_manifest(self, name: str, run_date: str) -> str:
        return f"{self.ingestion_manifests(name)}/run_date={_checked_date(run_date)}.json"

    @property
    def extracted(self) -> str:
        return f"{self.root}/extracted/documents"

    @property
    def quarantine(self) -> str:
        return f"{self.root}/quarantine"

    def training(self, model: str) -> str:
        return f"{self.root}/training/{model}"

    def training_snapshot(self, model: str, digest: str) -> str:
        return f"{self.training(model)}/snapshot={digest}"

    def scores(self, environment: str, model: str) -> str:
        return f"{self.root}/scores/{environment}/{model}"

    def validation_result(self, suite: str, run_date: str, scope: str = "all") -> str:
        """GX result of `suite` on one run date; `scope` tells apart e.g. environments and models."""
        date_part = f"run_date={_checked_date(run_date)}"
        return f"{self.root}/validation/{suite}/{scope}/{date_part}/result.json"

    @property
    def validation_results(self) -> str:
        """Every stored validation result, as a glob (`validation_key` reads one's path)."""
        return f"{self.root}/validation/*/*/run_date=*/result.json"

    @staticmethod
    def validation_key(path: str) -> tuple[str, str, str]:
        """(suite, scope, run date) of a `validation_result` path."""
        suite, scope, date_part = path.split("/")[-4:-1]
        return suite, scope, date_part.removeprefix("run_date=")

    # Manifests: the small JSON record a stage leaves for the stages after it (counts, digests).
    def _manifest(self, stage: str, run_date: str) -> str:
        return f"{self.root}/manifests/{stage}/run_date={_checked_date(run_date)}.json"

    def extraction_manifest(self, run_date: str) -> str:
        return self._manifest("extraction", run_date)

    @property
    def extraction_manifests(self) -> str:
        """Every run date's extraction manifest, as a glob (`manifest_run_date` reads one's path)."""
        return f"{self.root}/manifests/extraction/run_date=*.json"

    @staticmethod
    def manifest_run_date(path: str) -> str:
        return path.rsplit("run_date=", 1)[1].removesuffix(".json")

    def training_set_manifest(self, model: str, run_date: str) -> str:
        return self._manifest(f"training_set/{model}", run_date)

    def model_manifest(self, model: str, run_date: str) -> str:
        """The version a run's training registered for `model`, with its gate."""
        return self._manifest(f"model/{model}", run_date)

    def scores_manifest(self, environment: str, model: str, run_date: str) -> str:
        return self._manifest(f"scores/{environment}/{model}", run_date)

    def monitoring_model(self, environment: str, model: str) -> str:
        """Every monitoring record of one model in one environment, a folder per run date."""
        return f"{self.root}/monitoring/{environment}/{model}"

    def monitoring(self, environment: str, model: str, run_date: str, kind: str) -> str:
        """A model's monitoring record for one run date: `statistics` (the day's mergeable
        summary) or `drift` (the judgement of the days up to it)."""
        date_part = f"run_date={_checked_date(run_date)}"
        return f"{self.monitoring_model(environment, model)}/{date_part}/{kind}.json"

    def monitoring_summary(self, environment: str, run_date: str) -> str:
        """Every model's verdict and the day anomalies of one monitoring run."""
        return f"{self.root}/monitoring/{environment}/_runs/run_date={_checked_date(run_date)}.json"

    @staticmethod
    def partition(run_date: str) -> str:
        return f"run_date={_checked_date(run_date)}"


def run_dates(first: str, last: str | None = None) -> list[str]:
    """Every run date from `first` to `last` inclusive (just `first` when `last` is None)."""
    start = date.fromisoformat(_checked_date(first))
    end = date.fromisoformat(_checked_date(last)) if last else start
    if end < start:
        raise ValueError(f"the last run date {last} is before the first {first}")
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def day_cutoff(as_of: str) -> datetime:
    """The first moment after day `as_of` (UTC): what happened before it is known on that day."""
    return datetime.combine(
        date.fromisoformat(_checked_date(as_of)) + timedelta(days=1), time(), UTC
    )
