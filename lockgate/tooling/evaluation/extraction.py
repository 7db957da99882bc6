"""Score the extractor against a generated corpus's ground truth (precision, recall, F1 per field).

Runs the same `extract_records` the Spark job runs, in a local process pool, one received
file at a time. A field counts as found when a valid entity of the same type and normalised
value is on the file's top-level row (multiset match, so two planted IBANs need two found).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lockgate.extraction.documents import Limits, extract_records
from lockgate.extraction.entities import ENTITY_TYPES

# What an operations team was promised (issue 4), per field type and for language detection.
TARGETS = {
    "IBAN": 0.99,
    "ISIN": 0.99,
    "LEI": 0.99,
    "EMAIL": 0.99,
    "BIC": 0.97,
    "AMOUNT": 0.97,
    "DATE": 0.97,
    "PHONE": 0.97,
    "REFERENCE": 0.97,
    "PERSON": 0.90,
}
LANGUAGE_TARGET = 0.98


@dataclass
class FieldScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def planted(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def found(self) -> int:
        return self.true_positives + self.false_positives

    def cells(self) -> list[str]:
        """Planted (or labelled), found, precision, recall and F1: a table row's cells."""
        return [
            str(self.planted),
            str(self.found),
            f"{self.precision:.4f}",
            f"{self.recall:.4f}",
            f"{self.f1:.4f}",
        ]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        planted = self.true_positives + self.false_negatives
        return self.true_positives / planted if planted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def score_table(title: str, truth: str):
    """A rich table with a row per field type: `truth` (planted, labelled), found, precision,
    recall, F1 and the target."""
    from rich.table import Table

    table = Table(title=title)
    for column in ("field", truth, "found", "precision", "recall", "F1", "target"):
        table.add_column(column, justify="left" if column == "field" else "right")
    return table


@dataclass
class ExtractionEval:
    documents: int
    seconds: float
    workers: int
    fields: dict[str, FieldScore] = field(default_factory=dict)
    language_correct: int = 0
    language_total: int = 0
    signature: FieldScore = field(default_factory=FieldScore)
    quarantine_expected: int = 0
    quarantine_correct: int = 0
    quarantine_wrong_reason: list[dict] = field(default_factory=list)
    false_quarantines: list[dict] = field(default_factory=list)
    missed_quarantines: list[dict] = field(default_factory=list)

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.language_total if self.language_total else 1.0

    @property
    def docs_per_second_per_core(self) -> float:
        return self.documents / self.seconds / self.workers if self.seconds else 0.0

    def shortfalls(self) -> list[str]:
        """Every target this evaluation misses, as readable lines (empty when all hold)."""
        missed = [
            f"{kind} F1 {self.fields[kind].f1:.4f} < {target}"
            for kind, target in TARGETS.items()
            if kind in self.fields and self.fields[kind].f1 < target
        ]
        if self.language_accuracy < LANGUAGE_TARGET:
            missed.append(f"language accuracy {self.language_accuracy:.4f} < {LANGUAGE_TARGET}")
        if self.false_quarantines or self.missed_quarantines or self.quarantine_wrong_reason:
            missed.append(
                f"quarantine: {len(self.false_quarantines)} false, {len(self.missed_quarantines)} "
                f"missed, {len(self.quarantine_wrong_reason)} with the wrong reason"
            )
        return missed

    def table(self):
        """A rich table: one row per field type, then language and signature."""
        table = score_table(
            f"extraction vs ground truth: {self.documents} files, "
            f"{self.docs_per_second_per_core:.0f} docs/s/core",
            "planted",
        )
        for kind, s in sorted(self.fields.items()):
            target = TARGETS.get(kind)
            mark = "" if target is None else f"{target} {'ok' if s.f1 >= target else 'MISSED'}"
            table.add_row(kind, *s.cells(), mark)
        ok = "ok" if self.language_accuracy >= LANGUAGE_TARGET else "MISSED"
        table.add_row(
            "language (accuracy)",
            str(self.language_total),
            "",
            "",
            "",
            f"{self.language_accuracy:.4f}",
            f"{LANGUAGE_TARGET} {ok}",
        )
        table.add_row("signature block", *self.signature.cells(), "")
        table.add_row(
            "quarantine reason",
            str(self.quarantine_expected),
            "",
            "",
            "",
            f"{self.quarantine_correct}/{self.quarantine_expected}",
            "",
        )
        return table

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "workers": self.workers,
            "docs_per_second_per_core": round(self.docs_per_second_per_core, 1),
            "fields": {k: v.as_dict() for k, v in sorted(self.fields.items())},
            "language_accuracy": round(self.language_accuracy, 4),
            "language_documents": self.language_total,
            "signature": self.signature.as_dict(),
            "targets_missed": self.shortfalls(),
            "quarantine": {
                "expected": self.quarantine_expected,
                "correct": self.quarantine_correct,
                "wrong_reason": self.quarantine_wrong_reason[:20],
                "false_quarantines": self.false_quarantines[:20],
                "missed": self.missed_quarantines[:20],
            },
        }


