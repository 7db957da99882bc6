"""The lake's layout: every path is built here, and a run date that is not a date never becomes
part of one."""

import pytest

from lockgate.storage import Layout


def test_manifests_results_and_labels_have_one_spelling():
    layout = Layout("hdfs://nn:8020/lake/")
    assert layout.extraction_manifest("2026-11-20") == (
        "hdfs://nn:8020/lake/manifests/extraction/run_date=2026-11-20.json"
    )
    assert layout.scores_manifest("test", "routing", "2026-11-20").endswith(
        "/manifests/scores/test/routing/run_date=2026-11-20.json"
    )
    assert layout.model_manifest("urgency", "2026-11-20").endswith(
        "/manifests/model/urgency/run_date=2026-11-20.json"
    )
    assert layout.training_set_manifest("urgency", "2026-11-20").endswith(
        "/manifests/training_set/urgency/run_date=2026-11-20.json"
    )
    assert layout.label_decision_day("2026-11-20") == (
        "hdfs://nn:8020/lake/label_store/decisions/decided_on=2026-11-20"
    )


def test_what_the_globs_find_reads_back_to_its_parts():
    layout = Layout("file:///lake")
    assert Layout.validation_key(
        layout.validation_result("training_set", "2026-11-21", "urgency")
    ) == ("training_set", "urgency", "2026-11-21")
    assert Layout.manifest_run_date(layout.extraction_manifest("2026-11-22")) == "2026-11-22"


@pytest.mark.parametrize("run_date", ["2026-11-20/../../x", "latest", "2026-13-01", "*"])
def test_a_run_date_that_is_not_a_date_is_refused(run_date):
    with pytest.raises(ValueError):
        Layout("file:///lake").extraction_manifest(run_date)
    with pytest.raises(ValueError):
        Layout("file:///lake").label_decision_day(run_date)
