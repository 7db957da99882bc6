"""What a landing folder may hold besides letters, planted one by one: a symlink to /etc/passwd,
a symlink to a directory, a directory named like a file, a FIFO, hidden names, an unreadable
file, and names with glob characters. Every entry is received and accounted for, nothing
outside the folder is read, and the day goes on."""

import os
import subprocess
import sys
from email.message import EmailMessage

import pytest

from lockgate.extraction.dataset import extract_outcomes, extraction_report, read_landing
from lockgate.extraction.parsed import Limits
from lockgate.storage.spark_io import list_entries


def _letter(subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Jane Doe <jane@client.example>", subject
    msg.set_content("Please close account 12345678 by 1 March 2026.\n\nKind regards,\nJane Doe\n")
    return bytes(msg)


@pytest.fixture
def landing(tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    (root / "plain.eml").write_bytes(_letter("plain"))
    (root / "plus+[x]{1}*?.eml").write_bytes(_letter("glob characters"))
    (root / "passwd.eml").symlink_to("/etc/passwd")
    (root / "etc.eml").symlink_to("/etc")
    (root / "folder.eml").mkdir()
    (root / "folder.eml" / "inside.eml").write_bytes(_letter("inside a folder"))
    os.mkfifo(root / "pipe.eml")
    (root / ".upload.eml").write_bytes(_letter("hidden"))
    (root / "_SUCCESS").write_bytes(b"")
    return root


def test_every_entry_is_received_and_nothing_outside_the_folder_is_read(spark, landing):
    from lockgate.config import load_settings

    limits = Limits.of(load_settings("local", "dev", landing.parent / "home").policy.extraction)
    listing = list_entries(spark, landing.as_uri())
    assert len(listing) == 8 and len(listing.files) == 2
    frame = extract_outcomes(
        read_landing(spark, landing.as_uri(), listing), listing, limits, "2026-11-20"
    )
    outcomes = frame.collect()
    by_file = {r["source_file"]: r for r in outcomes if r["parent_doc_id"] is None}
    reasons = {name: r["quarantine_reason"] for name, r in by_file.items()}
    assert reasons == {
        "plain.eml": None,
        "plus+[x]{1}*?.eml": None,
        "passwd.eml": "symlink",
        "etc.eml": "symlink",
        "folder.eml": "not_a_file",
        "pipe.eml": "not_a_file",
        ".upload.eml": "hidden_name",
        "_SUCCESS": "hidden_name",
    }
    assert "a link to /etc/passwd" in by_file["passwd.eml"]["quarantine_detail"]
    assert not any("root:" in (r["masked_text"] or "") for r in outcomes)
    assert not any(r["source_file"] == "inside.eml" for r in outcomes)
    report = extraction_report(frame, len(listing), "2026-11-20")
    assert report["received"] == 8 and report["parsed"] == 2 and report["quarantined"] == 6


def test_a_day_of_nothing_but_hazards_is_all_quarantined(spark, landing):
    from lockgate.config import load_settings

    for entry in ("plain.eml", "plus+[x]{1}*?.eml"):
        (landing / entry).unlink()
    limits = Limits.of(load_settings("local", "dev", landing.parent / "home").policy.extraction)
    listing = list_entries(spark, landing.as_uri())
    outcomes = extract_outcomes(
        read_landing(spark, landing.as_uri(), listing), listing, limits, "2026-11-20"
    )
    report = extraction_report(outcomes, len(listing), "2026-11-20")
    assert report["parsed"] == 0 and report["quarantined"] == len(listing) == 6


LIST = """
import sys
from lockgate.storage.spark_io import _local_listing
listing = _local_listing(sys.argv[1])
print(sorted((p.rsplit("/", 1)[1], kind) for p, _, kind, _ in listing.others))
print(sorted(p.rsplit("/", 1)[1] for p, _ in listing.files))
"""


def test_a_file_this_account_cannot_read_is_listed_as_unreadable(tmp_path):
    (tmp_path / "open.eml").write_bytes(b"x")
    (tmp_path / "secret.eml").write_bytes(b"x")
    (tmp_path / "secret.eml").chmod(0)
    # Root reads every file whatever its mode: the listing then runs without the capabilities
    # that let it (util-linux's setpriv), as any other account would.
    drop = (
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.getuid() == 0 else []
    )
    done = subprocess.run(
        [*drop, sys.executable, "-c", LIST, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    others, files = done.stdout.splitlines()
    assert others == "[('secret.eml', 'unreadable')]" and files == "['open.eml']"
