"""A regex alternation of literal words, the one way the extraction rules build theirs."""

from __future__ import annotations

import re


def alternation(words, dotted: bool = False) -> str:
    """A non-capturing alternation of `words` as written, longest first so that a word is never
    cut short by its prefix, grouped by first character (a pattern of hundreds of currency codes
    then tries one group, not every code); `dotted`: each word may end in a dot."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        groups.setdefault(word[:1], []).append(re.escape(word[1:]))
    body = "|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in groups.items())
    return f"(?:{body})\\.?" if dotted else f"(?:{body})"
