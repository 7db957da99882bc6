"""The session a job builds: spark-submit's --master and --conf win over the profile's defaults,
as the jobs' docstrings promise (before, the profile silently overwrote them)."""

from __future__ import annotations

from support import BIN, local_env, run

PROBE = """
from lockgate.spark import build_session
session = build_session("probe")
print("session", session.sparkContext.master, session.conf.get("spark.sql.shuffle.partitions"),
      session.conf.get("spark.sql.session.timeZone"))
session.stop()
"""


def test_spark_submits_master_and_conf_win_over_the_profiles(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    submit = [
        str(BIN / "spark-submit"),
        "--master",
        "local[1]",
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.sql.shuffle.partitions=7",
        str(probe),
    ]
    printed = run(submit, local_env(tmp_path / "home"), timeout=300).stdout
    # local.toml says local[*] and 4 partitions; what spark-submit was not told, the profile says
    assert "session local[1] 7 UTC" in printed
