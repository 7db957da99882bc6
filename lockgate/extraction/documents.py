"""Turn one received file into extracted documents or quarantine records (pure, no Spark).

Every received file gives exactly one top-level row (parsed or quarantined), then one child
row per email attachment, linked by `parent_doc_id`. A parser failure becomes a quarantine
reason, never an exception that would stop the run. The same bytes always give the same rows.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lockgate.extraction import reasons
from lockgate.extraction.budget import BudgetExceeded, time_budget
from lockgate.extraction.contacts import country_of_domain, document_country
from lockgate.extraction.entities import extract_entities
from lockgate.extraction.formats import (
    Limits,
    Parsed,
    Quarantined,
    Section,
    format_of_part,
    parse_document,
)
from lockgate.extraction.language import detect_language
from lockgate.extraction.names import has_signature_block
from lockgate.extraction.spans import mask_text
from lockgate.extraction.stopwatch import stage

EXTRACTOR_VERSION = "4"
# Files parsed together before the person model reads all their candidate lines in one pass
# (`extract_batch`): enough lines to fill the model's batches, few enough parsed files held.
FILES_PER_MODEL_PASS = 256
log = logging.getLogger(__name__)

__all__ = [
    "EXTRACTOR_VERSION",
    "FILES_PER_MODEL_PASS",
    "Limits",
    "Quarantined",
    "extract_batch",
    "extract_record",
    "extract_records",
    "rows_by_file",
    "unread_row",
]


def unread_row(file_name: str, size: int, reason: str, detail: str) -> dict:
    """The quarantine row of a landing entry that is never read (a symlink, a directory, an
    unreadable file): its id is a digest of its name and reason, since it has no content."""
    doc_id = hashlib.sha256(f"unread:{reason}:{file_name}".encode()).hexdigest()
    return _empty_row(doc_id, None, file_name, size) | {
        "quarantine_reason": reason,
        "quarantine_detail": detail[:200],
    }


def _empty_row(doc_id: str, parent: str | None, source_file: str, size: int) -> dict:
    return {
        "doc_id": doc_id,
        "parent_doc_id": parent,
        "source_file": source_file,
        "size_bytes": size,
        "format": None,
        "language": None,
        "language_confidence": None,
        "sender_domain": None,
        "attachment_count": 0,
        "has_signature": False,
        "text_chars": 0,
        "masked_text": None,
        "entities": [],
        "defects": [],
        "extractor_version": EXTRACTOR_VERSION,
        "quarantine_reason": None,
        "quarantine_detail": None,
    }


def _readable(doc: Parsed, sections: list[Section]) -> bool:
    """Whether a parsed document holds something to read: text beyond its title, or, for an
    e-mail, a subject alone (an attachment with no body, a blank reply is still a message people
    read), or, for a mailbox, messages (its rows are theirs)."""
    if any(s.source != "subject" for s in sections):
        return True
    return (doc.format == "eml" and bool(sections)) or (
        doc.format == "mbox" and bool(doc.attachments)
    )


def _fields(row: dict, doc: Parsed, person_finder, attachment_sections, limits: Limits) -> dict:
    sections = [s for s in doc.sections if s.text.strip()] + attachment_sections
    if not _readable(doc, sections):
        raise Quarantined(reasons.NO_TEXT, "no text found")
    body = "\n".join(s.text for s in sections if s.source != "attachment")
    body = body or "\n".join(s.text for s in sections)
    with stage("language"):
        language, confidence = detect_language(body)
    with stage("country"):
        country = country_of_domain(doc.sender_domain) or document_country(body)
    entities, masked = [], []
    for section in sections:
        found = extract_entities(
            section.text,
            section.source,
            language,
            person_finder,
            country,
            country in limits.month_first_countries,
        )
        entities.extend(found)
        with stage("mask"):
            masked.append(mask_text(section.text, found))
    return row | {
        "format": doc.format,
        "language": language,
        "language_confidence": confidence,
        "sender_domain": doc.sender_domain,
        "attachment_count": len(doc.attachments),
        "has_signature": any(has_signature_block(s.text) for s in sections if s.source == "body"),
        "text_chars": sum(len(s.text) for s in sections),
        "masked_text": "\n\n".join(masked),
        "entities": [e.__dict__ for e in entities],
        "defects": doc.defects,
    }


@dataclass
class _Read:
    """A file (or attachment) after parsing: its row so far, its parse (None when it was
    quarantined, the reason already in `row`) and its attachments, read the same way."""

    row: dict
    doc: Parsed | None = None
    children: list[_Read] = field(default_factory=list)


def _quarantine_of(exc: BaseException, file_name: str) -> dict:
    """The quarantine columns for a failure while reading or extracting one document."""
    if isinstance(exc, Quarantined):
        return {"quarantine_reason": exc.reason, "quarantine_detail": exc.detail}
    if isinstance(exc, RecursionError):
        return {
            "quarantine_reason": reasons.TOO_DEEP,
            "quarantine_detail": "structure nests too deeply",
        }
    log.warning("parser error on %s: %s", file_name, type(exc).__name__)
    return {
        "quarantine_reason": reasons.PARSER_ERROR,
        "quarantine_detail": f"{type(exc).__name__}: {exc}"[:200],
    }


def _read(file_name, data, limits, parent, doc_id, depth, inherited=()) -> _Read:
    """Phase one: check and parse a document and, depth first, its attachments."""
    read = _Read(_empty_row(doc_id, parent, file_name, len(data)))
    try:
        if not data:
            raise Quarantined(reasons.EMPTY, "zero bytes")
        if len(data) > limits.max_bytes:
            raise Quarantined(reasons.TOO_LARGE, f"{len(data)} bytes > cap of {limits.max_bytes}")
        if depth > limits.max_depth:
            raise Quarantined(reasons.TOO_DEEP, f"attachments nest {depth} deep")
        doc = parse_document(data, file_name, limits)
        if inherited:  # defects its parent met in it (an enclosed message, re-serialised whole)
            doc.defects = sorted({*doc.defects, *inherited})
        chars = sum(len(s.text) for s in doc.sections)
        if chars > limits.max_text_chars:
            raise Quarantined(
                reasons.RESOURCE_LIMIT,
                f"{chars} characters of text > cap of {limits.max_text_chars}",
            )
        for number, part in enumerate(doc.attachments, start=1):
            child_id = hashlib.sha256(f"{doc_id}/{number}".encode()).hexdigest()
            leaf = part.name if "." in part.name else f"{part.name}.{format_of_part(part)}"
            read.children.append(
                _read(
                    f"{file_name}#{number}/{leaf}",
                    part.data,
                    limits,
                    doc_id,
                    child_id,
                    depth + 1,
                    part.defects,
                )
            )
        read.doc = doc
    except Exception as exc:  # noqa: BLE001 - any parser crash is a quarantine record, not a failed run
        read.row |= _quarantine_of(exc, file_name)
    return read


def _texts(read: _Read) -> Iterator[str]:
    """Every section text the fields of `read` (and its attachments) are looked for in."""
    if read.doc is not None:
        yield from (s.text for s in read.doc.sections if s.text.strip())
    for child in read.children:
        yield from _texts(child)


def _finish(read: _Read, person_finder, out: list[dict], limits: Limits) -> list[Section]:
    """Phase two: append the rows of `read` (its own, then its attachments') to `out`; return
    its text sections and its attachments' for a parent to include."""
    index = len(out)
    out.append(read.row)
    if read.doc is None:
        return []
    attachment_sections = []
    for child in read.children:
        attachment_sections += [
            Section("attachment", s.text) for s in _finish(child, person_finder, out, limits)
        ]
    try:
        out[index] = _fields(read.row, read.doc, person_finder, attachment_sections, limits)
    except Exception as exc:  # noqa: BLE001 - as in `_read`
        out[index] = read.row | _quarantine_of(exc, read.row["source_file"])
        return []
    own = [s for s in read.doc.sections if s.source != "subject" and s.text.strip()]
    return own + attachment_sections  # a forward of a forward: the innermost text reaches the top


def _out_of_time(file_name: str, data: bytes, doc_id: str, elapsed: float, why: str) -> list[dict]:
    row = _empty_row(doc_id, None, file_name, len(data))
    detail = f"extraction stopped {why}; it had used {elapsed:.1f} s of CPU time"
    return [row | {"quarantine_reason": reasons.TIME_BUDGET, "quarantine_detail": detail}]


def extract_batch(
    files: Iterable[tuple[str, bytes]], limits: Limits, person_finder=None
) -> list[dict]:
    """The rows of each received (file name, bytes) in order: a file's own row first, then its
    attachments' rows.

    Every file is parsed first, then the person model reads the candidate lines of the whole
    batch at once (`PersonFinder.prepare`), then each file's fields are found. A file's time
    budget covers its parsing and its fields together; the batch's model pass is shared.
    """
    budget = limits.time_budget_seconds
    parsed = []
    for file_name, data in files:
        doc_id = hashlib.sha256(data).hexdigest()
        started, read, stopped = time.process_time(), None, None
        try:
            with time_budget(budget):
                read = _read(file_name, data, limits, None, doc_id, 0)
        except BudgetExceeded as exc:
            stopped = str(exc)
        parsed.append((file_name, data, doc_id, read, stopped, time.process_time() - started))
    if person_finder is not None:
        with stage("names.model.batch"):
            person_finder.prepare(
                text for *_, read, _, _ in parsed if read for text in _texts(read)
            )
    rows: list[dict] = []
    for file_name, data, doc_id, read, stopped, elapsed in parsed:
        if stopped is not None:
            rows += _out_of_time(file_name, data, doc_id, elapsed, stopped)
            continue
        started = time.process_time()
        out: list[dict] = []
        try:
            with time_budget(max(budget - elapsed, 1e-3) if budget > 0 else 0):
                _finish(read, person_finder, out, limits)
        except BudgetExceeded as exc:
            out = _out_of_time(
                file_name, data, doc_id, elapsed + time.process_time() - started, str(exc)
            )
        rows += out
    return rows


def rows_by_file(rows: list[dict]) -> list[list[dict]]:
    """`extract_batch`'s rows cut into one list per received file (each starts at a top-level row)."""
    files: list[list[dict]] = []
    for row in rows:
        if row["parent_doc_id"] is None:
            files.append([])
        files[-1].append(row)
    return files


def extract_records(file_name: str, data: bytes, limits: Limits, person_finder=None) -> list[dict]:
    """The rows for one received file: the file's own row first, then its attachments' rows."""
    return extract_batch([(file_name, data)], limits, person_finder)


def extract_record(file_name: str, data: bytes, limits: Limits | None = None) -> dict:
    """The top-level row for one received file (children left out)."""
    return extract_records(file_name, data, limits or Limits())[0]
