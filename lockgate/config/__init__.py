"""Layered settings: an infrastructure profile (local, yarn) plus an environment policy (dev, test, prod).

`LOCKGATE_PROFILE` selects `infra/profiles/<profile>.toml`, `LOCKGATE_ENV` selects
`infra/envs/base.toml` overlaid with `infra/envs/<env>.toml`, and `LOCKGATE_HOME` is where
the local state lives. Secrets never come from these files: the database password is read
from `LOCKGATE_DB_PASSWORD` or the file the cluster scripts generate.

On YARN the code arrives as a zip (`--py-files`) that also carries `infra/profiles` and
`infra/envs`, so the same files are read from inside the archive.
"""

from __future__ import annotations

import os
import tomllib
import zipfile
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from lockgate.config.secrets import UnsafeSecret, read_secret
from lockgate.config.windows import parse_window

ENVIRONMENTS = ("dev", "test", "prod")
PROFILES = ("local", "yarn")


class ConfigError(ValueError):
    """The configuration asked for is missing or invalid."""


class GateOverride(BaseModel):
    """`[gates.<model>]`: an environment's thresholds for one model; unset keys keep the model's."""

    model_config = {"extra": "forbid"}

    min_precision: float | None = None
    max_manual_review_rate: float | None = None
    min_macro_f1: float | None = None
    champion_margin: float | None = None
    confidence: float | None = None
    # An alerting model's (CapacityGate).
    alerts_per_day: int | None = None
    min_recall: float | None = None
    min_loss_avoided_share: float | None = None


class TrainingPolicy(BaseModel):
    """`[training]`: how every model is trained and compared."""

    seed: int = 20261120
    # Trials of a model's search space run per training; the rest of the grid is cut off.
    max_trials: int = 8
    # The environment whose deployed version a candidate is compared with.
    champion_environment: str = "prod"
    # A model trains on at most this many labelled documents, the newest; None: all of them.
    max_rows: int | None = Field(default=None, ge=1000)


class ExtractionPolicy(BaseModel):
    max_document_bytes: int
    max_text_chars: int = 2_000_000
    max_nesting_depth: int = 8
    max_attachments: int = 50
    time_budget_seconds: float = 10.0
    ocr: bool = True
    month_first_countries: list[str]  # infra/envs/base.toml [extraction]


class ReleasePolicy(BaseModel):
    """How changes reach an environment (see infra/envs/base.toml [release])."""

    model_config = {"extra": "forbid"}

    required_approver_roles: list[str] = Field(default_factory=list)
    # Who may execute (deploy) an approved change, and approve a rollback or an emergency now.
    operations_role: str = Field("operations", min_length=1)
    # A normal change must have run this long in soak_environment, scored there this often.
    soak_environment: Literal["dev", "test", "prod"] | None = None
    soak_days: float = Field(7.0, ge=0, le=365)
    min_scoring_runs: int = Field(3, ge=0, le=1000)
    # "Mon-Thu 09:00-16:00" (UTC); empty means any time. Emergencies and rollbacks ignore them.
    change_windows: list[str] = Field(default_factory=list)
    emergency_deadline_hours: float = Field(72.0, gt=0, le=24 * 30)

    @field_validator("soak_environment", mode="before")
    @classmethod
    def _no_soak(cls, environment: str | None) -> str | None:
        return environment or None  # "" in a policy file means: no soak

    @field_validator("required_approver_roles")
    @classmethod
    def _roles_distinct(cls, roles: list[str]) -> list[str]:
        if len(set(roles)) != len(roles) or not all(role.strip() for role in roles):
            raise ValueError(f"roles must be distinct and named: {roles}")
        return roles

    @field_validator("change_windows")
    @classmethod
    def _windows_parse(cls, windows: list[str]) -> list[str]:
        for window in windows:
            parse_window(window)
        return windows


