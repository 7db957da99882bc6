"""E-mail messages (RFC 822 / MIME) and mbox files.

The whole MIME tree is walked: every text-bearing leaf is read wherever it sits (of an
alternative, the plain text, else the HTML), `message/delivery-status` and a bounce's returned
headers (`text/rfc822-headers`, or typed as a message) are read as text, and an enclosed
`message/rfc822` (at the top or nested) is handed back as a child document with its own headers
(its metadata, as a top-level message's are) and body, as is every other attachment.
Recoverable defects (a missing close delimiter, a bad header, a few undecodable bytes, a declared
boundary that the parts do not use) are recorded as codes on the row and reading goes on; an
empty part is skipped.
"""

from __future__ import annotations

import binascii
import quopri
import re
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import parseaddr
from functools import lru_cache

from lockgate.extraction import reasons
from lockgate.extraction.charsets import decode_text
from lockgate.extraction.markup import html_text
from lockgate.extraction.parsed import Limits, Parsed, Part, Quarantined, Section

UNPARSEABLE_HEADER = "unparseable_header"  # a header the email package could not read; raw kept
BOUNDARY_MISMATCH = "boundary_mismatch"  # the declared boundary is not the one the parts use


class _RememberingPolicy(EmailPolicy):
    """`policy.default`, remembering the headers it has parsed. The email package parses a
    header anew on every read (finding a message's body and attachments reads each part's
    Content-Type a dozen times), and a day's mail repeats the same values; this halves the
    cost of an e-mail. Parsing is a pure function of (name, value), so the messages are the
    same; long values (hostile or not) are parsed each time, never kept."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > _REMEMBERED_HEADER_CHARS:
            return super().header_fetch_parse(name, value)
        return _parsed_header(self, name, value)


_REMEMBERED_HEADER_CHARS = 512


@lru_cache(maxsize=4096)
def _parsed_header(parser_policy: EmailPolicy, name: str, value: str):
    return EmailPolicy.header_fetch_parse(parser_policy, name, value)


_EML_POLICY = _RememberingPolicy()

# A header field line (RFC 5322 field name, then a colon) and the names that mark a message.
_FIELD = re.compile(rb"^[!-9;-~]+[ \t]*:")
_MESSAGE_FIELDS = frozenset(
    b"from to cc subject date message-id received mime-version return-path delivered-to "
    b"reply-to sender x-mailer content-type".split()
)
_ENCLOSED = ("message/rfc822", "message/global")
# Parts whose header-shaped blocks are read as text: a bounce's delivery status, and the returned
# message's headers when a mailer types them as a message (RFC 6533's message/global-headers,
# and the non-standard message/rfc822-headers some servers write for text/rfc822-headers).
_STATUS = (
    "message/delivery-status",
    "message/global-delivery-status",
    "message/global-headers",
    "message/rfc822-headers",
)


def _base64(data: bytes) -> bytes:
    """Lenient base64, as mail clients decode it: stray characters and bad padding ignored."""
    clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    clean = clean[: len(clean) - 1] if len(clean) % 4 == 1 else clean
    return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))


_DECODED = {"base64": _base64, "quoted-printable": quopri.decodestring}
_OBSOLETE_FROM = re.compile(rb"From[ \t]+:")  # RFC 822's "From  : x", a header, not a separator
_MBOX_SEPARATOR = re.compile(rb"(?:\A|\n\n|\r\n\r\n)(From [^\n]*\n)")
_MBOX_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)


def looks_like_message(head: bytes) -> bool:
    """Whether `head` (a file's first bytes) starts with an RFC 822 header block that names a
    message field (From, Received, Subject ...)."""
    known = False
    for line in head.replace(b"\r\n", b"\n").split(b"\n")[:60]:
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue  # a folded continuation line
        match = _FIELD.match(line)
        if match is None:
            break
        known = known or match.group(0).rstrip(b": \t").lower() in _MESSAGE_FIELDS
    return known


def looks_like_mbox(head: bytes) -> bool:
    """Whether `head` starts like an mbox file: a `From ` separator line, then a message."""
    if not head.startswith(b"From ") or _OBSOLETE_FROM.match(head):
        return False
    rest = head.split(b"\n", 1)
    return len(rest) == 2 and looks_like_message(rest[1])


def _defect_code(defect: object) -> str:
    """`CloseBoundaryNotFoundDefect` -> `close_boundary_not_found`."""
    name = type(defect).__name__.removesuffix("Defect")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def depth_of(msg: Message) -> int:
    """How deeply parts nest (iteratively: a hostile message can nest thousands deep)."""
    deepest, stack = 0, [(msg, 0)]
    while stack:
        part, level = stack.pop()
        deepest = max(deepest, level)
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((p, level + 1) for p in payload if isinstance(p, Message))
    return deepest


def _header(msg: Message, name: str, defects: set[str]) -> str:
    """A header's value as text; its parse defects noted; the raw value if it cannot be parsed."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - the email package's header parsers raise on some hostile values
        defects.add(UNPARSEABLE_HEADER)
        raw = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
        return str(raw[0]) if raw else ""
    if value is None:
        return ""
    defects.update(_defect_code(d) for d in getattr(value, "defects", ()))
    return str(value)


# A delimiter line of a multipart's body: "--" and a boundary (RFC 2046: 1-70 characters).
_DELIMITER = re.compile(r"(?m)^--([0-9A-Za-z'()+_,./:=?-]{1,70})[ \t]*\r?$")


def _with_found_boundary(part: Message, body: str) -> Message | None:
    """A multipart whose declared boundary is nowhere in its body, read again with the boundary
    its first delimiter line uses (a mailer that wrote one boundary and declared another); None
    when no line looks like a delimiter or no part opens with it."""
    declared = part.get_param("boundary")
    found = _DELIMITER.search(body)
    if found is None or found.group(1) == declared:
        return None
    boundary = found.group(1)
    mended = BytesParser(policy=_EML_POLICY).parsebytes(
        f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\n\n{body}'.encode(
            "utf-8", "surrogateescape"
        )
    )
    return mended if isinstance(mended.get_payload(), list) else None


