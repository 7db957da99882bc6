"""`lockgate extract`: the rows the extraction job would write for files on the local disk."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lockgate.cli.params import RUN_DATE
from lockgate.config import load_settings


def _finder(settings):
    """The released name model of LOCKGATE_HOME, or None (names from signature blocks only)."""
    from lockgate.extraction.person_model import MODEL_NAME, finder_from_bytes
    from lockgate.pipeline.extraction import released_person_model

    try:
        released = released_person_model(settings)
    except Exception as exc:  # noqa: BLE001 - a registry we cannot reach: say so, extract anyway
        click.echo(
            f"no {MODEL_NAME} from the registry ({type(exc).__name__}: {exc}); "
            "names come from signature blocks only",
            err=True,
        )
        return None
    if released is None:
        click.echo(
            f"no released {MODEL_NAME} in {settings.home}: names come from signature blocks only",
            err=True,
        )
        return None
    version, data = released
    return finder_from_bytes(data, version)


def _describe(path: Path, rows: list[dict]) -> list[str]:
    lines = []
    for row in rows:
        name = str(path) if row["parent_doc_id"] is None else f"  {row['source_file']}"
        if row["quarantine_reason"]:
            lines.append(
                f"{name}: quarantined, {row['quarantine_reason']}: {row['quarantine_detail']}"
            )
            continue
        defects = f", defects {', '.join(row['defects'])}" if row["defects"] else ""
        lines.append(
            f"{name}: {row['format']}, language {row['language']}, "
            f"{row['text_chars']} characters{defects}"
        )
        for e in row["entities"]:
            value = e["value"].replace("\n", " ")
            verdict = e["normalized"] if e["valid"] else "rejected (fails its check)"
            lines.append(f"    {e['type']:<9} {value!r:<40} -> {verdict}  [{e['source']}]")
    return lines


@click.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON line per file: {path, rows}, the rows as the job writes them.",
)
def extract(paths: tuple[Path, ...], as_json: bool) -> None:
    """What lockgate sees in FILES or FOLDERS: per file, the rows the extraction job would write
    (its own row, its attachments' rows, or its quarantine row), with the released name model of
    LOCKGATE_HOME when there is one. Exit 1 if a path cannot be read."""
    from lockgate.extraction.local import extract_files, files_under
    from lockgate.extraction.parsed import Limits

    settings = load_settings()
    try:
        files = files_under(paths)
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    finder = _finder(settings)
    try:
        for path, rows in extract_files(files, Limits.of(settings.policy.extraction), finder):
            if as_json:
                click.echo(json.dumps({"path": str(path), "rows": rows}, ensure_ascii=False))
            else:
                click.echo("\n".join(_describe(path, rows)))
    except OSError as exc:
        raise click.ClickException(f"cannot read {exc.filename}: {exc.strerror}") from exc


@click.command("quarantine")
@click.option("--run-date", required=True, type=RUN_DATE)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def quarantine(run_date: str, as_json: bool) -> None:
    """The run's quarantine report: counts by reason, then every file with its reason and detail."""
    from rich.console import Console
    from rich.table import Table

    from lockgate.storage import Layout, read_json, uri_exists
    from lockgate.storage.files import read_parquet

    layout = Layout(load_settings().storage_root)
    if not uri_exists(layout.extraction_manifest(run_date)):
        raise click.ClickException(f"no extraction run for {run_date} in {layout.root}")
    manifest = read_json(layout.extraction_manifest(run_date))
    columns = [
        "source_file",
        "parent_doc_id",
        "quarantine_reason",
        "quarantine_detail",
        "size_bytes",
    ]
    frame = read_parquet(f"{layout.quarantine}/{Layout.partition(run_date)}", columns=columns)
    rows = frame.sort_values(["quarantine_reason", "source_file"]).to_dict("records")
    if as_json:
        click.echo(json.dumps({"manifest": manifest, "files": rows}, indent=2, default=str))
        return
    click.echo(
        f"run {run_date}: received {manifest['received']}, parsed {manifest['parsed']}, "
        f"duplicates {manifest['duplicates']}, quarantined {manifest['quarantined']}; "
        f"attachments {manifest.get('attachments', {})}"
    )
    table = Table(title=f"quarantine {run_date}")
    for column in ("reason", "file", "bytes", "detail"):
        table.add_column(column)
    for row in rows:
        name = row["source_file"] + ("" if row["parent_doc_id"] is None else " (attachment)")
        table.add_row(
            row["quarantine_reason"],
            name,
            str(row["size_bytes"]),
            str(row["quarantine_detail"])[:80],
        )
    Console(width=160).print(table)
