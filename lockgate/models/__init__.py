"""The model protocol, and the registry of models lockgate trains.

A model is one module that defines `SPEC = ModelSpec(...)`. lockgate finds models in two
places, so neither the DAGs nor the jobs list them:

* every module of this package (`lockgate/models/<name>.py`);
* every entry point in the group `lockgate.models` of an installed distribution, e.g. in a
  team's pyproject.toml: `[project.entry-points."lockgate.models"] churn = "acme_models.churn"`.

Model modules are imported when a DAG file is parsed, so they import scikit-learn only inside
the functions that build the featurizer and estimator.

A module that cannot be imported, defines no valid SPEC, or declares a name another module took
is skipped, never fatal: every other model keeps its DAG tasks, and the module is listed by
`broken_models()` (the DAGs' `report_broken_models` task fails naming it, `lockgate models`
shows it). `check_model` goes further, building the estimator and featurizer (`lockgate models
--check`, and before every training).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lockgate import plugins
from lockgate.datasets import UnknownDataset, get_dataset
from lockgate.models._tables import (
    AGGREGATES,
    CapacityGate,
    Derived,
    Feature,
    LabelDefinition,
    Ratio,
    Rolling,
    window_seconds,
)
from lockgate.plugins import InvalidPlugin, Skipped

__all__ = [
    "AGGREGATES",
    "CapacityGate",
    "Derived",
    "Feature",
    "Gate",
    "LabelDefinition",
    "ModelSpec",
    "Ratio",
    "Rolling",
    "window_seconds",
]

ENTRY_POINT_GROUP = "lockgate.models"
# The dataset of the document models: the labelled document table, not a delivered table.
DOCUMENTS = "documents"
# The labelled document table (built by lockgate.training.features.document_features): its keys,
# and the columns a model may read as inputs.
SNAPSHOT_KEYS = ("doc_id", "run_date")
# What a dataset model's scores hold beside its inputs (and a snapshot's own columns).
SCORED_COLUMNS = (
    "doc_id",
    "day",
    "label",
    "prediction",
    "confidence",
    "decision",
    "top_classes",
    "score",
    "model",
    "model_version",
    "release_id",
    "run_date",
)
DOCUMENT_COLUMNS = (
    "masked_text",
    "language",
    "format",
    "sender_domain",
    "has_signature",
    "attachment_count",
    "text_chars",
    "amount_count",
    "max_amount",
    "date_count",
    "iban_count",
    "isin_count",
    "person_count",
    "invalid_identifier_count",
)


@dataclass(frozen=True)
class Gate:
    """The thresholds a candidate must meet on the held-out test split to be released.

    The model sets its own (the one place they are written); `[gates.<model>]` in
    infra/envs/<env>.toml overrides one in an environment where it differs. Only the
    champion margin and the interval's confidence have platform defaults.

    Attributes:
        min_precision: per class, among the documents decided automatically, judged at the
            lower bound of its `confidence` interval (Wilson); the automatic decision threshold
            of each class is chosen on validation data to hold it. A class whose test rows are
            too few to show it is not auto-routed (its documents go to manual review).
        max_manual_review_rate: share of documents below their class threshold.
        min_macro_f1: floor on macro-F1 over all classes, before thresholds.
        champion_margin: how much worse than the production version (on macro-F1 and on the
            manual-review rate, measured on the same test documents) a candidate may be.
        confidence: level of the two-sided interval whose lower end judges precision.
    """

    min_precision: float
    max_manual_review_rate: float
    min_macro_f1: float
    champion_margin: float = 0.02
    confidence: float = 0.95


@dataclass(frozen=True)
class ModelSpec:
    """What the platform needs to train, gate, register, release and score a model.

    A model reads one dataset. The document models read `documents`, the labelled document
    table (their labels come from the label store). A model on a delivered dataset
    (`lockgate.datasets`) declares its point-in-time `features` and its `label_definition`;
    the platform computes both as of each snapshot's day, so nothing from the future reaches
    a training row, and leaves out rows whose label has not matured.

    Attributes:
        name: registry name; also the folder under training/ and scores/.
        description: one line for the model card and `lockgate models`.
        label: the name of the target: for a document model the label store's column that
            holds it; for a model on a dataset the name its `label_definition` goes by.
        inputs: the columns the featurizer reads: of the document table, or of the dataset
            and the model's `features`.
        featurizer: returns an unfitted transformer from a frame of `inputs` to features.
            Swapping it does not touch the estimator or the pipeline around it.
        estimator: returns an unfitted scikit-learn classifier for (params, seed).
        params: the estimator's default hyper-parameters.
        search_space: hyper-parameter grid searched on the cluster before every training
            (name -> candidate values); empty means train with `params` only.
        gate: this model's gate thresholds, the one place they are set (an environment may
            override one in infra/envs/<env>.toml); a model without a gate is refused.
        extra_metrics: name -> f(truth, predicted) -> float, reported (and shown in the
            model card) beside the platform's per-class and business metrics.
        classes: the label values the training snapshot may hold (checked by validation);
            empty means any.
        limitations: what the model must not be used for; printed in its model card.
        dataset: the dataset the model reads (`documents`, or a registered dataset's name).
        features: rolling counts, sums and ratios per entity over the dataset, computed by the
            platform from the events strictly before each row (a dataset model only).
        label_definition: how a row's label is known, and after how long (a dataset model
            only; required there).
    """

    name: str
    description: str
    label: str
    inputs: tuple[str, ...]
    featurizer: Callable[[], Any]
    estimator: Callable[[Mapping[str, Any], int], Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    search_space: Mapping[str, tuple] = field(default_factory=dict)
    # required: a model without one is refused when it is loaded
    gate: Gate | CapacityGate | None = None
    extra_metrics: Mapping[str, Callable[[Any, Any], float]] = field(default_factory=dict)
    classes: tuple[str, ...] = ()
    limitations: str = ""
    dataset: str = DOCUMENTS
    features: tuple[Feature, ...] = ()
    label_definition: LabelDefinition | None = None

    @property
    def on_documents(self) -> bool:
        return self.dataset == DOCUMENTS

    def data(self) -> dict:
        """What the model reads and learns, for its card and `lockgate models`: its dataset,
        features, label definition and horizon."""
        definition = self.label_definition
        return {
            "dataset": self.dataset,
            "features": [f.describe() for f in self.features],
            "label_definition": definition.describe() if definition else None,
            "horizon_days": definition.horizon_days if definition else None,
            "split": "by content" if self.on_documents else "by time",
        }

    @property
    def alerting(self) -> bool:
        """Judged at its alert capacity (a `CapacityGate`), not per class."""
        return isinstance(self.gate, CapacityGate)

    def build_pipeline(self, params: Mapping[str, Any], seed: int):
        """featurizer -> estimator, unfitted; `params` are the estimator's hyper-parameters."""
        from sklearn.pipeline import Pipeline

        return Pipeline(
            [("features", self.featurizer()), ("estimator", self.estimator(params, seed))]
        )


