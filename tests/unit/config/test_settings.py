import pytest

from lockgate.config import ConfigError, load_settings
from lockgate.models import get_model


def test_environment_overrides_base_key_by_key(tmp_path):
    prod = load_settings("local", "prod", tmp_path)
    test = load_settings("local", "test", tmp_path)
    routing = get_model("routing")
    assert prod.policy.gate_for(routing).min_macro_f1 == 0.90  # prod.toml raises it
    assert test.policy.gate_for(routing) == routing.gate  # the model's own, set nowhere else
    assert prod.policy.gate_for(routing).min_precision == routing.gate.min_precision
    assert "routing" not in test.policy.gates and set(prod.policy.gates) == {"routing"}
    assert prod.policy.release.required_approver_roles == ["model-owner", "risk", "operations"]
    assert test.policy.release.required_approver_roles == []
    assert prod.storage_root == f"file://{tmp_path}/lake"
    assert prod.policy.training.max_rows == test.policy.training.max_rows == 250_000  # base.toml


def test_gate_is_the_models_own_with_the_environments_overrides(tmp_path):
    from lockgate.models import get_model

    urgency, routing = get_model("urgency"), get_model("routing")
    prod = load_settings("local", "prod", tmp_path).policy
    assert prod.gate_for(routing).min_macro_f1 == 0.90  # prod.toml
    assert prod.gate_for(routing).min_precision == 0.95  # base.toml
    assert prod.gate_for(urgency) == urgency.gate  # no override anywhere: the model's own


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown environment 'staging'"):
        load_settings("local", "staging", tmp_path)
