from dataclasses import replace

import pytest

from lockgate.extraction import extract_entities, mask_text


def _found(text):
    return {(e.type, e.normalized, e.valid) for e in extract_entities(text, "body")}


def test_identifiers_with_valid_check_digits_are_found_and_normalised():
    text = (
        "Pay to DE89 3704 0044 0532 0130 00 (BIC COBADEFFXXX) for ISIN US0378331005, "
        "counterparty LEI 5493001KJTIIGC8Y1R12."
    )
    found = _found(text)
    assert ("IBAN", "DE89370400440532013000", True) in found
    assert ("BIC", "COBADEFFXXX", True) in found
    assert ("ISIN", "US0378331005", True) in found
    assert ("LEI", "5493001KJTIIGC8Y1R12", True) in found


def test_wrong_check_digit_is_kept_as_rejected_candidate():
    found = _found("Account DE88 3704 0044 0532 0130 00 and ISIN US0378331006.")
    assert ("IBAN", "DE88370400440532013000", False) in found
    assert ("ISIN", "US0378331006", False) in found


def test_amounts_in_both_styles_with_codes_and_symbols():
    found = _found("We owe EUR 1.234,56 and $2,500.00 and 99,00 CHF and £1,000.")
    assert ("AMOUNT", "1234.56 EUR", True) in found
    assert ("AMOUNT", "2500.00 USD", True) in found
    assert ("AMOUNT", "99.00 CHF", True) in found
    assert ("AMOUNT", "1000.00 GBP", True) in found


def test_amount_styles_of_four_languages():
    found = _found("1 234,56 €, € 12.345, CHF 1'234.50, USD1000 and 7.500,00 EUR")
    amounts = {n for t, n, v in found if t == "AMOUNT"}
    assert amounts == {"1234.56 EUR", "12345.00 EUR", "1234.50 CHF", "1000.00 USD", "7500.00 EUR"}


def test_written_dates_in_english_french_dutch_and_german():
    text = "le 1er mars 2026, am 12. März 2026, op 3 mrt. 2026, 12-Mar-2026, 5 sept. 2025, March 3rd, 2026, 9 Dezember 2026"
    dates = {n for t, n, v in _found(text) if t == "DATE" and v}
    assert dates == {"2026-03-01", "2026-03-12", "2026-03-03", "2025-09-05", "2026-12-09"}


def test_national_phone_numbers_are_read_in_the_documents_language():
    text = "Tél : 06 12 34 56 78, Tel: 020 7946 0958"
    french = {(e.type, e.normalized) for e in extract_entities(text, "body", "fr")}
    english = {(e.type, e.normalized) for e in extract_entities(text, "body", "en")}
    assert ("PHONE", "+33612345678") in french and ("PHONE", "+442079460958") not in french
    assert ("PHONE", "+442079460958") in english


def test_the_shortest_number_is_the_metadatas():
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import COUNTRY_CODES_FOR_NON_GEO_REGIONS, SUPPORTED_REGIONS

    from lockgate.extraction.contacts import SHORTEST_NUMBER_DIGITS

    regions = [PhoneMetadata.metadata_for_region(r) for r in SUPPORTED_REGIONS] + [
        PhoneMetadata.metadata_for_nongeo_region(c) for c in COUNTRY_CODES_FOR_NON_GEO_REGIONS
    ]
    lengths = [n for md in regions for n in md.general_desc.possible_length if n > 0]
    assert min(lengths) == SHORTEST_NUMBER_DIGITS


