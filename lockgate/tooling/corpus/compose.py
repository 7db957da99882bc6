"""Composing a letter: department, language, correspondent, template slots filled with
planted entities whose spans are known (the ground truth's fields)."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from faker import Faker

from lockgate.tooling.corpus import templates
from lockgate.tooling.corpus.entities import FAKER_LOCALES, EntityFactory, Planted

DEPARTMENTS = templates.DEPARTMENTS
DEPARTMENT_WEIGHTS = {
    "payments": 25,
    "settlements": 20,
    "custody": 15,
    "corporate_actions": 15,
    "complaints": 13,
    "kyc": 12,
}
LANGUAGE_WEIGHTS = {"en": 55, "fr": 15, "nl": 15, "de": 15}
FORMAT_WEIGHTS = {"eml": 45, "pdf": 25, "txt": 20, "html": 10}
# The counterparties who write in, by their e-mail domain: a back office hears from the same
# firms day after day, which is what makes a new one worth noticing.
CORRESPONDENTS = (
    "northbridge-capital.com",
    "alder-custody.co.uk",
    "banque-lumiere.fr",
    "kanaal-vermogen.nl",
    "rheinwert-bank.de",
    "harbourline-securities.com",
    "saint-clair-gestion.fr",
    "polder-pensioen.nl",
    "isar-treuhand.de",
    "greyfriars-trust.co.uk",
    "meridian-funds.lu",
    "valmont-partners.ch",
    "eastgate-asset.com",
    "atlantique-titres.fr",
    "delta-clearing.nl",
    "hanse-depot.de",
    "thistle-investments.co.uk",
    "orion-fiduciary.ie",
    "brabant-beheer.be",
    "moselle-privatbank.lu",
    "kingsway-brokers.com",
    "fjord-capital.com",
    "tuileries-patrimoine.fr",
    "elbe-finanz.de",
)


@dataclass(frozen=True)
class CorpusMix:
    """Who writes, about what, in which language: the population a day of letters is drawn from.

    The default is the population lockgate's demo models are trained on; another mix stands for
    the world having changed (monitoring's tests inject one).
    """

    departments: Mapping[str, int] = field(default_factory=lambda: dict(DEPARTMENT_WEIGHTS))
    languages: Mapping[str, int] = field(default_factory=lambda: dict(LANGUAGE_WEIGHTS))
    correspondents: tuple[str, ...] = CORRESPONDENTS

    def __post_init__(self) -> None:
        unknown = set(self.departments) - set(DEPARTMENTS)
        unknown |= set(self.languages) - set(LANGUAGE_WEIGHTS)
        if unknown:
            raise ValueError(
                f"corpus mix names {sorted(unknown)}; departments are "
                f"{sorted(DEPARTMENTS)}, languages {sorted(LANGUAGE_WEIGHTS)}"
            )
        if not self.correspondents:
            raise ValueError("corpus mix needs at least one correspondent domain")

    @classmethod
    def from_dict(cls, data: Mapping) -> CorpusMix:
        """From a JSON object with any of: departments, languages (name -> weight), and
        correspondents (list of e-mail domains); a missing key keeps the default."""
        unknown = set(data) - {"departments", "languages", "correspondents"}
        if unknown:
            raise ValueError(f"corpus mix keys {sorted(unknown)} are not known")
        kwargs = dict(data)
        if "correspondents" in kwargs:
            kwargs["correspondents"] = tuple(kwargs["correspondents"])
        return cls(**kwargs)


# Broken or hostile files: what is written, in which format, and the quarantine reason the
# extractor must give (None: it must parse it). The weight sets how often each kind is drawn.


_SLOT = re.compile(r"\{([A-Z]+)\}")


@dataclass
class EntitySpan:
    type: str
    value: str
    normalized: str
    source: str
    start: int
    end: int


@dataclass
class TextPart:
    """Text with the spans of the entities planted in it."""

    text: str = ""
    entities: list[EntitySpan] = field(default_factory=list)

    def append(self, template: str, factory: EntityFactory, source: str, latin1: bool) -> None:
        pos = 0
        for match in _SLOT.finditer(template):
            self.text += template[pos : match.start()]
            planted = _draw(factory, match.group(1), latin1)
            start = len(self.text)
            self.text += planted.value
            self.entities.append(
                EntitySpan(
                    planted.type, planted.value, planted.normalized, source, start, len(self.text)
                )
            )
            pos = match.end()
        self.text += template[pos:]

    def append_entity(self, planted: Planted, source: str, prefix: str = "") -> None:
        self.text += prefix
        start = len(self.text)
        self.text += planted.value
        self.entities.append(
            EntitySpan(
                planted.type, planted.value, planted.normalized, source, start, len(self.text)
            )
        )
        self.text += "\n"


def _draw(factory: EntityFactory, slot: str, latin1: bool) -> Planted:
    draw = getattr(factory, slot.lower())
    for _ in range(20):
        planted = draw()
        if not latin1 or is_latin1(planted.value):
            return planted
    raise RuntimeError(f"could not draw a latin-1 value for {slot}")


def is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Letter:
    department: str
    language: str
    subject: TextPart
    body: TextPart
    has_signature: bool
    attachment: TextPart | None
    sender: Planted | None = None
    sender_email: Planted | None = None
    forwarded: Letter | None = None


def weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def compose(
    rng: random.Random, factory: EntityFactory, department: str, language: str, latin1: bool
) -> Letter:
    pack = templates.PACKS[language]
    subject = TextPart()
    subject.append(rng.choice(pack.SUBJECTS[department]), factory, "subject", latin1)

    body = TextPart()
    greeting = rng.choice(pack.NAMED_GREETINGS if rng.random() < 0.3 else pack.GREETINGS)
    body.append(greeting + "\n\n", factory, "body", latin1)
    sentences = rng.sample(pack.SENTENCES[department], k=rng.randint(2, 4))
    sentences += rng.sample(pack.GENERIC, k=rng.randint(0, 2))
    if rng.random() < 0.35:
        # Real mail mixes topics: a complaint about a payment, a custody transfer that failed to settle.
        other = rng.choice([d for d in templates.DEPARTMENTS if d != department])
        sentences += rng.sample(pack.SENTENCES[other], k=rng.randint(1, 2))
    if rng.random() < 0.4:
        sentences.append(rng.choice(pack.PERSON_SENTENCES))
    rng.shuffle(sentences)
    for sentence in sentences:
        body.append(sentence + "\n", factory, "body", latin1)

    letter = Letter(department, language, subject, body, False, None)
    if rng.random() < 0.9:
        letter.has_signature = True
        letter.sender = _draw(factory, "PERSON", latin1)
        letter.sender_email = factory.email(letter.sender.value)
        body.append("\n" + rng.choice(pack.CLOSINGS) + "\n", factory, "body", latin1)
        body.append_entity(letter.sender, "body")
        body.text += f"{rng.choice(pack.TITLES)}, {factory.faker.company()}\n"
        sender_domain = letter.sender_email.value.rsplit("@", 1)[-1]
        body.append_entity(factory.phone(sender_domain), "body", prefix=f"{pack.PHONE_LABEL}: ")
        body.append_entity(letter.sender_email, "body", prefix=f"{pack.EMAIL_LABEL}: ")

    if rng.random() < 0.3:
        attachment = TextPart()
        attachment.append(pack.ATTACHMENT_TITLE + "\n", factory, "attachment", True)
        for slot in rng.sample(["ISIN", "AMOUNT", "DATE", "REFERENCE", "IBAN"], k=3):
            attachment.append(
                f"{pack.FIELD_LABELS[slot]}: {{{slot}}}\n", factory, "attachment", True
            )
        letter.attachment = attachment
    return letter


def labelled_texts(count: int, seed: int) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """(language, text, entity spans) of `count` composed letters: training data for text models.

    The same letters the corpus writes (subject, body, signature), without the file formats.
    """
    fakers = {lang: Faker(locale) for lang, locale in FAKER_LOCALES.items()}
    out = []
    for seq in range(count):
        rng = random.Random(
            int.from_bytes(hashlib.sha256(f"texts:{seed}:{seq}".encode()).digest()[:8], "big")
        )
        language = weighted(rng, LANGUAGE_WEIGHTS)
        fakers[language].seed_instance(rng.getrandbits(64))
        factory = EntityFactory(rng, fakers[language], language)
        letter = compose(rng, factory, weighted(rng, DEPARTMENT_WEIGHTS), language, latin1=False)
        offset = len(letter.subject.text) + 2
        spans = [(e.start, e.end, e.type) for e in letter.subject.entities]
        spans += [(e.start + offset, e.end + offset, e.type) for e in letter.body.entities]
        out.append((language, f"{letter.subject.text}\n\n{letter.body.text}", spans))
    return out
