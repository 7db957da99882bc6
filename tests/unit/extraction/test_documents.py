"""Each format, each quarantine reason and the row invariants, on generated files and hand-made hostile ones."""

import hashlib
import json
from email.message import EmailMessage

import pytest
from fpdf import FPDF

from lockgate.extraction import Limits, extract_record, extract_records, reasons
from lockgate.tooling.corpus import HOSTILE_KINDS, hostile_file

LIMITS = Limits(max_bytes=1_000_000, max_text_chars=200_000)


def _truth(small_corpus):
    root, _ = small_corpus
    lines = (root / "labels" / "ground_truth.jsonl").read_text().splitlines()
    return root, [json.loads(line) for line in lines]


def _pdf(text: str, pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def _message(body: str = "Please pay GB82 WEST 1234 5698 7654 32 today.") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Jane Doe <jane@client.example>"
    msg["Subject"] = "Transfer CASE-2026-000123"
    msg.set_content(body)
    return msg


@pytest.mark.parametrize("fmt", ["eml", "pdf", "html", "txt"])
def test_every_generated_format_gives_its_planted_fields(small_corpus, fmt):
    root, truth = _truth(small_corpus)
    docs = [t for t in truth if t["format"] == fmt and not t["broken_reason"]]
    assert docs, f"corpus has no {fmt} documents"
    for doc in docs:
        data = (root / "landing" / doc["file"]).read_bytes()
        row = extract_record(doc["file"], data, LIMITS)
        assert row["quarantine_reason"] is None, row["quarantine_detail"]
        assert row["format"] == fmt
        assert row["doc_id"] == doc["doc_id"] == hashlib.sha256(data).hexdigest()
        assert row["language"] == doc["language"]
        assert row["has_signature"] == doc["has_signature"]
        planted = {(e["type"], e["normalized"]) for e in doc["entities"] if e["type"] != "PERSON"}
        found = {(e["type"], e["normalized"]) for e in row["entities"] if e["valid"]}
        assert planted <= found, sorted(planted - found)


def test_generated_hostile_files_are_quarantined_with_the_planted_reason(small_corpus):
    root, truth = _truth(small_corpus)
    hostile = [t for t in truth if t["hostile_kind"]]
    assert len({t["hostile_kind"] for t in hostile}) >= 4
    for doc in hostile:
        row = extract_record(doc["file"], (root / "landing" / doc["file"]).read_bytes(), LIMITS)
        assert row["quarantine_reason"] == doc["broken_reason"], doc["file"]


@pytest.mark.parametrize("kind", sorted(HOSTILE_KINDS))
def test_each_hostile_kind_from_the_generator(kind):
    name, data, reason = hostile_file(kind, seed=5)
    assert hostile_file(kind, seed=5) == (name, data, reason)  # a seed is the same bytes
    rows = extract_records(name, data, Limits())
    assert rows[0]["quarantine_reason"] == reason, rows[0]["quarantine_detail"]
    assert rows[0]["doc_id"] == hashlib.sha256(data).hexdigest()
    if reason is None:  # a wrong charset must not cost the fields written in ASCII
        assert {"REFERENCE", "EMAIL"} & {e["type"] for e in rows[0]["entities"]} or rows[0][
            "entities"
        ]


def _deep(depth: int) -> bytes:
    parts = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth)
    )
    return b"From: a@b.example\nSubject: x\n" + parts + b"Content-Type: text/plain\n\nhi\n"


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"0" * 1_000_000)
    return buffer.getvalue()