def test_phone_matches_are_libphonenumbers_own():
    from phonenumbers import Leniency, PhoneNumberMatcher

    from lockgate.extraction.contacts import _NUMERIC_DATE, _Matcher

    leniency = Leniency.VALID
    from lockgate.tooling.corpus.compose import labelled_texts

    texts = [text for _, text, _ in labelled_texts(150, 7)] + [
        "Ref 12/03/2026 p. 17-18, EUR 1.234,56 on 2026-03-17 at 10:30, call 030 901820 or"
        " +49 30 901820, 1-800-FLOWERS, +683 4002, 0800 1111, 112, ext. 12: 020 7946 0958 x12",
    ]
    found = dates_read_as_numbers = 0
    for text in texts:
        for region in ("GB", "FR", "NL", "DE"):
            ours = [(m.start, m.raw_string, m.number) for m in _Matcher(text, region, leniency)]
            stock = [
                (m.start, m.raw_string, m.number)
                for m in PhoneNumberMatcher(text, region, leniency)
            ]
            dates = [m for m in stock if _NUMERIC_DATE.fullmatch(m[1])]
            assert ours == [m for m in stock if m not in dates]  # the stock's, less its dates
            found += len(ours)
            dates_read_as_numbers += len(dates)
    assert found > 100  # the texts hold numbers, not only near misses
    assert dates_read_as_numbers > 0  # 06.06.2027 is a valid German number to the stock matcher


def test_a_candidate_parsed_before_gives_what_parsing_it_again_gives():
    """At POSSIBLE, what `phones` asks for, a candidate seen before in a region comes from the
    parse cache: the same matches as parsing every candidate, each text read twice (the second
    time every candidate is in the cache); a stricter leniency reads the characters around a
    candidate, so it is never cached."""
    from phonenumbers import Leniency

    from lockgate.extraction import contacts
    from lockgate.extraction.contacts import _Matcher
    from lockgate.tooling.corpus.compose import labelled_texts

    class Uncached(_Matcher):
        def _parse_and_verify(self, candidate, offset):
            return self._parsed(candidate, offset)

    texts = [text for _, text, _ in labelled_texts(150, 8)]
    POSSIBLE = Leniency.POSSIBLE  # noqa: N806 - the library's name
    contacts._PARSED.clear()
    found = 0
    for text in texts + texts:
        for region in ("GB", "DE", "US"):
            cached = [(m.start, m.raw_string, m.number) for m in _Matcher(text, region, POSSIBLE)]
            parsed = [(m.start, m.raw_string, m.number) for m in Uncached(text, region, POSSIBLE)]
            assert cached == parsed
            found += len(cached)
    assert found > 200 and len(contacts._PARSED) > 100
    contacts._PARSED.clear()
    list(_Matcher(texts[0], "DE", Leniency.VALID))
    assert not contacts._PARSED


def test_a_number_written_twice_is_found_at_each_place_from_one_parse():
    from lockgate.extraction import contacts

    contacts._PARSED.clear()
    text = "Tel.: +49 30 901820\nFax: 0049 30 901821\nTel.: +49 30 901820\n"
    phones = [e for e in extract_entities(text, "body") if e.type == "PHONE"]
    assert [(e.start, e.normalized) for e in phones] == [
        (6, "+4930901820"),
        (25, "+4930901821"),
        (46, "+4930901820"),
    ]
    assert sum(1 for candidate, _ in contacts._PARSED if "901820" in candidate) == 1


def test_bic_needs_to_be_named_and_iban_may_wrap_a_line():
    found = _found("Le BIC de la banque du bénéficiaire est COBADEFFXXX. Plain word ABCDEFGH here.")
    assert {n for t, n, v in found if t == "BIC"} == {"COBADEFFXXX"}
    assert ("IBAN", "DE89370400440532013000", True) in _found(
        "account DE89 3704 0044\n0532 0130 00 closed"
    )


def test_signature_names_under_closings_in_four_languages():
    for closing in (
        "Kind regards,",
        "Cordialement,",
        "Met vriendelijke groet,",
        "Mit freundlichen Grüßen",
    ):
        found = _found(f"Bitte prüfen.\n\n{closing}\nZoë van der Berg\nHead of Operations\n")
        assert ("PERSON", "Zoë van der Berg", True) in found, closing


def test_dates_in_several_formats_become_iso():
    found = _found("on 2026-03-31, 05/04/2026, 06.04.2026, 7 April 2026 and April\n8, 2026")
    dates = {n for t, n, v in found if t == "DATE" and v}
    assert dates == {"2026-03-31", "2026-04-05", "2026-04-06", "2026-04-07", "2026-04-08"}


def test_impossible_date_is_rejected_not_dropped():
    assert ("DATE", "", False) in _found("due 31/02/2026")


