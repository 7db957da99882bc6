"""`lockgate review queue | next | decide`: the review queue from the command line, the twin of
the UI's Review page."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import click

from lockgate.config import load_settings

_MODEL = click.option("--model", required=True, help="The model whose queue it is (routing...).")
_ENV = click.option(
    "--env", "environment", default=None, help="Whose scores (default: the home's environment)."
)


def _context(environment: str | None):
    from lockgate.release.identity import cli_identity

    settings = load_settings()
    return settings, environment or settings.environment, cli_identity()


@contextmanager
def _refusals():
    """A refusal of the review queue (no role, no such model or document) as a CLI error."""
    from lockgate.pipeline.review import ReviewRefused

    try:
        yield
    except ReviewRefused as refused:
        raise click.ClickException(str(refused)) from refused


def _classes(item) -> str:
    return ", ".join(f"{c['label']} {c['probability']:.3f}" for c in item.top_classes)


@click.group("review")
def review() -> None:
    """Documents a model sent to manual review, decided by people with the reviewer role."""


def _listing(name: str):
    """A `review` command reading a model's queue: --model, --env and --json."""

    def command(function):
        for option in (click.option("--json", "as_json", is_flag=True), _ENV, _MODEL):
            function = option(function)
        return review.command(name)(function)

    return command


@_listing("queue")
def review_queue(model: str, environment: str | None, as_json: bool) -> None:
    """The undecided manual-review documents, oldest first (ids and scores, no content)."""
    from lockgate.pipeline.review import queue

    settings, environment, _ = _context(environment)
    items = queue(settings, environment, model)
    if as_json:
        click.echo(json.dumps([asdict(i) for i in items], indent=2))
        return
    click.echo(f"{len(items)} {model} documents to review in {environment}")
    for item in items:
        click.echo(f"  {item.run_date}  {item.doc_id[:16]}  {_classes(item)}")


@_listing("next")
def review_next(model: str, environment: str | None, as_json: bool) -> None:
    """The oldest undecided document with its masked text and fields (reviewers only; audited)."""
    from lockgate.pipeline.review import next_document

    settings, environment, who = _context(environment)
    with _refusals():
        document = next_document(settings, environment, model, who)
    if document is None:
        click.echo(f"the {model} queue in {environment} is empty")
        return
    if as_json:
        click.echo(json.dumps(asdict(document), indent=2))
        return
    item = document.item
    click.echo(f"document {item.doc_id} ({document.format}, {document.language}), {item.run_date}")
    click.echo(f"{model} v{item.model_version} ({item.release_id}): {_classes(item)}")
    for found in document.fields:
        click.echo(f"  {found['type']:<9} {found['value']!r}")
    click.echo("")
    click.echo(document.masked_text)
    click.echo("")
    click.echo(f"decide: lockgate review decide {item.doc_id} --model {model} --label <label>")


@review.command("decide")
@click.argument("doc_id")
@_MODEL
@click.option("--label", required=True, help="The right label for the document.")
@_ENV
def review_decide(doc_id: str, model: str, label: str, environment: str | None) -> None:
    """Record the right label of DOC_ID (reviewers only; audited)."""
    from lockgate.pipeline.review import decide

    settings, environment, who = _context(environment)
    with _refusals():
        decision = decide(settings, environment, model, doc_id, label, who)
    click.echo(
        f"{decision.label_column} of {doc_id[:16]} is {label}, decided by {who} "
        f"(answers {decision.answers_release})"
    )


@review.command("export-label-studio")
@_MODEL
@_ENV
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A new folder for tasks.json and config.xml.",
)
def review_export(model: str, environment: str | None, out: Path) -> None:
    """The queue as Label Studio tasks (reviewers only; audited): OUT/tasks.json to import into
    a project whose labelling config is OUT/config.xml. The files hold document text: they are
    readable by you alone."""
    from lockgate.pipeline.review import export_label_studio

    settings, environment, who = _context(environment)
    with _refusals():
        tasks, config = export_label_studio(settings, environment, model, who)
    try:
        out.mkdir(mode=0o700, parents=True)
    except FileExistsError as exists:
        raise click.ClickException(f"{out} exists; name a new folder") from exists
    for name, text in (("tasks.json", json.dumps(tasks, indent=2)), ("config.xml", config)):
        descriptor = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
    click.echo(f"{len(tasks)} {model} tasks for Label Studio: {out / 'tasks.json'} (config.xml)")


