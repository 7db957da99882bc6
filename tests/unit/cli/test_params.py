"""Bad input gets one line naming what was wrong and what is allowed, before anything starts."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockgate.cli.main import cli
from lockgate.config import ConfigError, ReleasePolicy


@pytest.fixture
def run(tmp_path):
    def invoke(*args):
        result = CliRunner().invoke(
            cli,
            list(args),
            env={"LOCKGATE_HOME": str(tmp_path / "home"), "LOCKGATE_PROFILE": "local"},
        )
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return result

    return invoke


@pytest.mark.parametrize(
    "args, code, said",
    [
        (["corpus", "--run-date", "2026-13-01"], 2, "'2026-13-01' is not a date"),
        (["corpus", "--run-date", "20261101"], 2, "give YYYY-MM-DD"),
        (["quarantine", "--run-date", "nope"], 2, "'nope' is not a date"),
        (["quarantine", "--run-date", "2026-11-20"], 1, "no extraction run for 2026-11-20"),
        (["history", "--env", "prod", "--at", ""], 2, "is empty"),
        (["history", "--env", "prod", "--at", "noon"], 2, "is not an ISO 8601 time"),
        (
            [
                "monitor",
                "run",
                "--environment",
                "prod",
                "--from",
                "2026-12-05",
                "--to",
                "2026-12-01",
            ],
            2,
            "--from 2026-12-05 is after --to 2026-12-01",
        ),
        (
            ["monitor", "run", "--environment", "prod", "--from", "x", "--to", "2026-12-01"],
            2,
            "'x' is not a date",
        ),
        (
            [
                "monitor",
                "run",
                "--environment",
                "prod",
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-01",
            ],
            1,
            "nothing to monitor",
        ),
        (["model-card", "nomodel", "1"], 1, "no version '1' of model 'nomodel' in the registry"),
        (["reproduce", "nomodel", "1"], 1, "no version '1' of model 'nomodel' in the registry"),
    ],
)
def test_bad_input_is_one_line_that_names_it(run, args, code, said):
    result = run(*args)
    assert result.exit_code == code, result.output
    assert said in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "field, value",
    [
        ("soak_days", -3),
        ("min_scoring_runs", -1),
        ("emergency_deadline_hours", 0),
        ("soak_environment", "staging"),
        ("required_approver_roles", ["risk", "risk"]),
        ("soak_dayz", 7),
    ],
)
def test_policy_values_out_of_range_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        ReleasePolicy(**{field: value})


def test_an_invalid_policy_file_is_a_config_error_naming_the_files(monkeypatch):
    from lockgate import config

    real = config._read_toml

    def read(root, *parts):
        data = real(root, *parts)
        return data | {"release": {"soak_days": -3}} if parts[-1] == "prod.toml" else data

    monkeypatch.setattr(config, "_read_toml", read)
    with pytest.raises(ConfigError, match=r"infra/envs/prod.toml in .* release.soak_days: Input"):
        config.load_settings("local", "prod")


def test_a_malformed_access_file_is_one_line_from_the_command_line(tmp_path):
    site = tmp_path / "access.toml"
    site.write_text("[roles\n")
    site.chmod(0o600)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lockgate")), "change", "list"],
        env={"LOCKGATE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert f"{site} is not valid TOML" in done.stderr
