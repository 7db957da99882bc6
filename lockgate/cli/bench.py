"""`lockgate bench`: speed and memory beside the alternatives (see `lockgate.tooling.bench`)."""

from __future__ import annotations

from pathlib import Path

import click

from lockgate.tooling.bench import PARTS


def _ints(_ctx, _param, value: str) -> list[int]:
    try:
        sizes = sorted({int(v.replace("_", "")) for v in value.split(",") if v.strip()})
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: comma-separated document counts") from exc
    if not sizes or sizes[0] < 100:
        raise click.BadParameter("sizes are document counts of at least 100")
    return sizes


@click.command("bench")
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    callback=_ints,
    help="Document counts the pipeline DAG runs at.",
)
@click.option(
    "--score-rows",
    default=500_000,
    show_default=True,
    type=click.IntRange(1000),
    help="Rows every scorer scores.",
)
@click.option(
    "--fraud-rows",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(1000),
    help="Transactions of the day the fraud part ingests and scores.",
)
@click.option("--repeats", default=3, show_default=True, type=click.IntRange(1))
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(PARTS),
    help="Run only these parts (repeatable); by default all of them, and on the "
    "cluster profile all but scale.",
)
@click.option("--presidio-letters", default=1000, show_default=True, type=click.IntRange(0))
@click.option(
    "--home",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A home with a release in test (make demo's) for extraction and scoring, "
    "instead of the smallest scale home.",
)
@click.option(
    "--run-date",
    default="2026-11-20",
    show_default=True,
    help="The day extraction and scoring read.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where figures and the bench homes go [default: $LOCKGATE_HOME/bench, "
    "and $LOCKGATE_HOME/bench/yarn on the cluster profile].",
)
@click.option(
    "--with",
    "earlier",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An earlier bench-*.json whose scale runs of other sizes join the growth fit "
    "(same code and machine only; repeatable).",
)
def bench(
    sizes: list[int],
    score_rows: int,
    fraud_rows: int,
    repeats: int,
    only: tuple[str, ...],
    presidio_letters: int,
    home: Path | None,
    run_date: str,
    out: Path | None,
    earlier: tuple[Path, ...],
) -> None:
    """Benchmarks: DAG parse times, the pipeline at each size, extraction and scoring side by
    side with their peers. Prints the figures; exits 1 only if the scorers disagree.

    On the cluster profile (`make demo PROFILE=yarn` first) the scorers' Spark sides run on
    YARN executors over HDFS; the scale part builds local homes and runs on the local profile."""
    from lockgate.config import load_settings
    from lockgate.tooling.bench import disagreements, run_bench

    settings = load_settings()
    on_cluster = not settings.storage_root.startswith("file://")
    if on_cluster:
        from lockgate.cluster import cluster_problems

        down = cluster_problems(settings)
        if down:
            raise click.ClickException(
                f"the {settings.profile} profile's cluster is not "
                f"ready: {'; '.join(down)} (`make cluster-up` starts "
                "it)"
            )
    parts = list(only or [p for p in PARTS if not (on_cluster and p in ("scale", "fraud"))])
    out = (out or settings.home / "bench" / ("yarn" if on_cluster else "")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    figures = run_bench(
        parts,
        sizes,
        score_rows,
        repeats,
        out,
        run_date=run_date,
        presidio_letters=presidio_letters,
        fraud_rows=fraud_rows,
        home=home.resolve() if home else None,
        earlier=list(earlier),
        say=click.echo,
    )
    click.echo("")
    click.echo(Path(figures["markdown"]).read_text(encoding="utf-8"))
    click.echo(f"figures: {figures['markdown']} and {out / 'latest.json'}")
    differ = disagreements(figures)
    if differ:
        raise click.ClickException("the scorers disagree: " + "; ".join(differ))