def test_contacts_reference_and_signature_name():
    text = "Case CASE-2026-004512.\n\nKind regards,\nBeth O'Brien\nTel: +44 207 123 4567\nEmail: Beth.OBrien@Example.co.uk"
    found = _found(text)
    assert ("REFERENCE", "CASE-2026-004512", True) in found
    assert ("PERSON", "Beth O'Brien", True) in found
    assert ("PHONE", "+442071234567", True) in found
    assert ("EMAIL", "beth.obrien@example.co.uk", True) in found


def test_masking_replaces_every_entity_with_its_type():
    text = "Kind regards,\nJane Doe\nEmail: jane.doe@bank.example, IBAN GB82 WEST 1234 5698 7654 32"
    masked = mask_text(text, extract_entities(text, "body"))
    assert masked == "Kind regards,\n<PERSON>\nEmail: <EMAIL>, IBAN <IBAN>"


# The example IBAN of each of 50 countries in SWIFT's IBAN Registry (public), written the ways
# people write them: compact, in groups, in lower case, with any of the usual separators.
SWIFT_REGISTRY_EXAMPLES = """
DE89370400440532013000 GB29NWBK60161331926819 FR1420041010050500013M02606 NL91ABNA0417164300
BE68539007547034 ES9121000418450200051332 IT60X0542811101000000123456 CH9300762011623852957
AT611904300234573201 LU280019400644750000 IE29AIBK93115212345678 PT50000201231234567890154
PL61109010140000071219812874 SE4550000000058398257466 DK5000400440116243 NO9386011117947
FI2112345600000785 CZ6508000000192000145399 HU42117730161111101800000000
GR1601101250000000012300695 SK3112000000198742637541 SI56263300012039086 HR1210010051863000160
RO49AAAA1B31007593840000 BG80BNBG96611020345678 LT121000011101001000 LV80BANK0000435195001
EE382200221020145685 MT84MALT011000012345MTLCAST001S CY17002001280000001200527600
IS140159260076545510730339 LI21088100002324013AA MC5811222000010123456789030
SM86U0322509800000000270100 AD1200012030200359100100 GI75NWBK000000007099453
TR330006100519786457841326 IL620108000000099999999 SA0380000000608010167519
AE070331234567890123456 QA58DOHB00001234567890ABCDEFG KW81CBKU0000000000001234560101
BH67BMAG00001299123456 JO94CBJO0010000000000131000302 LB62099900000001001901229114
PK36SCBL0000001123456702 BR1800360305000010009795493C1 MU17BOMM0101101030300200000MUR
TN5910006035183598478831 SC18SSCB11010000000000001497USD
""".split()
SEPARATORS = {
    "space": " ",
    "no-break space": "\u00a0",
    "tab": "\t",
    "hyphen": "-",
    "dot": ".",
    "two spaces": "  ",
    "line break": "\n",
}


def _grouped(iban: str, separator: str) -> str:
    return separator.join(iban[i : i + 4] for i in range(0, len(iban), 4))


@pytest.mark.parametrize("style", ["compact", "lower", "lower grouped", *SEPARATORS])
def test_ibans_of_every_registry_country_in_every_usual_writing(style):
    missed = []
    for iban in SWIFT_REGISTRY_EXAMPLES:
        written = {
            "compact": iban,
            "lower": iban.lower(),
            "lower grouped": _grouped(iban.lower(), " "),
        }.get(style)
        written = written or _grouped(iban, SEPARATORS[style])
        text = f"Please transfer the amount to {written}, thank you."
        entities = [e for e in extract_entities(text, "body") if e.type == "IBAN"]
        if [(e.normalized, e.valid, e.value) for e in entities] != [(iban, True, written)]:
            missed.append((written, entities))
        elif written in mask_text(text, entities):
            missed.append((written, "left in the masked text"))
    assert not missed, missed[:3]


def test_words_after_a_country_code_and_two_digits_are_not_an_iban():
    text = "See de12 and the rest of the letter; at 10 am. We have nl91 customers in total."
    assert not [e for e in extract_entities(text, "body") if e.type == "IBAN"]


