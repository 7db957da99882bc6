"""Extraction scored on the documents whose fields reviewers confirmed or corrected (`lockgate
review fields`, the UI's Review page): the bank's own correspondence, labelled by its people.

Each such document's received file is read again from the landing zone and extracted as the job
extracts it; per field type a reviewer labelled, its valid normalised values are compared with
the values the reviewer said are right (distinct values per document). A type no reviewer
labelled on a document is not scored there. A file that is gone, or whose bytes no longer hash
to its doc_id, is counted apart, not scored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lockgate.config import Settings
from lockgate.extraction.documents import Limits, extract_records
from lockgate.pipeline.review import received_file, reviewed_fields
from lockgate.storage.files import filesystem
from lockgate.tooling.evaluation.extraction import FieldScore, finder, load_finder, score_table


@dataclass
class ReviewedEval:
    documents: int = 0
    scored: int = 0
    unavailable: list[dict] = field(default_factory=list)  # {doc_id, reason}
    fields: dict[str, FieldScore] = field(default_factory=dict)

    def table(self):
        table = score_table(
            f"reviewed: {self.scored} of {self.documents} documents whose fields reviewers "
            "confirmed or corrected",
            "labelled",
        )
        for kind, score in sorted(self.fields.items()):
            table.add_row(kind, *score.cells(), "-")
        return table

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "scored": self.scored,
            "unavailable": self.unavailable,
            "fields": {k: v.as_dict() for k, v in sorted(self.fields.items())},
        }


def _read(uri: str) -> bytes | None:
    fs, path = filesystem(uri)
    return fs.cat_file(path) if fs.exists(path) else None


def evaluate_reviewed(
    settings: Settings, limits: Limits, person_model: tuple[str, bytes] | None
) -> ReviewedEval:
    labels = reviewed_fields(settings)
    load_finder(person_model)
    report = ReviewedEval(documents=len(labels))
    for doc_id, kinds in sorted(labels.items()):
        located = received_file(settings, doc_id)
        data = _read(located[1]) if located else None
        if data is None:
            report.unavailable.append({"doc_id": doc_id, "reason": "the received file is gone"})
            continue
        if hashlib.sha256(data).hexdigest() != doc_id:
            report.unavailable.append({"doc_id": doc_id, "reason": "the file's bytes changed"})
            continue
        top = extract_records(located[1].rsplit("/", 1)[1], data, limits, finder())[0]
        found = (
            {(e["type"], e["normalized"]) for e in top["entities"] if e["valid"]}
            if top["quarantine_reason"] is None
            else set()
        )
        report.scored += 1
        for kind, values in kinds.items():
            mine = {value for t, value in found if t == kind}
            theirs = set(values)
            score = report.fields.setdefault(kind, FieldScore())
            score.true_positives += len(mine & theirs)
            score.false_positives += len(mine - theirs)
            score.false_negatives += len(theirs - mine)
    return report