def _has_text(part: Message) -> bool:
    return bool((part.get_payload(decode=True) or b"").strip())


def _alternative(children: list) -> Message:
    """The alternative that is read: the plain text if it has any, else the HTML, else a
    multipart (HTML with its images), else the first."""

    def rank(child: Message) -> int:
        kind = child.get_content_type()
        if kind == "text/plain":
            return 0 if _has_text(child) else 4
        return 1 if kind == "text/html" else 2 if child.is_multipart() else 3

    return min(children, key=rank)


class _Walk:
    """One pass over a message's own MIME tree (not into the messages it encloses)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.sections: list[Section] = []
        self.attachments: list[Part] = []
        self.defects: set[str] = set()

    def part(self, part: Message) -> None:
        self.defects.update(_defect_code(d) for d in part.defects)
        kind = part.get_content_type()
        payload = part.get_payload()
        if kind.startswith("multipart/") and isinstance(payload, str):
            mended = _with_found_boundary(part, payload)
            if mended is not None:
                self.defects.add(BOUNDARY_MISMATCH)
                part, payload = mended, mended.get_payload()
        if kind in _ENCLOSED:
            child = self._attach(part, "message/rfc822", self._enclosed(payload, part))
            if child is not None and isinstance(payload, list):
                # Re-serialising mends what was broken in it (a close delimiter): keep the record.
                child.defects = sorted(
                    {_defect_code(d) for p in payload[0].walk() for d in p.defects}
                )
        elif kind in _STATUS:
            self._status(payload, part)
        elif isinstance(payload, list):
            children = [p for p in payload if isinstance(p, Message)]
            if kind == "multipart/alternative" and children:
                children = [_alternative(children)]
            for child in children:
                self.part(child)
        else:
            self._leaf(part, kind)

    def _leaf(self, part: Message, kind: str) -> None:
        data = part.get_payload(decode=True) or b""
        if not data.strip():
            return  # an empty part holds nothing to read or keep
        textual = kind.startswith(("text/", "multipart/"))  # a multipart without boundaries is text
        if textual and part.get_content_disposition() != "attachment":
            text = self._decode(data, part)
            if kind == "text/html":
                text = html_text(text)[1]
            self.sections.append(Section("body", text))
        else:
            self._attach(part, kind, data)

    def _decode(self, data: bytes, part: Message) -> str:
        found: list[str] = []
        text = decode_text(data, part.get_content_charset(), found)
        self.defects.update(found)
        return text

    def _enclosed(self, payload, part: Message) -> bytes:
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        if isinstance(payload, list) and payload and encoding in _DECODED:
            # Not allowed by RFC 2046, but written: the parser took the encoded text for a
            # headerless message; decode the text into the message it carries.
            return _DECODED[encoding](payload[0].as_bytes(policy=policy.compat32))
        if isinstance(payload, list) and payload:
            # The enclosed message as it was written: compat32 keeps raw header values.
            for writer in (policy.compat32, policy.SMTP):
                try:
                    return payload[0].as_bytes(policy=writer)
                except Exception:  # noqa: BLE001 - a broken enclosed message; try the next writer
                    continue
            self.defects.add("unserialisable_enclosed_message")
            return b""
        return part.get_payload(decode=True) or b""

    def _status(self, payload, part: Message) -> None:
        if isinstance(payload, list):
            blocks = ["\n".join(f"{k}: {v}" for k, v in block.raw_items()) for block in payload]
            text = "\n\n".join(b for b in blocks if b)
        else:
            text = self._decode(part.get_payload(decode=True) or b"", part)
        if text.strip():
            self.sections.append(Section("body", text))

    def _attach(self, part: Message, kind: str, data: bytes) -> Part | None:
        if not data.strip():
            return None
        if len(self.attachments) >= self.limits.max_attachments:
            raise Quarantined(
                reasons.RESOURCE_LIMIT, f"more than {self.limits.max_attachments} attachments"
            )
        try:
            name = part.get_filename()
        except Exception:  # noqa: BLE001 - a malformed filename parameter
            self.defects.add(UNPARSEABLE_HEADER)
            name = None
        self.attachments.append(Part(name or f"part-{len(self.attachments) + 1}", kind, data))
        return self.attachments[-1]


def read_message(data: bytes, limits: Limits) -> Parsed:
    """The subject, every text part and the attachments (enclosed messages included) of one
    e-mail; raises `Quarantined` only for what cannot be read at all."""
    try:
        msg = BytesParser(policy=_EML_POLICY).parsebytes(data)
    except RecursionError as exc:
        raise Quarantined(reasons.TOO_DEEP, "MIME parts nest too deeply to parse") from exc
    depth = depth_of(msg)
    if depth > limits.max_depth:
        raise Quarantined(
            reasons.TOO_DEEP, f"MIME parts nest {depth} deep (limit {limits.max_depth})"
        )
    if not msg.keys():  # a MIME entity needs one header field at least (Content-Type will do)
        raise Quarantined(reasons.MALFORMED_MIME, "no RFC 822 header fields")
    walk = _Walk(limits)
    fields = {name: _header(msg, name, walk.defects) for name in ("From", "Subject")}
    walk.part(msg)
    sender = parseaddr(fields["From"])[1]
    domain = sender.rsplit("@", 1)[1].lower() if "@" in sender else None
    return Parsed(
        "eml",
        [Section("subject", fields["Subject"]), *walk.sections],
        sender_domain=domain,
        attachments=walk.attachments,
        defects=sorted(walk.defects),
    )


def read_mailbox(data: bytes, limits: Limits) -> Parsed:
    """An mbox file: each message a child document (its `From ` line dropped, `>From ` lines
    unescaped); the file itself has no text of its own."""
    starts = [m.start(1) for m in _MBOX_SEPARATOR.finditer(data)]
    messages = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        body = data[start:end].split(b"\n", 1)[1] if b"\n" in data[start:end] else b""
        if body.strip():
            messages.append(_MBOX_ESCAPED.sub(rb"\1", body))
    if len(messages) > limits.max_attachments:
        raise Quarantined(
            reasons.RESOURCE_LIMIT,
            f"{len(messages)} messages in one mailbox (limit {limits.max_attachments})",
        )
    parts = [Part(f"message-{n}.eml", "message/rfc822", body) for n, body in enumerate(messages, 1)]
    return Parsed("mbox", [], attachments=parts)