def test_an_iban_split_across_html_cells_is_one_iban():
    from lockgate.extraction import extract_record

    page = (
        "<html><body><table><tr><td>IBAN</td><td>DE89 <b>3704</b> 0044</td>"
        "<td>0532 0130 00</td></tr></table></body></html>"
    )
    row = extract_record("statement.html", page.encode())
    ibans = [(e["normalized"], e["valid"]) for e in row["entities"] if e["type"] == "IBAN"]
    assert ibans == [("DE89370400440532013000", True)] and "3704" not in row["masked_text"]


def test_bic_isin_and_lei_in_lower_case_count_only_when_their_check_holds():
    found = _found(
        "swift/bic: cobadeffxxx, isin us0378331005, lei 5493001kjtiigc8y1r12; "
        "by SWIFT transfer of isin us0378331006"
    )
    assert ("BIC", "COBADEFFXXX", True) in found
    assert ("ISIN", "US0378331005", True) in found
    assert ("LEI", "5493001KJTIIGC8Y1R12", True) in found
    assert not {t for t, n, v in found if not v}, "no rejected candidate read from lower case"
    assert ("BIC", "TRANSFER", False) not in found


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Credit note: -198,9 USD", "-198.90 USD"),
        ("Credit note: USD -198.90", "-198.90 USD"),
        ("Balance EUR 1.234,56-", "-1234.56 EUR"),
        ("Balance 1.234,56- EUR", "-1234.56 EUR"),
        ("Adjustment (1,234.56) EUR", "-1234.56 EUR"),
        ("Adjustment EUR (1,234.56)", "-1234.56 EUR"),
        ("Refund −45,00 €", "-45.00 EUR"),
        ("A fee (EUR 25) applies.", "25.00 EUR"),
        ("Il reste 300 euros à payer.", "300.00 EUR"),
        ("Es bleiben 250 Schweizer Franken.", "250.00 CHF"),
        ("Nog 12,50 Euro te betalen.", "12.50 EUR"),
        ("We owe 40 pounds sterling.", "40.00 GBP"),
        ("Total 1 234,56 (EUR)", "1234.56 EUR"),
        ("Amount\nEUR\n1.234,56", "1234.56 EUR"),
        ("Amount\n1.234,56\nEUR", "1234.56 EUR"),
    ],
)
def test_amounts_keep_their_sign_and_currency_words(text, amount):
    assert [n for t, n, v in _found(text) if t == "AMOUNT"] == [amount]


@pytest.mark.parametrize(
    "text",
    [
        "Version 2046, $5.1.5 is out",
        "Section 3.2.1 EUR",
        "Code 1.2.3 USD",
        "Item 12.345.678,9X EUR",
    ],
)
def test_a_number_inside_a_longer_token_is_not_an_amount(text):
    assert not [n for t, n, v in _found(text) if t == "AMOUNT"]


def test_a_hyphen_between_numbers_or_words_is_not_a_minus():
    found = _found("A range of 10-20 EUR; the eop-EUR01.prod relay; HE1EUR01FT040")
    assert not {n for t, n, v in found if t == "AMOUNT" and n.startswith("-")}
    assert "1.00 EUR" not in {n for t, n, v in found if t == "AMOUNT"}


def test_a_currency_on_the_next_line_does_not_steal_a_same_line_amount():
    found = _found("Dated 2026\nEUR 300 to pay")
    assert [n for t, n, v in found if t == "AMOUNT"] == ["300.00 EUR"]


def _dates(text, **kwargs):
    return [
        (e.normalized, e.confidence)
        for e in extract_entities(text, "body", **kwargs)
        if e.type == "DATE" and e.valid
    ]


def test_a_numeric_date_only_one_order_makes_valid_is_read_in_that_order():
    assert _dates("Paid on 1/27/2021.") == [("2021-01-27", 0.9)]
    assert _dates("Paid on 27/1/2021.", month_first=True) == [("2021-01-27", 0.9)]


