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

    from lockgate.corpus.generator import labelled_texts
    from lockgate.extraction.contacts import _Matcher

    texts = [text for _, text, _ in labelled_texts(150, 7)] + [
        "Ref 12/03/2026 p. 17-18, EUR 1.234,56 on 2026-03-17 at 10:30, call 030 901820 or"
        " +49 30 901820, 1-800-FLOWERS, +683 4002, 0800 1111, 112, ext. 12: 020 7946 0958 x12",
    ]
    found = 0
    for text in texts:
        for region in ("GB", "FR", "NL", "DE"):
            ours = [
                (m.start, m.raw_string, m.number) for m in _Matcher(text, region, Leniency.VALID)
            ]
            stock = [(m.start, m.raw_string, m.number)
                     for m in PhoneNumberMatcher(text, region, Leniency.VALID)]  # fmt: skip
            assert ours == stock
            found += len(ours)
    assert found > 100  # the texts hold numbers, not only near misses


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
