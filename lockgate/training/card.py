"""The model card of a registered version: data, training, metrics, gate, limits, in Markdown."""

from __future__ import annotations


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _capped(training: dict) -> list[str]:
    labelled, cap = training.get("labelled_rows"), training.get("max_rows")
    if not cap or labelled is None or labelled <= cap:
        return []
    return [f"- the newest {cap:,} of {labelled:,} labelled documents (policy training.max_rows)"]


def _capacity(figures: dict | None) -> list[str]:
    if not figures:
        return []
    return [
        f"Alerts: each day's {figures['alerts_per_day']} best-scored rows, over {figures['days']} "
        f"test days: {figures['alerted_positives']} of {figures['alerts']} alerts were positive "
        f"(precision {figures['precision_at_capacity']:.3f}), {figures['alerted_positives']} of "
        f"{figures['positives']} positives alerted (recall {figures['recall_at_capacity']:.3f}), "
        f"loss avoided {figures['loss_avoided']:,.2f} of {figures['loss']:,.2f}.",
        "",
    ]


def _decided(scores: dict) -> str:
    """Rows decided automatically, with how many were right (versions before it was recorded
    show the count only)."""
    right = scores.get("auto_right")
    return f"{scores['auto_decided']}" + ("" if right is None else f" ({right})")


def _data(metadata: dict) -> list[str]:
    """The data section: the document table, or a dataset with its features and label."""
    training = metadata["training"]
    data = metadata.get("data") or {"dataset": "documents"}  # versions before it was recorded
    if data["dataset"] == "documents":
        return [
            f"- training snapshot `{training['snapshot_digest']}` (labelled documents up to "
            f"{training['run_date']}), label column `{metadata['label']}`",
            f"- rows: {training['train_rows']} train, {training['validation_rows']} validation "
            f"(thresholds, search), {training['test_rows']} test (gate); split by document "
            "content",
        ]
    return [
        f"- dataset `{data['dataset']}`, training snapshot `{training['snapshot_digest']}` (its "
        f"rows before the end of {training['run_date']}, features as of each row)",
        f"- label `{metadata['label']}`: {data['label_definition']}; a row is used once its "
        f"{data['horizon_days']}-day horizon has passed ({training.get('immature_rows')} "
        "younger rows left out)",
        f"- rows: {training['train_rows']} train, {training['validation_rows']} validation "
        f"(search), {training['test_rows']} test (gate); split by time, the latest days tested",
        "- features, each computed from the events strictly before the row:",
        *[f"  - {feature}" for feature in data["features"]],
    ]


def render_card(version: str, metadata: dict) -> str:
    training, gate = metadata["training"], metadata["gate"]
    objective = "precision at capacity" if metadata.get("capacity") else "macro-F1"
    lines = [
        f"# Model card: {metadata['model']} v{version}",
        "",
        metadata["description"],
        "",
        "## Data",
        *_data(metadata),
        f"- label counts: {training['label_counts']}",
        *_capped(training),
        f"- inputs: {', '.join(metadata['inputs'])}",
        "",
        "## Training",
        f"- parameters: `{training['params']}`, seed {training['seed']}",
        f"- code {training['code_version']}, Airflow run `{training['airflow_run_id']}`",
        f"- artifact sha256 `{metadata['artifact_sha256']}` (skops; reproduce with "
        f"`lockgate reproduce {metadata['model']} {version}`)",
        f"- search: {len(training['search']['trials'])} trials on Spark, best trial "
        f"{training['search']['best']} by validation {objective}",
        "",
        "## Metrics on the test split",
        *_capacity(metadata.get("capacity")),
        "| metric | value |",
        "|---|---|",
        *[f"| {k} | {_fmt(v)} |" for k, v in sorted(metadata["metrics"].items())],
        "",
        "| class | precision | recall | F1 | support | threshold | decided automatically "
        "(right) | precision there | its lower bound |",
        "|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {cls} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | {_fmt(c['f1'])} | "
            f"{c['support']} | {_fmt(c['threshold'])} | {_decided(c)} | "
            f"{_fmt(c['auto_precision'])} | {_fmt(c.get('auto_lower_bound', '-'))} |"
            for cls, c in sorted(metadata["per_class"].items())
        ],
        "",
        "Routing per class in this release:",
        *[
            f"- {cls}: {c['routing']}"
            for cls, c in sorted(metadata["per_class"].items())
            if "routing" in c
        ],
        "",
        f"## Gate ({gate['environment']}): {'PASSED' if gate['passed'] else 'REFUSED'}",
        "| check | value | rule | result |",
        "|---|---|---|---|",
        *[
            f"| {c['metric']} | {_fmt(c['value'])} | {c['comparison']} {_fmt(c['threshold'])} | "
            f"{'pass' if c['passed'] else 'FAIL: ' + (c['detail'] or 'below threshold')} |"
            for c in gate["checks"]
        ],
        "",
        (
            f"Champion: production {gate['champion']['version']}, compared on the same test rows "
            f"with margin {gate['champion']['margin']}."
            if gate.get("champion")
            else "Champion: none deployed in the comparison environment; nothing to compare with."
        ),
        "",
        "## Limits",
        metadata.get("limitations") or "None declared by the model module.",
        "",
    ]
    return "\n".join(lines)
