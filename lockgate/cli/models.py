"""`lockgate models | model-card | reproduce`: what data scientists and approvers ask of models."""

from __future__ import annotations

import json
import sys

import click

from lockgate.cli.params import registered_version
from lockgate.config import load_settings


@click.command("models")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def models(as_json: bool) -> None:
    """The registered models: built in (lockgate/models/) and installed plug-ins."""
    from dataclasses import asdict

    from lockgate.models import registered_models

    policy = load_settings().policy
    listing = {
        name: {
            "description": spec.description,
            "label": spec.label,
            "inputs": list(spec.inputs),
            "search_space": {k: list(v) for k, v in spec.search_space.items()},
            "gate": asdict(policy.gate_for(spec)),
            "module": spec.featurizer.__module__,
        }
        for name, spec in registered_models().items()
    }
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    for name, entry in listing.items():
        click.echo(
            f"{name:12s} {entry['description']}\n{'':12s} label {entry['label']}, "
            f"inputs {', '.join(entry['inputs'])}; gate {entry['gate']} ({entry['module']})"
        )


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
