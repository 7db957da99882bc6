"""Extraction on real messages and PDFs that lockgate did not write (tests/data/realworld).

Every file of the corpus's `manifest.jsonl` goes through the same `extract_records` the Spark
job runs: how many are read, why the others are not, whether a parser crashed. On the files of
`labels.jsonl` (fields labelled by hand), precision, recall and F1 per field type: a field
counts as found when a valid entity of its type and normalised value is on the file's top-level
row (distinct values per file).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lockgate.config import repo_root
from lockgate.extraction import reasons
from lockgate.extraction.documents import Limits, extract_records
from lockgate.tooling.evaluation.extraction import FieldScore, finder, load_finder, score_table

# The targets of issue 25 on the hand-labelled files: F1 per type, and the name model's
# precision and recall on their own.
TARGETS = {
    "IBAN": 0.98,
    "BIC": 0.98,
    "ISIN": 0.98,
    "LEI": 0.98,
    "EMAIL": 0.98,
    "AMOUNT": 0.95,
    "DATE": 0.95,
    "PHONE": 0.95,
}
PERSON_PRECISION, PERSON_RECALL = 0.90, 0.80
READ_TARGET = 0.95  # of the messages, the share that reaches a parsed row with text
LABELLED_TYPES = (*TARGETS, "PERSON")
MESSAGE_KINDS = ("eml", "mbox")


def default_corpus() -> Path:
    """The corpus kept in this checkout (tests/data/realworld)."""
    return repo_root() / "tests" / "data" / "realworld"


def _outcome(job: tuple[str, str, Limits]) -> dict:
    path, name, limits = job
    started = time.perf_counter()
    top, *children = extract_records(name, Path(path).read_bytes(), limits, finder())
    return {
        "seconds": time.perf_counter() - started,
        "top": {k: v for k, v in top.items() if k != "entities"},
        "children": [(c["format"], c["quarantine_reason"]) for c in children],
        "parser_errors": [
            r["source_file"]
            for r in (top, *children)
            if r["quarantine_reason"] == reasons.PARSER_ERROR
        ],
        "found": sorted({(e["type"], e["normalized"]) for e in top["entities"] if e["valid"]}),
    }


@dataclass
class RealWorldEval:
    files: int
    seconds: float
    workers: int
    outcomes: list[tuple[dict, dict]]  # (manifest entry, outcome), in manifest order
    labelled: int = 0
    fields: dict[str, FieldScore] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)

    @property
    def messages(self) -> list[dict]:
        return [o["top"] for entry, o in self.outcomes if entry["kind"] in MESSAGE_KINDS]

    @property
    def read_share(self) -> float:
        read = [t for t in self.messages if t["quarantine_reason"] is None and t["text_chars"]]
        return len(read) / len(self.messages) if self.messages else 1.0

    def by_outcome(self) -> dict[str, dict[str, int]]:
        """Per kind of file, how many were parsed and how many quarantined for each reason."""
        counts: dict[str, Counter] = {}
        for entry, outcome in self.outcomes:
            reason = outcome["top"]["quarantine_reason"] or "parsed"
            counts.setdefault(entry["kind"], Counter())[reason] += 1
        return {kind: dict(sorted(c.items())) for kind, c in sorted(counts.items())}

    def shortfalls(self) -> list[str]:
        missed = [
            f"{kind} F1 {self.fields[kind].f1:.4f} < {target}"
            for kind, target in TARGETS.items()
            if self.fields[kind].planted and self.fields[kind].f1 < target
        ]
        person = self.fields["PERSON"]
        if person.precision < PERSON_PRECISION or person.recall < PERSON_RECALL:
            missed.append(
                f"PERSON precision {person.precision:.4f} recall {person.recall:.4f} "
                f"< {PERSON_PRECISION}/{PERSON_RECALL}"
            )
        if self.read_share < READ_TARGET:
            missed.append(f"messages read {self.read_share:.4f} < {READ_TARGET}")
        crashed = [p for _, o in self.outcomes for p in o["parser_errors"]]
        if crashed:
            missed.append(f"{len(crashed)} parser errors: {crashed[:3]}")
        return missed

    def table(self):
        """A rich table: one row per labelled field type, then the messages read."""
        table = score_table(
            f"real-world corpus: {self.files} files lockgate did not write, "
            f"{self.labelled} labelled by hand",
            "labelled",
        )
        for kind in LABELLED_TYPES:
            s = self.fields[kind]
            if kind == "PERSON":
                ok = s.precision >= PERSON_PRECISION and s.recall >= PERSON_RECALL
                target = f"P {PERSON_PRECISION} R {PERSON_RECALL} {'ok' if ok else 'MISSED'}"
            elif s.planted:
                target = f"{TARGETS[kind]} {'ok' if s.f1 >= TARGETS[kind] else 'MISSED'}"
            else:
                target = "no labelled value"
            table.add_row(kind, *s.cells(), target)
        ok = "ok" if self.read_share >= READ_TARGET else "MISSED"
        table.add_row(
            "messages read",
            str(len(self.messages)),
            "",
            "",
            "",
            f"{self.read_share:.4f}",
            f"{READ_TARGET} {ok}",
        )
        return table

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "seconds": round(self.seconds, 2),
            "workers": self.workers,
            "labelled_files": self.labelled,
            "messages": len(self.messages),
            "messages_read": round(self.read_share, 4),
            "outcomes": self.by_outcome(),
            "fields": {k: v.as_dict() for k, v in self.fields.items()},
            "targets_missed": self.shortfalls(),
            "misses": self.misses[:200],
        }


def _score(report: RealWorldEval, label: dict, outcome: dict) -> None:
    wanted = {(f["type"], f["normalized"]) for f in label["fields"] if f["type"] in LABELLED_TYPES}
    found = {tuple(f) for f in outcome["found"] if f[0] in LABELLED_TYPES}
    for kind in LABELLED_TYPES:
        mine = {f for f in found if f[0] == kind}
        theirs = {f for f in wanted if f[0] == kind}
        score = report.fields[kind]
        score.true_positives += len(mine & theirs)
        score.false_positives += len(mine - theirs)
        score.false_negatives += len(theirs - mine)
        if mine != theirs:
            report.misses.append(
                {
                    "id": label["id"],
                    "type": kind,
                    "missed": sorted(v for _, v in theirs - mine),
                    "extra": sorted(v for _, v in mine - theirs),
                }
            )


def evaluate_real_world(
    corpus: Path, limits: Limits, workers: int = 1, person_model: tuple[str, bytes] | None = None
) -> RealWorldEval:
    """Extract every file of `corpus`'s manifest and score the hand-labelled ones.

    `person_model` is (version, bytes) of the registered name model; without it, names come
    from signature blocks only.
    """
    entries = [
        json.loads(line)
        for line in (corpus / "manifest.jsonl").read_text().splitlines()
        if line.strip()
    ]
    jobs = [(str(corpus / e["path"]), Path(e["path"]).name, limits) for e in entries]
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(
            workers, initializer=load_finder, initargs=(person_model,)
        ) as pool:
            results = list(pool.map(_outcome, jobs, chunksize=8))
    else:
        load_finder(person_model)
        results = [_outcome(job) for job in jobs]
    report = RealWorldEval(
        len(entries),
        time.perf_counter() - started,
        workers,
        list(zip(entries, results, strict=True)),
    )
    report.fields = {kind: FieldScore() for kind in LABELLED_TYPES}
    by_path = {e["path"]: o for e, o in report.outcomes}
    labels_file = corpus / "labels.jsonl"
    lines = labels_file.read_text(encoding="utf-8").splitlines() if labels_file.exists() else []
    for label in (json.loads(line) for line in lines if line.strip()):
        report.labelled += 1
        _score(report, label, by_path[label["path"]])
    return report
