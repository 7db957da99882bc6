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


@dataclass
class FieldScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

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
            "quarantine": {
                "expected": self.quarantine_expected,
                "correct": self.quarantine_correct,
                "wrong_reason": self.quarantine_wrong_reason[:20],
                "false_quarantines": self.false_quarantines[:20],
                "missed": self.missed_quarantines[:20],
            },
        }


def _extract_file(job: tuple[str, str, Limits]) -> dict:
    path, name, limits = job
    row = extract_records(name, Path(path).read_bytes(), limits)[0]
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


def evaluate(landing: Path, labels: Path, limits: Limits, workers: int = 1) -> ExtractionEval:
    """Extract every file in `landing` and score it against `labels/ground_truth.jsonl`."""
    truths = [
        json.loads(line)
        for line in (labels / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    jobs = [(str(landing / t["file"]), t["file"], limits) for t in truths]
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_extract_file, jobs, chunksize=32))
    else:
        results = [_extract_file(job) for job in jobs]
    report = ExtractionEval(len(truths), time.perf_counter() - started, workers)
    for kind in ENTITY_TYPES:
        report.fields[kind] = FieldScore()
    for truth, got in zip(truths, results, strict=True):
        _score(report, truth, got)
    return report
