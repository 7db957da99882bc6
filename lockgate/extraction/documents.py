"""Turn one received file into extracted documents or quarantine records (pure, no Spark).

Every received file gives exactly one top-level row (parsed or quarantined), then one child
row per email attachment, linked by `parent_doc_id`. A parser failure becomes a quarantine
reason, never an exception that would stop the run. The same bytes always give the same rows.
"""

from __future__ import annotations

import hashlib
import logging
import time

from lockgate.extraction import reasons
from lockgate.extraction.budget import BudgetExceeded, time_budget
from lockgate.extraction.entities import extract_entities
from lockgate.extraction.formats import Limits, Parsed, Quarantined, format_of_part, parse_document
from lockgate.extraction.language import detect_language
from lockgate.extraction.names import has_signature_block
from lockgate.extraction.spans import mask_text

EXTRACTOR_VERSION = "2"
log = logging.getLogger(__name__)

__all__ = ["EXTRACTOR_VERSION", "Limits", "Quarantined", "extract_record", "extract_records"]


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
        "extractor_version": EXTRACTOR_VERSION,
        "quarantine_reason": None,
        "quarantine_detail": None,
    }


def _fields(row: dict, doc: Parsed, person_finder, attachment_sections) -> dict:
    sections = [s for s in doc.sections if s.text.strip()] + attachment_sections
    if not any(s.source != "subject" for s in sections):
        raise Quarantined(reasons.NO_TEXT, "no body text found")
    body = "\n".join(s.text for s in sections if s.source != "attachment") or sections[0].text
    language, confidence = detect_language(body)
    entities, masked = [], []
    for section in sections:
        found = extract_entities(section.text, section.source, language, person_finder)
        entities.extend(found)
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
    }


def _extract(file_name, data, limits, person_finder, parent, doc_id, depth, out) -> list:
    """Append this document's rows to `out`; return its text sections for a parent to include."""
    row = _empty_row(doc_id, parent, file_name, len(data))
    index = len(out)
    out.append(row)
    try:
        if not data:
            raise Quarantined(reasons.EMPTY, "zero bytes")
        if len(data) > limits.max_bytes:
            raise Quarantined(reasons.TOO_LARGE, f"{len(data)} bytes > cap of {limits.max_bytes}")
        if depth > limits.max_depth:
            raise Quarantined(reasons.TOO_DEEP, f"attachments nest {depth} deep")
        doc = parse_document(data, file_name, limits)
        chars = sum(len(s.text) for s in doc.sections)
        if chars > limits.max_text_chars:
            raise Quarantined(
                reasons.RESOURCE_LIMIT,
                f"{chars} characters of text > cap of {limits.max_text_chars}",
            )
        attachment_sections = []
        for number, part in enumerate(doc.attachments, start=1):
            child_id = hashlib.sha256(f"{doc_id}/{number}".encode()).hexdigest()
            leaf = part.name if "." in part.name else f"{part.name}.{format_of_part(part)}"
            child_name = f"{file_name}#{number}/{leaf}"
            child = _extract(
                child_name, part.data, limits, person_finder, doc_id, child_id, depth + 1, out
            )
            attachment_sections += [type(s)("attachment", s.text) for s in child]
        out[index] = _fields(row, doc, person_finder, attachment_sections)
        return [s for s in doc.sections if s.source != "subject" and s.text.strip()]
    except Quarantined as exc:
        out[index] = row | {"quarantine_reason": exc.reason, "quarantine_detail": exc.detail}
    except RecursionError:
        out[index] = row | {
            "quarantine_reason": reasons.TOO_DEEP,
            "quarantine_detail": "structure nests too deeply",
        }
    except Exception as exc:  # noqa: BLE001 - any parser crash is a quarantine record, not a failed run
        log.warning("parser error on %s: %s", file_name, type(exc).__name__)
        out[index] = row | {
            "quarantine_reason": reasons.PARSER_ERROR,
            "quarantine_detail": f"{type(exc).__name__}: {exc}"[:200],
        }
    return []


def extract_records(file_name: str, data: bytes, limits: Limits, person_finder=None) -> list[dict]:
    """The rows for one received file: the file's own row first, then its attachments' rows."""
    doc_id = hashlib.sha256(data).hexdigest()
    out: list[dict] = []
    started = time.monotonic()
    try:
        with time_budget(limits.time_budget_seconds):
            _extract(file_name, data, limits, person_finder, None, doc_id, 0, out)
    except BudgetExceeded:
        elapsed = time.monotonic() - started
        row = _empty_row(doc_id, None, file_name, len(data))
        detail = (
            f"extraction stopped after {elapsed:.1f} s (budget {limits.time_budget_seconds:g} s)"
        )
        return [row | {"quarantine_reason": reasons.TIME_BUDGET, "quarantine_detail": detail}]
    return out


def extract_record(file_name: str, data: bytes, limits: Limits | None = None) -> dict:
    """The top-level row for one received file (children left out)."""
    return extract_records(file_name, data, limits or Limits())[0]
