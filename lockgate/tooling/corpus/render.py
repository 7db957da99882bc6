"""Rendering a composed letter as a file: PDF (two layouts), HTML, and e-mail (charsets,
attachments)."""

from __future__ import annotations

import html
import random
import textwrap
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from fpdf import FPDF

from lockgate.tooling.corpus.compose import Letter, is_latin1

_FIXED_PDF_DATE = datetime(2026, 1, 1, tzinfo=UTC)


PDF_LAYOUTS = ("flowed", "lines")


def pdf_bytes(title: str, text: str, layout: str = "flowed") -> bytes:
    """A4 pages of Helvetica 9. "flowed" lets fpdf2 break each paragraph to the page width;
    "lines" wraps at 95 characters and places each line itself, the same text about fifty
    times faster (fpdf2's line breaking measures every character in Python), for corpora of
    a million documents."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_PDF_DATE)
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    if layout == "flowed":
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 4.5, paragraph, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    if layout != "lines":
        raise ValueError(f"pdf layout {layout!r} is none of {PDF_LAYOUTS}")
    top, bottom, y = 15.0, 282.0, 15.0
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, 95) or [""]:
            if y > bottom:
                pdf.add_page()
                y = top
            if line:
                pdf.text(10, y, line)
            y += 4.5
    return bytes(pdf.output())


def html_page(subject: str, body: str) -> str:
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        f"<body>\n{paragraphs}\n</body></html>\n"
    )


def _body_charset(rng: random.Random, text: str) -> str:
    if is_latin1(text) and rng.random() < 0.3:
        return rng.choice(("iso-8859-1", "windows-1252"))
    return "utf-8"


def eml_message(
    letter: Letter, rng: random.Random, run_date: date, seq: int, pdf_layout: str = "flowed"
) -> EmailMessage:
    msg = EmailMessage()
    sender = letter.sender.value if letter.sender else "Operations"
    address = letter.sender_email.value if letter.sender_email else "noreply@client.example"
    msg["From"] = f"{sender} <{address}>"
    msg["To"] = "operations@lockgate-bank.example"
    msg["Subject"] = letter.subject.text
    msg["Date"] = format_datetime(
        datetime(run_date.year, run_date.month, run_date.day, 6 + seq % 12, seq % 60, tzinfo=UTC)
    )
    msg["Message-ID"] = (
        f"<{run_date.isoformat()}.{seq:06d}.{rng.getrandbits(24):06x}@mail.lockgate.example>"
    )
    text = letter.body.text
    cte = rng.choice(("quoted-printable", "base64", "8bit"))
    layout = rng.random()
    if layout < 0.15:
        # HTML-only mail, as many clients send it.
        msg.set_content(html_page(letter.subject.text, text), subtype="html", cte=cte)
    else:
        charset = _body_charset(rng, text)
        if charset == "utf-8":
            msg.set_content(text, cte=cte)
        else:
            msg.set_content(text.encode(charset), maintype="text", subtype="plain", cte=cte)
            msg.set_param("charset", charset)
        if layout > 0.8:
            msg.add_alternative(html_page(letter.subject.text, text), subtype="html")
    if letter.attachment is not None:
        kind = rng.random()
        if kind < 0.45:
            data = pdf_bytes("Details", letter.attachment.text, pdf_layout)
            msg.add_attachment(data, maintype="application", subtype="pdf", filename="details.pdf")
        elif kind < 0.75:
            msg.add_attachment(letter.attachment.text, filename="details.txt")
        else:
            page = html_page("Details", letter.attachment.text)
            msg.add_attachment(page, subtype="html", filename="details.html")
    if letter.forwarded is not None:
        inner = eml_message(letter.forwarded, rng, run_date, seq)
        msg.add_attachment(inner)
    # Every multipart level gets a seeded boundary (the email package draws unseeded ones).
    for level, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"==lockgate-{seq:06d}-{level}-{rng.getrandbits(32):08x}==")
    return msg
