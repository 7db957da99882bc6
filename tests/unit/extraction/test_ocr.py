"""Image-only PDF pages: read through Debian's tesseract when it is installed, else quarantined."""

import io
import shutil
import subprocess

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from support import REPO

from lockgate.extraction import Limits, extract_record, reasons

LINES = [
    "Paiement en attente",
    "Merci de virer EUR 1.250,00 sur",
    "IBAN GB82 WEST 1234 5698 7654 32",
    "avant le 12 mars 2026. Cordialement",
]


@pytest.fixture(scope="module")
def tesseract():
    """The project's own script installs tesseract (Debian packages) when it is missing."""
    subprocess.run([str(REPO / "infra" / "ocr" / "tesseract"), "ensure"], check=True, timeout=600)
    assert shutil.which("tesseract")


def _scanned_pdf() -> bytes:
    image = Image.new("L", (1700, 500), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for number, line in enumerate(LINES):
        draw.text((40, 40 + 100 * number), line, fill=0, font=font)
    png = io.BytesIO()
    image.save(png, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


def test_image_only_pdf_is_read_by_ocr(tesseract):
    row = extract_record("scan.pdf", _scanned_pdf(), Limits())
    assert row["quarantine_reason"] is None, row["quarantine_detail"]
    found = {(e["type"], e["normalized"]) for e in row["entities"] if e["valid"]}
    assert {
        ("IBAN", "GB82WEST12345698765432"),
        ("AMOUNT", "1250.00 EUR"),
        ("DATE", "2026-03-12"),
    } <= found
    assert row["language"] == "fr"


def test_without_tesseract_an_image_only_pdf_needs_ocr(tesseract, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: tesseract is not installed
    row = extract_record("scan.pdf", _scanned_pdf(), Limits())
    assert row["quarantine_reason"] == reasons.NEEDS_OCR
    assert "no tesseract installed" in row["quarantine_detail"]