def tree_ensemble(pipeline):
    """The fitted pipeline's estimator if it is a tree ensemble that a release may compile to
    native code (`lockgate.release.compile`), else None."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )

    steps = getattr(pipeline, "steps", None)
    last = steps[-1][1] if steps else pipeline
    supported = (
        HistGradientBoostingClassifier,
        RandomForestClassifier,
        ExtraTreesClassifier,
        GradientBoostingClassifier,
    )
    return last if isinstance(last, supported) else None


class UnknownModel(KeyError):
    pass


class InvalidModel(InvalidPlugin):
    """A model module does not follow the protocol."""


BrokenModel = Skipped  # a model module lockgate skipped: where it was declared, and why


def _spec_of(module_name: str) -> ModelSpec:
    module = importlib.import_module(module_name)
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, ModelSpec):
        raise InvalidModel(f"{module_name} defines no SPEC = ModelSpec(...)")
    if not isinstance(spec.gate, Gate | CapacityGate):
        raise InvalidModel(
            f"{module_name}: {spec.name} sets no gate; every model sets its thresholds, e.g. "
            "gate=Gate(min_precision=0.95, max_manual_review_rate=0.4, min_macro_f1=0.85)"
        )
    if spec.on_documents and (spec.features or spec.label_definition):
        raise InvalidModel(
            f"{module_name}: {spec.name} reads the document table, whose columns and labels "
            "the platform builds; features and a label_definition are for a model on a dataset"
        )
    if not spec.on_documents and not isinstance(spec.label_definition, LabelDefinition):
        raise InvalidModel(
            f"{module_name}: {spec.name} reads the dataset {spec.dataset!r} and sets no "
            "label_definition (which rows are positive, and after how many days that is known)"
        )
    if spec.alerting and spec.label_definition is None:
        raise InvalidModel(
            f"{module_name}: {spec.name} has a CapacityGate, which judges the alerts of a "
            "positive class: it needs a label_definition"
        )
    overlap = set(spec.inputs) & {*SNAPSHOT_KEYS, "label", spec.label}
    if overlap or not spec.inputs:
        raise InvalidModel(
            f"{module_name}: inputs {spec.inputs} must be non-empty and "
            f"must not include {sorted(overlap)}"
        )
    return spec


def discover() -> tuple[dict[str, ModelSpec], list[Skipped]]:
    """(every model that loads, by name; every module skipped, with its problem): this
    package's modules first, then installed plug-ins, the first to declare a name keeping it."""
    sources = plugins.modules(__name__, __path__, ENTRY_POINT_GROUP)
    return plugins.discover(sources, _spec_of, lambda spec: spec.name, "model")


