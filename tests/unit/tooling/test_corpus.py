import hashlib
import json

from lockgate.tooling.corpus import generate_corpus


def _files(root):
    return {p.name: p.read_bytes() for p in sorted((root / "landing").iterdir())}


def test_corpus_is_deterministic_for_a_seed(tmp_path):
    a = generate_corpus(
        tmp_path / "a" / "landing", tmp_path / "a" / "labels", "2026-11-20", 40, seed=3
    )
    b = generate_corpus(
        tmp_path / "b" / "landing", tmp_path / "b" / "labels", "2026-11-20", 40, seed=3
    )
    assert a.by_format == b.by_format
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    c = generate_corpus(
        tmp_path / "c" / "landing", tmp_path / "c" / "labels", "2026-11-20", 40, seed=4
    )
    assert _files(tmp_path / "c") != _files(tmp_path / "a")
    assert c.documents == 40


def test_ground_truth_names_every_file_with_its_digest_and_spans(small_corpus):
    root, summary = small_corpus
    truth = [
        json.loads(x) for x in (root / "labels" / "ground_truth.jsonl").read_text().splitlines()
    ]
    assert len(truth) == summary.documents == 120
    assert summary.broken == sum(1 for t in truth if t["broken_reason"]) > 0
    departments = {t["department"] for t in truth if not t["broken_reason"]}
    assert len(departments) == 6
    assert {t["language"] for t in truth} == {"en", "fr", "nl", "de"}
    assert summary.by_language and sum(summary.by_language.values()) <= summary.documents
    for record in truth:
        data = (root / "landing" / record["file"]).read_bytes()
        assert record["doc_id"] == hashlib.sha256(data).hexdigest()
        for entity in record["entities"]:
            assert entity["end"] - entity["start"] == len(entity["value"])
    types = {e["type"] for t in truth for e in t["entities"]}
    assert {
        "IBAN",
        "BIC",
        "ISIN",
        "LEI",
        "AMOUNT",
        "DATE",
        "REFERENCE",
        "EMAIL",
        "PHONE",
        "PERSON",
    } <= types


def test_corpus_is_the_same_in_another_process(tmp_path):
    """Nothing may come from unseeded randomness (e.g. the email package's MIME boundaries)."""
    import subprocess
    import sys

    generate_corpus(tmp_path / "a" / "landing", tmp_path / "a" / "labels", "2026-11-20", 60)
    code = (
        "import sys; from lockgate.tooling.corpus import generate_corpus; "
        "generate_corpus(sys.argv[1] + '/landing', sys.argv[1] + '/labels', '2026-11-20', 60)"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True)
    files = _files(tmp_path / "a")
    assert any(b"multipart/alternative" in data for data in files.values())
    assert files == _files(tmp_path / "b")
