"""Load reviewed suites from JSON and validate a DataFrame with GX 1.x, failing on critical expectations."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockgate.config import repo_root


class SuiteError(ValueError):
    """A suite file is missing or holds an expectation GX does not know."""


class ExpectationFailed(RuntimeError):
    """A critical expectation failed; the message names it and what was observed."""


@dataclass
class Outcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: Any = None
    unexpected_count: int | None = None


@dataclass
class ValidationReport:
    suite: str
    success: bool
    outcomes: list[Outcome] = field(default_factory=list)
    gx_result: dict = field(default_factory=dict)
    # GX Data Docs pages of this validation (path in the site -> HTML), static assets excluded.
    data_docs: dict[str, bytes] = field(default_factory=dict)

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    def raise_for_critical(self) -> None:
        failures = self.critical_failures
        if failures:
            described = "; ".join(
                f"{o.expectation}({o.column or 'table'}) observed={o.observed!r} "
                f"unexpected={o.unexpected_count}"
                for o in failures
            )
            raise ExpectationFailed(
                f"suite {self.suite}: {len(failures)} critical expectation(s) failed: {described}"
            )

    def summary(self) -> dict:
        return {
            "suite": self.suite,
            "success": self.success,
            "evaluated": len(self.outcomes),
            "critical_failures": [o.__dict__ for o in self.critical_failures],
            "warnings": [o.__dict__ for o in self.warnings],
        }


DATA_DOCS_SITE = "lockgate"


def data_docs_static() -> Path:
    """GX's static assets (styles, fonts, images) that every Data Docs page links to."""
    import great_expectations

    return Path(great_expectations.__file__).parent / "render" / "view" / "static"


def suite_path(name: str) -> Path:
    return repo_root() / "expectations" / f"{name}.json"


def suite_exists(name: str) -> bool:
    return suite_path(name).is_file()


def load_suite(name: str) -> dict:
    path = suite_path(name)
    if not path.is_file():
        raise SuiteError(f"no expectation suite {name!r} at {path}")
    return json.loads(path.read_text())


def suite_digest(name: str) -> str:
    """sha256 of the suite file as reviewed; recorded in release bundles."""
    return hashlib.sha256(suite_path(name).read_bytes()).hexdigest()


def _observed(result: dict) -> Any:
    value = result.get("observed_value")
    if value is None and "unexpected_percent" in result:
        value = f"{result['unexpected_percent']:.2f}% unexpected"
    return value


def _columns(kwargs: dict) -> str | None:
    """The column (or columns, comma-joined) an expectation is about; None for the table."""
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return None


def validate_frame(frame, suite_name: str, definition: dict | None = None) -> ValidationReport:
    """Validate a pandas DataFrame against `expectations/<suite_name>.json`, or against
    `definition` (a suite made from a declaration, `DatasetSpec.suite`)."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import ProgressBarsConfig

    definition = definition or load_suite(suite_name)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = gx.ExpectationSuite(**definition)
    # GX drops an unknown expectation with only a log line; a reviewed suite must load whole.
    if len(suite.expectations) != len(definition.get("expectations", [])):
        loaded = {e.expectation_type for e in suite.expectations}
        missing = [e["type"] for e in definition["expectations"] if e["type"] not in loaded]
        raise SuiteError(f"suite {suite_name}: GX could not load {missing}; fix the suite file")
    suite = context.suites.add(suite)
    batch = (
        context.data_sources.add_pandas("lockgate")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("whole")
    )
    definition_ = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}-validation", data=batch, suite=suite)
    )
    with tempfile.TemporaryDirectory() as site:
        # Data Docs through GX's own site builder; the pages are kept, GX's static assets
        # (4 MB of fonts and styles, the same for every result) are served from the package.
        context.add_data_docs_site(
            DATA_DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": site,
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"{suite_name}-checkpoint",
                validation_definitions=[definition_],
                actions=[UpdateDataDocsAction(name="data-docs", site_names=[DATA_DOCS_SITE])],
                result_format="SUMMARY",
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        pages = {
            str(path.relative_to(site)): path.read_bytes()
            for path in sorted(Path(site).rglob("*.html"))
            if path.relative_to(site).parts[0] != "static"
        }
    (result,) = run.run_results.values()
    outcomes = []
    for item in result.results:
        config, detail = item.expectation_config, (item.result or {})
        outcomes.append(
            Outcome(
                expectation=config.type,
                column=_columns(config.kwargs),
                severity=config.severity.value,
                success=bool(item.success),
                observed=_observed(detail),
                unexpected_count=detail.get("unexpected_count"),
            )
        )
    return ValidationReport(
        suite=suite_name,
        success=bool(result.success),
        outcomes=outcomes,
        gx_result=result.to_json_dict(),
        data_docs=pages,
    )
