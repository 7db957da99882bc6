"""Person names and signature blocks.

A signature block starts at a closing formula on a line of its own ("Kind regards,",
"Met vriendelijke groet,", "Mit freundlichen Grüßen", "Cordialement,"). The name on the
line after the closing is a person; names elsewhere in the text need the trained model
(`lockgate.extraction.person_model`).
"""

from __future__ import annotations

import re

from lockgate.extraction.spans import Entity

_CLOSING = re.compile(
    r"^[ \t]*(?:kind regards|best regards|warm regards|regards|best wishes|yours faithfully|yours sincerely|sincerely"
    r"|cordialement|bien cordialement|bien à vous|meilleures salutations|sincères salutations|salutations distinguées"
    r"|veuillez agréer[^\n]{0,80}"
    r"|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|hoogachtend|groeten|groet"
    r"|mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|hochachtungsvoll|mfg)[ \t]*[,.!]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_WORD = r"[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"
_NAME_LINE = re.compile(rf"^[ \t]*((?:{_WORD})(?:[ \t]+(?:{_WORD})){{1,3}})[ \t]*$")


def has_signature_block(text: str) -> bool:
    """Whether `text` holds a closing formula on a line of its own (the start of a signature)."""
    return _CLOSING.search(text) is not None


def signature_names(text: str, source: str) -> list[Entity]:
    """The name written on the first non-empty line under a closing formula."""
    found = []
    for closing in _CLOSING.finditer(text):
        rest = text[closing.end() :]
        stripped = rest.lstrip("\n\r")
        offset = closing.end() + len(rest) - len(stripped)
        line = stripped.split("\n", 1)[0].rstrip("\r")
        m = _NAME_LINE.match(line)
        if m and not _CLOSING.match(line):
            name = m.group(1)
            start = offset + m.start(1)
            found.append(Entity("PERSON", name, name, source, start, start + len(name), True, 0.8))
    return found