def registered_models() -> dict[str, ModelSpec]:
    """Every model lockgate knows and can load, by name (a broken module is skipped)."""
    return discover()[0]


def broken_models() -> list[BrokenModel]:
    """The model modules skipped, with why (`discover`)."""
    return discover()[1]


def get_model(name: str) -> ModelSpec:
    return plugins.lookup(discover(), name, "model", UnknownModel)


def datasets_read(specs) -> list[str]:
    """The delivered datasets the models `specs` read, their own and their labels' (the
    documents are not one: extraction builds them), sorted: what the DAGs ingest each day."""
    return sorted(
        {
            name
            for spec in specs
            if not spec.on_documents
            for name in (spec.dataset, spec.label_definition.dataset)
        }
    )


def is_alerting(name: str) -> bool:
    """Whether the model `name` raises alerts (a `CapacityGate`); a model no longer installed
    is taken for what every model was before alerting ones: not."""
    try:
        return get_model(name).alerting
    except UnknownModel:
        return False


def check_model(spec: ModelSpec) -> list[str]:
    """What is wrong with `spec` beyond its shape, found by building its parts: inputs its
    dataset does not offer, a label that is one of its columns, features or a label definition
    that read columns nobody has, an estimator that is no classifier with predict_proba,
    search-space names the estimator does not take, a featurizer that is no transformer,
    classes given twice. Empty when none."""
    from sklearn.base import is_classifier

    problems = _document_problems(spec) if spec.on_documents else _dataset_problems(spec)
    try:
        estimator = spec.estimator(dict(spec.params), 0)
    except Exception as exc:
        return [*problems, f"the estimator cannot be built: {type(exc).__name__}: {exc}"]
    if not is_classifier(estimator):
        problems.append(f"the estimator {type(estimator).__name__} is not a classifier")
    if not hasattr(estimator, "predict_proba"):
        problems.append(
            f"the estimator {type(estimator).__name__} has no predict_proba (the gate judges "
            "each class's probability)"
        )
    taken = set(estimator.get_params()) if hasattr(estimator, "get_params") else set()
    strange = sorted(set(spec.search_space) - taken)
    if strange:
        problems.append(f"search space {strange} names no parameter of {type(estimator).__name__}")
    empty = sorted(k for k, values in spec.search_space.items() if not len(values))
    if empty:
        problems.append(f"search space {empty} gives no candidate values")
    try:
        featurizer = spec.featurizer()
    except Exception as exc:
        problems.append(f"the featurizer cannot be built: {type(exc).__name__}: {exc}")
    else:
        if not (hasattr(featurizer, "fit") and hasattr(featurizer, "transform")):
            problems.append(f"the featurizer {type(featurizer).__name__} is no transformer")
    if len(set(spec.classes)) != len(spec.classes):
        problems.append(f"classes {list(spec.classes)} name a class twice")
    return problems


