"""lockgate's field extraction side by side with Microsoft Presidio's AnalyzerEngine, on the same texts.

Both sides get the same generated letters (English, French, Dutch, German) as plain text and
are scored by exact span against the planted ground truth, for the entity types both support.
Presidio runs its predefined pattern recognizers over a blank spaCy pipeline (no model
download), with language "en" on every text (its recognizers are registered for English).
lockgate runs everything it does in production, as the extraction job runs it: language
detection, every field type and the registered person-name model, which reads the candidate
lines of each batch of texts in one pass; its throughput includes that extra work.
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
    name: str, texts: list[str], run: Callable[[list[str]], list[Spans]], truth: list[Spans]
) -> SideResult:
    run(texts[:1])  # warm-up: lazy imports and compiled patterns are not throughput
    started = time.process_time()
    found = run(texts)
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

    from lockgate.extraction.documents import FILES_PER_MODEL_PASS
    from lockgate.extraction.entities import extract_entities
    from lockgate.extraction.language import detect_language
    from lockgate.extraction.person_model import finder_from_bytes
    from lockgate.extraction.stopwatch import Stopwatch, stage

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    finder = finder_from_bytes(person_model[1], person_model[0]) if person_model else None

    def lockgate_text(text: str) -> Spans:
        with stage("language"):
            language, _ = detect_language(text)
        return {
            (e.start, e.end, e.type)
            for e in extract_entities(text, "body", language, finder)
            if e.valid
        }

    def lockgate_side(texts: list[str]) -> list[Spans]:
        """As the extraction job runs: the name model reads a batch's lines in one pass."""
        found = []
        for first in range(0, len(texts), FILES_PER_MODEL_PASS):
            batch = texts[first : first + FILES_PER_MODEL_PASS]
            if finder is not None:
                with stage("names.model.batch"):
                    finder.prepare(batch)
            found += [lockgate_text(text) for text in batch]
        return found

    analyzer = presidio_analyzer()
    wanted = list(SHARED_TYPES)

    def presidio_side(texts: list[str]) -> list[Spans]:
        return [
            {
                (r.start, r.end, SHARED_TYPES[r.entity_type])
                for r in analyzer.analyze(text, language="en", entities=wanted)
            }
            for text in texts
        ]

    lockgate_side(texts[:1])  # warm-up outside the stopwatch: lazy imports are no stage's cost
    with Stopwatch() as watch:
        mine = _timed("lockgate", texts, lockgate_side, truth)
    rss_after_lockgate = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    theirs = _timed("presidio", texts, presidio_side, truth)
    floor = scan_floor(texts)
    return {
        "documents": len(texts),
        "characters": sum(len(t) for t in texts),
        "lockgate": mine.as_dict()
        | {
            "peak_rss_mb_after": rss_after_lockgate // 1024,
            "stages": stage_table(watch, len(texts), mine.seconds),
        },
        "presidio": theirs.as_dict()
        | {"peak_rss_mb_after": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024},
        "speedup": round(
            mine.docs_per_second_per_core / max(theirs.docs_per_second_per_core, 1e-9), 2
        ),
        "floor": floor | {"lockgate_share": _share(mine.docs_per_second_per_core, floor)},
    }


def _share(docs_per_second: float, floor: dict) -> float | None:
    """lockgate's throughput as a fraction of the fastest scan floor measured."""
    fastest = max((f for f in floor.values() if f), default=None)
    return round(docs_per_second / fastest, 4) if fastest else None


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


def stage_markdown(result: dict) -> str:
    """`bench_letters`' stage table and scan floor, as the bench report writes them."""
    from lockgate.tooling.bench.report import extraction_stage_lines

    mine = result["lockgate"]
    return "\n".join(
        extraction_stage_lines(
            {
                "stages": mine["stages"],
                "floor": result["floor"],
                "documents": result["documents"],
                "docs_per_second_per_core": mine["docs_per_second_per_core"],
            },
            "lockgate's side",
        )
    )


