"""Text and fields from inbound documents (eml, pdf, html, txt), with quarantine for what cannot be read."""

from lockgate.extraction.documents import EXTRACTOR_VERSION, Quarantined, extract_record
from lockgate.extraction.entities import ENTITY_TYPES, Entity, extract_entities, mask_text

__all__ = [
    "ENTITY_TYPES",
    "EXTRACTOR_VERSION",
    "Entity",
    "Quarantined",
    "extract_entities",
    "extract_record",
    "mask_text",
]