def _document_problems(spec: ModelSpec) -> list[str]:
    problems = []
    unknown = [c for c in spec.inputs if c not in DOCUMENT_COLUMNS]
    if unknown:
        problems.append(
            f"inputs {unknown} are not columns of the document table; it offers "
            f"{', '.join(DOCUMENT_COLUMNS)}"
        )
    if spec.label in (*SNAPSHOT_KEYS, *DOCUMENT_COLUMNS):
        problems.append(f"label {spec.label!r} is a column of the document table, not a label")
    return problems


def _dataset_problems(spec: ModelSpec) -> list[str]:
    """A dataset model's inputs, features, label definition and loss amount against the
    datasets' declared columns."""
    try:
        dataset = get_dataset(spec.dataset)
    except UnknownDataset as exc:
        return [f"it reads a dataset lockgate does not know: {exc.args[0]}"]
    columns = {c.name for c in dataset.columns}
    problems, offered = [], set(columns)
    for feature in spec.features:
        missing = [c for c in feature.reads if c not in offered]
        if missing:
            problems.append(
                f"feature {feature.name!r} reads {missing}, which are neither columns of "
                f"{dataset.name} nor features declared before it"
            )
        if feature.name in offered:
            problems.append(f"feature {feature.name!r} takes the name of a column or feature")
        offered.add(feature.name)
    taken = sorted(set(spec.inputs) & set(SCORED_COLUMNS))
    if taken:
        problems.append(
            f"inputs {taken} take the names of columns scoring writes ({', '.join(SCORED_COLUMNS)})"
        )
    unknown = [c for c in spec.inputs if c not in offered]
    if unknown:
        problems.append(
            f"inputs {unknown} are neither columns of {dataset.name} nor features of the model; "
            f"it offers {', '.join(c.name for c in dataset.columns)}"
        )
    if spec.label in offered:
        problems.append(f"label {spec.label!r} is a column or feature, not a label")
    definition = spec.label_definition
    if definition.key not in columns:
        problems.append(f"the label joins on {definition.key!r}, not a column of {dataset.name}")
    try:
        events = get_dataset(definition.dataset)
    except UnknownDataset as exc:
        problems.append(f"the label is read from a dataset lockgate does not know: {exc.args[0]}")
    else:
        theirs = {c.name for c in events.columns}
        missing = [c for c in (definition.key, definition.event_time) if c not in theirs]
        if missing:
            problems.append(f"the label reads {missing}, not columns of {events.name}")
    amount = getattr(spec.gate, "amount", None)
    if amount is not None and amount not in columns:
        problems.append(f"the gate's amount {amount!r} is not a column of {dataset.name}")
    return problems


def offered_inputs(spec: ModelSpec) -> tuple[str, ...]:
    """The inputs a model on `spec`'s dataset may read: the document table's columns, or the
    dataset's columns and the model's features."""
    if spec.on_documents:
        return DOCUMENT_COLUMNS
    return (*(c.name for c in get_dataset(spec.dataset).columns), *(f.name for f in spec.features))
