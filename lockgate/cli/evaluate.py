"""`lockgate eval-extraction` and `bench-extract`: how well and how fast extraction does."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import click

from lockgate.config import load_settings


def _eval_corpus(home: Path, documents: int, seed: int, broken_share: float) -> Path:
    """A generated evaluation corpus, reused while the generator's code is unchanged."""
    import lockgate.tooling.corpus as corpus_package
    from lockgate.tooling.corpus import generate_corpus

    code = hashlib.sha256()
    for source in sorted(Path(corpus_package.__file__).parent.rglob("*.py")):
        code.update(source.read_bytes())
    root = home / "eval" / f"corpus-{documents}-{seed}-{broken_share}-{code.hexdigest()[:12]}"
    if not (root / "labels" / "ground_truth.jsonl").exists():
        click.echo(f"== generating {documents} documents into {root} (once per generator version)")
        scratch = root.with_name(root.name + ".partial")
        shutil.rmtree(scratch, ignore_errors=True)
        generate_corpus(
            scratch / "landing", scratch / "labels", "2026-01-15", documents, seed, broken_share
        )
        shutil.rmtree(root, ignore_errors=True)
        scratch.rename(root)
    return root


def _person_model(settings) -> tuple[dict, tuple[str, bytes]]:
    """The gated name model (trained and registered first if there is none) and its verified bytes."""
    from lockgate.pipeline.name_model import ensure_person_model
    from lockgate.provenance import code_version
    from lockgate.registry import fetch_verified_model

    model = ensure_person_model(settings, {"code_version": code_version(), "airflow_run_id": ""})
    data = fetch_verified_model(
        settings, model["model"], model["version"], model["artifact_sha256"]
    )
    return model, (model["version"], data)


def _write_figures(path: Path, figures: dict) -> None:
    from lockgate.storage import write_json_atomic

    write_json_atomic(path.resolve().as_uri(), figures)
    click.echo(f"figures: {path}")


@click.command("eval-extraction")
@click.option("--documents", default=20_000, show_default=True, type=click.IntRange(20))
@click.option("--seed", default=101, show_default=True, help="Corpus seed (training uses others).")
@click.option("--broken-share", default=0.06, show_default=True, type=click.FloatRange(0, 1))
@click.option("--workers", default=os.cpu_count() or 1, show_default=True, type=click.IntRange(1))
@click.option(
    "--corpus",
    "which",
    type=click.Choice(["both", "generated", "real-world"]),
    default="both",
    show_default=True,
    help="The generated corpus, the real-world one (tests/data/realworld), or both.",
)
@click.option(
    "--real-world",
    "real_world",
    type=click.Path(file_okay=False, path_type=Path),
    help="A real-world corpus folder (manifest.jsonl, labels.jsonl, files/); "
    "default: tests/data/realworld of this checkout.",
)
@click.option(
    "--reviewed",
    is_flag=True,
    help="Only the documents of LOCKGATE_HOME whose fields reviewers confirmed or corrected.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the figures here (default: under LOCKGATE_HOME/eval).",
)
def eval_extraction(
    documents: int,
    seed: int,
    broken_share: float,
    workers: int,
    which: str,
    real_world: Path | None,
    reviewed: bool,
    json_path: Path | None,
) -> None:
    """Precision, recall and F1 per field type: against a generated corpus's ground truth, and
    on real messages and PDFs that lockgate did not write (labelled by hand), in two tables.

    Uses the registered person-name model (trained and registered first if there is none).
    Exits 1 when a target is missed. With --reviewed, the documents whose fields reviewers
    confirmed or corrected instead, with no target (they are the bank's own, and few).
    """
    from rich.console import Console

    from lockgate.extraction.parsed import Limits
    from lockgate.tooling.evaluation.extraction import evaluate
    from lockgate.tooling.evaluation.realworld import default_corpus, evaluate_real_world

    settings = load_settings()
    limits = Limits.of(settings.policy.extraction)
    model, person_model = _person_model(settings)
    click.echo(f"== person model {model['model']} v{model['version']} {model['metrics']}")
    console, figures, missed = Console(width=110), {"person_model": model}, []
    if reviewed:
        from lockgate.tooling.evaluation.reviewed import evaluate_reviewed

        found = evaluate_reviewed(settings, limits, person_model)
        console.print(found.table())
        for gone in found.unavailable:
            click.echo(f"not scored: {gone['doc_id']}: {gone['reason']}")
        _write_figures(
            json_path or settings.home / "eval" / "extraction-reviewed.json",
            figures | {"reviewed": found.as_dict()},
        )
        return
    if which in ("both", "generated"):
        root = _eval_corpus(settings.home, documents, seed, broken_share)
        report = evaluate(root / "landing", root / "labels", limits, workers, person_model)
        console.print(report.table())
        figures |= report.as_dict() | {"corpus": str(root)}
        missed += [f"generated: {m}" for m in report.shortfalls()]
    if which in ("both", "real-world"):
        corpus = real_world or default_corpus()
        click.echo(f"== real-world corpus {corpus} (its sources and licences: SOURCES.md)")
        real = evaluate_real_world(corpus, limits, workers, person_model)
        console.print(real.table())
        figures["real_world"] = real.as_dict() | {"corpus": str(corpus)}
        missed += [f"real-world: {m}" for m in real.shortfalls()]
    _write_figures(
        json_path or settings.home / "eval" / f"extraction-{documents}-{seed}.json", figures
    )
    if missed:
        raise click.ClickException("targets missed: " + "; ".join(missed))


@click.command("bench-extract")
@click.option("--documents", default=2_000, show_default=True, type=click.IntRange(10))
@click.option("--seed", default=202, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path))
def bench_extract(documents: int, seed: int, json_path: Path | None) -> None:
    """lockgate's extractor vs Presidio's AnalyzerEngine on the same letters: docs/s/core and F1."""
    from rich.console import Console

    from lockgate.tooling.bench.extraction import bench_letters, bench_table, stage_markdown

    settings = load_settings()
    _, person_model = _person_model(settings)
    result = bench_letters(documents, seed, person_model)
    Console(width=110).print(bench_table(result))
    click.echo(stage_markdown(result))
    _write_figures(
        json_path or settings.home / "eval" / f"bench-extract-{documents}-{seed}.json", result
    )