def test_an_ambiguous_numeric_date_follows_the_policy_and_is_flagged():
    assert _dates("Due 03/04/2026.") == [("2026-04-03", 0.6)]
    assert _dates("Due 03/04/2026.", month_first=True) == [("2026-03-04", 0.6)]
    assert _dates("Due 04/04/2026.") == [("2026-04-04", 0.9)]  # both orders agree


def test_a_sender_in_a_month_first_country_gets_month_first_dates():
    from lockgate.extraction import extract_record

    mail = b"From: ops@bank.us\nSubject: Wire\n\nThe wire of 03/04/2026 settled.\n"
    row = extract_record("us.eml", mail)
    assert [(e["normalized"], e["confidence"]) for e in row["entities"] if e["type"] == "DATE"] == [
        ("2026-03-04", 0.6)
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("el 12 de marzo de 2026", "2026-03-12"),
        ("il 3 aprile 2026", "2026-04-03"),
        ("dnia 5 maja 2026", "2026-05-05"),
        ("den 7 oktober 2026", "2026-10-07"),
        ("em 9 de setembro de 2026", "2026-09-09"),
        ("dne 2. února 2026", "2026-02-02"),
        ("Value date 01-Apr-16", "2016-04-01"),
        ("письмо от 5 июля 2016 г. №", "2016-07-05"),  # Russian, genitive month
        ("з 3 березня 2021 року", "2021-03-03"),  # Ukrainian
        ("la 14 martie 2019", "2019-03-14"),  # Romanian
        ("12 Ocak 2020 tarihinde", "2020-01-12"),  # Turkish
    ],
)
def test_month_names_of_more_languages_and_two_digit_years(text, iso):
    assert [n for n, _ in _dates(text)] == [iso]


def test_a_word_that_is_no_month_is_no_date():
    assert _dates("We shipped 12 items 2026 and 3 boxes 2025.") == []


def test_a_national_number_is_read_in_the_senders_country_before_the_languages():
    text = "Appelez-nous au 06 1234 5678."
    italian = {
        (e.normalized, e.confidence)
        for e in extract_entities(text, "body", "fr", country="IT")
        if e.type == "PHONE"
    }
    by_language = {
        (e.normalized, e.confidence)
        for e in extract_entities(text, "body", "fr")
        if e.type == "PHONE"
    }
    assert italian == {("+390612345678", 0.9)}
    assert by_language == {("+33612345678", 0.6)}  # the language alone: a lower confidence
    uk = extract_entities("Call 020 7946 0958.", "body", "en", country="DE")
    assert [(e.normalized, e.confidence) for e in uk if e.type == "PHONE"] == [
        ("+442079460958", 0.6)
    ]


def _phones(text, language="de", country=None):
    return [
        (e.value, e.normalized, e.valid, e.confidence)
        for e in extract_entities(text, "body", language, country=country)
        if e.type == "PHONE"
    ]


def test_a_national_number_without_a_phone_label_is_masked_but_no_phone():
    # Real bank statements: a customer number and a tax number are valid German phone numbers.
    text = "Kundennummer 0333801865\nSteuernummer: 047 220 2800 4\nTel.: 030 901820"
    assert _phones(text, country="DE") == [
        ("0333801865", "+49333801865", False, 0.4),
        ("047 220 2800 4", "+494722028004", False, 0.4),
        ("030 901820", "+4930901820", True, 0.9),
    ]
    masked = mask_text(text, extract_entities(text, "body", "de", country="DE"))
    assert "0333801865" not in masked and "047 220" not in masked  # masked all the same


def test_phone_labels_of_many_kinds_and_languages():
    cases = {
        "Fernruf: 0 18 88/6 81-0": "+4918886810",
        "Telefon:\t\r \xa0\t\r \xa0\t\r \xa001234/987654": "+491234987654",
        "Sparkasse Marktplatz 18 T 05 0100-942300 Firmensitz": "+4350100942300",
        "тел. 8 (343) 072-00-00": "+73430720000",
        "Tlf. 74 37 37 37 eller": "+4574373737",
    }
    for text, e164 in cases.items():
        country = {"Sparkasse": "AT", "тел.": "RU", "Tlf.": "DK"}
        region = next((c for k, c in country.items() if k in text), "DE")
        assert [p[1] for p in _phones(text, country=region) if p[2]] == [e164], text


