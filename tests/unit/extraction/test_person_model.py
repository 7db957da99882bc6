"""The person-name model: trains from generated letters, round-trips through its blob, finds spans."""

import pytest
import srsly

from lockgate.extraction import extract_entities
from lockgate.extraction import person_model as pm
from lockgate.pipeline.name_model import person_spans


@pytest.fixture(scope="module")
def trained():
    return pm.train(person_spans(400, seed=1), person_spans(40, seed=2), epochs=4)


def test_training_reports_holdout_metrics_and_a_data_digest(trained):
    assert set(trained.metrics) == {"precision", "recall", "f1"}
    assert trained.metrics["f1"] > 0.5  # a small model; the pipeline gates on 0.90 over 300 letters
    assert trained.data_digest == pm.data_digest(person_spans(400, 1) + person_spans(40, 2))
    assert trained.params["train_texts"] == "400"


def test_the_blob_is_msgpack_config_and_weights_not_pickle(trained):
    blob = srsly.msgpack_loads(trained.model_bytes)
    assert set(blob) == {"config", "weights", "names", "common", "places"}
    assert {"jane", "müller", "dubois", "jansen"} <= set(blob["names"])
    assert {"price", "total", "electronics", "steuer"} <= set(blob["common"])
    assert {"north carolina", "germany", "puerto rico"} <= set(blob["places"])
    assert "[components.ner]" in blob["config"]
    assert not trained.model_bytes.startswith(b"\x80")  # pickle protocol marker


def test_loaded_model_finds_names_with_exact_spans(trained):
    finder = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    texts = [t for t, spans in person_spans(40, seed=2) if spans]
    found = [e for text in texts for e in finder(text, "body")]
    assert found
    for text in texts:
        for e in finder(text, "body"):
            assert text[e.start : e.end] == e.value and " " in e.value
    # The same bytes give the same model: same entities.
    again = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    assert [e for text in texts for e in again(text, "body")] == found


def test_names_only_from_lines_that_can_hold_one(trained):
    finder = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    assert finder("no capitalised pair here at all\nnor here", "body") == []


def test_extract_entities_merges_model_and_signature_names(trained):
    finder = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    text = "Dear team,\n\nPlease pay EUR 10,00.\n\nKind regards,\nMarta Kowalski\n"
    persons = [e for e in extract_entities(text, "body", "en", finder) if e.type == "PERSON"]
    assert [p.value for p in persons] == ["Marta Kowalski"]


def test_a_prepared_batch_finds_what_one_text_at_a_time_finds(trained):
    texts = [t for t, _ in person_spans(30, seed=3)]
    alone = [pm.PersonFinder(pm.load(trained.model_bytes), "test")(t, "body") for t in texts]
    finder = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    calls = []
    pipe = finder.nlp.pipe
    finder.nlp.pipe = lambda lines, **kw: calls.append(len(lines)) or pipe(lines, **kw)
    finder.prepare(texts)
    assert [finder(t, "body") for t in texts] == alone
    assert len(calls) == 1  # one model pass for the batch; the calls only looked lines up
    assert finder("Lines it never saw\nAnna de Jong", "body") is not None  # still answers
    assert len(calls) == 2