_FINDER = None


def finder():
    """The name model loaded in this process by `load_finder` (None without one)."""
    return _FINDER


def load_finder(person_model: tuple[str, bytes] | None) -> None:
    """Load the registered name model once per process (a process pool's initializer)."""
    global _FINDER
    if person_model is not None:
        from lockgate.extraction.person_model import finder_from_bytes

        _FINDER = finder_from_bytes(person_model[1], person_model[0])


def _extract_file(job: tuple[str, str, Limits]) -> dict:
    path, name, limits = job
    row = extract_records(name, Path(path).read_bytes(), limits, _FINDER)[0]
    return {
        "file": name,
        "quarantine_reason": row["quarantine_reason"],
        "quarantine_detail": row["quarantine_detail"],
        "language": row["language"],
        "has_signature": row["has_signature"],
        "found": [(e["type"], e["normalized"]) for e in row["entities"] if e["valid"]],
    }


def _score(report: ExtractionEval, truth: dict, got: dict) -> None:
    expected = truth["broken_reason"]
    actual = got["quarantine_reason"]
    where = {"file": truth["file"], "expected": expected, "actual": actual}
    if expected is not None:
        report.quarantine_expected += 1
        if actual == expected:
            report.quarantine_correct += 1
        elif actual is None:
            report.missed_quarantines.append(where)
        else:
            report.quarantine_wrong_reason.append(where | {"detail": got["quarantine_detail"]})
    elif actual is not None:
        report.false_quarantines.append(where | {"detail": got["quarantine_detail"]})
    if not truth.get("fields_known", True):
        return  # what arrived of a cut-off message is parsed; which fields survived is not known
    planted = Counter((e["type"], e["normalized"]) for e in truth["entities"])
    found = Counter(got["found"]) if actual is None else Counter()
    for kind in {k for k, _ in planted} | {k for k, _ in found}:
        score = report.fields.setdefault(kind, FieldScore())
        mine = Counter({key: n for key, n in found.items() if key[0] == kind})
        theirs = Counter({key: n for key, n in planted.items() if key[0] == kind})
        hits = sum((mine & theirs).values())
        score.true_positives += hits
        score.false_positives += sum(mine.values()) - hits
        score.false_negatives += sum(theirs.values()) - hits
    if expected is None and actual is None:
        report.language_total += 1
        report.language_correct += got["language"] == truth["language"]
        flag, said = truth.get("has_signature", False), got["has_signature"]
        report.signature.true_positives += flag and said
        report.signature.false_positives += said and not flag
        report.signature.false_negatives += flag and not said


def evaluate(
    landing: Path,
    labels: Path,
    limits: Limits,
    workers: int = 1,
    person_model: tuple[str, bytes] | None = None,
) -> ExtractionEval:
    """Extract every file in `landing` and score it against `labels/ground_truth.jsonl`.

    `person_model` is (version, bytes) of the registered name model; without it, names come
    from signature blocks only.
    """
    truths = [
        json.loads(line)
        for line in (labels / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    jobs = [(str(landing / t["file"]), t["file"], limits) for t in truths]
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(
            workers, initializer=load_finder, initargs=(person_model,)
        ) as pool:
            results = list(pool.map(_extract_file, jobs, chunksize=32))
    else:
        load_finder(person_model)
        results = [_extract_file(job) for job in jobs]
    report = ExtractionEval(len(truths), time.perf_counter() - started, workers)
    for kind in ENTITY_TYPES:
        report.fields[kind] = FieldScore()
    for truth, got in zip(truths, results, strict=True):
        _score(report, truth, got)
    return report