class DriftThresholds(BaseModel):
    """`[monitoring.models.<model>]`: one model's drift thresholds; unset keys keep the defaults."""

    model_config = {"extra": "forbid"}

    psi: float | None = None
    p_value: float | None = None
    min_rows: int | None = None


class MonitoringPolicy(BaseModel):
    """`[monitoring]`: when a feature has drifted and a day is anomalous (see base.toml)."""

    model_config = {"extra": "forbid"}

    # A feature has drifted when its PSI against the training reference reaches `psi` AND the
    # chi-square test of the same buckets rejects "same distribution" at `p_value`: the first
    # is the size of the change, the second that it is not sampling noise.
    psi: float = 0.2
    p_value: float = 0.01
    # Fewer scored rows than this in the judged window: drift is not judged (said so).
    min_rows: int = 100
    # The daily DAG judges the days from run date - window_days + 1 to the run date, merged.
    window_days: int = 7
    # A day's received documents outside [median / ratio, median * ratio] of the previous
    # `volume_history_days` days (at least 3 of them) is a volume anomaly.
    volume_ratio: float = 2.0
    volume_history_days: int = 7
    # A day's quarantine rate significantly above this (one-sided binomial test at
    # `anomaly_p_value`) is a quarantine anomaly.
    max_quarantine_rate: float = 0.10
    anomaly_p_value: float = 0.01
    # People's labels: when more than this share of a model's automatically decided documents
    # in the judged window were later labelled otherwise by people (at least `min_rows` of them
    # decided automatically), a retraining is proposed like on drift.
    max_correction_rate: float = 0.05
    # Who the lockgate_monitor DAG e-mails on a breach, through Airflow's [smtp] settings.
    alert_to: list[str] = Field(default_factory=lambda: ["ml-platform@lockgate.example"])
    models: dict[str, DriftThresholds] = Field(default_factory=dict)

    def drift_thresholds(self, model: str) -> DriftThresholds:
        """`model`'s psi, p_value and min_rows: its own where set, else the defaults."""
        own = self.models.get(model, DriftThresholds()).model_dump(exclude_none=True)
        defaults = {"psi": self.psi, "p_value": self.p_value, "min_rows": self.min_rows}
        return DriftThresholds(**(defaults | own))


class Policy(BaseModel):
    """What an environment allows: gate thresholds and extraction limits (data rules live in suites)."""

    name: str
    gates: dict[str, GateOverride] = Field(default_factory=dict)
    training: TrainingPolicy = Field(default_factory=TrainingPolicy)
    extraction: ExtractionPolicy
    release: ReleasePolicy
    monitoring: MonitoringPolicy = Field(default_factory=MonitoringPolicy)

    def gate_for(self, spec):
        """The model's own gate with this environment's overrides applied."""
        from dataclasses import replace

        override = self.gates.get(spec.name)
        if override is None:
            return spec.gate
        values = override.model_dump(exclude_none=True)
        foreign = sorted(set(values) - set(type(spec.gate).__dataclass_fields__))
        if foreign:
            raise ValueError(
                f"[gates.{spec.name}] sets {foreign}, which a {type(spec.gate).__name__} "
                f"does not have; it has {sorted(type(spec.gate).__dataclass_fields__)}"
            )
        return replace(spec.gate, **values)