def test_the_model_runs_on_numpys_blas_one_thread_and_finds_what_blis_finds(trained):
    import spacy
    from thinc.api import Config, use_ops
    from threadpoolctl import threadpool_info

    finder = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    assert finder.nlp.get_pipe("ner").model.ops.use_blis is False
    threads = []
    pipe = finder.nlp.pipe
    finder.nlp.pipe = lambda lines, **kw: (
        threads.append({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
        or pipe(lines, **kw)
    )
    texts = [t for t, _ in person_spans(60, seed=4)]
    finder.prepare(texts)
    assert threads == [{1}]  # one BLAS thread while the model runs (one worker per core)
    blob = srsly.msgpack_loads(trained.model_bytes)
    with use_ops("numpy"):  # thinc's default: blis
        nlp = spacy.util.load_model_from_config(Config().from_str(blob["config"]), auto_fill=True)
    nlp.from_bytes(blob["weights"])
    assert nlp.get_pipe("ner").model.ops.use_blis is True
    on_blis = pm.PersonFinder(nlp, "test")
    found = [finder(t, "body") for t in texts]
    assert any(found)
    assert [on_blis(t, "body") for t in texts] == found


def test_extract_batch_gives_each_file_the_rows_it_gets_alone(trained, tmp_path):
    from lockgate.extraction import Limits, extract_batch, extract_records
    from lockgate.tooling.corpus import generate_corpus

    generate_corpus(tmp_path / "landing", tmp_path / "labels", "2026-11-20", 40, seed=5)
    files = [(p.name, p.read_bytes()) for p in sorted((tmp_path / "landing").iterdir())]
    finder = pm.PersonFinder(pm.load(trained.model_bytes), "test")
    one_by_one = [
        row for name, data in files for row in extract_records(name, data, Limits(), finder)
    ]
    assert extract_batch(files, Limits(), finder) == one_by_one
    assert {row["format"] for row in one_by_one} >= {"eml", "pdf", "txt"}
    assert any(row["parent_doc_id"] for row in one_by_one)  # attachments are in the batch too
    assert any(e["type"] == "PERSON" for row in one_by_one for e in row["entities"])


class _Everything:
    """A stand-in pipeline that calls every candidate line's first two words a PERSON, as the
    model trained on letters does with Title Case labels in real mail."""

    def pipe(self, lines, batch_size):
        from types import SimpleNamespace

        for line in lines:
            words = " ".join(line.split()[:2])
            yield SimpleNamespace(ents=[SimpleNamespace(start_char=0, text=words)])


def test_a_find_without_a_known_given_or_family_name_is_dropped(trained):
    _, names, _, _ = pm._load(trained.model_bytes)
    finder = pm.PersonFinder(_Everything(), "test", names)
    text = "Market News\nDelivery Status\nSoybean Oil\nJanet Collins\nWerner Koch"
    assert [e.value for e in finder(text, "body")] == ["Janet Collins", "Werner Koch"]
    # A model registered before it carried a lexicon keeps what it finds.
    assert len(pm.PersonFinder(_Everything(), "old", None)(text, "body")) == 5


@pytest.mark.parametrize(
    ("line", "found", "name", "titled"),
    [
        ("Herr Thomas Auftraggeber, Tel", "Herr Thomas Auftraggeber", "Thomas Auftraggeber", True),
        ("Ben Tellings   Vorstand", "Ben Tellings   Vorstand", "Ben Tellings", False),
        ("(Felix von Leitner) wrote", "Felix von Leitner)", "Felix von Leitner", False),
        ("by Justin R. Miller and", "Justin R.", "Justin R. Miller", False),
        ("by Justin R. Miller and", "Justin", "Justin R. Miller", False),
        (
            "Pia-Maria Rutschmann-Schnyder",
            "Maria Rutschmann",
            "Pia-Maria Rutschmann-Schnyder",
            False,
        ),
        ("M. de Lattre Alexis", "Lattre Alexis", "de Lattre Alexis", True),
        ("Ansprechpartner: Hans Test", "Hans Test", "Hans Test", True),
        (
            "service@bank.de Christian Bacherl, Oliver",
            "Christian Bacherl",
            "Christian Bacherl",
            False,
        ),
        # forms of address the context rules knew and the clean-up did not (one list now)
        ("Gentile Dott.ssa Maria Rossi,", "Dott.ssa Maria Rossi", "Maria Rossi", True),
        ("Ciao Giulia Neri", "Ciao Giulia Neri", "Giulia Neri", False),
        ("Kontaktperson: Jan Berg", "Jan Berg", "Jan Berg", True),
    ],
)
def test_a_find_is_made_the_name_as_written(line, found, name, titled):
    start = line.index(found)
    refined = pm.refine(line, start, start + len(found))
    assert (line[refined[0] : refined[1]], refined[2]) == (name, titled)


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Robert Schneider AG", "Robert Schneider"),
        ("27 rue Henri Rolland", "Henri Rolland"),
        ("Anna Weber Straße 4", "Anna Weber"),
        ("Herr )", "Herr )"),
        ("Walter Meier & Co. KG", "Walter Meier"),
    ],
)
def test_a_company_a_street_or_a_bare_title_is_no_name(line, found):
    start = line.index(found)
    assert pm.refine(line, start, start + len(found)) is None


class _WholeLines:
    """A stand-in pipeline that calls every candidate line a PERSON."""

    def pipe(self, lines, batch_size):
        from types import SimpleNamespace

        for line in lines:
            yield SimpleNamespace(ents=[SimpleNamespace(start_char=0, text=line)])


def test_places_phrases_and_labels_are_no_names_unless_a_title_says_so(trained):
    finder = pm.PersonFinder(_WholeLines(), "test", *pm._load(trained.model_bytes)[1:])
    text = (
        "North Carolina\nPrice Total\nLinn Electronics\nBasismenge Steuer\n"
        "Janet Collins\nPeter Muster\nHerr Peter Muster\nKarl Müller"
    )
    assert [e.value for e in finder(text, "body")] == [
        "Janet Collins",
        "Peter Muster",
        "Karl Müller",
    ]
    assert [e.start for e in finder(text, "body")][1] == text.index("Herr Peter Muster") + 5
    # the form of address places the name (a context rule, 0.8) before the model reads it
    assert [e.confidence for e in finder("Herr Peter Muster", "body")] == [0.8]


def test_a_line_in_capitals_reaches_the_model_in_title_case():
    assert pm._as_title_case("CHARLES M. SEVILLA, ESQ.") == "Charles M. Sevilla, Esq."
    assert pm._as_title_case("Hello World") == "Hello World"
    assert pm._as_title_case("STEVEN E. MERCER, ESQ., Deputy") == "Steven E. Mercer, Esq., Deputy"
    assert (
        pm._as_title_case("STRASSE 4") == "STRASSE 4"
    )  # one word in capitals: an acronym, a label
    assert len(pm._as_title_case("GROSSE STRASSE")) == 14
