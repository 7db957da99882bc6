"""A stage that will not run on what it was given refuses with a reason, as a job's exit: the
Spark task fails at once, without retrying, and says why."""

import pytest

from lockgate.config import load_settings
from lockgate.pipeline import StageRefused
from lockgate.pipeline.extraction import extract_day, gated_person_model
from lockgate.storage import Layout


def test_a_refusal_is_a_jobs_exit_with_its_reason():
    refused = StageRefused("nothing landed")
    assert isinstance(refused, SystemExit) and refused.code == "nothing landed"


def test_extraction_without_a_gated_name_model_names_the_task_that_registers_one(tmp_path):
    settings = load_settings("local", "dev", tmp_path / "home")
    with pytest.raises(StageRefused, match="ensure_person_model task trains and registers it"):
        gated_person_model(settings)


def test_a_day_with_nothing_landed_is_refused_and_writes_nothing(spark, tmp_path):
    settings = load_settings("local", "dev", tmp_path / "home")
    layout = Layout((tmp_path / "lake").as_uri())
    (tmp_path / "lake" / "landing" / "2026-11-20").mkdir(parents=True)
    with pytest.raises(StageRefused, match="nothing landed in .*2026-11-20"):
        extract_day(spark, settings, layout, "2026-11-20", ("1", b""))
    assert not (tmp_path / "lake" / "extracted").exists()
    assert not (tmp_path / "lake" / "manifests").exists()