def _many_attachments(n: int) -> bytes:
    msg = _message()
    for i in range(n):
        msg.add_attachment(f"note {i}", filename=f"n{i}.txt")
    return bytes(msg)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", reasons.EMPTY),
        ("big.txt", b"a" * 1_000_001, reasons.TOO_LARGE),
        ("junk.eml", bytes(range(256)) * 8, reasons.BINARY_CONTENT),
        ("fake.pdf", b"%PDF-1.4\n garbage without objects", reasons.CORRUPT_PDF),
        ("headless.eml", b"just a line\nand another\n", reasons.MALFORMED_MIME),
        ("deep.eml", _deep(30), reasons.TOO_DEEP),
        ("deeper.eml", _deep(3000), reasons.TOO_DEEP),
        ("long.txt", b"word " * 50_000, reasons.RESOURCE_LIMIT),
        ("many.eml", _many_attachments(60), reasons.RESOURCE_LIMIT),
        ("sheet.xlsx", b"PK\x03\x04 plain bytes but an unknown kind", reasons.UNSUPPORTED_FORMAT),
        ("bomb.zip", _zip(), reasons.UNSUPPORTED_FORMAT),
        ("blank.html", b"<html><body>   </body></html>", reasons.NO_TEXT),
    ],
)
def test_hand_made_hostile_files_get_their_reason(name, data, reason):
    row = extract_record(name, data, LIMITS)
    assert row["quarantine_reason"] == reason, row["quarantine_detail"]
    assert row["doc_id"] == hashlib.sha256(data).hexdigest()


def test_pdf_without_text_layer_needs_ocr_when_ocr_is_off():
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    row = extract_record("scan.pdf", bytes(pdf.output()), Limits(ocr=False))
    assert row["quarantine_reason"] == reasons.NEEDS_OCR


def test_a_document_over_its_time_budget_is_quarantined_and_the_next_one_runs():
    slow = _pdf("Please pay GB82 WEST 1234 5698 7654 32. " * 40, pages=60)
    row = extract_record("slow.pdf", slow, Limits(max_bytes=10**8, time_budget_seconds=0.05))
    assert row["quarantine_reason"] == reasons.TIME_BUDGET
    assert "budget" in row["quarantine_detail"]
    again = extract_record("a.txt", b"Subject\n\nPay EUR 10,00 now.", LIMITS)
    assert again["quarantine_reason"] is None


def test_a_parser_crash_is_a_quarantine_record(monkeypatch):
    from lockgate.extraction import formats

    def crash(markup):
        raise ZeroDivisionError("parser bug")

    monkeypatch.setattr(formats, "html_text", crash)
    row = extract_record("page.html", b"<html><body><p>hello there</p></body></html>", LIMITS)
    assert row["quarantine_reason"] == reasons.PARSER_ERROR
    assert "ZeroDivisionError" in row["quarantine_detail"]


def test_attachments_become_child_documents_linked_to_their_parent():
    msg = _message("See the attached files.\n\nKind regards,\nJane Doe\n")
    msg.add_attachment(
        _pdf("ISIN US0378331005 due 12 March 2026"),
        maintype="application",
        subtype="pdf",
        filename="details.pdf",
    )
    msg.add_attachment("Pay into GB82 WEST 1234 5698 7654 32 today.", filename="a.txt")
    msg.add_attachment(
        "<html><body><p>LEI 5493001KJTIIGC8Y1R12</p></body></html>",
        subtype="html",
        filename="b.html",
    )
    msg.add_attachment(
        b"\x00\x01 not a document",
        maintype="application",
        subtype="octet-stream",
        filename="blob.bin",
    )
    data = bytes(msg)
    parent, *children = extract_records("m.eml", data, LIMITS)
    assert parent["doc_id"] == hashlib.sha256(data).hexdigest() and parent["parent_doc_id"] is None
    assert parent["attachment_count"] == 4 and parent["has_signature"]
    assert [c["format"] for c in children] == ["pdf", "txt", "html", None]
    assert {c["parent_doc_id"] for c in children} == {parent["doc_id"]}
    assert children[3]["quarantine_reason"] == reasons.UNSUPPORTED_FORMAT
    by_source = {(e["type"], e["source"]) for e in parent["entities"]}
    assert {
        ("ISIN", "attachment"),
        ("IBAN", "attachment"),
        ("LEI", "attachment"),
        ("REFERENCE", "subject"),
    } <= by_source
    assert "GB82" not in parent["masked_text"] and "<IBAN>" in parent["masked_text"]
    assert {e["type"] for e in children[0]["entities"]} == {"ISIN", "DATE"}


