"""`lockgate extract` prints, per file, exactly the rows the Spark extraction job makes of it."""

import json
import shutil
from email.message import EmailMessage

import pytest
from click.testing import CliRunner

from lockgate.cli.main import cli
from lockgate.extraction.dataset import extract_outcomes, read_landing
from lockgate.extraction.local import files_under
from lockgate.extraction.parsed import Limits
from lockgate.storage.spark_io import list_files
from lockgate.tooling.corpus import hostile_file
from lockgate.tooling.evaluation.realworld import default_corpus

REAL = default_corpus() / "files"
REAL_FILES = [
    "flanker/tests__fixtures__messages__bounce__office365.eml",
    "mimekit/UnitTests__TestData__mbox__simple.mbox.txt",
    "pdfplumber/tests__pdfs__password-example.pdf",
    "mail-mime-parser/tests___data__emails__m0001.txt",
]


def _letter() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Jane Doe <jane@client.example>", "Transfer CASE-2026-000123"
    msg.set_content(
        "Please pay gb82 west 1234 5698 7654 32 by 1 March 2026.\n\nKind regards,\nJane Doe\n"
    )
    msg.add_attachment("Refund -198,90 USD.", filename="note.txt")
    msg.add_attachment(
        b"\x00\x01 not a document",
        maintype="application",
        subtype="octet-stream",
        filename="blob.bin",
    )
    return bytes(msg)


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    """A day's landing: real files, a letter with attachments, and files that break the parsers."""
    root = tmp_path_factory.mktemp("landing")
    for name in REAL_FILES:
        shutil.copyfile(REAL / name, root / name.rsplit("/", 1)[-1])
    (root / "letter with spaces.eml").write_bytes(_letter())
    for kind in ("corrupt_pdf", "deep_multipart", "binary_junk", "pdf_bomb", "truncated_mime"):
        name, data, _ = hostile_file(kind, seed=3)
        (root / name).write_bytes(data)
    (root / "empty.txt").write_bytes(b"")
    return root


def _cli_rows(home, *paths) -> dict[str, list[dict]]:
    result = CliRunner().invoke(
        cli,
        ["extract", "--json", *map(str, paths)],
        env={"LOCKGATE_HOME": str(home), "LOCKGATE_PROFILE": "local"},
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {line["path"]: line["rows"] for line in lines}


def test_extract_gives_the_rows_of_the_spark_job_for_every_file(spark, landing, tmp_path):
    from lockgate.config import load_settings

    limits = Limits.of(load_settings("local", "dev", tmp_path).policy.extraction)
    listing = list_files(spark, landing.as_uri())
    outcomes = extract_outcomes(
        read_landing(spark, landing.as_uri(), len(listing)), listing, limits, "2026-11-20"
    ).collect()
    by_file: dict[str, list[dict]] = {}
    for row in outcomes:
        record = row.asDict(recursive=True)
        record.pop("run_date")
        by_file.setdefault(record["source_file"].split("#", 1)[0], []).append(record)

    printed = _cli_rows(tmp_path, landing)
    assert sorted(printed) == sorted(str(p) for p in files_under([landing]))
    assert len(printed) == len(listing) == 11
    for path, rows in printed.items():
        name = path.rsplit("/", 1)[-1]
        assert sorted(rows, key=lambda r: r["source_file"]) == sorted(
            by_file[name], key=lambda r: r["source_file"]
        ), name
    reasons = {p.rsplit("/", 1)[-1]: rows[0]["quarantine_reason"] for p, rows in printed.items()}
    assert reasons["corrupt_pdf.pdf"] == "corrupt_pdf" and reasons["empty.txt"] == "empty"
    assert reasons["tests__pdfs__password-example.pdf"] == "encrypted"
    assert reasons["letter with spaces.eml"] is None and reasons["truncated_mime.eml"] is None


def test_extract_on_one_file_prints_what_lockgate_sees(landing, tmp_path):
    letter = landing / "letter with spaces.eml"
    [(path, rows)] = _cli_rows(tmp_path, letter).items()
    assert path == str(letter) and [r["source_file"] for r in rows] == [
        "letter with spaces.eml",
        "letter with spaces.eml#1/note.txt",
        "letter with spaces.eml#2/blob.bin",
    ]
    found = {(e["type"], e["normalized"]) for e in rows[0]["entities"] if e["valid"]}
    assert {
        ("IBAN", "GB82WEST12345698765432"),
        ("AMOUNT", "-198.90 USD"),
        ("DATE", "2026-03-01"),
        ("PERSON", "Jane Doe"),
    } <= found
    text = (
        CliRunner()
        .invoke(
            cli,
            ["extract", str(letter), str(landing / "deep_multipart.eml")],
            env={"LOCKGATE_HOME": str(tmp_path)},
        )
        .stdout
    )
    assert "IBAN" in text and "-> GB82WEST12345698765432" in text
    assert "deep_multipart.eml: quarantined, too_deep" in text


def test_a_folder_link_is_not_followed_and_a_missing_path_is_an_error(landing, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Pay EUR 10,00 by 2026-04-01.")
    (folder / "outside").symlink_to(landing, target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    assert files_under([folder]) == [folder / "a.txt"]
    result = CliRunner().invoke(
        cli, ["extract", str(tmp_path / "missing.eml")], env={"LOCKGATE_HOME": str(tmp_path)}
    )
    assert result.exit_code == 2 and "does not exist" in result.output