class Settings(BaseModel):
    profile: str
    environment: str
    home: Path
    repo_root: Path
    storage_root: str
    spark_master: str
    mlflow_tracking_uri: str
    mlflow_artifact_root: str
    ledger_url: str
    airflow_db_url: str
    spark_conf: dict[str, str] = Field(default_factory=dict)
    # Cluster profile only: how Spark is submitted, and how code outside Spark reaches HDFS/YARN.
    spark_deploy_mode: str = "client"
    webhdfs_url: str | None = None
    yarn_rm_url: str | None = None
    hadoop_conf_dir: str | None = None
    dist_root: str | None = None
    policy: Policy

    def submit_environment(self) -> dict[str, str]:
        """What spark-submit needs in its environment to reach this profile's cluster: YARN and
        HDFS through HADOOP_CONF_DIR, the published spark-defaults.conf through SPARK_CONF_DIR
        (`lockgate cluster publish`); nothing on the local profile."""
        if not self.hadoop_conf_dir:
            return {}
        return {
            "HADOOP_CONF_DIR": self.hadoop_conf_dir,
            "YARN_CONF_DIR": self.hadoop_conf_dir,
            "SPARK_CONF_DIR": str(self.home / "cluster" / "spark"),
        }

    def database_url(self, url: str) -> str:
        """`url` with the PostgreSQL password filled in from the secret store, if it needs one."""
        if not url.startswith("postgresql"):
            return url
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.password:
            return url
        return parsed.set(password=db_password(self.home)).render_as_string(hide_password=False)


def repo_root() -> Path:
    """The installation lockgate runs from (holds infra/, dags/, jobs/, expectations/): where its
    own code is, never a path a caller names, because release policy and roles are read from
    it. Inside a YARN container this is the job zip itself (`.../lockgate-<version>.zip`)."""
    return Path(__file__).resolve().parent.parent.parent


def db_password(home: Path) -> str:
    """The `lockgate` PostgreSQL role's password: LOCKGATE_DB_PASSWORD, else the generated file."""
    if os.environ.get("LOCKGATE_DB_PASSWORD"):
        return os.environ["LOCKGATE_DB_PASSWORD"]
    secret = home / "cluster" / "secrets" / "postgres.password"
    if not secret.is_file():
        raise ConfigError(
            f"no database password: set LOCKGATE_DB_PASSWORD or start PostgreSQL "
            f"(make cluster-up) so that {secret} exists"
        )
    try:
        return read_secret(secret).decode().strip()
    except UnsafeSecret as exc:
        raise ConfigError(str(exc)) from exc


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(root: Path, *parts: str) -> dict[str, Any]:
    if zipfile.is_zipfile(root):
        entry = zipfile.Path(root, "/".join(parts))
        if not entry.is_file():
            raise ConfigError(f"missing configuration file {'/'.join(parts)} in {root}")
        try:
            return tomllib.loads(entry.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{root}/{'/'.join(parts)} is not valid TOML: {exc}") from exc
    path = root.joinpath(*parts)
    if not path.is_file():
        raise ConfigError(f"missing configuration file {path}")
    return read_toml_file(path)


def read_toml_file(path: Path) -> dict[str, Any]:
    """A TOML file; a malformed one is a ConfigError that names it."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load_settings(
    profile: str | None = None, environment: str | None = None, home: str | Path | None = None
) -> Settings:
    """Settings for a profile and environment; arguments win over LOCKGATE_* variables."""
    profile = profile or os.environ.get("LOCKGATE_PROFILE", "local")
    environment = environment or os.environ.get("LOCKGATE_ENV", "test")
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {environment!r}; choose one of {ENVIRONMENTS}")
    root = repo_root()
    home_path = Path(home or os.environ.get("LOCKGATE_HOME") or root / ".lockgate").resolve()

    infra = _read_toml(root, "infra", "profiles", f"{profile}.toml")
    infra = {
        key: value.format(home=home_path) if isinstance(value, str) else value
        for key, value in infra.items()
    }
    policy = _deep_merge(
        _read_toml(root, "infra", "envs", "base.toml"),
        _read_toml(root, "infra", "envs", f"{environment}.toml"),
    )
    try:
        checked = Policy(**policy)
    except ValidationError as exc:
        found = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(
            f"the policy of {environment} (infra/envs/base.toml with "
            f"infra/envs/{environment}.toml in {root}) is not valid: {found}"
        ) from exc
    return Settings(
        profile=profile,
        environment=environment,
        home=home_path,
        repo_root=root,
        policy=checked,
        **infra,
    )


@cache
def settings() -> Settings:
    """Settings from the process environment, read once."""
    return load_settings()