def feedback_lines(found: dict) -> list[str]:
    """A model's feedback (`pipeline.review.feedback`) as lines: the totals, then per day."""

    def percent(value) -> str:
        return "-" if value is None else f"{value:.1%}"

    total = found["total"]
    lines = [
        f"{found['model']} in {found['environment']}, {found['from']}..{found['to']}: "
        f"{total['scored']} scored, automation {percent(total['automation_rate'])}; "
        f"queue {total['waiting']}"
        + (f" (oldest {found['oldest_waiting']})" if found["oldest_waiting"] else "")
        + f"; agreement {percent(total['agreement'])} of {total['reviewed']} reviewed; "
        f"corrected {total['corrected']} of {total['auto']} decided automatically "
        f"({percent(total['correction_rate'])})",
        f"   {'run_date':10s} {'scored':>7s} {'auto':>7s} {'waiting':>7s} {'reviewed':>8s} "
        f"{'agreed':>7s} {'corrected':>9s}",
    ]
    lines += [
        f"   {d['run_date']:10s} {d['scored']:7d} {d['auto']:7d} {d['waiting']:7d} "
        f"{d['reviewed']:8d} {d['agreed']:7d} {d['corrected']:9d}"
        for d in found["days"]
    ]
    return lines


@review.command("metrics")
@_MODEL
@_ENV
@click.option("--days", default=7, show_default=True, help="Days up to the latest scored one.")
@click.option("--json", "as_json", is_flag=True)
def review_metrics(model: str, environment: str | None, days: int, as_json: bool) -> None:
    """What people made of the model's scores: automation rate, queue size and age, agreement
    with reviewers, and the automatically decided documents people labelled otherwise."""
    from lockgate.pipeline.review import recent_feedback

    settings, environment, _ = _context(environment)
    with _refusals():
        found = recent_feedback(settings, environment, model, days)
    if found is None:
        raise click.ClickException(f"{model} scored nothing in {environment}")
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for line in feedback_lines(found):
        click.echo(line)


@review.command("fields")
@click.argument("doc_id")
@_MODEL
@click.option(
    "--set",
    "corrections",
    multiple=True,
    metavar="TYPE=VALUE[,VALUE]",
    help="The right normalised values of a field type (none after '=': the document has none).",
)
@click.option(
    "--confirm",
    multiple=True,
    metavar="TYPE",
    help="What extraction found of this type is right.",
)
@_ENV
def review_fields(
    doc_id: str,
    model: str,
    corrections: tuple[str, ...],
    confirm: tuple[str, ...],
    environment: str | None,
) -> None:
    """Confirm or correct the extracted fields of DOC_ID (reviewers only; audited): they become
    field labels that `lockgate eval-extraction --reviewed` scores the extractor on."""
    from lockgate.pipeline.review import correct_fields, open_document

    settings, environment, who = _context(environment)
    fields: dict[str, list[str]] = {}
    for given in corrections:
        kind, equals, values = given.partition("=")
        if not equals:
            raise click.BadParameter(f"{given!r}: write TYPE=VALUE[,VALUE]", param_hint="--set")
        fields[kind.strip().upper()] = values.split(",") if values else []
    with _refusals():
        if confirm:
            found = open_document(settings, environment, model, doc_id, who).fields
            for kind in confirm:
                kind = kind.strip().upper()
                fields[kind] = [f["normalized"] for f in found if f["type"] == kind and f["valid"]]
        decisions = correct_fields(settings, environment, model, doc_id, fields, who)
    for decision in decisions:
        click.echo(f"{decision.label_column} of {doc_id[:16]}: {decision.value}")
