"""Arguments checked before anything starts: a bad one is one line naming what was wrong and
what is allowed, never a traceback from deep inside (Spark, MLflow, the lake)."""

from __future__ import annotations

import re
from datetime import date

import click

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class RunDate(click.ParamType):
    """A calendar date written YYYY-MM-DD, kept as that string."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        text = str(value)
        try:
            if not _DAY.fullmatch(text):
                raise ValueError("not written YYYY-MM-DD")
            date.fromisoformat(text)
        except ValueError as exc:
            self.fail(
                f"{text!r} is not a date ({exc}); give YYYY-MM-DD, e.g. 2026-11-20", param, ctx
            )
        return text


RUN_DATE = RunDate()


def date_range(first: str, last: str) -> None:
    if first > last:
        raise click.BadParameter(f"--from {first} is after --to {last}", param_hint="--from")


def registered_version(settings, model: str, version: str):
    """The registry's record of MODEL VERSION, or one line saying which versions exist."""
    from mlflow.exceptions import MlflowException

    from lockgate.registry import get_version, list_versions

    try:
        return get_version(settings, model, version)
    except MlflowException:
        known = sorted({f"{v['name']} {v['version']}" for v in list_versions(settings)})
        raise click.ClickException(
            f"no version {version!r} of model {model!r} in the registry; registered: "
            f"{', '.join(known) or 'none (run the pipeline first)'}"
        ) from None