def test_a_single_letter_is_a_label_only_apart_from_the_number():
    assert [p[2] for p in _phones("Rechnungsnummer W07700-0000535645/25", country="DE")] == [False]
    assert [p[2] for p in _phones("M 030 901820", country="DE")] == [True]
    assert [p[2] for p in _phones("M030 901820", country="DE")] == [False]


def test_a_placeholder_number_counts_only_after_a_label():
    # Test invoices print numbers no network has; people still write them as phone numbers.
    assert _phones("Telefon: +49 321 456789") == [("+49 321 456789", "+49321456789", True, 0.7)]
    assert _phones("Fax: 01234/987655", country="DE") == [
        ("01234/987655", "+491234987655", True, 0.7)
    ]
    assert _phones("Artikel +49 321 456789") == []
    # A number cut by a line break is too short to be a placeholder.
    assert _phones("F +49(0)7891\n11-1000", country="DE")[:1] == []


def test_north_american_numbers_are_read_there_when_written_that_way():
    assert _phones("p: 512-417-1762  |  t: @mail_gun", "en") == [
        ("512-417-1762", "+15124171762", True, 0.8)
    ]
    assert _phones("call us toll-free at 1-800-827-1000 (TTY:711)", "en")[0][1] == "+18008271000"
    assert _phones("Tel: 020 7946 0958", "en") == [("020 7946 0958", "+442079460958", True, 0.6)]


def test_a_valid_international_number_needs_no_label():
    assert _phones("Lieferant GmbH +49 30 901820 Betreff") == [
        ("+49 30 901820", "+4930901820", True, 0.95)
    ]
    assert _phones("Lieferant GmbH +49 7891 11-59333 Betreff") == []  # a placeholder, unlabelled
    assert _phones("Hotline 00800 00 222 337")[0][1:3] == ("+80000222337", True)


def test_a_letter_without_a_sender_is_placed_by_its_web_site_or_its_iban():
    from lockgate.extraction.contacts import document_country

    assert document_country("Sparkasse Neuhofen www.sparkasse.at/neuhofen") == "AT"
    assert document_country("see https://www.example.com/x, IBAN: NL91 ABNA 0417 1643 00") == "NL"
    assert document_country("mail@bank.de, www.sparkasse.at") == "DE"  # an address first
    assert document_country("IBAN 12 34, www.example.com") is None


def test_a_dotted_date_is_not_a_german_phone_number():
    found = extract_entities("Frist bis 08.06.2026, Tel. 030 901820", "body", "de", country="DE")
    assert {(e.type, e.normalized) for e in found} == {
        ("DATE", "2026-06-08"),
        ("PHONE", "+4930901820"),
    }


def test_a_lower_case_word_after_bic_is_a_bic_only_if_a_bank_has_it():
    found = _found("Le BIC de la banque du beneficiary est cobadeffxxx, swift: deutdeff.")
    assert {n for t, n, v in found if t == "BIC"} == {"COBADEFFXXX", "DEUTDEFF"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Gentile cliente, le confermiamo che il bonifico è stato eseguito ieri sera.", "it"),
        ("Estimado cliente, le confirmamos que la transferencia se ha realizado hoy.", "es"),
        ("Szanowni Państwo, potwierdzamy wykonanie przelewu na wskazany rachunek.", "pl"),
        ("Dear client, we confirm that the transfer was made yesterday evening.", "en"),
    ],
)
def test_any_language_is_detected(text, language):
    from lockgate.extraction.language import detect_language

    assert detect_language(text)[0] == language


def test_a_text_no_language_is_sure_of_is_unknown():
    from lockgate.extraction.language import UNKNOWN, detect_language

    assert detect_language("ID 4471 / ref AB12 / x9 zz qq 7781 kk") == (
        UNKNOWN,
        detect_language("ID 4471 / ref AB12 / x9 zz qq 7781 kk")[1],
    )
    assert detect_language("1234 5678") == (None, 0.0)


