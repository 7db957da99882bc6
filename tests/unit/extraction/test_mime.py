"""The whole MIME tree is read; recoverable defects are recorded, not quarantined (hand-made files,
each built the way real mail breaks)."""

import base64
import hashlib
import io
from email.message import EmailMessage

import pytest
from fpdf import FPDF

from lockgate.extraction import Limits, extract_record, extract_records, reasons
from lockgate.extraction.charsets import (
    CHARSET_MISLABELLED,
    UNDECODABLE_BYTES,
    decode_text,
)
from lockgate.extraction.formats import sniff_format

LIMITS = Limits(max_bytes=1_000_000, max_text_chars=200_000)
IBAN = "GB82 WEST 1234 5698 7654 32"


def _found(row: dict) -> set[tuple[str, str]]:
    return {(e["type"], e["normalized"]) for e in row["entities"] if e["valid"]}


def _mail(body: str, subject: str = "Payment") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ops <ops@bank.example>"
    msg["To"] = "client@client.example"
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def test_text_in_a_multipart_inside_a_multipart_is_read():
    data = (
        b"From: a@client.example\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        b"--outer\r\nContent-Type: text/plain\r\n\r\nCover note.\r\n"
        b'--outer\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n'
        b"--inner\r\nContent-Type: text/plain\r\n\r\nPlease pay into " + IBAN.encode() + b".\r\n"
        b"--inner--\r\n--outer--\r\n"
    )
    rows = extract_records("nested.eml", data, LIMITS)
    assert len(rows) == 1 and rows[0]["quarantine_reason"] is None
    assert ("IBAN", "GB82WEST12345698765432") in _found(rows[0])
    assert "Cover note." in rows[0]["masked_text"] and rows[0]["defects"] == []


def test_a_digest_gives_each_enclosed_message_as_a_child():
    parts = b"".join(
        b"--d\r\n\r\nFrom: m%d@client.example\r\nSubject: item %d\r\n\r\nBody of item %d, ISIN "
        b"US0378331005.\r\n" % (n, n, n)
        for n in (1, 2)
    )
    data = (
        b"From: list@lists.example\r\nSubject: digest\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/digest; boundary="d"\r\n\r\n' + parts + b"--d--\r\n"
    )
    parent, *children = extract_records("digest.eml", data, LIMITS)
    assert parent["quarantine_reason"] is None and parent["attachment_count"] == 2
    assert [c["format"] for c in children] == ["eml", "eml"]
    assert all(("ISIN", "US0378331005") in _found(c) for c in children)
    assert "Body of item 2" in children[1]["masked_text"]


def _bounce(original: bytes) -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.bank.example\r\nTo: ops@bank.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.bank.example\r\n\r\n"
        b"Final-Recipient: rfc822; gone@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: ops@bank.example\r\nSubject: Your statement\r\n"
        b"--r\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n--r--\r\n"
    )


def test_a_bounce_reads_its_status_and_headers_and_keeps_a_broken_original_as_a_child():
    broken = (  # the quoted original lost its closing boundary
        b"From: ops@bank.example\r\nSubject: Your statement\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="o"\r\n\r\n'
        b"--o\r\nContent-Type: text/plain\r\n\r\nDear client, your balance is EUR 1.234,56.\r\n"
    )
    parent, child = extract_records("bounce.eml", _bounce(broken), LIMITS)
    assert parent["quarantine_reason"] is None, parent["quarantine_detail"]
    text = parent["masked_text"]
    assert "Status: 5.1.1" in text and "Final-Recipient" in text and "Your statement" in text
    assert "close_boundary_not_found" not in parent["defects"]
    assert child["quarantine_reason"] is None and child["format"] == "eml"
    assert ("AMOUNT", "1234.56 EUR") in _found(child)
    assert "close_boundary_not_found" in child["defects"]


