"""What a parser gives back for one file (`Parsed`), what it may cost (`Limits`) and how it refuses
(`Quarantined`)."""

from __future__ import annotations

from dataclasses import dataclass, field


class Quarantined(Exception):
    """A document that cannot be extracted; carries a stable reason code from `reasons`."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# Countries (ISO 3166 alpha-2) that write numeric dates month first.
MONTH_FIRST_COUNTRIES = ("US", "PH", "FM", "MH", "PW")


@dataclass(frozen=True)
class Limits:
    """What one received file may cost, and how its locale-dependent fields are read (from the
    environment's extraction policy)."""

    max_bytes: int = 20_000_000
    max_text_chars: int = 2_000_000
    max_depth: int = 8
    max_attachments: int = 50
    time_budget_seconds: float = 10.0
    ocr: bool = True
    # A numeric date that reads both ways is read month first when its sender is in one of
    # these countries (sender domain or signature address), day first otherwise.
    month_first_countries: tuple[str, ...] = MONTH_FIRST_COUNTRIES

    @classmethod
    def of(cls, policy) -> Limits:
        """The limits of an environment's extraction policy (`Settings.policy.extraction`)."""
        return cls(
            max_bytes=policy.max_document_bytes,
            max_text_chars=policy.max_text_chars,
            max_depth=policy.max_nesting_depth,
            max_attachments=policy.max_attachments,
            time_budget_seconds=policy.time_budget_seconds,
            ocr=policy.ocr,
            month_first_countries=tuple(c.upper() for c in policy.month_first_countries),
        )


@dataclass
class Section:
    source: str
    text: str


@dataclass
class Part:
    """An email attachment (or a message of a mailbox), still as bytes."""

    name: str
    content_type: str
    data: bytes
    defects: list[str] = field(default_factory=list)  # met inside it while its parent was read


@dataclass
class Parsed:
    """The text of one file by section, its attachments, and the recoverable defects met while
    reading it (stable codes, e.g. `close_boundary_not_found`, `undecodable_bytes`)."""

    format: str
    sections: list[Section]
    sender_domain: str | None = None
    attachments: list[Part] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
