"""Helpers shared by the suites that drive lockgate as a user would (subprocesses, real services)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The demo the integration suites run: its run date, and enough documents for every gate to pass.
# The gates judge precision at its lower bound, so a class needs at least 73 automatically
# routed test rows, and few errors among them: at 5,000 documents routing is refused
# (complaints: 133 of 135 right, bound 0.948); at 10,000 its lowest bound is 0.982.
STORY_DATE = "2026-11-20"
STORY_DOCUMENTS = 10_000


def run(args, env, check=True, timeout=1200, cwd=REPO) -> subprocess.CompletedProcess:
    """Run a command; on an unexpected exit code fail with the end of its output."""
    result = subprocess.run(args, env=env, cwd=cwd, text=True, capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{args} exited {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A local SMTP server (aiosmtpd) keeping every message it receives; `airflow` is the
    environment that points Airflow's [smtp] settings at it."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        self.messages = []
        sink = self

        class Keep(Message):
            def handle_message(self, message):
                sink.messages.append(message)

        self.port = free_port()
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self.airflow = {
            "AIRFLOW__SMTP__SMTP_HOST": "127.0.0.1",
            "AIRFLOW__SMTP__SMTP_PORT": str(self.port),
            "AIRFLOW__SMTP__SMTP_STARTTLS": "False",
            "AIRFLOW__SMTP__SMTP_SSL": "False",
            "AIRFLOW__SMTP__SMTP_MAIL_FROM": "lockgate@lockgate.example",
            "AIRFLOW__SMTP__SMTP_RETRY_LIMIT": "0",
        }

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def local_env(home: Path) -> dict[str, str]:
    """The environment `make demo` gives lockgate: the local profile on `home`, this venv's
    Python for Spark's driver and executors, and its bin first on PATH."""
    return os.environ | {
        "LOCKGATE_HOME": str(home),
        "LOCKGATE_PROFILE": "local",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }


def run_demo(env, run_date: str, documents: int) -> subprocess.CompletedProcess:
    """`lockgate demo` as `make demo` runs it."""
    args = [str(BIN / "lockgate"), "demo", "--run-date", run_date, "--documents", str(documents)]
    return run(args, env, timeout=2400)


def install_plugin(site: Path, module: str, source: str, env=os.environ) -> dict[str, str]:
    """Install a team's model package `team_models` with `module` under `site`, the way pip would
    leave it (a dist-info with a `lockgate.models` entry point); returns `env` made to see it."""
    return install_plugins(site, {module: source}, env)


def install_plugins(
    site: Path,
    modules: dict[str, str],
    env=os.environ,
    group: str = "lockgate.models",
    groups: dict[str, str] | None = None,
) -> dict[str, str]:
    """`install_plugin` for several modules of `team_models`, an entry point each in `group`
    (or in `groups[module]` where given: a dataset and a model on it in one distribution)."""
    package = site / "team_models"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))
    dist = site / "team_models-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: team-models\nVersion: 1.0\n")
    by_group: dict[str, list[str]] = {}
    for module in modules:
        by_group.setdefault((groups or {}).get(module, group), []).append(module)
    (dist / "entry_points.txt").write_text(
        "".join(
            f"[{g}]\n" + "".join(f"{m} = team_models.{m}\n" for m in members)
            for g, members in by_group.items()
        )
    )
    return dict(env) | {"PYTHONPATH": f"{site}{os.pathsep}{env.get('PYTHONPATH', '')}"}


def forget_plugins() -> None:
    """Drop every `team_models` module this process imported, so the next test's package of
    that name (on another site) is imported afresh, not found in the module cache."""
    import sys

    for module in [m for m in sys.modules if m.split(".")[0] == "team_models"]:
        del sys.modules[module]


def assert_scorers_agree(case: dict, rows: int) -> None:
    """Every scorer of a bench case scored the same `rows` rows as lockgate, with the same
    prediction, decision and (to float noise) confidence."""
    for side, agreement in case["agreement"].items():
        assert agreement["rows"] == rows, side
        assert agreement["missing_rows"] == 0, side
        assert agreement["prediction_mismatches"] == 0, side
        assert agreement["decision_mismatches"] == 0, side
        assert agreement["max_confidence_difference"] < 1e-9, side