def test_a_forward_whose_whole_body_is_the_enclosed_message():
    inner = _mail(f"Please pay into {IBAN} by 2026-04-01.", subject="Original")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "fwd@client.example", "Fwd: Original"
    outer.set_content(inner)
    parent, child = extract_records("fwd.eml", bytes(outer), LIMITS)
    assert parent["quarantine_reason"] is None, parent["quarantine_detail"]
    assert child["parent_doc_id"] == parent["doc_id"] and child["format"] == "eml"
    assert ("IBAN", "GB82WEST12345698765432") in _found(child)
    assert ("IBAN", "attachment") in {(e["type"], e["source"]) for e in parent["entities"]}


def test_a_missing_final_close_boundary_is_a_defect_not_a_quarantine():
    data = (
        b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\n\n--XYZ\nContent-Type: text/plain\n\n'
        b"Please pay " + IBAN.encode() + b" today.\n"
    )
    row = extract_record("cut.eml", data, LIMITS)
    assert row["quarantine_reason"] is None
    assert row["defects"] == ["close_boundary_not_found"]
    assert ("IBAN", "GB82WEST12345698765432") in _found(row)


def test_a_declared_boundary_the_parts_do_not_use_is_mended_from_the_delimiter_lines():
    html = b"<p>Pay <b>" + IBAN.encode() + b"</b> now.</p>"
    data = (  # as in mail-parser's mail_malformed_3: one boundary declared, another written
        b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/alternative; boundary="--=_Declared"\n\n'
        b"----=_Written\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(html)
        + b"\n"
    )
    row = extract_record("mismatch.eml", data, LIMITS)
    assert row["quarantine_reason"] is None
    assert "boundary_mismatch" in row["defects"] and "start_boundary_not_found" in row["defects"]
    assert ("IBAN", "GB82WEST12345698765432") in _found(row)
    assert "base64" not in row["masked_text"] and "<b>" not in row["masked_text"]


def test_returned_headers_typed_as_a_message_are_read_as_text():
    data = _bounce(b"From: ops@bank.example\r\n\r\nbody\r\n").replace(
        b"text/rfc822-headers", b"message/rfc822-headers"
    )
    parent, _ = extract_records("bounce.eml", data, LIMITS)
    assert "Your statement" in parent["masked_text"]
    assert ("EMAIL", "ops@bank.example") in _found(parent)


def test_a_bad_header_is_a_defect_and_the_body_is_read():
    data = (
        b"From: Jane <jane@client.example\r\nSubject: =?utf-8?q?broken?\r\n"
        b"Date: not a date\r\n\r\nPlease pay " + IBAN.encode() + b".\r\n"
    )
    row = extract_record("badheader.eml", data, LIMITS)
    assert row["quarantine_reason"] is None
    assert row["defects"], "the header defects are recorded"
    assert ("IBAN", "GB82WEST12345698765432") in _found(row)


def test_empty_parts_are_skipped_not_quarantined():
    msg = _mail(f"Please pay into {IBAN}.")
    msg.add_attachment(b"", maintype="application", subtype="pdf", filename="empty.pdf")
    msg.add_attachment("   \n", filename="blank.txt")
    rows = extract_records("m.eml", bytes(msg), LIMITS)
    assert len(rows) == 1 and rows[0]["quarantine_reason"] is None
    assert rows[0]["attachment_count"] == 0


def test_a_defect_inside_an_enclosed_message_does_not_quarantine_the_outer_one():
    inner = (
        b"From: x@y.example\r\nSubject: inner\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@\r\n"
    )
    outer = _bounce(inner)
    rows = extract_records("b.eml", outer, LIMITS)
    assert rows[0]["quarantine_reason"] is None
    assert len(rows) == 2 and rows[1]["parent_doc_id"] == rows[0]["doc_id"]


