"""The words correspondence writes around person names, in one place: forms of address, titles,
greetings, contact labels, the particles of family names and the legal forms that make a name a
company's. The name model's clean-up (`person_model.refine`) and the context rules
(`name_context`) build their patterns from these lists, so a word added here counts for both.
"""

# The word lists below keep several words to a line (`# fmt: skip`): one word a line, as the
# formatter would have it, makes a list of short words hard to read and review.

from __future__ import annotations

import re

# Forms of address as written, in the languages of the corpus (a dot may follow each).
FORMS_OF_ADDRESS = (
    "Herr", "Herrn", "Hr", "Frau", "Fr", "Mr", "Mrs", "Ms", "Mx", "Miss", "Sir", "Dame", "Mme",
    "Mlle", "Monsieur", "Madame", "Mademoiselle", "Dhr", "Mevr", "Mevrouw", "Meneer", "Sr",
    "Sra", "Sig", "Sig.ra", "Dott", "Dott.ssa", "Sen", "Rep", "Gov",
)  # fmt: skip
# A French "M." before a family name: a form of address only where a model found a name after it
# (a capital M alone is too common to be a cue).
ABBREVIATED_ONLY = ("M",)
# Academic and professional titles, after a form of address or alone.
TITLES = ("Dr", "Prof", "Dipl.-Ing", "Ing", "Mag")
GREETINGS = (
    "Dear", "Hi", "Hello", "Hey", "Hallo", "Liebe", "Lieber", "Beste", "Geachte", "Cher", "Chère",
    "Bonjour", "Ciao", "Hola",
)  # fmt: skip
# The labels a contact's name is written after on forms and invoices, as a regex alternation
# (matched without regard to case), and the lower-case key words that say one may be in a text.
NAME_LABEL = (
    r"ansprechpartner(?:in)?|kontaktperson|kontakt|contact person|contactpersoon|contact"
    r"|sachbearbeiter(?:in)?|bearbeiter(?:in)?|attn|z\.[ \t]?hd\.?|à l'attention de|t\.a\.v\.?"
    r"|name|naam|nom"
)
NAME_LABEL_KEYS = (
    "ansprechpartner", "kontakt", "contact", "bearbeiter", "attn", "hd", "attention", "t.a.v",
    "name", "naam", "nom",
)  # fmt: skip
# The particles of family names ("van der Berg", "de la Fontaine"), longest first.
PARTICLES = (
    "van der", "van den", "van de", "von der", "de la", "van", "von", "de", "der", "den", "du",
    "di", "da", "del", "ter", "ten", "le", "la",
)  # fmt: skip
PARTICLE_WORDS = frozenset(w for p in PARTICLES for w in p.split())
# Legal forms as written after a company's name.
LEGAL_FORMS = (
    "AG", "GmbH", "KG", "OHG", "SE", "SA", "SAS", "SARL", "S.A.", "BV", "B.V.", "NV", "N.V.",
    "Ltd", "Limited", "LLC", "LLP", "Inc", "Corp", "Co.", "& Co", "und Co", "& Söhne", "& Sons",
    "plc", "PLC", "AB", "ASA", "A/S", "Oy", "SpA", "S.p.A.", "Srl", "S.L.",
)  # fmt: skip
# ... and the one-word ones in lower case, for a name's words to be checked against.
LEGAL_FORM_WORDS = frozenset(
    f.lower().rstrip(".") for f in LEGAL_FORMS if re.fullmatch(r"[A-Za-z]+\.?", f)
)