def test_a_unit_price_keeps_its_decimals_and_three_decimals_group_thousands():
    found = {
        n
        for t, n, v in _found("Preis 41,1765 € je Stück, gesamt 1.234,56 EUR; 139,454 USD")
        if t == "AMOUNT"
    }
    assert found == {"41.1765 EUR", "1234.56 EUR", "139454.00 USD"}


def test_an_unnamed_bic_counts_only_in_upper_case_and_registered():
    found = _found("Auftraggeber HYVEDEMM300 Empfaenger INGDDEFFXXX; TRANSFER; hyvedemm300")
    assert {n for t, n, v in found if t == "BIC"} == {"HYVEDEMM300", "INGDDEFFXXX"}


def test_the_month_first_countries_are_the_environments_policy(tmp_path):
    from lockgate.config import load_settings
    from lockgate.extraction import extract_record
    from lockgate.extraction.parsed import Limits

    limits = Limits.of(load_settings("local", "dev", tmp_path).policy.extraction)
    assert "US" in limits.month_first_countries
    mail = b"From: ops@bank.ca\nSubject: Wire\n\nThe wire of 03/04/2026 settled.\n"
    dates = [e["normalized"] for e in extract_record("ca.eml", mail, limits)["entities"]]
    assert dates == ["2026-04-03"]  # Canada is not in the list: day first
    canadian = replace(limits, month_first_countries=(*limits.month_first_countries, "CA"))
    dates = [e["normalized"] for e in extract_record("ca.eml", mail, canadian)["entities"]]
    assert dates == ["2026-03-04"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("from Friday, 12/22/95, through", "1995-12-22"),  # a two-digit year, month first
        ("исключение период с 25/05/19 по", "2019-05-25"),
        ("Zahlungsziel 21.05.14\n", "2014-05-21"),
        ("sent on 1995 Sep 19 at 13:30", "1995-09-19"),
        ("Sent: March-09-12 4:22 PM", "2012-03-09"),
        ("2012 年 3 月 27 日", "2012-03-27"),
        ("Kauf, 16.09. \n                2024, 110,96", "2024-09-16"),  # the year on the next line
        ("Gedownload op : 24/07/2024A", "2024-07-24"),  # PDF text running on
        ("18 april 2014Factuurdatum", "2014-04-18"),
        (":30V:20090224\n", "2009-02-24"),  # SWIFT MT fields
        (":60F:C200101EUR444,29\n", "2020-01-01"),
        ("DATE DE LIVRAISON : 20181230", "2018-12-30"),  # a labelled compact date
    ],
)
def test_two_digit_years_swift_fields_and_dates_that_pdf_text_breaks(text, iso):
    assert iso in [n for n, _ in _dates(text)]


@pytest.mark.parametrize(
    "text",
    ["version 3.10.12", "host 10.0.0.1.2", "RE-20171118/506", "Konto 8333-11-25", "Ref 20181230"],
)
def test_versions_addresses_and_bare_digit_runs_are_no_dates(text):
    assert _dates(text) == []


@pytest.mark.parametrize(
    ("text", "country", "amount"),
    [
        ("Vermögen von 100 Millionen Euro!", None, "100000000.00 EUR"),
        ("EUR 35 million", None, "35000000.00 EUR"),
        ("It costs $150 a year.", "CA", "150.00 CAD"),  # the sender's dollar
        ("It costs $150 a year.", None, "150.00 USD"),
        ("bei 64k: 1500DM bei 2GByte", None, "1500.00 DEM"),
        ("Total 12.500 INR", None, "12500.00 INR"),  # any ISO 4217 code
        ("Alter Saldo      EUR                100,00- \n", None, "-100.00 EUR"),  # a column
        (":62F:C200102EUR379,29\n", None, "379.29 EUR"),  # glued in a SWIFT field
        ("Beurstaks - 16,40 EUR", None, "-16.40 EUR"),
        ("Kurswert: 5.000,-- AUD", None, "5000.00 AUD"),
        ("Preis 0.025 € je Stück", None, "0.025 EUR"),
        ("Kauf, 109,320000 EUR,", None, "109.32 EUR"),
        ("Währung\nCHF\nBetrag\n1 756.05\nKonto", None, "1756.05 CHF"),  # a Swiss QR bill
        ("il debito sale di $19,4 трлн. В", None, "19400000000000.00 USD"),  # Russian scales
        ("около 2,5 млрд рублей", None, None),  # a scale alone is no currency
        ("2,5 miliardi di euro", None, "2500000000.00 EUR"),  # a scale, "of", a currency word
        ("35 millions d'euros", None, "35000000.00 EUR"),
        ("3 millones de euros", None, "3000000.00 EUR"),
        ("US$ 3 trillion", None, "3000000000000.00 USD"),
        ("Capitale sociale euro 347.256.998,80 i.v.", None, "347256998.80 EUR"),  # "euro" first
        ("Settlement 103314.37 (EUR )", None, "103314.37 EUR"),  # a code in spaced brackets
    ],
)
def test_amounts_in_statements_swift_fields_qr_bills_and_with_scale_words(text, country, amount):
    found = extract_entities(text, "body", country=country)
    assert [e.normalized for e in found if e.type == "AMOUNT"] == ([amount] if amount else [])