def format_throughput(
    landing, limits, person_model: tuple[str, bytes] | None, per_format: int = 300
) -> dict[str, dict]:
    """Documents per second on one core for each format (`by_format`): up to `per_format` files
    of each from `landing` through `extract_batch`, in the job's batches of FILES_PER_MODEL_PASS
    files; where the CPU time of them all went (`stages`), and the scan floor of the same files
    read as text up to the longest text lockgate reads (`floor`, with lockgate's share of it)."""
    from pathlib import Path

    from lockgate.extraction.documents import FILES_PER_MODEL_PASS, extract_batch
    from lockgate.extraction.person_model import finder_from_bytes
    from lockgate.extraction.stopwatch import Stopwatch

    finder = finder_from_bytes(person_model[1], person_model[0]) if person_model else None
    by_format: dict[str, list[Path]] = {}
    for path in sorted(Path(landing).iterdir()):
        files = by_format.setdefault(path.suffix.lstrip("."), [])
        if len(files) < per_format:
            files.append(path)
    result, every, watch = {}, [], Stopwatch()
    for fmt, files in sorted(by_format.items()):
        data = [(path.name, path.read_bytes()) for path in files]
        every += data
        extract_batch(data[:1], limits, finder)  # warm-up
        with watch:
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
    seconds = sum(f["cpu_seconds"] for f in result.values())
    # A file's text as far as lockgate ever reads one (a longer text is quarantined unread).
    floor = scan_floor([payload[: limits.max_text_chars].decode("latin-1") for _, payload in every])
    mine = len(every) / seconds if seconds else 0.0
    return {
        "by_format": result,
        "documents": len(every),
        "docs_per_second_per_core": round(mine, 1),
        "stages": stage_table(watch, len(every), seconds),
        "floor": floor | {"lockgate_share": _share(mine, floor)},
    }


# The scan floor's ten patterns, one per entity type, as a plain scanner would write them: what
# reading the same text once for every type costs with nothing else done (no parsing, no
# checks, no model). A bound, not a competitor: it finds candidates, not fields.
FLOOR_PATTERNS = {
    "IBAN": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b",
    "BIC": r"\b[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b",
    "ISIN": r"\b[A-Z]{2}[A-Z0-9]{9}\d\b",
    "LEI": r"\b[A-Z0-9]{18}\d{2}\b",
    "AMOUNT": r"(?:EUR|USD|GBP|CHF|€|\$|£) ?\d[\d.,']*|\d[\d.,']* ?(?:EUR|USD|GBP|CHF|€|\$|£)",
    "DATE": r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d\d-\d\d\b",
    "REFERENCE": r"\b(?:CASE|SR|TRX|CA|REF|INV|PAY)-\d{4}-\d{4,8}\b",
    "EMAIL": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "PHONE": r"\+?\d[\d ()./-]{6,}\d",
    "PERSON": r"\b[A-Z][a-z]+ [A-Z][a-z]+\b",
}


def scan_floor(texts: list[str]) -> dict[str, float | None]:
    """Documents per second on one core of one multi-pattern pass over `texts`: Python's `re`
    (one alternation of FLOOR_PATTERNS) and Hyperscan (a database of them; None where the
    `hyperscan` package is not installed)."""
    import re

    alternation = re.compile("|".join(f"(?:{p})" for p in FLOOR_PATTERNS.values()))

    def python_re(text: str) -> int:
        return sum(1 for _ in alternation.finditer(text))

    floors: dict[str, float | None] = {"re": _docs_per_second(texts, python_re)}
    try:
        import hyperscan
    except ImportError:
        floors["hyperscan"] = None
        return floors
    database = hyperscan.Database()
    patterns = [p.encode() for p in FLOOR_PATTERNS.values()]
    database.compile(
        expressions=patterns,
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY] * len(patterns),
    )
    scratch = hyperscan.Scratch(database)
    found = [0]

    def on_match(*_) -> None:
        found[0] += 1

    floors["hyperscan"] = _docs_per_second(
        texts,
        lambda text: database.scan(
            text.encode("utf-8", "surrogatepass"), match_event_handler=on_match, scratch=scratch
        ),
    )
    return floors


def _docs_per_second(texts: list[str], scan: Callable[[str], object]) -> float:
    scan(texts[0])
    started = time.process_time()
    for text in texts:
        scan(text)
    seconds = time.process_time() - started
    return round(len(texts) / seconds, 1) if seconds else float("inf")


def stage_table(watch, documents: int, cpu_seconds: float) -> dict[str, dict]:
    """The stopwatch's stages, most costly first: CPU seconds, ms per document, share of the
    whole extraction's CPU time (nested stages count in their outer one too)."""
    return {
        name: {
            "cpu_seconds": round(seconds, 3),
            "ms_per_doc": round(1000 * seconds / documents, 3),
            "share": round(seconds / cpu_seconds, 3) if cpu_seconds else None,
            "calls": watch.calls[name],
        }
        for name, seconds in watch.seconds.most_common()
    }