def release_bundle(commit: str, *models: tuple[str, str]):
    """A release bundle for the ledger's and change manager's tests: code `commit`, and each
    (name, version) in `models` with placeholder digests (those tests never load a model)."""
    from lockgate.release.bundle import BundledModel, ReleaseBundle

    return ReleaseBundle(
        models=tuple(
            BundledModel(name, str(version), "", "", (), {}, {}, "") for name, version in models
        ),
        code={"commit": commit},
        suites={},
        config_sha256="",
    )


# The documents of `review_home`.
OLD, NEW, AUTO, KNOWN = ("1" * 64, "2" * 64, "3" * 64, "4" * 64)


def _lake(home: Path) -> Path:
    return home / "lake"


def _partition(root: Path, day: str, table) -> None:
    """`table` as one file of the day's partition, carrying the run date in its rows too, as
    lockgate's jobs write partitions."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "run_date" not in table.column_names:
        table = table.append_column("run_date", pa.array([day] * table.num_rows))
    folder = root / f"run_date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "part-0.parquet")


def _scores(rows):
    import pyarrow as pa

    from lockgate.scoring.batch import SCORE_ARROW_SCHEMA

    top = [[{"label": "kyc", "probability": 0.55}, {"label": "payments", "probability": 0.3}]]
    columns = {
        "doc_id": [r[0] for r in rows],
        "prediction": ["kyc"] * len(rows),
        "confidence": [0.55] * len(rows),
        "decision": [r[1] for r in rows],
        "top_classes": [top[0] if r[1] == "manual_review" else None for r in rows],
    }
    table = pa.table(columns, schema=SCORE_ARROW_SCHEMA)
    for name, value in (("model", "routing"), ("model_version", "3"), ("release_id", "rel-1")):
        table = table.append_column(name, pa.array([value] * len(rows)))
    return table


def review_home(home: Path, reviewers: list[str]) -> Path:
    """A home whose routing model scored four documents in test over two days: OLD and NEW
    sent to manual review, AUTO decided automatically, KNOWN sent to review and already decided
    by a case system; OLD also has the generator's label. `reviewers` hold the reviewer role."""
    from datetime import UTC, datetime

    import pyarrow as pa

    from lockgate.config import load_settings
    from lockgate.labels.store import Decision, as_frame, write_frame
    from lockgate.pipeline.labels import adopt
    from lockgate.storage import Layout

    scores = _lake(home) / "scores" / "test" / "routing"
    _partition(
        scores,
        "2026-11-21",
        _scores([(NEW, "manual_review"), (AUTO, "auto_route"), (KNOWN, "manual_review")]),
    )
    _partition(scores, "2026-11-20", _scores([(OLD, "manual_review")]))
    extracted = _lake(home) / "extracted" / "documents"
    for day, doc in (("2026-11-20", OLD), ("2026-11-21", NEW)):
        entity = {"type": "IBAN", "value": "DE44 5001", "normalized": "DE445001", "valid": True}
        entity |= {"source": "body", "start": 0, "end": 9, "confidence": 1.0}
        _partition(
            extracted,
            day,
            pa.Table.from_pylist(
                [
                    {
                        "doc_id": doc,
                        "parent_doc_id": None,
                        "source_file": f"{day}-{doc[:6]}.txt",
                        "format": "txt",
                        "language": "en",
                        "masked_text": f"Please open an account <IBAN> ({day})",
                        "entities": [entity],
                    }
                ]
            ),
        )
    access = home / "access.toml"
    access.write_text(f"[roles]\nreviewer = {json.dumps(reviewers)}\n")
    access.chmod(0o600)
    settings = load_settings("local", "test", home)
    # A case system already decided KNOWN: a person's decision, so it is not queued.
    moment = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    decided = [
        Decision(KNOWN, "department", "kyc", "j.smith", moment, "import", "pega"),
        Decision(OLD, "department", "payments", "lockgate:generator", moment, "generator", "g"),
    ]
    recorded = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    write_frame(Layout(settings.storage_root), as_frame(decided, "0" * 64, recorded))
    adopt(settings, "os:ci")  # written here, not by an audited command: recorded as adopted
    return home


