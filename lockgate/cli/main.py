"""`lockgate`: the command line. Each group of commands lives in a module of its own; this one
gathers them."""

from __future__ import annotations

import sys

import click

from lockgate.cli import (
    bench,
    changes,
    cluster,
    corpus,
    demo,
    evaluate,
    extract,
    labels,
    models,
    monitor,
    review,
    runtime,
    status,
)


@click.group()
def cli() -> None:
    """lockgate: batch ML for inbound correspondence, with change-managed model releases."""


for command in (
    corpus.corpus,
    corpus.transactions,
    demo.demo,
    runtime.airflow,
    runtime.spark_server,
    status.status,
    status.verify,
    status.audit,
    cluster.cluster,
    extract.extract,
    extract.quarantine,
    evaluate.eval_extraction,
    evaluate.bench_extract,
    labels.labels,
    review.review,
    models.models,
    models.model_card,
    models.reproduce,
    changes.change,
    changes.history,
    monitor.monitor,
    bench.bench,
):
    cli.add_command(command)


def main() -> None:
    from lockgate.config import ConfigError
    from lockgate.config.secrets import UnsafeSecret

    try:
        cli()
    except (ConfigError, UnsafeSecret) as exc:  # a setting or a secret that cannot be used
        click.echo(f"lockgate: {exc}", err=True)
        sys.exit(2)
