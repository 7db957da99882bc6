"""The model protocol: the shipped models, and what a model module must declare."""

import pytest

from lockgate.models import Gate, InvalidModel, UnknownModel, _spec_of, get_model, registered_models

MODULE = """
from lockgate.models import Gate, ModelSpec

SPEC = ModelSpec(name="toy", description="d", label="department", inputs=({inputs}),
                 featurizer=lambda: None, estimator=lambda params, seed: None{gate})
"""


def test_the_shipped_models_each_set_every_threshold_of_their_gate():
    models = registered_models()
    assert {"routing", "urgency"} <= set(models)
    for spec in models.values():
        assert isinstance(spec.gate, Gate)
        assert 0 < spec.gate.min_precision <= 1 and 0 < spec.gate.min_macro_f1 <= 1
    with pytest.raises(UnknownModel, match="known models"):
        get_model("no_such_model")


@pytest.mark.parametrize(
    "inputs, gate, refusal",
    [
        ('"text_chars",', "", "sets no gate"),
        (
            "",
            ", gate=Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.8)",
            "inputs",
        ),
        (
            '"label",',
            ", gate=Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.8)",
            "inputs",
        ),
    ],
)
def test_a_model_module_that_breaks_the_protocol_is_refused(
    tmp_path, monkeypatch, inputs, gate, refusal
):
    name = f"toy_model_{abs(hash((inputs, gate)))}"
    (tmp_path / f"{name}.py").write_text(MODULE.format(inputs=inputs, gate=gate))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(InvalidModel, match=refusal):
        _spec_of(name)


def test_a_model_module_that_keeps_the_protocol_is_read(tmp_path, monkeypatch):
    gate = ", gate=Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.8)"
    (tmp_path / "toy_model_ok.py").write_text(MODULE.format(inputs='"text_chars",', gate=gate))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _spec_of("toy_model_ok").gate.min_macro_f1 == 0.8
