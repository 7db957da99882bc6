"""A day of generated correspondence from the machine's cache (`lockgate.storage.cache`): the
generator is deterministic for its arguments, so every home that asks for the same day (the
demo's, the cluster's, a second `make demo`) copies it instead of writing it again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from lockgate.storage.cache import cached
from lockgate.tooling.corpus.compose import CorpusMix
from lockgate.tooling.corpus.generator import CorpusSummary, generate_corpus


@contextmanager
def generated_day(
    run_date: str,
    documents: int,
    seed: int = 7,
    broken_share: float = 0.03,
    mix: CorpusMix | None = None,
) -> Iterator[tuple[Path, Path, CorpusSummary]]:
    """The day's landing and labels folders (read them inside the `with`, never write to them)
    and its summary, as `generate_corpus` would write and return them."""
    mix = mix or CorpusMix()
    inputs = {
        "run_date": run_date,
        "documents": documents,
        "seed": seed,
        "broken_share": broken_share,
        "mix": asdict(mix),
    }

    def build(out: Path) -> None:
        summary = generate_corpus(
            out / "landing", out / "labels", run_date, documents, seed, broken_share, mix
        )
        (out / "summary.json").write_text(json.dumps(asdict(summary), sort_keys=True))

    with cached("corpus", json.loads(json.dumps(inputs)), build) as entry:
        summary = CorpusSummary(**json.loads((entry / "summary.json").read_text()))
        yield entry / "landing", entry / "labels", summary
