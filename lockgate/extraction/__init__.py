"""Text and fields from inbound documents (eml, pdf, html, txt), with quarantine for what cannot be read."""

from lockgate.extraction.documents import (
    EXTRACTOR_VERSION,
    Limits,
    Quarantined,
    extract_batch,
    extract_record,
    extract_records,
)
from lockgate.extraction.entities import ENTITY_TYPES, extract_entities
from lockgate.extraction.spans import Entity, mask_text

__all__ = [
    "ENTITY_TYPES",
    "EXTRACTOR_VERSION",
    "Entity",
    "Limits",
    "Quarantined",
    "extract_batch",
    "extract_entities",
    "extract_record",
    "extract_records",
    "mask_text",
]
