"""The demo summary's lines for a model: a document model's per-class figures, and a model on
a dataset (judged at its alert capacity) with its own."""

from __future__ import annotations

from lockgate.storage import Layout, write_json_atomic
from lockgate.tooling.demo import _model_lines

DAY = "2026-11-21"


def _trained(layout: Layout, model: str, training: dict, metrics: dict, gate: dict) -> None:
    write_json_atomic(layout.training_set_manifest(model, DAY), {"snapshot": "ab" * 32, **training})
    write_json_atomic(
        layout.model_manifest(model, DAY),
        {"version": "1", "params": {}, "metrics": metrics, "gate": gate},
    )


def test_a_document_model_and_an_alerting_model_on_a_dataset_each_say_their_own_figures(
    tmp_path,
):
    layout = Layout(f"file://{tmp_path}/lake")
    documents = {"macro_f1": 0.99, "accuracy": 0.98, "manual_review_rate": 0.1}
    classes = {"kyc": {"auto_routed": True, "auto_lower_bound": 0.97}}
    _trained(layout, "routing", {"rows": 900}, documents, {"passed": True, "classes": classes})
    capacity = {
        **documents,  # an alerting model's evaluation has them too; they are not its measure
        "alerts_per_day": 1.0,
        "days": 4.0,
        "precision_at_capacity": 0.75,
        "recall_at_capacity": 0.6,
        "loss_avoided_share": 0.5,
        "auc": None,
    }
    refused = {"passed": False, "explain": "precision at capacity 0.75 is below 0.8", "classes": {}}
    risk = {"rows": 589, "dataset": "payments", "immature_rows": 62}
    _trained(layout, "payment_risk", risk, capacity, refused)

    routing = "\n".join(_model_lines(layout, "routing", DAY, "test"))
    assert f"routing v1 on 900 labelled documents (snapshot {'ab' * 8}), params {{}}" in routing
    assert "macro-F1 0.990, accuracy 0.980, manual review 10.0%; gate passed" in routing
    assert "auto-routed (precision's lower bound): kyc 0.970" in routing

    risk_lines = "\n".join(_model_lines(layout, "payment_risk", DAY, "test"))
    assert "payment_risk v1 on 589 rows of payments (62 too recent for their label" in risk_lines
    assert "top 1 a day over 4 test days: precision 0.750, recall 0.600, loss avoided 50.0%" in (
        risk_lines
    )
    assert "AUC n/a; gate REFUSED: precision at capacity 0.75 is below 0.8" in risk_lines
    assert "macro-F1" not in risk_lines and "auto-routed" not in risk_lines