def test_forwarded_message_is_a_child_email():
    inner = _message("Bitte zahlen Sie am 12. März 2026 an DE89 3704 0044 0532 0130 00.")
    outer = _message("FYI, see below.")
    outer.add_attachment(inner)
    parent, child = extract_records("fwd.eml", bytes(outer), LIMITS)
    assert child["format"] == "eml" and child["language"] == "de"
    assert ("DATE", "2026-03-12") in {(e["type"], e["normalized"]) for e in child["entities"]}
    assert ("IBAN", "attachment") in {(e["type"], e["source"]) for e in parent["entities"]}


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1", "windows-1252"])
def test_transfer_encodings_and_charsets_decode(cte, charset):
    text = "Cher client, le virement de 1 234,56 EUR du 1er août 2026 a été reçu par Zoë Müller."
    msg = EmailMessage()
    msg["From"] = "a@banque.example"
    msg["Subject"] = "Virement"
    msg.set_content(text.encode(charset), maintype="text", subtype="plain", cte=cte)
    msg.set_param("charset", charset)
    row = extract_record("m.eml", bytes(msg), LIMITS)
    assert "Zoë Müller" in row["masked_text"] and row["language"] == "fr"
    assert ("DATE", "2026-08-01") in {(e["type"], e["normalized"]) for e in row["entities"]}


def test_wrong_and_missing_charset_declarations_are_not_trusted():
    body = "Geachte heer, het bedrag van € 1.234,56 is op 3 mei 2026 overgemaakt door Jürgen Weiß."
    declared_latin1 = (
        b"From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n"
        + body.encode("utf-8")
    )
    undeclared_latin1 = b"From: a@b.example\nSubject: x\n\n" + body.replace("€", "EUR").encode(
        "latin-1"
    )
    for data in (declared_latin1, undeclared_latin1):
        row = extract_record("m.eml", data, LIMITS)
        assert "Jürgen Weiß" in row["masked_text"], row["masked_text"]
        assert ("AMOUNT", "1234.56 EUR") in {(e["type"], e["normalized"]) for e in row["entities"]}


def test_html_only_and_alternative_bodies():
    html = "<html><body><p>Please pay <b>EUR 5.000,00</b> by 2026-04-01.</p></body></html>"
    only = EmailMessage()
    only["From"], only["Subject"] = "a@b.example", "x"
    only.set_content(html, subtype="html")
    both = _message("Please pay EUR 5.000,00 by 2026-04-01.")
    both.add_alternative(html, subtype="html")
    for msg in (only, both):
        row = extract_record("m.eml", bytes(msg), LIMITS)
        found = {(e["type"], e["normalized"]) for e in row["entities"]}
        assert {("AMOUNT", "5000.00 EUR"), ("DATE", "2026-04-01")} <= found
        assert "<b>" not in row["masked_text"]


def test_same_bytes_give_the_same_rows():
    msg = _message()
    msg.add_attachment("Pay EUR 10,00.", filename="a.txt")
    data = bytes(msg)
    assert extract_records("a.eml", data, LIMITS) == extract_records("a.eml", data, LIMITS)


def test_remembered_headers_are_the_headers_policy_default_parses(small_corpus):
    """E-mails are parsed with a policy that remembers parsed headers; every header of every
    part reads as policy.default reads it, and long values are never kept."""
    from email import policy
    from email.parser import BytesParser

    from lockgate.extraction.mime import _EML_POLICY, _parsed_header

    def headers(message):
        return [
            [(k, str(v), getattr(v, "params", None), v.defects) for k, v in part.items()]
            for part in message.walk()
        ]

    root, _ = small_corpus
    mails = sorted((root / "landing").rglob("*.eml"))
    assert mails
    _parsed_header.cache_clear()
    for mail in mails:
        data = mail.read_bytes()
        ours = BytesParser(policy=_EML_POLICY).parsebytes(data)
        theirs = BytesParser(policy=policy.default).parsebytes(data)
        assert headers(ours) == headers(theirs), mail.name
        assert headers(ours) == headers(ours), mail.name  # read again: from what was kept
    assert _parsed_header.cache_info().hits > 0

    long_subject = _message()
    long_subject.replace_header("Subject", "x " * 600)
    parsed = BytesParser(policy=_EML_POLICY).parsebytes(bytes(long_subject))
    kept = _parsed_header.cache_info().currsize
    assert str(parsed["Subject"]).startswith("x x") and _parsed_header.cache_info().currsize == kept
