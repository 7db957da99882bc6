"""The lake layout of DESIGN.md, one method per dataset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
        """Labelled history (department per doc_id) that arrived with a run date."""
        return f"{self.root}/labels/{_checked_date(run_date)}"

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

    def manifest(self, stage: str, run_date: str) -> str:
        """Small JSON record a stage leaves for the stages after it (counts, digests)."""
        return f"{self.root}/manifests/{stage}/run_date={_checked_date(run_date)}.json"

    @staticmethod
    def partition(run_date: str) -> str:
        return f"run_date={_checked_date(run_date)}"
