"""Valid-by-construction identifiers and values to plant in documents (check digits included).

Values are written the way each language writes them: amounts in 1,234.56 / 1.234,56 /
1 234,56 style, dates with the language's month names (CLDR, via Babel), phone numbers
in national or international form (valid per libphonenumber).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date

import phonenumbers
from babel.dates import get_month_names
from faker import Faker
from phonenumbers import PhoneNumberFormat
from stdnum import isin as stdnum_isin
from stdnum.iso7064 import mod_97_10

ISIN_COUNTRIES = ("US", "DE", "FR", "NL", "GB", "LU", "IE", "BE")
CURRENCIES = (("EUR", "€"), ("USD", "$"), ("GBP", "£"), ("CHF", None))
# Region of a national phone number, by the language of the letter it is written in.
HOME_REGION = {"en": "GB", "fr": "FR", "nl": "NL", "de": "DE"}
PHONE_REGIONS = ("GB", "DE", "FR", "NL", "BE", "LU", "CH")
FAKER_LOCALES = {"en": "en_GB", "fr": "fr_FR", "nl": "nl_NL", "de": "de_DE"}


@dataclass(frozen=True)
class Planted:
    """One value written into a document, and its normalised form for scoring extraction."""

    type: str
    value: str
    normalized: str


class EntityFactory:
    """Draws entity values from one seeded random source, so a corpus is reproducible."""

    def __init__(
        self, rng: random.Random, faker: Faker, language: str = "en", domains: tuple[str, ...] = ()
    ):
        self.rng = rng
        self.faker = faker
        self.language = language
        # The firms that write in: a sender's address is at one of them (any domain if empty).
        self.domains = domains

    def _alnum(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))

    def iban(self) -> Planted:
        raw = self.faker.iban()
        grouped = " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
        return Planted("IBAN", grouped if self.rng.random() < 0.6 else raw, raw)

    def bic(self) -> Planted:
        country = self.rng.choice(("DE", "FR", "NL", "GB", "BE", "LU"))
        bank = "".join(self.rng.choice(string.ascii_uppercase) for _ in range(4))
        location = self._alnum(2).replace("0", "A").replace("1", "B")
        branch = "" if self.rng.random() < 0.6 else self.rng.choice(("XXX", self._alnum(3)))
        value = f"{bank}{country}{location}{branch}"
        return Planted("BIC", value, value)

    def isin(self) -> Planted:
        body = self.rng.choice(ISIN_COUNTRIES) + "".join(
            self.rng.choice(string.digits + string.ascii_uppercase[:6]) for _ in range(9)
        )
        value = body + stdnum_isin.calc_check_digit(body)
        return Planted("ISIN", value, value)

    def lei(self) -> Planted:
        body = "".join(self.rng.choice(string.digits) for _ in range(4)) + "00" + self._alnum(12)
        value = body + mod_97_10.calc_check_digits(body)
        return Planted("LEI", value, value)

    def amount(self) -> Planted:
        cents = self.rng.randrange(10_000, 500_000_000)
        whole, frac = divmod(cents, 100)
        iso, symbol = self.rng.choice(CURRENCIES)
        style = self.rng.random()
        english = self.language == "en"
        if (english and style < 0.7) or (not english and style < 0.2):
            number = f"{whole:,}.{frac:02d}"
        elif self.language == "fr" and style < 0.8:
            number = f"{whole:,}".replace(",", " ") + f",{frac:02d}"
        else:
            number = f"{whole:,}".replace(",", ".") + f",{frac:02d}"
        if symbol and self.rng.random() < 0.4:
            value = (
                f"{symbol}{number}" if english or self.rng.random() < 0.5 else f"{number} {symbol}"
            )
        elif self.rng.random() < 0.5:
            value = f"{iso} {number}"
        else:
            value = f"{number} {iso}"
        return Planted("AMOUNT", value, f"{whole}.{frac:02d} {iso}")

    def date(self) -> Planted:
        day = self.faker.date_between_dates(date_start=date(2025, 1, 1), date_end=date(2027, 6, 30))
        wide = get_month_names("wide", locale=self.language)[day.month]
        short = get_month_names("abbreviated", locale=self.language)[day.month]
        style = self.rng.randrange(7)
        if style == 0:
            value = day.isoformat()
        elif style == 1:
            value = f"{day.day:02d}/{day.month:02d}/{day.year}"
        elif style == 2:
            value = f"{day.day:02d}.{day.month:02d}.{day.year}"
        elif style == 3 and self.language == "de":
            value = f"{day.day}. {wide} {day.year}"
        elif style == 3 and self.language == "fr" and day.day == 1:
            value = f"1er {wide} {day.year}"
        elif style == 4 and self.language == "en":
            value = f"{wide} {day.day}, {day.year}"
        elif style == 5:
            value = f"{day.day} {short} {day.year}"
        elif style == 6 and self.language == "en":
            value = f"{day.day:02d}-{short}-{day.year}"
        else:
            value = f"{day.day} {wide} {day.year}"
        return Planted("DATE", value, day.isoformat())

    def reference(self) -> Planted:
        prefix = self.rng.choice(("CASE", "SR", "TRX", "CA"))
        value = f"{prefix}-{self.rng.randrange(2024, 2027)}-{self.rng.randrange(0, 999_999):06d}"
        return Planted("REFERENCE", value, value)

    def email(self, name: str | None = None) -> Planted:
        if name:
            local = ".".join(part.lower() for part in name.split() if part.isalpha())
            domain = self.rng.choice(self.domains) if self.domains else self.faker.domain_name()
            value = f"{local or 'contact'}@{domain}"
        else:
            value = self.faker.company_email()
        value = value.encode("ascii", "ignore").decode()
        return Planted("EMAIL", value, value.lower())

    def phone(self, sender_domain: str | None = None) -> Planted:
        """A number of the sender's country (its e-mail domain's ccTLD) when it is one of
        PHONE_REGIONS, else of the letter language's home; written national or international."""
        tld = (sender_domain or "").rsplit(".", 1)[-1].upper()
        tld = {"UK": "GB"}.get(tld, tld)
        home = tld if tld in PHONE_REGIONS else HOME_REGION.get(self.language, "GB")
        region = home if self.rng.random() < 0.7 else self.rng.choice(PHONE_REGIONS)
        while True:
            example = phonenumbers.example_number(region)
            digits = str(example.national_number)
            national = digits[:2] + "".join(self.rng.choice(string.digits) for _ in digits[2:])
            number = phonenumbers.parse(national, region)
            if phonenumbers.is_valid_number(number):
                break
        national_form = region == home and self.rng.random() < 0.5
        fmt = PhoneNumberFormat.NATIONAL if national_form else PhoneNumberFormat.INTERNATIONAL
        value = phonenumbers.format_number(number, fmt)
        return Planted("PHONE", value, phonenumbers.format_number(number, PhoneNumberFormat.E164))

    def person(self) -> Planted:
        name = f"{self.faker.first_name()} {self.faker.last_name()}"
        return Planted("PERSON", name, name)
