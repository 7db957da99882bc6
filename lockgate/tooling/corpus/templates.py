"""What each department's correspondence says, per language; the packs hold the templates.

Templates carry `{TYPE}` slots that the generator fills with planted entities.
"""

from __future__ import annotations

from lockgate.tooling.corpus.packs import de, en, fr, nl

LANGUAGES = ("en", "fr", "nl", "de")
PACKS = {"en": en, "fr": fr, "nl": nl, "de": de}
DEPARTMENTS = tuple(en.SENTENCES)
