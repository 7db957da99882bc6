"""`lockgate labels import`: decisions from a case-management export into the label store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lockgate.config import load_settings


@click.group("labels")
def labels() -> None:
    """The label store: decisions about documents' labels, from people and systems."""


@labels.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    "system",
    required=True,
    help="The system the export comes from (a case-management system's name).",
)
@click.option("--json", "as_json", is_flag=True, help="The import's record as JSON.")
def import_labels(path: Path, system: str, as_json: bool) -> None:
    """Import PATH (CSV, JSON lines or Parquet: doc_id or source_file, department and/or urgency,
    decided_by, decided_at). Rows that do not validate are quarantined with their reason; a file
    imported before from the same system adds nothing."""
    from lockgate.labels.imports import ExportError
    from lockgate.pipeline.labels import import_export
    from lockgate.release.identity import cli_identity

    try:
        report = import_export(load_settings(), path, system, cli_identity())
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    _print(report, path, system)


@labels.command("import-label-studio")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", required=True, help="The model whose label the annotations give.")
def import_label_studio(path: Path, model: str) -> None:
    """Import a Label Studio JSON export of tasks from `lockgate review export-label-studio`:
    each annotation a decision of source label-studio; the same export again adds nothing."""
    from lockgate.labels.imports import ExportError
    from lockgate.models import UnknownModel, get_model
    from lockgate.pipeline.labels import import_label_studio as import_export
    from lockgate.release.identity import cli_identity

    try:
        report = import_export(load_settings(), path, get_model(model).label, cli_identity())
    except (ExportError, UnknownModel) as exc:
        raise click.ClickException(str(exc)) from exc
    _print(report, path, "Label Studio")


def _print(report, path: Path, system: str) -> None:
    if report.already_imported:
        click.echo(
            f"{path.name} from {system} was imported before ({report.imported_at}, "
            f"import {report.import_id[:12]}): nothing added"
        )
        return
    click.echo(
        f"{report.rows} rows: {report.accepted_rows} accepted, {report.quarantined_rows} "
        f"quarantined; {report.decisions} decisions, {report.added} added, "
        f"{report.already_held} already in the store"
    )
    for reason, count in report.quarantined_by_reason.items():
        click.echo(f"  quarantined, {reason}: {count}")
    if report.quarantine:
        click.echo(f"quarantined rows and their reasons: {report.quarantine}")


@labels.command("verify")
@click.option(
    "--adopt",
    is_flag=True,
    help="Record in the audit log, as your act, the whole files no audited command recorded "
    "(a command killed before its audit entry, or a store from before files were audited).",
)
def verify(adopt: bool) -> None:
    """Check the label store against the audit log: every row still says what its id says,
    every file holds what its name says, every file was written by an audited command and
    none is gone. Exit status 1 on any finding; training refuses such a store."""
    from lockgate.pipeline import labels as pipeline_labels
    from lockgate.release.identity import cli_identity

    settings = load_settings()
    if adopt:
        for name in pipeline_labels.adopt(settings, cli_identity()):
            click.echo(f"adopted {name}")
    files, decisions, findings = pipeline_labels.verify_store(settings)
    for finding in findings:
        click.echo(f"{finding.file}: {finding.problem}")
    if findings:
        raise click.ClickException(
            f"{len(findings)} finding(s) in {files} files; training refuses this label store"
        )
    click.echo(f"label store intact: {files} files, {decisions} decisions, each recorded")