def test_one_invalid_byte_in_a_utf8_body_keeps_the_declared_charset():
    text = "Уважаемый клиент, перевод на сумму 1 500,00 EUR получен. " * 4
    body = text.encode("utf-8")
    body = body[:40] + b"\xff" + body[40:]
    data = (
        b"From: a@bank.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )
    row = extract_record("ru.eml", data, LIMITS)
    assert "перевод на сумму" in row["masked_text"] and "\ufffd" in row["masked_text"]
    assert row["defects"] == [UNDECODABLE_BYTES]


@pytest.mark.parametrize(
    ("text", "declared", "codec", "defect"),
    [
        ("Grüße aus Köln, Jürgen", "utf-8", "latin-1", CHARSET_MISLABELLED),
        ("Grüße aus Köln, Jürgen", "iso-8859-1", "utf-8", CHARSET_MISLABELLED),
        ("Grüße aus Köln, Jürgen", "iso-8859-1", "latin-1", None),
        ("Привет, как дела? Всё хорошо.", "koi8-r", "koi8-r", None),
        ("お世話になっております。請求書を送付します。", "iso-2022-jp", "iso-2022-jp", None),
        ("您好，附件是本月的账单。", "gb2312", "gb18030", None),  # gb2312 read as its superset
        ("Smart “quotes” – and €", "iso-8859-1", "cp1252", None),  # as mail clients label it
    ],
)
def test_declared_charsets_win_when_the_bytes_bear_them_out(text, declared, codec, defect):
    defects: list[str] = []
    assert decode_text(text.encode(codec), declared, defects) == text
    assert defects == ([defect] if defect else [])


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        (
            "message",
            b"Received: from mx (mx [10.0.0.1])\n\tby x; Mon, 1 Jan 2026\nFrom: a@b\n",
            "eml",
        ),
        ("1234.", b"Delivered-To: a@b.example\nReturn-Path: <x@y>\nSubject: hi\n\nbody", "eml"),
        ("msg.txt", b"X-Mailer: Outlook\nX-Priority: 1\nTo: a@b.example\n\nbody", "eml"),
        (
            "inbox",
            b"From alice@example.com Mon Jan  1 00:00:00 2026\nFrom: a@b\nSubject: x\n\nhi\n",
            "mbox",
        ),
        ("notes.txt", b"Minutes of the meeting: nothing decided.\nNext: Monday\n", "txt"),
        ("notes.txt", b"Subject line without a header block", "txt"),
    ],
)
def test_messages_and_mailboxes_are_recognised_by_content(name, head, fmt):
    assert sniff_format(head, name) == fmt


def test_an_mbox_gives_each_message_as_a_child():
    data = (
        b"From alice@client.example Mon Jan  5 09:00:00 2026\n"
        b"From: alice@client.example\nSubject: first\n\nPay " + IBAN.encode() + b".\n"
        b">From the desk of Alice\n\n"
        b"From bob@client.example Mon Jan  5 10:00:00 2026\n"
        b"From: bob@client.example\nSubject: second\n\nISIN US0378331005 please.\n"
    )
    parent, first, second = extract_records("export", data, LIMITS)
    assert parent["format"] == "mbox" and parent["quarantine_reason"] is None
    assert parent["attachment_count"] == 2
    assert ("IBAN", "GB82WEST12345698765432") in _found(first)
    assert "From the desk of Alice" in first["masked_text"]  # the mboxrd escape is undone
    assert ("ISIN", "US0378331005") in _found(second)


def _encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.multi_cell(0, 5, f"Statement. Please pay into {IBAN}.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.encrypt(user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_encrypted_pdf_that_opens_without_a_password_is_read():
    row = extract_record("statement.pdf", _encrypted_pdf(""), LIMITS)
    assert row["quarantine_reason"] is None, row["quarantine_detail"]
    assert ("IBAN", "GB82WEST12345698765432") in _found(row)
    assert row["defects"] == ["encrypted_empty_password"]


def test_an_encrypted_pdf_that_needs_a_password_has_its_own_reason():
    data = _encrypted_pdf("s3cret")
    row = extract_record("locked.pdf", data, LIMITS)
    assert row["quarantine_reason"] == reasons.ENCRYPTED
    assert row["doc_id"] == hashlib.sha256(data).hexdigest()
