"""`lockgate models | model-card | reproduce`: what data scientists and approvers ask of models."""

from __future__ import annotations

import json
import sys

import click

from lockgate.cli.params import registered_version
from lockgate.config import load_settings


@click.command("models")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--check",
    is_flag=True,
    help="Also build each model's estimator and featurizer and check them against the protocol "
    "(inputs the table offers, a classifier with predict_proba, the search space); exit 1 on "
    "any problem or skipped module.",
)
def models(as_json: bool, check: bool) -> None:
    """The registered models (built in, lockgate/models/, and installed plug-ins), the
    datasets (lockgate/datasets/ and plug-ins) with the columns each offers, the document
    table's inputs, and the model and dataset modules skipped as broken."""
    from dataclasses import asdict

    from lockgate import datasets
    from lockgate.models import DOCUMENT_COLUMNS, check_model, discover

    policy = load_settings().policy
    specs, broken = discover()
    tables, broken_tables = datasets.discover()
    broken = [*broken, *broken_tables]
    offered = {
        name: {
            "description": spec.description,
            "format": spec.landing_format,
            "key": list(spec.key),
            "event_time": spec.event_time,
            "columns": {c.name: c.type for c in spec.columns},
        }
        for name, spec in tables.items()
    }
    listing = {
        name: {
            "description": spec.description,
            "label": spec.label,
            "inputs": list(spec.inputs),
            **spec.data(),
            "search_space": {k: list(v) for k, v in spec.search_space.items()},
            "gate": asdict(policy.gate_for(spec)),
            "module": spec.featurizer.__module__,
        }
        | ({"problems": check_model(spec)} if check else {})
        for name, spec in specs.items()
    }
    skipped = [asdict(b) for b in broken]
    failed = bool(skipped) or any(entry.get("problems") for entry in listing.values())
    if as_json:
        click.echo(
            json.dumps(
                {
                    "models": listing,
                    "skipped": skipped,
                    "document_table": list(DOCUMENT_COLUMNS),
                    "datasets": offered,
                },
                indent=2,
            )
        )
    else:
        for name, entry in listing.items():
            click.echo(
                f"{name:12s} {entry['description']}\n{'':12s} dataset {entry['dataset']}, "
                f"label {entry['label']}, inputs {', '.join(entry['inputs'])}; gate "
                f"{entry['gate']} ({entry['module']})"
            )
            if entry["label_definition"]:
                click.echo(f"{'':12s} label: {entry['label_definition']}")
            for feature in entry["features"]:
                click.echo(f"{'':12s} feature {feature}")
            for problem in entry.get("problems", []):
                click.echo(f"{'':12s} PROBLEM: {problem}")
            if check and not entry["problems"]:
                click.echo(f"{'':12s} checked: follows the protocol")
        for b in skipped:
            click.echo(f"SKIPPED      {b['source']}: {b['problem']}")
        click.echo(f"The document table offers: {', '.join(DOCUMENT_COLUMNS)}")
        for name, table in offered.items():
            columns = ", ".join(f"{c} ({t})" for c, t in table["columns"].items())
            click.echo(
                f"Dataset {name} ({table['format']}, key {', '.join(table['key'])}, event time "
                f"{table['event_time']}): {table['description']}\n{'':12s} offers {columns}"
            )
    if check and failed:
        sys.exit(1)


@click.command("model-card")
@click.argument("model")
@click.argument("version")
def model_card(model: str, version: str) -> None:
    """Print the model card registered with MODEL VERSION (Markdown)."""
    from lockgate.registry import model_card as card

    settings = load_settings()
    registered_version(settings, model, version)
    click.echo(card(settings, model, version))


@click.command("reproduce")
@click.argument("model")
@click.argument("version")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def reproduce(model: str, version: str, as_json: bool) -> None:
    """Retrain MODEL VERSION from its recorded snapshot, parameters and seed; exit 1 unless the
    new model's sha256 equals the registered one."""
    from lockgate.pipeline.training import reproduce_version
    from lockgate.spark import build_session

    settings = load_settings()
    registered_version(settings, model, version)  # before Spark starts
    spark = build_session(f"lockgate-reproduce-{model}-{version}", master="local[*]")
    try:
        report = reproduce_version(spark, settings, model, version)
    finally:
        spark.stop()
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(
            f"{model} v{version}: snapshot {report['snapshot_digest'][:16]}, params "
            f"{report['params']}, seed {report['seed']}\n"
            f"  recorded   sha256 {report['recorded_sha256']} (code {report['recorded_code_version']})\n"
            f"  reproduced sha256 {report['reproduced_sha256']} (code {report['current_code_version']})\n"
            f"  {'MATCH: the same bytes' if report['match'] else 'MISMATCH: the retrained model differs'}"
        )
    if not report["match"]:
        sys.exit(1)