# A team's package for the plug-in tests: two datasets and a model on them (payments, their
# disputes, and a model of which payments are disputed), declared by entry points only.
PAYMENTS = """
from lockgate.datasets import Column, DatasetSpec

DATASET = DatasetSpec(
    name="payments",
    description="Payments as the payment hub delivers them.",
    columns=(
        Column("payment_id", "string", nullable=False),
        Column("account", "string", nullable=False),
        Column("amount", "double", nullable=False, minimum=0),
        Column("paid_at", "timestamp", nullable=False),
    ),
    key=("payment_id",),
    event_time="paid_at",
    landing_format="csv",
)
"""
DISPUTES = """
from lockgate.datasets import Column, DatasetSpec

DATASET = DatasetSpec(
    name="disputes",
    description="A customer's dispute of a payment, on the day it is raised.",
    columns=(
        Column("dispute_id", "string", nullable=False),
        Column("payment_id", "string", nullable=False),
        Column("raised_at", "timestamp", nullable=False),
    ),
    key=("dispute_id",),
    event_time="raised_at",
    landing_format="jsonl",
)
"""
RISK = """
from lockgate.models import CapacityGate, LabelDefinition, ModelSpec, Ratio, Rolling


def featurizer():
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # A ratio has no value without history (a card's first payment): imputed, not refused.
    return make_pipeline(SimpleImputer(strategy="constant", fill_value=1.0), StandardScaler())


def estimator(params, seed):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(random_state=seed, **params)


SPEC = ModelSpec(
    name="payment_risk",
    description="Payments likely to be disputed.",
    label="disputed",
    inputs=("amount", "account_payments_1d", "amount_to_usual"),
    featurizer=featurizer,
    estimator=estimator,
    gate=CapacityGate(alerts_per_day=1, min_precision=0.5, amount="amount"),
    dataset="payments",
    features=(
        Rolling("account_payments_1d", "count", None, "1d", by="account"),
        Rolling("account_mean_7d", "mean", "amount", "7d", by="account"),
        Ratio("amount_to_usual", "amount", "account_mean_7d"),
    ),
    label_definition=LabelDefinition(
        dataset="disputes", key="payment_id", event_time="raised_at", horizon_days=2,
        positive="disputed", negative="accepted",
    ),
)
"""


def deliver_payment_history(landing: Path, day: str, days: int) -> dict[str, int]:
    """The `payments` and `disputes` deliveries (PAYMENTS, DISPUTES) of `day`: an initial load
    of the `days` days up to it, as a payment hub onboards a feed. Ten accounts pay three times
    a day about their usual amount; one payment a day, of about forty times an account's usual,
    is disputed a day later (delivered when raised by `day`). Returns the rows of each."""
    from datetime import date, timedelta

    last = date.fromisoformat(day)
    payments, disputes = ["payment_id,account,amount,paid_at"], []
    for n in range(days):
        paid_on = last - timedelta(days=days - 1 - n)
        for i in range(31):
            account = f"acc-{i % 10}"
            usual = 10.0 * (i % 10 + 1)
            large = i == 30
            amount = usual * (40 if large else 1 + ((n * 7 + i) % 5) / 10)
            paid_at = f"{paid_on}T{8 + i % 12:02d}:{(i * 13) % 60:02d}:00Z"
            payment = f"pay-{paid_on}-{i:02d}"
            payments.append(f"{payment},{account},{amount:.2f},{paid_at}")
            if large and paid_on < last:
                raised = f"{paid_on + timedelta(days=1)}T09:00:00Z"
                disputes.append(
                    json.dumps(
                        {"dispute_id": f"dis-{payment}", "payment_id": payment, "raised_at": raised}
                    )
                )
    for name, text in (
        ("payments", "\n".join(payments) + "\n"),
        ("disputes", "".join(f"{line}\n" for line in disputes)),
    ):
        folder = landing / name / day
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.{'csv' if name == 'payments' else 'jsonl'}").write_text(text)
    return {"payments": len(payments) - 1, "disputes": len(disputes)}
