"""Each format and each quarantine reason, on generated files and hand-made hostile ones."""

import hashlib
import json

import pytest

from lockgate.extraction import extract_record, reasons

MAX = 1_000_000


def _truth(small_corpus):
    root, _ = small_corpus
    lines = (root / "labels" / "ground_truth.jsonl").read_text().splitlines()
    return root, [json.loads(line) for line in lines]


@pytest.mark.parametrize("fmt", ["eml", "pdf", "html", "txt"])
def test_every_generated_format_is_extracted_with_its_planted_ibans(small_corpus, fmt):
    root, truth = _truth(small_corpus)
    docs = [t for t in truth if t["format"] == fmt and not t["broken_reason"]]
    assert docs, f"corpus has no {fmt} documents"
    for doc in docs:
        data = (root / "landing" / doc["file"]).read_bytes()
        row = extract_record(doc["file"], data, MAX)
        assert row["quarantine_reason"] is None, row["quarantine_detail"]
        assert row["format"] == fmt
        assert row["doc_id"] == doc["doc_id"] == hashlib.sha256(data).hexdigest()
        planted = {e["normalized"] for e in doc["entities"] if e["type"] == "IBAN"}
        found = {e["normalized"] for e in row["entities"] if e["type"] == "IBAN" and e["valid"]}
        assert planted <= found


def test_generated_broken_files_are_quarantined_with_the_planted_reason(small_corpus):
    root, truth = _truth(small_corpus)
    broken = [t for t in truth if t["broken_reason"]]
    assert len({t["broken_reason"] for t in broken}) >= 3
    for doc in broken:
        row = extract_record(doc["file"], (root / "landing" / doc["file"]).read_bytes(), MAX)
        assert row["quarantine_reason"] == doc["broken_reason"], doc["file"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", reasons.EMPTY),
        ("big.txt", b"a" * (MAX + 1), reasons.TOO_LARGE),
        ("junk.eml", bytes(range(256)) * 8, reasons.BINARY_CONTENT),
        ("fake.pdf", b"%PDF-1.4\n garbage without objects", reasons.CORRUPT_PDF),
        ("cut.eml",
         b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
         b'Content-Type: multipart/mixed; boundary="XYZ"\n\n--XYZ\nContent-Type: text/plain\n\nhello',
         reasons.MALFORMED_MIME),
        ("sheet.xlsx", b"PK\x03\x04 plain bytes but an unknown kind", reasons.UNSUPPORTED_FORMAT),
        ("blank.html", b"<html><body>   </body></html>", reasons.NO_TEXT),
    ],
)  # fmt: skip
def test_hostile_files_get_a_quarantine_reason(name, data, reason):
    row = extract_record(name, data, MAX)
    assert row["quarantine_reason"] == reason, row["quarantine_detail"]
    assert row["doc_id"] == hashlib.sha256(data).hexdigest()


def test_pdf_without_text_layer_needs_ocr():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    row = extract_record("scan.pdf", bytes(pdf.output()), MAX)
    assert row["quarantine_reason"] == reasons.NEEDS_OCR


def test_email_attachment_text_is_extracted_and_masked():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Jane Doe <jane@client.example>"
    msg["Subject"] = "Transfer"
    msg.set_content("Please see the attachment.")
    msg.add_attachment("Pay into GB82 WEST 1234 5698 7654 32 today.", filename="a.txt")
    row = extract_record("m.eml", bytes(msg), MAX)
    assert row["attachment_count"] == 1
    assert row["sender_domain"] == "client.example"
    assert {e["source"] for e in row["entities"] if e["type"] == "IBAN"} == {"attachment"}
    assert "GB82" not in row["masked_text"] and "<IBAN>" in row["masked_text"]


def test_same_bytes_give_the_same_row():
    data = b"Subject line\n\nPlease pay EUR 10,00 to GB82 WEST 1234 5698 7654 32."
    assert extract_record("a.txt", data, MAX) == extract_record("a.txt", data, MAX)
