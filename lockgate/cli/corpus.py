"""`lockgate corpus` and `lockgate transactions`: generated sample correspondence with its
ground truth, and card transactions with their chargebacks, into the lake."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from lockgate.cli.params import RUN_DATE
from lockgate.config import load_settings


def _local_path(uri: str) -> Path:
    if not uri.startswith("file://"):
        raise click.ClickException(
            f"{uri} is not on the local disk; this command needs the local profile"
        )
    return Path(uri.removeprefix("file://"))


@click.command()
@click.option("--run-date", required=True, type=RUN_DATE, help="The landing folder to fill.")
@click.option(
    "--documents", default=600, show_default=True, type=click.IntRange(1), help="Documents per day."
)
@click.option("--seed", default=7, show_default=True)
@click.option("--broken-share", default=0.03, show_default=True, type=click.FloatRange(0, 1))
@click.option(
    "--days",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Consecutive days to generate, starting at RUN_DATE.",
)
@click.option(
    "--mix",
    "mix_file",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON file: departments and languages (name -> weight) and correspondents "
    "(e-mail domains) to draw from instead of the default population.",
)
@click.option(
    "--unlabelled",
    is_flag=True,
    help="Correspondence as production receives it: the answer key goes to labels/ for "
    "extraction's evaluation only, and no model learns from these days until a person or a "
    "system labels them.",
)
def corpus(
    run_date: str,
    documents: int,
    seed: int,
    broken_share: float,
    days: int,
    mix_file: str | None,
    unlabelled: bool,
) -> None:
    """Generate days of sample correspondence into landing/ and their ground truth into labels/,
    recorded in the label store as the generator's decisions (unless --unlabelled).

    A generated day replaces the old one whole, never mixed with it. On HDFS the files are
    generated locally and uploaded through WebHDFS.
    """
    from datetime import date, timedelta

    from lockgate.tooling.corpus import CorpusMix

    try:
        mix = CorpusMix.from_dict(json.loads(Path(mix_file).read_text())) if mix_file else None
    except (ValueError, TypeError) as exc:
        raise click.ClickException(f"{mix_file}: {exc}") from exc
    start = date.fromisoformat(run_date)
    for n in range(days):
        day = (start + timedelta(days=n)).isoformat()
        summary = generate_day(day, documents, seed, broken_share, mix, not unlabelled)
        click.echo(json.dumps(summary.__dict__, indent=2))


def generate_day(
    run_date: str,
    documents: int,
    seed: int = 7,
    broken_share: float = 0.03,
    mix=None,
    labelled: bool = True,
):
    """The day's generated corpus in the lake's landing and labels (copied from the machine's
    cache, generated there first when it is not yet), its answer key recorded in the label
    store as the generator's decisions when `labelled`."""
    from lockgate.pipeline.labels import record_generated_truth
    from lockgate.release.identity import cli_identity
    from lockgate.storage import Layout, upload_tree
    from lockgate.tooling.corpus import generated_day

    settings = load_settings()
    layout = Layout(settings.storage_root)
    landing_uri, labels_uri = layout.landing(run_date), layout.labels(run_date)
    with generated_day(run_date, documents, seed, broken_share, mix) as (landing, labels, summary):
        if landing_uri.startswith("file://"):
            target = _local_path(landing_uri)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(landing, target)
            shutil.copytree(labels, _local_path(labels_uri), dirs_exist_ok=True)
            summary.landing, summary.labels = str(target), str(_local_path(labels_uri))
        else:
            upload_tree(str(landing), landing_uri)
            upload_tree(str(labels), labels_uri)
            summary.landing, summary.labels = landing_uri, labels_uri
        if labelled:
            truth = labels / "ground_truth.jsonl"
            record_generated_truth(settings, run_date, truth, cli_identity())
    return summary


@click.command("transactions")
@click.option("--run-date", required=True, type=RUN_DATE, help="The first day to generate.")
@click.option(
    "--days", default=1, show_default=True, type=click.IntRange(1), help="Consecutive days."
)
@click.option(
    "--rows", default=20_000, show_default=True, type=click.IntRange(1), help="About, per day."
)
@click.option("--seed", default=7, show_default=True)
@click.option("--broken-share", default=0.002, show_default=True, type=click.FloatRange(0, 1))
@click.option(
    "--accounts", default=50_000, show_default=True, type=click.IntRange(1), help="Card holders."
)
@click.option(
    "--initial-load",
    is_flag=True,
    help="The days are the history a feed starts with, delivered at once on the last of them "
    "(a file per day), with the chargebacks reported by then; later chargebacks arrive on "
    "their own days.",
)
def transactions(
    run_date: str,
    days: int,
    rows: int,
    seed: int,
    broken_share: float,
    accounts: int,
    initial_load: bool,
) -> None:
    """Generate days of card transactions (about 0.3% fraud) into the `transactions` dataset's
    landing, and the chargebacks they bring into the `chargebacks` dataset's landing on the day
    each is reported, 10 to 60 days later. A day generated again gives the same files."""
    import tempfile

    from lockgate.storage import Layout, upload_tree
    from lockgate.tooling.transactions import days as each_day
    from lockgate.tooling.transactions import write_day

    layout = Layout(load_settings().storage_root)
    landing = layout.datasets_landing
    calendar = each_day(run_date, days)
    options = {
        "accounts": accounts,
        "merchants": max(100, accounts // 10),
        "initial_load_on": calendar[-1] if initial_load else None,
    }
    for day in calendar:
        if landing.startswith("file://"):
            summary = write_day(_local_path(landing), day, rows, seed, broken_share, **options)
        else:
            with tempfile.TemporaryDirectory() as scratch:
                summary = write_day(Path(scratch), day, rows, seed, broken_share, **options)
                for folder in sorted(p for p in Path(scratch).glob("*/*") if p.is_dir()):
                    upload_tree(str(folder), f"{landing}/{folder.parent.name}/{folder.name}")
        click.echo(json.dumps(summary.__dict__))
