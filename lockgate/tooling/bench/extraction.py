"""lockgate's field extraction side by side with Microsoft Presidio's AnalyzerEngine, on the same texts.

Both sides get the same generated letters (English, French, Dutch, German) as plain text and
are scored by exact span against the planted ground truth, for the entity types both support.
Presidio runs its predefined pattern recognizers over a blank spaCy pipeline (no model
download), with language "en" on every text (its recognizers are registered for English).
lockgate runs everything it does in production: language detection, every field type and
the registered person-name model; its throughput includes that extra work.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from lockgate.tooling.evaluation.extraction import FieldScore

# Presidio entity → lockgate entity, for the types both extract.
SHARED_TYPES = {
    "IBAN_CODE": "IBAN",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "DATE_TIME": "DATE",
}

Spans = set[tuple[int, int, str]]


@dataclass
class SideResult:
    name: str
    seconds: float
    documents: int
    fields: dict[str, FieldScore]

    @property
    def docs_per_second_per_core(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "docs_per_second_per_core": round(self.docs_per_second_per_core, 1),
            "cpu_seconds": round(self.seconds, 2),
            "fields": {k: v.as_dict() for k, v in sorted(self.fields.items())},
        }


def _score(truth: list[Spans], found: list[Spans]) -> dict[str, FieldScore]:
    scores = {kind: FieldScore() for kind in SHARED_TYPES.values()}
    for gold, mine in zip(truth, found, strict=True):
        for kind, score in scores.items():
            g = {s for s in gold if s[2] == kind}
            m = {s for s in mine if s[2] == kind}
            score.true_positives += len(g & m)
            score.false_positives += len(m - g)
            score.false_negatives += len(g - m)
    return scores


def _timed(
    name: str, texts: list[str], run: Callable[[str], Spans], truth: list[Spans]
) -> SideResult:
    run(texts[0])  # warm-up: lazy imports and compiled patterns are not throughput
    started = time.process_time()
    found = [run(text) for text in texts]
    seconds = time.process_time() - started
    return SideResult(name, seconds, len(texts), _score(truth, found))


def presidio_analyzer():
    """Presidio's AnalyzerEngine with its pattern recognizers over a blank spaCy 'en' pipeline."""
    import spacy
    import tldextract
    import tldextract.tldextract as tld_module
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # The e-mail recognizer asks tldextract for the public suffix list; use its bundled copy.
    tld_module.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    blank = tempfile.mkdtemp(prefix="lockgate-presidio-")
    spacy.blank("en").to_disk(blank)
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": blank}]}
    engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def run_bench(texts: list[str], truth: list[Spans], person_model: tuple[str, bytes] | None) -> dict:
    """Both sides on the same texts, one after the other in this process (one core each)."""
    import logging

    from lockgate.extraction.entities import extract_entities
    from lockgate.extraction.language import detect_language
    from lockgate.extraction.person_model import finder_from_bytes

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    finder = finder_from_bytes(person_model[1], person_model[0]) if person_model else None

    def lockgate_side(text: str) -> Spans:
        language, _ = detect_language(text)
        return {
            (e.start, e.end, e.type)
            for e in extract_entities(text, "body", language, finder)
            if e.valid
        }

    analyzer = presidio_analyzer()
    wanted = list(SHARED_TYPES)

    def presidio_side(text: str) -> Spans:
        return {
            (r.start, r.end, SHARED_TYPES[r.entity_type])
            for r in analyzer.analyze(text, language="en", entities=wanted)
        }

    mine = _timed("lockgate", texts, lockgate_side, truth)
    rss_after_lockgate = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    theirs = _timed("presidio", texts, presidio_side, truth)
    return {
        "documents": len(texts),
        "characters": sum(len(t) for t in texts),
        "lockgate": mine.as_dict() | {"peak_rss_mb_after": rss_after_lockgate // 1024},
        "presidio": theirs.as_dict()
        | {"peak_rss_mb_after": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024},
        "speedup": round(
            mine.docs_per_second_per_core / max(theirs.docs_per_second_per_core, 1e-9), 2
        ),
    }


def bench_letters(count: int, seed: int, person_model: tuple[str, bytes] | None) -> dict:
    """`run_bench` on `count` generated letters, scored on the types both sides extract."""
    from lockgate.tooling.corpus.compose import labelled_texts

    shared = set(SHARED_TYPES.values())
    letters = labelled_texts(count, seed)
    return run_bench(
        [text for _, text, _ in letters],
        [{s for s in spans if s[2] in shared} for *_, spans in letters],
        person_model,
    )


def bench_table(result: dict):
    from rich.table import Table

    table = Table(
        title=f"lockgate vs Presidio AnalyzerEngine: {result['documents']} letters "
        f"({result['characters']:,} characters), exact spans"
    )
    for column in ("", "lockgate", "presidio"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_row(
        "docs/s per core",
        f"{result['lockgate']['docs_per_second_per_core']:.1f}",
        f"{result['presidio']['docs_per_second_per_core']:.1f}",
    )
    for kind in sorted(SHARED_TYPES.values()):
        mine, theirs = result["lockgate"]["fields"][kind], result["presidio"]["fields"][kind]
        for metric in ("precision", "recall", "f1"):
            table.add_row(f"{kind} {metric}", f"{mine[metric]:.4f}", f"{theirs[metric]:.4f}")
    return table


def format_throughput(
    landing, limits, person_model: tuple[str, bytes] | None, per_format: int = 300
) -> dict[str, dict]:
    """Documents per second on one core for each format: up to `per_format` files of each from
    `landing` through `extract_batch`, in the job's batches of FILES_PER_MODEL_PASS files."""
    from pathlib import Path

    from lockgate.extraction.documents import FILES_PER_MODEL_PASS, extract_batch
    from lockgate.extraction.person_model import finder_from_bytes

    finder = finder_from_bytes(person_model[1], person_model[0]) if person_model else None
    by_format: dict[str, list[Path]] = {}
    for path in sorted(Path(landing).iterdir()):
        files = by_format.setdefault(path.suffix.lstrip("."), [])
        if len(files) < per_format:
            files.append(path)
    result = {}
    for fmt, files in sorted(by_format.items()):
        data = [(path.name, path.read_bytes()) for path in files]
        extract_batch(data[:1], limits, finder)  # warm-up
        started = time.process_time()
        rows = [
            row
            for first in range(0, len(data), FILES_PER_MODEL_PASS)
            for row in extract_batch(data[first : first + FILES_PER_MODEL_PASS], limits, finder)
        ]
        seconds = time.process_time() - started
        quarantined = sum(
            r["parent_doc_id"] is None and r["quarantine_reason"] is not None for r in rows
        )
        result[fmt] = {
            "files": len(data),
            "quarantined": quarantined,
            "mean_kb": round(sum(len(p) for _, p in data) / len(data) / 1024, 1),
            "cpu_seconds": round(seconds, 2),
            "docs_per_second_per_core": round(len(data) / seconds, 1) if seconds else None,
        }
    return result