def test_codes_that_are_words_or_company_numbers_are_no_currency():
    found = _found("UID CHE-112.203.184 MWST; ALL 300 items; BSD 1,2 licence")
    assert not [n for t, n, v in found if t == "AMOUNT"]


def test_ids_on_message_id_and_uid_lines_are_no_addresses():
    text = (
        "Message-ID: <CAKK3O5@mail.gmail.com>\nFrom: REDACTED <REDACTED@DOMAIN.COM>\n"
        "UID:1utaf3e@google.com\n> In-Reply-To: <x@y.com>\nmail me at a@b.de\n"
        "  Message-id: <0GK5@cougar.example.edu>\nOriginal-envelope-id: 0GK6@cougar.example.edu\n"
        "Received: by mx with ESMTP id <5A1F@mx.example.org> for <c@d.de>;\n"
        "my e-mail id <e@f.de>"
    )
    assert {n for t, n, v in _found(text) if t == "EMAIL"} == {
        "redacted@domain.com",
        "a@b.de",
        "c@d.de",
        "e@f.de",
    }


def test_an_iban_and_a_bic_with_their_labels_glued_on_by_pdf_text():
    found = _found("NL810433941B01BTW \nNL50INGB0683251309IBAN \nINGBNL2ABIC \nPino")
    assert {(t, n) for t, n, v in found if t in ("IBAN", "BIC") and v} == {
        ("IBAN", "NL50INGB0683251309"),
        ("BIC", "INGBNL2A"),
    }
    # a word glued on is allowed only when the check digits hold
    assert not [n for t, n, v in _found("NL50INGB0683251308IBAN") if t == "IBAN"]


def test_bics_in_swift_option_a_party_fields():
    text = ":82A:CECAESMM017\n:87A:CAAMES2AXXX\n:57A:/DE123\nDEUTDEFF\n:22C:CAAM2A0001CECAMM\n:20:ABCDEFGH"
    assert {n for t, n, v in _found(text) if t == "BIC"} == {
        "CECAESMM017",
        "CAAMES2AXXX",
        "DEUTDEFF",
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("2 € 4,99 € 9,98", ["4.99 EUR", "9.98 EUR"]),  # a quantity, then the prices
        ("12,50 EUR 30,00 EUR", ["12.50 EUR", "30.00 EUR"]),  # two amounts in a row
        ("Cambio divisa 1,1538 USD/EUR", []),  # a rate
        ("Kontowährung EUR\n0010 Filiale", []),  # a code with a leading zero
        ("Summe €\n1\nSeite", []),  # a currency's next line holds a page number
        ("Amount\nEUR\n1.234,56", ["1234.56 EUR"]),
        ("Euro 2016 in France", []),  # "euro" first needs decimals or groups
        ("Message-id: <002001c144a6$8752e060$56104586@oxy.edu>", []),  # an id, not dollars
    ],
)
def test_quantities_rates_codes_and_page_numbers_beside_a_currency_are_no_amounts(text, found):
    assert [n for t, n, v in sorted(_found(text)) if t == "AMOUNT"] == found
